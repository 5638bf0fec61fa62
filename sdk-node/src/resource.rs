//! Resources: the native handle behind the TypeScript `Resource` classes, and the conversion
//! of resource options.

use std::time::Duration;

use engine_sdk::binding::{AliasParts, TimeoutValue, timeout};
use engine_sdk::{Component, CustomTimeouts, Resource, ResourceOptions};
use napi::bindgen_prelude::{ClassInstance, Either, PromiseRaw, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::convert::to_dyn;
use crate::error::{BindingErrorData, OrThrow};
use crate::output::BindingOutput;

/// A registered resource (returned at once; the core registers it in the background).
#[napi]
pub struct BindingResource {
    pub(crate) resource: Resource,
    pub(crate) component: Option<Component>,
}

impl BindingResource {
    pub fn new(resource: Resource) -> Self {
        BindingResource { resource, component: None }
    }

    pub fn component(component: Component) -> Self {
        BindingResource { resource: component.resource().clone(), component: Some(component) }
    }

    pub fn resource(&self) -> &Resource {
        &self.resource
    }
}

#[napi]
impl BindingResource {
    /// The URN (known at once).
    #[napi(getter)]
    pub fn urn(&self) -> String {
        self.resource.urn_str().to_owned()
    }

    #[napi(getter)]
    pub fn resource_type(&self) -> String {
        self.resource.resource_type().to_owned()
    }

    #[napi(getter)]
    pub fn name(&self) -> String {
        self.resource.name().to_owned()
    }

    /// `custom`, `component`, `remote_component`, `read` or `root`.
    #[napi(getter)]
    pub fn kind(&self) -> &'static str {
        self.resource.kind().as_str()
    }

    /// The URN as an output (depends on this resource).
    #[napi]
    pub fn urn_output(&self) -> BindingOutput {
        BindingOutput::new(self.resource.urn().map(serde_json::Value::String))
    }

    /// The cloud identifier (unknown in preview before creation; empty for components).
    #[napi]
    pub fn id(&self) -> BindingOutput {
        BindingOutput::new(self.resource.id().map(serde_json::Value::String))
    }

    /// One output property by its schema name.
    #[napi]
    pub fn output(&self, property: String) -> BindingOutput {
        BindingOutput::new(self.resource.output_value(&property))
    }

    /// A typed resource's output property by its language name, renamed to language names.
    #[napi]
    pub fn typed_output(&self, table: ClassInstance<'_, crate::typed::BindingShapeTable>, index: u32, name: String) -> napi::Result<BindingOutput> {
        let shaped = table.resource(index)?;
        Ok(BindingOutput::new(shaped.output(&self.resource, &name).or_throw()?))
    }

    /// Every output property, as one object.
    #[napi]
    pub fn outputs(&self) -> BindingOutput {
        BindingOutput::new(self.resource.outputs())
    }

    /// Wait until the engine has registered it; resolves to its error, if it failed.
    #[napi(ts_return_type = "Promise<BindingErrorData | null>")]
    pub fn wait<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Option<BindingErrorData>>> {
        let resource = self.resource.clone();
        crate::promise::spawn(env, async move { resource.wait().await }, |_, result| {
            Ok(result.err().map(|error| crate::error::data(&error)))
        })
    }

    /// A component's outputs (any value; outputs inside are awaited).
    #[napi]
    pub fn register_outputs(&self, env: Env, outputs: Unknown<'_>) -> napi::Result<()> {
        let Some(component) = &self.component else {
            return Err(crate::error::to_napi(&engine_sdk::Error::Invalid(format!(
                "{} \"{}\" is not a component of this program: only components register outputs",
                self.resource.resource_type(),
                self.resource.name()
            ))));
        };
        component.register_outputs_dyn(to_dyn(&env, &outputs)?);
        Ok(())
    }
}

/// Custom timeouts: seconds, or text such as `"5m"`, `"1h30m"`, `"90s"`.
#[napi(object)]
pub struct BindingTimeouts {
    pub create: Option<Either<f64, String>>,
    pub update: Option<Either<f64, String>>,
    pub delete: Option<Either<f64, String>>,
}

/// A former identity: a URN, or parts of one (unset parts are the resource's current ones).
#[napi(object)]
pub struct BindingAlias {
    pub urn: Option<String>,
    pub name: Option<String>,
    #[napi(js_name = "type")]
    pub resource_type: Option<String>,
    pub stack: Option<String>,
    pub project: Option<String>,
    /// The former parent's URN.
    pub parent_urn: Option<String>,
    /// Formerly at the top level.
    pub no_parent: Option<bool>,
}

/// Resource options other than `parent` and `dependsOn` (passed as handles).
#[napi(object)]
pub struct BindingOptions {
    pub protect: Option<bool>,
    pub ignore_changes: Option<Vec<String>>,
    pub replace_on_changes: Option<Vec<String>>,
    pub delete_before_replace: Option<bool>,
    pub retain_on_delete: Option<bool>,
    pub import: Option<String>,
    pub custom_timeouts: Option<BindingTimeouts>,
    pub region: Option<String>,
    pub aliases: Option<Vec<BindingAlias>>,
    pub additional_secret_outputs: Option<Vec<String>>,
    /// `file:line` of the declaration in the program.
    pub source_position: Option<String>,
}

fn invalid(message: String) -> napi::Error {
    crate::error::to_napi(&engine_sdk::Error::Invalid(message))
}

/// Seconds, or text such as `"1h30m"`, `"5m"`, `"90s"`, `"250ms"` (read by the core).
fn duration(value: Either<f64, String>, which: &str) -> napi::Result<Duration> {
    let parsed = match &value {
        Either::A(seconds) => timeout(TimeoutValue::Seconds(*seconds)),
        Either::B(text) => timeout(TimeoutValue::Text(text)),
    };
    parsed.map_err(|message| invalid(format!("customTimeouts.{which}: {message}")))
}

/// The core's options from the binding's.
pub fn options(
    parent: Option<ClassInstance<'_, BindingResource>>,
    depends_on: Option<Vec<ClassInstance<'_, BindingResource>>>,
    options: Option<BindingOptions>,
) -> napi::Result<ResourceOptions> {
    let mut result = ResourceOptions::new();
    result.parent = parent.map(|parent| parent.resource.clone());
    result.depends_on = depends_on.unwrap_or_default().iter().map(|resource| resource.resource.clone()).collect();
    let Some(options) = options else { return Ok(result) };
    result.protect = options.protect;
    result.ignore_changes = options.ignore_changes.unwrap_or_default();
    result.replace_on_changes = options.replace_on_changes.unwrap_or_default();
    result.delete_before_replace = options.delete_before_replace;
    result.retain_on_delete = options.retain_on_delete.unwrap_or(false);
    result.import = options.import;
    if let Some(timeouts) = options.custom_timeouts {
        result.custom_timeouts = Some(CustomTimeouts {
            create: timeouts.create.map(|value| duration(value, "create")).transpose()?,
            update: timeouts.update.map(|value| duration(value, "update")).transpose()?,
            delete: timeouts.delete.map(|value| duration(value, "delete")).transpose()?,
        });
    }
    result.region = options.region;
    for alias in options.aliases.unwrap_or_default() {
        let parts = AliasParts {
            urn: alias.urn,
            name: alias.name,
            resource_type: alias.resource_type,
            stack: alias.stack,
            project: alias.project,
            parent_urn: alias.parent_urn,
            no_parent: alias.no_parent.unwrap_or(false),
        };
        result.aliases.push(parts.into_alias().or_throw()?);
    }
    result.additional_secret_outputs = options.additional_secret_outputs.unwrap_or_default();
    result.source_position = options.source_position;
    Ok(result)
}
