//! Generates the Rust binding of the greeter package (what `engine package gen-sdk --lang rust`
//! writes) into OUT_DIR.

use std::path::{Path, PathBuf};

use engine_package::bindings::{self, Language};

fn main() {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packages/greeter");
    println!("cargo:rerun-if-changed={}", package.join("EnginePackage.toml").display());
    let manifest = engine_package::Manifest::load(&package).unwrap_or_else(|e| panic!("{e}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("greeter");
    bindings::write(&manifest, Language::Rust, &out).unwrap_or_else(|e| panic!("{e}"));
}
