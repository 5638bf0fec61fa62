//! `EnginePackage.toml`: a component package's manifest and interface (format in `README.md`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::error::{PackageError, Result};
use crate::types::{Component, ObjectType, Property, TypeRef, is_property_name, is_type_name, properties_json};

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "EnginePackage.toml";

/// The language a package is written in (and how the engine runs it as a plugin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runtime {
    Rust,
    Python,
    Node,
}

impl Runtime {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Rust => "rust",
            Runtime::Python => "python",
            Runtime::Node => "node",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Runtime> {
        Some(match text {
            "rust" => Runtime::Rust,
            "python" => Runtime::Python,
            "node" | "nodejs" | "typescript" => Runtime::Node,
            _ => return None,
        })
    }
}

/// A loaded package: its manifest and declared interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `platform` (lowercase letters, digits and dashes): the first part of its components' types.
    pub name: String,
    pub version: semver::Version,
    pub runtime: Runtime,
    /// The plugin's entry point, relative to the package folder (`rust`: a binary name or a
    /// crate folder; `python` / `node`: a file). `None`: the runtime's default.
    pub main: Option<String>,
    pub description: Option<String>,
    /// By name, sorted.
    pub components: BTreeMap<String, Component>,
    pub types: BTreeMap<String, ObjectType>,
    /// The package folder (absolute when loaded from disk).
    pub dir: PathBuf,
    /// sha256 of the manifest's text (bindings record it to know when they are stale).
    pub digest: String,
}

impl Manifest {
    /// Load `dir/EnginePackage.toml`.
    ///
    /// # Errors
    /// No manifest, an unreadable one, or an invalid one (with `file:line:column`).
    pub fn load(dir: &Path) -> Result<Manifest> {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let file = dir.join(MANIFEST_FILE);
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(PackageError::NotAPackage { dir, file: MANIFEST_FILE });
            }
            Err(source) => return Err(PackageError::Read { path: file, source }),
        };
        let mut manifest = Manifest::parse(&text, &file)?;
        manifest.dir = dir;
        Ok(manifest)
    }

    /// Parse a manifest's text (`file` is used in error messages and gives `dir`).
    ///
    /// # Errors
    /// Invalid TOML or an invalid manifest, located `file:line:column`.
    pub fn parse(text: &str, file: &Path) -> Result<Manifest> {
        let doc = toml_edit::Document::parse(text).map_err(|error| PackageError::Invalid {
            location: location(file, text, error.span().map_or(0, |s| s.start)),
            message: format!("not valid TOML: {}", error.message().trim_end()),
        })?;
        let mut spans = HashMap::new();
        let root = table_json(doc.as_table(), "", &mut spans);
        let reader = Reader { file, text, spans: &spans };
        reader.manifest(&root)
    }

    /// The component with this type token (`platform:index:Network`) or name (`Network`).
    #[must_use]
    pub fn component(&self, type_or_name: &str) -> Option<&Component> {
        self.components.get(type_or_name).or_else(|| self.components.values().find(|c| c.token == type_or_name))
    }

    /// `name@version`.
    #[must_use]
    pub fn id(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// The requirement a binding generated from this version sends (`platform@^0.1.0`).
    #[must_use]
    pub fn requirement(&self) -> String {
        format!("{}@^{}", self.name, self.version)
    }

    /// The manifest and interface as JSON (what a plugin's `GetSchema` returns).
    #[must_use]
    pub fn to_json(&self) -> Value {
        let components: Map<String, Value> = self
            .components
            .values()
            .map(|c| {
                let mut entry = Map::new();
                entry.insert("type".into(), Value::String(c.token.clone()));
                if let Some(d) = &c.description {
                    entry.insert("description".into(), Value::String(d.clone()));
                }
                entry.insert("inputs".into(), properties_json(&c.inputs));
                entry.insert("outputs".into(), properties_json(&c.outputs));
                (c.name.clone(), Value::Object(entry))
            })
            .collect();
        let types: Map<String, Value> = self
            .types
            .values()
            .map(|t| {
                let mut entry = Map::new();
                if let Some(d) = &t.description {
                    entry.insert("description".into(), Value::String(d.clone()));
                }
                entry.insert("properties".into(), properties_json(&t.properties));
                (t.name.clone(), Value::Object(entry))
            })
            .collect();
        json!({
            "name": self.name,
            "version": self.version.to_string(),
            "runtime": self.runtime.as_str(),
            "main": self.main,
            "description": self.description,
            "components": components,
            "types": types,
        })
    }
}

/// `file:line:column` of a byte offset.
fn location(file: &Path, text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.len(), |i| before.len() - i - 1) + 1;
    format!("{}:{line}:{column}", file.display())
}

fn item_json(item: &toml_edit::Item, path: &str, spans: &mut HashMap<String, usize>) -> Value {
    match item {
        toml_edit::Item::None => Value::Null,
        toml_edit::Item::Value(value) => value_json(value, path, spans),
        toml_edit::Item::Table(table) => table_json(table, path, spans),
        toml_edit::Item::ArrayOfTables(array) => {
            Value::Array(array.iter().enumerate().map(|(i, t)| table_json(t, &format!("{path}[{i}]"), spans)).collect())
        }
    }
}

fn table_json(table: &toml_edit::Table, path: &str, spans: &mut HashMap<String, usize>) -> Value {
    let mut map = Map::new();
    for (key, item) in table {
        let child = if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
        if let Some(span) = table.key(key).and_then(toml_edit::Key::span).or_else(|| item.span()) {
            spans.insert(child.clone(), span.start);
        }
        map.insert(key.to_owned(), item_json(item, &child, spans));
    }
    Value::Object(map)
}

fn value_json(value: &toml_edit::Value, path: &str, spans: &mut HashMap<String, usize>) -> Value {
    match value {
        toml_edit::Value::String(s) => Value::String(s.value().clone()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Float(f) => serde_json::Number::from_f64(*f.value()).map_or(Value::Null, Value::Number),
        toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
        toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
        toml_edit::Value::Array(array) => {
            Value::Array(array.iter().enumerate().map(|(i, v)| value_json(v, &format!("{path}[{i}]"), spans)).collect())
        }
        toml_edit::Value::InlineTable(table) => {
            let mut map = Map::new();
            for (key, v) in table {
                let child = format!("{path}.{key}");
                if let Some(span) = table.key(key).and_then(toml_edit::Key::span).or_else(|| v.span()) {
                    spans.insert(child.clone(), span.start);
                }
                map.insert(key.to_owned(), value_json(v, &child, spans));
            }
            Value::Object(map)
        }
    }
}

struct Reader<'a> {
    file: &'a Path,
    text: &'a str,
    spans: &'a HashMap<String, usize>,
}

impl Reader<'_> {
    fn error(&self, path: &str, message: impl Into<String>) -> PackageError {
        // The nearest located ancestor.
        let mut at = path;
        let offset = loop {
            if let Some(offset) = self.spans.get(at) {
                break *offset;
            }
            match at.rfind('.') {
                Some(i) => at = &at[..i],
                None => break 0,
            }
        };
        let message = message.into();
        let message = if path.is_empty() { message } else { format!("{path}: {message}") };
        PackageError::Invalid { location: location(self.file, self.text, offset), message }
    }

    fn table<'v>(&self, value: &'v Value, path: &str) -> Result<&'v Map<String, Value>> {
        value.as_object().ok_or_else(|| self.error(path, "must be a table"))
    }

    fn only(&self, map: &Map<String, Value>, path: &str, allowed: &[&str]) -> Result<()> {
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                return Err(self.error(&at, format!("unknown key (expected one of: {})", allowed.join(", "))));
            }
        }
        Ok(())
    }

    fn string(&self, map: &Map<String, Value>, path: &str, key: &str) -> Result<Option<String>> {
        match map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.error(&format!("{path}.{key}"), "must be a string")),
        }
    }

    fn boolean(&self, map: &Map<String, Value>, path: &str, key: &str) -> Result<Option<bool>> {
        match map.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.error(&format!("{path}.{key}"), "must be true or false")),
        }
    }

    fn manifest(&self, root: &Value) -> Result<Manifest> {
        let root = self.table(root, "")?;
        self.only(root, "", &["package", "components", "types"])?;
        let package = self.table(
            root.get("package")
                .ok_or_else(|| self.error("", "missing the [package] table (name, version, runtime)"))?,
            "package",
        )?;
        self.only(package, "package", &["name", "version", "runtime", "main", "description"])?;
        let name = self
            .string(package, "package", "name")?
            .ok_or_else(|| self.error("package", "missing `name` (e.g. name = \"platform\")"))?;
        let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid_name {
            return Err(self.error(
                "package.name",
                format!(
                    "{name:?} is not a package name (lowercase letters, digits and dashes, starting with a letter)"
                ),
            ));
        }
        let version_text = self
            .string(package, "package", "version")?
            .ok_or_else(|| self.error("package", "missing `version` (semver, e.g. version = \"0.1.0\")"))?;
        let version = semver::Version::parse(&version_text)
            .map_err(|e| self.error("package.version", format!("{version_text:?} is not a semver version: {e}")))?;
        let runtime_text = self
            .string(package, "package", "runtime")?
            .ok_or_else(|| self.error("package", "missing `runtime` (\"rust\", \"python\" or \"node\")"))?;
        let runtime = Runtime::parse(&runtime_text).ok_or_else(|| {
            self.error("package.runtime", format!("unknown runtime {runtime_text:?} (expected rust, python or node)"))
        })?;
        let main = self.string(package, "package", "main")?.filter(|m| !m.is_empty());
        let description = self.string(package, "package", "description")?;

        let mut types = BTreeMap::new();
        if let Some(value) = root.get("types") {
            for (type_name, body) in self.table(value, "types")? {
                let path = format!("types.{type_name}");
                if !is_type_name(type_name) {
                    return Err(self.error(&path, "type names are PascalCase (e.g. Autoscaling)"));
                }
                if matches!(type_name.as_str(), "String" | "Integer" | "Number" | "Boolean" | "Any") {
                    return Err(self.error(&path, "this name is reserved"));
                }
                let body = self.table(body, &path)?;
                self.only(body, &path, &["description", "properties"])?;
                let properties = match body.get("properties") {
                    Some(p) => self.properties(p, &format!("{path}.properties"), false, false)?,
                    None => Vec::new(),
                };
                types.insert(
                    type_name.clone(),
                    ObjectType {
                        name: type_name.clone(),
                        description: self.string(body, &path, "description")?,
                        properties,
                    },
                );
            }
        }

        let mut components = BTreeMap::new();
        if let Some(value) = root.get("components") {
            for (component_name, body) in self.table(value, "components")? {
                let path = format!("components.{component_name}");
                if !is_type_name(component_name) {
                    return Err(self.error(&path, "component names are PascalCase (e.g. Network)"));
                }
                let body = self.table(body, &path)?;
                self.only(body, &path, &["description", "inputs", "outputs"])?;
                let inputs = match body.get("inputs") {
                    Some(p) => self.properties(p, &format!("{path}.inputs"), true, false)?,
                    None => Vec::new(),
                };
                let outputs = match body.get("outputs") {
                    Some(p) => self.properties(p, &format!("{path}.outputs"), false, true)?,
                    None => Vec::new(),
                };
                components.insert(
                    component_name.clone(),
                    Component {
                        name: component_name.clone(),
                        token: format!("{name}:index:{component_name}"),
                        description: self.string(body, &path, "description")?,
                        inputs,
                        outputs,
                    },
                );
            }
        }
        if components.is_empty() {
            return Err(self.error("", "the package declares no component (add a [components.Name] table)"));
        }
        // Every object type mentioned exists.
        let mut mentioned: Vec<(String, String)> = Vec::new();
        for component in components.values() {
            for (kind, list) in [("inputs", &component.inputs), ("outputs", &component.outputs)] {
                for p in list {
                    let mut names = Vec::new();
                    p.ty.objects(&mut names);
                    mentioned.extend(
                        names.into_iter().map(|n| (format!("components.{}.{kind}.{}", component.name, p.name), n)),
                    );
                }
            }
        }
        for object in types.values() {
            for p in &object.properties {
                let mut names = Vec::new();
                p.ty.objects(&mut names);
                mentioned
                    .extend(names.into_iter().map(|n| (format!("types.{}.properties.{}", object.name, p.name), n)));
            }
        }
        for (path, type_name) in mentioned {
            if !types.contains_key(&type_name) {
                return Err(
                    self.error(&path, format!("unknown type {type_name:?}: declare it under [types.{type_name}]"))
                );
            }
        }
        Ok(Manifest {
            name,
            version,
            runtime,
            main,
            description,
            components,
            types,
            dir: self.file.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            digest: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(self.text.as_bytes())),
        })
    }

    fn properties(&self, value: &Value, path: &str, inputs: bool, outputs: bool) -> Result<Vec<Property>> {
        let mut out = Vec::new();
        for (name, body) in self.table(value, path)? {
            let at = format!("{path}.{name}");
            if !is_property_name(name) {
                return Err(self.error(&at, "property names are camelCase (letters and digits, e.g. cidrBlock)"));
            }
            let body = match body {
                // `name = "string"`: the type alone.
                Value::String(ty) => {
                    let mut map = Map::new();
                    map.insert("type".into(), Value::String(ty.clone()));
                    map
                }
                other => self.table(other, &at)?.clone(),
            };
            let mut allowed_keys = vec!["type", "required", "secret", "description"];
            if inputs {
                allowed_keys.extend(["plain", "default"]);
            } else if !outputs {
                allowed_keys.push("default");
            }
            allowed_keys.push("enum");
            self.only(&body, &at, &allowed_keys)?;
            let ty_text = self.string(&body, &at, "type")?.ok_or_else(|| self.error(&at, "missing `type`"))?;
            let ty = TypeRef::parse(&ty_text).map_err(|m| self.error(&format!("{at}.type"), m))?;
            let allowed = match body.get("enum") {
                None => None,
                Some(Value::Array(items)) if ty == TypeRef::String => Some(
                    items
                        .iter()
                        .map(|i| {
                            i.as_str()
                                .map(str::to_owned)
                                .ok_or_else(|| self.error(&format!("{at}.enum"), "must list strings"))
                        })
                        .collect::<Result<Vec<_>>>()?,
                ),
                Some(_) => {
                    return Err(self.error(
                        &format!("{at}.enum"),
                        "only a string property may list its values (enum = [\"a\", \"b\"])",
                    ));
                }
            };
            let default = body.get("default").cloned();
            let property = Property {
                name: name.clone(),
                ty,
                required: self.boolean(&body, &at, "required")?.unwrap_or(outputs),
                plain: self.boolean(&body, &at, "plain")?.unwrap_or(false),
                secret: self.boolean(&body, &at, "secret")?.unwrap_or(false),
                default,
                allowed,
                description: self.string(&body, &at, "description")?,
            };
            if property.required && property.default.is_some() {
                return Err(self.error(&at, "a required input has no default"));
            }
            if let Some(default) = &property.default {
                let mut problems = Vec::new();
                crate::check::check_plain(
                    default,
                    &property.ty,
                    property.allowed.as_deref(),
                    &BTreeMap::new(),
                    "default",
                    &mut problems,
                );
                // Object defaults cannot be checked against types before all are read: only
                // scalars, lists and maps of scalars are.
                if let Some(problem) = problems.into_iter().find(|p| !p.message.contains("unknown type")) {
                    return Err(self.error(&format!("{at}.default"), problem.message));
                }
            }
            out.push(property);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[package]
name = "platform"
version = "0.1.0"
runtime = "rust"
main = "plugin"

[types.Statement]
properties.actions = { type = "list(string)", required = true }
properties.effect = { type = "string", enum = ["Allow", "Deny"], default = "Allow" }

[components.Network]
description = "A VPC."
[components.Network.inputs]
cidrBlock = { type = "string", default = "10.0.0.0/16" }
zones = { type = "integer", plain = true }
statements = "list(Statement)"
[components.Network.outputs]
vpcId = "string"
natGatewayId = { type = "string", required = false }
"#;

    #[test]
    fn a_manifest_parses_with_its_interface_in_declaration_order() {
        let m = Manifest::parse(SAMPLE, Path::new("/p/EnginePackage.toml")).unwrap();
        assert_eq!((m.name.as_str(), m.version.to_string().as_str(), m.runtime), ("platform", "0.1.0", Runtime::Rust));
        let network = m.component("platform:index:Network").unwrap();
        let names: Vec<&str> = network.inputs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["cidrBlock", "zones", "statements"]);
        assert!(network.input("zones").unwrap().plain);
        assert!(network.output("vpcId").unwrap().required);
        assert!(!network.output("natGatewayId").unwrap().required);
        assert_eq!(
            m.types["Statement"].properties[1].allowed.as_deref(),
            Some(&["Allow".to_owned(), "Deny".to_owned()][..])
        );
        assert_eq!(m.requirement(), "platform@^0.1.0");
        assert_eq!(m.to_json()["components"]["Network"]["inputs"]["statements"]["type"], "list(Statement)");
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let bad = SAMPLE.replace("statements = \"list(Statement)\"", "statements = \"list(Statment)\"");
        let error = Manifest::parse(&bad, Path::new("/p/EnginePackage.toml")).unwrap_err().to_string();
        assert!(error.starts_with("/p/EnginePackage.toml:17:1: components.Network.inputs.statements"), "{error}");
        assert!(error.contains("unknown type \"Statment\""), "{error}");

        let bad = SAMPLE.replace("version = \"0.1.0\"", "version = \"one\"");
        let error = Manifest::parse(&bad, Path::new("/p/EnginePackage.toml")).unwrap_err().to_string();
        assert!(error.contains(":4:1: package.version") && error.contains("not a semver version"), "{error}");

        let bad =
            SAMPLE.replace("cidrBlock = { type = \"string\",", "cidrBlock = { type = \"string\", requird = true,");
        let error = Manifest::parse(&bad, Path::new("/p/EnginePackage.toml")).unwrap_err().to_string();
        assert!(error.contains("components.Network.inputs.cidrBlock.requird: unknown key"), "{error}");

        let bad = SAMPLE.replace("default = \"10.0.0.0/16\"", "default = 16");
        let error = Manifest::parse(&bad, Path::new("/p/EnginePackage.toml")).unwrap_err().to_string();
        assert!(error.contains("cidrBlock.default") && error.contains("expected a string"), "{error}");
    }
}
