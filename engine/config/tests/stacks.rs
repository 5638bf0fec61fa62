//! Stack operations as the CLI drives them, on real files in a temporary project.

use std::path::Path;

use engine_config::{
    Cloud, ConfigError, KdfParams, PassphraseSource, Project, SecretsProvider, StackInit, StoredValue, ValueKind,
    parse_value,
};
use serde_json::json;

const CHEAP: KdfParams = KdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };

fn project(dir: &Path) -> Project {
    std::fs::write(dir.join("Engine.toml"), "name = \"events\"\nruntime = \"rust\"\n").unwrap();
    Project::load(dir).unwrap()
}

fn init(project: &Project, name: &str, cloud: Cloud, passphrase: &str) -> engine_config::Stack {
    let mut init = StackInit::new(cloud);
    init.kdf_params = Some(CHEAP);
    if cloud == Cloud::Aws {
        init.region = Some("eu-west-1".to_owned());
    }
    project.init_stack(name, &init, &PassphraseSource::given(passphrase)).unwrap()
}

#[test]
fn init_list_select_and_remove() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    assert!(matches!(project.resolve_stack(None).unwrap_err(), ConfigError::NoStackSelected { .. }));

    let dev = init(&project, "dev", Cloud::Local, "unused");
    assert_eq!((dev.cloud(), dev.region(), dev.secrets_provider()), (Cloud::Local, "us-east-1", SecretsProvider::LocalKey));
    assert!(dev.passphrase_settings().is_none());
    let prod = init(&project, "prod", Cloud::Aws, "pw");
    assert_eq!(prod.secrets_provider(), SecretsProvider::Passphrase);
    assert!(prod.passphrase_settings().is_some());
    assert_eq!(project.stack_names().unwrap(), ["dev", "prod"]);
    // init selects the new stack
    assert_eq!(project.resolve_stack(None).unwrap(), "prod");
    project.select_stack("dev").unwrap();
    assert_eq!(project.resolve_stack(None).unwrap(), "dev");
    assert_eq!(project.resolve_stack(Some("prod")).unwrap(), "prod");
    let missing = project.resolve_stack(Some("qa")).unwrap_err().to_string();
    assert!(missing.contains("stack `qa` does not exist") && missing.contains("dev, prod"), "{missing}");
    assert!(matches!(
        project.init_stack("dev", &StackInit::new(Cloud::Local), &PassphraseSource::none()).unwrap_err(),
        ConfigError::StackExists { .. }
    ));
    assert!(matches!(
        project.init_stack("../x", &StackInit::new(Cloud::Local), &PassphraseSource::none()).unwrap_err(),
        ConfigError::InvalidStackName { .. }
    ));
    // An aws stack needs a passphrase at init.
    let mut aws = StackInit::new(Cloud::Aws);
    aws.region = Some("eu-west-1".to_owned());
    assert!(matches!(
        project.init_stack("qa", &aws, &PassphraseSource::none()).unwrap_err(),
        ConfigError::PassphraseMissing { .. }
    ));
    assert!(!project.stack_file("qa").exists());

    // Removal asks the caller whether the stack still has resources.
    let error = project.remove_stack("dev", false, &mut |_| Ok(3)).unwrap_err();
    assert!(matches!(error, ConfigError::StackHasResources { count: 3, .. }), "{error}");
    assert!(error.to_string().contains("engine destroy --stack dev"));
    assert!(matches!(
        project.remove_stack("dev", false, &mut |_| Err("state unreadable".to_owned())).unwrap_err(),
        ConfigError::ResourceCheck { .. }
    ));
    dev.crypter(&PassphraseSource::none()).ensure().unwrap();
    assert!(project.local_key_file("dev").exists());
    project.remove_stack("dev", true, &mut |_| Ok(3)).unwrap();
    assert!(!project.stack_file("dev").exists());
    assert!(!project.local_key_file("dev").exists());
    assert_eq!(project.selected_stack().unwrap(), None);
    // With one stack left, it is used without a selection.
    assert_eq!(project.resolve_stack(None).unwrap(), "prod");
    project.remove_stack("prod", false, &mut |_| Ok(0)).unwrap();
    assert!(project.stack_names().unwrap().is_empty());
}

#[test]
fn config_set_get_rm_and_program_config() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let mut stack = init(&project, "prod", Cloud::Aws, "pw");
    let crypter = stack.crypter(&PassphraseSource::given("pw"));

    let key = stack.set_config("logRetentionDays", parse_value("logRetentionDays", "14", ValueKind::Auto).unwrap()).unwrap();
    assert_eq!(key.full(), "events:logRetentionDays");
    stack.set_config("aws:profile", json!("dev")).unwrap();
    stack.set_config("tags", json!({"team": "core", "ids": [1, 2]})).unwrap();
    stack.set_secret_config("apiToken", &json!("tok-SECRET-123"), &crypter).unwrap();
    stack.save().unwrap();

    let text = std::fs::read_to_string(project.stack_file("prod")).unwrap();
    assert!(!text.contains("tok-SECRET-123"), "{text}");
    assert!(text.contains("logRetentionDays = 14"), "{text}");
    assert!(text.contains("\"aws:profile\" = \"dev\""), "{text}");
    assert!(text.contains("apiToken = { secure = \"v1:"), "{text}");
    assert!(text.contains("[encryption]"), "{text}");

    let stack = project.load_stack("prod").unwrap();
    let crypter = stack.crypter(&PassphraseSource::given("pw"));
    let token = stack.get_config("apiToken", &crypter).unwrap().unwrap();
    assert_eq!((token.value, token.secret), (json!("tok-SECRET-123"), true));
    assert_eq!(stack.get_config("events:logRetentionDays", &crypter).unwrap().unwrap().value, json!(14));
    assert!(stack.get_config("nope", &crypter).unwrap().is_none());
    let program = stack.program_config(&crypter).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&program.config_json()).unwrap(),
        json!({
            "aws:profile": "dev",
            "events:apiToken": "tok-SECRET-123",
            "events:logRetentionDays": 14,
            "events:tags": {"team": "core", "ids": [1, 2]},
        })
    );
    assert_eq!(program.secret_keys_json(), "[\"events:apiToken\"]");
    let entries = stack.config_entries();
    assert!(matches!(&entries[1].value, StoredValue::Secret { ciphertext } if ciphertext.starts_with("v1:")));

    // The wrong passphrase is a clear error, not garbage; plain values need no passphrase.
    let wrong = stack.crypter(&PassphraseSource::given("nope"));
    let error = stack.get_config("apiToken", &wrong).unwrap_err();
    assert!(matches!(error, ConfigError::WrongPassphrase { .. }), "{error}");
    let none = stack.crypter(&PassphraseSource::none());
    assert_eq!(stack.get_config("logRetentionDays", &none).unwrap().unwrap().value, json!(14));

    let mut stack = stack;
    assert!(stack.remove_config("apiToken").unwrap());
    assert!(!stack.remove_config("apiToken").unwrap());
    stack.save().unwrap();
    let text = std::fs::read_to_string(project.stack_file("prod")).unwrap();
    assert!(!text.contains("apiToken"), "{text}");
}

#[test]
fn edits_keep_comments_and_hand_written_keys() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let file = project.stack_file("dev");
    std::fs::write(
        &file,
        "# our dev stack\ncloud = \"local\"\n\n[config]\n# days to keep logs\n\"events:logRetentionDays\" = 14\nname = \"x\" # trailing\n",
    )
    .unwrap();
    let mut stack = project.load_stack("dev").unwrap();
    assert_eq!(stack.region(), "us-east-1");
    stack.set_config("logRetentionDays", json!(30)).unwrap();
    stack.set_config("extra", json!(true)).unwrap();
    stack.save().unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# our dev stack\n"), "{text}");
    assert!(text.contains("# days to keep logs"), "{text}");
    assert!(text.contains("# days to keep logs\n\"events:logRetentionDays\" = 30\n"), "{text}");
    assert!(text.contains("name = \"x\" # trailing"), "{text}");
    assert!(text.contains("extra = true"), "{text}");
}

#[test]
fn bad_stack_files_are_refused_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let cases = [
        ("cloud = \"gcp\"\n", ":1:9: unknown cloud \"gcp\""),
        ("cloud = \"aws\"\n", "missing `region`"),
        ("cloud = \"aws\"\nregion = \"x\"\nsecrets = \"local-key\"\n", ":3:11: `secrets = \"local-key\"` is only for stacks on the local cloud"),
        ("cloud = \"local\"\nregoin = \"x\"\n", ":2:1: unknown key `regoin`"),
        ("[config]\n\"a:b:c\" = 1\n", ":2:"),
        ("[config]\nx = 1\n\"events:x\" = 2\n", "set twice"),
        ("cloud = \"aws\"\nregion = \"x\"\n[encryption]\nkdf = \"scrypt\"\n", "unknown kdf"),
        ("[config\n", "not valid TOML"),
    ];
    for (text, expected) in cases {
        std::fs::write(project.stack_file("bad"), text).unwrap();
        let message = project.load_stack("bad").unwrap_err().to_string();
        assert!(message.contains("Engine.bad.toml") && message.contains(expected), "{text:?}: {message}");
    }
}

#[test]
fn hand_written_passphrase_stack_gets_encryption_settings_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let file = project.stack_file("prod");
    std::fs::write(&file, "cloud = \"aws\"\nregion = \"eu-west-1\"\n").unwrap();
    let mut stack = project.load_stack("prod").unwrap();
    let crypter = stack.crypter(&PassphraseSource::given("pw"));
    stack.set_secret_config("k", &json!(1), &crypter).unwrap();
    // The settings were written at once, and a later save keeps them.
    assert!(std::fs::read_to_string(&file).unwrap().contains("[encryption]"));
    stack.save().unwrap();
    let stack = project.load_stack("prod").unwrap();
    assert!(stack.passphrase_settings().is_some());
    let value = stack.get_config("k", &stack.crypter(&PassphraseSource::given("pw"))).unwrap().unwrap();
    assert_eq!(value.value, json!(1));
}

#[test]
fn local_key_stacks_need_no_passphrase_and_other_keys_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let project = project(dir.path());
    let mut stack = init(&project, "dev", Cloud::Local, "unused");
    let crypter = stack.crypter(&PassphraseSource::none());
    stack.set_secret_config("dbPassword", &json!("pa55word!"), &crypter).unwrap();
    stack.save().unwrap();
    assert!(dir.path().join(".engine/.gitignore").exists());
    let reloaded = project.load_stack("dev").unwrap();
    let value = reloaded.get_config("dbPassword", &reloaded.crypter(&PassphraseSource::none())).unwrap().unwrap();
    assert_eq!(value.value, json!("pa55word!"));
    // A fresh clone has another key: the error names the key and how to fix it.
    std::fs::remove_file(project.local_key_file("dev")).unwrap();
    let error = reloaded.get_config("dbPassword", &reloaded.crypter(&PassphraseSource::none())).unwrap_err().to_string();
    assert!(error.contains("dev.key") && error.contains("events:dbPassword") && error.contains("--secret"), "{error}");
}
