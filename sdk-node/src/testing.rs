//! The core's mock of the engine's resource monitor (`engine_sdk::testing`), for unit tests of
//! the binding and of programs: `engine-sdk/testing` runs a program against it and returns
//! every request it recorded.

use std::collections::BTreeMap;
use std::time::Duration;

use engine_proto::value as wire;
use engine_sdk::proto as engine_proto;
use engine_sdk::testing::{MockMonitor, MockOptions, Recorded};
use napi_derive::napi;
use serde_json::{Map, Value, json};

/// How the mock engine behaves.
#[napi(object)]
pub struct BindingMockOptions {
    pub project: Option<String>,
    pub stack: Option<String>,
    pub dry_run: Option<bool>,
    /// Config values by full key (`project:key`).
    pub config: Option<Map<String, Value>>,
    pub secret_keys: Option<Vec<String>>,
    pub region: Option<String>,
    /// The protocol version the mock speaks (default: the SDK's).
    pub protocol_version: Option<u32>,
    /// Milliseconds each registration takes.
    pub register_delay_ms: Option<u32>,
}

/// A running mock monitor.
#[napi]
pub struct BindingMock {
    mock: MockMonitor,
}

#[napi]
impl BindingMock {
    /// Start a mock monitor on 127.0.0.1 (on the SDK's runtime).
    #[napi(factory)]
    pub fn start(options: Option<BindingMockOptions>) -> napi::Result<Self> {
        let mut mock_options = MockOptions::default();
        if let Some(options) = options {
            if let Some(project) = options.project {
                mock_options.project = project;
            }
            if let Some(stack) = options.stack {
                mock_options.stack = stack;
            }
            mock_options.dry_run = options.dry_run.unwrap_or(false);
            mock_options.config = options.config.unwrap_or_default().into_iter().collect::<BTreeMap<_, _>>();
            mock_options.secret_keys = options.secret_keys.unwrap_or_default();
            if let Some(region) = options.region {
                mock_options.region = region;
            }
            if let Some(version) = options.protocol_version {
                mock_options.protocol_version = version;
            }
            mock_options.register_delay = options.register_delay_ms.map(|ms| Duration::from_millis(u64::from(ms)));
        }
        let mock = engine_sdk::runtime::block_on(async move {
            engine_sdk::runtime::spawn(MockMonitor::start(mock_options)).await
        })
        .map_err(|error| napi::Error::from_reason(format!("the mock monitor's task failed: {error}")))?
        .map_err(|error| napi::Error::from_reason(format!("cannot start the mock monitor: {error}")))?;
        Ok(BindingMock { mock })
    }

    #[napi(getter)]
    pub fn address(&self) -> String {
        self.mock.address()
    }

    #[napi(getter)]
    pub fn token(&self) -> String {
        self.mock.token().to_owned()
    }

    #[napi(getter)]
    pub fn root_urn(&self) -> String {
        self.mock.root_urn()
    }

    /// Fail every registration of `resourceType` with `message` (as the engine would).
    #[napi]
    pub fn fail_type(&self, resource_type: String, message: String) {
        self.mock.fail_type(&resource_type, &message);
    }

    /// Everything the mock received so far, as JSON.
    #[napi]
    pub fn recorded(&self) -> Value {
        recorded_json(&self.mock.recorded())
    }

}

fn struct_json(value: Option<&prost_types::Struct>) -> Value {
    Value::Object(value.map(wire::from_struct).unwrap_or_default())
}

fn recorded_json(recorded: &Recorded) -> Value {
    let registrations: Vec<Value> = recorded
        .registrations
        .iter()
        .map(|request| {
            let options = request.options.clone().unwrap_or_default();
            let aliases: Vec<Value> = options
                .aliases
                .iter()
                .map(|alias| match &alias.alias {
                    Some(engine_proto::v1::alias::Alias::Urn(urn)) => json!({ "urn": urn }),
                    Some(engine_proto::v1::alias::Alias::Spec(spec)) => json!({
                        "name": spec.name,
                        "type": spec.r#type,
                        "stack": spec.stack,
                        "project": spec.project,
                        "parent": match &spec.parent {
                            Some(engine_proto::v1::alias_spec::Parent::ParentUrn(urn)) => json!({ "urn": urn }),
                            Some(engine_proto::v1::alias_spec::Parent::NoParent(flag)) => json!({ "noParent": flag }),
                            None => Value::Null,
                        },
                    }),
                    None => Value::Null,
                })
                .collect();
            let property_dependencies: Map<String, Value> = request
                .property_dependencies
                .iter()
                .map(|(key, list)| (key.clone(), json!(list.urns)))
                .collect();
            json!({
                "type": request.r#type,
                "name": request.name,
                "custom": request.custom,
                "remote": request.remote,
                "package": request.package,
                "parent": request.parent,
                "inputs": struct_json(request.inputs.as_ref()),
                "dependencies": request.dependencies,
                "propertyDependencies": property_dependencies,
                "sourcePosition": request.source_position,
                "typeMetadata": request.type_metadata.as_ref().map(|metadata| json!({
                    "schemaDate": metadata.schema_date,
                    "primaryIdentifier": metadata.primary_identifier,
                    "createOnly": metadata.create_only,
                    "writeOnly": metadata.write_only,
                    "readOnly": metadata.read_only,
                })),
                "options": {
                    "protect": options.protect,
                    "ignoreChanges": options.ignore_changes,
                    "replaceOnChanges": options.replace_on_changes,
                    "deleteBeforeReplace": options.delete_before_replace,
                    "retainOnDelete": options.retain_on_delete,
                    "importId": options.import_id,
                    "customTimeouts": options.custom_timeouts.map(|timeouts| json!({
                        "create": timeouts.create, "update": timeouts.update, "delete": timeouts.delete,
                    })),
                    "region": options.region,
                    "aliases": aliases,
                    "additionalSecretOutputs": options.additional_secret_outputs,
                },
            })
        })
        .collect();
    json!({
        "handshakes": recorded.handshakes.iter().map(|request| json!({
            "protocolVersion": request.protocol_version,
            "sdkName": request.sdk_name,
            "sdkVersion": request.sdk_version,
        })).collect::<Vec<_>>(),
        "registrations": registrations,
        "resourceOutputs": recorded.resource_outputs.iter().map(|request| json!({
            "urn": request.urn,
            "outputs": struct_json(request.outputs.as_ref()),
        })).collect::<Vec<_>>(),
        "reads": recorded.reads.iter().map(|request| json!({
            "type": request.r#type,
            "name": request.name,
            "parent": request.parent,
            "id": request.id,
            "region": request.region,
            "dependencies": request.dependencies,
        })).collect::<Vec<_>>(),
        "invokes": recorded.invokes.iter().map(|request| json!({
            "token": request.token,
            "args": struct_json(request.args.as_ref()),
            "region": request.region,
        })).collect::<Vec<_>>(),
        "logs": recorded.logs.iter().map(|request| json!({
            "severity": request.severity,
            "message": request.message,
            "urn": request.urn,
        })).collect::<Vec<_>>(),
        "finishes": recorded.finishes.iter().map(|request| json!({
            "error": request.error,
            "urn": request.urn,
        })).collect::<Vec<_>>(),
        "unauthenticated": recorded.unauthenticated,
        "maxRegistrationsInFlight": recorded.max_registrations_in_flight,
    })
}
