//! The Rust binding: `mod.rs`, a module the consumer includes
//! (`#[path = "../generated/acme/mod.rs"] mod acme;`, or `mod acme { include!(...); }` from a
//! build script's output): one `…Args` struct (serde, camelCase on the wire) and one handle per
//! component, registering it as remote; outputs are typed accessors. No inner attributes, so it
//! can be `include!`d.

use std::fmt::Write as _;
use std::path::PathBuf;

use engine_codegen::naming;

use super::{File, header, property_doc, wrap};
use crate::manifest::Manifest;
use crate::types::{Property, TypeRef};

fn field_ident(name: &str) -> String {
    naming::rust_ident(&naming::snake(name))
}

/// Methods of the handle (and of `Resource`, which it derefs to) an output must not shadow.
const RESERVED_METHODS: &[&str] = &[
    "new",
    "resource",
    "urn",
    "urn_str",
    "id",
    "name",
    "kind",
    "outputs",
    "output",
    "output_value",
    "wait",
    "registration",
    "reference",
    "resource_type",
];

fn method_ident(name: &str) -> String {
    let ident = field_ident(name);
    if RESERVED_METHODS.contains(&ident.as_str()) { format!("{ident}_output") } else { ident }
}

fn rust_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".to_owned(),
        TypeRef::Integer => "i64".to_owned(),
        TypeRef::Number => "f64".to_owned(),
        TypeRef::Boolean => "bool".to_owned(),
        TypeRef::Any => "engine_sdk::serde_json::Value".to_owned(),
        TypeRef::Archive => "engine_sdk::FileArchive".to_owned(),
        TypeRef::Asset => "engine_sdk::FileAsset".to_owned(),
        TypeRef::List(item) => format!("Vec<{}>", rust_type(item)),
        TypeRef::Map(item) => format!("std::collections::BTreeMap<String, {}>", rust_type(item)),
        TypeRef::Object(name) => name.clone(),
    }
}

fn doc_comment(out: &mut String, indent: &str, text: &str) {
    for line in wrap(text, 96) {
        let _ = writeln!(out, "{indent}/// {line}");
    }
}

fn has_default(ty: &TypeRef) -> bool {
    !matches!(ty, TypeRef::Archive | TypeRef::Asset | TypeRef::Object(_))
}

pub(super) fn generate(manifest: &Manifest) -> Vec<File> {
    let mut out = String::new();
    let _ = writeln!(out, "// {}", header(manifest));
    let description =
        manifest.description.clone().unwrap_or_else(|| format!("The components of package {}.", manifest.name));
    for line in wrap(
        &format!(
            "{description} Package {}: each component is built by the package's plugin, started by the engine.",
            manifest.id()
        ),
        96,
    ) {
        let _ = writeln!(out, "// {line}");
    }
    out.push_str("\n#[allow(unused_imports)]\nuse engine_sdk::serde::{Deserialize, Serialize};\n");
    out.push_str("#[allow(unused_imports)]\nuse engine_sdk::{AsResource, Context, DynInput, Input, Output, Resource, ResourceOptions, Result};\n\n");
    let _ = writeln!(
        out,
        "/// The package requirement registrations carry.\n#[allow(dead_code)]\npub const PACKAGE: &str = {:?};",
        manifest.requirement()
    );

    for object in manifest.types.values() {
        out.push('\n');
        doc_comment(&mut out, "", object.description.as_deref().unwrap_or("An object type of the package."));
        out.push_str("#[allow(dead_code)]\n#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]\n");
        out.push_str("#[serde(crate = \"engine_sdk::serde\", rename_all = \"camelCase\")]\n");
        let _ = writeln!(out, "pub struct {} {{", object.name);
        for p in &object.properties {
            let doc = property_doc(p);
            if !doc.is_empty() {
                doc_comment(&mut out, "    ", &doc);
            }
            let ty = rust_type(&p.ty);
            if p.required {
                let _ = writeln!(out, "    pub {}: {ty},", field_ident(&p.name));
            } else {
                out.push_str("    #[serde(default, skip_serializing_if = \"Option::is_none\")]\n");
                let _ = writeln!(out, "    pub {}: Option<{ty}>,", field_ident(&p.name));
            }
        }
        out.push_str("}\n");
    }

    for component in manifest.components.values() {
        let name = &component.name;
        let defaultable = component.inputs.iter().all(|p| !p.required || has_default(&p.ty));
        out.push('\n');
        doc_comment(&mut out, "", &format!("The inputs of [`{name}`]."));
        let derives = if defaultable { "Debug, Clone, Default, Serialize" } else { "Debug, Clone, Serialize" };
        let _ = writeln!(out, "#[allow(dead_code)]\n#[derive({derives})]");
        out.push_str("#[serde(crate = \"engine_sdk::serde\", rename_all = \"camelCase\")]\n");
        let _ = writeln!(out, "pub struct {name}Args {{");
        for p in &component.inputs {
            let doc = property_doc(p);
            if !doc.is_empty() {
                doc_comment(&mut out, "    ", &doc);
            }
            let ty = if p.plain { rust_type(&p.ty) } else { format!("Input<{}>", rust_type(&p.ty)) };
            if p.required {
                let _ = writeln!(out, "    pub {}: {ty},", field_ident(&p.name));
            } else {
                out.push_str("    #[serde(skip_serializing_if = \"Option::is_none\")]\n");
                let _ = writeln!(out, "    pub {}: Option<{ty}>,", field_ident(&p.name));
            }
        }
        out.push_str("}\n");

        let required: Vec<&Property> = component.inputs.iter().filter(|p| p.required).collect();
        if !required.is_empty() {
            let _ = writeln!(out, "\n#[allow(dead_code)]\nimpl {name}Args {{");
            out.push_str("    /// The required inputs; the others unset.\n");
            let params: Vec<String> = required
                .iter()
                .map(|p| {
                    let ty = rust_type(&p.ty);
                    if p.plain {
                        format!("{}: {ty}", field_ident(&p.name))
                    } else {
                        format!("{}: impl Into<Input<{ty}>>", field_ident(&p.name))
                    }
                })
                .collect();
            let _ = writeln!(out, "    pub fn new({}) -> Self {{", params.join(", "));
            let _ = writeln!(out, "        {name}Args {{");
            for p in &component.inputs {
                let ident = field_ident(&p.name);
                if p.required {
                    if p.plain {
                        let _ = writeln!(out, "            {ident},");
                    } else {
                        let _ = writeln!(out, "            {ident}: {ident}.into(),");
                    }
                } else {
                    let _ = writeln!(out, "            {ident}: None,");
                }
            }
            out.push_str("        }\n    }\n}\n");
        }

        out.push('\n');
        let mut doc = component.description.clone().unwrap_or_default();
        doc.push_str(&format!(" Component `{}` of package {}.", component.token, manifest.id()));
        doc_comment(&mut out, "", &doc);
        let _ = writeln!(
            out,
            "#[allow(dead_code)]\n#[derive(Debug, Clone)]\npub struct {name} {{\n    resource: Resource,\n}}\n"
        );
        let _ = writeln!(
            out,
            "impl AsResource for {name} {{\n    fn as_resource(&self) -> &Resource {{\n        &self.resource\n    }}\n}}\n"
        );
        let _ = writeln!(
            out,
            "impl std::ops::Deref for {name} {{\n    type Target = Resource;\n\n    fn deref(&self) -> &Resource {{\n        &self.resource\n    }}\n}}\n"
        );
        let _ = writeln!(out, "#[allow(dead_code)]\nimpl {name} {{");
        let _ =
            writeln!(out, "    /// The component's type.\n    pub const TYPE: &'static str = {:?};\n", component.token);
        out.push_str("    /// Declare the component (the package's plugin builds it).\n    ///\n    /// # Errors\n    /// Inputs that do not serialize, an invalid name or a duplicate URN.\n");
        let _ = writeln!(
            out,
            "    #[track_caller]\n    pub fn new(ctx: &Context, name: &str, args: {name}Args, options: ResourceOptions) -> Result<Self> {{"
        );
        out.push_str("        let properties = DynInput::from_serialize(&args)?;\n");
        let _ = writeln!(
            out,
            "        ctx.remote_component(Self::TYPE, name, PACKAGE, properties, options).map(|resource| {name} {{ resource }})"
        );
        out.push_str("    }\n");
        for p in &component.outputs {
            out.push('\n');
            let doc = property_doc(p);
            if !doc.is_empty() {
                doc_comment(&mut out, "    ", &doc);
            }
            let ty = rust_type(&p.ty);
            let ty = if p.required { ty } else { format!("Option<{ty}>") };
            let _ = writeln!(
                out,
                "    pub fn {}(&self) -> Output<{ty}> {{\n        self.resource.output({:?})\n    }}",
                method_ident(&p.name),
                p.name
            );
        }
        out.push_str("}\n");
    }
    vec![File { path: PathBuf::from("mod.rs"), contents: out }]
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    #[test]
    fn rust_bindings_are_args_structs_and_handles() {
        let files = generate(&sample());
        let text = &files[0].contents;
        assert!(text.contains("pub struct GreeterArgs {"), "{text}");
        assert!(text.contains("    pub greeting: Input<String>,"), "{text}");
        assert!(text.contains("    pub count: Option<i64>,"), "plain: {text}");
        assert!(text.contains("    pub code: Option<Input<engine_sdk::FileArchive>>,"), "{text}");
        assert!(text.contains("pub fn new(greeting: impl Into<Input<String>>) -> Self {"), "{text}");
        assert!(text.contains("ctx.remote_component(Self::TYPE, name, PACKAGE, properties, options)"), "{text}");
        assert!(text.contains("pub fn message(&self) -> Output<String>"), "{text}");
        assert!(text.contains("pub fn statement(&self) -> Output<Option<Statement>>"), "{text}");
        assert!(text.contains("pub fn urn_output(&self) -> Output<String>"), "{text}");
    }
}
