//! Secrets between the in-memory form (`{"__engine":"secret","value":V}`) and the stored form
//! (`{"__engine":"secret","ciphertext":"v1:..."}`).

use engine_config::{ConfigError, Crypter};
use engine_proto::value::{self as markers, MARKER};
use serde_json::{Map, Value};

use crate::error::{Result, StateError};
use crate::model::{PendingOperation, ResourceState};

/// The key of the stored form's ciphertext.
pub const CIPHERTEXT_KEY: &str = "ciphertext";

fn secret_object(value: &Value) -> Option<&Map<String, Value>> {
    let map = value.as_object()?;
    (map.get(MARKER).and_then(Value::as_str) == Some("secret")).then_some(map)
}

/// Encrypt every plaintext secret inside `value` (already-encrypted ones are kept).
///
/// # Errors
/// The crypter's errors.
pub fn encrypt_value(value: &Value, crypter: &Crypter) -> Result<Value, ConfigError> {
    if let Some(map) = secret_object(value) {
        if map.contains_key(CIPHERTEXT_KEY) {
            return Ok(value.clone());
        }
        let ciphertext = crypter.encrypt_value(map.get("value").unwrap_or(&Value::Null))?;
        let mut stored = Map::with_capacity(2);
        stored.insert(MARKER.to_owned(), Value::String("secret".to_owned()));
        stored.insert(CIPHERTEXT_KEY.to_owned(), Value::String(ciphertext));
        return Ok(Value::Object(stored));
    }
    Ok(match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| encrypt_value(v, crypter)).collect::<Result<_, _>>()?),
        Value::Object(map) => Value::Object(
            map.iter().map(|(k, v)| Ok((k.clone(), encrypt_value(v, crypter)?))).collect::<Result<_, ConfigError>>()?,
        ),
        other => other.clone(),
    })
}

/// Decrypt every stored secret inside `value` back to the plaintext marker.
///
/// # Errors
/// The crypter's errors (wrong key, damaged ciphertext).
pub fn decrypt_value(value: &Value, crypter: &Crypter) -> Result<Value, ConfigError> {
    if let Some(map) = secret_object(value) {
        return match map.get(CIPHERTEXT_KEY).and_then(Value::as_str) {
            Some(ciphertext) => Ok(markers::secret(crypter.decrypt_value(ciphertext)?)),
            None => Ok(value.clone()),
        };
    }
    Ok(match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| decrypt_value(v, crypter)).collect::<Result<_, _>>()?),
        Value::Object(map) => Value::Object(
            map.iter().map(|(k, v)| Ok((k.clone(), decrypt_value(v, crypter)?))).collect::<Result<_, ConfigError>>()?,
        ),
        other => other.clone(),
    })
}

/// Whether a value holds a secret in either form.
#[must_use]
pub fn contains_secret(value: &Value) -> bool {
    secret_object(value).is_some()
        || match value {
            Value::Array(items) => items.iter().any(contains_secret),
            Value::Object(map) => map.values().any(contains_secret),
            _ => false,
        }
}

fn map_properties(
    urn: &str,
    section: &str,
    map: &Map<String, Value>,
    f: &dyn Fn(&Value) -> Result<Value, ConfigError>,
) -> Result<Map<String, Value>> {
    map.iter()
        .map(|(key, value)| {
            let converted = f(value).map_err(|source| StateError::Secret {
                urn: urn.to_owned(),
                property: format!("{section}.{key}"),
                source,
            })?;
            Ok((key.clone(), converted))
        })
        .collect()
}

/// A resource with its secrets encrypted. Outputs named in `additionalSecretOutputs` are made
/// secret first.
pub(crate) fn encrypt_resource(resource: &ResourceState, crypter: &Crypter) -> Result<ResourceState> {
    let mut outputs = resource.outputs.clone();
    for name in &resource.options.additional_secret_outputs {
        if let Some(value) = outputs.get_mut(name)
            && !contains_secret(value)
        {
            *value = markers::secret(value.take());
        }
    }
    let encrypt = |v: &Value| encrypt_value(v, crypter);
    Ok(ResourceState {
        inputs: map_properties(&resource.urn, "inputs", &resource.inputs, &encrypt)?,
        outputs: map_properties(&resource.urn, "outputs", &outputs, &encrypt)?,
        ..resource.clone()
    })
}

pub(crate) fn decrypt_resource(resource: &ResourceState, crypter: &Crypter) -> Result<ResourceState> {
    let decrypt = |v: &Value| decrypt_value(v, crypter);
    Ok(ResourceState {
        inputs: map_properties(&resource.urn, "inputs", &resource.inputs, &decrypt)?,
        outputs: map_properties(&resource.urn, "outputs", &resource.outputs, &decrypt)?,
        ..resource.clone()
    })
}

/// [`decrypt_resource`] of an owned record: only the property maps holding a secret are rebuilt.
pub(crate) fn decrypt_resource_owned(mut resource: ResourceState, crypter: &Crypter) -> Result<ResourceState> {
    let decrypt = |v: &Value| decrypt_value(v, crypter);
    if resource.inputs.values().any(contains_secret) {
        resource.inputs = map_properties(&resource.urn, "inputs", &resource.inputs, &decrypt)?;
    }
    if resource.outputs.values().any(contains_secret) {
        resource.outputs = map_properties(&resource.urn, "outputs", &resource.outputs, &decrypt)?;
    }
    Ok(resource)
}

pub(crate) fn encrypt_operation(operation: &PendingOperation, crypter: &Crypter) -> Result<PendingOperation> {
    Ok(PendingOperation {
        desired: operation.desired.as_ref().map(|r| encrypt_resource(r, crypter)).transpose()?,
        patch: operation
            .patch
            .as_ref()
            .map(|p| {
                encrypt_value(p, crypter).map_err(|source| StateError::Secret {
                    urn: operation.urn.clone(),
                    property: "patch".to_owned(),
                    source,
                })
            })
            .transpose()?,
        ..operation.clone()
    })
}

pub(crate) fn decrypt_operation(operation: &PendingOperation, crypter: &Crypter) -> Result<PendingOperation> {
    Ok(PendingOperation {
        desired: operation.desired.as_ref().map(|r| decrypt_resource(r, crypter)).transpose()?,
        patch: operation
            .patch
            .as_ref()
            .map(|p| {
                decrypt_value(p, crypter).map_err(|source| StateError::Secret {
                    urn: operation.urn.clone(),
                    property: "patch".to_owned(),
                    source,
                })
            })
            .transpose()?,
        ..operation.clone()
    })
}

pub(crate) fn encrypt_outputs(outputs: &Map<String, Value>, crypter: &Crypter) -> Result<Map<String, Value>> {
    map_properties("(stack outputs)", "outputs", outputs, &|v| encrypt_value(v, crypter))
}

pub(crate) fn decrypt_outputs(outputs: &Map<String, Value>, crypter: &Crypter) -> Result<Map<String, Value>> {
    map_properties("(stack outputs)", "outputs", outputs, &|v| decrypt_value(v, crypter))
}
