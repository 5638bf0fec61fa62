//! The generated Rust resources, compiled against `engine-sdk` from outside the SDK.

#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod aws {
    include!(concat!(env!("OUT_DIR"), "/aws/mod.rs"));
}
