//! Rust: `aws/mod.rs` (the shared tag types, the helpers generated code calls, one `pub mod` per
//! service, each behind the cargo feature `aws-<service>`) and `aws/<service>.rs` (included by
//! `mod.rs`).
//!
//! Per resource: a handle struct implementing the SDK's `TypedResource` (its `TypeInfo` carries
//! the schema metadata), `new` / `get` constructors, one typed output accessor per property, and
//! an `…Args` struct (`Default`, every field an `Input`) that serializes to the schema's names.
//! Nested objects are `…Args` structs on input and plain structs on output; enums are Rust enums
//! whose default, `Unset`, is never sent (a registration with it fails with the enum's name).
//!
//! Serialization and deserialization are written out (no derive macros): thousands of types
//! compile noticeably faster that way.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use super::{GeneratedFile, Options, docs, header_lines, unique_names};
use crate::model::{Model, Property, Resource, Service, Ty, TypeDef, TypeKind};
use crate::naming::{rust_ident, snake};

/// The cargo feature of a service (`aws-s3`).
#[must_use]
pub fn feature_name(service: &str) -> String {
    format!("aws-{service}")
}

/// The Rust module name of a service.
#[must_use]
pub fn module_name(service: &str) -> String {
    rust_ident(service)
}

pub(crate) fn generate(model: &Model, options: &Options) -> Vec<GeneratedFile> {
    let mut files = vec![GeneratedFile { path: PathBuf::from("aws/mod.rs"), contents: mod_rs(model, options) }];
    for service in &model.services {
        files.push(GeneratedFile {
            path: PathBuf::from(format!("aws/{}.rs", service.name)),
            contents: service_rs(model, service, options),
        });
    }
    files
}

fn header(model: &Model) -> String {
    let mut out = String::new();
    for line in header_lines(model, "engine gen-sdk --lang rust") {
        let _ = writeln!(out, "// {line}");
    }
    out
}

/// Rust field names (`snake_case`, keywords raw), unique in their struct.
fn rust_names(properties: &[&Property], top_level: bool) -> Vec<String> {
    let mut names = unique_names(properties, top_level, |s| rust_ident(&snake(s)));
    if top_level {
        // Inherent constructors of the handle.
        for name in &mut names {
            if name == "new" || name == "get" {
                name.push_str("_property");
            }
        }
    }
    names
}

fn mod_rs(model: &Model, options: &Options) -> String {
    let sdk = &options.rust_sdk_path;
    let mut out = header(model);
    let _ = writeln!(
        out,
        r#"
/// The schema date of the registry this code was generated from (sent with every registration).
pub const SCHEMA_DATE: &str = {date:?};

/// A tag: a key and a value (the input form).
#[derive(Clone, Default)]
pub struct TagArgs {{
    /// The tag's key.
    pub key: rt::Input<String>,
    /// The tag's value.
    pub value: rt::Input<String>,
}}

impl TagArgs {{
    /// A tag from a key and a value (either may be an output).
    #[inline]
    pub fn new(key: impl Into<rt::Input<String>>, value: impl Into<rt::Input<String>>) -> Self {{
        TagArgs {{ key: key.into(), value: value.into() }}
    }}
}}

impl rt::ToDyn for TagArgs {{
    #[inline]
    fn to_dyn(&self) -> rt::DynInput {{
        let mut fields = Vec::with_capacity(2);
        rt::req(&mut fields, "Key", &self.key);
        rt::req(&mut fields, "Value", &self.value);
        rt::DynInput::Object(fields)
    }}
}}


/// A tag: a key and a value (the output form).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {{
    /// The tag's key.
    pub key: String,
    /// The tag's value.
    pub value: String,
}}

impl rt::FromJson for Tag {{
    #[inline]
    fn from_json(value: rt::Json) -> Result<Self, String> {{
        let mut fields = rt::Fields::new(value)?;
        Ok(Tag {{ key: fields.take("Key")?, value: fields.take("Value")? }})
    }}
}}


/// What generated code uses from the SDK, and the conversions it is written with.
///
/// Inputs convert to the SDK's dynamic form ([`DynInput`]) and outputs from JSON through two
/// small traits instead of serde derives, and every conversion is `#[inline]`: a program
/// compiles only the conversions of the types it uses.
#[doc(hidden)]
#[allow(unused_imports)]
pub mod rt {{
    pub use {sdk}::serde::de::{{Deserialize, Deserializer, Error as DeError}};
    pub use {sdk}::serde::ser::{{Error as SerError, Serialize, Serializer}};
    pub use {sdk}::serde_json::Value as Json;
    pub use {sdk}::{{
        AsResource, Context, DynInput, Error, Input, Output, OutputValue, Resource, ResourceOptions, Result, TypeInfo,
        TypedResource,
    }};
    pub use std::collections::BTreeMap as Map;

    /// A value's dynamic (input) form: keys are the schema's names.
    pub trait ToDyn {{
        fn to_dyn(&self) -> DynInput;
    }}

    /// A value read back from the engine (JSON with the schema's names).
    pub trait FromJson: Sized {{
        /// # Errors
        /// A message naming what was expected, prefixed with the path inside the value.
        fn from_json(value: Json) -> std::result::Result<Self, String>;
    }}

    impl ToDyn for String {{
        #[inline]
        fn to_dyn(&self) -> DynInput {{
            DynInput::Value(Json::String(self.clone()))
        }}
    }}

    impl ToDyn for i64 {{
        #[inline]
        fn to_dyn(&self) -> DynInput {{
            DynInput::Value(Json::from(*self))
        }}
    }}

    impl ToDyn for f64 {{
        #[inline]
        fn to_dyn(&self) -> DynInput {{
            DynInput::Value(Json::from(*self))
        }}
    }}

    impl ToDyn for bool {{
        #[inline]
        fn to_dyn(&self) -> DynInput {{
            DynInput::Value(Json::Bool(*self))
        }}
    }}

    impl ToDyn for Json {{
        #[inline]
        fn to_dyn(&self) -> DynInput {{
            DynInput::Value(self.clone())
        }}
    }}

    impl<T: ToDyn> ToDyn for Box<T> {{
        #[inline]
        fn to_dyn(&self) -> DynInput {{
            (**self).to_dyn()
        }}
    }}

    impl<T: ToDyn> ToDyn for Vec<T> {{
        #[inline]
        fn to_dyn(&self) -> DynInput {{
            DynInput::Array(self.iter().map(ToDyn::to_dyn).collect())
        }}
    }}

    impl<T: ToDyn> ToDyn for Map<String, T> {{
        #[inline]
        fn to_dyn(&self) -> DynInput {{
            DynInput::Object(self.iter().map(|(key, value)| (key.clone(), value.to_dyn())).collect())
        }}
    }}

    impl<T: ToDyn + OutputValue> ToDyn for Input<T> {{
        #[inline]
        fn to_dyn(&self) -> DynInput {{
            match self {{
                Input::Value(value) => value.to_dyn(),
                // The value, once known, may itself hold outputs (an args struct): flattened.
                Input::Output(output) => DynInput::Output(output.flat_map(|value| value.to_dyn().into_output())),
            }}
        }}
    }}

    /// `Clone` of one field (out of line; see the generated `Clone` impls).
    #[inline(never)]
    pub fn cl<T: Clone>(value: &T) -> T {{
        value.clone()
    }}

    /// `Default` of one field (out of line).
    #[inline(never)]
    pub fn df<T: Default>() -> T {{
        T::default()
    }}

    /// The variant of an enum value, from its table (out of line: a `match` on strings would
    /// inline a comparison per value).
    #[inline(never)]
    pub fn find<T: Copy>(table: &[(&str, T)], value: &str) -> Option<T> {{
        table.iter().find(|(text, _)| *text == value).map(|(_, variant)| *variant)
    }}

    /// `Debug` of an enum: its value as the schema writes it.
    #[inline(never)]
    pub fn debug_enum(f: &mut std::fmt::Formatter<'_>, value: Option<&str>) -> std::fmt::Result {{
        match value {{
            Some(value) => write!(f, "{{value:?}}"),
            None => f.write_str("Unset"),
        }}
    }}

    /// The fields of an object being converted.
    #[inline(never)]
    pub fn fields(capacity: usize) -> Vec<(String, DynInput)> {{
        Vec::with_capacity(capacity)
    }}

    /// Register a typed resource (`new`). Out of line, like the other helpers here: generated
    /// functions stay small, which keeps the SDK's build fast (their MIR is optimized and
    /// stored for every type, used or not).
    #[inline(never)]
    #[track_caller]
    pub fn create<R: TypedResource>(ctx: &Context, name: &str, args: &R::Args, options: ResourceOptions) -> Result<R> {{
        ctx.create::<R>(name, args, options)
    }}

    /// Read an existing resource (`get`).
    #[inline(never)]
    #[track_caller]
    pub fn read<R: TypedResource>(ctx: &Context, name: &str, id: Input<String>, options: ResourceOptions) -> Result<R> {{
        ctx.read::<R>(name, id, options)
    }}

    /// A required field.
    #[inline(never)]
    pub fn req<T: ToDyn>(fields: &mut Vec<(String, DynInput)>, key: &str, value: &T) {{
        fields.push((key.to_owned(), value.to_dyn()));
    }}

    /// An optional field: nothing when unset.
    #[inline(never)]
    pub fn opt<T: ToDyn>(fields: &mut Vec<(String, DynInput)>, key: &str, value: &Option<T>) {{
        if let Some(value) = value {{
            fields.push((key.to_owned(), value.to_dyn()));
        }}
    }}

    /// An enum value's dynamic form: `Unset` becomes a failed output, so the registration fails
    /// with the property's path.
    #[inline(never)]
    pub fn enum_dyn(value: Option<&'static str>, enum_name: &str) -> DynInput {{
        match value {{
            Some(value) => DynInput::Value(Json::String(value.to_owned())),
            None => DynInput::Output(Output::error(unset(enum_name))),
        }}
    }}

    #[cold]
    fn unset(enum_name: &str) -> Error {{
        Error::Invalid(format!("{{enum_name}} is Unset: give this enum property a value"))
    }}

    /// An enum value read back.
    #[inline(never)]
    pub fn enum_from_json<T>(value: Json, parse: fn(&str) -> Option<T>, enum_name: &str) -> std::result::Result<T, String> {{
        match value {{
            Json::String(text) => parse(&text).ok_or_else(|| format!("{{text:?}} is not a known {{enum_name}} value")),
            other => Err(format!("expected a {{enum_name}} string, got {{other}}")),
        }}
    }}

    /// Serialize through the dynamic form (the SDK's `DynInput` keeps outputs as outputs).
    #[inline(never)]
    pub fn serialize<T: ToDyn + ?Sized, S: Serializer>(value: &T, serializer: S) -> std::result::Result<S::Ok, S::Error> {{
        value.to_dyn().serialize(serializer)
    }}

    /// A typed output property: read from the engine's JSON; a value of the wrong type fails the
    /// output with an error naming the resource and the property.
    #[inline(never)]
    pub fn output<T: FromJson + OutputValue>(resource: &Resource, property: &'static str) -> Output<T> {{
        let owner = resource.clone();
        resource.output_value(property).try_map(move |value| {{
            let missing = value.is_null();
            T::from_json(value).map_err(|message| output_error(&owner, property, missing, message))
        }})
    }}

    #[cold]
    fn output_error(owner: &Resource, property: &str, missing: bool, message: String) -> Error {{
        let message = if missing {{ "the engine returned no value for it".to_owned() }} else {{ message }};
        Error::Resource {{
            urn: owner.urn_str().to_owned(),
            resource_type: owner.resource_type().to_owned(),
            name: owner.name().to_owned(),
            source: Box::new(Error::Property {{ path: property.to_owned(), source: Box::new(Error::Serialization(message)) }}),
        }}
    }}

    impl FromJson for String {{
        #[inline]
        fn from_json(value: Json) -> std::result::Result<Self, String> {{
            match value {{
                Json::String(text) => Ok(text),
                other => Err(format!("expected a string, got {{other}}")),
            }}
        }}
    }}

    impl FromJson for i64 {{
        #[inline]
        fn from_json(value: Json) -> std::result::Result<Self, String> {{
            match &value {{
                Json::Number(number) => number
                    .as_i64()
                    .or_else(|| number.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
                    .ok_or_else(|| format!("expected an integer, got {{value}}")),
                // Some services report numbers as strings.
                Json::String(text) => text.parse().map_err(|_| format!("expected an integer, got {{value}}")),
                _ => Err(format!("expected an integer, got {{value}}")),
            }}
        }}
    }}

    impl FromJson for f64 {{
        #[inline]
        fn from_json(value: Json) -> std::result::Result<Self, String> {{
            match &value {{
                Json::Number(number) => number.as_f64().ok_or_else(|| format!("expected a number, got {{value}}")),
                Json::String(text) => text.parse().map_err(|_| format!("expected a number, got {{value}}")),
                _ => Err(format!("expected a number, got {{value}}")),
            }}
        }}
    }}

    impl FromJson for bool {{
        #[inline]
        fn from_json(value: Json) -> std::result::Result<Self, String> {{
            match value {{
                Json::Bool(flag) => Ok(flag),
                Json::String(text) if text == "true" || text == "false" => Ok(text == "true"),
                other => Err(format!("expected a boolean, got {{other}}")),
            }}
        }}
    }}

    impl FromJson for Json {{
        #[inline]
        fn from_json(value: Json) -> std::result::Result<Self, String> {{
            Ok(value)
        }}
    }}

    impl<T: FromJson> FromJson for Option<T> {{
        #[inline]
        fn from_json(value: Json) -> std::result::Result<Self, String> {{
            match value {{
                Json::Null => Ok(None),
                value => T::from_json(value).map(Some),
            }}
        }}
    }}

    impl<T: FromJson> FromJson for Box<T> {{
        #[inline]
        fn from_json(value: Json) -> std::result::Result<Self, String> {{
            T::from_json(value).map(Box::new)
        }}
    }}

    impl<T: FromJson> FromJson for Vec<T> {{
        #[inline]
        fn from_json(value: Json) -> std::result::Result<Self, String> {{
            match value {{
                Json::Array(items) => items
                    .into_iter()
                    .enumerate()
                    .map(|(index, item)| T::from_json(item).map_err(|error| format!("[{{index}}]{{}}", dotted(&error))))
                    .collect(),
                other => Err(format!("expected an array, got {{other}}")),
            }}
        }}
    }}

    impl<T: FromJson> FromJson for Map<String, T> {{
        #[inline]
        fn from_json(value: Json) -> std::result::Result<Self, String> {{
            match value {{
                Json::Object(map) => map
                    .into_iter()
                    .map(|(key, item)| match T::from_json(item) {{
                        Ok(item) => Ok((key, item)),
                        Err(error) => Err(format!("[{{key:?}}]{{}}", dotted(&error))),
                    }})
                    .collect(),
                other => Err(format!("expected an object, got {{other}}")),
            }}
        }}
    }}

    /// An error from inside a value, as a suffix of a path (`.Key: ...` or `: ...`).
    fn dotted(error: &str) -> String {{
        if error.starts_with('[') || error.starts_with('.') {{
            error.to_owned()
        }} else if error.contains(": ") && !error.starts_with("expected") {{
            format!(".{{error}}")
        }} else {{
            format!(": {{error}}")
        }}
    }}

    /// The fields of an object being read back.
    pub struct Fields(pub {sdk}::serde_json::Map<String, Json>);

    impl Fields {{
        /// # Errors
        /// When the value is not an object.
        #[inline(never)]
        pub fn new(value: Json) -> std::result::Result<Self, String> {{
            match value {{
                Json::Object(map) => Ok(Fields(map)),
                other => Err(format!("expected an object, got {{other}}")),
            }}
        }}

        /// One field (`null` when absent).
        ///
        /// # Errors
        /// The field's error, prefixed with its name.
        #[inline(never)]
        pub fn take<T: FromJson>(&mut self, key: &str) -> std::result::Result<T, String> {{
            T::from_json(self.0.remove(key).unwrap_or(Json::Null)).map_err(|error| format!("{{key}}{{}}", dotted(&error)))
        }}
    }}
}}
"#,
        date = model.schema_date,
    );
    for service in &model.services {
        out.push('\n');
        let resources: Vec<&str> = service.resources.iter().map(|r| r.name.as_str()).collect();
        docs::rust(&mut out, "", &format!("`AWS::{}` resources: {}.", service.cfn_name, resources.join(", ")));
        if options.rust_features {
            let _ = writeln!(out, "#[cfg(feature = \"{}\")]", feature_name(&service.name));
        }
        out.push_str("#[allow(clippy::all, clippy::pedantic, non_camel_case_types, deprecated, unused_imports, unused_mut)]\n");
        if options.rust_out_dir {
            let _ = writeln!(
                out,
                "pub mod {} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/aws/{}.rs\"));\n}}",
                module_name(&service.name),
                service.name
            );
        } else {
            let _ = writeln!(out, "#[path = \"{}.rs\"]\npub mod {};", service.name, module_name(&service.name));
        }
    }
    out
}

/// Object types that reach themselves without going through a `Vec` or a map: a field pointing
/// back into the cycle must be boxed.
fn boxed_fields(service: &Service) -> HashMap<usize, BTreeSet<usize>> {
    // Edges type → type through plain (non-collection) fields.
    let direct = |ty: &Ty| if let Ty::Object(index) = ty { Some(*index) } else { None };
    let edges: Vec<Vec<(usize, usize)>> = service
        .types
        .iter()
        .map(|def| match &def.kind {
            TypeKind::Object { properties } => {
                properties.iter().enumerate().filter_map(|(i, p)| direct(&p.ty).map(|t| (i, t))).collect()
            }
            TypeKind::Enum { .. } => Vec::new(),
        })
        .collect();
    // A field is boxed when its target can reach the field's owner.
    let mut reach_cache: HashMap<usize, BTreeSet<usize>> = HashMap::new();
    let mut reachable = |start: usize| -> BTreeSet<usize> {
        if let Some(found) = reach_cache.get(&start) {
            return found.clone();
        }
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            if seen.insert(node) {
                stack.extend(edges[node].iter().map(|(_, t)| *t));
            }
        }
        reach_cache.insert(start, seen.clone());
        seen
    };
    let mut boxed: HashMap<usize, BTreeSet<usize>> = HashMap::new();
    for (owner, fields) in edges.iter().enumerate() {
        for (field, target) in fields {
            if reachable(*target).contains(&owner) {
                boxed.entry(owner).or_default().insert(*field);
            }
        }
    }
    boxed
}

fn service_rs(model: &Model, service: &Service, options: &Options) -> String {
    let mut out = header(model);
    out.push_str("use super::rt;\n");
    let boxed = boxed_fields(service);
    for resource in &service.resources {
        resource_items(&mut out, service, resource, options);
    }
    for (index, def) in service.types.iter().enumerate() {
        match &def.kind {
            TypeKind::Object { properties } => {
                let boxed = boxed.get(&index);
                if def.input {
                    args_struct(&mut out, service, def, properties, boxed, options);
                }
                if def.output {
                    output_struct(&mut out, service, def, properties, boxed, options);
                }
            }
            TypeKind::Enum { values } => enum_type(&mut out, def, values, options),
        }
    }
    out
}

fn resource_items(out: &mut String, service: &Service, resource: &Resource, options: &Options) {
    let name = &resource.name;
    let all: Vec<&Property> = resource.properties.iter().collect();
    let names = rust_names(&all, true);

    // The handle.
    out.push('\n');
    let mut doc = String::new();
    if options.docs && !resource.doc.is_empty() {
        doc.push_str(&resource.doc);
        doc.push_str("\n\n");
    }
    let _ = write!(doc, "Cloud Control type `{}`; arguments: [`{name}Args`].", resource.type_name);
    if !resource.updatable {
        doc.push_str(" It has no update handler: every change replaces it.");
    }
    docs::rust(out, "", &doc);
    let _ = writeln!(out, "#[derive(Debug, Clone)]\npub struct {name} {{\n    resource: rt::Resource,\n}}\n");
    let list = |items: &[String]| {
        let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
        format!("&[{}]", quoted.join(", "))
    };
    let _ = writeln!(
        out,
        "impl rt::TypedResource for {name} {{\n    const TYPE: rt::TypeInfo = rt::TypeInfo {{\n        type_name: {:?},\n        schema_date: super::SCHEMA_DATE,\n        primary_identifier: {},\n        create_only: {},\n        write_only: {},\n        read_only: {},\n    }};\n    type Args = {name}Args;\n\n    #[inline]\n    fn from_resource(resource: rt::Resource) -> Self {{\n        {name} {{ resource }}\n    }}\n}}\n",
        resource.type_name,
        list(&resource.primary_identifier),
        list(&resource.create_only),
        list(&resource.write_only),
        list(&resource.read_only),
    );
    let _ = writeln!(
        out,
        "impl rt::AsResource for {name} {{\n    #[inline]\n    fn as_resource(&self) -> &rt::Resource {{\n        &self.resource\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "/// The registered resource (`urn()`, `id()`, `wait()`, ...); a property accessor of the same name wins.\nimpl std::ops::Deref for {name} {{\n    type Target = rt::Resource;\n\n    #[inline]\n    fn deref(&self) -> &rt::Resource {{\n        &self.resource\n    }}\n}}\n"
    );
    let _ = writeln!(out, "impl {name} {{");
    let _ = writeln!(
        out,
        "    /// Declare a `{0}` named `name`.\n    ///\n    /// # Errors\n    /// An invalid name or a duplicate URN (see `Context::register`).\n    #[inline]\n    #[track_caller]\n    pub fn new(ctx: &rt::Context, name: &str, args: {name}Args, options: rt::ResourceOptions) -> rt::Result<Self> {{\n        rt::create::<Self>(ctx, name, &args, options)\n    }}\n",
        resource.type_name
    );
    let _ = writeln!(
        out,
        "    /// Read an existing `{0}` by its identifier, without managing it.\n    ///\n    /// # Errors\n    /// An invalid name or a duplicate URN.\n    #[inline]\n    #[track_caller]\n    pub fn get(ctx: &rt::Context, name: &str, id: impl Into<rt::Input<String>>, options: rt::ResourceOptions) -> rt::Result<Self> {{\n        rt::read::<Self>(ctx, name, id.into(), options)\n    }}",
        resource.type_name
    );
    for (property, field) in all.iter().zip(&names) {
        out.push('\n');
        if options.docs {
            docs::rust(out, "    ", &docs::property_doc(property));
        }
        let inner = rust_out(service, &property.ty, false);
        let ty = if property.always_output { inner } else { format!("Option<{inner}>") };
        let _ = writeln!(
            out,
            "    #[inline]\n    #[must_use]\n    pub fn {field}(&self) -> rt::Output<{ty}> {{\n        rt::output(&self.resource, {:?})\n    }}",
            property.schema_name
        );
    }
    out.push_str("}\n");

    // The arguments.
    out.push('\n');
    let _ = writeln!(out, "/// The arguments of [`{name}`].\npub struct {name}Args {{");
    let inputs: Vec<(&&Property, &String)> = all.iter().zip(&names).filter(|(p, _)| !p.read_only).collect();
    for (property, field) in &inputs {
        if options.docs {
            docs::rust(out, "    ", &docs::property_doc(property));
        }
        let ty = format!("rt::Input<{}>", rust_in(service, &property.ty, false));
        let ty = if property.required { ty } else { format!("Option<{ty}>") };
        let _ = writeln!(out, "    pub {field}: {ty},");
    }
    out.push_str("}\n");
    clone_impl(out, &format!("{name}Args"), inputs.iter().map(|(_, f)| f.as_str()));
    default_impl(out, &format!("{name}Args"), inputs.iter().map(|(_, f)| f.as_str()));
    to_dyn_impl(out, &format!("{name}Args"), inputs.iter().map(|(p, f)| (**p, f.as_str(), p.required)));
    // `TypedResource::Args` must be `Serialize`.
    serialize_shim(out, &format!("{name}Args"));
}

/// `Clone` through an out-of-line helper per field: a derived `clone` inlines every field's clone
/// into its MIR, which the SDK's build would optimize and store for thousands of types.
fn clone_impl<'a>(out: &mut String, type_name: &str, fields: impl Iterator<Item = &'a str>) {
    let _ = write!(out, "\nimpl Clone for {type_name} {{\n    #[inline]\n    fn clone(&self) -> Self {{\n        {type_name} {{");
    let mut any = false;
    for field in fields {
        any = true;
        let _ = write!(out, "\n            {field}: rt::cl(&self.{field}),");
    }
    out.push_str(if any { "\n        }\n    }\n}\n" } else { "}\n    }\n}\n" });
}

/// `Default` the same way (every field's default, out of line).
fn default_impl<'a>(out: &mut String, type_name: &str, fields: impl Iterator<Item = &'a str>) {
    let _ = write!(out, "\nimpl Default for {type_name} {{\n    #[inline]\n    fn default() -> Self {{\n        {type_name} {{");
    let mut any = false;
    for field in fields {
        any = true;
        let _ = write!(out, "\n            {field}: rt::df(),");
    }
    out.push_str(if any { "\n        }\n    }\n}\n" } else { "}\n    }\n}\n" });
}

/// `ToDyn` (the schema's names) and `Serialize` through it.
fn to_dyn_impl<'a>(out: &mut String, type_name: &str, fields: impl Iterator<Item = (&'a Property, &'a str, bool)>) {
    let fields: Vec<_> = fields.collect();
    let _ = writeln!(
        out,
        "\nimpl rt::ToDyn for {type_name} {{\n    #[inline]\n    fn to_dyn(&self) -> rt::DynInput {{\n        let mut fields = rt::fields({});",
        fields.len()
    );
    for (property, field, required) in fields {
        let helper = if required { "req" } else { "opt" };
        let _ = writeln!(out, "        rt::{helper}(&mut fields, {:?}, &self.{field});", property.schema_name);
    }
    out.push_str("        rt::DynInput::Object(fields)\n    }\n}\n");
}

fn serialize_shim(out: &mut String, type_name: &str) {
    let _ = writeln!(
        out,
        "\nimpl rt::Serialize for {type_name} {{\n    #[inline]\n    fn serialize<S: rt::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n        rt::serialize(self, serializer)\n    }}\n}}"
    );
}

fn args_struct(
    out: &mut String,
    service: &Service,
    def: &TypeDef,
    properties: &[Property],
    boxed: Option<&BTreeSet<usize>>,
    options: &Options,
) {
    let all: Vec<&Property> = properties.iter().collect();
    let names = rust_names(&all, false);
    out.push('\n');
    if options.docs && !def.doc.is_empty() {
        docs::rust(out, "", &def.doc);
        out.push_str("///\n");
    }
    let _ = writeln!(out, "/// The input form of [`{0}`].\npub struct {0}Args {{", def.name);
    let mut fields = Vec::new();
    for (index, (property, field)) in all.iter().zip(&names).enumerate() {
        if property.read_only {
            continue;
        }
        if options.docs {
            docs::rust(out, "    ", &docs::property_doc(property));
        }
        let is_boxed = boxed.is_some_and(|b| b.contains(&index));
        let ty = format!("rt::Input<{}>", rust_in(service, &property.ty, is_boxed));
        let ty = if property.required { ty } else { format!("Option<{ty}>") };
        let _ = writeln!(out, "    pub {field}: {ty},");
        fields.push((*property, field.as_str(), property.required));
    }
    out.push_str("}\n");
    clone_impl(out, &format!("{}Args", def.name), fields.iter().map(|(_, f, _)| *f));
    default_impl(out, &format!("{}Args", def.name), fields.iter().map(|(_, f, _)| *f));
    to_dyn_impl(out, &format!("{}Args", def.name), fields.into_iter());
}

fn output_struct(
    out: &mut String,
    service: &Service,
    def: &TypeDef,
    properties: &[Property],
    boxed: Option<&BTreeSet<usize>>,
    options: &Options,
) {
    let all: Vec<&Property> = properties.iter().collect();
    let names = rust_names(&all, false);
    out.push('\n');
    if options.docs && !def.doc.is_empty() {
        docs::rust(out, "", &def.doc);
    }
    let _ = writeln!(out, "pub struct {} {{", def.name);
    for (index, (property, field)) in all.iter().zip(&names).enumerate() {
        if options.docs {
            docs::rust(out, "    ", &docs::property_doc(property));
        }
        let is_boxed = boxed.is_some_and(|b| b.contains(&index));
        let ty = rust_out(service, &property.ty, is_boxed);
        let ty = if property.always_output { ty } else { format!("Option<{ty}>") };
        let _ = writeln!(out, "    pub {field}: {ty},");
    }
    out.push_str("}\n");
    clone_impl(out, &def.name, names.iter().map(String::as_str));
    let _ = writeln!(
        out,
        "\nimpl rt::FromJson for {0} {{\n    #[inline]\n    fn from_json(value: rt::Json) -> Result<Self, String> {{\n        let mut fields = match rt::Fields::new(value) {{\n            Ok(fields) => fields,\n            Err(error) => return Err(error),\n        }};\n        Ok({0} {{",
        def.name
    );
    for (property, field) in all.iter().zip(&names) {
        // `match`, not `?`: `?` calls (and the MIR inliner inlines) `Try` functions per field.
        let _ = writeln!(
            out,
            "            {field}: match fields.take({:?}) {{\n                Ok(value) => value,\n                Err(error) => return Err(error),\n            }},",
            property.schema_name
        );
    }
    out.push_str("        })\n    }\n}\n");
}

fn enum_type(out: &mut String, def: &TypeDef, values: &[crate::model::EnumValue], options: &Options) {
    let name = &def.name;
    out.push('\n');
    if options.docs && !def.doc.is_empty() {
        docs::rust(out, "", &def.doc);
    }
    let _ = writeln!(out, "#[derive(Clone, Copy, PartialEq, Eq, Default)]\npub enum {name} {{");
    out.push_str("    /// Not set (the default): a registration with it fails.\n    #[default]\n    Unset,\n");
    for value in values {
        let _ = writeln!(out, "    /// `{}`\n    {},", value.value.replace('`', "'"), value.ident);
    }
    out.push_str("}\n");
    let _ = writeln!(out, "\nimpl {name} {{");
    out.push_str("    /// The value as the schema writes it (`None` for `Unset`).\n    #[inline]\n    #[must_use]\n    pub const fn as_str(self) -> Option<&'static str> {\n        match self {\n");
    let _ = writeln!(out, "            {name}::Unset => None,");
    for value in values {
        let _ = writeln!(out, "            {name}::{} => Some({:?}),", value.ident, value.value);
    }
    out.push_str("        }\n    }\n\n    /// The variant for a value as the schema writes it.\n    #[inline]\n    #[must_use]\n    pub fn parse(value: &str) -> Option<Self> {\n        rt::find(Self::TABLE, value)\n    }\n\n    const TABLE: &'static [(&'static str, Self)] = &[\n");
    for value in values {
        let _ = writeln!(out, "        ({:?}, {name}::{}),", value.value, value.ident);
    }
    out.push_str("    ];\n}\n");
    let _ = writeln!(
        out,
        "\nimpl std::fmt::Debug for {name} {{\n    #[inline]\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        rt::debug_enum(f, self.as_str())\n    }}\n}}"
    );
    let _ = writeln!(
        out,
        "\nimpl rt::ToDyn for {name} {{\n    #[inline]\n    fn to_dyn(&self) -> rt::DynInput {{\n        rt::enum_dyn(self.as_str(), {name:?})\n    }}\n}}\n\nimpl rt::FromJson for {name} {{\n    #[inline]\n    fn from_json(value: rt::Json) -> Result<Self, String> {{\n        rt::enum_from_json(value, {name}::parse, {name:?})\n    }}\n}}"
    );
}

/// An input type (inside `rt::Input<...>`).
fn rust_in(service: &Service, ty: &Ty, boxed: bool) -> String {
    match ty {
        Ty::Array(inner) => format!("Vec<rt::Input<{}>>", rust_in(service, inner, false)),
        Ty::Map(inner) => format!("rt::Map<String, rt::Input<{}>>", rust_in(service, inner, false)),
        Ty::Object(index) => {
            let name = format!("{}Args", service.ty(*index).name);
            if boxed { format!("Box<{name}>") } else { name }
        }
        Ty::Tag => "super::TagArgs".to_owned(),
        other => scalar(service, other),
    }
}

/// An output type.
fn rust_out(service: &Service, ty: &Ty, boxed: bool) -> String {
    match ty {
        Ty::Array(inner) => format!("Vec<{}>", rust_out(service, inner, false)),
        Ty::Map(inner) => format!("rt::Map<String, {}>", rust_out(service, inner, false)),
        Ty::Object(index) => {
            let name = service.ty(*index).name.clone();
            if boxed { format!("Box<{name}>") } else { name }
        }
        Ty::Tag => "super::Tag".to_owned(),
        other => scalar(service, other),
    }
}

fn scalar(service: &Service, ty: &Ty) -> String {
    match ty {
        Ty::String => "String".to_owned(),
        Ty::Integer => "i64".to_owned(),
        Ty::Number => "f64".to_owned(),
        Ty::Boolean => "bool".to_owned(),
        Ty::Enum(index) => service.ty(*index).name.clone(),
        Ty::Json | Ty::Union(_) | Ty::Array(_) | Ty::Map(_) | Ty::Object(_) | Ty::Tag => "rt::Json".to_owned(),
    }
}
