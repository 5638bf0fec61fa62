//! What the language bindings (Python, Node) share beyond the core's model: making a context
//! the process's current program (as `Context::from_env` does for Rust programs, while a binding
//! connects with `Context::connect` to announce itself), and the rules behind the bindings'
//! `Output.concat` and `output[index]`, kept here so every language behaves the same.

use serde_json::Value;

use crate::context::Context;
use crate::input::DynInput;
use crate::output::Output;

impl Context {
    /// Make this the process's current program, as [`Context::from_env`] does: outputs not
    /// derived from any resource (`Output::new(..)`, `DynInput::into_output`, host callbacks
    /// through `apply_dyn`) report their callbacks' failures to it, and its
    /// [`Context::finish`] waits for them.
    pub fn make_current(&self) {
        crate::tracker::set_default_tracker(&self.inner.tracker);
    }
}

/// The text form of a value in [`concat`]: strings as they are, `null` as nothing, anything
/// else in its JSON form (`14`, `true`, `{"a":1}`), identical in every language.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The parts (plain values or outputs) joined into one string output: unknown if any part is,
/// secret if any is, depending on every part's resources. The bindings' `Output.concat`.
#[must_use]
pub fn concat(parts: Vec<DynInput>) -> Output<Value> {
    DynInput::Array(parts).into_output().map(|value| match value {
        Value::Array(items) => Value::String(items.iter().map(text).collect()),
        other => Value::String(text(&other)),
    })
}

impl Output<Value> {
    /// The element at `index` of an array (`null` when absent or not an array; unknown stays
    /// unknown). With [`Output::get`] for keys, what the bindings' `output[key]` uses.
    #[must_use]
    pub fn at_index(&self, index: usize) -> Output<Value> {
        self.map(move |value| value.get(index).cloned().unwrap_or(Value::Null))
    }
}
