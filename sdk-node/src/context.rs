//! The program's connection to the engine: the native handle behind the TypeScript runtime's
//! current program. Registration, stack outputs, logs, invokes and the end of the program call
//! the core directly.

use engine_sdk::random::{Naming, RandomKind};
use engine_sdk::{ConnectOptions, Context, DynInput, Error as SdkError, Input, RegisterKind, ResourceSpec, Severity};
use napi::bindgen_prelude::{ClassInstance, PromiseRaw, Unknown};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use crate::config::BindingConfig;
use crate::typed::BindingShapeTable;
use crate::convert::to_dyn;
use crate::error::{BindingErrorData, OrThrow, data, to_napi};
use crate::output::BindingOutput;
use crate::resource::{BindingOptions, BindingResource};

/// Announced to the engine in the handshake.
pub const SDK_NAME: &str = "engine-sdk-node";
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One program's connection to the engine.
#[napi]
pub struct BindingContext {
    pub(crate) ctx: Context,
}

/// Facts about the run.
#[napi(object)]
pub struct BindingDeploymentInfo {
    pub project: String,
    pub stack: String,
    pub dry_run: bool,
    pub region: String,
    pub cloud: String,
    pub parallel: u32,
    pub engine_version: String,
    pub root_urn: String,
}

/// The result of an asynchronous function call (errors as data).
#[napi(object)]
pub struct BindingCallResult {
    pub value: Option<Value>,
    pub error: Option<BindingErrorData>,
}

fn call_result<T: serde::Serialize>(result: Result<T, SdkError>) -> BindingCallResult {
    match result {
        Ok(value) => match serde_json::to_value(value) {
            Ok(value) => BindingCallResult { value: Some(value), error: None },
            Err(error) => BindingCallResult { value: None, error: Some(data(&SdkError::from(error))) },
        },
        Err(error) => BindingCallResult { value: None, error: Some(data(&error)) },
    }
}

impl BindingContext {
    async fn connect_with(options: ConnectOptions) -> Result<Context, SdkError> {
        let ctx = Context::connect(options.sdk(SDK_NAME, SDK_VERSION)).await?;
        ctx.make_current();
        Ok(ctx)
    }
}

#[napi]
impl BindingContext {
    /// Connect with `ENGINE_MONITOR_ADDRESS` / `ENGINE_MONITOR_TOKEN` (the handshake and the
    /// deployment facts: one round trip on loopback, done once, on first use) and make it the
    /// process's current program.
    #[napi(factory)]
    pub fn from_env() -> napi::Result<Self> {
        let options = ConnectOptions::from_env().or_throw()?;
        let ctx = engine_sdk::runtime::block_on(Self::connect_with(options)).or_throw()?;
        Ok(BindingContext { ctx })
    }

    /// Connect to a monitor at `address` with `token` (tests), as the current program.
    #[napi(factory)]
    pub fn connect(address: String, token: String) -> napi::Result<Self> {
        let ctx = engine_sdk::runtime::block_on(Self::connect_with(ConnectOptions::new(address, token))).or_throw()?;
        Ok(BindingContext { ctx })
    }

    #[napi(getter)]
    pub fn info(&self) -> BindingDeploymentInfo {
        let info = self.ctx.deployment_info();
        BindingDeploymentInfo {
            project: info.project.clone(),
            stack: info.stack.clone(),
            dry_run: info.dry_run,
            region: info.region.clone(),
            cloud: info.cloud.clone(),
            parallel: info.parallel,
            engine_version: info.engine_version.clone(),
            root_urn: info.root_urn.clone(),
        }
    }

    /// Register a resource: `kind` is `custom`, `component` or `remote` (with `package`).
    /// Returns at once; the core registers it once its inputs, parent and dependencies are ready.
    #[napi(
        ts_args_type = "kind: 'custom' | 'component' | 'remote', resourceType: string, name: string, properties: any, parent?: BindingResource | undefined | null, dependsOn?: Array<BindingResource> | undefined | null, options?: BindingOptions | undefined | null, packageName?: string | undefined | null"
    )]
    #[allow(clippy::too_many_arguments, reason = "one native call per registration, arguments as the facade has them")]
    pub fn register(
        &self,
        env: Env,
        kind: String,
        resource_type: String,
        name: String,
        properties: Unknown<'_>,
        parent: Option<ClassInstance<'_, BindingResource>>,
        depends_on: Option<Vec<ClassInstance<'_, BindingResource>>>,
        options: Option<BindingOptions>,
        package_name: Option<String>,
    ) -> napi::Result<BindingResource> {
        let options = crate::resource::options(parent, depends_on, options)?;
        let describe = |error: SdkError| SdkError::Resource {
            urn: String::new(),
            resource_type: resource_type.clone(),
            name: name.clone(),
            source: Box::new(error),
        };
        let properties = to_dyn(&env, &properties).map_err(|error| {
            to_napi(&describe(SdkError::Invalid(crate::error::plain_message(&error))))
        })?;
        match kind.as_str() {
            "component" => {
                let component = self.ctx.component(&resource_type, &name, options).or_throw()?;
                Ok(BindingResource::component(component))
            }
            "custom" | "remote" => {
                let kind = if kind == "remote" {
                    RegisterKind::RemoteComponent { package: package_name.unwrap_or_default() }
                } else {
                    RegisterKind::Custom
                };
                let spec = ResourceSpec { resource_type, name, kind, properties, options, type_metadata: None };
                let resource = self.ctx.register_at(spec, String::new()).or_throw()?;
                Ok(BindingResource::new(resource))
            }
            other => Err(to_napi(&SdkError::Invalid(format!("unknown resource kind {other:?}")))),
        }
    }

    /// Register a generated typed resource: resource `index` of a module's shape table; the
    /// arguments are in the language's names and renamed here to the schema's.
    #[napi(
        ts_args_type = "table: BindingShapeTable, index: number, name: string, args: any, parent?: BindingResource | undefined | null, dependsOn?: Array<BindingResource> | undefined | null, options?: BindingOptions | undefined | null"
    )]
    #[allow(clippy::too_many_arguments, reason = "one native call per registration, arguments as the facade has them")]
    pub fn register_typed(
        &self,
        env: Env,
        table: ClassInstance<'_, BindingShapeTable>,
        index: u32,
        name: String,
        args: Unknown<'_>,
        parent: Option<ClassInstance<'_, BindingResource>>,
        depends_on: Option<Vec<ClassInstance<'_, BindingResource>>>,
        options: Option<BindingOptions>,
    ) -> napi::Result<BindingResource> {
        let options = crate::resource::options(parent, depends_on, options)?;
        let shaped = table.resource(index)?;
        let describe = |error: SdkError| SdkError::Resource {
            urn: String::new(),
            resource_type: shaped.type_name().to_owned(),
            name: name.clone(),
            source: Box::new(error),
        };
        let args = to_dyn(&env, &args)
            .map_err(|error| to_napi(&describe(SdkError::Invalid(crate::error::plain_message(&error)))))?;
        Ok(BindingResource::new(self.ctx.register_shaped(&shaped, &name, args, options, String::new()).or_throw()?))
    }

    /// Register a built-in random password (`password`) or string (`string`).
    #[napi(
        ts_args_type = "kind: 'password' | 'string', name: string, args: any, parent?: BindingResource | undefined | null, dependsOn?: Array<BindingResource> | undefined | null, options?: BindingOptions | undefined | null"
    )]
    #[allow(clippy::too_many_arguments, reason = "one native call per registration, arguments as the facade has them")]
    pub fn register_random(
        &self,
        env: Env,
        kind: String,
        name: String,
        args: Unknown<'_>,
        parent: Option<ClassInstance<'_, BindingResource>>,
        depends_on: Option<Vec<ClassInstance<'_, BindingResource>>>,
        options: Option<BindingOptions>,
    ) -> napi::Result<BindingResource> {
        let options = crate::resource::options(parent, depends_on, options)?;
        let kind: RandomKind = kind.parse().or_throw()?;
        let args = to_dyn(&env, &args)?;
        let resource = self.ctx.register_random(kind, Naming::CamelCase, &name, args, options, String::new()).or_throw()?;
        Ok(BindingResource::new(resource))
    }

    /// Read an existing cloud resource by identifier (a string or an output).
    #[napi(
        ts_args_type = "resourceType: string, name: string, id: any, parent?: BindingResource | undefined | null, dependsOn?: Array<BindingResource> | undefined | null, options?: BindingOptions | undefined | null"
    )]
    #[allow(clippy::too_many_arguments, reason = "one native call per registration, arguments as the facade has them")]
    pub fn read(
        &self,
        env: Env,
        resource_type: String,
        name: String,
        id: Unknown<'_>,
        parent: Option<ClassInstance<'_, BindingResource>>,
        depends_on: Option<Vec<ClassInstance<'_, BindingResource>>>,
        options: Option<BindingOptions>,
    ) -> napi::Result<BindingResource> {
        let options = crate::resource::options(parent, depends_on, options)?;
        let id: Input<String> = match to_dyn(&env, &id)? {
            DynInput::Value(Value::String(id)) => Input::Value(id),
            other => Input::Output(other.into_output().deserialize::<String>()),
        };
        Ok(BindingResource::new(self.ctx.read_resource(&resource_type, &name, id, options).or_throw()?))
    }

    /// The stack's root resource.
    #[napi]
    pub fn root(&self) -> BindingResource {
        BindingResource::new(self.ctx.root().clone())
    }

    /// Export a stack output (sent when the program ends; exporting a name again replaces it).
    #[napi]
    pub fn export(&self, env: Env, name: String, value: Unknown<'_>) -> napi::Result<()> {
        let value = to_dyn(&env, &value).map_err(|error| {
            to_napi(&SdkError::Invalid(format!("stack output \"{name}\": {}", crate::error::plain_message(&error))))
        })?;
        self.ctx.export_dyn(&name, value);
        Ok(())
    }

    /// Send a log line (`debug`, `info`, `warn`, `error`), about a resource if given.
    #[napi]
    pub fn log(&self, severity_name: String, message: String, resource: Option<ClassInstance<'_, BindingResource>>) -> napi::Result<()> {
        let severity: Severity = severity_name.parse().or_throw()?;
        match resource {
            Some(resource) => self.ctx.log(severity, message, Some(resource.resource())),
            None => self.ctx.log(severity, message, None),
        }
        Ok(())
    }

    /// The configuration of a namespace (default: the project's).
    #[napi]
    pub fn config(&self, namespace: Option<String>) -> BindingConfig {
        BindingConfig::new(match namespace {
            Some(namespace) => self.ctx.config_namespace(&namespace),
            None => self.ctx.config(),
        })
    }

    /// Call a built-in function; arguments may contain outputs, the result is an output.
    #[napi]
    pub fn invoke(&self, env: Env, token: String, args: Unknown<'_>, region: Option<String>) -> napi::Result<BindingOutput> {
        let args = to_dyn(&env, &args)?;
        Ok(BindingOutput::new(self.ctx.invoke_output(&token, args, region.as_deref())))
    }

    #[napi(ts_return_type = "Promise<BindingCallResult>")]
    pub fn get_caller_identity<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, BindingCallResult>> {
        let ctx = self.ctx.clone();
        crate::promise::spawn(env, async move { ctx.get_caller_identity().await }, |_, result| {
            Ok(call_result(result.map(|identity| BindingCallerIdentityJson {
                account_id: identity.account_id,
                arn: identity.arn,
                user_id: identity.user_id,
            })))
        })
    }

    #[napi(ts_return_type = "Promise<BindingCallResult>")]
    pub fn get_region<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, BindingCallResult>> {
        let ctx = self.ctx.clone();
        crate::promise::spawn(env, async move { ctx.get_region().await }, |_, result| Ok(call_result(result)))
    }

    #[napi(ts_return_type = "Promise<BindingCallResult>")]
    pub fn get_availability_zones<'env>(
        &self,
        env: &'env Env,
        region: Option<String>,
    ) -> napi::Result<PromiseRaw<'env, BindingCallResult>> {
        let ctx = self.ctx.clone();
        crate::promise::spawn(
            env,
            async move { ctx.get_availability_zones(region.as_deref()).await },
            |_, result| {
                Ok(call_result(result.map(|zones| BindingAvailabilityZonesJson { names: zones.names, zone_ids: zones.zone_ids })))
            },
        )
    }

    #[napi(ts_return_type = "Promise<BindingCallResult>")]
    pub fn cloud_control_get<'env>(
        &self,
        env: &'env Env,
        type_name: String,
        identifier: String,
        region: Option<String>,
    ) -> napi::Result<PromiseRaw<'env, BindingCallResult>> {
        let ctx = self.ctx.clone();
        crate::promise::spawn(
            env,
            async move { ctx.cloudcontrol_get(&type_name, &identifier, region.as_deref()).await },
            |_, result| Ok(call_result(result.map(cloud_resource))),
        )
    }

    #[napi(ts_return_type = "Promise<BindingCallResult>")]
    pub fn cloud_control_list<'env>(
        &self,
        env: &'env Env,
        type_name: String,
        model: Option<Value>,
        region: Option<String>,
    ) -> napi::Result<PromiseRaw<'env, BindingCallResult>> {
        let ctx = self.ctx.clone();
        crate::promise::spawn(
            env,
            async move { ctx.cloudcontrol_list(&type_name, model, region.as_deref()).await },
            |_, result| Ok(call_result(result.map(|list| list.into_iter().map(cloud_resource).collect::<Vec<_>>()))),
        )
    }

    /// End the program: wait for all outstanding work, send the stack outputs, tell the engine
    /// how it ended (`error`: the program's own failure, e.g. an uncaught exception's stack;
    /// `coreError`: the id of the SDK error it was, which then ends the program as itself).
    /// Resolves to the program's first error, or null.
    #[napi(ts_return_type = "Promise<BindingErrorData | null>")]
    pub fn finish<'env>(
        &self,
        env: &'env Env,
        error: Option<String>,
        core_error: Option<u32>,
    ) -> napi::Result<PromiseRaw<'env, Option<BindingErrorData>>> {
        let ctx = self.ctx.clone();
        let outcome = match (core_error.and_then(crate::error::kept), error) {
            (Some(core), _) => Err(core),
            (None, Some(stack)) => Err(SdkError::Other(stack)),
            (None, None) => Ok(()),
        };
        crate::promise::spawn(env, async move { ctx.finish(outcome).await }, |_, result| {
            Ok(result.err().map(|error| data(&error)))
        })
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct BindingCallerIdentityJson {
    account_id: String,
    arn: String,
    user_id: String,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct BindingAvailabilityZonesJson {
    names: Vec<String>,
    zone_ids: Vec<String>,
}

#[derive(serde::Serialize)]
struct CloudResourceJson {
    identifier: String,
    properties: Value,
}

fn cloud_resource(resource: engine_sdk::CloudResource) -> CloudResourceJson {
    CloudResourceJson { identifier: resource.identifier, properties: resource.properties }
}
