"""The program's lifecycle: connecting to the engine on first use, ending at interpreter exit.

A program is a plain script. The first SDK call that needs the engine connects (with
``ENGINE_MONITOR_ADDRESS`` / ``ENGINE_MONITOR_TOKEN``), and at interpreter exit the SDK waits
for all outstanding work, sends the stack outputs and tells the engine how the program ended
(an uncaught exception included); if the program failed in the background (a registration
the engine refused, an ``apply`` callback that raised), the process exits with status 1.
``engine_sdk.run(main)`` does the same explicitly.

The waiting, the outputs, the first-error bookkeeping and the ``Finish`` call are the core's
(``Context.finish``); this module only decides *when* to call it.
"""

from __future__ import annotations

import asyncio
import atexit
import inspect
import os
import sys
import threading
import traceback
from types import TracebackType
from typing import Any, Awaitable, Callable, Optional, Type, Union

from . import _native

__all__ = ["context", "run", "source_position", "sdk_loop", "format_exception"]

_VERSION = _native.__version__

_lock = threading.RLock()
_current: Optional[_native.Context] = None
_finished = False
_pid = os.getpid()
_program_error: Optional[str] = None
_program_core_error: Optional[_native.CoreError] = None
_hooks_installed = False
_previous_excepthook: Optional[
    Callable[[Type[BaseException], BaseException, Optional[TracebackType]], Any]
] = None


def _report(error: BaseException, formatted: str) -> str:
    """What the engine is told about the program's uncaught exception: the SDK's own errors by
    their message (the core's, the same in every language; Python prints the traceback), any
    other exception with its traceback."""
    if isinstance(error, _native.EngineError):
        return str(error)
    return formatted


def _core_error(error: BaseException) -> Optional[_native.CoreError]:
    """The SDK core's error an SDK exception carries (``None`` for any other exception)."""
    if isinstance(error, _native.EngineError):
        return getattr(error, "_engine_error", None)
    return None


def format_exception(error: BaseException) -> str:
    """The exception as Python prints it (traceback included), for the engine's report."""
    return "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()


def _excepthook(
    kind: Type[BaseException], error: BaseException, tb: Optional[TracebackType]
) -> None:
    """Remember the program's uncaught exception (reported with ``Finish``), then print it."""
    global _program_error, _program_core_error
    if _program_error is None:
        if issubclass(kind, KeyboardInterrupt):
            _program_error = "the program was interrupted (KeyboardInterrupt)"
        else:
            _program_error = _report(error, "".join(traceback.format_exception(kind, error, tb)).rstrip())
            _program_core_error = _core_error(error)
    hook = _previous_excepthook or sys.__excepthook__
    hook(kind, error, tb)


def _at_exit() -> None:
    """End the program at interpreter exit (a plain script's end)."""
    if _current is None or _finished or os.getpid() != _pid:
        return
    failed = _finish(_program_error, _program_core_error)
    if failed is not None and _program_error is None:
        # The script itself ended normally but the program failed: the exit status must say so.
        # atexit cannot change it, so end here, after flushing what the program printed.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)


def _after_fork_in_child() -> None:
    """A forked child does not own the parent's program: it keeps the parent's connection, which
    the core refuses to use in another process (``ForkedError``), and does not end the program
    at its exit. The SDK's event loop thread does not exist in the child: start a new one."""
    global _loop, _loop_thread
    _loop = None
    _loop_thread = None


def _install_hooks() -> None:
    global _hooks_installed, _previous_excepthook
    if _hooks_installed:
        return
    _hooks_installed = True
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    atexit.register(_at_exit)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def context() -> _native.Context:
    """The program's connection to the engine, made on first use."""
    global _current
    current = _current
    if current is not None:
        return current
    with _lock:
        if _current is None:
            if _finished:
                raise _native.InvalidError(
                    "the program has finished: nothing more can be registered"
                )
            _current = _native.Context.connect_from_env(_VERSION)
            _install_hooks()
        return _current


def _finish(error: Optional[str], core: Optional[_native.CoreError] = None) -> Optional[BaseException]:
    """Finish the program once; print and return its first error (``None``: success)."""
    global _finished
    with _lock:
        if _finished or _current is None:
            return None
        _finished = True
        current = _current
    try:
        current.finish(error, core)
    except _native.EngineError as failure:
        message = str(failure)
        if error is None or message != error:
            print(f"error: {message}", file=sys.stderr)
        return failure
    return None


def run(main: Callable[[], Union[None, Awaitable[None]]]) -> None:
    """Run ``main`` as the program and end it explicitly (instead of at interpreter exit).

    ``main`` may be a plain function or a coroutine function (run with ``asyncio.run``).
    Waits for all outstanding work and reports the outcome to the engine; on any error (an
    exception of ``main``, a registration the engine refused, a failed callback) prints it and
    raises ``SystemExit(1)``.
    """
    context()
    error: Optional[str] = None
    core: Optional[_native.CoreError] = None
    try:
        result = main()
        if inspect.isawaitable(result):
            awaitable = result

            async def wait() -> None:
                await awaitable

            asyncio.run(wait())
    except BaseException as exception:  # noqa: BLE001 - reported to the engine, then re-raised
        if isinstance(exception, SystemExit) and not exception.code:
            error = None
        else:
            error = _report(exception, format_exception(exception))
            core = _core_error(exception)
            traceback.print_exception(type(exception), exception, exception.__traceback__)
    failure = _finish(error, core)
    if error is not None or failure is not None:
        raise SystemExit(1)


def _reset_for_tests() -> None:
    """Forget the finished program so that another can run in this process (tests only)."""
    global _current, _finished, _program_error, _program_core_error
    with _lock:
        _current = None
        _finished = False
        _program_error = None
        _program_core_error = None


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def source_position() -> str:
    """``file:line`` of the program code that called into the SDK (the first frame outside
    this package), shown as the core shows it (relative to the working folder when inside it)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR):
            break
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return ""
    return _native.source_position(frame.f_code.co_filename, frame.f_lineno)


# The SDK's own event loop (a daemon thread), where coroutine callbacks of ``apply`` run.
_loop: Optional[asyncio.AbstractEventLoop] = None
_loop_thread: Optional[threading.Thread] = None


def sdk_loop() -> asyncio.AbstractEventLoop:
    """The SDK's event loop, started on first use."""
    global _loop, _loop_thread
    loop = _loop
    if loop is not None:
        return loop
    with _lock:
        if _loop is None:
            new_loop = asyncio.new_event_loop()
            ready = threading.Event()

            def serve() -> None:
                asyncio.set_event_loop(new_loop)
                new_loop.call_soon(ready.set)
                new_loop.run_forever()

            thread = threading.Thread(target=serve, name="engine-sdk-asyncio", daemon=True)
            thread.start()
            ready.wait()
            _loop, _loop_thread = new_loop, thread
        return _loop
