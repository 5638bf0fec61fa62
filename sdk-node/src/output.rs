//! `Output`: the native handle behind the TypeScript `Output<T>`, an `engine_sdk::Output` of
//! JSON. Every rule (unknowns, secrets, dependencies, flattening) is the core's; `apply`
//! calls the JavaScript callback through a thread-safe function and awaits its completion.

use std::sync::Mutex;

use engine_sdk::{DynInput, Error as SdkError, Output};
use futures::channel::oneshot;
use napi::bindgen_prelude::{Either, FnArgs, Function, PromiseRaw, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue};
use napi::{Env, Status};
use napi_derive::napi;
use serde_json::Value;

use crate::convert::to_dyn;
use crate::error::{BindingErrorData, data};

/// A value known later, maybe unknown (preview), maybe secret, with the resources it came from.
#[napi]
pub struct BindingOutput {
    pub(crate) inner: Output<Value>,
}

impl BindingOutput {
    pub fn new(inner: Output<Value>) -> Self {
        BindingOutput { inner }
    }
}

/// What an output resolved to (or its error).
#[napi(object)]
pub struct BindingResolved {
    /// False: unknown (preview).
    pub known: bool,
    pub value: Option<Value>,
    pub secret: bool,
    /// URNs of the resources the value came from.
    pub dependencies: Vec<String>,
    pub error: Option<BindingErrorData>,
}

/// Completes one call of an `apply` callback (handed to the callback's JavaScript wrapper).
#[napi]
pub struct BindingCompletion {
    sender: Mutex<Option<oneshot::Sender<Result<DynInput, SdkError>>>>,
}

#[napi]
impl BindingCompletion {
    /// The callback returned (or its Promise resolved to) `value`.
    #[napi]
    pub fn resolve(&self, env: Env, value: Unknown<'_>) {
        let converted = to_dyn(&env, &value).map_err(|error| {
            SdkError::Callback(format!(
                "an apply callback returned a value that cannot be used: {}",
                crate::error::plain_message(&error)
            ))
        });
        self.send(converted);
    }

    /// The callback threw (or its Promise was rejected); `stack` is the error's stack trace.
    #[napi]
    pub fn reject(&self, stack: String) {
        self.send(Err(SdkError::Callback(stack)));
    }
}

impl BindingCompletion {
    fn send(&self, result: Result<DynInput, SdkError>) {
        let sender = self.sender.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(sender) = sender {
            // The receiver is gone only when the program is being torn down.
            let _ = sender.send(result);
        }
    }
}

type ApplyArgs = FnArgs<(Value, BindingCompletion)>;
type ApplyCallback = ThreadsafeFunction<ApplyArgs, UnknownReturnValue, ApplyArgs, Status, false, true>;

#[napi]
impl BindingOutput {
    /// An output of a JavaScript value (outputs, Promises, resources inside are awaited).
    #[napi(factory)]
    pub fn from_value(env: Env, value: Unknown<'_>) -> napi::Result<Self> {
        Ok(BindingOutput::new(to_dyn(&env, &value)?.into_output()))
    }

    /// A secret output of a JavaScript value.
    #[napi(factory)]
    pub fn secret(env: Env, value: Unknown<'_>) -> napi::Result<Self> {
        Ok(BindingOutput::new(to_dyn(&env, &value)?.into_output().as_secret()))
    }

    /// An unknown output (what preview gives for values not known yet).
    #[napi(factory)]
    pub fn unknown() -> Self {
        BindingOutput::new(Output::unknown())
    }

    /// Parts (strings, numbers, outputs, ...) joined into one string output.
    #[napi(factory)]
    pub fn concat(env: Env, parts: Vec<Unknown<'_>>) -> napi::Result<Self> {
        let parts = parts.iter().map(|part| to_dyn(&env, part)).collect::<napi::Result<Vec<_>>>()?;
        Ok(BindingOutput::new(engine_sdk::binding::concat(parts)))
    }

    /// The same value, secret.
    #[napi]
    pub fn as_secret(&self) -> Self {
        BindingOutput::new(self.inner.as_secret())
    }

    /// The same value, no longer secret.
    #[napi]
    pub fn unsecret(&self) -> Self {
        BindingOutput::new(self.inner.unsecret())
    }

    /// The value at a key of an object, or at an index of an array (`null` when absent).
    #[napi]
    pub fn get(&self, key: Either<String, u32>) -> Self {
        BindingOutput::new(match key {
            Either::A(key) => self.inner.get(&key),
            Either::B(index) => self.inner.at_index(index as usize),
        })
    }

    /// Run `callback(value, completion)` once the value is known (never on unknowns). The
    /// callback reports its result through `completion`; the result may contain outputs.
    #[napi(ts_args_type = "callback: (value: any, completion: BindingCompletion) => void")]
    pub fn apply(&self, callback: Function<'_, ApplyArgs, UnknownReturnValue>) -> napi::Result<Self> {
        let tsfn: ApplyCallback =
            callback.build_threadsafe_function::<ApplyArgs>().weak::<true>().callee_handled::<false>().build()?;
        let applied = self.inner.apply_dyn(Box::new(move |value| {
            let (sender, receiver) = oneshot::channel();
            let completion = BindingCompletion { sender: Mutex::new(Some(sender)) };
            let status = tsfn.call((value, completion).into(), ThreadsafeFunctionCallMode::NonBlocking);
            Box::pin(async move {
                if status != Status::Ok {
                    return Err(SdkError::Callback(format!(
                        "an apply callback could not be called ({status}): the program is exiting"
                    )));
                }
                match receiver.await {
                    Ok(result) => result,
                    Err(_) => Err(SdkError::Callback("an apply callback never completed".to_owned())),
                }
            })
        }));
        Ok(BindingOutput::new(applied))
    }

    /// Wait for the output: its value, whether it is known and secret, its dependencies.
    #[napi(ts_return_type = "Promise<BindingResolved>")]
    pub fn resolve<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, BindingResolved>> {
        let output = self.inner.clone();
        crate::promise::spawn(env, output.resolve(), |_, result| Ok(resolved(result)))
    }
}

pub fn resolved(result: Result<engine_sdk::Resolved<Value>, SdkError>) -> BindingResolved {
    match result {
        Ok(resolved) => BindingResolved {
            known: resolved.value.is_some(),
            value: resolved.value,
            secret: resolved.secret,
            dependencies: resolved.dependencies.into_iter().collect(),
            error: None,
        },
        Err(error) => BindingResolved {
            known: false,
            value: None,
            secret: false,
            dependencies: Vec::new(),
            error: Some(data(&error)),
        },
    }
}
