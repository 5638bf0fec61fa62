#!/usr/bin/env bash
# The one benchmark command: builds what it needs in release mode, then runs engine-bench
# (engine/bench), which prints a table on stdout and writes target/bench/results.json.
#
#   tests/bench.sh                 # everything: N = 1,000 / 3,000 / 10,000, architectures, throttle, SDKs
#   tests/bench.sh --quick         # N = 1,000 only, one round
#   tests/bench.sh --n 1000,3000   # choose the sizes; any other engine-bench option passes through
#   tests/bench.sh --only scale    # sections: scale, arch, throttle, sdk
#
# The Python SDK wheel and the Node SDK's addon are built (release) by the engine itself the
# first time a program of that language runs, as for any user (engine/deploy/src/runner.rs);
# engine-bench triggers that in an untimed warm-up run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo="${CARGO:-cargo}"
echo "bench.sh: building engine, engine-bench and the Rust benchmark program (release)..." >&2
"$cargo" build --release --quiet -p engine-cli -p engine-bench
exec "${CARGO_TARGET_DIR:-target}/release/engine-bench" "$@"
