#!/usr/bin/env bash
# Every test of the project: Rust (unit, integration, end to end, conformance), Python (SDK,
# the local cloud through boto3 and the AWS CLI, the Lambda application code) and Node (SDK).
#
#   tests/run-all.sh            # the default suite, with the conformance suite, component packages
#                               # and the reference programs in the three languages
#   tests/run-all.sh --slow     # plus the slow suites (kill -9 rounds, type-checks of the full
#                               # generated SDKs, throttling, benchmarks)
#
# Each suite runs even if an earlier one failed; a summary with durations ends the output and the
# exit status is non-zero if any suite failed. Needs: cargo, python3 (>= 3.9) with venv, node + npm,
# and Debian's mariadb-server for the ingest application tests (`.ci/run` installs it).
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
slow=0
[ "${1:-}" = "--slow" ] && slow=1
target="${CARGO_TARGET_DIR:-$root/target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
# Reference-program and conformance runs need no passphrase prompt: local stacks use a local key.

summary=()
failed=0
suite() {
  local name="$1"
  shift
  echo
  echo "=== ${name}"
  local start=$SECONDS
  if "$@"; then
    summary+=("ok     $(printf '%5ds' $((SECONDS - start)))  ${name}")
  else
    summary+=("FAILED $(printf '%5ds' $((SECONDS - start)))  ${name}")
    failed=1
  fi
}

ignored_flag=()
[ "$slow" = 1 ] && ignored_flag=(-- --include-ignored)

# Rust: the workspace (the `engine` binary and the test programs are members), built once here;
# its tests run last, when the Python SDK's virtualenv (maturin) and the Node SDK exist: the slow
# suites (conformance in three languages, reference programs) make the engine install both.
suite "rust: build" cargo build --workspace --all-targets

# Python: a tools virtualenv for the local cloud's boto3 / AWS CLI suite.
tools_venv="$target/test-tools-venv"
python_tools() {
  [ -x "$tools_venv/bin/python" ] || "${ENGINE_PYTHON:-python3}" -m venv "$tools_venv" || return 1
  "$tools_venv/bin/pip" install -q -r engine/local-cloud/tests/python/requirements.txt || return 1
  ENGINE_BIN="$target/debug/engine" PATH="$tools_venv/bin:$PATH" \
    "$tools_venv/bin/python" -m pytest -q engine/local-cloud/tests/python
}
suite "python: local cloud via boto3 and the AWS CLI" python_tools
suite "python: SDK (pytest, mypy, stubtest)" bash sdk-python/ci.sh
suite "python: Lambda application code (moto, MariaDB)" bash programs/app-tests.sh

# Node: the addon, the TypeScript facade, the generated typed modules, node's test runner.
node_sdk() {
  (cd sdk-node && npm install --no-audit --no-fund --loglevel=error && npm run build && npm test)
}
suite "node: SDK" node_sdk

# Rust: every crate's unit and integration tests, the end-to-end suite; with --slow also the
# ignored ones (kill -9 rounds, conformance in Rust/Python/TypeScript, reference programs).
suite "rust: tests" env PATH="$target/sdk-python-venv/bin:$PATH" cargo test --workspace "${ignored_flag[@]}"

# Across languages, with the SDKs built above: the conformance suite, the platform component
# package consumed from Python and TypeScript (and a TypeScript component from Rust), and the
# reference architectures (each in Rust, Python and TypeScript: up, no-op preview, a config change
# as an in-place update, destroy; the languages' stacks compared). Part of --slow's Rust tests.
if [ "$slow" = 0 ]; then
  suite "across languages: conformance, component packages, reference programs" \
    env PATH="$target/sdk-python-venv/bin:$PATH" cargo test -p engine-tests \
    --test conformance --test components_polyglot --test reference_programs -- --ignored
fi

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
