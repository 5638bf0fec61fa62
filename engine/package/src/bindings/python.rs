//! The Python binding: `__init__.py`, one `engine_sdk.RemoteComponentResource` subclass per
//! component with keyword arguments in snake_case, object types as `TypedDict`s, outputs as
//! properties. Names of object types are renamed to the wire's names (outputs inside included)
//! by two small functions of the binding itself.

use std::fmt::Write as _;
use std::path::PathBuf;

use engine_codegen::naming;

use super::{File, has_objects, header, property_doc, wrap};
use crate::manifest::Manifest;
use crate::types::{Property, TypeRef};

/// Members of `RemoteComponentResource` an output must not shadow.
const RESERVED_MEMBERS: &[&str] = &["urn", "urn_str", "resource_type", "resource_name", "get_output", "opts"];

fn snake(name: &str) -> String {
    naming::snake(name)
}

fn input_ident(name: &str) -> String {
    let ident = naming::python_ident(&snake(name));
    if matches!(ident.as_str(), "resource_name" | "opts" | "self") { format!("{ident}_") } else { ident }
}

fn output_ident(name: &str) -> String {
    let ident = naming::python_ident(&snake(name));
    if RESERVED_MEMBERS.contains(&ident.as_str()) || ident.starts_with('_') { format!("{ident}_") } else { ident }
}

/// The Python type of a value (`input`: items may be outputs).
fn py_type(ty: &TypeRef, allowed: Option<&[String]>, input: bool) -> String {
    let wrap_input = |t: String| if input { format!("Input[{t}]") } else { t };
    match ty {
        TypeRef::String => match allowed {
            Some(values) => {
                format!("Literal[{}]", values.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", "))
            }
            None => "str".to_owned(),
        },
        TypeRef::Integer => "int".to_owned(),
        TypeRef::Number => "float".to_owned(),
        TypeRef::Boolean => "bool".to_owned(),
        TypeRef::Any => "Any".to_owned(),
        TypeRef::Archive => "FileArchive".to_owned(),
        TypeRef::Asset => "FileAsset".to_owned(),
        TypeRef::List(item) => {
            let inner = wrap_input(py_type(item, None, input));
            if input { format!("Sequence[{inner}]") } else { format!("List[{inner}]") }
        }
        TypeRef::Map(item) => {
            let inner = wrap_input(py_type(item, None, input));
            if input { format!("Mapping[str, {inner}]") } else { format!("Dict[str, {inner}]") }
        }
        TypeRef::Object(name) => name.clone(),
    }
}

/// The renaming shape of a type: `None`, `("o", "Name")`, `("l", shape)`, `("m", shape)`.
fn shape(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Object(name) => format!("(\"o\", {name:?})"),
        TypeRef::List(item) if has_objects(item) => format!("(\"l\", {})", shape(item)),
        TypeRef::Map(item) if has_objects(item) => format!("(\"m\", {})", shape(item)),
        _ => "None".to_owned(),
    }
}

fn docstring(out: &mut String, indent: &str, text: &str) {
    let lines = wrap(&text.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\""), 92);
    match lines.as_slice() {
        [] => {}
        [one] => {
            let _ = writeln!(out, "{indent}\"\"\"{one}\"\"\"");
        }
        many => {
            let _ = writeln!(out, "{indent}\"\"\"{}", many[0]);
            for line in &many[1..] {
                let _ = writeln!(out, "{indent}{line}");
            }
            let _ = writeln!(out, "{indent}\"\"\"");
        }
    }
}

pub(super) fn generate(manifest: &Manifest) -> Vec<File> {
    let mut out = String::new();
    let _ = writeln!(out, "# {}", header(manifest));
    let mut module_doc =
        manifest.description.clone().unwrap_or_else(|| format!("The components of package {}.", manifest.name));
    module_doc.push_str(&format!(
        " Package {} ({}): each component is built by the package's plugin, started by the engine.",
        manifest.id(),
        manifest.runtime.as_str()
    ));
    docstring(&mut out, "", &module_doc);
    out.push_str(
        "\nfrom __future__ import annotations\n\n\
         from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, TypedDict\n\n\
         import engine_sdk as _engine\n\
         from engine_sdk import FileArchive, FileAsset, Input, Output, ResourceOptions\n\n",
    );
    let mut exported: Vec<String> = manifest.types.keys().cloned().collect();
    exported.extend(manifest.components.keys().cloned());
    exported.sort();
    let _ = writeln!(out, "__all__ = [{}]\n", exported.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", "));
    let _ = writeln!(
        out,
        "PACKAGE = {:?}\n\"\"\"The package requirement registrations carry.\"\"\"\n",
        manifest.requirement()
    );

    // Renaming tables of object types.
    out.push_str("# Object types: Python name -> (name on the wire, renaming shape of the value).\n");
    out.push_str("_FIELDS: Dict[str, Dict[str, Tuple[str, Any]]] = {\n");
    for object in manifest.types.values() {
        let _ = write!(out, "    {:?}: {{", object.name);
        for p in &object.properties {
            let _ = write!(out, "{:?}: ({:?}, {}), ", snake(&p.name), p.name, shape(&p.ty));
        }
        out.push_str("},\n");
    }
    out.push_str("}\n\n");
    out.push_str(RENAMING);

    // Object types.
    for object in manifest.types.values() {
        let _ = writeln!(out, "\nclass {}(TypedDict, total=False):", object.name);
        let doc = object.description.clone().unwrap_or_else(|| format!("The object type {}.", object.name));
        docstring(&mut out, "    ", &doc);
        for p in &object.properties {
            let _ = writeln!(out, "\n    {}: {}", snake(&p.name), wrap_input_type(p, true));
            let mut doc = property_doc(p);
            if p.required {
                doc = format!("Required. {doc}");
            }
            if !doc.is_empty() {
                docstring(&mut out, "    ", &doc);
            }
        }
        out.push('\n');
    }

    // Components.
    for component in manifest.components.values() {
        let _ = writeln!(out, "\nclass {}(_engine.RemoteComponentResource):", component.name);
        let mut doc = component.description.clone().unwrap_or_default();
        doc.push_str(&format!(" Component ``{}`` of package {}.", component.token, manifest.id()));
        docstring(&mut out, "    ", &doc);
        out.push_str("\n    def __init__(\n        self,\n        resource_name: str,\n        *,\n");
        let mut ordered: Vec<&Property> = component.inputs.iter().filter(|p| p.required).collect();
        ordered.extend(component.inputs.iter().filter(|p| !p.required));
        for p in &ordered {
            let ty = wrap_input_type(p, !p.plain);
            if p.required {
                let _ = writeln!(out, "        {}: {ty},", input_ident(&p.name));
            } else {
                let _ = writeln!(out, "        {}: Optional[{ty}] = None,", input_ident(&p.name));
            }
        }
        out.push_str("        opts: Optional[ResourceOptions] = None,\n    ) -> None:\n");
        let mut init_doc =
            vec![format!("Declare the component ``{}`` (its plugin builds it).", component.token), String::new()];
        for p in &ordered {
            let doc = property_doc(p);
            init_doc.push(format!(
                ":param {}: {}",
                input_ident(&p.name),
                if doc.is_empty() { p.ty.describe() } else { doc }
            ));
        }
        init_doc.push(
            ":param opts: the component's options (they flow to its children as the engine documents).".to_owned(),
        );
        out.push_str("        \"\"\"");
        for (i, line) in init_doc.iter().enumerate() {
            if i > 0 {
                out.push_str("\n        ");
            }
            out.push_str(&line.replace("\"\"\"", "'''"));
        }
        out.push_str("\n        \"\"\"\n");
        out.push_str("        props: Dict[str, Any] = {}\n");
        for p in &component.inputs {
            let ident = input_ident(&p.name);
            let value = if has_objects(&p.ty) { format!("_to_wire({ident}, {})", shape(&p.ty)) } else { ident.clone() };
            let _ = writeln!(out, "        if {ident} is not None:\n            props[{:?}] = {value}", p.name);
        }
        let _ = writeln!(out, "        super().__init__({:?}, resource_name, PACKAGE, props, opts)", component.token);
        for p in &component.outputs {
            let ty = py_type(&p.ty, p.allowed.as_deref(), false);
            let ty = if p.required { ty } else { format!("Optional[{ty}]") };
            let _ = writeln!(out, "\n    @property\n    def {}(self) -> Output[{ty}]:", output_ident(&p.name));
            let doc = property_doc(p);
            docstring(&mut out, "        ", if doc.is_empty() { "An output of the component." } else { &doc });
            if has_objects(&p.ty) {
                let _ = writeln!(
                    out,
                    "        return self.get_output({:?}).apply(lambda value: _from_wire(value, {}))",
                    p.name,
                    shape(&p.ty)
                );
            } else {
                let _ = writeln!(out, "        return self.get_output({:?})", p.name);
            }
        }
        out.push('\n');
    }
    vec![File { path: PathBuf::from("__init__.py"), contents: out }]
}

fn wrap_input_type(p: &Property, input: bool) -> String {
    let ty = py_type(&p.ty, p.allowed.as_deref(), input);
    if input { format!("Input[{ty}]") } else { ty }
}

/// The renaming functions every Python binding carries.
const RENAMING: &str = r#"
def _to_wire(value: Any, shape: Any) -> Any:
    """A value with Python names of object types renamed to the names on the wire (outputs
    renamed when they resolve; keys the type does not know are left for the engine to report)."""
    if shape is None or value is None:
        return value
    if isinstance(value, Output):
        return value.apply(lambda resolved: _to_wire(resolved, shape))
    kind, inner = shape
    if kind == "l":
        return [_to_wire(item, inner) for item in value]
    if kind == "m":
        return {key: _to_wire(item, inner) for key, item in value.items()}
    fields = _FIELDS[inner]
    renamed: Dict[str, Any] = {}
    for key, item in value.items():
        if key in fields:
            wire, sub = fields[key]
            renamed[wire] = _to_wire(item, sub)
        else:
            renamed[key] = item
    return renamed


def _from_wire(value: Any, shape: Any) -> Any:
    """A value read back from the engine with the names of object types in Python's casing."""
    if shape is None or value is None:
        return value
    kind, inner = shape
    if kind == "l":
        return [_from_wire(item, inner) for item in value]
    if kind == "m":
        return {key: _from_wire(item, inner) for key, item in value.items()}
    back = {wire: (name, sub) for name, (wire, sub) in _FIELDS[inner].items()}
    renamed: Dict[str, Any] = {}
    for key, item in value.items():
        name, sub = back.get(key, (key, None))
        renamed[name] = _from_wire(item, sub)
    return renamed

"#;

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    #[test]
    fn python_bindings_take_keyword_arguments_and_rename_object_types() {
        let files = generate(&sample());
        let text = &files[0].contents;
        assert!(text.contains("class Greeter(_engine.RemoteComponentResource):"), "{text}");
        assert!(text.contains("        greeting: Input[str],\n"), "{text}");
        assert!(text.contains("        count: Optional[int] = None,\n"), "plain inputs are not outputs: {text}");
        assert!(text.contains("statements: Optional[Input[Sequence[Input[Statement]]]] = None"), "{text}");
        assert!(
            text.contains("props[\"statements\"] = _to_wire(statements, (\"l\", (\"o\", \"Statement\")))"),
            "{text}"
        );
        assert!(
            text.contains("super().__init__(\"acme:index:Greeter\", resource_name, PACKAGE, props, opts)"),
            "{text}"
        );
        assert!(text.contains("PACKAGE = \"acme@^1.2.0\""), "{text}");
        assert!(text.contains("def urn_(self) -> Output[str]:"), "outputs never shadow the base class: {text}");
        assert!(text.contains("effect: Input[Literal[\"Allow\", \"Deny\"]]"), "{text}");
    }

    #[test]
    fn the_python_binding_compiles_and_renames() {
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path().join("acme");
        std::fs::create_dir_all(&package).unwrap();
        std::fs::write(package.join("__init__.py"), &generate(&sample())[0].contents).unwrap();
        // Without the SDK: a stand-in `engine_sdk` module, enough to import and rename.
        std::fs::write(
            dir.path().join("engine_sdk.py"),
            "class Output:\n    pass\nclass RemoteComponentResource:\n    def __init__(self, *args):\n        global LAST\n        LAST = args\nFileArchive = FileAsset = ResourceOptions = object\nclass _G:\n    def __getitem__(self, k):\n        return self\nInput = _G()\n",
        )
        .unwrap();
        let script = "import acme, engine_sdk\nacme.Greeter('g', greeting='hi', statements=[{'actions': ['s3:*']}])\nprint(engine_sdk.LAST)\nprint(acme._from_wire({'actions': ['a'], 'other': 1}, ('o', 'Statement')))\n";
        let Ok(output) = std::process::Command::new("python3").arg("-c").arg(script).current_dir(dir.path()).output()
        else {
            return; // no Python on this machine
        };
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(text.contains("('acme:index:Greeter', 'g', 'acme@^1.2.0', {'greeting': 'hi', 'statements': [{'actions': ['s3:*']}]}, None)"), "{text}");
        assert!(text.contains("{'actions': ['a'], 'other': 1}"), "{text}");
    }
}
