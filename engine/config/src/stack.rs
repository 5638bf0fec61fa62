//! Stack files `Engine.<stack>.toml`: cloud, region, secrets settings and the `[config]` table.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};
use toml_edit::{DocumentMut, InlineTable, Item, Table};

use crate::error::{ConfigError, Result};
use crate::fsutil;
use crate::project::Project;
use crate::secrets::{Crypter, KdfParams, PassphraseSettings, PassphraseSource, new_passphrase_settings};
use crate::tomlfile::TomlFile;
use crate::value::{ConfigKey, check_storable, json_to_toml, toml_item_to_json};

/// The region of a local-cloud stack when `stack init` is given none.
pub const DEFAULT_LOCAL_REGION: &str = "us-east-1";

/// Where a stack's resources live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cloud {
    /// The engine's own Cloud Control server (`.engine/local-cloud/`).
    Local,
    /// AWS, through the standard AWS configuration chain.
    Aws,
}

impl Cloud {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Aws => "aws",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "local" => Some(Self::Local),
            "aws" => Some(Self::Aws),
            _ => None,
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a stack's encryption key comes from (`secrets = "..."`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretsProvider {
    /// A passphrase (`ENGINE_PASSPHRASE`, or asked) through Argon2id; salt in the stack file.
    Passphrase,
    /// A random key in `.engine/keys/<stack>.key` (local-cloud stacks only).
    LocalKey,
}

impl SecretsProvider {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passphrase => "passphrase",
            Self::LocalKey => "local-key",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "passphrase" => Some(Self::Passphrase),
            "local-key" => Some(Self::LocalKey),
            _ => None,
        }
    }
}

impl fmt::Display for SecretsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The options of `engine stack init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackInit {
    pub cloud: Cloud,
    /// `None`: `us-east-1` on the local cloud; `AWS_REGION`/`AWS_DEFAULT_REGION` on aws (else an error).
    pub region: Option<String>,
    /// `None`: local-key on the local cloud, passphrase on aws.
    pub secrets: Option<SecretsProvider>,
    /// `None`: [`KdfParams::DEFAULT`]. (Tests use cheap parameters.)
    pub kdf_params: Option<KdfParams>,
}

impl StackInit {
    #[must_use]
    pub fn new(cloud: Cloud) -> Self {
        Self { cloud, region: None, secrets: None, kdf_params: None }
    }
}

/// A config value as stored in the stack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredValue {
    Plain(Value),
    /// `{ secure = "v1:..." }`: the ciphertext of the value's JSON text.
    Secret { ciphertext: String },
}

/// One `[config]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub key: ConfigKey,
    pub value: StoredValue,
}

/// A config value read back (secrets decrypted).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigValue {
    pub value: Value,
    pub secret: bool,
}

/// What a program gets: `ENGINE_CONFIG` and `ENGINE_CONFIG_SECRET_KEYS`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProgramConfig {
    /// Full key (`events:logRetentionDays`) to JSON value, secrets decrypted.
    pub values: Map<String, Value>,
    /// The full keys whose values are secret, sorted.
    pub secret_keys: Vec<String>,
}

impl ProgramConfig {
    /// The `ENGINE_CONFIG` value: a JSON object.
    #[must_use]
    pub fn config_json(&self) -> String {
        Value::Object(self.values.clone()).to_string()
    }

    /// The `ENGINE_CONFIG_SECRET_KEYS` value: a JSON array of strings.
    #[must_use]
    pub fn secret_keys_json(&self) -> String {
        Value::from(self.secret_keys.clone()).to_string()
    }

    /// Both variables, ready for `Command::envs`.
    #[must_use]
    pub fn env(&self) -> [(&'static str, String); 2] {
        [
            (engine_proto::env::CONFIG, self.config_json()),
            (engine_proto::env::CONFIG_SECRET_KEYS, self.secret_keys_json()),
        ]
    }
}

/// A loaded stack file. Edits (`set_config`, `remove_config`) change memory only; [`Stack::save`]
/// writes the file atomically, keeping the user's comments and layout.
#[derive(Debug)]
pub struct Stack {
    name: String,
    project: String,
    file: PathBuf,
    local_key_file: PathBuf,
    cloud: Cloud,
    region: String,
    secrets: SecretsProvider,
    /// Shared with a lazily-initialising crypter (which may create these settings).
    encryption: Arc<Mutex<Option<PassphraseSettings>>>,
    config: BTreeMap<ConfigKey, StoredValue>,
    doc: DocumentMut,
}

impl Stack {
    pub(crate) fn load(project: &Project, name: &str) -> Result<Self> {
        let file = project.stack_file(name);
        let text = fsutil::read_to_string(&file)?;
        Self::parse(&text, &file, name, &project.name, project.local_key_file(name))
    }

    /// Parse the text of a stack file (for tools and tests; [`Project::load_stack`] is the usual way).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] with line and column.
    pub fn parse(text: &str, file: &Path, name: &str, project: &str, local_key_file: PathBuf) -> Result<Self> {
        let toml = TomlFile::parse(file, text)?;
        let root = toml.doc.as_table();
        toml.only_keys(root, &["cloud", "region", "secrets", "config", "encryption"], "a stack file")?;
        let span_of = |key: &str| root.get(key).and_then(Item::span);

        let cloud = match toml.string(root, "cloud")? {
            None => Cloud::Local,
            Some(text) => Cloud::parse(&text).ok_or_else(|| {
                toml.error(span_of("cloud"), format!("unknown cloud \"{text}\" (expected \"local\" or \"aws\")"))
            })?,
        };
        let region = match toml.string(root, "region")? {
            Some(region) if region.is_empty() => return Err(toml.error(span_of("region"), "`region` is empty")),
            Some(region) => region,
            None if cloud == Cloud::Local => DEFAULT_LOCAL_REGION.to_owned(),
            None => return Err(toml.error(None, "missing `region` (required for a stack on the aws cloud)")),
        };
        let secrets = match toml.string(root, "secrets")? {
            None if cloud == Cloud::Local => SecretsProvider::LocalKey,
            None => SecretsProvider::Passphrase,
            Some(text) => SecretsProvider::parse(&text).ok_or_else(|| {
                toml.error(span_of("secrets"), format!("unknown secrets \"{text}\" (expected \"passphrase\" or \"local-key\")"))
            })?,
        };
        if secrets == SecretsProvider::LocalKey && cloud == Cloud::Aws {
            return Err(toml.error(
                span_of("secrets"),
                "`secrets = \"local-key\"` is only for stacks on the local cloud (the key never leaves this machine); use \"passphrase\"",
            ));
        }

        let encryption = match root.get("encryption") {
            None => None,
            Some(item) => {
                let table = item.as_table().ok_or_else(|| {
                    toml.error(item.span(), "`encryption` must be a table ([encryption])")
                })?;
                Some(parse_encryption(&toml, table)?)
            }
        };

        let mut config = BTreeMap::new();
        if let Some(item) = root.get("config") {
            let table = item
                .as_table_like()
                .ok_or_else(|| toml.error(item.span(), "`config` must be a table ([config])"))?;
            for (key_text, item) in table.iter() {
                let at = |message: String| {
                    let span = item.span();
                    toml.error(span, message)
                };
                let key = ConfigKey::parse(key_text, project).map_err(|e| at(e.to_string()))?;
                let stored = match secure_ciphertext(item) {
                    Some(ciphertext) => StoredValue::Secret { ciphertext },
                    None => {
                        let value = toml_item_to_json(item).map_err(|e| at(format!("config key `{key}`: {e}")))?;
                        StoredValue::Plain(value)
                    }
                };
                if config.insert(key.clone(), stored).is_some() {
                    return Err(at(format!("config key `{key}` is set twice (bare and with its namespace)")));
                }
            }
        }

        let doc = text.parse::<DocumentMut>().map_err(|e| toml.error(e.span(), e.message().to_owned()))?;
        Ok(Self {
            name: name.to_owned(),
            project: project.to_owned(),
            file: file.to_path_buf(),
            local_key_file,
            cloud,
            region,
            secrets,
            encryption: Arc::new(Mutex::new(encryption)),
            config,
            doc,
        })
    }

    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    #[must_use]
    pub fn project(&self) -> &str {
        &self.project
    }

    #[must_use]
    pub fn file(&self) -> &Path {
        &self.file
    }

    #[must_use]
    pub fn cloud(&self) -> Cloud {
        self.cloud
    }

    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    #[must_use]
    pub fn secrets_provider(&self) -> SecretsProvider {
        self.secrets
    }

    /// The passphrase settings (`[encryption]`), if any.
    #[must_use]
    pub fn passphrase_settings(&self) -> Option<PassphraseSettings> {
        self.encryption.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The stack's crypter. Nothing happens until it is first used (or [`Crypter::ensure`]d):
    /// then the passphrase is resolved from `passphrase` and checked, or the local key is read
    /// (created on first need). A passphrase stack without `[encryption]` settings (a hand-written
    /// file) gets them then, and they are written to the stack file at once.
    #[must_use]
    pub fn crypter(&self, passphrase: &PassphraseSource) -> Crypter {
        match self.secrets {
            SecretsProvider::LocalKey => Crypter::from_local_key(&self.local_key_file),
            SecretsProvider::Passphrase => {
                if let Some(settings) = self.passphrase_settings() {
                    return Crypter::from_passphrase(&self.name, &self.file, settings, passphrase.clone());
                }
                let shared = self.encryption.clone();
                let stack = self.name.clone();
                let file = self.file.clone();
                let source = passphrase.clone();
                Crypter::lazy(
                    format!("the passphrase of stack `{stack}`"),
                    Box::new(move || {
                        let settings = new_passphrase_settings(&stack, &source, KdfParams::DEFAULT)?;
                        persist_encryption(&file, &settings)?;
                        *shared.lock().unwrap_or_else(PoisonError::into_inner) = Some(settings.clone());
                        // The key was just derived and cached; this re-uses it and checks the verifier.
                        let crypter = Crypter::from_passphrase(&stack, &file, settings, source);
                        crypter.take_key()
                    }),
                )
            }
        }
    }

    /// Every `[config]` entry, sorted by full key.
    #[must_use]
    pub fn config_entries(&self) -> Vec<ConfigEntry> {
        self.config.iter().map(|(key, value)| ConfigEntry { key: key.clone(), value: value.clone() }).collect()
    }

    /// Whether any config value is secret.
    #[must_use]
    pub fn has_secret_config(&self) -> bool {
        self.config.values().any(|v| matches!(v, StoredValue::Secret { .. }))
    }

    /// Parse `key` in this stack's project namespace.
    ///
    /// # Errors
    /// [`ConfigError::InvalidKey`].
    pub fn key(&self, key: &str) -> Result<ConfigKey> {
        ConfigKey::parse(key, &self.project)
    }

    /// Set a plain value (`engine config set KEY VALUE`). Returns the full key.
    ///
    /// # Errors
    /// [`ConfigError::InvalidKey`], [`ConfigError::InvalidValue`] (null, out-of-range numbers).
    pub fn set_config(&mut self, key: &str, value: Value) -> Result<ConfigKey> {
        let key = self.key(key)?;
        check_storable(&value).map_err(|reason| ConfigError::InvalidValue { key: key.full(), reason })?;
        self.store(&key, StoredValue::Plain(value))?;
        Ok(key)
    }

    /// Set a secret value (`engine config set KEY VALUE --secret`), encrypted with `crypter`.
    ///
    /// # Errors
    /// As [`Stack::set_config`], and the crypter's errors.
    pub fn set_secret_config(&mut self, key: &str, value: &Value, crypter: &Crypter) -> Result<ConfigKey> {
        let key = self.key(key)?;
        check_storable(value).map_err(|reason| ConfigError::InvalidValue { key: key.full(), reason })?;
        let ciphertext = crypter.encrypt_value(value)?;
        self.store(&key, StoredValue::Secret { ciphertext })?;
        Ok(key)
    }

    /// Read a value, decrypting it when secret (`crypter` is only used then).
    ///
    /// # Errors
    /// [`ConfigError::InvalidKey`], decryption errors.
    pub fn get_config(&self, key: &str, crypter: &Crypter) -> Result<Option<ConfigValue>> {
        let key = self.key(key)?;
        match self.config.get(&key) {
            None => Ok(None),
            Some(StoredValue::Plain(value)) => Ok(Some(ConfigValue { value: value.clone(), secret: false })),
            Some(StoredValue::Secret { ciphertext }) => {
                let value = decrypt_config(crypter, &key, ciphertext)?;
                Ok(Some(ConfigValue { value, secret: true }))
            }
        }
    }

    /// Remove a key (`engine config rm KEY`); `false` when it was not set.
    ///
    /// # Errors
    /// [`ConfigError::InvalidKey`].
    pub fn remove_config(&mut self, key: &str) -> Result<bool> {
        let key = self.key(key)?;
        let existed = self.config.remove(&key).is_some();
        if let Some(table) = self.doc.get_mut("config").and_then(Item::as_table_like_mut) {
            table.remove(&key.full());
            if key.namespace() == self.project {
                table.remove(key.name());
            }
        }
        Ok(existed)
    }

    /// The program's config: every value (secrets decrypted) by full key, and the secret keys.
    ///
    /// # Errors
    /// Decryption errors, naming the key.
    pub fn program_config(&self, crypter: &Crypter) -> Result<ProgramConfig> {
        let mut config = ProgramConfig::default();
        for (key, stored) in &self.config {
            let value = match stored {
                StoredValue::Plain(value) => value.clone(),
                StoredValue::Secret { ciphertext } => {
                    config.secret_keys.push(key.full());
                    decrypt_config(crypter, key, ciphertext)?
                }
            };
            config.values.insert(key.full(), value);
        }
        Ok(config)
    }

    /// Write the stack file atomically (comments and layout kept).
    ///
    /// # Errors
    /// [`ConfigError::Io`].
    pub fn save(&mut self) -> Result<()> {
        if let Some(settings) = self.passphrase_settings() {
            set_encryption_table(&mut self.doc, &settings);
        }
        fsutil::write_atomic(&self.file, self.doc.to_string().as_bytes(), None)
    }

    fn store(&mut self, key: &ConfigKey, stored: StoredValue) -> Result<()> {
        let toml_value = match &stored {
            StoredValue::Plain(value) => {
                json_to_toml(value).map_err(|reason| ConfigError::InvalidValue { key: key.full(), reason })?
            }
            StoredValue::Secret { ciphertext } => {
                let mut table = InlineTable::new();
                table.insert("secure", ciphertext.as_str().into());
                toml_edit::Value::InlineTable(table)
            }
        };
        let own = key.namespace() == self.project;
        if !self.doc.contains_key("config") {
            self.doc.insert("config", Item::Table(Table::new()));
        }
        let table = self.doc.get_mut("config").and_then(Item::as_table_like_mut).ok_or_else(|| {
            ConfigError::InvalidValue { key: key.full(), reason: "`config` in the stack file is not a table".to_owned() }
        })?;
        // Keep the form (bare or full), position, comments and trailing comment of an existing key.
        let existing_key = [key.full(), key.name().to_owned()]
            .into_iter()
            .take(if own { 2 } else { 1 })
            .find(|candidate| table.contains_key(candidate));
        match existing_key.and_then(|k| table.get_mut(&k)) {
            Some(existing) => {
                let mut toml_value = toml_value;
                if let Some(old) = existing.as_value() {
                    *toml_value.decor_mut() = old.decor().clone();
                }
                *existing = Item::Value(toml_value);
            }
            None => {
                let file_key = if own { key.name().to_owned() } else { key.full() };
                table.insert(&file_key, Item::Value(toml_value));
            }
        }
        self.config.insert(key.clone(), stored);
        Ok(())
    }
}

impl ConfigKey {
    /// The key as a user of `project` writes it: bare in the project's own namespace.
    #[must_use]
    pub fn short(&self, project: &str) -> String {
        if self.namespace() == project { self.name().to_owned() } else { self.full() }
    }
}

fn decrypt_config(crypter: &Crypter, key: &ConfigKey, ciphertext: &str) -> Result<Value> {
    crypter.decrypt_value(ciphertext).map_err(|error| match error {
        ConfigError::Decrypt { key: label, message } => ConfigError::Decrypt {
            key: label,
            message: format!("config key `{key}`: {message}; set it again with `engine config set {} --secret`", key.name()),
        },
        other => other,
    })
}

/// `{ secure = "..." }` (a table with exactly that string key) is a secret.
fn secure_ciphertext(item: &Item) -> Option<String> {
    let table = item.as_table_like()?;
    if table.len() != 1 {
        return None;
    }
    table.get("secure")?.as_str().map(str::to_owned)
}

fn parse_encryption(toml: &TomlFile<'_>, table: &Table) -> Result<PassphraseSettings> {
    toml.only_keys(table, &["kdf", "salt", "memory-kib", "iterations", "parallelism", "verifier"], "[encryption]")?;
    let missing = |key: &str| toml.error(table.span(), format!("[encryption] is missing `{key}`"));
    let kdf = toml.string(table, "kdf")?.ok_or_else(|| missing("kdf"))?;
    if kdf != "argon2id" {
        return Err(toml.error_at_key(table, "kdf", format!("unknown kdf \"{kdf}\" (expected \"argon2id\")")));
    }
    let salt_text = toml.string(table, "salt")?.ok_or_else(|| missing("salt"))?;
    let salt = BASE64
        .decode(&salt_text)
        .ok()
        .filter(|salt| salt.len() >= 8)
        .ok_or_else(|| toml.error_at_key(table, "salt", "`salt` must be base64 of at least 8 bytes"))?;
    let number = |key: &str| -> Result<u32> {
        let value = toml.integer(table, key)?.ok_or_else(|| missing(key))?;
        u32::try_from(value).ok().filter(|v| *v > 0).ok_or_else(|| {
            toml.error_at_key(table, key, format!("`{key}` must be a positive 32-bit integer"))
        })
    };
    let params = KdfParams { memory_kib: number("memory-kib")?, iterations: number("iterations")?, parallelism: number("parallelism")? };
    let verifier = toml.string(table, "verifier")?.ok_or_else(|| missing("verifier"))?;
    if !crate::secrets::is_ciphertext(&verifier) {
        return Err(toml.error_at_key(table, "verifier", "`verifier` is not an engine v1 ciphertext"));
    }
    Ok(PassphraseSettings { salt, params, verifier })
}

fn set_encryption_table(doc: &mut DocumentMut, settings: &PassphraseSettings) {
    let mut table = Table::new();
    table.insert("kdf", toml_edit::value("argon2id"));
    table.insert("salt", toml_edit::value(BASE64.encode(&settings.salt)));
    table.insert("memory-kib", toml_edit::value(i64::from(settings.params.memory_kib)));
    table.insert("iterations", toml_edit::value(i64::from(settings.params.iterations)));
    table.insert("parallelism", toml_edit::value(i64::from(settings.params.parallelism)));
    table.insert("verifier", toml_edit::value(settings.verifier.as_str()));
    let unchanged = doc.get("encryption").and_then(Item::as_table).is_some_and(|old| {
        old.iter().map(|(k, v)| (k.to_owned(), v.to_string().trim().to_owned())).collect::<Vec<_>>()
            == table.iter().map(|(k, v)| (k.to_owned(), v.to_string().trim().to_owned())).collect::<Vec<_>>()
    });
    if !unchanged {
        doc.insert("encryption", Item::Table(table));
    }
}

/// Add `[encryption]` to the stack file on disk, keeping everything else as it is.
fn persist_encryption(file: &Path, settings: &PassphraseSettings) -> Result<()> {
    let text = fsutil::read_to_string(file)?;
    let mut doc = text.parse::<DocumentMut>().map_err(|e| ConfigError::Invalid {
        file: file.to_path_buf(),
        line: 1,
        column: 1,
        message: e.message().to_owned(),
    })?;
    set_encryption_table(&mut doc, settings);
    fsutil::write_atomic(file, doc.to_string().as_bytes(), None)
}

pub(crate) fn initial_text(
    project: &Project,
    name: &str,
    cloud: Cloud,
    region: &str,
    secrets: SecretsProvider,
    encryption: Option<&PassphraseSettings>,
) -> String {
    let mut doc = DocumentMut::new();
    doc.insert("cloud", toml_edit::value(cloud.as_str()));
    doc.insert("region", toml_edit::value(region));
    doc.insert("secrets", toml_edit::value(secrets.as_str()));
    doc.insert("config", Item::Table(Table::new()));
    if let Some(settings) = encryption {
        set_encryption_table(&mut doc, settings);
    }
    format!(
        "# Stack `{name}` of project `{}`: commit this file. Set values with `engine config set`.\n{doc}",
        project.name
    )
}

/// Stack names are used in file names and URNs: letters, digits, `-`, `_`, `.`; at most 64.
pub(crate) fn validate_stack_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".to_owned());
    }
    if name.len() > 64 {
        return Err("the name is longer than 64 characters".to_owned());
    }
    if name.starts_with(['.', '-']) {
        return Err("the name cannot start with `.` or `-`".to_owned());
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Err(format!("`{bad}` is not allowed; use letters, digits, `-`, `_` and `.`"));
    }
    Ok(())
}
