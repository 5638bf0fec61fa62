//! `engine_sdk::run` and `#[engine_sdk::main]` end to end: this test binary re-runs itself as
//! the program (a child process with the engine's environment) against a mock monitor.

use std::process::{Command, Output as ProcessOutput};

use engine_sdk::prelude::*;
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};
use serde_json::json;

const CHILD: &str = "ENGINE_SDK_TEST_CHILD";

#[engine_sdk::main]
async fn succeeding(ctx: Context) -> Result<()> {
    let bucket = ctx.register_resource("AWS::S3::Bucket", "logs", json!({}), ResourceOptions::new())?;
    ctx.export("arn", bucket.output::<String>("Arn"));
    Ok(())
}

#[engine_sdk::main]
async fn failing(ctx: Context) -> Result<()> {
    ctx.register_resource("AWS::S3::Bucket", "bad", json!({"BucketName": "Bad!"}), ResourceOptions::new())?;
    ctx.register_resource("AWS::SNS::Topic", "fine", json!({}), ResourceOptions::new())?;
    Ok(())
}

#[engine_sdk::main]
async fn panicking(ctx: Context) -> Result<()> {
    ctx.register_resource("AWS::SNS::Topic", "before", json!({}), ResourceOptions::new())?;
    let values: Vec<i32> = Vec::new();
    let _ = values[3];
    Ok(())
}

/// A plain `run` with another error type (programs may use anyhow-style boxed errors).
fn returning_error() -> std::process::ExitCode {
    engine_sdk::run(|_ctx: Context| async move { Err::<(), Box<dyn std::error::Error + Send + Sync>>("no quota left".into()) })
}

fn child_entry() {
    let Ok(mode) = std::env::var(CHILD) else { return };
    let code = match mode.as_str() {
        "succeeding" => succeeding(),
        "failing" => failing(),
        "panicking" => panicking(),
        _ => returning_error(),
    };
    std::process::exit(if code == std::process::ExitCode::SUCCESS { 0 } else { 1 });
}

fn run_child(mode: &str, mock: Option<&MockMonitor>) -> ProcessOutput {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", "child", "--nocapture", "--test-threads=1"]).env(CHILD, mode);
    command.env_remove("ENGINE_MONITOR_ADDRESS").env_remove("ENGINE_MONITOR_TOKEN");
    if let Some(mock) = mock {
        command.env("ENGINE_MONITOR_ADDRESS", mock.address()).env("ENGINE_MONITOR_TOKEN", mock.token());
    }
    command.output().unwrap()
}

/// The child's entry point (does nothing in the parent run).
#[test]
fn child() {
    child_entry();
}

fn mock() -> MockMonitor {
    let mock = block_on(MockMonitor::start(MockOptions::default())).unwrap();
    mock.fail_type("AWS::S3::Bucket", "property /BucketName: invalid");
    mock
}

#[test]
fn a_successful_program_exits_zero_with_its_outputs() {
    let mock = block_on(MockMonitor::start(MockOptions::default())).unwrap();
    let output = run_child("succeeding", Some(&mock));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let recorded = mock.recorded();
    assert_eq!(recorded.finishes.len(), 1);
    assert_eq!(recorded.finishes[0].error, "");
    assert_eq!(recorded.stack_outputs(&mock.root_urn()).unwrap(), json!({"arn": "arn:mock:AWS::S3::Bucket:logs"}));
}

#[test]
fn a_failed_registration_exits_non_zero_and_is_reported_with_its_resource() {
    let mock = mock();
    let output = run_child("failing", Some(&mock));
    assert_eq!(output.status.code(), Some(1));
    let recorded = mock.recorded();
    assert_eq!(recorded.finishes[0].error, "AWS::S3::Bucket \"bad\": property /BucketName: invalid");
    assert_eq!(recorded.finishes[0].urn, "urn:engine:dev::proj::AWS::S3::Bucket::bad");
    assert!(recorded.registration("fine").is_some(), "independent work still finishes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error: AWS::S3::Bucket \"bad\": property /BucketName: invalid"), "{stderr}");
}

#[test]
fn a_panic_is_reported_after_outstanding_work() {
    let mock = mock();
    let output = run_child("panicking", Some(&mock));
    assert_eq!(output.status.code(), Some(1));
    let recorded = mock.recorded();
    assert!(recorded.finishes[0].error.starts_with("the program panicked: index out of bounds"), "{}", recorded.finishes[0].error);
    assert!(recorded.registration("before").is_some());
}

#[test]
fn a_returned_error_is_reported() {
    let mock = mock();
    let output = run_child("returning", Some(&mock));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(mock.recorded().finishes[0].error, "no quota left");
}

#[test]
fn without_the_engine_the_program_says_how_to_run_it() {
    let output = run_child("succeeding", None);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ENGINE_MONITOR_ADDRESS is not set: engine programs are run by the engine"), "{stderr}");
}
