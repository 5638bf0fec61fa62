//! A mock engine for the Python SDK's tests and benchmark: the core's `MockMonitor` in its own
//! process, driven over stdin/stdout.
//!
//! `cargo run -p engine-sdk-python --example mock_engine -- [--dry-run] [--project P] [--stack S]
//!  [--config JSON] [--secret-keys JSON] [--register-delay-ms N] [--fail-type TYPE=MESSAGE]...`
//!
//! Prints `ENGINE_MONITOR_ADDRESS=...`, `ENGINE_MONITOR_TOKEN=...` and `ENGINE_ROOT_URN=...`,
//! then answers each `dump` line on stdin with one JSON line: everything the mock received
//! (registrations with their inputs, options and dependencies, outputs, reads, invokes, logs,
//! finishes, handshakes). Stops when stdin closes.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use engine_sdk::proto::v1::{self, RegisterResourceRequest};
use engine_sdk::proto::value as wire;
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions, Recorded};
use serde_json::{Value, json};

fn struct_json(value: Option<&prost_types::Struct>) -> Value {
    Value::Object(value.map(wire::from_struct).unwrap_or_default())
}

fn alias_json(alias: &v1::Alias) -> Value {
    match &alias.alias {
        Some(v1::alias::Alias::Urn(urn)) => json!({"urn": urn}),
        Some(v1::alias::Alias::Spec(spec)) => json!({
            "name": spec.name, "type": spec.r#type, "stack": spec.stack, "project": spec.project,
            "parent": match &spec.parent {
                Some(v1::alias_spec::Parent::ParentUrn(urn)) => json!(urn),
                Some(v1::alias_spec::Parent::NoParent(_)) => json!({"no_parent": true}),
                None => Value::Null,
            },
        }),
        None => Value::Null,
    }
}

fn registration_json(request: &RegisterResourceRequest) -> Value {
    let options = request.options.clone().unwrap_or_default();
    let property_dependencies: BTreeMap<&String, &Vec<String>> =
        request.property_dependencies.iter().map(|(key, list)| (key, &list.urns)).collect();
    json!({
        "type": request.r#type,
        "name": request.name,
        "custom": request.custom,
        "parent": request.parent,
        "inputs": struct_json(request.inputs.as_ref()),
        "dependencies": request.dependencies,
        "property_dependencies": property_dependencies,
        "options": {
            "protect": options.protect,
            "ignore_changes": options.ignore_changes,
            "replace_on_changes": options.replace_on_changes,
            "delete_before_replace": options.delete_before_replace,
            "retain_on_delete": options.retain_on_delete,
            "import_id": options.import_id,
            "custom_timeouts": options.custom_timeouts.map(|timeouts| json!({
                "create": timeouts.create, "update": timeouts.update, "delete": timeouts.delete,
            })),
            "region": options.region,
            "aliases": options.aliases.iter().map(alias_json).collect::<Vec<_>>(),
            "additional_secret_outputs": options.additional_secret_outputs,
        },
        "remote": request.remote,
        "package": request.package,
        "type_metadata": request.type_metadata.as_ref().map(|metadata| json!({
            "schema_date": metadata.schema_date,
            "primary_identifier": metadata.primary_identifier,
            "create_only": metadata.create_only,
            "write_only": metadata.write_only,
            "read_only": metadata.read_only,
        })),
        "source_position": request.source_position,
    })
}

fn recorded_json(recorded: &Recorded) -> Value {
    json!({
        "handshakes": recorded.handshakes.iter().map(|handshake| json!({
            "protocol_version": handshake.protocol_version,
            "sdk_name": handshake.sdk_name,
            "sdk_version": handshake.sdk_version,
        })).collect::<Vec<_>>(),
        "registrations": recorded.registrations.iter().map(registration_json).collect::<Vec<_>>(),
        "resource_outputs": recorded.resource_outputs.iter().map(|request| json!({
            "urn": request.urn, "outputs": struct_json(request.outputs.as_ref()),
        })).collect::<Vec<_>>(),
        "reads": recorded.reads.iter().map(|request| json!({
            "type": request.r#type, "name": request.name, "parent": request.parent, "id": request.id,
            "region": request.region, "dependencies": request.dependencies,
        })).collect::<Vec<_>>(),
        "invokes": recorded.invokes.iter().map(|request| json!({
            "token": request.token, "args": struct_json(request.args.as_ref()), "region": request.region,
        })).collect::<Vec<_>>(),
        "logs": recorded.logs.iter().map(|request| json!({
            "severity": v1::LogSeverity::try_from(request.severity).map(|severity| severity.as_str_name()).unwrap_or("?"),
            "message": request.message,
            "urn": request.urn,
        })).collect::<Vec<_>>(),
        "finishes": recorded.finishes.iter().map(|request| json!({"error": request.error, "urn": request.urn})).collect::<Vec<_>>(),
        "unauthenticated": recorded.unauthenticated,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut options = MockOptions::default();
    let mut fail_types = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--dry-run" => options.dry_run = true,
            "--project" => options.project = value()?,
            "--stack" => options.stack = value()?,
            "--config" => options.config = serde_json::from_str(&value()?)?,
            "--secret-keys" => options.secret_keys = serde_json::from_str(&value()?)?,
            "--register-delay-ms" => {
                options.register_delay = Some(std::time::Duration::from_millis(value()?.parse()?));
            }
            "--fail-type" => {
                let spec = value()?;
                let (resource_type, message) = spec.split_once('=').ok_or("--fail-type takes TYPE=MESSAGE")?;
                fail_types.push((resource_type.to_owned(), message.to_owned()));
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let mock = block_on(MockMonitor::start(options))?;
    for (resource_type, message) in &fail_types {
        mock.fail_type(resource_type, message);
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ENGINE_MONITOR_ADDRESS={}", mock.address())?;
    writeln!(stdout, "ENGINE_MONITOR_TOKEN={}", mock.token())?;
    writeln!(stdout, "ENGINE_ROOT_URN={}", mock.root_urn())?;
    stdout.flush()?;
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "dump" => {
                writeln!(stdout, "{}", recorded_json(&mock.recorded()))?;
                stdout.flush()?;
            }
            "quit" => break,
            _ => {}
        }
    }
    Ok(())
}
