//! Helpers shared by the conformance programs: property trees with outputs inside, written as
//! tersely as the Python and TypeScript variants write dicts and objects.

pub use engine_sdk::prelude::*;
pub use engine_sdk::{binding, serde_json::json};
pub use serde_json::Value;

/// An object of inputs.
pub fn obj<const N: usize>(entries: [(&str, DynInput); N]) -> DynInput {
    DynInput::object(entries)
}

/// An array of inputs.
pub fn arr<const N: usize>(items: [DynInput; N]) -> DynInput {
    DynInput::Array(items.into())
}

/// A plain JSON input.
pub fn v(value: Value) -> DynInput {
    DynInput::Value(value)
}

/// An output as an input.
pub fn out(output: &Output<Value>) -> DynInput {
    DynInput::Output(output.clone())
}

/// A string output as an input.
pub fn out_str(output: &Output<String>) -> DynInput {
    DynInput::Output(output.map(Value::String))
}

/// `Output.concat(...)`.
pub fn concat<const N: usize>(parts: [DynInput; N]) -> Output<Value> {
    binding::concat(parts.into())
}

/// A string value of a JSON output (`""` when not a string).
pub fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The `step` config value (1 when unset): multi-step cases change the program with it.
pub fn step(ctx: &Context) -> Result<i64> {
    Ok(ctx.config().get_i64("step")?.unwrap_or(1))
}
