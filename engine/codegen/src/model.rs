//! The intermediate model: every provisionable type, grouped by service, with its properties,
//! nested named types and enums, and the metadata the engine needs. Emitters only read this.

use std::collections::{BTreeMap, HashMap, HashSet};

use engine_schema::{PropPath, Registry, ResourceSchema, Segment};
use serde_json::Value;

use crate::Error;
use crate::naming::{join_names, pascal, pascal_value};

/// Everything the emitters need, in a deterministic order.
#[derive(Debug, Clone)]
pub struct Model {
    /// Where the schemas came from (`cfn-lint 1.58.0`).
    pub source: String,
    /// The registry's schema date, carried in every registration's `TypeMetadata`.
    pub schema_date: String,
    /// Services sorted by module name.
    pub services: Vec<Service>,
}

/// One AWS service: one module per language (`aws::s3`, `engine_sdk.aws.s3`, `aws.s3`).
#[derive(Debug, Clone)]
pub struct Service {
    /// Module name: the type name's service segment, lower-cased (`s3`, `ec2`, `apigateway`).
    pub name: String,
    /// The service segment as written (`S3`, `EC2`, `ApiGateway`).
    pub cfn_name: String,
    /// Resources sorted by type name.
    pub resources: Vec<Resource>,
    /// Named types (objects and enums) of the service; `Ty::Object(i)` / `Ty::Enum(i)` index it.
    pub types: Vec<TypeDef>,
}

/// One provisionable resource type.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `AWS::S3::Bucket`.
    pub type_name: String,
    /// Class name, unique in the service (`Bucket`, `Vpc`, `WebAcl`).
    pub name: String,
    pub doc: String,
    /// Every property (writable and read-only), sorted by schema name.
    pub properties: Vec<Property>,
    /// Pointers as the schema writes them (`/properties/BucketName`).
    pub primary_identifier: Vec<String>,
    pub create_only: Vec<String>,
    pub write_only: Vec<String>,
    pub read_only: Vec<String>,
    /// Has an update handler (otherwise every change replaces the resource).
    pub updatable: bool,
}

/// A property of a resource or of a nested object type.
#[derive(Debug, Clone)]
pub struct Property {
    /// The schema's name (`BucketName`), the name on the wire.
    pub schema_name: String,
    pub doc: String,
    pub ty: Ty,
    /// Required on input (never true for read-only properties).
    pub required: bool,
    /// Set by the cloud only: not in argument types.
    pub read_only: bool,
    /// Never returned by a read.
    pub write_only: bool,
    /// Changing it replaces the resource.
    pub create_only: bool,
    pub deprecated: bool,
    /// Present in every output of the resource (read-only, required or part of the primary
    /// identifier): typed without `Option` / `undefined` on output.
    pub always_output: bool,
}

/// A property's type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    /// Any JSON value (free-form objects, policy documents, mixed unions).
    Json,
    /// One of several scalar types (`["integer", "string"]`).
    Union(Vec<Ty>),
    Array(Box<Ty>),
    /// An object with arbitrary keys (kept as written) and values of one type.
    Map(Box<Ty>),
    /// A named object type of the service (`Service::types[i]`).
    Object(usize),
    /// A named string enum of the service (`Service::types[i]`).
    Enum(usize),
    /// The shared `{Key, Value}` tag type (`aws::Tag`), used by most resources.
    Tag,
}

impl Ty {
    /// Whether values of this type contain named objects whose keys the SDK renames.
    #[must_use]
    pub fn has_objects(&self) -> bool {
        match self {
            Ty::Object(_) | Ty::Tag => true,
            Ty::Array(inner) | Ty::Map(inner) => inner.has_objects(),
            _ => false,
        }
    }
}

/// A named type of a service.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Unique in the service together with the resources' names and every `…Args` form.
    pub name: String,
    pub doc: String,
    pub kind: TypeKind,
    /// Index of the resource that defines it (`Service::resources`).
    pub resource: usize,
    /// Reachable from a writable property: emitted as an argument type (`…Args`).
    pub input: bool,
    /// Reachable from any property: emitted as an output type.
    pub output: bool,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Object { properties: Vec<Property> },
    Enum { values: Vec<EnumValue> },
}

/// One enum value with its identifier form (`PAY_PER_REQUEST` → `PayPerRequest`), unique in its
/// enum.
#[derive(Debug, Clone)]
pub struct EnumValue {
    pub value: String,
    pub ident: String,
}

/// Which types to model.
#[derive(Debug, Clone, Default)]
pub struct ModelOptions {
    /// Only these services (module names, `s3`, `ec2`); all when `None`.
    pub services: Option<Vec<String>>,
    /// Only these type names (`AWS::S3::Bucket`); all when `None`.
    pub types: Option<Vec<String>>,
}

impl Model {
    /// Build the model of every provisionable type in the union of all regions.
    pub fn from_registry(registry: &Registry, options: &ModelOptions) -> Result<Model, Error> {
        if let Some(types) = &options.types {
            for name in types {
                registry.get(name)?;
            }
        }
        let mut by_service: BTreeMap<String, (String, Vec<std::sync::Arc<ResourceSchema>>)> = BTreeMap::new();
        for type_name in registry.all_type_names() {
            if options.types.as_ref().is_some_and(|t| !t.iter().any(|n| n == type_name)) {
                continue;
            }
            let Some((cfn_service, _)) = split_type_name(type_name) else { continue };
            let module = service_module(cfn_service);
            if options.services.as_ref().is_some_and(|s| !s.iter().any(|w| wanted_module(w) == module)) {
                continue;
            }
            let schema = registry.get(type_name)?;
            if !schema.is_provisionable() {
                continue;
            }
            by_service.entry(module).or_insert_with(|| (cfn_service.to_owned(), Vec::new())).1.push(schema);
        }
        if let Some(wanted) = &options.services {
            for name in wanted {
                if !by_service.contains_key(&wanted_module(name)) {
                    return Err(Error::UnknownService(name.clone()));
                }
            }
        }
        let services = by_service
            .into_iter()
            .map(|(name, (cfn_name, schemas))| build_service(name, cfn_name, &schemas))
            .collect();
        Ok(Model {
            source: registry.source().to_owned(),
            schema_date: registry.schema_date().to_owned(),
            services,
        })
    }

    /// Number of resource types in the model.
    #[must_use]
    pub fn resource_count(&self) -> usize {
        self.services.iter().map(|s| s.resources.len()).sum()
    }

    /// A service by module name.
    #[must_use]
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }
}

impl Service {
    /// The type a `Ty::Object`/`Ty::Enum` names.
    #[must_use]
    pub fn ty(&self, index: usize) -> &TypeDef {
        &self.types[index]
    }
}

impl Resource {
    /// Properties that can be set (not read-only).
    pub fn inputs(&self) -> impl Iterator<Item = &Property> {
        self.properties.iter().filter(|p| !p.read_only)
    }
}

/// A service asked for by name: a module name in any language (`lambda`, `lambda_`) or the
/// service segment (`Lambda`, `ApiGateway`).
fn wanted_module(name: &str) -> String {
    service_module(name.trim_end_matches('_'))
}

/// `AWS::S3::Bucket` → (`S3`, `Bucket`).
#[must_use]
pub fn split_type_name(type_name: &str) -> Option<(&str, &str)> {
    let mut parts = type_name.split("::");
    let _namespace = parts.next()?;
    let service = parts.next()?;
    let resource = parts.next()?;
    if parts.next().is_some() || service.is_empty() || resource.is_empty() {
        return None;
    }
    Some((service, resource))
}

/// The module name of a service segment (`ApiGateway` → `apigateway`).
#[must_use]
pub fn service_module(cfn_service: &str) -> String {
    cfn_service.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
}

/// The module name of a resource type (`AWS::S3::Bucket` → `s3`).
#[must_use]
pub fn module_of(type_name: &str) -> Option<String> {
    split_type_name(type_name).map(|(service, _)| service_module(service))
}

fn build_service(name: String, cfn_name: String, schemas: &[std::sync::Arc<ResourceSchema>]) -> Service {
    let mut names = NameTable::default();
    // Resource names first: they (and their `…Args`) win over nested types.
    let resource_names: Vec<String> = schemas
        .iter()
        .map(|schema| {
            let short = split_type_name(&schema.type_name).map_or("Resource", |(_, r)| r);
            names.claim(&pascal(short))
        })
        .collect();
    let mut service = Service { name, cfn_name, resources: Vec::new(), types: Vec::new() };
    for (index, (schema, class_name)) in schemas.iter().zip(resource_names).enumerate() {
        let resource = ResourceBuilder::new(schema, &class_name, index, &mut service.types, &mut names).build();
        service.resources.push(resource);
    }
    mark_usage(&mut service);
    service
}

/// Names handed out in one service module. Each name is claimed with its `…Args` form (argument
/// types) so that no emitted identifier collides.
#[derive(Default)]
struct NameTable {
    taken: HashSet<String>,
}

impl NameTable {
    fn claim(&mut self, wanted: &str) -> String {
        let base = if wanted.is_empty() { "Type".to_owned() } else { wanted.to_owned() };
        let base = if base.starts_with(|c: char| c.is_ascii_digit()) { format!("T{base}") } else { base };
        let mut candidate = base.clone();
        let mut n = 2;
        while self.is_taken(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        self.taken.insert(format!("{candidate}Args"));
        candidate
    }

    fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name) || self.taken.contains(&format!("{name}Args")) || RESERVED_TYPE_NAMES.contains(&name)
    }
}

/// Names generated Rust uses unqualified (prelude types); kept free in every module. Names the
/// Python and TypeScript declarations import are aliased instead when a module declares them
/// (`Input` in MediaLive, `List` in FraudDetector, `Tag` in LakeFormation keep their names).
const RESERVED_TYPE_NAMES: &[&str] = &["Option", "Vec", "String", "Box", "Result", "Self"];

struct ResourceBuilder<'a> {
    schema: &'a ResourceSchema,
    class_name: &'a str,
    resource_index: usize,
    types: &'a mut Vec<TypeDef>,
    names: &'a mut NameTable,
    /// Schema pointer of a node → its type (objects and enums; breaks recursion).
    memo: HashMap<String, Ty>,
}

/// A property gathered from an object node (and its combinator branches).
struct RawProp<'v> {
    name: String,
    node: &'v Value,
    pointer: String,
    required: bool,
}

impl<'a> ResourceBuilder<'a> {
    fn new(
        schema: &'a ResourceSchema,
        class_name: &'a str,
        resource_index: usize,
        types: &'a mut Vec<TypeDef>,
        names: &'a mut NameTable,
    ) -> Self {
        Self { schema, class_name, resource_index, types, names, memo: HashMap::new() }
    }

    fn build(mut self) -> Resource {
        let schema = self.schema;
        let root = &schema.raw;
        let first_type = self.types.len();
        let raw_props = self.collect_props(root, "", 0);
        let read_only_top: HashSet<&str> = schema.read_only.iter().filter(|p| p.segments().len() == 1).filter_map(PropPath::root).collect();
        let ids: HashSet<&str> = schema.primary_identifier.iter().filter_map(PropPath::root).collect();
        let mut properties = Vec::with_capacity(raw_props.len());
        for raw in raw_props {
            let ty = self.ty_of(raw.node, &raw.pointer, &join_names(self.class_name, &pascal(&raw.name)), 0);
            let read_only = read_only_top.contains(raw.name.as_str());
            let required = raw.required && !read_only;
            properties.push(Property {
                doc: self.doc_of(raw.node),
                ty,
                required,
                read_only,
                write_only: top_flag(&schema.write_only, &raw.name),
                create_only: top_flag(&schema.create_only, &raw.name),
                deprecated: top_flag(&schema.deprecated, &raw.name),
                always_output: read_only || required || ids.contains(raw.name.as_str()),
                schema_name: raw.name,
            });
        }
        let mut resource = Resource {
            type_name: schema.type_name.clone(),
            name: self.class_name.to_owned(),
            doc: schema.description.clone(),
            properties,
            primary_identifier: pointers(&schema.primary_identifier),
            create_only: pointers(&schema.create_only),
            write_only: pointers(&schema.write_only),
            read_only: pointers(&schema.read_only),
            updatable: schema.is_updatable(),
        };
        // Nested flags from the schema's paths (`/properties/A/*/B`).
        for (paths, flag) in [
            (&schema.read_only, Flag::ReadOnly),
            (&schema.write_only, Flag::WriteOnly),
            (&schema.create_only, Flag::CreateOnly),
            (&schema.deprecated, Flag::Deprecated),
        ] {
            for path in paths.iter().filter(|p| p.segments().len() > 1) {
                mark_nested(&mut resource, &mut self.types[first_type..], first_type, path, flag);
            }
        }
        resource
    }

    fn doc_of(&self, node: &Value) -> String {
        if let Some(text) = node.get("description").and_then(Value::as_str) {
            return text.trim().to_owned();
        }
        let resolved = self.schema.resolve(node);
        resolved.get("description").and_then(Value::as_str).map(|s| s.trim().to_owned()).unwrap_or_default()
    }

    /// Properties of an object node, merging `oneOf`/`anyOf`/`allOf` branches (each branch's
    /// properties become optional: the branches are alternatives). Sorted by name.
    fn collect_props(&self, node: &'a Value, pointer: &str, depth: usize) -> Vec<RawProp<'a>> {
        let mut out: BTreeMap<String, RawProp<'a>> = BTreeMap::new();
        self.collect_into(node, pointer, depth, true, &mut out);
        out.into_values().collect()
    }

    fn collect_into(&self, node: &'a Value, pointer: &str, depth: usize, own: bool, out: &mut BTreeMap<String, RawProp<'a>>) {
        if depth > 8 {
            return;
        }
        let required: HashSet<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                out.entry(name.clone()).or_insert_with(|| RawProp {
                    name: name.clone(),
                    node: prop,
                    pointer: format!("{pointer}/properties/{name}"),
                    required: own && required.contains(name.as_str()),
                });
            }
        }
        for combinator in ["allOf", "oneOf", "anyOf"] {
            let Some(branches) = node.get(combinator).and_then(Value::as_array) else { continue };
            for (i, branch) in branches.iter().enumerate() {
                let (branch, branch_pointer) = self.deref(branch, format!("{pointer}/{combinator}/{i}"));
                // `allOf` branches all apply: their requirements hold.
                self.collect_into(branch, &branch_pointer, depth + 1, own && combinator == "allOf", out);
            }
        }
    }

    /// Follow `$ref`s; returns the target and its pointer.
    fn deref(&self, mut node: &'a Value, mut pointer: String) -> (&'a Value, String) {
        for _ in 0..16 {
            let Some(reference) = node.get("$ref").and_then(Value::as_str) else { break };
            let Some(target_pointer) = reference.strip_prefix('#') else { break };
            let Some(target) = self.schema.raw.pointer(target_pointer) else { break };
            node = target;
            pointer = target_pointer.to_owned();
        }
        (node, pointer)
    }

    /// The type of a schema node. `hint` names it if it becomes a named type.
    fn ty_of(&mut self, node: &'a Value, pointer: &str, hint: &str, depth: usize) -> Ty {
        if depth > 48 {
            return Ty::Json;
        }
        if node.get("$ref").is_some() {
            let (target, target_pointer) = self.deref(node, pointer.to_owned());
            if target.get("$ref").is_some() {
                return Ty::Json;
            }
            let hint = match target_pointer.strip_prefix("/definitions/") {
                Some(def) if !def.contains('/') => self.def_name(def),
                _ => hint.to_owned(),
            };
            return self.ty_of(target, &target_pointer, &hint, depth + 1);
        }
        if let Some(known) = self.memo.get(pointer) {
            return known.clone();
        }
        let types = type_list(node);
        let has_items = node.get("items").is_some();
        match types.as_slice() {
            [] => {
                if self.has_properties(node, 0) {
                    self.object_or_map(node, pointer, hint, depth)
                } else if has_items {
                    self.array(node, pointer, hint, depth)
                } else {
                    self.combinator_type(node, pointer, hint, depth)
                }
            }
            [single] => match *single {
                "object" => self.object_or_map(node, pointer, hint, depth),
                "array" => self.array(node, pointer, hint, depth),
                "string" => self.string(node, pointer, hint),
                "integer" => Ty::Integer,
                "number" => Ty::Number,
                "boolean" => Ty::Boolean,
                _ => Ty::Json,
            },
            many => {
                if many.iter().any(|t| *t == "object" || *t == "array") {
                    Ty::Json
                } else {
                    let mut scalars: Vec<Ty> = Vec::new();
                    for t in many {
                        let ty = match *t {
                            "string" => Ty::String,
                            "integer" => Ty::Integer,
                            "number" => Ty::Number,
                            "boolean" => Ty::Boolean,
                            _ => return Ty::Json,
                        };
                        if !scalars.contains(&ty) {
                            scalars.push(ty);
                        }
                    }
                    Ty::Union(scalars)
                }
            }
        }
    }

    fn has_properties(&self, node: &'a Value, depth: usize) -> bool {
        if depth > 8 {
            return false;
        }
        if node.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty()) {
            return true;
        }
        ["allOf", "oneOf", "anyOf"].iter().any(|c| {
            node.get(*c).and_then(Value::as_array).is_some_and(|branches| {
                branches.iter().any(|b| {
                    let (b, _) = self.deref(b, String::new());
                    self.has_properties(b, depth + 1)
                })
            })
        })
    }

    /// A node without `type`, `properties` or `items`: decided by its combinator branches.
    fn combinator_type(&mut self, node: &'a Value, pointer: &str, hint: &str, depth: usize) -> Ty {
        let mut found: Option<Ty> = None;
        for combinator in ["allOf", "oneOf", "anyOf"] {
            let Some(branches) = node.get(combinator).and_then(Value::as_array) else { continue };
            for (i, branch) in branches.iter().enumerate() {
                let typed = branch.get("type").is_some() || branch.get("$ref").is_some() || branch.get("items").is_some();
                if !typed {
                    continue;
                }
                let ty = self.ty_of(branch, &format!("{pointer}/{combinator}/{i}"), hint, depth + 1);
                match &found {
                    None => found = Some(ty),
                    Some(previous) if *previous == ty => {}
                    Some(_) => return Ty::Json,
                }
            }
        }
        found.unwrap_or(Ty::Json)
    }

    fn array(&mut self, node: &'a Value, pointer: &str, hint: &str, depth: usize) -> Ty {
        match node.get("items") {
            Some(items) if items.is_object() => {
                Ty::Array(Box::new(self.ty_of(items, &format!("{pointer}/items"), hint, depth + 1)))
            }
            _ => Ty::Array(Box::new(Ty::Json)),
        }
    }

    fn string(&mut self, node: &'a Value, pointer: &str, hint: &str) -> Ty {
        let values: Vec<&str> = match node.get("enum").and_then(Value::as_array) {
            Some(values) if !values.is_empty() && values.iter().all(Value::is_string) => {
                values.iter().filter_map(Value::as_str).collect()
            }
            _ => match node.get("const").and_then(Value::as_str) {
                Some(value) => vec![value],
                None => return Ty::String,
            },
        };
        // A case-insensitive enum (`enumCaseInsensitive`, or alternatives by pattern) accepts
        // more spellings than it lists: keep it a string.
        if node.get("enumCaseInsensitive").is_some() {
            return Ty::String;
        }
        let mut seen = HashSet::new();
        // `Unset` is the Rust enums' default variant.
        let mut idents: HashSet<String> = HashSet::from(["Unset".to_owned()]);
        let mut enum_values = Vec::new();
        for value in values {
            if !seen.insert(value) {
                continue;
            }
            let mut ident = pascal_value(value);
            if ident.is_empty() {
                ident = if value.is_empty() { "Empty".to_owned() } else { "Value".to_owned() };
            }
            if ident.starts_with(|c: char| c.is_ascii_digit()) {
                ident = format!("V{ident}");
            }
            if ident == "Self" {
                ident = "SelfValue".to_owned();
            }
            let base = ident.clone();
            let mut n = 2;
            while !idents.insert(ident.clone()) {
                ident = format!("{base}{n}");
                n += 1;
            }
            enum_values.push(EnumValue { value: value.to_owned(), ident });
        }
        let name = self.names.claim(hint);
        let index = self.types.len();
        self.types.push(TypeDef {
            name,
            doc: node.get("description").and_then(Value::as_str).map(|s| s.trim().to_owned()).unwrap_or_default(),
            kind: TypeKind::Enum { values: enum_values },
            resource: self.resource_index,
            input: false,
            output: false,
        });
        let ty = Ty::Enum(index);
        self.memo.insert(pointer.to_owned(), ty.clone());
        ty
    }

    fn object_or_map(&mut self, node: &'a Value, pointer: &str, hint: &str, depth: usize) -> Ty {
        let raw_props = self.collect_props(node, pointer, 0);
        if raw_props.is_empty() {
            if let Some(patterns) = node.get("patternProperties").and_then(Value::as_object) {
                let mut value_ty: Option<Ty> = None;
                for (pattern, value) in patterns {
                    let ty = self.ty_of(value, &format!("{pointer}/patternProperties/{pattern}"), hint, depth + 1);
                    match &value_ty {
                        None => value_ty = Some(ty),
                        Some(previous) if *previous == ty => {}
                        Some(_) => return Ty::Map(Box::new(Ty::Json)),
                    }
                }
                return Ty::Map(Box::new(value_ty.unwrap_or(Ty::Json)));
            }
            if let Some(additional) = node.get("additionalProperties").filter(|a| a.is_object()) {
                let value_ty = self.ty_of(additional, &format!("{pointer}/additionalProperties"), hint, depth + 1);
                return Ty::Map(Box::new(value_ty));
            }
            return Ty::Json;
        }
        if is_tag(self.schema, &raw_props) {
            self.memo.insert(pointer.to_owned(), Ty::Tag);
            return Ty::Tag;
        }
        let name = self.names.claim(hint);
        let index = self.types.len();
        let ty = Ty::Object(index);
        self.memo.insert(pointer.to_owned(), ty.clone());
        let doc = node.get("description").and_then(Value::as_str).map(|s| s.trim().to_owned()).unwrap_or_default();
        self.types.push(TypeDef {
            name: name.clone(),
            doc,
            kind: TypeKind::Object { properties: Vec::new() },
            resource: self.resource_index,
            input: false,
            output: false,
        });
        let mut properties = Vec::with_capacity(raw_props.len());
        for raw in raw_props {
            let prop_ty = self.ty_of(raw.node, &raw.pointer, &join_names(&name, &pascal(&raw.name)), depth + 1);
            properties.push(Property {
                doc: self.doc_of(raw.node),
                ty: prop_ty,
                required: raw.required,
                read_only: false,
                write_only: false,
                create_only: false,
                deprecated: false,
                always_output: raw.required,
                schema_name: raw.name,
            });
        }
        self.types[index].kind = TypeKind::Object { properties };
        ty
    }

    /// The name of a definition: the resource's class name joined with the definition's name
    /// (`Bucket` + `BucketEncryption` → `BucketEncryption`, `Bucket` + `Rule` → `BucketRule`).
    fn def_name(&self, def: &str) -> String {
        join_names(self.class_name, &pascal(def))
    }
}

fn type_list(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect(),
        _ => Vec::new(),
    }
}

/// `{Key: string, Value: string}`, both required: the shared tag type.
fn is_tag(schema: &ResourceSchema, props: &[RawProp<'_>]) -> bool {
    let is_string = |node: &Value| {
        let node = schema.resolve(node);
        node.get("type").and_then(Value::as_str) == Some("string") && node.get("enum").is_none()
    };
    props.len() == 2
        && props[0].name == "Key"
        && props[1].name == "Value"
        && props.iter().all(|p| p.required && is_string(p.node))
}

fn top_flag(paths: &[PropPath], name: &str) -> bool {
    paths.iter().any(|p| p.segments().len() == 1 && p.root() == Some(name))
}

fn pointers(paths: &[PropPath]) -> Vec<String> {
    paths.iter().map(PropPath::to_pointer).collect()
}

#[derive(Clone, Copy)]
enum Flag {
    ReadOnly,
    WriteOnly,
    CreateOnly,
    Deprecated,
}

/// Set a flag on the nested property a path (`/A/*/B`) lands on. `types` is the resource's own
/// slice of the service's types, starting at service index `first`.
fn mark_nested(resource: &mut Resource, types: &mut [TypeDef], first: usize, path: &PropPath, flag: Flag) {
    let segments = path.segments();
    let Some(Segment::Key(root)) = segments.first() else { return };
    let Some(top) = resource.properties.iter().find(|p| &p.schema_name == root) else { return };
    let mut ty = top.ty.clone();
    let mut target: Option<(usize, usize)> = None;
    for segment in &segments[1..] {
        // Walk through arrays and maps to the object.
        loop {
            match ty {
                Ty::Array(inner) | Ty::Map(inner) => ty = *inner,
                _ => break,
            }
        }
        match (segment, &ty) {
            (Segment::Any, _) => {}
            (Segment::Key(key), Ty::Object(index)) if *index >= first => {
                let TypeKind::Object { properties } = &types[*index - first].kind else { return };
                let Some(position) = properties.iter().position(|p| &p.schema_name == key) else { return };
                target = Some((*index - first, position));
                ty = properties[position].ty.clone();
            }
            _ => return,
        }
    }
    let Some((type_index, position)) = target else { return };
    let TypeKind::Object { properties } = &mut types[type_index].kind else { return };
    let property = &mut properties[position];
    match flag {
        Flag::ReadOnly => {
            property.read_only = true;
            property.required = false;
            property.always_output = true;
        }
        Flag::WriteOnly => property.write_only = true,
        Flag::CreateOnly => property.create_only = true,
        Flag::Deprecated => property.deprecated = true,
    }
}

/// Mark which named types are reachable from writable properties (argument types) and from any
/// property (output types).
fn mark_usage(service: &mut Service) {
    fn visit(types: &mut [TypeDef], ty: &Ty, input: bool) {
        match ty {
            Ty::Array(inner) | Ty::Map(inner) => visit(types, inner, input),
            Ty::Object(index) | Ty::Enum(index) => {
                let def = &mut types[*index];
                let seen = if input { def.input } else { def.output };
                if seen {
                    return;
                }
                if input {
                    def.input = true;
                } else {
                    def.output = true;
                }
                if let TypeKind::Object { properties } = &def.kind {
                    let children: Vec<Ty> =
                        properties.iter().filter(|p| !input || !p.read_only).map(|p| p.ty.clone()).collect();
                    for child in children {
                        visit(types, &child, input);
                    }
                }
            }
            _ => {}
        }
    }
    let tops: Vec<(Ty, bool)> =
        service.resources.iter().flat_map(|r| r.properties.iter().map(|p| (p.ty.clone(), p.read_only))).collect();
    for (ty, read_only) in tops {
        if !read_only {
            visit(&mut service.types, &ty, true);
        }
        visit(&mut service.types, &ty, false);
    }
}
