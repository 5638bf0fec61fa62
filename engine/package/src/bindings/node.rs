//! The TypeScript/JavaScript binding: `index.js` (CommonJS) and `index.d.ts`, one
//! `RemoteComponentResource` subclass per component taking an args object with the wire's
//! (camelCase) names; outputs are properties.

use std::fmt::Write as _;
use std::path::PathBuf;

use engine_codegen::naming;

use super::{File, header, property_doc, wrap};
use crate::manifest::Manifest;
use crate::types::{Property, TypeRef};

/// Members of `RemoteComponentResource` an output must not shadow.
const RESERVED_MEMBERS: &[&str] = &["urn", "urnStr", "resourceType", "resourceName", "getOutput", "constructor"];

fn output_member(name: &str) -> String {
    if RESERVED_MEMBERS.contains(&name) { format!("{name}_") } else { name.to_owned() }
}

fn ts_type(ty: &TypeRef, allowed: Option<&[String]>, input: bool) -> String {
    let item = |t: &TypeRef| {
        let inner = ts_type(t, None, input);
        if input { format!("engine.Input<{inner}>") } else { inner }
    };
    match ty {
        TypeRef::String => match allowed {
            Some(values) => values.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(" | "),
            None => "string".to_owned(),
        },
        TypeRef::Integer | TypeRef::Number => "number".to_owned(),
        TypeRef::Boolean => "boolean".to_owned(),
        TypeRef::Any => "any".to_owned(),
        TypeRef::Archive => "engine.FileArchive".to_owned(),
        TypeRef::Asset => "engine.FileAsset".to_owned(),
        TypeRef::List(inner) => format!("Array<{}>", item(inner)),
        TypeRef::Map(inner) => format!("Record<string, {}>", item(inner)),
        TypeRef::Object(name) => {
            if input {
                format!("{name}Args")
            } else {
                name.clone()
            }
        }
    }
}

fn jsdoc(out: &mut String, indent: &str, text: &str) {
    let lines = wrap(&text.replace("*/", "* /"), 96);
    match lines.as_slice() {
        [] => {}
        [one] => {
            let _ = writeln!(out, "{indent}/** {one} */");
        }
        many => {
            let _ = writeln!(out, "{indent}/**");
            for line in many {
                let _ = writeln!(out, "{indent} * {line}");
            }
            let _ = writeln!(out, "{indent} */");
        }
    }
}

fn key(name: &str) -> String {
    if naming::is_plain_js_name(name) { name.to_owned() } else { format!("{name:?}") }
}

fn field(out: &mut String, p: &Property, input: bool) {
    let doc = property_doc(p);
    if !doc.is_empty() {
        jsdoc(out, "  ", &doc);
    }
    let ty = ts_type(&p.ty, p.allowed.as_deref(), input);
    let ty = if input && !p.plain { format!("engine.Input<{ty}>") } else { ty };
    let optional = if p.required { "" } else { "?" };
    let readonly = if input { "" } else { "readonly " };
    let _ = writeln!(out, "  {readonly}{}{optional}: {ty};", key(&p.name));
}

pub(super) fn generate(manifest: &Manifest) -> Vec<File> {
    let mut js = String::new();
    let _ = writeln!(js, "// {}", header(manifest));
    js.push_str("\"use strict\";\nObject.defineProperty(exports, \"__esModule\", { value: true });\n");
    js.push_str("const engine = require(\"engine-sdk\");\n\n");
    let _ = writeln!(
        js,
        "/** The package requirement registrations carry. */\nconst PACKAGE = {:?};\nexports.PACKAGE = PACKAGE;",
        manifest.requirement()
    );

    let mut dts = String::new();
    let _ = writeln!(dts, "// {}", header(manifest));
    dts.push_str("import * as engine from \"engine-sdk\";\n\n");
    let _ = writeln!(
        dts,
        "/** The package requirement registrations carry. */\nexport declare const PACKAGE = {:?};",
        manifest.requirement()
    );

    for object in manifest.types.values() {
        let doc = object.description.clone().unwrap_or_else(|| format!("The object type {}.", object.name));
        dts.push('\n');
        jsdoc(&mut dts, "", &format!("{doc} (as given)"));
        let _ = writeln!(dts, "export interface {}Args {{", object.name);
        for p in &object.properties {
            field(&mut dts, p, true);
        }
        dts.push_str("}\n\n");
        jsdoc(&mut dts, "", &format!("{doc} (as read back)"));
        let _ = writeln!(dts, "export interface {} {{", object.name);
        for p in &object.properties {
            field(&mut dts, p, false);
        }
        dts.push_str("}\n");
    }

    for component in manifest.components.values() {
        let name = &component.name;
        let any_required = component.inputs.iter().any(|p| p.required);
        dts.push('\n');
        jsdoc(&mut dts, "", &format!("The inputs of {name} ({}).", component.token));
        let _ = writeln!(dts, "export interface {name}Args {{");
        for p in &component.inputs {
            field(&mut dts, p, true);
        }
        dts.push_str("}\n\n");
        let mut doc = component.description.clone().unwrap_or_default();
        doc.push_str(&format!(" Component `{}` of package {}.", component.token, manifest.id()));
        jsdoc(&mut dts, "", &doc);
        let _ = writeln!(dts, "export declare class {name} extends engine.RemoteComponentResource {{");
        for p in &component.outputs {
            let doc = property_doc(p);
            if !doc.is_empty() {
                jsdoc(&mut dts, "  ", &doc);
            }
            let ty = ts_type(&p.ty, p.allowed.as_deref(), false);
            let ty = if p.required { ty } else { format!("{ty} | undefined") };
            let _ = writeln!(dts, "  readonly {}: engine.Output<{ty}>;", output_member(&p.name));
        }
        let args = if any_required { format!("args: {name}Args") } else { format!("args?: {name}Args") };
        let _ = writeln!(dts, "  constructor(name: string, {args}, opts?: engine.ComponentResourceOptions);\n}}");

        js.push('\n');
        jsdoc(&mut js, "", &doc);
        let _ = writeln!(js, "class {name} extends engine.RemoteComponentResource {{");
        js.push_str("  constructor(name, args, opts) {\n");
        let _ = writeln!(js, "    super({:?}, name, PACKAGE, args ?? {{}}, opts);", component.token);
        for p in &component.outputs {
            let _ = writeln!(js, "    this.{} = this.getOutput({:?});", output_member(&p.name), p.name);
        }
        js.push_str("  }\n}\n");
        let _ = writeln!(js, "exports.{name} = {name};");
    }
    vec![
        File { path: PathBuf::from("index.js"), contents: js },
        File { path: PathBuf::from("index.d.ts"), contents: dts },
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    #[test]
    fn typescript_bindings_declare_typed_args_and_outputs() {
        let files = generate(&sample());
        let (js, dts) = (&files[0].contents, &files[1].contents);
        assert!(js.contains("super(\"acme:index:Greeter\", name, PACKAGE, args ?? {}, opts);"), "{js}");
        assert!(js.contains("this.message = this.getOutput(\"message\");"), "{js}");
        assert!(js.contains("this.urn_ = this.getOutput(\"urn\");"), "{js}");
        assert!(dts.contains("  greeting: engine.Input<string>;"), "{dts}");
        assert!(dts.contains("  count?: number;"), "plain inputs: {dts}");
        assert!(dts.contains("  statements?: engine.Input<Array<engine.Input<StatementArgs>>>;"), "{dts}");
        assert!(dts.contains("  effect?: engine.Input<\"Allow\" | \"Deny\">;"), "{dts}");
        assert!(dts.contains("  readonly statement: engine.Output<Statement | undefined>;"), "{dts}");
        assert!(
            dts.contains("constructor(name: string, args: GreeterArgs, opts?: engine.ComponentResourceOptions);"),
            "{dts}"
        );
        // The JavaScript parses.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.js"), js).unwrap();
        if let Ok(output) = std::process::Command::new("node").arg("--check").arg(dir.path().join("index.js")).output()
        {
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        }
    }
}
