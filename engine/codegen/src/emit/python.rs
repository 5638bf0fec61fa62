//! Python: `aws/__init__.py` (lazy service modules, the shared tag types) and one module per
//! service (`aws/s3.py`, `aws/lambda_.py`).
//!
//! Each module comes as a pair: `s3.py`, what runs (the shape table, a string the core parses on
//! first use, and one small class per resource; argument and output types are plain `dict`s and
//! enums plain `str`s at run time, as a `TypedDict` called at run time makes a `dict` anyway), and
//! `s3.pyi`, what type checkers and editors read (constructors with typed keyword arguments,
//! typed outputs, `TypedDict`s, `Literal` enums, documentation). Importing a service module only
//! loads the small runtime part.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::{GeneratedFile, Options, docs, header_lines, python_names, shape_table, uses_tag};
use crate::model::{Model, Property, Resource, Service, Ty, TypeDef, TypeKind};
use crate::naming::python_ident;

/// The Python module name of a service (`lambda` → `lambda_`).
#[must_use]
pub fn module_name(service: &str) -> String {
    python_ident(service)
}

pub(crate) fn generate(model: &Model, options: &Options) -> Vec<GeneratedFile> {
    let mut files = vec![
        GeneratedFile { path: PathBuf::from("aws/__init__.py"), contents: init_module(model) },
        GeneratedFile { path: PathBuf::from("aws/__init__.pyi"), contents: init_stub(model) },
    ];
    for service in &model.services {
        let module = module_name(&service.name);
        let (runtime, stub) = service_module(model, service, options);
        files.push(GeneratedFile { path: PathBuf::from(format!("aws/{module}.py")), contents: runtime });
        files.push(GeneratedFile { path: PathBuf::from(format!("aws/{module}.pyi")), contents: stub });
    }
    files
}

fn header(model: &Model) -> String {
    let mut out = String::new();
    for line in header_lines(model, "engine gen-sdk --lang python") {
        let _ = writeln!(out, "# {line}");
    }
    out
}

fn init_module(model: &Model) -> String {
    let mut out = header(model);
    out.push_str(
        "\"\"\"AWS resources, one module per service: ``from engine_sdk.aws import s3, lambda_``.\n\n\
         Service modules are imported on first use (``engine_sdk.aws.s3`` works without importing it).\n\"\"\"\n\n",
    );
    out.push_str("import importlib as _importlib\n\n");
    out.push_str("# The tag types are declared for type checkers in __init__.pyi; at run time they are dicts.\n");
    out.push_str("TagArgs = Tag = dict\n\n");
    out.push_str("SERVICES = (\n");
    for service in &model.services {
        let _ = writeln!(out, "    \"{}\",", module_name(&service.name));
    }
    out.push_str(")\n\"\"\"Every service module, by name.\"\"\"\n\n");
    out.push_str("_SERVICES = frozenset(SERVICES)\n\n\n");
    out.push_str("def __getattr__(name):\n");
    out.push_str("    if name in _SERVICES:\n        return _importlib.import_module(f\"{__name__}.{name}\")\n");
    out.push_str("    raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\")\n\n\n");
    out.push_str("def __dir__():\n    return sorted([*globals(), *SERVICES])\n\n\n");
    out.push_str("__all__ = [\"SERVICES\", \"Tag\", \"TagArgs\"]\n");
    out
}

fn init_stub(model: &Model) -> String {
    let mut out = header(model);
    out.push_str("from typing import Any, List, Tuple\n\nfrom typing_extensions import TypedDict\n\nfrom .. import Input\n\n");
    out.push_str("class TagArgs(TypedDict):\n    \"\"\"A tag: a key and a value.\"\"\"\n\n");
    out.push_str("    key: Input[str]\n    \"\"\"The tag's key.\"\"\"\n    value: Input[str]\n    \"\"\"The tag's value.\"\"\"\n\n");
    out.push_str("class Tag(TypedDict):\n    \"\"\"A tag: a key and a value.\"\"\"\n\n");
    out.push_str("    key: str\n    \"\"\"The tag's key.\"\"\"\n    value: str\n    \"\"\"The tag's value.\"\"\"\n\n");
    out.push_str("SERVICES: Tuple[str, ...]\n\"\"\"Every service module, by name.\"\"\"\n\n");
    out.push_str("def __getattr__(name: str) -> Any: ...\ndef __dir__() -> List[str]: ...\n");
    out
}

/// Names the stubs import, aliased (`Input as _Input`) when a generated name takes them (a
/// resource named `Input`, `List` or `Tag` keeps its name).
struct Imports {
    input: String,
    output: String,
    options: String,
    any: String,
    dict: String,
    list: String,
    literal: String,
    mapping: String,
    optional: String,
    sequence: String,
    union: String,
    not_required: String,
    typed_dict: String,
    tag: String,
    tag_args: String,
}

impl Imports {
    fn new(taken: &BTreeSet<String>) -> Self {
        let pick = |name: &str| if taken.contains(name) { format!("_{name}") } else { name.to_owned() };
        Self {
            input: pick("Input"),
            output: pick("Output"),
            options: pick("ResourceOptions"),
            any: pick("Any"),
            dict: pick("Dict"),
            list: pick("List"),
            literal: pick("Literal"),
            mapping: pick("Mapping"),
            optional: pick("Optional"),
            sequence: pick("Sequence"),
            union: pick("Union"),
            not_required: pick("NotRequired"),
            typed_dict: pick("TypedDict"),
            tag: pick("Tag"),
            tag_args: pick("TagArgs"),
        }
    }

    fn import_line(module: &str, names: &[(&str, &str)]) -> String {
        let parts: Vec<String> =
            names.iter().map(|(name, local)| if name == local { (*name).to_owned() } else { format!("{name} as {local}") }).collect();
        format!("from {module} import {}\n", parts.join(", "))
    }
}

fn service_module(model: &Model, service: &Service, options: &Options) -> (String, String) {
    let mut taken = BTreeSet::new();
    let mut runtime_dicts = Vec::new();
    let mut runtime_strs = Vec::new();
    for resource in &service.resources {
        taken.insert(resource.name.clone());
        taken.insert(format!("{}Args", resource.name));
        runtime_dicts.push(format!("{}Args", resource.name));
    }
    for def in &service.types {
        match def.kind {
            TypeKind::Object { .. } => {
                if def.input {
                    taken.insert(format!("{}Args", def.name));
                    runtime_dicts.push(format!("{}Args", def.name));
                }
                if def.output {
                    taken.insert(def.name.clone());
                    runtime_dicts.push(def.name.clone());
                }
            }
            TypeKind::Enum { .. } => {
                taken.insert(def.name.clone());
                runtime_strs.push(def.name.clone());
            }
        }
    }
    let imports = Imports::new(&taken);
    let table = shape_table(model, service, python_names);
    let resource_list: Vec<&str> = service.resources.iter().map(|r| r.name.as_str()).collect();
    let module_doc = format!("``AWS::{}`` resources: {}.", service.cfn_name, resource_list.join(", "));

    // What runs.
    let mut runtime = header(model);
    docs::python(&mut runtime, "", &module_doc);
    runtime.push_str("\nfrom .._runtime import CustomResource as _CustomResource\nfrom .._runtime import shape_table as _shape_table\n\n");
    let text = table.to_text().replace('\\', "\\\\").replace('\'', "\\'");
    let _ = writeln!(runtime, "_T = _shape_table('{text}')");
    for (index, resource) in service.resources.iter().enumerate() {
        let _ = writeln!(runtime, "\n\nclass {}(_CustomResource):", resource.name);
        docs::python(&mut runtime, "    ", &resource_doc(resource, options));
        let _ = writeln!(runtime, "\n    _engine_shape = (_T, {index})");
    }
    let stub_name = format!("{}.pyi", module_name(&service.name));
    let _ = writeln!(runtime, "\n\n# Argument, output and enum types are declared for type checkers in {stub_name}; at run time");
    runtime.push_str("# arguments and outputs are dicts and enum values strings.\n");
    write_chained(&mut runtime, &runtime_dicts, "dict");
    write_chained(&mut runtime, &runtime_strs, "str");
    runtime.push_str("\n__all__ = [\n");
    for name in &taken {
        let _ = writeln!(runtime, "    \"{name}\",");
    }
    runtime.push_str("]\n");

    // What type checkers read.
    let mut stub = header(model);
    docs::python(&mut stub, "", &module_doc);
    let i = &imports;
    stub.push('\n');
    stub.push_str(&Imports::import_line(
        "typing",
        &[
            ("Any", &i.any),
            ("Dict", &i.dict),
            ("List", &i.list),
            ("Literal", &i.literal),
            ("Mapping", &i.mapping),
            ("Optional", &i.optional),
            ("Sequence", &i.sequence),
            ("Union", &i.union),
        ],
    ));
    stub.push('\n');
    stub.push_str(&Imports::import_line("typing_extensions", &[("NotRequired", &i.not_required), ("TypedDict", &i.typed_dict)]));
    stub.push('\n');
    stub.push_str(&Imports::import_line(
        "..",
        &[("Input", &i.input), ("Output", &i.output), ("ResourceOptions", &i.options)],
    ));
    stub.push_str("from .._runtime import CustomResource as _CustomResource\n");
    if uses_tag(service) {
        stub.push_str(&Imports::import_line(".", &[("Tag", &i.tag), ("TagArgs", &i.tag_args)]));
    }
    for resource in &service.resources {
        stub.push('\n');
        resource_class(&mut stub, service, resource, &imports, options);
        resource_args(&mut stub, service, resource, &imports);
    }
    for def in &service.types {
        match &def.kind {
            TypeKind::Object { properties } => {
                if def.input {
                    object_type(&mut stub, service, def, properties, true, &imports, options);
                }
                if def.output {
                    object_type(&mut stub, service, def, properties, false, &imports, options);
                }
            }
            TypeKind::Enum { values } => {
                let literals: Vec<String> = values.iter().map(|v| py_str(&v.value)).collect();
                stub.push('\n');
                let _ = writeln!(stub, "{} = {}[{}]", def.name, imports.literal, literals.join(", "));
                if options.docs && !def.doc.is_empty() {
                    docs::python(&mut stub, "", &def.doc);
                }
            }
        }
    }
    (runtime, stub)
}

fn resource_doc(resource: &Resource, options: &Options) -> String {
    let mut doc = String::new();
    if options.docs && !resource.doc.is_empty() {
        doc.push_str(&resource.doc);
        doc.push_str("\n\n");
    }
    let _ = write!(doc, "Cloud Control type ``{}``.", resource.type_name);
    if !resource.updatable {
        doc.push_str(" It has no update handler: every change replaces it.");
    }
    doc
}

/// `    A = B = C = dict`, a few names a line.
fn write_chained(out: &mut String, names: &[String], value: &str) {
    for chunk in names.chunks(8) {
        let _ = writeln!(out, "    {} = {value}", chunk.join(" = "));
    }
}

fn resource_class(out: &mut String, service: &Service, resource: &Resource, imports: &Imports, options: &Options) {
    let _ = writeln!(out, "\nclass {}(_CustomResource):", resource.name);
    docs::python(out, "    ", &resource_doc(resource, options));
    let all: Vec<&Property> = resource.properties.iter().collect();
    let names = python_names(&all, true);
    // Constructor: keyword-only arguments, so required ones need no particular order.
    out.push_str("\n    def __init__(\n        self,\n        resource_name: str,\n        *,\n");
    let mut param_docs: Vec<String> = Vec::new();
    for (property, name) in all.iter().zip(&names).filter(|(p, _)| !p.read_only) {
        let ty = format!("{}[{}]", imports.input, py_in(service, &property.ty, imports));
        if property.required {
            let _ = writeln!(out, "        {name}: {ty},");
        } else {
            let _ = writeln!(out, "        {name}: {}[{ty}] = None,", imports.optional);
        }
        let text = docs::property_doc(property);
        if options.docs && !text.is_empty() {
            param_docs.extend(docs::param_lines(&format!(":param {name}:"), &text));
        }
    }
    let _ = writeln!(out, "        opts: {}[{}] = None,", imports.optional, imports.options);
    out.push_str("    ) -> None:\n");
    let mut init_doc = vec![format!("Declare a ``{}`` named ``resource_name``.", resource.type_name), String::new()];
    init_doc.extend(param_docs);
    init_doc.push(":param opts: Resource options (parent, dependencies, protection, ...).".to_owned());
    docs::python_lines(out, "        ", &init_doc);

    for (property, name) in all.iter().zip(&names) {
        let inner = py_out(service, &property.ty, imports);
        let ty = if property.always_output { inner } else { format!("{}[{inner}]", imports.optional) };
        let _ = writeln!(out, "    @property\n    def {name}(self) -> {}[{ty}]:", imports.output);
        let text = docs::property_doc(property);
        if options.docs && !text.is_empty() {
            docs::python(out, "        ", &text);
        } else {
            out.push_str("        ...\n");
        }
    }
}

fn resource_args(out: &mut String, service: &Service, resource: &Resource, imports: &Imports) {
    let all: Vec<&Property> = resource.properties.iter().collect();
    let names = python_names(&all, true);
    let _ = writeln!(out, "\nclass {}Args({}):", resource.name, imports.typed_dict);
    let _ = writeln!(out, "    \"\"\"The arguments of :class:`{}` (``{}(name, **args)``).\"\"\"\n", resource.name, resource.name);
    let mut any = false;
    for (property, name) in all.iter().zip(&names).filter(|(p, _)| !p.read_only) {
        any = true;
        let ty = format!("{}[{}]", imports.input, py_in(service, &property.ty, imports));
        if property.required {
            let _ = writeln!(out, "    {name}: {ty}");
        } else {
            let _ = writeln!(out, "    {name}: {}[{ty}]", imports.not_required);
        }
    }
    if !any {
        out.push_str("    pass\n");
    }
}

fn object_type(
    out: &mut String,
    service: &Service,
    def: &TypeDef,
    properties: &[Property],
    input: bool,
    imports: &Imports,
    options: &Options,
) {
    let all: Vec<&Property> = properties.iter().collect();
    let names = python_names(&all, false);
    let class_name = if input { format!("{}Args", def.name) } else { def.name.clone() };
    let _ = writeln!(out, "\nclass {class_name}({}):", imports.typed_dict);
    // Field documentation is on the input form only (it would double the stubs).
    let field_docs = options.docs && (input || !def.input);
    if options.docs {
        let mut doc = def.doc.clone();
        if !field_docs {
            doc.push_str(&format!("\n\nThe output form of :class:`{}Args`, which documents the fields.", def.name));
        }
        if !doc.trim().is_empty() {
            docs::python(out, "    ", &doc);
            out.push('\n');
        }
    }
    let mut any = false;
    for (property, name) in all.iter().zip(&names) {
        if input && property.read_only {
            continue;
        }
        any = true;
        let ty = if input {
            format!("{}[{}]", imports.input, py_in(service, &property.ty, imports))
        } else {
            py_out(service, &property.ty, imports)
        };
        let required = if input { property.required } else { property.always_output };
        if required {
            let _ = writeln!(out, "    {name}: {ty}");
        } else {
            let _ = writeln!(out, "    {name}: {}[{ty}]", imports.not_required);
        }
        if field_docs {
            docs::python(out, "    ", &docs::property_doc(property));
        }
    }
    if !any {
        out.push_str("    pass\n");
    }
}

/// An input type (inside `Input[...]`).
fn py_in(service: &Service, ty: &Ty, imports: &Imports) -> String {
    match ty {
        Ty::Array(inner) => format!("{}[{}[{}]]", imports.sequence, imports.input, py_in(service, inner, imports)),
        Ty::Map(inner) => format!("{}[str, {}[{}]]", imports.mapping, imports.input, py_in(service, inner, imports)),
        Ty::Object(index) => format!("{}Args", service.ty(*index).name),
        Ty::Tag => imports.tag_args.clone(),
        other => scalar(service, other, imports),
    }
}

/// An output type.
fn py_out(service: &Service, ty: &Ty, imports: &Imports) -> String {
    match ty {
        Ty::Array(inner) => format!("{}[{}]", imports.list, py_out(service, inner, imports)),
        Ty::Map(inner) => format!("{}[str, {}]", imports.dict, py_out(service, inner, imports)),
        Ty::Object(index) => service.ty(*index).name.clone(),
        Ty::Tag => imports.tag.clone(),
        other => scalar(service, other, imports),
    }
}

fn scalar(service: &Service, ty: &Ty, imports: &Imports) -> String {
    match ty {
        Ty::String => "str".to_owned(),
        Ty::Integer => "int".to_owned(),
        Ty::Number => "float".to_owned(),
        Ty::Boolean => "bool".to_owned(),
        Ty::Json => imports.any.clone(),
        Ty::Enum(index) => service.ty(*index).name.clone(),
        Ty::Union(members) => {
            let parts: Vec<String> = members.iter().map(|m| scalar(service, m, imports)).collect();
            format!("{}[{}]", imports.union, parts.join(", "))
        }
        Ty::Array(_) | Ty::Map(_) | Ty::Object(_) | Ty::Tag => imports.any.clone(),
    }
}

/// A Python string literal.
fn py_str(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
