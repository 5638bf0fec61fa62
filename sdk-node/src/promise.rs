//! Promises settled from the SDK's runtime: a core future runs on the SDK's own tokio runtime
//! (never on the JavaScript thread), and its result is converted on the JavaScript thread.
//! Errors are resolved as data (`{ error }`), which the TypeScript layer throws.

use std::future::Future;

use napi::bindgen_prelude::{PromiseRaw, ToNapiValue};
use napi::{Env, JsValue};

type Resolver<V> = Box<dyn FnOnce(Env) -> napi::Result<V> + Send>;

/// Run `future` on the SDK runtime; the returned Promise resolves to `convert(result)`.
pub fn spawn<'env, T, V, F, C>(env: &'env Env, future: F, convert: C) -> napi::Result<PromiseRaw<'env, V>>
where
    T: Send + 'static,
    V: ToNapiValue + 'static,
    F: Future<Output = T> + Send + 'static,
    C: FnOnce(Env, T) -> napi::Result<V> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<V, Resolver<V>>()?;
    engine_sdk::runtime::spawn(async move {
        let result = future.await;
        deferred.resolve(Box::new(move |env| convert(env, result)));
    });
    Ok(PromiseRaw::new(env.raw(), promise.raw()))
}
