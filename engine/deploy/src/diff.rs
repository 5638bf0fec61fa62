//! Property-level diffing of a resource's desired inputs against its last inputs, driven by the
//! CloudFormation schema: update versus replace, and the minimal JSON Patch an update sends.
//!
//! The rules (issue 3, "Planning"):
//! - Desired inputs are compared with the **inputs last sent** (write-only values included), never
//!   with the cloud's outputs: a value the cloud fills in by default (a property the user did not
//!   set) never produces a diff. Drift found by a refresh is folded into the stored inputs by the
//!   refresh itself, so a later diff sees it.
//! - Read-only properties never diff.
//! - A change inside a `createOnlyProperties` path (nested paths too) replaces; a change inside a
//!   `conditionalCreateOnlyProperties` path is attempted as an update; a type without an update
//!   handler replaces on any change; `replaceOnChanges` paths replace; tags replace when the
//!   type's tags are not updatable.
//! - Arrays whose schema says `insertionOrder: false` compare as multisets.
//! - `ignoreChanges` paths keep their old value.
//!
//! Values here are *plain*: secrets unwrapped and resource references resolved to identifiers
//! (the planner does that); unknowns (`{"__engine":"unknown"}`, preview only) count as changes.

use std::fmt;

use engine_proto::value;
use engine_schema::{PropPath, ResourceSchema, Segment};
use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation, RemoveOperation, ReplaceOperation};
use serde_json::{Map, Value};

/// A concrete location inside a model: object keys and array indexes, relative to the
/// properties object.
pub type Location = Vec<String>;

/// Render a location as `/A/0/B` (JSON pointer escaping).
#[must_use]
pub fn location_string(location: &[String]) -> String {
    if location.is_empty() {
        return "/".to_owned();
    }
    let mut out = String::new();
    for step in location {
        out.push('/');
        out.push_str(&step.replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// What happened to a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Add,
    Update,
    Delete,
}

/// One property-level change.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyChange {
    pub location: Location,
    pub kind: ChangeKind,
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// Set when this change forces a replacement, e.g. `createOnly /BucketName changed`.
    pub replace_reason: Option<String>,
}

impl PropertyChange {
    #[must_use]
    pub fn path(&self) -> String {
        location_string(&self.location)
    }
}

/// The options of a resource that steer the diff.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    pub ignore_changes: Vec<PropPath>,
    pub replace_on_changes: Vec<PropPath>,
}

impl DiffOptions {
    /// Parse option paths as users write them: `Tags`, `Code.S3Key`, `/Code/S3Key`, `Rules[*].Id`.
    #[must_use]
    pub fn parse_paths(paths: &[String]) -> Vec<PropPath> {
        paths.iter().map(|p| parse_user_path(p)).collect()
    }
}

/// Parse a user-written property path (`A.B`, `A/B`, `/A/B`, `A[0].B`, `A[*].B`, `A.*.B`).
#[must_use]
pub fn parse_user_path(path: &str) -> PropPath {
    let trimmed = path.trim().trim_start_matches("/properties");
    let normalised = if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        trimmed.replace("[*]", ".*").replace('[', ".").replace(']', "").replace('.', "/")
    };
    PropPath::from_relative(&normalised)
}

/// The result of diffing one resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub changes: Vec<PropertyChange>,
}

impl Diff {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Whether any change forces a replacement.
    #[must_use]
    pub fn requires_replace(&self) -> bool {
        self.changes.iter().any(|c| c.replace_reason.is_some())
    }

    /// The distinct reasons for a replacement, in order.
    #[must_use]
    pub fn replace_reasons(&self) -> Vec<String> {
        let mut reasons: Vec<String> = Vec::new();
        for reason in self.changes.iter().filter_map(|c| c.replace_reason.clone()) {
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        reasons
    }

    /// The changed paths.
    #[must_use]
    pub fn paths(&self) -> Vec<String> {
        self.changes.iter().map(PropertyChange::path).collect()
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, change) in self.changes.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&change.path())?;
        }
        Ok(())
    }
}

/// Apply `ignoreChanges`: each ignored path keeps its old value (or stays absent).
#[must_use]
pub fn apply_ignore_changes(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    ignore: &[PropPath],
) -> Map<String, Value> {
    let mut result = new.clone();
    for path in ignore {
        let steps: Vec<String> = path
            .segments()
            .iter()
            .map(|s| match s {
                Segment::Key(k) => k.clone(),
                Segment::Any => "*".to_owned(),
            })
            .collect();
        if steps.iter().any(|s| s == "*") {
            // Wildcards: copy every matching old location.
            let mut locations = Vec::new();
            collect_matches(&Value::Object(old.clone()), &steps, &mut Vec::new(), &mut locations);
            collect_matches(&Value::Object(new.clone()), &steps, &mut Vec::new(), &mut locations);
            locations.sort();
            locations.dedup();
            for location in locations {
                copy_location(old, &mut result, &location);
            }
        } else {
            copy_location(old, &mut result, &steps);
        }
    }
    result
}

fn collect_matches(value: &Value, pattern: &[String], prefix: &mut Vec<String>, out: &mut Vec<Location>) {
    let Some((head, rest)) = pattern.split_first() else {
        out.push(prefix.clone());
        return;
    };
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) if head == "*" => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Object(map) => map.get(head).map(|v| vec![(head.clone(), v)]).unwrap_or_default(),
        Value::Array(items) if head == "*" => items.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        Value::Array(items) => {
            head.parse::<usize>().ok().and_then(|i| items.get(i).map(|v| (head.clone(), v))).into_iter().collect()
        }
        _ => Vec::new(),
    };
    for (key, child) in children {
        prefix.push(key);
        collect_matches(child, rest, prefix, out);
        prefix.pop();
    }
}

fn get_location<'a>(value: &'a Value, location: &[String]) -> Option<&'a Value> {
    let mut current = value;
    for step in location {
        current = match current {
            Value::Object(map) => map.get(step)?,
            Value::Array(items) => items.get(step.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Copy `old[location]` into `target[location]`, removing it from target when old lacks it.
fn copy_location(old: &Map<String, Value>, target: &mut Map<String, Value>, location: &[String]) {
    let old_value = get_location(&Value::Object(old.clone()), location).cloned();
    let mut root = Value::Object(std::mem::take(target));
    set_location(&mut root, location, old_value);
    if let Value::Object(map) = root {
        *target = map;
    }
}

/// Set (or with `None` remove) the value at a location, creating missing parent objects.
fn set_location(current: &mut Value, location: &[String], value: Option<Value>) {
    let Some((step, rest)) = location.split_first() else { return };
    if rest.is_empty() {
        match (current, value) {
            (Value::Object(map), Some(v)) => {
                map.insert(step.clone(), v);
            }
            (Value::Object(map), None) => {
                map.remove(step);
            }
            (Value::Array(items), Some(v)) => {
                if let Some(slot) = step.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    *slot = v;
                }
            }
            _ => {}
        }
        return;
    }
    let next = match current {
        Value::Object(map) => {
            if !map.contains_key(step) {
                if value.is_none() {
                    return;
                }
                map.insert(step.clone(), Value::Object(Map::new()));
            }
            map.get_mut(step)
        }
        Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    };
    if let Some(next) = next {
        set_location(next, rest, value);
    }
}

/// Diff a resource's inputs. `schema` is `None` for types the engine computes itself (built-ins),
/// whose every change is a replacement ("re-generated").
#[must_use]
pub fn diff_inputs(
    schema: Option<&ResourceSchema>,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    options: &DiffOptions,
) -> Diff {
    let new = apply_ignore_changes(old, new, &options.ignore_changes);
    let mut walker = Walker { schema, changes: Vec::new() };
    let mut location = Vec::new();
    walker.diff_object(&mut location, old, &new);
    let mut changes = walker.changes;
    for change in &mut changes {
        change.replace_reason = replace_reason(schema, &change.location, options, change.new.as_ref());
    }
    Diff { changes }
}

struct Walker<'a> {
    schema: Option<&'a ResourceSchema>,
    changes: Vec<PropertyChange>,
}

impl Walker<'_> {
    fn read_only(&self, location: &[String]) -> bool {
        self.schema.is_some_and(|s| s.is_read_only(location))
    }

    fn unordered(&self, location: &[String]) -> bool {
        let Some(schema) = self.schema else { return false };
        schema.schema_at(location).and_then(|s| schema.resolve(s).get("insertionOrder")).and_then(Value::as_bool)
            == Some(false)
    }

    fn push(&mut self, location: &[String], kind: ChangeKind, old: Option<&Value>, new: Option<&Value>) {
        self.changes.push(PropertyChange {
            location: location.to_vec(),
            kind,
            old: old.cloned(),
            new: new.cloned(),
            replace_reason: None,
        });
    }

    fn diff_object(&mut self, location: &mut Location, old: &Map<String, Value>, new: &Map<String, Value>) {
        for (key, new_value) in new {
            location.push(key.clone());
            match old.get(key) {
                Some(old_value) => self.diff_value(location, old_value, new_value),
                None => {
                    if !self.read_only(location) {
                        self.push(location, ChangeKind::Add, None, Some(new_value));
                    }
                }
            }
            location.pop();
        }
        for (key, old_value) in old {
            if !new.contains_key(key) {
                location.push(key.clone());
                if !self.read_only(location) {
                    self.push(location, ChangeKind::Delete, Some(old_value), None);
                }
                location.pop();
            }
        }
    }

    fn diff_value(&mut self, location: &mut Location, old: &Value, new: &Value) {
        if self.read_only(location) {
            return;
        }
        if value::is_unknown(new) {
            self.push(location, ChangeKind::Update, Some(old), Some(new));
            return;
        }
        if self.equal(location, old, new) {
            return;
        }
        match (old, new) {
            (Value::Object(o), Value::Object(n))
                if value::classify(old).is_none() && value::classify(new).is_none() =>
            {
                self.diff_object(location, o, n);
            }
            (Value::Array(o), Value::Array(n)) if o.len() == n.len() && !self.unordered(location) => {
                for (i, (ov, nv)) in o.iter().zip(n).enumerate() {
                    location.push(i.to_string());
                    self.diff_value(location, ov, nv);
                    location.pop();
                }
            }
            _ => self.push(location, ChangeKind::Update, Some(old), Some(new)),
        }
    }

    /// Semantic equality: unordered arrays compare as multisets, recursively.
    fn equal(&self, location: &mut Location, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                location.push("*".to_owned());
                let result = if self.unordered_parent(location) {
                    let mut used = vec![false; y.len()];
                    x.iter().all(|xi| {
                        let found = y
                            .iter()
                            .enumerate()
                            .find(|(j, yj)| !used[*j] && self.equal(location, xi, yj))
                            .map(|(j, _)| j);
                        if let Some(j) = found {
                            used[j] = true;
                            true
                        } else {
                            false
                        }
                    })
                } else {
                    x.iter().zip(y).all(|(xi, yi)| self.equal(location, xi, yi))
                };
                location.pop();
                result
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len()
                    && x.iter().all(|(k, xv)| {
                        y.get(k).is_some_and(|yv| {
                            location.push(k.clone());
                            let eq = self.equal(location, xv, yv);
                            location.pop();
                            eq
                        })
                    })
            }
            (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
            _ => a == b,
        }
    }

    /// `location` ends with `*`: whether its parent (the array) is unordered.
    fn unordered_parent(&self, location: &[String]) -> bool {
        location.split_last().is_some_and(|(_, parent)| self.unordered(parent))
    }
}

fn replace_reason(
    schema: Option<&ResourceSchema>,
    location: &[String],
    options: &DiffOptions,
    new: Option<&Value>,
) -> Option<String> {
    let path = location_string(location);
    let verb = if new.is_some_and(value::contains_unknowns) { "may change" } else { "changed" };
    if let Some(p) = options.replace_on_changes.iter().find(|p| p.overlaps(location)) {
        return Some(format!("replaceOnChanges {p} {verb}"));
    }
    let Some(schema) = schema else {
        return Some(format!("{path} {verb} (the value is re-generated)"));
    };
    if let Some(p) = schema.touches_create_only(location) {
        return Some(format!("createOnly {p} {verb}"));
    }
    if schema.conditional_create_only.iter().any(|p| p.overlaps(location)) {
        return None;
    }
    if !schema.is_updatable() {
        return Some(format!("{path} {verb} and {} cannot be updated", schema.type_name));
    }
    if let Some(tagging) = &schema.tagging
        && tagging.taggable
        && !tagging.tag_updatable
        && let Some(tags) = &tagging.tag_property
        && tags.overlaps(location)
    {
        return Some(format!("{tags} {verb} and the type's tags cannot be updated"));
    }
    None
}

/// Whether a replacement would collide with the old resource: the new one would get the same
/// name, so the old one must be deleted first. Returns the reason when it would.
///
/// A collision is: every primary-identifier property set by the user and unchanged, or a
/// user-set create-only property whose name ends in `Name` unchanged (names are unique per
/// account and region for the services that let users choose them).
#[must_use]
pub fn replacement_collides(
    schema: &ResourceSchema,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> Option<String> {
    let old_value = Value::Object(old.clone());
    let new_value = Value::Object(new.clone());
    let at = |v: &'_ Value, p: &PropPath| -> Option<Value> {
        let steps: Option<Vec<String>> = p
            .segments()
            .iter()
            .map(|s| match s {
                Segment::Key(k) => Some(k.clone()),
                Segment::Any => None,
            })
            .collect();
        get_location(v, &steps?).cloned()
    };
    if !schema.primary_identifier.is_empty()
        && schema.primary_identifier.iter().all(|p| {
            at(&new_value, p).is_some_and(|n| !value::contains_unknowns(&n) && Some(&n) == at(&old_value, p).as_ref())
        })
    {
        let paths: Vec<String> = schema.primary_identifier.iter().map(ToString::to_string).collect();
        return Some(format!("the primary identifier {} is set and unchanged", paths.join(", ")));
    }
    for p in &schema.create_only {
        let named = matches!(p.segments(), [Segment::Key(k)] if k.ends_with("Name"));
        if named
            && let Some(n) = at(&new_value, p)
            && !value::contains_unknowns(&n)
            && Some(&n) == at(&old_value, p).as_ref()
        {
            return Some(format!("createOnly name {p} is set and unchanged"));
        }
    }
    None
}

/// Build the JSON Patch an `UpdateResource` sends for a diff (no replacement), relative to the
/// properties object.
///
/// - Each change becomes the finest operation: `add` for an object member (works whether or not
///   the cloud model has it), `replace` for an array item, `remove` for a deleted member that the
///   cloud model has (`current` is the model the cloud last returned).
/// - Write-only values are not in the model the cloud patches, so every top-level property that
///   holds a write-only path and is set is re-sent whole (unless it is create-only), and a deleted
///   write-only value is simply not re-sent.
#[must_use]
pub fn build_patch(
    schema: Option<&ResourceSchema>,
    diff: &Diff,
    new: &Map<String, Value>,
    current: &Map<String, Value>,
) -> Vec<PatchOperation> {
    let write_only_roots: Vec<String> = schema
        .map(|s| {
            let mut roots: Vec<String> = s
                .write_only
                .iter()
                .filter_map(|p| p.root().map(str::to_owned))
                .filter(|root| s.touches_create_only(&[root.as_str()]).is_none())
                .collect();
            roots.sort();
            roots.dedup();
            roots
        })
        .unwrap_or_default();
    let current_value = Value::Object(current.clone());
    let mut removes = Vec::new();
    let mut sets = Vec::new();
    for change in &diff.changes {
        let Some(root) = change.location.first() else { continue };
        if write_only_roots.contains(root) {
            continue; // re-sent whole below
        }
        let pointer = PointerBuf::from_tokens(change.location.iter().map(String::as_str));
        match change.kind {
            ChangeKind::Delete => {
                if get_location(&current_value, &change.location).is_some() {
                    removes.push(PatchOperation::Remove(RemoveOperation { path: pointer }));
                }
            }
            ChangeKind::Add | ChangeKind::Update => {
                let Some(value) = change.new.clone() else { continue };
                let parent_is_array = change.location.len() > 1
                    && get_location(&current_value, &change.location[..change.location.len() - 1])
                        .is_some_and(Value::is_array);
                if parent_is_array && get_location(&current_value, &change.location).is_some() {
                    sets.push(PatchOperation::Replace(ReplaceOperation { path: pointer, value }));
                } else if parent_is_array || ancestors_present(&current_value, &change.location) {
                    sets.push(PatchOperation::Add(AddOperation { path: pointer, value }));
                } else {
                    // The cloud model lacks a parent object: set the whole top-level property.
                    let root_pointer = PointerBuf::from_tokens([root.as_str()]);
                    if let Some(value) = new.get(root) {
                        sets.push(PatchOperation::Add(AddOperation { path: root_pointer, value: value.clone() }));
                    }
                }
            }
        }
    }
    for root in &write_only_roots {
        if let Some(value) = new.get(root) {
            sets.push(PatchOperation::Add(AddOperation {
                path: PointerBuf::from_tokens([root.as_str()]),
                value: value.clone(),
            }));
        }
    }
    // Deduplicate whole-root sets that several nested changes produced, and drop nested sets
    // already covered by a whole-root set.
    let mut seen = std::collections::HashSet::new();
    sets.retain(|op| seen.insert(op.path().to_string()));
    let whole: Vec<String> =
        sets.iter().map(|op| op.path().to_string()).filter(|p| p.matches('/').count() == 1).collect();
    sets.retain(|op| {
        let p = op.path().to_string();
        p.matches('/').count() == 1 || !whole.iter().any(|w| p.starts_with(&format!("{w}/")))
    });
    removes.into_iter().chain(sets).collect()
}

fn ancestors_present(current: &Value, location: &[String]) -> bool {
    location.len() <= 1 || get_location(current, &location[..location.len() - 1]).is_some_and(Value::is_object)
}

/// Serialise a patch as Cloud Control's `PatchDocument`.
#[must_use]
pub fn patch_document(ops: &[PatchOperation]) -> String {
    serde_json::to_string(ops).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use engine_schema::Registry;
    use serde_json::json;

    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn schema(type_name: &str) -> std::sync::Arc<ResourceSchema> {
        Registry::global().get(type_name).unwrap()
    }

    #[test]
    fn no_change_is_empty() {
        let s = schema("AWS::Logs::LogGroup");
        let old = obj(json!({"LogGroupName": "a", "RetentionInDays": 7}));
        let diff = diff_inputs(Some(&s), &old, &old.clone(), &DiffOptions::default());
        assert!(diff.is_empty());
    }

    #[test]
    fn create_only_change_replaces_with_reason() {
        let s = schema("AWS::S3::Bucket");
        let old = obj(json!({"BucketName": "a"}));
        let new = obj(json!({"BucketName": "b"}));
        let diff = diff_inputs(Some(&s), &old, &new, &DiffOptions::default());
        assert!(diff.requires_replace());
        assert_eq!(diff.replace_reasons(), vec!["createOnly /BucketName changed".to_owned()]);
    }

    #[test]
    fn ordinary_change_updates() {
        let s = schema("AWS::Logs::LogGroup");
        let old = obj(json!({"LogGroupName": "a", "RetentionInDays": 7}));
        let new = obj(json!({"LogGroupName": "a", "RetentionInDays": 14}));
        let diff = diff_inputs(Some(&s), &old, &new, &DiffOptions::default());
        assert_eq!(diff.paths(), vec!["/RetentionInDays"]);
        assert!(!diff.requires_replace());
        let patch = build_patch(Some(&s), &diff, &new, &old);
        assert_eq!(patch_document(&patch), r#"[{"op":"add","path":"/RetentionInDays","value":14}]"#);
    }

    #[test]
    fn nested_create_only_path_replaces() {
        // AWS::EKS::Cluster: /properties/KubernetesNetworkConfig/ServiceIpv4Cidr is create-only.
        let s = schema("AWS::EKS::Cluster");
        assert!(s.create_only.iter().any(|p| p.to_string() == "/KubernetesNetworkConfig/ServiceIpv4Cidr"));
        let old = obj(json!({"KubernetesNetworkConfig": {"ServiceIpv4Cidr": "10.0.0.0/16"}}));
        let new = obj(json!({"KubernetesNetworkConfig": {"ServiceIpv4Cidr": "10.1.0.0/16"}}));
        let diff = diff_inputs(Some(&s), &old, &new, &DiffOptions::default());
        assert_eq!(diff.paths(), vec!["/KubernetesNetworkConfig/ServiceIpv4Cidr"]);
        assert_eq!(diff.replace_reasons(), vec!["createOnly /KubernetesNetworkConfig/ServiceIpv4Cidr changed"]);
    }

    #[test]
    fn read_only_never_diffs() {
        let s = schema("AWS::S3::Bucket");
        let old = obj(json!({"BucketName": "a", "Arn": "x"}));
        let new = obj(json!({"BucketName": "a", "Arn": "y"}));
        assert!(diff_inputs(Some(&s), &old, &new, &DiffOptions::default()).is_empty());
    }

    #[test]
    fn defaults_filled_by_the_cloud_do_not_diff() {
        // The cloud's outputs carry defaults the user never set; only inputs are compared.
        let s = schema("AWS::SQS::Queue");
        let old_inputs = obj(json!({"QueueName": "q"}));
        let new = obj(json!({"QueueName": "q"}));
        let diff = diff_inputs(Some(&s), &old_inputs, &new, &DiffOptions::default());
        assert!(diff.is_empty());
    }

    #[test]
    fn unordered_arrays_compare_as_sets() {
        // AWS::EC2::SecurityGroup SecurityGroupIngress has insertionOrder: false.
        let s = schema("AWS::EC2::SecurityGroup");
        let a = json!({"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"});
        let b = json!({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"});
        let old = obj(json!({"GroupDescription": "d", "SecurityGroupIngress": [a.clone(), b.clone()]}));
        let new = obj(json!({"GroupDescription": "d", "SecurityGroupIngress": [b.clone(), a.clone()]}));
        assert!(diff_inputs(Some(&s), &old, &new, &DiffOptions::default()).is_empty());
        // An ordered array (Tags on a LogGroup keep insertion order? use a plain list): order matters.
        let s = schema("AWS::Logs::LogGroup");
        let old = obj(json!({"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}));
        let new = obj(json!({"Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]}));
        let unordered =
            s.schema_at(&["Tags"]).and_then(|t| t.get("insertionOrder")).and_then(Value::as_bool) == Some(false);
        assert_eq!(diff_inputs(Some(&s), &old, &new, &DiffOptions::default()).is_empty(), unordered);
    }

    #[test]
    fn write_only_compared_with_last_sent_and_resent_in_patches() {
        // AWS::RDS::DBInstance MasterUserPassword is write-only.
        let s = schema("AWS::RDS::DBInstance");
        assert!(s.is_write_only(&["MasterUserPassword"]));
        let old = obj(json!({"DBInstanceClass": "db.t3.micro", "MasterUserPassword": "p1"}));
        let same = old.clone();
        assert!(diff_inputs(Some(&s), &old, &same, &DiffOptions::default()).is_empty());
        let new = obj(json!({"DBInstanceClass": "db.t3.small", "MasterUserPassword": "p1"}));
        let diff = diff_inputs(Some(&s), &old, &new, &DiffOptions::default());
        assert_eq!(diff.paths(), vec!["/DBInstanceClass"]);
        // The cloud model has no password: the patch re-sends it.
        let current = obj(json!({"DBInstanceClass": "db.t3.micro"}));
        let patch = build_patch(Some(&s), &diff, &new, &current);
        let doc: Value = serde_json::from_str(&patch_document(&patch)).unwrap();
        assert_eq!(
            doc,
            json!([
                {"op": "add", "path": "/DBInstanceClass", "value": "db.t3.small"},
                {"op": "add", "path": "/MasterUserPassword", "value": "p1"}
            ])
        );
        // Applying the patch to the cloud model gives the desired model.
        let mut model = Value::Object(current);
        json_patch::patch(&mut model, &patch).unwrap();
        assert_eq!(model, Value::Object(new));
    }

    #[test]
    fn nested_patch_is_minimal_and_applies() {
        let s = schema("AWS::S3::Bucket");
        let old = obj(json!({
            "BucketName": "b",
            "VersioningConfiguration": {"Status": "Suspended"},
            "Tags": [{"Key": "a", "Value": "1"}],
            "LoggingConfiguration": {"LogFilePrefix": "x"}
        }));
        let new = obj(json!({
            "BucketName": "b",
            "VersioningConfiguration": {"Status": "Enabled"},
            "Tags": [{"Key": "a", "Value": "2"}]
        }));
        let diff = diff_inputs(Some(&s), &old, &new, &DiffOptions::default());
        assert!(!diff.requires_replace(), "{:?}", diff.replace_reasons());
        // The cloud model has extra defaults the user never set; they must survive the patch.
        let current = obj(json!({
            "BucketName": "b",
            "Arn": "arn:aws:s3:::b",
            "VersioningConfiguration": {"Status": "Suspended"},
            "Tags": [{"Key": "a", "Value": "1"}],
            "LoggingConfiguration": {"LogFilePrefix": "x"}
        }));
        let patch = build_patch(Some(&s), &diff, &new, &current);
        let doc: Value = serde_json::from_str(&patch_document(&patch)).unwrap();
        assert_eq!(
            doc,
            json!([
                {"op": "remove", "path": "/LoggingConfiguration"},
                {"op": "add", "path": "/VersioningConfiguration/Status", "value": "Enabled"},
                // S3 tags are `insertionOrder: false`: a changed set is sent whole.
                {"op": "add", "path": "/Tags", "value": [{"Key": "a", "Value": "2"}]}
            ])
        );
        let mut model = Value::Object(current);
        json_patch::patch(&mut model, &patch).unwrap();
        assert_eq!(model["VersioningConfiguration"]["Status"], "Enabled");
        assert_eq!(model["Arn"], "arn:aws:s3:::b");
        assert!(model.get("LoggingConfiguration").is_none());
    }

    #[test]
    fn ordered_array_items_are_patched_in_place() {
        // AWS::Lambda::Function Layers: an ordered list of strings.
        let s = schema("AWS::Lambda::Function");
        let old = obj(json!({"Layers": ["a", "b"], "Environment": {"Variables": {"X": "1"}}}));
        let new = obj(json!({"Layers": ["a", "c"], "Environment": {"Variables": {"X": "1", "Y": "2"}}}));
        let diff = diff_inputs(Some(&s), &old, &new, &DiffOptions::default());
        assert_eq!(diff.paths(), vec!["/Layers/1", "/Environment/Variables/Y"]);
        let patch = build_patch(Some(&s), &diff, &new, &old);
        let doc: Value = serde_json::from_str(&patch_document(&patch)).unwrap();
        assert_eq!(
            doc,
            json!([
                {"op": "replace", "path": "/Layers/1", "value": "c"},
                {"op": "add", "path": "/Environment/Variables/Y", "value": "2"}
            ])
        );
        let mut model = Value::Object(old);
        json_patch::patch(&mut model, &patch).unwrap();
        assert_eq!(model, Value::Object(new));
    }

    #[test]
    fn ignore_and_replace_on_changes() {
        let s = schema("AWS::Logs::LogGroup");
        let old = obj(json!({"RetentionInDays": 7, "Tags": [{"Key": "a", "Value": "1"}]}));
        let new = obj(json!({"RetentionInDays": 14, "Tags": [{"Key": "a", "Value": "2"}]}));
        let options = DiffOptions {
            ignore_changes: DiffOptions::parse_paths(&["Tags".to_owned()]),
            replace_on_changes: DiffOptions::parse_paths(&["RetentionInDays".to_owned()]),
        };
        let diff = diff_inputs(Some(&s), &old, &new, &options);
        assert_eq!(diff.paths(), vec!["/RetentionInDays"]);
        assert_eq!(diff.replace_reasons(), vec!["replaceOnChanges /RetentionInDays changed"]);
        let nested = DiffOptions {
            ignore_changes: DiffOptions::parse_paths(&["Tags[*].Value".to_owned()]),
            ..DiffOptions::default()
        };
        let diff = diff_inputs(Some(&s), &old, &new, &nested);
        assert_eq!(diff.paths(), vec!["/RetentionInDays"]);
    }

    #[test]
    fn unknowns_are_changes_and_may_replace() {
        let s = schema("AWS::S3::Bucket");
        let old = obj(json!({"BucketName": "a"}));
        let new = obj(json!({"BucketName": value::unknown()}));
        let diff = diff_inputs(Some(&s), &old, &new, &DiffOptions::default());
        assert_eq!(diff.replace_reasons(), vec!["createOnly /BucketName may change"]);
    }

    #[test]
    fn collisions_force_delete_before_replace() {
        let s = schema("AWS::S3::Bucket");
        let old = obj(json!({"BucketName": "fixed", "ObjectLockEnabled": false}));
        let new = obj(json!({"BucketName": "fixed", "ObjectLockEnabled": true}));
        assert!(replacement_collides(&s, &old, &new).is_some());
        let renamed = obj(json!({"BucketName": "other", "ObjectLockEnabled": true}));
        assert!(replacement_collides(&s, &old, &renamed).is_none());
        let unnamed = obj(json!({"ObjectLockEnabled": true}));
        assert!(replacement_collides(&s, &obj(json!({"ObjectLockEnabled": false})), &unnamed).is_none());
    }

    /// The first provisionable type (sorted) whose schema satisfies `pick`.
    fn find(pick: impl Fn(&ResourceSchema) -> bool) -> std::sync::Arc<ResourceSchema> {
        let registry = Registry::global();
        registry
            .all_type_names()
            .filter_map(|t| registry.get(t).ok())
            .find(|s| s.is_provisionable() && pick(s))
            .expect("a type with that property exists")
    }

    #[test]
    fn conditional_create_only_is_attempted_as_an_update() {
        let s = find(|s| {
            s.conditional_create_only
                .iter()
                .any(|p| p.segments().len() == 1 && s.touches_create_only(&[p.root().unwrap_or("")]).is_none())
                && s.is_updatable()
        });
        let path = s
            .conditional_create_only
            .iter()
            .find(|p| p.segments().len() == 1 && s.touches_create_only(&[p.root().unwrap_or("")]).is_none())
            .unwrap();
        let key = path.root().unwrap();
        let old = obj(json!({ key: "a" }));
        let new = obj(json!({ key: "b" }));
        let diff = diff_inputs(Some(&s), &old, &new, &DiffOptions::default());
        assert_eq!(diff.paths(), vec![format!("/{key}")], "{}", s.type_name);
        assert!(!diff.requires_replace(), "{}: {:?}", s.type_name, diff.replace_reasons());
    }

    #[test]
    fn any_change_to_an_immutable_type_replaces() {
        let s = find(|s| !s.is_updatable() && s.properties().is_some_and(|p| !p.is_empty()));
        let key = s.properties().unwrap().keys().find(|k| !s.is_read_only(&[k.as_str()])).unwrap().clone();
        let diff = diff_inputs(Some(&s), &obj(json!({ &key: 1 })), &obj(json!({ &key: 2 })), &DiffOptions::default());
        let reasons = diff.replace_reasons();
        assert_eq!(reasons.len(), 1, "{}: {reasons:?}", s.type_name);
        assert!(
            reasons[0].contains("cannot be updated") || reasons[0].starts_with("createOnly"),
            "{}: {reasons:?}",
            s.type_name
        );
    }

    #[test]
    fn tags_that_cannot_be_updated_replace() {
        let s = find(|s| {
            s.is_updatable()
                && s.tagging.as_ref().is_some_and(|t| t.taggable && !t.tag_updatable && t.tag_property.is_some())
                && s.tagging
                    .as_ref()
                    .and_then(|t| t.tag_property.as_ref())
                    .is_some_and(|p| s.touches_create_only(&[p.root().unwrap_or("")]).is_none())
        });
        let tags = s.tagging.as_ref().unwrap().tag_property.clone().unwrap();
        let key = tags.root().unwrap();
        let diff = diff_inputs(
            Some(&s),
            &obj(json!({ key: [{"Key": "a", "Value": "1"}] })),
            &obj(json!({ key: [{"Key": "a", "Value": "2"}] })),
            &DiffOptions::default(),
        );
        assert!(diff.requires_replace(), "{}", s.type_name);
        assert!(diff.replace_reasons()[0].contains("tags cannot be updated"), "{:?}", diff.replace_reasons());
    }

    #[test]
    fn user_paths() {
        assert_eq!(parse_user_path("Code.S3Key").to_string(), "/Code/S3Key");
        assert_eq!(parse_user_path("/Code/S3Key").to_string(), "/Code/S3Key");
        assert_eq!(parse_user_path("Rules[*].Id").to_string(), "/Rules/*/Id");
        assert_eq!(parse_user_path("Rules[0].Id").to_string(), "/Rules/0/Id");
    }
}
