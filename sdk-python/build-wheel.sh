#!/usr/bin/env bash
# Build the Python SDK wheel into target/wheels (what the engine installs into programs'
# virtualenvs): generate the typed resources (engine_sdk.aws, never committed), then maturin.
# Needs maturin (`pip install -r sdk-python/requirements-dev.txt`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo run --quiet -p engine-cli -- gen-sdk --lang python --out sdk-python/python/engine_sdk
maturin build --release --manifest-path sdk-python/Cargo.toml --out "${CARGO_TARGET_DIR:-target}/wheels" "$@"
