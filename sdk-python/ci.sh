#!/usr/bin/env bash
# The Python SDK's checks, as CI runs them: a virtualenv under target/ with
# requirements-dev.txt, the typed resources generated into the package, the native module built
# (release) into the virtualenv, then pytest (unit tests, typing, stubs). Prints pytest's
# summary line. Pass `--conformance` to also run the conformance suite (engine end to end).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/sdk-python-venv"
cd "$root"
if [ ! -x "$venv/bin/python" ]; then
  "${ENGINE_PYTHON:-python3}" -m venv "$venv"
fi
# shellcheck disable=SC1091
source "$venv/bin/activate"
pip install --disable-pip-version-check -q -r sdk-python/requirements-dev.txt
cargo run --quiet -p engine-cli -- gen-sdk --lang python --out sdk-python/python/engine_sdk
(cd sdk-python && maturin develop --release --quiet)
python -m pytest -q sdk-python/tests
if [ "${1:-}" = "--conformance" ]; then
  # maturin is on PATH (this virtualenv): the engine builds the wheel it installs into programs.
  cargo test -p engine-tests --test conformance -- --ignored
fi
