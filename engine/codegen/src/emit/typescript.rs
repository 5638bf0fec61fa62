//! TypeScript and JavaScript: per service `aws/<service>.js` (CommonJS), `.mjs` (ESM wrapper),
//! `.d.ts` and `.d.mts`; `aws/index.js` exposes the services lazily (`aws.s3` requires
//! `./s3.js` on first access); `aws/types.d.ts` holds the shared tag types. JavaScript and
//! declarations are emitted directly: no TypeScript compiler runs at install time.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::{GeneratedFile, Options, docs, header_lines, shape_table, ts_names, uses_tag};
use crate::model::{Model, Property, Resource, Service, Ty, TypeDef, TypeKind};
use crate::naming::ts_ident;

pub(crate) fn generate(model: &Model, options: &Options) -> Vec<GeneratedFile> {
    let mut files = vec![
        file("aws/index.js", index_js(model)),
        file("aws/index.d.ts", index_dts(model)),
        file("aws/types.d.ts", types_dts(model)),
    ];
    for service in &model.services {
        let name = &service.name;
        let (js, dts) = service_files(model, service, options);
        files.push(file(&format!("aws/{name}.js"), js));
        files.push(file(&format!("aws/{name}.d.ts"), dts));
        files.push(file(&format!("aws/{name}.mjs"), service_mjs(model, service)));
        files.push(file(&format!("aws/{name}.d.mts"), format!("{}export * from \"./{name}.js\";\n", header(model))));
    }
    files
}

fn file(path: &str, contents: String) -> GeneratedFile {
    GeneratedFile { path: PathBuf::from(path), contents }
}

fn header(model: &Model) -> String {
    let mut out = String::new();
    for line in header_lines(model, "engine gen-sdk --lang node") {
        let _ = writeln!(out, "// {line}");
    }
    out
}

fn index_js(model: &Model) -> String {
    let mut out = String::from("\"use strict\";\n");
    out.push_str(&header(model));
    out.push_str("// AWS resources, one module per service, each loaded on first access (`aws.s3`).\n");
    out.push_str("Object.defineProperty(exports, \"__esModule\", { value: true });\n");
    out.push_str("exports.SERVICES = Object.freeze([\n");
    for service in &model.services {
        let _ = writeln!(out, "  \"{}\",", service.name);
    }
    out.push_str("]);\n");
    for service in &model.services {
        let _ = writeln!(
            out,
            "Object.defineProperty(exports, \"{0}\", {{ enumerable: true, get: () => require(\"./{0}.js\") }});",
            service.name
        );
    }
    out
}

fn index_dts(model: &Model) -> String {
    let mut out = header(model);
    out.push_str("/** Every service module, by name. */\nexport declare const SERVICES: readonly string[];\n");
    out.push_str("export type { Tag, TagArgs } from \"./types\";\n");
    for service in &model.services {
        let _ = writeln!(out, "export * as {} from \"./{}\";", ts_ident(&service.name), service.name);
    }
    out
}

fn types_dts(model: &Model) -> String {
    let mut out = header(model);
    out.push_str("import type { Input } from \"../runtime\";\n\n");
    out.push_str("/** A tag: a key and a value. */\nexport interface TagArgs {\n");
    out.push_str("    /** The tag's key. */\n    key: Input<string>;\n    /** The tag's value. */\n    value: Input<string>;\n}\n\n");
    out.push_str("/** A tag: a key and a value. */\nexport interface Tag {\n");
    out.push_str("    /** The tag's key. */\n    readonly key: string;\n    /** The tag's value. */\n    readonly value: string;\n}\n");
    out
}

fn service_mjs(model: &Model, service: &Service) -> String {
    let mut out = header(model);
    let _ = writeln!(out, "import cjs from \"./{}.js\";", service.name);
    out.push_str("export default cjs;\n");
    for resource in &service.resources {
        let _ = writeln!(out, "export const {0} = cjs.{0};", resource.name);
    }
    out
}

/// Names the declarations import, aliased when a generated name takes them.
struct Imports {
    input: String,
    output: String,
    custom_resource: String,
    options: String,
    tag: String,
    tag_args: String,
}

fn service_files(model: &Model, service: &Service, options: &Options) -> (String, String) {
    let mut taken = BTreeSet::new();
    for resource in &service.resources {
        taken.insert(resource.name.clone());
        taken.insert(format!("{}Args", resource.name));
    }
    for def in &service.types {
        taken.insert(def.name.clone());
        taken.insert(format!("{}Args", def.name));
    }
    let pick = |name: &str| if taken.contains(name) { format!("_{name}") } else { name.to_owned() };
    let imports = Imports {
        input: pick("Input"),
        output: pick("Output"),
        custom_resource: pick("CustomResource"),
        options: pick("ResourceOptions"),
        tag: pick("Tag"),
        tag_args: pick("TagArgs"),
    };

    // JavaScript.
    let table = shape_table(model, service, ts_names);
    let mut js = String::from("\"use strict\";\n");
    js.push_str(&header(model));
    js.push_str("Object.defineProperty(exports, \"__esModule\", { value: true });\n");
    js.push_str("const rt = require(\"../runtime\");\n");
    let text = table.to_text().replace('\\', "\\\\").replace('\'', "\\'");
    let _ = writeln!(js, "const T = rt.shapeTable('{text}');");
    for (index, resource) in service.resources.iter().enumerate() {
        let _ = writeln!(
            js,
            "class {0} extends rt.CustomResource {{ constructor(name, args, opts) {{ super(T, {index}, name, args, opts); }} }}\nexports.{0} = {0};",
            resource.name
        );
    }

    // Declarations.
    let mut dts = header(model);
    let alias = |name: &str, local: &str| if name == local { name.to_owned() } else { format!("{name} as {local}") };
    let _ = writeln!(
        dts,
        "import {{ {}, {}, {}, {} }} from \"../runtime\";",
        alias("CustomResource", &imports.custom_resource),
        alias("Input", &imports.input),
        alias("Output", &imports.output),
        alias("ResourceOptions", &imports.options)
    );
    if uses_tag(service) {
        let _ = writeln!(
            dts,
            "import type {{ {}, {} }} from \"./types\";",
            alias("Tag", &imports.tag),
            alias("TagArgs", &imports.tag_args)
        );
    }
    for resource in &service.resources {
        dts.push('\n');
        resource_class(&mut dts, service, resource, &imports, options);
    }
    for def in &service.types {
        match &def.kind {
            TypeKind::Object { properties } => {
                if def.input {
                    object_type(&mut dts, service, def, properties, true, &imports, options);
                }
                if def.output {
                    object_type(&mut dts, service, def, properties, false, &imports, options);
                }
            }
            TypeKind::Enum { values } => {
                dts.push('\n');
                if options.docs {
                    docs::jsdoc(&mut dts, "", &def.doc, &[]);
                }
                let literals: Vec<String> = values.iter().map(|v| js_str(&v.value)).collect();
                let _ = writeln!(dts, "export type {} = {};", def.name, literals.join(" | "));
            }
        }
    }
    (js, dts)
}

fn resource_class(out: &mut String, service: &Service, resource: &Resource, imports: &Imports, options: &Options) {
    let mut doc = String::new();
    if options.docs && !resource.doc.is_empty() {
        doc.push_str(&resource.doc);
        doc.push_str("\n\n");
    }
    let _ = write!(doc, "Cloud Control type `{}`.", resource.type_name);
    if !resource.updatable {
        doc.push_str(" It has no update handler: every change replaces it.");
    }
    docs::jsdoc(out, "", &doc, &[]);
    let _ = writeln!(out, "export declare class {} extends {} {{", resource.name, imports.custom_resource);
    let all: Vec<&Property> = resource.properties.iter().collect();
    let names = ts_names(&all, true);
    let required_args = all.iter().any(|p| p.required && !p.read_only);
    let _ = writeln!(out, "    /** Declare a `{}` named `name`. */", resource.type_name);
    let _ = writeln!(
        out,
        "    constructor(name: string, args{}: {}Args, opts?: {});",
        if required_args { "" } else { "?" },
        resource.name,
        imports.options
    );
    for (property, name) in all.iter().zip(&names) {
        if options.docs {
            docs::jsdoc(out, "    ", &docs::property_doc(property), &deprecated(property));
        }
        let inner = ts_out(service, &property.ty, imports);
        let ty = if property.always_output { inner } else { format!("{inner} | undefined") };
        let _ = writeln!(out, "    readonly {name}: {}<{ty}>;", imports.output);
    }
    out.push_str("}\n");

    let _ = writeln!(out, "\n/** The arguments of {{@link {}}}. */", resource.name);
    let _ = writeln!(out, "export interface {}Args {{", resource.name);
    for (property, name) in all.iter().zip(&names).filter(|(p, _)| !p.read_only) {
        if options.docs {
            docs::jsdoc(out, "    ", &docs::property_doc(property), &deprecated(property));
        }
        let optional = if property.required { "" } else { "?" };
        let _ = writeln!(out, "    {name}{optional}: {}<{}>;", imports.input, ts_in(service, &property.ty, imports));
    }
    out.push_str("}\n");
}

fn deprecated(property: &Property) -> Vec<&'static str> {
    if property.deprecated { vec!["@deprecated"] } else { Vec::new() }
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
    let names = ts_names(&all, false);
    out.push('\n');
    if options.docs {
        let mut doc = def.doc.clone();
        if !input && def.input {
            // Field documentation is on the input form only (it would double the declarations).
            doc.push_str(&format!("\n\nThe output form of {{@link {}Args}}, which documents the fields.", def.name));
        }
        docs::jsdoc(out, "", &doc, &[]);
    }
    let name = if input { format!("{}Args", def.name) } else { def.name.clone() };
    let _ = writeln!(out, "export interface {name} {{");
    for (property, field) in all.iter().zip(&names) {
        if input && property.read_only {
            continue;
        }
        if options.docs && (input || !def.input) {
            docs::jsdoc(out, "    ", &docs::property_doc(property), &deprecated(property));
        }
        if input {
            let optional = if property.required { "" } else { "?" };
            let _ = writeln!(out, "    {field}{optional}: {}<{}>;", imports.input, ts_in(service, &property.ty, imports));
        } else {
            let optional = if property.always_output { "" } else { "?" };
            let _ = writeln!(out, "    readonly {field}{optional}: {};", ts_out(service, &property.ty, imports));
        }
    }
    out.push_str("}\n");
}

fn ts_in(service: &Service, ty: &Ty, imports: &Imports) -> String {
    match ty {
        Ty::Array(inner) => format!("{}<{}>[]", imports.input, ts_in(service, inner, imports)),
        // An index signature, not `Record`: a module may declare its own `Record`.
        Ty::Map(inner) => format!("{{ [key: string]: {}<{}> }}", imports.input, ts_in(service, inner, imports)),
        Ty::Object(index) => format!("{}Args", service.ty(*index).name),
        Ty::Tag => imports.tag_args.clone(),
        other => scalar(service, other),
    }
}

fn ts_out(service: &Service, ty: &Ty, imports: &Imports) -> String {
    match ty {
        Ty::Array(inner) => {
            let inner = ts_out(service, inner, imports);
            if inner.contains(' ') && !inner.starts_with('{') { format!("({inner})[]") } else { format!("{inner}[]") }
        }
        Ty::Map(inner) => format!("{{ [key: string]: {} }}", ts_out(service, inner, imports)),
        Ty::Object(index) => service.ty(*index).name.clone(),
        Ty::Tag => imports.tag.clone(),
        other => scalar(service, other),
    }
}

fn scalar(service: &Service, ty: &Ty) -> String {
    match ty {
        Ty::String => "string".to_owned(),
        Ty::Integer | Ty::Number => "number".to_owned(),
        Ty::Boolean => "boolean".to_owned(),
        Ty::Json => "any".to_owned(),
        Ty::Enum(index) => service.ty(*index).name.clone(),
        Ty::Union(members) => {
            let mut parts: Vec<String> = members.iter().map(|m| scalar(service, m)).collect();
            parts.dedup();
            parts.join(" | ")
        }
        Ty::Array(_) | Ty::Map(_) | Ty::Object(_) | Ty::Tag => "any".to_owned(),
    }
}

/// A JavaScript string literal.
fn js_str(value: &str) -> String {
    serde_json::Value::String(value.to_owned()).to_string()
}
