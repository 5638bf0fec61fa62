#!/usr/bin/env bash
# Vendor the function's third-party runtime dependencies (requirements.txt: PyMySQL, pure
# Python, no native code) into ./vendor so that this folder can be zipped as-is as the
# Lambda code asset. app.py puts ./vendor first on sys.path.
#
#   ./vendor.sh            # into ./vendor (gitignored)
#   ./vendor.sh DIR        # into DIR instead
#   PYTHON=python3.12 ./vendor.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-$here/vendor}"
python="${PYTHON:-python3}"
staging="$(mktemp -d "${TMPDIR:-/tmp}/ingest-vendor.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
# --only-binary: wheels only, nothing is built; --no-deps: exactly what requirements.txt pins.
PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check --no-compile --no-deps \
  --only-binary=:all: --target "$staging/vendor" -r "$here/requirements.txt"
rm -rf "$staging/vendor/bin"
rm -rf "$target"
mkdir -p "$(dirname "$target")"
mv "$staging/vendor" "$target"
echo "vendored $(ls "$target" | grep -v dist-info | tr '\n' ' ')into $target"
