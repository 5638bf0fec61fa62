"""The benchmark's synthetic program (Python): the same queues as ``programs/rust/main.rs``.

``count`` SQS queues, as independent fan-out (``shape = "fanout"``) or one deep chain
(``shape = "chain"``: each queue's ``Tags`` carry the previous queue's ``Arn``); ``revision``
changes one tag of every tenth queue. Prints ``BENCH_REGISTER_SECONDS=<s>``: from the first
registration to the end of ``finish`` (every registration answered by the engine).
"""

from __future__ import annotations

import time
from typing import Any, Optional

import engine_sdk as engine
from engine_sdk import _context

_context.context()  # connect first: every language is timed from its first registration
started = time.perf_counter()


def main() -> None:
    config = engine.Config()
    count = config.get_int("count") or 1000
    chain = config.get("shape") == "chain"
    revision = config.get_int("revision") or 0
    previous: Optional[Any] = None
    for index in range(count):
        changed = revision if index % 10 == 0 else 0
        tags: list[Any] = [
            {"Key": "index", "Value": str(index)},
            {"Key": "revision", "Value": str(changed)},
        ]
        if previous is not None:
            tags.append({"Key": "previous", "Value": previous})
        queue = engine.CustomResource("AWS::SQS::Queue", f"q{index}", {"Tags": tags})
        previous = queue.get_output("Arn") if chain else None


engine.run(main)
print(f"BENCH_REGISTER_SECONDS={time.perf_counter() - started:.4f}")
