//! Draft-07 validation of resource models against a type's schema.
//!
//! A [`Validator`] is compiled once per schema (every `$ref` resolved to a node, every `pattern`
//! compiled once) and then validates any number of models without allocating on the happy path.
//! [`ResourceSchema::validator`](crate::ResourceSchema::validator) keeps one per schema, so a
//! registry-owned schema is compiled the first time it validates anything.
//!
//! Issues are structured: the location as property path segments (object keys and array indexes),
//! a [`IssueKind`] and a message in the wording the CloudFormation handlers use
//! (`required key [Code] not found`, `extraneous key [Foo] is not permitted`, `expected type:
//! String, found: Integer`, ...). [`Issue::to_string`] gives `#/Path/0/Key: message`, the form the
//! real service puts in `Model validation failed (...)`. Callers decide which kinds are reported
//! synchronously (see [`IssueKind::is_structural`]).
//!
//! Patterns are ECMA-262 in the schemas; they are compiled with `fancy-regex`, and a pattern that
//! cannot be compiled is skipped (never an error), as are unknown `format`s.
//!
//! ```
//! use serde_json::json;
//! let schema = engine_schema::Registry::global().get("AWS::Logs::LogGroup").unwrap();
//! let issues = schema.validator().validate(&json!({"RetentionInDays": "7", "Bogus": 1}));
//! let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
//! assert!(text.contains(&"#: extraneous key [Bogus] is not permitted".to_owned()), "{text:?}");
//! assert!(text.iter().any(|t| t.starts_with("#/RetentionInDays: expected type: Integer")), "{text:?}");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use fancy_regex::Regex;
use serde_json::{Map, Value};

/// What a validation issue is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueKind {
    Type,
    Required,
    AdditionalProperties,
    Enum,
    Const,
    Pattern,
    MinLength,
    MaxLength,
    Minimum,
    Maximum,
    MultipleOf,
    MinItems,
    MaxItems,
    UniqueItems,
    MinProperties,
    MaxProperties,
    Dependencies,
    OneOf,
    AnyOf,
    Not,
    Format,
}

impl IssueKind {
    /// The keyword's name as the schema writes it.
    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Type => "type",
            Self::Required => "required",
            Self::AdditionalProperties => "additionalProperties",
            Self::Enum => "enum",
            Self::Const => "const",
            Self::Pattern => "pattern",
            Self::MinLength => "minLength",
            Self::MaxLength => "maxLength",
            Self::Minimum => "minimum",
            Self::Maximum => "maximum",
            Self::MultipleOf => "multipleOf",
            Self::MinItems => "minItems",
            Self::MaxItems => "maxItems",
            Self::UniqueItems => "uniqueItems",
            Self::MinProperties => "minProperties",
            Self::MaxProperties => "maxProperties",
            Self::Dependencies => "dependencies",
            Self::OneOf => "oneOf",
            Self::AnyOf => "anyOf",
            Self::Not => "not",
            Self::Format => "format",
        }
    }

    /// Whether the issue is about the shape of the document (a wrong type or an undeclared key)
    /// rather than about its values. The Cloud Control service reports structural issues
    /// synchronously (`ValidationException`) and leaves the others to the handler, which fails the
    /// request asynchronously with `InvalidRequest`.
    #[must_use]
    pub fn is_structural(self) -> bool {
        matches!(self, Self::Type | Self::AdditionalProperties)
    }
}

/// One validation issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where: property path segments from the model's root (object keys, array indexes).
    pub path: Vec<String>,
    pub kind: IssueKind,
    /// What, in the handlers' wording, without the location.
    pub message: String,
}

impl Issue {
    /// The location as the handlers write it: `#`, `#/Tags/0/Key`.
    #[must_use]
    pub fn pointer(&self) -> String {
        let mut out = String::from("#");
        for segment in &self.path {
            out.push('/');
            out.push_str(segment);
        }
        out
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer(), self.message)
    }
}

const T_STRING: u8 = 1;
const T_NUMBER: u8 = 2;
const T_INTEGER: u8 = 4;
const T_BOOLEAN: u8 = 8;
const T_OBJECT: u8 = 16;
const T_ARRAY: u8 = 32;
const T_NULL: u8 = 64;

/// Stop collecting after this many issues (a pathological document cannot explode the output).
const MAX_ISSUES: usize = 200;
/// Deeper documents than this are not descended into (recursive schemas, hostile input).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy)]
enum Format {
    DateTime,
    Date,
    Time,
    Email,
    Ipv4,
    Ipv6,
    Uri,
}

#[derive(Debug)]
enum Additional {
    Allow,
    Deny,
    Schema(usize),
}

#[derive(Debug)]
enum Dependency {
    Keys(Vec<String>),
    Schema(usize),
}

#[derive(Debug, Default)]
struct Node {
    reference: Option<usize>,
    types: u8,
    properties: HashMap<String, usize>,
    pattern_properties: Vec<(Option<Arc<Regex>>, usize)>,
    additional: Option<Additional>,
    required: Vec<String>,
    enumeration: Option<Vec<Value>>,
    constant: Option<Value>,
    pattern: Option<(String, Arc<Regex>)>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: Option<f64>,
    exclusive_maximum: Option<f64>,
    multiple_of: Option<f64>,
    items: Option<usize>,
    tuple_items: Vec<usize>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    dependencies: Vec<(String, Dependency)>,
    all_of: Vec<usize>,
    any_of: Vec<usize>,
    one_of: Vec<usize>,
    not: Option<usize>,
    if_then_else: Option<(usize, Option<usize>, Option<usize>)>,
    format: Option<Format>,
    /// `false` schema.
    never: bool,
}

/// A compiled schema.
#[derive(Debug)]
pub struct Validator {
    nodes: Vec<Node>,
    root: usize,
    patterns: HashMap<String, Option<Arc<Regex>>>,
}

struct Compiler<'a> {
    document: &'a Value,
    nodes: Vec<Node>,
    refs: HashMap<String, usize>,
    patterns: HashMap<String, Option<Arc<Regex>>>,
}

impl Compiler<'_> {
    fn regex(&mut self, pattern: &str) -> Option<Arc<Regex>> {
        if let Some(found) = self.patterns.get(pattern) {
            return found.clone();
        }
        let compiled = compile_pattern(pattern).map(Arc::new);
        self.patterns.insert(pattern.to_owned(), compiled.clone());
        compiled
    }

    fn reference(&mut self, reference: &str) -> Option<usize> {
        if let Some(&id) = self.refs.get(reference) {
            return Some(id);
        }
        let pointer = reference.strip_prefix('#')?;
        let target = self.document.pointer(pointer)?;
        // Reserve the slot before compiling so recursive definitions terminate.
        let id = self.nodes.len();
        self.nodes.push(Node::default());
        self.refs.insert(reference.to_owned(), id);
        let node = self.build(target);
        self.nodes[id] = node;
        Some(id)
    }

    fn compile(&mut self, schema: &Value) -> usize {
        let node = self.build(schema);
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn build(&mut self, schema: &Value) -> Node {
        let mut node = Node::default();
        let object = match schema {
            Value::Bool(false) => {
                node.never = true;
                return node;
            }
            Value::Object(object) => object,
            _ => return node,
        };
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            node.reference = self.reference(reference);
        }
        match object.get("type") {
            Some(Value::String(name)) => node.types = type_bit(name),
            Some(Value::Array(names)) => {
                node.types = names.iter().filter_map(Value::as_str).map(type_bit).fold(0, |a, b| a | b);
            }
            _ => {}
        }
        if let Some(properties) = object.get("properties").and_then(Value::as_object) {
            for (name, sub) in properties {
                let id = self.compile(sub);
                node.properties.insert(name.clone(), id);
            }
        }
        if let Some(patterns) = object.get("patternProperties").and_then(Value::as_object) {
            for (pattern, sub) in patterns {
                let regex = self.regex(pattern);
                let id = self.compile(sub);
                node.pattern_properties.push((regex, id));
            }
        }
        node.additional = match object.get("additionalProperties") {
            Some(Value::Bool(true)) => Some(Additional::Allow),
            Some(Value::Bool(false)) => Some(Additional::Deny),
            Some(sub @ Value::Object(_)) => Some(Additional::Schema(self.compile(sub))),
            _ => None,
        };
        if let Some(required) = object.get("required").and_then(Value::as_array) {
            node.required = required.iter().filter_map(Value::as_str).map(str::to_owned).collect();
        }
        node.enumeration = object.get("enum").and_then(Value::as_array).cloned();
        node.constant = object.get("const").cloned();
        if let Some(pattern) = object.get("pattern").and_then(Value::as_str) {
            node.pattern = self.regex(pattern).map(|r| (pattern.to_owned(), r));
        }
        let uint = |key: &str| object.get(key).and_then(Value::as_u64);
        let float = |key: &str| object.get(key).and_then(Value::as_f64);
        node.min_length = uint("minLength");
        node.max_length = uint("maxLength");
        node.minimum = float("minimum");
        node.maximum = float("maximum");
        // Draft-04 style boolean exclusives are folded into the draft-07 numeric form.
        match object.get("exclusiveMinimum") {
            Some(Value::Bool(true)) => node.exclusive_minimum = node.minimum.take(),
            Some(v) => node.exclusive_minimum = v.as_f64(),
            None => {}
        }
        match object.get("exclusiveMaximum") {
            Some(Value::Bool(true)) => node.exclusive_maximum = node.maximum.take(),
            Some(v) => node.exclusive_maximum = v.as_f64(),
            None => {}
        }
        node.multiple_of = float("multipleOf").filter(|m| *m > 0.0);
        match object.get("items") {
            Some(Value::Array(items)) => node.tuple_items = items.iter().map(|s| self.compile(s)).collect(),
            Some(sub) => node.items = Some(self.compile(sub)),
            None => {}
        }
        node.min_items = uint("minItems");
        node.max_items = uint("maxItems");
        node.unique_items = object.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        node.min_properties = uint("minProperties");
        node.max_properties = uint("maxProperties");
        if let Some(dependencies) = object.get("dependencies").and_then(Value::as_object) {
            for (key, dependency) in dependencies {
                let dependency = match dependency {
                    Value::Array(keys) => {
                        Dependency::Keys(keys.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    }
                    other => Dependency::Schema(self.compile(other)),
                };
                node.dependencies.push((key.clone(), dependency));
            }
        }
        for (key, list) in [("allOf", &mut node.all_of), ("anyOf", &mut node.any_of), ("oneOf", &mut node.one_of)] {
            if let Some(branches) = object.get(key).and_then(Value::as_array) {
                *list = branches.iter().map(|b| self.compile(b)).collect();
            }
        }
        if let Some(not) = object.get("not") {
            node.not = Some(self.compile(not));
        }
        if let Some(condition) = object.get("if") {
            let condition = self.compile(condition);
            let then = object.get("then").map(|s| self.compile(s));
            let otherwise = object.get("else").map(|s| self.compile(s));
            node.if_then_else = Some((condition, then, otherwise));
        }
        node.format = match object.get("format").and_then(Value::as_str) {
            Some("date-time") => Some(Format::DateTime),
            Some("date") => Some(Format::Date),
            Some("time") => Some(Format::Time),
            Some("email") => Some(Format::Email),
            Some("ipv4") => Some(Format::Ipv4),
            Some("ipv6") => Some(Format::Ipv6),
            Some("uri") => Some(Format::Uri),
            _ => None,
        };
        node
    }
}

/// Compile an ECMA-262 pattern; `None` when it cannot be compiled here.
///
/// The pattern is first rewritten to the ECMA meaning where Rust's syntax differs: `\w` and `\d`
/// are ASCII-only, a `-` after a class escape inside `[...]` is literal, `[` inside a class is
/// literal, `\uHHHH` escapes are code points, and very large counted repetitions are relaxed (the
/// schema's `maxLength` bounds the length anyway) so the automaton stays small.
pub fn compile_pattern(pattern: &str) -> Option<Regex> {
    let rewritten = ecma_to_rust(pattern);
    let build = |source: &str| {
        fancy_regex::RegexBuilder::new(source)
            .delegate_size_limit(20 * 1024 * 1024)
            .backtrack_limit(100_000)
            .build()
            .ok()
    };
    build(&rewritten).or_else(|| build(pattern))
}

fn ecma_to_rust(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut class_start = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at_class_start = class_start;
        class_start = false;
        match c {
            '\\' if i + 1 < chars.len() => {
                let next = chars[i + 1];
                let mut class_escape = false;
                match next {
                    'w' => {
                        out.push_str(if in_class { "A-Za-z0-9_" } else { "[A-Za-z0-9_]" });
                        class_escape = true;
                    }
                    'd' => {
                        out.push_str(if in_class { "0-9" } else { "[0-9]" });
                        class_escape = true;
                    }
                    'W' if !in_class => out.push_str("[^A-Za-z0-9_]"),
                    'D' if !in_class => out.push_str("[^0-9]"),
                    'u' if chars.len() >= i + 6 => {
                        let hex: String = chars[i + 2..i + 6].iter().collect();
                        match u32::from_str_radix(&hex, 16) {
                            Ok(code) if !(0xD800..0xE000).contains(&code) => {
                                out.push_str(&format!("\\x{{{hex}}}"));
                                i += 6;
                                continue;
                            }
                            _ => {
                                // Surrogates have no meaning outside UTF-16: stand for the astral planes.
                                out.push_str(if hex.to_ascii_uppercase().as_str() < "DC00" {
                                    "\\x{10000}"
                                } else {
                                    "\\x{10FFFF}"
                                });
                                i += 6;
                                continue;
                            }
                        }
                    }
                    'p' | 'P' => {
                        out.push('\\');
                        out.push(next);
                        i += 2;
                        if i < chars.len() && chars[i] == '{' {
                            while i < chars.len() {
                                out.push(chars[i]);
                                i += 1;
                                if chars[i - 1] == '}' {
                                    break;
                                }
                            }
                        }
                        if in_class && i + 1 < chars.len() && chars[i] == '-' && chars[i + 1] != ']' {
                            out.push_str("\\-");
                            i += 1;
                        }
                        continue;
                    }
                    's' | 'S' => {
                        out.push('\\');
                        out.push(next);
                        class_escape = true;
                    }
                    '/' => out.push('/'),
                    _ => {
                        out.push('\\');
                        out.push(next);
                    }
                }
                i += 2;
                if class_escape && in_class && i + 1 < chars.len() && chars[i] == '-' && chars[i + 1] != ']' {
                    out.push_str("\\-");
                    i += 1;
                }
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push('[');
                if i + 1 < chars.len() && chars[i + 1] == '^' {
                    out.push('^');
                    i += 1;
                    class_start = true;
                }
            }
            ']' if in_class && !at_class_start => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '{' if !in_class => {
                // `{n,m}` with a large m: relax to `{n,}`.
                let rest: String = chars[i..].iter().take(24).collect();
                if let Some(end) = rest.find('}') {
                    let body = &rest[1..end];
                    if let Some((low, high)) = body.split_once(',') {
                        if let (Ok(low), Ok(high)) = (low.parse::<u32>(), high.parse::<u32>()) {
                            if high > 255 {
                                out.push_str(&format!("{{{low},}}"));
                                i += end + 1;
                                continue;
                            }
                        }
                    }
                }
                out.push('{');
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn type_bit(name: &str) -> u8 {
    match name {
        "string" => T_STRING,
        "number" => T_NUMBER,
        "integer" => T_INTEGER,
        "boolean" => T_BOOLEAN,
        "object" => T_OBJECT,
        "array" => T_ARRAY,
        "null" => T_NULL,
        _ => 0,
    }
}

fn type_name_of(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "String",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Integer",
        Value::Number(_) => "Number",
        Value::Bool(_) => "Boolean",
        Value::Object(_) => "JSONObject",
        Value::Array(_) => "JSONArray",
        Value::Null => "Null",
    }
}

fn expected_names(types: u8) -> String {
    let names: Vec<&str> = [
        (T_STRING, "String"),
        (T_NUMBER, "Number"),
        (T_INTEGER, "Integer"),
        (T_BOOLEAN, "Boolean"),
        (T_OBJECT, "JSONObject"),
        (T_ARRAY, "JSONArray"),
        (T_NULL, "Null"),
    ]
    .iter()
    .filter(|(bit, _)| types & bit != 0)
    .map(|(_, name)| *name)
    .collect();
    names.join(" or ")
}

fn is_integer(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

fn matches_type(types: u8, value: &Value) -> bool {
    if types == 0 {
        return true;
    }
    let bit = match value {
        Value::String(_) => T_STRING,
        Value::Number(n) => {
            if types & T_NUMBER != 0 {
                return true;
            }
            return types & T_INTEGER != 0 && is_integer(n);
        }
        Value::Bool(_) => T_BOOLEAN,
        Value::Object(_) => T_OBJECT,
        Value::Array(_) => T_ARRAY,
        Value::Null => T_NULL,
    };
    types & bit != 0
}

/// JSON equality with numbers compared by value (1 == 1.0), as JSON Schema requires.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn format_ok(format: Format, text: &str) -> bool {
    fn digits(s: &str, n: usize) -> bool {
        s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
    }
    fn date(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        parts.len() == 3
            && digits(parts[0], 4)
            && digits(parts[1], 2)
            && digits(parts[2], 2)
            && (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0))
            && (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0))
    }
    fn time(s: &str) -> bool {
        let s = s.trim_end_matches(['Z', 'z']);
        let s = match s.rfind(['+', '-']) {
            Some(i) if i >= 8 => &s[..i],
            _ => s,
        };
        let s = s.split('.').next().unwrap_or("");
        let parts: Vec<&str> = s.split(':').collect();
        parts.len() == 3 && parts.iter().all(|p| digits(p, 2))
    }
    match format {
        Format::Date => date(text),
        Format::Time => time(text),
        Format::DateTime => match text.find(['T', 't', ' ']) {
            Some(i) => date(&text[..i]) && time(&text[i + 1..]),
            None => false,
        },
        Format::Email => {
            let mut parts = text.splitn(2, '@');
            matches!((parts.next(), parts.next()), (Some(a), Some(b)) if !a.is_empty() && !b.is_empty())
        }
        Format::Ipv4 => text.parse::<std::net::Ipv4Addr>().is_ok(),
        Format::Ipv6 => text.parse::<std::net::Ipv6Addr>().is_ok(),
        Format::Uri => text.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }),
    }
}

struct Run<'v> {
    validator: &'v Validator,
    path: Vec<String>,
    issues: Vec<Issue>,
}

impl Run<'_> {
    fn push(&mut self, kind: IssueKind, message: String) {
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(Issue { path: self.path.clone(), kind, message });
        }
    }

    fn full(&self) -> bool {
        self.issues.len() >= MAX_ISSUES
    }

    fn check(&mut self, id: usize, value: &Value, depth: usize) {
        let validator = self.validator;
        let node = &validator.nodes[id];
        if depth > MAX_DEPTH || self.full() {
            return;
        }
        if node.never {
            self.push(IssueKind::Not, "no value is permitted here".to_owned());
            return;
        }
        if let Some(target) = node.reference {
            self.check(target, value, depth + 1);
        }
        if !matches_type(node.types, value) {
            self.push(
                IssueKind::Type,
                format!("expected type: {}, found: {}", expected_names(node.types), type_name_of(value)),
            );
            return;
        }
        if let Some(options) = &node.enumeration {
            if !options.iter().any(|o| json_equal(o, value)) {
                self.push(IssueKind::Enum, format!("{} is not a valid enum value", short(value)));
            }
        }
        if let Some(constant) = &node.constant {
            if !json_equal(constant, value) {
                self.push(IssueKind::Const, format!("{} is not the expected constant {}", short(value), short(constant)));
            }
        }
        match value {
            Value::String(text) => self.check_string(node, text),
            Value::Number(number) => self.check_number(node, number),
            Value::Array(items) => self.check_array(node, items, depth),
            Value::Object(object) => self.check_object(node, object, depth),
            _ => {}
        }
        for &branch in &node.all_of {
            self.check(branch, value, depth + 1);
        }
        if !node.any_of.is_empty() && !node.any_of.iter().any(|&b| validator.valid(b, value, depth + 1)) {
            let detail = self.best_branch_detail(&node.any_of, value, depth);
            self.push(
                IssueKind::AnyOf,
                format!("#: no subschema matched out of the total {} subschemas{detail}", node.any_of.len()),
            );
        }
        if !node.one_of.is_empty() {
            let matched = node.one_of.iter().filter(|&&b| validator.valid(b, value, depth + 1)).count();
            if matched != 1 {
                let detail =
                    if matched == 0 { self.best_branch_detail(&node.one_of, value, depth) } else { String::new() };
                self.push(
                    IssueKind::OneOf,
                    format!("#: {matched} subschemas matched instead of one (of {}){detail}", node.one_of.len()),
                );
            }
        }
        if let Some(not) = node.not {
            if validator.valid(not, value, depth + 1) {
                self.push(IssueKind::Not, "subject must not be valid against schema".to_owned());
            }
        }
        if let Some((condition, then, otherwise)) = node.if_then_else {
            let branch = if validator.valid(condition, value, depth + 1) { then } else { otherwise };
            if let Some(branch) = branch {
                self.check(branch, value, depth + 1);
            }
        }
    }

    /// For a failed combinator: the first issue of the branch with the fewest issues, so the user
    /// sees what to fix.
    fn best_branch_detail(&self, branches: &[usize], value: &Value, depth: usize) -> String {
        let best = branches
            .iter()
            .map(|&b| {
                let mut run = Run { validator: self.validator, path: self.path.clone(), issues: Vec::new() };
                run.check(b, value, depth + 1);
                run.issues
            })
            .filter(|issues| !issues.is_empty())
            .min_by_key(Vec::len);
        match best.and_then(|issues| issues.into_iter().next()) {
            Some(issue) => format!(" ({issue})"),
            None => String::new(),
        }
    }

    fn check_string(&mut self, node: &Node, text: &str) {
        if node.min_length.is_some() || node.max_length.is_some() {
            let length = text.chars().count() as u64;
            if let Some(min) = node.min_length.filter(|m| length < *m) {
                self.push(IssueKind::MinLength, format!("expected minLength: {min}, actual: {length}"));
            }
            if let Some(max) = node.max_length.filter(|m| length > *m) {
                self.push(IssueKind::MaxLength, format!("expected maxLength: {max}, actual: {length}"));
            }
        }
        if let Some((source, regex)) = &node.pattern {
            // A pattern too costly to evaluate (backtracking limit) is treated as matching.
            if matches!(regex.is_match(text), Ok(false)) {
                self.push(IssueKind::Pattern, format!("string [{}] does not match pattern {source}", short_str(text)));
            }
        }
        if let Some(format) = node.format {
            if !format_ok(format, text) {
                let name = match format {
                    Format::DateTime => "date-time",
                    Format::Date => "date",
                    Format::Time => "time",
                    Format::Email => "email address",
                    Format::Ipv4 => "ipv4 address",
                    Format::Ipv6 => "ipv6 address",
                    Format::Uri => "URI",
                };
                self.push(IssueKind::Format, format!("[{}] is not a valid {name}", short_str(text)));
            }
        }
    }

    fn check_number(&mut self, node: &Node, number: &serde_json::Number) {
        let Some(value) = number.as_f64() else { return };
        let shown = number.to_string();
        if let Some(min) = node.minimum.filter(|m| value < *m) {
            self.push(IssueKind::Minimum, format!("{shown} is not greater or equal to {}", trim_float(min)));
        }
        if let Some(max) = node.maximum.filter(|m| value > *m) {
            self.push(IssueKind::Maximum, format!("{shown} is not less or equal to {}", trim_float(max)));
        }
        if let Some(min) = node.exclusive_minimum.filter(|m| value <= *m) {
            self.push(IssueKind::Minimum, format!("{shown} is not greater than {}", trim_float(min)));
        }
        if let Some(max) = node.exclusive_maximum.filter(|m| value >= *m) {
            self.push(IssueKind::Maximum, format!("{shown} is not less than {}", trim_float(max)));
        }
        if let Some(step) = node.multiple_of {
            let ratio = value / step;
            if (ratio - ratio.round()).abs() > 1e-9 {
                self.push(IssueKind::MultipleOf, format!("{shown} is not a multiple of {}", trim_float(step)));
            }
        }
    }

    fn check_array(&mut self, node: &Node, items: &[Value], depth: usize) {
        let count = items.len() as u64;
        if let Some(min) = node.min_items.filter(|m| count < *m) {
            self.push(IssueKind::MinItems, format!("expected minimum item count: {min}, found: {count}"));
        }
        if let Some(max) = node.max_items.filter(|m| count > *m) {
            self.push(IssueKind::MaxItems, format!("expected maximum item count: {max}, found: {count}"));
        }
        if node.unique_items && has_duplicates(items) {
            self.push(IssueKind::UniqueItems, "array items are not unique".to_owned());
        }
        if node.items.is_none() && node.tuple_items.is_empty() {
            return;
        }
        for (index, item) in items.iter().enumerate() {
            let schema = node.tuple_items.get(index).copied().or(node.items);
            if let Some(schema) = schema {
                self.path.push(index.to_string());
                self.check(schema, item, depth + 1);
                self.path.pop();
            }
        }
    }

    fn check_object(&mut self, node: &Node, object: &Map<String, Value>, depth: usize) {
        for key in &node.required {
            if !object.contains_key(key) {
                self.push(IssueKind::Required, format!("required key [{key}] not found"));
            }
        }
        let count = object.len() as u64;
        if let Some(min) = node.min_properties.filter(|m| count < *m) {
            self.push(IssueKind::MinProperties, format!("minimum size: [{min}], found: [{count}]"));
        }
        if let Some(max) = node.max_properties.filter(|m| count > *m) {
            self.push(IssueKind::MaxProperties, format!("maximum size: [{max}], found: [{count}]"));
        }
        for (key, dependency) in &node.dependencies {
            if !object.contains_key(key) {
                continue;
            }
            match dependency {
                Dependency::Keys(keys) => {
                    for needed in keys {
                        if !object.contains_key(needed) {
                            self.push(
                                IssueKind::Dependencies,
                                format!("property [{needed}] is required because [{key}] is set"),
                            );
                        }
                    }
                }
                Dependency::Schema(schema) => {
                    let value = Value::Object(object.clone());
                    self.check(*schema, &value, depth + 1);
                }
            }
        }
        for (key, value) in object {
            let mut described = false;
            if let Some(&schema) = node.properties.get(key) {
                described = true;
                self.path.push(key.clone());
                self.check(schema, value, depth + 1);
                self.path.pop();
            }
            for (regex, schema) in &node.pattern_properties {
                // An uncompilable pattern matches every key (lenient).
                let matched = regex.as_ref().is_none_or(|r| !matches!(r.is_match(key), Ok(false)));
                if matched {
                    described = true;
                    self.path.push(key.clone());
                    self.check(*schema, value, depth + 1);
                    self.path.pop();
                }
            }
            if described {
                continue;
            }
            match &node.additional {
                Some(Additional::Deny) => {
                    self.push(IssueKind::AdditionalProperties, format!("extraneous key [{key}] is not permitted"));
                }
                Some(Additional::Schema(schema)) => {
                    self.path.push(key.clone());
                    self.check(*schema, value, depth + 1);
                    self.path.pop();
                }
                Some(Additional::Allow) | None => {}
            }
        }
    }
}

fn short_str(text: &str) -> String {
    short(&Value::String(text.to_owned()))
}

fn trim_float(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { value.to_string() }
}

fn has_duplicates(items: &[Value]) -> bool {
    if items.len() > 64 {
        // Canonical text for large arrays: O(n log n) instead of O(n^2).
        let mut seen = std::collections::HashSet::with_capacity(items.len());
        return !items.iter().all(|item| seen.insert(item.to_string()));
    }
    items.iter().enumerate().any(|(i, a)| items[..i].iter().any(|b| json_equal(a, b)))
}

impl Validator {
    /// Compile a resource schema (its root is the resource's property object).
    #[must_use]
    pub fn new(schema: &crate::ResourceSchema) -> Self {
        Self::from_document(&schema.raw)
    }

    /// Compile any JSON schema document; `$ref`s are resolved against the document itself.
    /// Keywords that are not validation keywords (`typeName`, `handlers`, ...) are ignored.
    #[must_use]
    pub fn from_document(document: &Value) -> Self {
        let mut compiler =
            Compiler { document, nodes: Vec::new(), refs: HashMap::new(), patterns: HashMap::new() };
        let root = compiler.compile(document);
        Self { nodes: compiler.nodes, root, patterns: compiler.patterns }
    }

    /// Every issue of a model (up to a bound), in document order.
    #[must_use]
    pub fn validate(&self, model: &Value) -> Vec<Issue> {
        let mut run = Run { validator: self, path: Vec::new(), issues: Vec::new() };
        run.check(self.root, model, 0);
        run.issues
    }

    /// Whether the model has no issue (faster than `validate(..).is_empty()`).
    #[must_use]
    pub fn is_valid(&self, model: &Value) -> bool {
        self.valid(self.root, model, 0)
    }

    /// Validate one top-level property's value (issues carry paths from the model's root).
    /// Unknown properties give one `AdditionalProperties` issue when the schema forbids them.
    #[must_use]
    pub fn validate_property(&self, name: &str, value: &Value) -> Vec<Issue> {
        let mut run = Run { validator: self, path: vec![name.to_owned()], issues: Vec::new() };
        match self.property_node(name) {
            Some(id) => run.check(id, value, 1),
            None => {
                if matches!(self.nodes[self.root].additional, Some(Additional::Deny)) {
                    run.path.clear();
                    run.push(IssueKind::AdditionalProperties, format!("extraneous key [{name}] is not permitted"));
                }
            }
        }
        run.issues
    }

    fn property_node(&self, name: &str) -> Option<usize> {
        let root = &self.nodes[self.root];
        root.properties.get(name).copied()
    }

    /// The compiled form of a pattern that occurs in the schema, `None` when it does not occur or
    /// could not be compiled.
    #[must_use]
    pub fn pattern(&self, source: &str) -> Option<&Regex> {
        self.patterns.get(source).and_then(|r| r.as_deref())
    }

    /// How many patterns the schema has that could not be compiled (and are skipped).
    #[must_use]
    pub fn skipped_patterns(&self) -> usize {
        self.patterns.values().filter(|r| r.is_none()).count()
    }

    fn valid(&self, id: usize, value: &Value, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        let mut run = Run { validator: self, path: Vec::new(), issues: Vec::new() };
        run.check(id, value, depth);
        run.issues.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Registry;

    fn kinds(issues: &[Issue]) -> Vec<(String, IssueKind)> {
        issues.iter().map(|i| (i.pointer(), i.kind)).collect()
    }

    #[test]
    fn keywords() {
        let doc = json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["Name"],
            "properties": {
                "Name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
                "Size": {"type": "integer", "minimum": 1, "maximum": 10},
                "Mode": {"enum": ["A", "B"]},
                "Fixed": {"const": 3},
                "Tags": {"type": "array", "uniqueItems": true, "maxItems": 2, "items": {"$ref": "#/definitions/Tag"}},
                "Either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                "Any": {"anyOf": [{"type": "string", "minLength": 3}, {"type": "boolean"}]},
                "When": {"type": "string", "format": "date-time"},
                "Ip": {"type": "string", "format": "ipv4"}
            },
            "definitions": {"Tag": {"type": "object", "additionalProperties": false, "required": ["Key"],
                "properties": {"Key": {"type": "string"}, "Value": {"type": "string"}}}}
        });
        let v = Validator::from_document(&doc);
        assert!(v.is_valid(&json!({"Name": "abc", "Size": 3, "Mode": "A", "Fixed": 3.0, "Either": 1, "Any": true})));
        let issues = v.validate(&json!({
            "Size": 11, "Mode": "C", "Fixed": 4, "Extra": 1,
            "Tags": [{"Key": "a"}, {"Key": "a"}, {"Value": 1}],
            "Either": 1.5, "Any": "x", "When": "yesterday", "Ip": "1.2.3"
        }));
        let found = kinds(&issues);
        for expected in [
            ("#", IssueKind::Required),
            ("#", IssueKind::AdditionalProperties),
            ("#/Size", IssueKind::Maximum),
            ("#/Mode", IssueKind::Enum),
            ("#/Fixed", IssueKind::Const),
            ("#/Tags", IssueKind::MaxItems),
            ("#/Tags", IssueKind::UniqueItems),
            ("#/Tags/2", IssueKind::Required),
            ("#/Tags/2/Value", IssueKind::Type),
            ("#/Either", IssueKind::OneOf),
            ("#/Any", IssueKind::AnyOf),
            ("#/When", IssueKind::Format),
            ("#/Ip", IssueKind::Format),
        ] {
            assert!(found.contains(&(expected.0.to_owned(), expected.1)), "missing {expected:?} in {found:?}");
        }
        let name = v.validate(&json!({"Name": "ABCDEFG"}));
        assert_eq!(kinds(&name), vec![("#/Name".into(), IssueKind::MaxLength), ("#/Name".into(), IssueKind::Pattern)]);
        assert_eq!(name[1].to_string(), "#/Name: string [ABCDEFG] does not match pattern ^[a-z]+$");
        assert_eq!(v.validate(&json!({"Name": 5}))[0].to_string(), "#/Name: expected type: String, found: Integer");
        assert_eq!(v.validate(&json!({"Name": "ab", "Extra": 1}))[0].message, "extraneous key [Extra] is not permitted");
    }

    #[test]
    fn recursive_refs_and_uncompilable_patterns() {
        let doc = json!({
            "properties": {"Tree": {"$ref": "#/definitions/Node"}, "Odd": {"type": "string", "pattern": "(?<!"}},
            "definitions": {"Node": {"type": "object", "properties": {"Children": {"type": "array", "items": {"$ref": "#/definitions/Node"}}, "V": {"type": "integer"}}}}
        });
        let v = Validator::from_document(&doc);
        assert_eq!(v.skipped_patterns(), 1);
        assert!(v.is_valid(&json!({"Odd": "anything", "Tree": {"Children": [{"Children": [{"V": 1}]}]}})));
        let issues = v.validate(&json!({"Tree": {"Children": [{"Children": [{"V": "x"}]}]}}));
        assert_eq!(issues[0].pointer(), "#/Tree/Children/0/Children/0/V");
    }

    #[test]
    fn ecma_patterns() {
        let cases = [
            (r"^[\w-.~]+$", "a-b.c~", "a b"),
            (r"^[a-z,A-Z,0-9,. _\-:/()#,@[\]+=&;\{\}!$*]*$", "a[b]", "a%"),
            (r"^\w{1,2048}$", "abc_1", "é"),
            (r"^[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDBFF-\uDC00\uDFFF\r\n\t]*$", "hello 😀", "\u{1}"),
            (r"^[\p{L}\p{N}\p{Z}-_]*$", "ab c-", "a!"),
            (r"^\d+$", "123", "١٢٣"),
        ];
        for (pattern, good, bad) in cases {
            let regex = compile_pattern(pattern).unwrap_or_else(|| panic!("{pattern} did not compile"));
            assert!(regex.is_match(good).unwrap(), "{pattern} should match {good}");
            assert!(!regex.is_match(bad).unwrap(), "{pattern} should not match {bad}");
        }
    }

    #[test]
    fn real_schemas() {
        let registry = Registry::global();
        let function = registry.get("AWS::Lambda::Function").unwrap();
        let issues = function.validator().validate(&json!({"FunctionName": "f", "Runtime": "python3.13"}));
        let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
        assert!(text.contains(&"#: required key [Code] not found".to_owned()), "{text:?}");
        assert!(text.contains(&"#: required key [Role] not found".to_owned()), "{text:?}");
        let bucket = registry.get("AWS::S3::Bucket").unwrap();
        assert!(bucket.validator().is_valid(&json!({"BucketName": "my-bucket", "Tags": [{"Key": "a", "Value": "b"}]})));
        let bad = bucket.validator().validate(&json!({"Tags": [{"Key": "a"}], "VersioningConfiguration": {"Status": "Maybe"}}));
        let found = kinds(&bad);
        assert!(found.contains(&("#/Tags/0".into(), IssueKind::Required)), "{found:?}");
        assert!(found.contains(&("#/VersioningConfiguration/Status".into(), IssueKind::Enum)), "{found:?}");
        let vpc = registry.get("AWS::EC2::VPC").unwrap();
        assert!(vpc.validator().is_valid(&json!({"CidrBlock": "10.0.0.0/16", "EnableDnsSupport": true})));
        assert!(!vpc.validator().validate_property("EnableDnsSupport", &json!("yes")).is_empty());
        let log = registry.get("AWS::Logs::LogGroup").unwrap();
        assert!(log.validator().validate_property("LogGroupName", &json!("has space?")).iter().any(|i| i.kind == IssueKind::Pattern));
        assert!(log.validator().validate_property("LogGroupName", &json!("/aws/lambda/x")).is_empty());
    }

    #[test]
    fn every_schema_compiles() {
        let registry = Registry::global();
        let mut skipped = 0;
        for name in registry.all_type_names() {
            let schema = registry.get(name).unwrap();
            let validator = schema.validator();
            skipped += validator.skipped_patterns();
            // An empty model never panics, whatever the schema.
            let _ = validator.validate(&json!({}));
        }
        assert!(skipped < 10, "{skipped} patterns could not be compiled");
    }
}
