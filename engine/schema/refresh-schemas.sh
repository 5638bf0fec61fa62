#!/usr/bin/env bash
# Refresh the vendored CloudFormation registry schemas from the cfn-lint package on PyPI.
#
#   engine/schema/refresh-schemas.sh            # the version pinned below
#   engine/schema/refresh-schemas.sh 1.60.0     # a newer cfn-lint
#
# cfn-lint ships every region's provider list (type name -> schema file) and every resource
# schema under cfnlint/data/schemas/. We pack them (one deflate stream per type, an index with a
# region bitmask per type) into engine/schema/data/schemas.pack, which the engine embeds.
set -euo pipefail
version="${1:-1.58.0}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m pip download --quiet --no-deps --dest "$work" "cfn-lint==${version}"
python3 - "$work" <<'PY'
import sys, zipfile, glob
work = sys.argv[1]
wheel = glob.glob(f"{work}/cfn_lint-*.whl")[0]
with zipfile.ZipFile(wheel) as zf:
    for name in zf.namelist():
        if name.startswith("cfnlint/data/schemas/providers/") or name.startswith("cfnlint/data/schemas/resources/") \
                or name == "cfnlint/data/schemas/version.json":
            zf.extract(name, work)
PY
cargo run --quiet --release --manifest-path "$root/Cargo.toml" -p engine-schema --bin pack-schemas -- \
    "$work/cfnlint/data/schemas" "$root/engine/schema/data/schemas.pack" "cfn-lint ${version}"
