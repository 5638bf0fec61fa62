//! The core's errors as JavaScript sees them: data the TypeScript layer turns into `Error`
//! subclasses (`EngineError` and its kinds), with the core's message unchanged.
//!
//! A synchronous call throws an `Error` whose message is [`ERROR_PREFIX`] followed by the JSON
//! of [`BindingErrorData`]; an asynchronous call resolves to data with an `error` field. The
//! TypeScript layer never lets either reach the program as such.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use engine_sdk::Error as SdkError;
use napi_derive::napi;
use serde_json::json;

/// Marks an error message carrying [`BindingErrorData`] as JSON.
pub const ERROR_PREFIX: &str = "engine-sdk-error:";

/// How many of the last errors handed to JavaScript are kept (see [`kept`]).
const KEPT_ERRORS: usize = 64;

static KEPT: Mutex<VecDeque<(u32, SdkError)>> = Mutex::new(VecDeque::new());
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// Keep an error handed to JavaScript, by id: when the program lets it escape, the program ends
/// with the core's error itself (its message and the resource it concerns reach the engine),
/// as a Rust or Python program's would. Only the last [`KEPT_ERRORS`] are kept.
fn keep(error: &SdkError) -> u32 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    if kept.len() == KEPT_ERRORS {
        kept.pop_front();
    }
    kept.push_back((id, error.clone()));
    id
}

/// The core's error behind an `EngineError`'s id, if still kept.
pub fn kept(id: u32) -> Option<SdkError> {
    KEPT.lock().unwrap_or_else(PoisonError::into_inner).iter().find(|(kept, _)| *kept == id).map(|(_, error)| error.clone())
}

/// An SDK error, as data.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct BindingErrorData {
    /// `environment`, `connect`, `protocol`, `engine`, `config`, `invalid`, `callback`,
    /// `serialization`, `forked`, `other` (`engine_sdk::Error::kind`).
    pub kind: String,
    /// The whole message (names the resource and the property path).
    pub message: String,
    /// The URN of the resource the error concerns.
    pub urn: Option<String>,
    /// The engine's gRPC status code when the engine reported it (`InvalidArgument`, ...).
    pub engine_code: Option<String>,
    /// Names the core's error for `BindingContext.finish` (see [`kept`]).
    pub id: u32,
}

pub fn data(error: &SdkError) -> BindingErrorData {
    BindingErrorData {
        kind: error.kind().to_owned(),
        message: error.to_string(),
        urn: error.urn().filter(|urn| !urn.is_empty()).map(str::to_owned),
        engine_code: error.engine_code().map(str::to_owned),
        id: keep(error),
    }
}

/// A thrown JavaScript error carrying the SDK error as data.
pub fn to_napi(error: &SdkError) -> napi::Error {
    let data = data(error);
    let payload = json!({
        "kind": data.kind,
        "message": data.message,
        "urn": data.urn,
        "engineCode": data.engine_code,
        "id": data.id,
    });
    napi::Error::new(napi::Status::GenericFailure, format!("{ERROR_PREFIX}{payload}"))
}

/// The message of an error made by [`to_napi`] (or of any other napi error).
pub fn plain_message(error: &napi::Error) -> String {
    let reason = error.reason.as_str();
    reason
        .strip_prefix(ERROR_PREFIX)
        .and_then(|payload| serde_json::from_str::<serde_json::Value>(payload).ok())
        .and_then(|payload| payload.get("message").and_then(|message| message.as_str().map(str::to_owned)))
        .unwrap_or_else(|| reason.to_owned())
}

/// `Result` of the core, thrown as JavaScript errors.
pub trait OrThrow<T> {
    fn or_throw(self) -> napi::Result<T>;
}

impl<T> OrThrow<T> for Result<T, SdkError> {
    fn or_throw(self) -> napi::Result<T> {
        self.map_err(|error| to_napi(&error))
    }
}
