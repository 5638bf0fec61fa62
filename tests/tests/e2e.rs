//! End-to-end: the real `engine` binary, the scenario program, the embedded local cloud.
//! Run with `cargo test -p engine-tests` (the slow ones: `-- --ignored`).

use engine_tests::{Project, buckets};
use serde_json::json;

#[test]
fn up_then_no_op_preview_then_destroy_leaves_the_cloud_empty() {
    let spec = json!({
        "resources": [
            {"type": "AWS::Logs::LogGroup", "name": "logs", "props": {"RetentionInDays": 7}},
            {"type": "AWS::SQS::Queue", "name": "queue", "props": {"Tags": [{"Key": "group", "Value": "${logs.id}"}]}},
            {"type": "Engine::Random::Password", "name": "pw", "props": {"Length": 20}}
        ],
        "outputs": {"queueUrl": "${queue.QueueUrl}", "password": "${pw.Result}"}
    });
    let project = Project::new(&spec);
    let up = project.up().ok();
    assert!(up.stdout.contains("created"), "{}", up.text());
    let cloud = project.cloud_resources();
    assert_eq!(cloud.len(), 2, "{cloud:?}");
    assert_eq!(cloud, project.state_cloud_resources());

    // A second preview sees nothing to do.
    let preview = project.engine(&["preview", "--expect-no-changes"]);
    assert_eq!(preview.code, 0, "{}", preview.text());

    // Outputs: the password is masked unless asked for.
    let outputs = project.engine(&["stack", "output", "--json"]).ok();
    let masked: serde_json::Value = serde_json::from_str(&outputs.stdout).unwrap();
    assert_eq!(masked["password"], "[secret]");
    assert!(masked["queueUrl"].as_str().unwrap().contains("queue"), "{masked}");
    let shown = project.engine(&["stack", "output", "password", "--show-secrets"]).ok();
    assert_eq!(shown.stdout.trim().len(), 20, "{}", shown.stdout);
    assert!(!up.text().contains(shown.stdout.trim()), "the password leaked into the output");

    let destroy = project.engine(&["destroy", "--yes"]).ok();
    assert!(destroy.stdout.contains("deleted"), "{}", destroy.text());
    let ls = project.engine(&["local-cloud", "ls", "--data", project.local_cloud_dir().to_str().unwrap(), "--json"]).ok();
    let listing: serde_json::Value = serde_json::from_str(&ls.stdout).unwrap();
    assert_eq!(listing, json!([]), "the local cloud still holds resources: {listing}");
    assert!(project.state().resources.is_empty());
}

#[test]
fn many_buckets() {
    let project = Project::new(&buckets(20));
    project.up().ok();
    assert_eq!(project.cloud_resources().len(), 20);
}
