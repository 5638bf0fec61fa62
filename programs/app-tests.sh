#!/usr/bin/env bash
# Test the application code the reference architectures deploy (programs/*/app).
#
# Creates (once) a virtualenv outside the source folders, installs every app's
# requirements-dev.txt into it, then runs each app's pytest suite in its own folder.
# Prints one closing line "app-tests: N passed, N failed, N skipped" and exits non-zero
# if any suite fails.
#
#   programs/app-tests.sh                 # all apps
#   programs/app-tests.sh -k idempotent   # extra arguments go to every pytest run
#   APP_TESTS_ONLY="ingest" programs/app-tests.sh
#
# Environment:
#   PYTHON                     interpreter for the virtualenv (default python3; >= 3.9)
#   APP_TESTS_VENV             virtualenv path (default <repo>/target/app-tests-venv)
#   APP_TESTS_ONLY             space-separated app names (serverless-api ingest fargate-crm)
#   APP_TESTS_REQUIRE_MARIADB  fail instead of skip when MariaDB is not installed
#                              (set automatically when CI is set)
#
# The ingest integration tests start a real MariaDB server: they need Debian's
# mariadb-server package (mariadbd, mariadb-install-db).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv="${APP_TESTS_VENV:-$repo/target/app-tests-venv}"
python="${PYTHON:-python3}"

# Never leave bytecode in the app folders: they are zipped as-is into Lambda assets.
export PYTHONDONTWRITEBYTECODE=1
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
if [[ -n "${CI:-}" ]]; then
  export APP_TESTS_REQUIRE_MARIADB=1
fi

all_apps=()
for req in "$here"/*/app/requirements-dev.txt; do
  [[ -f "$req" ]] || continue
  all_apps+=("$(basename "$(dirname "$(dirname "$req")")")")
done
if [[ ${#all_apps[@]} -eq 0 ]]; then
  echo "app-tests: no app folders with requirements-dev.txt under $here" >&2
  exit 2
fi
apps=()
if [[ -n "${APP_TESTS_ONLY:-}" ]]; then
  for name in $APP_TESTS_ONLY; do
    if [[ ! -f "$here/$name/app/requirements-dev.txt" ]]; then
      echo "app-tests: no app named '$name' (expected $here/$name/app/requirements-dev.txt)" >&2
      exit 2
    fi
    apps+=("$name")
  done
else
  apps=("${all_apps[@]}")
fi

# --- virtualenv ---------------------------------------------------------------------
if [[ ! -x "$venv/bin/python" ]]; then
  echo "app-tests: creating virtualenv $venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
fi
# Every app's requirements go into the one environment, resolved together.
req_args=()
for name in "${all_apps[@]}"; do
  req_args+=(-r "$here/$name/app/requirements-dev.txt")
done
# Reinstall only when a requirements file changed (pip's own check costs seconds).
stamp_now="$(cat "$here"/*/app/requirements*.txt | sha256sum | cut -d' ' -f1)"
stamp_file="$venv/.app-tests-requirements"
if [[ "$(cat "$stamp_file" 2>/dev/null || true)" != "$stamp_now" ]]; then
  echo "app-tests: installing test requirements"
  "$venv/bin/python" -m pip install --quiet "${req_args[@]}"
  echo "$stamp_now" > "$stamp_file"
fi

# --- run ------------------------------------------------------------------------------
reports="$(mktemp -d "${TMPDIR:-/tmp}/app-tests.XXXXXX")"
trap 'rm -rf "$reports"' EXIT
failed_suites=()
for name in "${apps[@]}"; do
  echo "app-tests: === $name ==="
  if ! (cd "$here/$name/app" && "$venv/bin/python" -m pytest -q \
          --junitxml="$reports/$name.xml" "$@"); then
    failed_suites+=("$name")
  fi
done

"$venv/bin/python" - "$reports" "${apps[@]}" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

reports, apps = Path(sys.argv[1]), sys.argv[2:]
passed = failed = skipped = 0
for app in apps:
    path = reports / f"{app}.xml"
    if not path.is_file():
        print(f"app-tests: {app}: no report (pytest did not run)")
        failed += 1
        continue
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        total = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skip = int(suite.get("skipped", 0))
        passed += total - bad - skip
        failed += bad
        skipped += skip
print(f"app-tests: {passed} passed, {failed} failed, {skipped} skipped")
PY

if [[ ${#failed_suites[@]} -gt 0 ]]; then
  echo "app-tests: FAILED: ${failed_suites[*]}" >&2
  exit 1
fi
