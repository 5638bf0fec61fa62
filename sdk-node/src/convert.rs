//! Host values to the core's dynamic layer ([`DynInput`]) and back.
//!
//! A JavaScript value (a resource's properties, an export, an `apply` callback's result) is
//! walked once, on the JavaScript thread, into a `DynInput`: plain JSON stays JSON; an `Output`
//! becomes an output leaf; a `Resource` becomes a resource reference; a file asset or archive
//! becomes an output whose marker the core computes off the JavaScript thread; a Promise becomes
//! an output resolved when it settles. Every rule about those leaves (unknowns, secrets,
//! dependencies) is the core's.
//!
//! Facade objects (the TypeScript `Output`, `Resource`, `FileAsset`, `FileArchive` classes) are
//! recognized by a non-enumerable property, [`HANDLE_KEY`], holding their native handle.

use std::ptr;

use engine_sdk::{DynInput, Error as SdkError, Output};
use napi::bindgen_prelude::{ClassInstance, FromNapiValue, JavaScriptClassExt, Object, PromiseRaw, Unknown};
use napi::{Env, JsValue, sys};
use serde_json::{Number, Value};

use crate::asset::{AssetKind, BindingAsset};
use crate::output::BindingOutput;
use crate::resource::BindingResource;

/// The property of facade objects that holds their native handle.
pub const HANDLE_KEY: &str = "__engine_handle";

/// Convert a JavaScript value into the core's dynamic form. `undefined` at the top is `null`.
pub fn to_dyn(env: &Env, value: &Unknown<'_>) -> napi::Result<DynInput> {
    let walker = Walker::new(env.raw())?;
    let mut path = String::new();
    Ok(walker.walk(value.raw(), &mut path)?.unwrap_or(DynInput::Value(Value::Null)))
}

/// Convert a raw value (inside `then` callbacks and the like).
pub fn raw_to_dyn(env: sys::napi_env, value: sys::napi_value) -> napi::Result<DynInput> {
    let walker = Walker::new(env)?;
    let mut path = String::new();
    Ok(walker.walk(value, &mut path)?.unwrap_or(DynInput::Value(Value::Null)))
}

/// Why a host value is not accepted, with its property path.
fn invalid(path: &str, message: impl std::fmt::Display) -> napi::Error {
    let error = if path.is_empty() {
        SdkError::Invalid(message.to_string())
    } else {
        SdkError::Property { path: path.to_owned(), source: Box::new(SdkError::Invalid(message.to_string())) }
    };
    crate::error::to_napi(&error)
}

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(napi::Status::from(status), format!("engine-sdk: {what} failed")))
    }
}

struct Walker {
    env: sys::napi_env,
    handle_key: sys::napi_value,
}

impl Walker {
    fn new(env: sys::napi_env) -> napi::Result<Self> {
        let mut handle_key = ptr::null_mut();
        // SAFETY: `env` is the live environment of the current call; the key is a valid C string
        // of the given length.
        check(
            unsafe {
                sys::napi_create_string_utf8(env, HANDLE_KEY.as_ptr().cast(), HANDLE_KEY.len() as isize, &mut handle_key)
            },
            "creating a property key",
        )?;
        Ok(Walker { env, handle_key })
    }

    fn type_of(&self, value: sys::napi_value) -> napi::Result<sys::napi_valuetype> {
        let mut kind = 0;
        // SAFETY: a value of the current call's scope.
        check(unsafe { sys::napi_typeof(self.env, value, &mut kind) }, "typeof")?;
        Ok(kind)
    }

    /// `None` for `undefined` (an absent property).
    fn walk(&self, value: sys::napi_value, path: &mut String) -> napi::Result<Option<DynInput>> {
        let kind = self.type_of(value)?;
        // SAFETY (every unsafe block below): `value` belongs to the current call's handle scope
        // and has the type `napi_typeof` reported.
        let input = match kind {
            sys::ValueType::napi_undefined => return Ok(None),
            sys::ValueType::napi_null => DynInput::Value(Value::Null),
            sys::ValueType::napi_boolean => DynInput::Value(Value::Bool(unsafe { bool::from_napi_value(self.env, value)? })),
            sys::ValueType::napi_number => {
                let number = unsafe { f64::from_napi_value(self.env, value)? };
                DynInput::Value(number_value(number).ok_or_else(|| invalid(path, format!("{number} is not a JSON number")))?)
            }
            sys::ValueType::napi_string => DynInput::Value(Value::String(unsafe { String::from_napi_value(self.env, value)? })),
            sys::ValueType::napi_bigint => {
                let mut number = 0i64;
                let mut lossless = false;
                check(unsafe { sys::napi_get_value_bigint_int64(self.env, value, &mut number, &mut lossless) }, "bigint")?;
                if !lossless {
                    return Err(invalid(path, "a BigInt outside the 64-bit integer range cannot be sent"));
                }
                if number.unsigned_abs() > (1u64 << 53) {
                    return Err(invalid(path, format!("{number}n cannot be sent exactly (numbers are exact up to 2^53)")));
                }
                DynInput::Value(Value::Number(Number::from(number)))
            }
            sys::ValueType::napi_symbol => return Err(invalid(path, "a Symbol cannot be a property value")),
            sys::ValueType::napi_function => {
                return Err(invalid(path, "a function cannot be a property value (did you mean to call it?)"));
            }
            sys::ValueType::napi_object | sys::ValueType::napi_external => self.object(value, path)?,
            other => return Err(invalid(path, format!("unsupported JavaScript value (type {other})"))),
        };
        Ok(Some(input))
    }

    fn object(&self, value: sys::napi_value, path: &mut String) -> napi::Result<DynInput> {
        // SAFETY (every unsafe block below): `value` is an object of the current call's scope.
        let mut is_array = false;
        check(unsafe { sys::napi_is_array(self.env, value, &mut is_array) }, "isArray")?;
        if is_array {
            let mut length = 0u32;
            check(unsafe { sys::napi_get_array_length(self.env, value, &mut length) }, "array length")?;
            let mut items = Vec::with_capacity(length as usize);
            let base = path.len();
            for index in 0..length {
                let mut item = ptr::null_mut();
                check(unsafe { sys::napi_get_element(self.env, value, index, &mut item) }, "array element")?;
                path.push_str(&format!("[{index}]"));
                let converted = self.walk(item, path)?.unwrap_or(DynInput::Value(Value::Null));
                path.truncate(base);
                items.push(converted);
            }
            return Ok(collapse_array(items));
        }
        if let Some(handle) = self.handle(value, path)? {
            return Ok(handle);
        }
        let mut is_promise = false;
        check(unsafe { sys::napi_is_promise(self.env, value, &mut is_promise) }, "isPromise")?;
        if is_promise {
            return self.promise(value, path);
        }
        let mut keys = ptr::null_mut();
        check(unsafe { sys::napi_get_property_names(self.env, value, &mut keys) }, "property names")?;
        let mut length = 0u32;
        check(unsafe { sys::napi_get_array_length(self.env, keys, &mut length) }, "property names")?;
        let mut entries = Vec::with_capacity(length as usize);
        let base = path.len();
        for index in 0..length {
            let mut key = ptr::null_mut();
            check(unsafe { sys::napi_get_element(self.env, keys, index, &mut key) }, "property name")?;
            // Keys are strings here (`napi_get_property_names` converts numeric keys).
            let name = unsafe { String::from_napi_value(self.env, key)? };
            let mut item = ptr::null_mut();
            check(unsafe { sys::napi_get_property(self.env, value, key, &mut item) }, "property")?;
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&name);
            let converted = self.walk(item, path)?;
            path.truncate(base);
            if let Some(converted) = converted {
                entries.push((name, converted));
            }
        }
        Ok(collapse_object(entries))
    }

    /// A facade object's native handle, as an input.
    fn handle(&self, value: sys::napi_value, path: &str) -> napi::Result<Option<DynInput>> {
        let mut handle = ptr::null_mut();
        // SAFETY: `value` is an object of the current call's scope; the key was made for it.
        check(unsafe { sys::napi_get_property(self.env, value, self.handle_key, &mut handle) }, "handle")?;
        if self.type_of(handle)? != sys::ValueType::napi_object {
            return Ok(None);
        }
        let env = Env::from_raw(self.env);
        // SAFETY: `handle` is an object of the current call's scope.
        let object = unsafe { Object::from_napi_value(self.env, handle)? };
        if BindingOutput::instance_of(&env, &object)? {
            // SAFETY: checked to be a BindingOutput instance just above.
            let output = unsafe { ClassInstance::<BindingOutput>::from_napi_value(self.env, handle)? };
            return Ok(Some(DynInput::Output(output.inner.clone())));
        }
        if BindingResource::instance_of(&env, &object)? {
            // SAFETY: checked to be a BindingResource instance just above.
            let resource = unsafe { ClassInstance::<BindingResource>::from_napi_value(self.env, handle)? };
            return Ok(Some(DynInput::from(resource.resource())));
        }
        if BindingAsset::instance_of(&env, &object)? {
            // SAFETY: checked to be a BindingAsset instance just above.
            let asset = unsafe { ClassInstance::<BindingAsset>::from_napi_value(self.env, handle)? };
            return Ok(Some(asset_input(asset.kind, asset.path.clone())));
        }
        let _ = path;
        Ok(None)
    }

    /// A Promise: an output resolved with what it settles to (converted then), or failed with
    /// its rejection.
    fn promise(&self, value: sys::napi_value, path: &str) -> napi::Result<DynInput> {
        let (output, resolver) = Output::<Value>::pending();
        let slot = std::rc::Rc::new(std::cell::Cell::new(Some(resolver)));
        let on_reject = std::rc::Rc::clone(&slot);
        let described = path.to_owned();
        // SAFETY: `value` is a Promise of the current call's scope.
        let promise: PromiseRaw<'_, Unknown<'_>> = unsafe { PromiseRaw::from_napi_value(self.env, value)? };
        promise
            .then(move |ctx| {
                let Some(resolver) = slot.take() else { return Ok(()) };
                match raw_to_dyn(ctx.env.raw(), ctx.value.raw()) {
                    Ok(input) => settle_with(input.into_output(), resolver),
                    Err(error) => resolver.reject(SdkError::Invalid(format!(
                        "the value a Promise resolved to{}: {}",
                        if described.is_empty() { String::new() } else { format!(" at {described}") },
                        crate::error::plain_message(&error)
                    ))),
                }
                Ok(())
            })?
            .catch(move |ctx: napi::bindgen_prelude::CallbackContext<Unknown<'_>>| {
                if let Some(resolver) = on_reject.take() {
                    let reason = describe_thrown(ctx.env.raw(), ctx.value.raw());
                    resolver.reject(SdkError::Callback(format!("a Promise was rejected: {reason}")));
                }
                Ok(())
            })?;
        Ok(DynInput::Output(output))
    }
}

/// Resolve `resolver` with `output`'s resolution once it settles.
pub fn settle_with(output: Output<Value>, resolver: engine_sdk::OutputResolver<Value>) {
    if let Some(settled) = output.peek() {
        match settled {
            Ok(resolved) => resolver.resolve(resolved),
            Err(error) => resolver.reject(error),
        }
        return;
    }
    engine_sdk::runtime::spawn(async move {
        match output.resolve().await {
            Ok(resolved) => resolver.resolve(resolved),
            Err(error) => resolver.reject(error),
        }
    });
}

/// An asset as an input: the core computes its marker (hashing the file or folder) on its own
/// threads, not on the JavaScript thread.
pub fn asset_input(kind: AssetKind, path: String) -> DynInput {
    match kind {
        AssetKind::File => engine_sdk::binding::file_asset(path),
        AssetKind::Archive => engine_sdk::binding::file_archive(path),
    }
}

/// A thrown JavaScript value as text: an error's stack (which starts with its message), else
/// its string form.
pub fn describe_thrown(env: sys::napi_env, value: sys::napi_value) -> String {
    // SAFETY: `value` belongs to the current callback's scope; every call checks its status.
    unsafe {
        let mut kind = 0;
        if sys::napi_typeof(env, value, &mut kind) == sys::Status::napi_ok && kind == sys::ValueType::napi_object {
            let mut stack = ptr::null_mut();
            if sys::napi_get_named_property(env, value, c"stack".as_ptr(), &mut stack) == sys::Status::napi_ok
                && let Ok(text) = String::from_napi_value(env, stack)
            {
                return text;
            }
        }
        let mut text = ptr::null_mut();
        if sys::napi_coerce_to_string(env, value, &mut text) == sys::Status::napi_ok
            && let Ok(text) = String::from_napi_value(env, text)
        {
            return text;
        }
        // coerce_to_string may have thrown (a Symbol, an object with a throwing toString).
        let mut pending = ptr::null_mut();
        let _ = sys::napi_get_and_clear_last_exception(env, &mut pending);
    }
    "a value that cannot be shown".to_owned()
}

/// A JSON number: integral values as integers (so `14` stays `14`), others as floats.
pub fn number_value(number: f64) -> Option<Value> {
    if number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0 {
        #[expect(clippy::cast_possible_truncation, reason = "checked: integral and within 2^53")]
        return Some(Value::Number(Number::from(number as i64)));
    }
    Number::from_f64(number).map(Value::Number)
}

/// An array of inputs: plain JSON when no output occurs inside.
fn collapse_array(items: Vec<DynInput>) -> DynInput {
    if items.iter().all(|item| matches!(item, DynInput::Value(_))) {
        DynInput::Value(Value::Array(
            items
                .into_iter()
                .map(|item| match item {
                    DynInput::Value(value) => value,
                    _ => Value::Null,
                })
                .collect(),
        ))
    } else {
        DynInput::Array(items)
    }
}

fn collapse_object(entries: Vec<(String, DynInput)>) -> DynInput {
    if entries.iter().all(|(_, item)| matches!(item, DynInput::Value(_))) {
        DynInput::Value(Value::Object(
            entries
                .into_iter()
                .map(|(key, item)| match item {
                    DynInput::Value(value) => (key, value),
                    _ => (key, Value::Null),
                })
                .collect(),
        ))
    } else {
        DynInput::Object(entries)
    }
}
