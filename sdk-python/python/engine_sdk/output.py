"""``Output``: a value known later (a resource's property), possibly unknown in a preview,
possibly secret, remembering the resources it came from.

Every rule (callbacks skipped on unknowns, secrets and dependencies carried through every
combinator, failures propagated) is the Rust core's; this class converts and calls it.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Generator,
    Generic,
    List,
    Mapping,
    NoReturn,
    Optional,
    TypeVar,
    Union,
    overload,
)

from . import _context, _native

__all__ = ["Output", "Input", "Inputs", "Resolution"]

T = TypeVar("T")
U = TypeVar("U")
T_co = TypeVar("T_co", covariant=True)


class Resolution(Generic[T]):
    """What an output resolved to (see :meth:`Output.resolve`)."""

    __slots__ = ("known", "value", "secret", "dependencies")

    def __init__(self, known: bool, value: Optional[T], secret: bool, dependencies: List[str]):
        #: ``False`` when the value is unknown (only in a preview).
        self.known = known
        #: The value (``None`` when unknown).
        self.value = value
        #: Whether the value is secret.
        self.secret = secret
        #: URNs of the resources the value came from.
        self.dependencies = dependencies

    def __repr__(self) -> str:
        shown = "<unknown>" if not self.known else ("<secret>" if self.secret else repr(self.value))
        return f"Resolution(value={shown}, secret={self.secret}, dependencies={self.dependencies})"


def _callback(function: Callable[[Any], Any], where: str) -> Callable[[Any, _native.Completion], None]:
    """Adapt a Python callback (plain or coroutine function) to the core's ``apply``: the result
    is handed back through ``completion``; coroutines run on the SDK's event loop. A failure is
    reported with the place ``apply`` was called and the exception's traceback."""

    def fail(completion: _native.Completion, error: BaseException) -> None:
        completion.set_error(f"the apply callback at {where} raised:\n{_context.format_exception(error)}")

    def run(value: Any, completion: _native.Completion) -> None:
        try:
            result = function(value)
        except BaseException as error:  # noqa: BLE001 - reported to the core as the callback's failure
            fail(completion, error)
            return
        if inspect.isawaitable(result):
            _complete_later(result, completion, fail)
            return
        try:
            completion.set_result(result)
        except BaseException as error:  # noqa: BLE001
            fail(completion, error)

    return run


def _complete_later(
    awaitable: Awaitable[Any],
    completion: _native.Completion,
    fail: Callable[[_native.Completion, BaseException], None],
) -> None:
    async def wait() -> Any:
        return await awaitable

    future = asyncio.run_coroutine_threadsafe(wait(), _context.sdk_loop())

    def done(finished: "Any") -> None:
        try:
            result = finished.result()
        except BaseException as error:  # noqa: BLE001
            fail(completion, error)
            return
        try:
            completion.set_result(result)
        except BaseException as error:  # noqa: BLE001
            fail(completion, error)

    future.add_done_callback(done)


class Output(Generic[T_co]):
    """A value that becomes known later.

    Build outputs from resources (``bucket.arn``), with :meth:`from_input`, :meth:`secret`,
    :meth:`all`, :meth:`concat` and :meth:`format`; transform them with :meth:`apply`. Pass
    them anywhere a resource takes an input: the resource then depends on where they came from.
    An output cannot be turned into a string or iterated directly: use :meth:`apply`.
    """

    __slots__ = ("_inner",)

    _inner: _native.Output

    def __init__(self, inner: _native.Output) -> None:
        """Wrap a native output (use the class methods to make outputs)."""
        self._inner = inner

    # -- construction ---------------------------------------------------------------------

    @staticmethod
    def from_input(value: "Input[U]") -> "Output[U]":
        """Any input (a plain value, an output, or plain values with outputs inside) as one
        output of its plain value."""
        if isinstance(value, Output):
            return value
        return Output(_native.Output.from_input(value))

    @staticmethod
    def secret(value: "Input[U]") -> "Output[U]":
        """The value as a secret output (stays secret through every transformation, and is
        encrypted in the engine's state)."""
        return Output(_native.Output.secret(value))

    @staticmethod
    def unknown() -> "Output[Any]":
        """An unknown output (as a value not yet known in a preview)."""
        return Output(_native.Output.unknown())

    @overload
    @staticmethod
    def all(*values: "Input[Any]") -> "Output[List[Any]]": ...

    @overload
    @staticmethod
    def all(**values: "Input[Any]") -> "Output[Dict[str, Any]]": ...

    @staticmethod
    def all(*values: "Input[Any]", **named: "Input[Any]") -> "Output[Any]":
        """The values of several inputs together, as a list (positional) or a dict (keywords):
        unknown if any is, secret if any is, depending on all of them."""
        if values and named:
            raise TypeError("Output.all takes positional or keyword arguments, not both")
        if named:
            return Output(_native.Output.from_input(dict(named)))
        return Output(_native.Output.from_input(list(values)))

    @staticmethod
    def concat(*parts: "Input[Any]") -> "Output[str]":
        """The parts joined into one string (strings as they are, other values in their JSON
        text form, ``None`` as nothing)."""
        return Output(_native.Output.concat(list(parts)))

    @staticmethod
    def format(template: str, *args: "Input[Any]", **kwargs: "Input[Any]") -> "Output[str]":
        """``template.format(*args, **kwargs)`` once every argument is known."""
        _context.context()
        combined: Output[Any] = Output(_native.Output.from_input([list(args), dict(kwargs)]))

        def render(values: Any) -> str:
            positional, named = values
            return template.format(*positional, **named)

        return Output(combined._inner.apply(_callback(render, _context.source_position())))

    # -- transformation -------------------------------------------------------------------

    @overload
    def apply(self, function: "Callable[[T_co], Awaitable[Input[U]]]") -> "Output[U]": ...

    @overload
    def apply(self, function: "Callable[[T_co], Input[U]]") -> "Output[U]": ...

    def apply(self, function: "Callable[[T_co], Any]") -> "Output[Any]":
        """Run ``function`` on the value once it is known and return an output of its result.

        ``function`` may be a plain function or a coroutine function (run on the SDK's event
        loop). It never runs on an unknown value (preview): the result is then unknown. The
        result is secret if this output is, and depends on the same resources; a result that
        contains outputs is flattened. An exception fails the result and the program (the
        engine reports it with its traceback); the program's end waits for every callback.
        """
        _context.context()
        return Output(self._inner.apply(_callback(function, _context.source_position())))

    def as_secret(self) -> "Output[T_co]":
        """The same value, secret."""
        return Output(self._inner.as_secret())

    def unsecret(self) -> "Output[T_co]":
        """The same value, no longer secret (use with care)."""
        return Output(self._inner.unsecret())

    def __getitem__(self, key: Union[str, int]) -> "Output[Any]":
        """The value at a key of an object or an index of a list (``None`` when absent)."""
        return Output(self._inner.get_item(key))

    # -- reading --------------------------------------------------------------------------

    def resolve(self) -> "Resolution[T_co]":
        """Wait until the output resolves (blocking; for tests and debugging, not programs:
        a program passes outputs on or uses :meth:`apply`). Raises the output's failure."""
        known, value, secret, dependencies = self._inner.resolve()
        return Resolution(known, value, secret, dependencies)

    def __await__(self) -> Generator[Any, None, Optional[T_co]]:
        """``await output`` in asyncio code: its value (``None`` when unknown in a preview)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def settle(ok: bool, payload: Any) -> None:
            def deliver() -> None:
                if future.done():
                    return
                if ok:
                    future.set_result(payload[1])
                else:
                    future.set_exception(payload)

            if not loop.is_closed():
                loop.call_soon_threadsafe(deliver)

        self._inner.on_settled(settle)
        return future.__await__()

    # -- guards against common mistakes ---------------------------------------------------

    def __str__(self) -> str:
        raise TypeError(
            "an Output is not a string (its value is not known yet): use "
            "Output.concat(...), Output.format(...) or output.apply(lambda value: ...)"
        )

    def __bool__(self) -> bool:
        raise TypeError("an Output has no truth value yet: use output.apply(lambda value: ...)")

    def __iter__(self) -> NoReturn:
        raise TypeError("an Output cannot be iterated: use output.apply(lambda value: ...)")

    def __repr__(self) -> str:
        return repr(self._inner)


Input = Union[T, Output[T]]
"""A plain value or an output of it (``Input[str]``)."""

Inputs = Mapping[str, Input[Any]]
"""Properties: names to inputs."""
