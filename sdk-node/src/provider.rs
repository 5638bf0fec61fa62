//! Serving a TypeScript/JavaScript package's components as a plugin (`serveComponents` in the
//! facade): the core's `engine_sdk::provider` serves `ComponentProvider`; each `Construct` is
//! handed to a JavaScript callback through a thread-safe function, which runs the component's
//! constructor and hands the component back (`resolve`). The core then waits for its children
//! and answers the engine. The thread-safe function is strong: it keeps the event loop (the
//! plugin) alive until the engine stops it.

use std::sync::{Arc, Mutex};

use engine_sdk::provider::{ConstructRequest, Constructor, Provider};
use engine_sdk::{AliasParent, Error as SdkError, Resource};
use futures::FutureExt;
use futures::channel::oneshot;
use napi::Status;
use napi::bindgen_prelude::{ClassInstance, Either, FnArgs, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue};
use napi_derive::napi;
use serde_json::Value;

use crate::context::BindingContext;
use crate::output::BindingOutput;
use crate::resource::{BindingAlias, BindingOptions, BindingResource, BindingTimeouts};

/// One component to construct, handed to the JavaScript callback.
#[napi]
pub struct BindingConstruct {
    request: ConstructRequest,
    sender: Mutex<Option<oneshot::Sender<Result<Resource, SdkError>>>>,
}

impl BindingConstruct {
    fn send(&self, result: Result<Resource, SdkError>) {
        let sender = self.sender.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(sender) = sender {
            let _ = sender.send(result);
        }
    }
}

#[napi]
impl BindingConstruct {
    /// The component's type (`acme:index:Greeter`).
    #[napi(getter)]
    pub fn resource_type(&self) -> String {
        self.request.resource_type.clone()
    }

    /// The name the consumer gave it.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.request.name.clone()
    }

    /// The names of the inputs given.
    #[napi]
    pub fn input_names(&self) -> Vec<String> {
        self.request.inputs.names().map(str::to_owned).collect()
    }

    /// Whether an input is a plain value (known, not secret, from no other resource).
    #[napi]
    pub fn is_plain(&self, name: String) -> bool {
        self.request.inputs.is_plain_input(&name)
    }

    /// A plain input's value.
    #[napi]
    pub fn value(&self, name: String) -> Option<Value> {
        self.request.inputs.value(&name).cloned()
    }

    /// An input as an output (unknown, secret, depending on the resources it came from).
    #[napi]
    pub fn output(&self, name: String) -> BindingOutput {
        BindingOutput::new(self.request.inputs.output(&name))
    }

    /// The consumer's parent for the component (none: the stack).
    #[napi]
    pub fn parent(&self) -> Option<BindingResource> {
        self.request.options.parent.clone().map(BindingResource::new)
    }

    /// The consumer's explicit dependencies.
    #[napi]
    pub fn depends_on(&self) -> Vec<BindingResource> {
        self.request.options.depends_on.iter().cloned().map(BindingResource::new).collect()
    }

    /// The consumer's other options, to give the component.
    #[napi]
    pub fn options(&self) -> BindingOptions {
        let o = &self.request.options;
        let seconds = |d: Option<std::time::Duration>| d.map(|d| Either::A(d.as_secs_f64()));
        BindingOptions {
            protect: o.protect,
            ignore_changes: Some(o.ignore_changes.clone()),
            replace_on_changes: Some(o.replace_on_changes.clone()),
            delete_before_replace: o.delete_before_replace,
            retain_on_delete: Some(o.retain_on_delete),
            import: o.import.clone(),
            custom_timeouts: o.custom_timeouts.map(|t| BindingTimeouts {
                create: seconds(t.create),
                update: seconds(t.update),
                delete: seconds(t.delete),
            }),
            region: o.region.clone(),
            aliases: Some(
                o.aliases
                    .iter()
                    .map(|alias| match alias {
                        engine_sdk::Alias::Urn(urn) => BindingAlias {
                            urn: Some(urn.clone()),
                            name: None,
                            resource_type: None,
                            stack: None,
                            project: None,
                            parent_urn: None,
                            no_parent: None,
                        },
                        engine_sdk::Alias::Spec { name, resource_type, stack, project, parent } => BindingAlias {
                            urn: None,
                            name: name.clone(),
                            resource_type: resource_type.clone(),
                            stack: stack.clone(),
                            project: project.clone(),
                            parent_urn: match parent {
                                AliasParent::Urn(urn) => Some(urn.clone()),
                                _ => None,
                            },
                            no_parent: matches!(parent, AliasParent::NoParent).then_some(true),
                        },
                    })
                    .collect(),
            ),
            additional_secret_outputs: Some(o.additional_secret_outputs.clone()),
            source_position: None,
        }
    }

    /// The constructor built the component: here it is.
    #[napi]
    pub fn resolve(&self, component: ClassInstance<'_, BindingResource>) {
        self.send(Ok(component.resource.clone()));
    }

    /// The constructor threw; `stack` is the error's stack trace.
    #[napi]
    pub fn reject(&self, stack: String) {
        self.send(Err(SdkError::Callback(stack)));
    }
}

type ConstructArgs = FnArgs<(BindingConstruct,)>;
type ConstructCallback = ThreadsafeFunction<ConstructArgs, UnknownReturnValue, ConstructArgs, Status, false>;

/// Serve the package `name` at `version` as a plugin: print `ENGINE_PLUGIN_PORT=<port>`, hand
/// each construction of one of `types` to `callback(construct)`, and live until the engine
/// closes the plugin's stdin.
#[napi(
    ts_args_type = "ctx: BindingContext, name: string, version: string, types: string[], callback: (construct: BindingConstruct) => void"
)]
pub fn serve_components(
    ctx: &BindingContext,
    name: String,
    version: String,
    types: Vec<String>,
    callback: Function<'_, ConstructArgs, UnknownReturnValue>,
) -> napi::Result<()> {
    let tsfn: ConstructCallback =
        callback.build_threadsafe_function::<ConstructArgs>().callee_handled::<false>().build()?;
    let tsfn = Arc::new(tsfn);
    let constructor: Constructor = Arc::new(move |_ctx, request: ConstructRequest| {
        let (sender, receiver) = oneshot::channel();
        let construct = BindingConstruct { request, sender: Mutex::new(Some(sender)) };
        let status = tsfn.call((construct,).into(), ThreadsafeFunctionCallMode::NonBlocking);
        async move {
            if status != Status::Ok {
                return Err(SdkError::Other(format!("the component's constructor could not be called ({status})")));
            }
            match receiver.await {
                Ok(result) => result,
                Err(_) => {
                    Err(SdkError::Other("the component's constructor never handed the component back".to_owned()))
                }
            }
        }
        .boxed()
    });
    Provider::new(name, version)
        .dynamic(types, constructor)
        .spawn_with(ctx.ctx.clone(), engine_sdk::provider::print_port);
    engine_sdk::provider::exit_when_stdin_closes();
    Ok(())
}
