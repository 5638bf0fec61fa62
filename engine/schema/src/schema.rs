//! One resource type's schema, with the metadata the engine, the local cloud and the generator need.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::path::{PropPath, Segment};
use crate::validate::Validator;

/// Default handler timeout when a schema gives none (CloudFormation's default).
pub const DEFAULT_TIMEOUT_MINUTES: u64 = 120;

/// A handler (`create`, `read`, ...) as the schema declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub permissions: Vec<String>,
    pub timeout_in_minutes: u64,
}

impl Handler {
    #[must_use]
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_in_minutes * 60)
    }
}

/// The list handler, with the schema of the `ResourceModel` it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ListHandler {
    pub handler: Handler,
    /// `handlerSchema` as written, if any.
    pub handler_schema: Option<Value>,
    /// Properties `ResourceModel` must supply (`handlerSchema.required`).
    pub required_parent_properties: Vec<String>,
}

/// The five handlers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Handlers {
    pub create: Option<Handler>,
    pub read: Option<Handler>,
    pub update: Option<Handler>,
    pub delete: Option<Handler>,
    pub list: Option<ListHandler>,
}

/// The operations a handler timeout can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Create,
    Read,
    Update,
    Delete,
    List,
}

/// Tagging metadata (`tagging`, or the deprecated top-level `taggable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagging {
    pub taggable: bool,
    pub tag_on_create: bool,
    pub tag_updatable: bool,
    pub cloud_formation_system_tags: bool,
    /// Where tags live; `/properties/Tags` unless the schema says otherwise.
    pub tag_property: Option<PropPath>,
    pub permissions: Vec<String>,
}

/// A parsed resource schema.
#[derive(Debug)]
pub struct ResourceSchema {
    pub type_name: String,
    pub description: String,
    pub handlers: Handlers,
    pub primary_identifier: Vec<PropPath>,
    pub additional_identifiers: Vec<Vec<PropPath>>,
    pub read_only: Vec<PropPath>,
    pub create_only: Vec<PropPath>,
    pub write_only: Vec<PropPath>,
    pub conditional_create_only: Vec<PropPath>,
    pub deprecated: Vec<PropPath>,
    /// Top-level `required`.
    pub required: Vec<String>,
    pub tagging: Option<Tagging>,
    /// The whole document as shipped.
    pub raw: Value,
    /// The compiled validator, built on first use (see [`ResourceSchema::validator`]).
    validator: OnceLock<Validator>,
}

impl ResourceSchema {
    /// Build from a schema document.
    #[must_use]
    pub fn from_value(raw: Value) -> Self {
        let type_name = str_at(&raw, "typeName").to_owned();
        let description = str_at(&raw, "description").to_owned();
        let handlers = raw.get("handlers").map(parse_handlers).unwrap_or_default();
        let additional_identifiers = raw
            .get("additionalIdentifiers")
            .and_then(Value::as_array)
            .map(|ids| ids.iter().map(paths).collect())
            .unwrap_or_default();
        let required = raw
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        let tagging = parse_tagging(&raw);
        Self {
            type_name,
            description,
            handlers,
            primary_identifier: raw.get("primaryIdentifier").map(paths).unwrap_or_default(),
            additional_identifiers,
            read_only: raw.get("readOnlyProperties").map(paths).unwrap_or_default(),
            create_only: raw.get("createOnlyProperties").map(paths).unwrap_or_default(),
            write_only: raw.get("writeOnlyProperties").map(paths).unwrap_or_default(),
            conditional_create_only: raw
                .get("conditionalCreateOnlyProperties")
                .map(paths)
                .unwrap_or_default(),
            deprecated: raw.get("deprecatedProperties").map(paths).unwrap_or_default(),
            required,
            tagging,
            raw,
            validator: OnceLock::new(),
        }
    }

    /// The draft-07 validator of this schema, compiled the first time it is asked for and kept
    /// for the life of the schema (patterns are compiled once).
    #[must_use]
    pub fn validator(&self) -> &Validator {
        self.validator.get_or_init(|| Validator::new(self))
    }

    /// create + read + delete: Cloud Control can manage it.
    #[must_use]
    pub fn is_provisionable(&self) -> bool {
        self.handlers.create.is_some() && self.handlers.read.is_some() && self.handlers.delete.is_some()
    }

    /// Has an update handler (otherwise every change is a replacement).
    #[must_use]
    pub fn is_updatable(&self) -> bool {
        self.handlers.update.is_some()
    }

    /// Has a list handler.
    #[must_use]
    pub fn is_listable(&self) -> bool {
        self.handlers.list.is_some()
    }

    /// A handler's timeout (the schema's, or 120 minutes), `None` when the handler is missing.
    #[must_use]
    pub fn handler_timeout(&self, op: Operation) -> Option<Duration> {
        let handler = match op {
            Operation::Create => self.handlers.create.as_ref(),
            Operation::Read => self.handlers.read.as_ref(),
            Operation::Update => self.handlers.update.as_ref(),
            Operation::Delete => self.handlers.delete.as_ref(),
            Operation::List => self.handlers.list.as_ref().map(|l| &l.handler),
        };
        handler.map(Handler::timeout)
    }

    /// The `properties` object of the schema.
    #[must_use]
    pub fn properties(&self) -> Option<&serde_json::Map<String, Value>> {
        self.raw.get("properties").and_then(Value::as_object)
    }

    /// A top-level property's schema, `$ref` resolved.
    #[must_use]
    pub fn property(&self, name: &str) -> Option<&Value> {
        self.properties().and_then(|p| p.get(name)).map(|v| self.resolve(v))
    }

    /// Resolve a `$ref` (`#/definitions/X`, or any local JSON pointer), repeatedly. Returns the
    /// value itself when it has no `$ref` or the reference cannot be resolved.
    #[must_use]
    pub fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(reference) => match self.resolve_ref(reference) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }

    /// Look up a local reference such as `#/definitions/Tag`.
    #[must_use]
    pub fn resolve_ref(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        self.raw.pointer(pointer)
    }

    /// The schema of the value at a property path, walking through objects (`properties`,
    /// `patternProperties`, `additionalProperties`), arrays (`items`, for `*` or an index) and
    /// `$ref`s. Combinators (`oneOf`/`anyOf`/`allOf`) are searched for the first branch that has
    /// the step. Returns `None` when the schema does not describe that location.
    #[must_use]
    pub fn schema_at<S: AsRef<str>>(&self, location: &[S]) -> Option<&Value> {
        let mut current = self.property(location.first()?.as_ref())?;
        for step in &location[1..] {
            current = self.step_into(current, step.as_ref(), 0)?;
        }
        Some(current)
    }

    /// `schema_at` for a [`PropPath`] (a `*` step walks into array items or map values).
    #[must_use]
    pub fn schema_at_path(&self, path: &PropPath) -> Option<&Value> {
        let steps: Vec<&str> = path
            .segments()
            .iter()
            .map(|s| match s {
                Segment::Key(k) => k.as_str(),
                Segment::Any => "*",
            })
            .collect();
        self.schema_at(&steps)
    }

    fn step_into<'a>(&'a self, schema: &'a Value, step: &str, depth: usize) -> Option<&'a Value> {
        if depth > 16 {
            return None;
        }
        let schema = self.resolve(schema);
        if let Some(items) = schema.get("items") {
            if step == "*" || step.parse::<usize>().is_ok() {
                return Some(self.resolve(items));
            }
        }
        if let Some(prop) = schema.get("properties").and_then(|p| p.get(step)) {
            return Some(self.resolve(prop));
        }
        if let Some(patterns) = schema.get("patternProperties").and_then(Value::as_object) {
            if let Some(first) = patterns.values().next() {
                return Some(self.resolve(first));
            }
        }
        if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            return Some(self.resolve(additional));
        }
        for combinator in ["allOf", "oneOf", "anyOf"] {
            if let Some(branches) = schema.get(combinator).and_then(Value::as_array) {
                for branch in branches {
                    if let Some(found) = self.step_into(branch, step, depth + 1) {
                        return Some(found);
                    }
                }
            }
        }
        None
    }

    /// Whether a concrete location is read-only, create-only, ... : helpers over the path lists.
    #[must_use]
    pub fn is_read_only<S: AsRef<str>>(&self, location: &[S]) -> bool {
        self.read_only.iter().any(|p| p.is_prefix_of(location))
    }

    #[must_use]
    pub fn is_write_only<S: AsRef<str>>(&self, location: &[S]) -> bool {
        self.write_only.iter().any(|p| p.is_prefix_of(location))
    }

    /// Whether changing the value at `location` touches a create-only property (the location is
    /// inside one, or contains one).
    #[must_use]
    pub fn touches_create_only<S: AsRef<str>>(&self, location: &[S]) -> Option<&PropPath> {
        self.create_only.iter().find(|p| p.overlaps(location))
    }

    /// The `|`-joined primary identifier of a model, if every part is present and scalar.
    #[must_use]
    pub fn identifier_of(&self, model: &Value) -> Option<String> {
        let mut parts = Vec::with_capacity(self.primary_identifier.len());
        for path in &self.primary_identifier {
            let mut value = model;
            for segment in path.segments() {
                match segment {
                    Segment::Key(key) => value = value.get(key)?,
                    Segment::Any => return None,
                }
            }
            parts.push(match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            });
        }
        if parts.is_empty() { None } else { Some(parts.join("|")) }
    }
}

fn str_at<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn paths(value: &Value) -> Vec<PropPath> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).filter_map(PropPath::parse).collect())
        .unwrap_or_default()
}

fn parse_handler(value: &Value) -> Handler {
    Handler {
        permissions: value
            .get("permissions")
            .and_then(Value::as_array)
            .map(|p| p.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
        timeout_in_minutes: value
            .get("timeoutInMinutes")
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_TIMEOUT_MINUTES),
    }
}

fn parse_handlers(value: &Value) -> Handlers {
    let get = |name: &str| value.get(name).map(parse_handler);
    Handlers {
        create: get("create"),
        read: get("read"),
        update: get("update"),
        delete: get("delete"),
        list: value.get("list").map(|list| {
            let handler_schema = list.get("handlerSchema").cloned();
            let required_parent_properties = handler_schema
                .as_ref()
                .and_then(|s| s.get("required"))
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            ListHandler { handler: parse_handler(list), handler_schema, required_parent_properties }
        }),
    }
}

fn parse_tagging(raw: &Value) -> Option<Tagging> {
    let flag = |v: &Value, key: &str, default: bool| v.get(key).and_then(Value::as_bool).unwrap_or(default);
    if let Some(tagging) = raw.get("tagging") {
        let taggable = flag(tagging, "taggable", true);
        let tag_property = if taggable {
            Some(
                tagging
                    .get("tagProperty")
                    .and_then(Value::as_str)
                    .and_then(PropPath::parse)
                    .unwrap_or_else(|| PropPath::from_relative("Tags")),
            )
        } else {
            None
        };
        return Some(Tagging {
            taggable,
            tag_on_create: flag(tagging, "tagOnCreate", taggable),
            tag_updatable: flag(tagging, "tagUpdatable", taggable),
            cloud_formation_system_tags: flag(tagging, "cloudFormationSystemTags", taggable),
            tag_property,
            permissions: tagging
                .get("permissions")
                .and_then(Value::as_array)
                .map(|p| p.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
        });
    }
    raw.get("taggable").and_then(Value::as_bool).map(|taggable| Tagging {
        taggable,
        tag_on_create: taggable,
        tag_updatable: taggable,
        cloud_formation_system_tags: taggable,
        tag_property: taggable.then(|| PropPath::from_relative("Tags")),
        permissions: Vec::new(),
    })
}
