"""The code folder is deployable: handler at the root, PyMySQL vendored by vendor.sh."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import db
from ingest.dbsecret import DbTarget

APP_DIR = Path(__file__).resolve().parent.parent


def test_handler_is_at_the_folder_root():
    import app

    assert Path(app.__file__).resolve().parent == APP_DIR
    assert callable(app.handler)


def test_missing_driver_is_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "pymysql", None)  # makes `import pymysql` fail
    with pytest.raises(RuntimeError, match="PyMySQL is not packaged.*vendor.sh"):
        db.connect(DbTarget("h", 1, "u", "p", "d"))


@pytest.mark.network
def test_vendor_script_makes_the_folder_self_contained(tmp_path):
    copy = tmp_path / "app"
    shutil.copytree(APP_DIR, copy, ignore=shutil.ignore_patterns("vendor", "__pycache__"))
    result = subprocess.run(["bash", str(copy / "vendor.sh")], capture_output=True, text=True,
                            env={**os.environ, "PYTHON": sys.executable}, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (copy / "vendor" / "pymysql" / "__init__.py").is_file()
    # Import the handler the way Lambda does (task root on sys.path, cwd = task root) and
    # check that PyMySQL comes from the vendored copy, ahead of any installed one.
    probe = "import app, pymysql; print(pymysql.__file__)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=copy, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(copy)})
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).resolve().is_relative_to((copy / "vendor").resolve())
