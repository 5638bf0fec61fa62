"""Fixtures: a mock engine (the core's MockMonitor, `examples/mock_engine.rs`) in its own
process, and helpers to run programs against it in this process or as plain scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

import engine_sdk
from engine_sdk import _context

ROOT = Path(__file__).resolve().parents[2]


def _mock_binary() -> Path:
    explicit = os.environ.get("ENGINE_MOCK_ENGINE")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "engine-sdk-python", "--example", "mock_engine"],
        cwd=ROOT,
        check=True,
    )
    return target / "debug" / "examples" / "mock_engine"


_BINARY: Optional[Path] = None


class MockEngine:
    """A running mock engine; `dump()` returns everything it received."""

    def __init__(self, *args: str) -> None:
        global _BINARY
        if _BINARY is None:
            _BINARY = _mock_binary()
        self.process = subprocess.Popen(
            [str(_BINARY), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.env: Dict[str, str] = {}
        for _ in range(3):
            key, _, value = self.process.stdout.readline().strip().partition("=")
            self.env[key] = value
        self.root_urn = self.env.pop("ENGINE_ROOT_URN")

    def dump(self) -> Dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("dump\n")
        self.process.stdin.flush()
        result: Dict[str, Any] = json.loads(self.process.stdout.readline())
        return result

    def registration(self, name: str) -> Dict[str, Any]:
        found = [r for r in self.dump()["registrations"] if r["name"] == name]
        assert found, f"no registration named {name!r}"
        return found[0]

    def stack_outputs(self) -> Dict[str, Any]:
        outputs = [o for o in self.dump()["resource_outputs"] if o["urn"] == self.root_urn]
        return outputs[-1]["outputs"] if outputs else {}

    def finishes(self) -> List[Dict[str, Any]]:
        finishes: List[Dict[str, Any]] = self.dump()["finishes"]
        return finishes

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture
def start_mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., MockEngine]]:
    """Start a mock engine with arguments and point this process's SDK at it."""
    started: List[MockEngine] = []

    def start(*args: str) -> MockEngine:
        mock = MockEngine(*args)
        started.append(mock)
        for key, value in mock.env.items():
            monkeypatch.setenv(key, value)
        _context._reset_for_tests()
        return mock

    yield start
    _context._reset_for_tests()
    for mock in started:
        mock.stop()


@pytest.fixture
def mock(start_mock: Callable[..., MockEngine]) -> MockEngine:
    """A mock engine (`up`, project `proj`, stack `dev`)."""
    return start_mock()


def run_program(main: Callable[[], Any]) -> Optional[int]:
    """Run `main` as a program with `engine_sdk.run`; the exit status it raised, if any."""
    try:
        engine_sdk.run(main)
    except SystemExit as exit:
        return int(exit.code or 0)
    return None


def run_script(
    mock: MockEngine, source: str, tmp_path: Path, timeout: float = 60
) -> "subprocess.CompletedProcess[str]":
    """Run `source` as a plain script (`python main.py`) against the mock."""
    script = tmp_path / "main.py"
    script.write_text(textwrap.dedent(source))
    env = {**os.environ, **mock.env}
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
