//! Inputs: what a resource property (or a stack output, or an invoke argument) may be given.
//!
//! - [`Input<T>`]: a plain value or an [`Output<T>`], for typed code. It serializes with serde,
//!   so generated argument structs simply `#[derive(Serialize)]`.
//! - [`DynInput`]: the dynamic layer, for bindings and generated code: a JSON tree whose leaves
//!   may be `Output<serde_json::Value>`. [`DynInput::from_serialize`] turns any serializable
//!   value (including structs with `Input`/`Output` fields) into one.
//!
//! The core resolves a `DynInput` into the wire value ([`DynInput::resolve`]): outputs awaited,
//! unknowns and secrets encoded with `engine_proto::value` markers at the leaf they occur,
//! dependencies collected overall and per top-level property.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use engine_proto::value as wire;
use serde::ser::{Error as _, SerializeMap};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::output::{Output, OutputValue, Resolved, Urns};
use crate::{Error, Result};

/// A plain value or an output: accepted wherever a property value is.
#[derive(Clone)]
pub enum Input<T> {
    Value(T),
    Output(Output<T>),
}

impl<T: OutputValue> Input<T> {
    /// A secret input.
    pub fn secret(value: T) -> Self {
        Input::Output(Output::secret(value))
    }

    /// As an output (a plain value becomes a known output).
    #[must_use]
    pub fn into_output(self) -> Output<T> {
        match self {
            Input::Value(value) => Output::new(value),
            Input::Output(output) => output,
        }
    }
}

impl<T: Default> Default for Input<T> {
    fn default() -> Self {
        Input::Value(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Input<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Value(value) => value.fmt(f),
            Input::Output(output) => output.fmt(f),
        }
    }
}

impl<T> From<T> for Input<T> {
    fn from(value: T) -> Self {
        Input::Value(value)
    }
}

impl<T> From<Output<T>> for Input<T> {
    fn from(output: Output<T>) -> Self {
        Input::Output(output)
    }
}

impl<T> From<&Output<T>> for Input<T> {
    fn from(output: &Output<T>) -> Self {
        Input::Output(output.clone())
    }
}

impl From<&str> for Input<String> {
    fn from(value: &str) -> Self {
        Input::Value(value.to_owned())
    }
}

impl From<&String> for Input<String> {
    fn from(value: &String) -> Self {
        Input::Value(value.clone())
    }
}

impl From<i32> for Input<i64> {
    fn from(value: i32) -> Self {
        Input::Value(i64::from(value))
    }
}

impl<T: Serialize + OutputValue> Serialize for Input<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Input::Value(value) => value.serialize(serializer),
            Input::Output(output) => output.serialize(serializer),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Serializing outputs: placeholders collected by `DynInput::from_serialize`.

/// The key of the placeholder object an output serializes to while a collector is active.
const PLACEHOLDER: &str = "\u{0}engine-sdk:output";

thread_local! {
    static COLLECTOR: RefCell<Option<Vec<Output<Value>>>> = const { RefCell::new(None) };
}

/// Run `f` with the given collector installed, restoring the previous one.
fn with_collector<R>(collector: Option<Vec<Output<Value>>>, f: impl FnOnce() -> R) -> (R, Option<Vec<Output<Value>>>) {
    let previous = COLLECTOR.with(|slot| slot.replace(collector));
    let result = f();
    let collected = COLLECTOR.with(|slot| slot.replace(previous));
    (result, collected)
}

impl<T: Serialize + OutputValue> Output<T> {
    /// As an output of JSON (`serde_json::Value`), the dynamic layer's currency.
    pub fn to_value_output(&self) -> Output<Value> {
        if let Some(same) = (self as &dyn Any).downcast_ref::<Output<Value>>() {
            return same.clone();
        }
        self.try_map(|value| {
            // Outputs nested inside `value` are not expected; make them fail rather than leak
            // into an outer collector.
            let (json, _) = with_collector(None, || serde_json::to_value(&value));
            json.map_err(|error| Error::Serialization(format!("cannot convert an output's value to JSON: {error}")))
        })
    }
}

impl<T: Serialize + OutputValue> Serialize for Output<T> {
    /// Outputs only serialize inside [`DynInput::from_serialize`] (and the SDK functions built
    /// on it): they become a placeholder that the dynamic layer replaces with the output.
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let as_json = self.to_value_output();
        let index = COLLECTOR.with(|slot| {
            slot.borrow_mut().as_mut().map(|collected| {
                collected.push(as_json);
                collected.len() - 1
            })
        });
        match index {
            Some(index) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(PLACEHOLDER, &index)?;
                map.end()
            }
            None => Err(S::Error::custom(
                "an Output is not known yet and cannot be serialized directly; pass it to the engine SDK \
                 (resource properties, export, DynInput::from_serialize)",
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Deserializing inputs: a component's arguments received by a plugin (`crate::provider`).

thread_local! {
    /// Outputs standing for input values that are not plain (unknown, secret, or carrying
    /// dependencies), while `deserialize_with_outputs` runs.
    static SUPPLIER: RefCell<Option<Vec<Output<Value>>>> = const { RefCell::new(None) };
}

/// Deserialize `value` into `T`, where placeholder objects stand for `outputs`: an [`Input`] at
/// such a position becomes `Input::Output` (typed). Used by component plugins, whose inputs may
/// be unknown (preview), secret, or come from other resources.
pub(crate) fn deserialize_with_outputs<T: serde::de::DeserializeOwned>(
    value: Value,
    outputs: Vec<Output<Value>>,
) -> std::result::Result<T, serde_json::Error> {
    let previous = SUPPLIER.with(|slot| slot.replace(Some(outputs)));
    let result = serde_json::from_value(value);
    SUPPLIER.with(|slot| slot.replace(previous));
    result
}

/// The placeholder object for output `index` (see [`deserialize_with_outputs`]).
pub(crate) fn placeholder(index: usize) -> Value {
    let mut map = Map::new();
    map.insert(PLACEHOLDER.to_owned(), Value::from(index));
    Value::Object(map)
}

fn supplied(value: &Value) -> Option<Output<Value>> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let index = usize::try_from(map.get(PLACEHOLDER)?.as_u64()?).ok()?;
    SUPPLIER.with(|slot| slot.borrow().as_ref().and_then(|outputs| outputs.get(index).cloned()))
}

/// An input deserializes from its plain value (`Input::Value`). Inside a component plugin, a
/// value that is not plain (unknown in a preview, secret, or an output of another resource)
/// becomes `Input::Output`, keeping its secrecy and dependencies.
impl<'de, T: serde::de::DeserializeOwned + OutputValue> serde::Deserialize<'de> for Input<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
        if let Some(output) = supplied(&value) {
            return Ok(Input::Output(output.deserialize::<T>()));
        }
        if value.as_object().is_some_and(|map| map.contains_key(PLACEHOLDER)) {
            return Err(D::Error::custom("an output cannot be deserialized outside a component plugin"));
        }
        serde_json::from_value(value).map(Input::Value).map_err(D::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// DynInput

/// A JSON tree whose leaves may be outputs: the dynamic form of every input.
#[derive(Clone, Debug)]
pub enum DynInput {
    /// A plain JSON value (it may contain `engine_proto::value` markers, e.g. a secret).
    Value(Value),
    /// A value known later.
    Output(Output<Value>),
    Array(Vec<DynInput>),
    /// Keys in order; a repeated key keeps the last value.
    Object(Vec<(String, DynInput)>),
}

impl Default for DynInput {
    fn default() -> Self {
        DynInput::Object(Vec::new())
    }
}

impl From<Value> for DynInput {
    fn from(value: Value) -> Self {
        DynInput::Value(value)
    }
}

impl From<Output<Value>> for DynInput {
    fn from(output: Output<Value>) -> Self {
        DynInput::Output(output)
    }
}

impl From<&Output<Value>> for DynInput {
    fn from(output: &Output<Value>) -> Self {
        DynInput::Output(output.clone())
    }
}

impl From<Map<String, Value>> for DynInput {
    fn from(map: Map<String, Value>) -> Self {
        DynInput::Value(Value::Object(map))
    }
}

impl FromIterator<(String, DynInput)> for DynInput {
    fn from_iter<I: IntoIterator<Item = (String, DynInput)>>(iter: I) -> Self {
        DynInput::Object(iter.into_iter().collect())
    }
}

impl FromIterator<DynInput> for DynInput {
    fn from_iter<I: IntoIterator<Item = DynInput>>(iter: I) -> Self {
        DynInput::Array(iter.into_iter().collect())
    }
}

impl Serialize for DynInput {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            DynInput::Value(value) => value.serialize(serializer),
            DynInput::Output(output) => output.serialize(serializer),
            DynInput::Array(items) => serializer.collect_seq(items),
            DynInput::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

/// The wire form of a [`DynInput`] and what was learnt resolving it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolvedValue {
    /// JSON with unknown and secret markers where they occurred.
    pub value: Value,
    pub dependencies: Urns,
    /// Per top-level key of an object, the URNs its value came from.
    pub property_dependencies: BTreeMap<String, Urns>,
    /// A secret occurs somewhere.
    pub secret: bool,
    /// An unknown occurs somewhere.
    pub unknown: bool,
}

impl DynInput {
    /// Any serializable value, including structs with [`Input`]/[`Output`]/`DynInput` fields.
    ///
    /// # Errors
    /// When serde fails (a map with non-string keys, a failing `Serialize` impl).
    pub fn from_serialize<S: Serialize + ?Sized>(value: &S) -> Result<DynInput> {
        let (json, collected) = with_collector(Some(Vec::new()), || serde_json::to_value(value));
        let json = json.map_err(|error| Error::Serialization(error.to_string()))?;
        let collected = collected.unwrap_or_default();
        if collected.is_empty() {
            return Ok(DynInput::Value(json));
        }
        Ok(rebuild(json, &collected).0)
    }

    /// An object from key/value pairs.
    pub fn object<K: Into<String>>(entries: impl IntoIterator<Item = (K, DynInput)>) -> Self {
        DynInput::Object(entries.into_iter().map(|(key, value)| (key.into(), value)).collect())
    }

    /// Whether no output occurs inside.
    #[must_use]
    pub fn is_plain(&self) -> bool {
        match self {
            DynInput::Value(_) => true,
            DynInput::Output(_) => false,
            DynInput::Array(items) => items.iter().all(DynInput::is_plain),
            DynInput::Object(entries) => entries.iter().all(|(_, value)| value.is_plain()),
        }
    }

    /// Wait for every output inside and build the wire value: unknowns and secrets encoded at the
    /// leaf where they occur, dependencies collected (per top-level key too).
    ///
    /// # Errors
    /// The first output that failed, with its property path.
    pub async fn resolve(self) -> Result<ResolvedValue> {
        let mut outputs = Vec::new();
        collect_outputs(&self, &mut String::new(), &mut outputs);
        let mut resolutions = Vec::with_capacity(outputs.len());
        for (path, output) in outputs {
            let resolved = output.resolve().await.map_err(|error| error.in_property(&path))?;
            resolutions.push(resolved);
        }
        let mut acc = ResolvedValue::default();
        let mut resolutions = resolutions.into_iter();
        let value = match self {
            DynInput::Object(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (key, entry) in entries {
                    let mut property = Urns::new();
                    let value = build_wire(entry, &mut resolutions, &mut acc, &mut property);
                    acc.dependencies.extend(property.iter().cloned());
                    acc.property_dependencies.insert(key.clone(), property);
                    map.insert(key, value);
                }
                Value::Object(map)
            }
            other => {
                let mut dependencies = Urns::new();
                let value = build_wire(other, &mut resolutions, &mut acc, &mut dependencies);
                if let Value::Object(map) = &value {
                    for key in map.keys() {
                        acc.property_dependencies.insert(key.clone(), Urns::new());
                    }
                }
                acc.dependencies.extend(dependencies);
                value
            }
        };
        acc.value = value;
        Ok(acc)
    }

    /// As one output of plain JSON: unknown if an unknown occurs anywhere, secret if a secret
    /// does (markers removed), depending on every output inside.
    #[must_use]
    pub fn into_output(self) -> Output<Value> {
        let mut outputs = Vec::new();
        collect_outputs(&self, &mut String::new(), &mut outputs);
        // Failures name the property path they occurred at.
        let with_paths: Vec<Output<Value>> =
            outputs.into_iter().map(|(path, output)| output.with_error_path(path)).collect();
        let tree = self;
        Output::all(with_paths).map_resolved(move |all: &Resolved<Vec<Value>>| {
            let Some(values) = &all.value else {
                return all.with_none();
            };
            let mut leaves = values.iter().cloned().map(Resolved::known);
            let mut acc = ResolvedValue::default();
            let mut dependencies = Urns::new();
            let wire_value = build_wire(tree.clone(), &mut leaves, &mut acc, &mut dependencies);
            if acc.unknown {
                return all.with_none();
            }
            let (plain, found_secret) = wire::unwrap_secrets(&wire_value);
            Resolved {
                value: Some(plain),
                secret: all.secret || found_secret || acc.secret,
                dependencies: all.dependencies.clone(),
            }
        })
    }
}

impl<T> Resolved<T> {
    fn with_none<U>(&self) -> Resolved<U> {
        Resolved { value: None, secret: self.secret, dependencies: self.dependencies.clone() }
    }
}

impl Output<Value> {
    /// Name the property path in this output's failure.
    fn with_error_path(&self, path: String) -> Output<Value> {
        if path.is_empty() {
            return self.clone();
        }
        self.derive(move |settled, resolver| match settled {
            Ok(resolved) => resolver.resolve((**resolved).clone()),
            Err(error) => resolver.reject(error.clone().in_property(&path)),
        })
    }

    /// Run a host-language callback on the value once known (bindings: a boxed future). The
    /// callback may return inputs containing outputs: the result is flattened (depends on them,
    /// secret if any is, unknown if any is).
    pub fn apply_dyn(
        &self,
        callback: Box<dyn FnOnce(Value) -> futures::future::BoxFuture<'static, Result<DynInput>> + Send>,
    ) -> Output<Value> {
        self.apply_output(move |value| {
            let future = callback(value);
            async move { Ok(future.await?.into_output()) }
        })
    }

    /// The value at a key of an object (`null` when absent; unknown stays unknown).
    #[must_use]
    pub fn get(&self, key: &str) -> Output<Value> {
        let key = key.to_owned();
        self.map(move |value| value.get(&key).cloned().unwrap_or(Value::Null))
    }

    /// Deserialize the value into a typed output.
    pub fn deserialize<T: serde::de::DeserializeOwned + OutputValue>(&self) -> Output<T> {
        self.try_map(|value| {
            serde_json::from_value(value)
                .map_err(|error| Error::Serialization(format!("cannot convert an output's value: {error}")))
        })
    }
}

fn rebuild(json: Value, outputs: &[Output<Value>]) -> (DynInput, bool) {
    match json {
        Value::Object(map) => {
            if map.len() == 1
                && let Some(index) = map.get(PLACEHOLDER).and_then(Value::as_u64)
                && let Some(output) = usize::try_from(index).ok().and_then(|index| outputs.get(index))
            {
                return (DynInput::Output(output.clone()), true);
            }
            let mut any = false;
            let entries: Vec<(String, DynInput)> = map
                .into_iter()
                .map(|(key, value)| {
                    let (input, has) = rebuild(value, outputs);
                    any |= has;
                    (key, input)
                })
                .collect();
            if any {
                (DynInput::Object(entries), true)
            } else {
                (DynInput::Value(Value::Object(entries.into_iter().map(|(k, v)| (k, into_plain(v))).collect())), false)
            }
        }
        Value::Array(items) => {
            let mut any = false;
            let inputs: Vec<DynInput> = items
                .into_iter()
                .map(|value| {
                    let (input, has) = rebuild(value, outputs);
                    any |= has;
                    input
                })
                .collect();
            if any {
                (DynInput::Array(inputs), true)
            } else {
                (DynInput::Value(Value::Array(inputs.into_iter().map(into_plain).collect())), false)
            }
        }
        other => (DynInput::Value(other), false),
    }
}

/// A `DynInput` known to hold no output, as JSON.
fn into_plain(input: DynInput) -> Value {
    match input {
        DynInput::Value(value) => value,
        DynInput::Output(_) => Value::Null,
        DynInput::Array(items) => Value::Array(items.into_iter().map(into_plain).collect()),
        DynInput::Object(entries) => Value::Object(entries.into_iter().map(|(k, v)| (k, into_plain(v))).collect()),
    }
}

fn push_path(path: &str, segment: &str) -> String {
    if path.is_empty() { segment.to_owned() } else { format!("{path}.{segment}") }
}

fn collect_outputs(input: &DynInput, path: &mut String, out: &mut Vec<(String, Output<Value>)>) {
    match input {
        DynInput::Value(_) => {}
        DynInput::Output(output) => out.push((path.clone(), output.clone())),
        DynInput::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let mut sub = format!("{path}[{index}]");
                collect_outputs(item, &mut sub, out);
            }
        }
        DynInput::Object(entries) => {
            for (key, value) in entries {
                let mut sub = push_path(path, key);
                collect_outputs(value, &mut sub, out);
            }
        }
    }
}

/// Build the wire value, taking output resolutions in the order `collect_outputs` found them.
fn build_wire(
    input: DynInput,
    resolutions: &mut dyn Iterator<Item = Resolved<Value>>,
    acc: &mut ResolvedValue,
    dependencies: &mut Urns,
) -> Value {
    match input {
        DynInput::Value(value) => {
            acc.secret |= wire::contains_secrets(&value);
            acc.unknown |= wire::contains_unknowns(&value);
            value
        }
        DynInput::Output(_) => {
            let Some(resolved) = resolutions.next() else {
                return Value::Null;
            };
            dependencies.extend(resolved.dependencies.iter().cloned());
            let mut value = match resolved.value {
                None => {
                    acc.unknown = true;
                    wire::unknown()
                }
                Some(value) => {
                    acc.unknown |= wire::contains_unknowns(&value);
                    value
                }
            };
            if resolved.secret || wire::contains_secrets(&value) {
                acc.secret = true;
                // A secret never contains secrets: one wrapper at this leaf.
                value = wire::secret(wire::unwrap_secrets(&value).0);
            }
            value
        }
        DynInput::Array(items) => {
            Value::Array(items.into_iter().map(|item| build_wire(item, resolutions, acc, dependencies)).collect())
        }
        DynInput::Object(entries) => {
            let mut map = Map::with_capacity(entries.len());
            for (key, value) in entries {
                let value = build_wire(value, resolutions, acc, dependencies);
                map.insert(key, value);
            }
            Value::Object(map)
        }
    }
}
