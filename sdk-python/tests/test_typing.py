"""The package and a sample program pass `mypy --strict`; the native module's stubs match it
(`mypy.stubtest`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="pip install -r sdk-python/requirements-dev.txt")

SDK = Path(__file__).resolve().parents[1]
PACKAGE = SDK / "python" / "engine_sdk"


def mypy(*args: str) -> "subprocess.CompletedProcess[str]":
    env = {**os.environ, "MYPYPATH": str(SDK / "python")}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *args],
        cwd=SDK,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_package_passes_mypy_strict() -> None:
    modules = [str(path) for path in sorted(PACKAGE.glob("*.py"))]
    result = mypy(*modules)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_sample_program_passes_mypy_strict_and_a_mistake_does_not(tmp_path: Path) -> None:
    pytest.importorskip("engine_sdk.aws", reason="generate it: engine gen-sdk --lang python")
    result = mypy(str(SDK / "examples" / "python" / "sample.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    mistake = tmp_path / "mistake.py"
    mistake.write_text(
        "import engine_sdk as engine\nfrom engine_sdk.aws import s3\n"
        's3.Bucket("b", bukket_name="x")\n'
        "n: int = engine.Output.from_input(1)\n"
    )
    result = mypy(str(mistake))
    assert 'Unexpected keyword argument "bukket_name"' in result.stdout
    assert 'has type "Output[int]", variable has type "int"' in result.stdout


def test_the_native_stubs_match_the_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "engine_sdk._native"],
        cwd=SDK,
        env={**os.environ, "MYPYPATH": str(SDK / "python")},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
