//! Serving a package's components to programs in other languages: the plugin side of
//! multi-language components (`ComponentProvider` in `proto/engine/v1/monitor.proto`).
//!
//! The engine starts the package as a plugin process when a program registers one of its
//! components as remote. The plugin serves `ComponentProvider` on `127.0.0.1`, prints
//! `ENGINE_PLUGIN_PORT=<port>` as its first stdout line, and for each `Construct` runs the
//! component's own constructor with the consumer's name, inputs and options, its parent and
//! dependencies given by URN. The constructor registers the component and its children on the
//! run's monitor exactly as it would in a program of the package's language; the plugin waits
//! for every child, then answers with the component's registered outputs and the URNs each came
//! from. A child that fails fails the construction, with the child named.
//!
//! ```no_run
//! use engine_sdk::prelude::*;
//! use engine_sdk::provider::Provider;
//!
//! fn main() -> std::process::ExitCode {
//!     Provider::new("acme", "0.1.0")
//!         .component("acme:index:Bucket", |ctx, name, inputs, options| {
//!             let component = ctx.component("acme:index:Bucket", name, options)?;
//!             let bucket = ctx.register_resource("AWS::S3::Bucket", &format!("{name}-bucket"),
//!                 inputs.to_dyn(), component.child_options())?;
//!             component.register_outputs_dyn(DynInput::object([("arn", bucket.output_value("Arn").into())]));
//!             Ok(component)
//!         })
//!         .serve()
//! }
//! ```
//!
//! Bindings (Python, Node) register one [`Provider::dynamic`] constructor that calls into the
//! host language, and serve with [`Provider::serve_with`] on their own connection.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use engine_proto::v1::component_provider_server::{ComponentProvider, ComponentProviderServer};
use engine_proto::v1::{self, ConstructResponse, GetSchemaRequest, GetSchemaResponse, UrnList};
use engine_proto::value as wire;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use tonic::{Request, Response, Status};

use crate::context::{ConnectOptions, Context};
use crate::input::{DynInput, deserialize_with_outputs, placeholder};
use crate::output::{Output, Resolved, Urns, panic_message};
use crate::resource::{Alias, AliasParent, AsResource, CustomTimeouts, Resource, ResourceOptions};
use crate::{Error, Result, runtime};

/// A component's inputs as the consumer gave them (wire values: unknown in a preview, secret,
/// or coming from other resources).
#[derive(Debug, Clone, Default)]
pub struct ConstructInputs {
    values: Map<String, Value>,
    dependencies: BTreeMap<String, Urns>,
}

impl ConstructInputs {
    /// Inputs from wire values and, per input, the URNs its value came from.
    #[must_use]
    pub fn new(values: Map<String, Value>, dependencies: BTreeMap<String, Urns>) -> Self {
        ConstructInputs { values, dependencies }
    }

    /// The names given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// One input's wire value (markers included).
    #[must_use]
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// The URNs an input's value came from.
    #[must_use]
    pub fn dependencies(&self, name: &str) -> Urns {
        self.dependencies.get(name).cloned().unwrap_or_default()
    }

    /// Whether an input is a plain value: known, not secret, from no other resource (bindings
    /// pass such values as they are, others as outputs).
    #[must_use]
    pub fn is_plain_input(&self, name: &str) -> bool {
        self.values.get(name).is_none_or(|value| self.is_plain(name, value))
    }

    fn is_plain(&self, name: &str, value: &Value) -> bool {
        self.dependencies.get(name).is_none_or(Urns::is_empty)
            && !wire::contains_unknowns(value)
            && !wire::contains_secrets(value)
            && !contains_references(value)
    }

    /// One input as an output: unknown when not known yet, secret when it holds a secret,
    /// depending on the resources it came from; a resource given as a value becomes its
    /// identifier. `null` when absent.
    #[must_use]
    pub fn output(&self, name: &str) -> Output<Value> {
        let Some(value) = self.values.get(name) else { return Output::new(Value::Null) };
        let mut dependencies = self.dependencies(name);
        let mut unknown = wire::contains_unknowns(value);
        let with_ids = wire::map_specials(value, &mut |special, _| match special {
            wire::Special::Resource { urn, id } => {
                dependencies.insert(urn.to_owned());
                if id.is_empty() {
                    unknown = true;
                }
                Some(Value::String(id.to_owned()))
            }
            _ => None,
        });
        let (plain, secret) = wire::unwrap_secrets(&with_ids);
        Output::from_resolved(Resolved { value: (!unknown).then_some(plain), secret, dependencies })
    }

    /// One input in dynamic form: a plain value stays a value (markers such as assets kept), any
    /// other becomes [`ConstructInputs::output`].
    #[must_use]
    pub fn dyn_input(&self, name: &str) -> DynInput {
        match self.values.get(name) {
            Some(value) if self.is_plain(name, value) => DynInput::Value(value.clone()),
            Some(_) => DynInput::Output(self.output(name)),
            None => DynInput::Value(Value::Null),
        }
    }

    /// Every input in dynamic form (an object).
    #[must_use]
    pub fn to_dyn(&self) -> DynInput {
        DynInput::Object(self.values.keys().map(|name| (name.clone(), self.dyn_input(name))).collect())
    }

    /// The inputs as the component's argument type (`#[derive(Deserialize)]`, fields named as on
    /// the wire): an `Input<T>` field given a value that is not plain (unknown, secret, from
    /// another resource) becomes `Input::Output`, keeping its secrecy and dependencies.
    ///
    /// # Errors
    /// An input that does not fit the type (named by serde).
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T> {
        let mut outputs = Vec::new();
        let mut object = Map::new();
        for (name, value) in &self.values {
            if value.is_null() {
                continue;
            }
            if self.is_plain(name, value) {
                object.insert(name.clone(), value.clone());
            } else {
                object.insert(name.clone(), placeholder(outputs.len()));
                outputs.push(self.output(name));
            }
        }
        deserialize_with_outputs(Value::Object(object), outputs)
            .map_err(|error| Error::Invalid(format!("the component's inputs do not fit its arguments: {error}")))
    }
}

fn contains_references(value: &Value) -> bool {
    let mut found = false;
    let _ = wire::map_specials(value, &mut |special, _| {
        if matches!(special, wire::Special::Resource { .. }) {
            found = true;
        }
        None
    });
    found
}

/// One component to construct.
#[derive(Debug, Clone)]
pub struct ConstructRequest {
    /// The component's type (`platform:index:Network`).
    pub resource_type: String,
    pub name: String,
    pub inputs: ConstructInputs,
    /// The consumer's options: parent and `depends_on` as handles on the consumer's resources,
    /// protect, region, aliases, ... Pass them to the component's registration.
    pub options: ResourceOptions,
}

/// Builds one component and returns its handle (the component's own registration).
pub type Constructor = Arc<dyn Fn(Context, ConstructRequest) -> BoxFuture<'static, Result<Resource>> + Send + Sync>;

/// A package's components, served as a plugin.
#[derive(Clone)]
pub struct Provider {
    name: String,
    version: String,
    constructors: HashMap<String, Constructor>,
    dynamic: Option<Constructor>,
    /// The types the dynamic constructor serves (for `GetSchema`).
    dynamic_types: Vec<String>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut types: Vec<&String> = self.constructors.keys().collect();
        types.sort();
        f.debug_struct("Provider")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("components", &types)
            .finish()
    }
}

impl Provider {
    /// The package `name` at `version` (as its manifest says).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Provider {
            name: name.into(),
            version: version.into(),
            constructors: HashMap::new(),
            dynamic: None,
            dynamic_types: Vec::new(),
        }
    }

    /// Serve the component `resource_type`: `construct(ctx, name, inputs, options)` declares it
    /// (typically `MyComponent::new(ctx, name, inputs.deserialize()?, options)`) and returns it.
    #[must_use]
    pub fn component<R, F>(mut self, resource_type: &str, construct: F) -> Self
    where
        R: AsResource,
        F: Fn(&Context, &str, ConstructInputs, ResourceOptions) -> Result<R> + Send + Sync + 'static,
    {
        let construct = Arc::new(construct);
        let constructor: Constructor = Arc::new(move |ctx: Context, request: ConstructRequest| {
            let construct = Arc::clone(&construct);
            async move {
                construct(&ctx, &request.name, request.inputs, request.options).map(|r| r.as_resource().clone())
            }
            .boxed()
        });
        self.constructors.insert(resource_type.to_owned(), constructor);
        self
    }

    /// Serve every type through one constructor (bindings: it calls into the host language).
    /// `types` are the ones it serves (empty: it does not say).
    #[must_use]
    pub fn dynamic(mut self, types: Vec<String>, constructor: Constructor) -> Self {
        self.dynamic = Some(constructor);
        self.dynamic_types = types;
        self
    }

    /// Run as a plugin: connect to the run's monitor (`ENGINE_MONITOR_ADDRESS`,
    /// `ENGINE_MONITOR_TOKEN`), serve on a fresh port, print `ENGINE_PLUGIN_PORT=<port>`, and
    /// serve until the engine closes the plugin's stdin or stops it.
    pub fn serve(self) -> ExitCode {
        runtime::block_on(async move {
            let ctx = match ConnectOptions::from_env() {
                Ok(options) => match Context::connect(options).await {
                    Ok(ctx) => ctx,
                    Err(error) => {
                        eprintln!("error: {error}");
                        return ExitCode::FAILURE;
                    }
                },
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::FAILURE;
                }
            };
            exit_when_stdin_closes();
            match self.serve_with(ctx, print_port).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        })
    }

    /// Serve on `ctx`'s run; `ready` is told the port once listening.
    ///
    /// # Errors
    /// The port cannot be bound, or the server fails.
    pub async fn serve_with(self, ctx: Context, ready: impl FnOnce(u16) + Send) -> Result<()> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::Other(format!("the plugin cannot listen on 127.0.0.1: {e}")))?;
        let port = listener.local_addr().map_err(|e| Error::Other(e.to_string()))?.port();
        let service = Service { provider: Arc::new(self), ctx };
        let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
        ready(port);
        tonic::transport::Server::builder()
            .add_service(
                ComponentProviderServer::new(service)
                    .max_decoding_message_size(64 * 1024 * 1024)
                    .max_encoding_message_size(64 * 1024 * 1024),
            )
            .serve_with_incoming(incoming)
            .await
            .map_err(|e| Error::Other(format!("the plugin's server stopped: {e}")))
    }

    /// [`Provider::serve_with`] on the SDK's runtime, in the background (bindings: the host
    /// language's thread stays free).
    pub fn spawn_with(self, ctx: Context, ready: impl FnOnce(u16) + Send + 'static) {
        runtime::handle().spawn(async move {
            if let Err(error) = self.serve_with(ctx, ready).await {
                eprintln!("error: {error}");
                std::process::exit(1);
            }
        });
    }
}

/// Print the port line the engine waits for.
pub fn print_port(port: u16) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}{port}", PORT_PREFIX);
    let _ = stdout.flush();
}

/// The first line a plugin prints: `ENGINE_PLUGIN_PORT=<port>`.
pub const PORT_PREFIX: &str = "ENGINE_PLUGIN_PORT=";

/// A plugin lives as long as the engine that started it: it exits when its stdin closes (the
/// engine ended, even if it was killed).
pub fn exit_when_stdin_closes() {
    std::thread::spawn(|| {
        let mut buffer = [0u8; 256];
        loop {
            match std::io::Read::read(&mut std::io::stdin(), &mut buffer) {
                Ok(0) | Err(_) => std::process::exit(0),
                Ok(_) => {}
            }
        }
    });
}

struct Service {
    provider: Arc<Provider>,
    ctx: Context,
}

fn options_from_proto(options: Option<&v1::ResourceOptions>) -> ResourceOptions {
    let Some(o) = options else { return ResourceOptions::default() };
    let seconds = |s: f64| (s > 0.0 && s.is_finite()).then(|| Duration::from_secs_f64(s));
    ResourceOptions {
        protect: Some(o.protect),
        ignore_changes: o.ignore_changes.clone(),
        replace_on_changes: o.replace_on_changes.clone(),
        delete_before_replace: o.delete_before_replace,
        retain_on_delete: o.retain_on_delete,
        import: (!o.import_id.is_empty()).then(|| o.import_id.clone()),
        custom_timeouts: o.custom_timeouts.as_ref().map(|t| CustomTimeouts {
            create: seconds(t.create),
            update: seconds(t.update),
            delete: seconds(t.delete),
        }),
        region: (!o.region.is_empty()).then(|| o.region.clone()),
        aliases: o
            .aliases
            .iter()
            .filter_map(|alias| match alias.alias.as_ref()? {
                v1::alias::Alias::Urn(urn) => Some(Alias::Urn(urn.clone())),
                v1::alias::Alias::Spec(spec) => {
                    let text = |s: &String| (!s.is_empty()).then(|| s.clone());
                    Some(Alias::Spec {
                        name: text(&spec.name),
                        resource_type: text(&spec.r#type),
                        stack: text(&spec.stack),
                        project: text(&spec.project),
                        parent: match &spec.parent {
                            Some(v1::alias_spec::Parent::ParentUrn(urn)) if !urn.is_empty() => {
                                AliasParent::Urn(urn.clone())
                            }
                            Some(v1::alias_spec::Parent::NoParent(true)) => AliasParent::NoParent,
                            _ => AliasParent::Current,
                        },
                    })
                }
            })
            .collect(),
        additional_secret_outputs: o.additional_secret_outputs.clone(),
        ..ResourceOptions::default()
    }
}

/// The error of a construction, without the component's own wrapper (the engine names it).
fn unwrap_component(error: Error, resource_type: &str, name: &str) -> Error {
    match error {
        Error::Resource { resource_type: t, name: n, source, .. } if t == resource_type && n == name => *source,
        other => other,
    }
}

/// A child's error without the engine's repetition of the child's URN (the child is named by
/// its type and name already).
fn concise(error: Error) -> Error {
    match error {
        Error::Resource { urn, resource_type, name, source } => {
            let source = match *source {
                Error::Engine { call, code, message } => {
                    let message = message.strip_prefix(&format!("{urn}: ")).map(str::to_owned).unwrap_or(message);
                    Error::Engine { call, code, message }
                }
                other => other,
            };
            Error::Resource { urn, resource_type, name, source: Box::new(source) }
        }
        other => other,
    }
}

/// Whether an error only says a resource was not registered because another one failed.
fn is_consequence(error: &Error) -> bool {
    let text = error.root_cause().to_string();
    text.starts_with("it depends on ") || text.starts_with("its parent ")
}

/// Wait for the component, every resource registered under it (including those registered while
/// waiting) and its registered outputs.
async fn settle(component: &Resource) -> Result<crate::resource::RegisteredOutputs> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut failures: Vec<Error> = Vec::new();
    loop {
        let fresh: Vec<Resource> =
            component.descendants().into_iter().filter(|r| seen.insert(r.urn_str().to_owned())).collect();
        if fresh.is_empty() {
            break;
        }
        for resource in fresh {
            if let Err(error) = resource.wait().await {
                failures.push(error);
            }
        }
    }
    if let Some(error) = failures.iter().find(|e| !is_consequence(e)).or(failures.first()) {
        return Err(concise(error.clone()));
    }
    match component.registered_outputs() {
        Some(outputs) => outputs
            .resolve()
            .await
            .map(|resolved| resolved.value.map(|registered| (*registered).clone()).unwrap_or_default()),
        None => Ok(crate::resource::RegisteredOutputs::default()),
    }
}

impl Service {
    async fn construct(&self, request: v1::ConstructRequest) -> Result<ConstructResponse> {
        let ctx = &self.ctx;
        let mut options = options_from_proto(request.options.as_ref());
        if !request.parent.is_empty() {
            options.parent = Some(ctx.resource_from_urn(&request.parent)?);
        }
        for urn in &request.dependencies {
            options.depends_on.push(ctx.resource_from_urn(urn)?);
        }
        let dependencies = request
            .input_dependencies
            .iter()
            .map(|(key, list)| (key.clone(), list.urns.iter().cloned().collect()))
            .collect();
        let inputs =
            ConstructInputs::new(request.inputs.as_ref().map(wire::from_struct).unwrap_or_default(), dependencies);
        let dynamic = self.provider.dynamic.as_ref().filter(|_| {
            self.provider.dynamic_types.is_empty() || self.provider.dynamic_types.contains(&request.r#type)
        });
        let constructor = match self.provider.constructors.get(&request.r#type) {
            Some(constructor) => constructor.clone(),
            None => match dynamic {
                Some(constructor) => constructor.clone(),
                None => {
                    let mut known: Vec<&String> =
                        self.provider.constructors.keys().chain(&self.provider.dynamic_types).collect();
                    known.sort();
                    return Err(Error::Invalid(format!(
                        "package {} {} has no component {} (it serves {})",
                        self.provider.name,
                        self.provider.version,
                        request.r#type,
                        known.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                    )));
                }
            },
        };
        let construct =
            ConstructRequest { resource_type: request.r#type.clone(), name: request.name.clone(), inputs, options };
        let built = AssertUnwindSafe(constructor(ctx.clone(), construct)).catch_unwind().await;
        let component = match built {
            Ok(Ok(component)) => component,
            Ok(Err(error)) => return Err(unwrap_component(error, &request.r#type, &request.name)),
            Err(panic) => {
                return Err(Error::Other(format!("the component's constructor panicked: {}", panic_message(&*panic))));
            }
        };
        if component.resource_type() != request.r#type || component.name() != request.name {
            return Err(Error::Invalid(format!(
                "the constructor of {} returned {} \"{}\" instead of the component {} \"{}\"",
                request.r#type,
                component.resource_type(),
                component.name(),
                request.r#type,
                request.name
            )));
        }
        let registered =
            settle(&component).await.map_err(|error| unwrap_component(error, &request.r#type, &request.name))?;
        Ok(ConstructResponse {
            urn: component.urn_str().to_owned(),
            outputs: Some(wire::to_struct(&registered.outputs)),
            output_dependencies: registered
                .dependencies
                .into_iter()
                .filter(|(key, _)| registered.outputs.contains_key(key))
                .map(|(key, urns)| (key, UrnList { urns: urns.into_iter().collect() }))
                .collect(),
        })
    }
}

#[tonic::async_trait]
impl ComponentProvider for Service {
    async fn get_schema(
        &self,
        _request: Request<GetSchemaRequest>,
    ) -> std::result::Result<Response<GetSchemaResponse>, Status> {
        let mut types: Vec<&String> = self.provider.constructors.keys().chain(&self.provider.dynamic_types).collect();
        types.sort();
        types.dedup();
        let schema = json!({
            "name": self.provider.name,
            "version": self.provider.version,
            "components": types,
            "dynamic": self.provider.dynamic.is_some() && self.provider.dynamic_types.is_empty(),
        });
        Ok(Response::new(GetSchemaResponse { schema_json: schema.to_string() }))
    }

    async fn construct(
        &self,
        request: Request<v1::ConstructRequest>,
    ) -> std::result::Result<Response<ConstructResponse>, Status> {
        let request = request.into_inner();
        let this = Service { provider: Arc::clone(&self.provider), ctx: self.ctx.clone() };
        // On the SDK's runtime: registrations and their background work live there.
        let outcome = runtime::handle().spawn(async move { this.construct(request).await }).await;
        match outcome {
            Ok(Ok(response)) => Ok(Response::new(response)),
            Ok(Err(error)) => Err(Status::aborted(error.to_string())),
            Err(error) => Err(Status::internal(format!("the plugin failed constructing the component: {error}"))),
        }
    }
}

/// Wait for a future on the SDK's runtime (bindings).
pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime::block_on(future)
}
