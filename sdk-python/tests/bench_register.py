"""Benchmark: register N resources (default 10,000) from Python and from Rust in the same run,
against the same mock engine (the core's MockMonitor, `examples/mock_engine.rs`, release build),
three rounds each, alternating. Prints seconds from the first registration to the end of the
program (`finish`: every registration answered), and the ratio Python / Rust.

    python sdk-python/tests/bench_register.py [N]

Needs the SDK installed from a release build (`maturin develop --release` or the wheel).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))

PYTHON_PROGRAM = """
import sys, time
import engine_sdk as engine
from engine_sdk import _context

count = int(sys.argv[1])
_context.context()  # connect first: the Rust side is timed after connecting too
started = time.perf_counter()

def main() -> None:
    for index in range(count):
        engine.CustomResource(
            "AWS::SQS::Queue",
            f"queue-{index}",
            {"QueueName": f"queue-{index}", "Tags": [{"Key": "index", "Value": str(index)}]},
        )

engine.run(main)
print(f"PYTHON_SECONDS={time.perf_counter() - started:.4f}")
"""


def start_mock() -> "tuple[subprocess.Popen[str], Dict[str, str]]":
    mock = subprocess.Popen(
        [str(TARGET / "release" / "examples" / "mock_engine")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert mock.stdout is not None
    env: Dict[str, str] = {}
    for _ in range(3):
        key, _, value = mock.stdout.readline().strip().partition("=")
        env[key] = value
    return mock, env


def timed(command: List[str], marker: str) -> float:
    mock, env = start_mock()
    try:
        result = subprocess.run(
            command, env={**os.environ, **env}, capture_output=True, text=True, check=True
        )
    finally:
        assert mock.stdin is not None
        mock.stdin.close()
        mock.wait()
    for line in result.stdout.splitlines():
        if line.startswith(marker + "="):
            return float(line.split("=", 1)[1])
    raise RuntimeError(f"no {marker} in {result.stdout!r} {result.stderr!r}")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    subprocess.run(
        ["cargo", "build", "--quiet", "--release", "-p", "engine-sdk-python", "--example", "mock_engine", "--example", "bench_rust"],
        cwd=ROOT,
        check=True,
    )
    rust_bin = str(TARGET / "release" / "examples" / "bench_rust")
    rust: List[float] = []
    python: List[float] = []
    for round_number in range(1, 4):
        rust.append(timed([rust_bin, str(count)], "RUST_SECONDS"))
        python.append(timed([sys.executable, "-c", PYTHON_PROGRAM, str(count)], "PYTHON_SECONDS"))
        print(
            f"round {round_number}: Rust {rust[-1]:.3f} s ({count / rust[-1]:,.0f}/s), "
            f"Python {python[-1]:.3f} s ({count / python[-1]:,.0f}/s), ratio {python[-1] / rust[-1]:.2f}x",
            flush=True,
        )
    best_rust, best_python = min(rust), min(python)
    median_rust, median_python = sorted(rust)[1], sorted(python)[1]
    print(
        f"{count} registrations: median Rust {median_rust:.3f} s, Python {median_python:.3f} s "
        f"(ratio {median_python / median_rust:.2f}x); best Rust {best_rust:.3f} s, Python {best_python:.3f} s "
        f"(ratio {best_python / best_rust:.2f}x)"
    )


if __name__ == "__main__":
    time.sleep(0)
    main()
