//! A program driven by its config: the `spec` value (JSON) lists what to declare.
//!
//! ```json
//! {
//!   "resources": [
//!     {"type": "AWS::S3::Bucket", "name": "logs", "props": {"Tags": [{"Key": "k", "Value": "${other.Arn}"}]},
//!      "dependsOn": ["other"], "parent": "comp", "component": false, "read": "ID (ReadResource)",
//!      "remote": "platform@^0.1.0 (a component of that package, built by its plugin)",
//!      "options": {"protect": true, "deleteBeforeReplace": true, "ignoreChanges": ["Tags"],
//!                  "replaceOnChanges": ["X"], "retainOnDelete": true, "import": "id", "region": "eu-west-1",
//!                  "aliases": ["old-name"]}}
//!   ],
//!   "outputs": {"arn": "${logs.Arn}", "plain": 3, "secret": {"secret": "${pw.Result}"}},
//!   "failAfter": 2,          // exit with an error after registering this many resources
//!   "hang": true,            // never return (the engine's idle deadline must stop it)
//!   "print": "text",         // print this line first
//!   "printConfig": "key",    // print this config value (stdout and stderr)
//!   "invokes": true,         // export the caller's account, the region and its zones
//!   "generate": {"type": "AWS::SQS::Queue", "count": 1000, "prefix": "q"}   // more resources
//! }
//! ```
//!
//! A string `"${name.Prop}"` is the output `Prop` of resource `name` (`${name.id}`: its id),
//! which also makes the resource depend on it. `{"secret": V}` is a secret, `{"archive": "dir"}`
//! a folder asset and `{"file": "path"}` a file asset (paths relative to the project).

use std::collections::HashMap;

use engine_sdk::prelude::*;
use engine_sdk::{Alias, DynInput, FileArchive, FileAsset};
use serde_json::Value;

enum Handle {
    Custom(Resource),
    Component(Component),
}

impl Handle {
    fn resource(&self) -> &Resource {
        match self {
            Handle::Custom(r) => r,
            Handle::Component(c) => c.resource(),
        }
    }
}

fn input(value: &Value, handles: &HashMap<String, Handle>) -> DynInput {
    match value {
        Value::String(s) if s.starts_with("${") && s.ends_with('}') => {
            let inner = &s[2..s.len() - 1];
            let (name, prop) = inner.split_once('.').unwrap_or((inner, "id"));
            match handles.get(name) {
                Some(handle) if prop == "id" => DynInput::Output(handle.resource().id().map(Value::String)),
                Some(handle) => DynInput::Output(handle.resource().output_value(prop)),
                None => DynInput::Value(Value::String(format!("(no resource {name})"))),
            }
        }
        Value::Object(map) if map.len() == 1 && map.get("archive").is_some_and(Value::is_string) => {
            DynInput::from(FileArchive::new(map["archive"].as_str().unwrap_or_default()))
        }
        Value::Object(map) if map.len() == 1 && map.get("file").is_some_and(Value::is_string) => {
            DynInput::from(FileAsset::new(map["file"].as_str().unwrap_or_default()))
        }
        Value::Object(map) if map.len() == 1 && map.contains_key("secret") => {
            let inner = input(&map["secret"], handles);
            DynInput::Output(inner.into_output().as_secret())
        }
        Value::Array(items) => items.iter().map(|v| input(v, handles)).collect(),
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), input(v, handles))).collect(),
        other => DynInput::Value(other.clone()),
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let spec = ctx.config().get_value("spec").unwrap_or(Value::Null);
    let spec = match spec {
        Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        other => other,
    };
    if let Some(text) = spec.get("print").and_then(Value::as_str) {
        println!("{text}");
    }
    if let Some(key) = spec.get("printConfig").and_then(Value::as_str) {
        let value = ctx.config().get(key).unwrap_or_default();
        println!("config {key} is {value}");
        eprintln!("(stderr) config {key} is {value}");
    }
    if spec.get("invokes").and_then(Value::as_bool).unwrap_or(false) {
        let identity = ctx.get_caller_identity().await?;
        let zones = ctx.get_availability_zones(None).await?;
        ctx.export("account", identity.account_id);
        ctx.export("region", ctx.get_region().await?);
        ctx.export("zones", zones.names);
    }
    let fail_after = spec.get("failAfter").and_then(Value::as_u64);
    let mut handles: HashMap<String, Handle> = HashMap::new();
    let mut generated = spec.get("resources").and_then(Value::as_array).cloned().unwrap_or_default();
    if let Some(generate) = spec.get("generate") {
        let count = generate.get("count").and_then(Value::as_u64).unwrap_or(0);
        let type_name = generate.get("type").and_then(Value::as_str).unwrap_or("AWS::SQS::Queue");
        let prefix = generate.get("prefix").and_then(Value::as_str).unwrap_or("r");
        for i in 0..count {
            generated.push(serde_json::json!({"type": type_name, "name": format!("{prefix}{i}"), "props": {}}));
        }
    }
    let resources = &generated;
    for (i, r) in resources.iter().enumerate() {
        if fail_after == Some(i as u64) {
            // Let what was registered finish, then fail.
            ctx.wait_idle().await;
            return Err(Error::Invalid(format!("failing on purpose after {i} resources")));
        }
        let type_name = r.get("type").and_then(Value::as_str).unwrap_or("");
        let name = r.get("name").and_then(Value::as_str).unwrap_or("");
        let o = r.get("options").cloned().unwrap_or(Value::Null);
        let mut options = ResourceOptions::new();
        if let Some(parent) = r.get("parent").and_then(Value::as_str).and_then(|p| handles.get(p)) {
            options = options.parent(parent.resource());
        }
        for dep in strings(r.get("dependsOn")) {
            if let Some(h) = handles.get(&dep) {
                options = options.depends_on(h.resource());
            }
        }
        if let Some(b) = o.get("protect").and_then(Value::as_bool) {
            options = options.protect(b);
        }
        if let Some(b) = o.get("deleteBeforeReplace").and_then(Value::as_bool) {
            options = options.delete_before_replace(b);
        }
        if let Some(b) = o.get("retainOnDelete").and_then(Value::as_bool) {
            options = options.retain_on_delete(b);
        }
        if let Some(id) = o.get("import").and_then(Value::as_str) {
            options = options.import(id);
        }
        if let Some(region) = o.get("region").and_then(Value::as_str) {
            options = options.region(region);
        }
        let ignore = strings(o.get("ignoreChanges"));
        if !ignore.is_empty() {
            options = options.ignore_changes(ignore);
        }
        let replace = strings(o.get("replaceOnChanges"));
        if !replace.is_empty() {
            options = options.replace_on_changes(replace);
        }
        for alias in strings(o.get("aliases")) {
            options = options.alias(Alias::name(alias));
        }
        let handle = if r.get("component").and_then(Value::as_bool).unwrap_or(false) {
            Handle::Component(ctx.component(type_name, name, options)?)
        } else if let Some(package) = r.get("remote").and_then(Value::as_str) {
            let props = input(r.get("props").unwrap_or(&Value::Object(Default::default())), &handles);
            Handle::Custom(ctx.remote_component(type_name, name, package, props, options)?)
        } else if let Some(id) = r.get("read").and_then(Value::as_str) {
            Handle::Custom(ctx.read_resource(type_name, name, id.to_owned(), options)?)
        } else {
            let props = input(r.get("props").unwrap_or(&Value::Object(Default::default())), &handles);
            Handle::Custom(ctx.register_resource(type_name, name, props, options)?)
        };
        handles.insert(name.to_owned(), handle);
    }
    if let Some(outputs) = spec.get("outputs").and_then(Value::as_object) {
        for (k, v) in outputs {
            ctx.export_dyn(k, input(v, &handles));
        }
    }
    if fail_after == Some(resources.len() as u64) {
        ctx.wait_idle().await;
        return Err(Error::Invalid(format!("failing on purpose after {} resources", resources.len())));
    }
    if spec.get("hang").and_then(Value::as_bool).unwrap_or(false) {
        ctx.wait_idle().await;
        std::future::pending::<()>().await;
    }
    Ok(())
}
