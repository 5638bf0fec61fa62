"""What generated typed resources (``engine_sdk.aws.*``) call: the contract of
``engine/codegen/RUNTIME.md``. A generated class only declares its shape table and index; the
native core renames properties with the table (Python names to schema names on the way in, and
back on the way out), sends the type's metadata, and reports unknown or read-only names as
``InvalidError`` naming the resource and the property path.
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional, Tuple

from . import _context, _native
from .output import Input, Output
from .resource import Resource, ResourceOptions, _native_options

__all__ = ["CustomResource", "shape_table"]


def shape_table(text: str) -> _native.ShapeTable:
    """A generated module's shape table (parsed by the core on first use)."""
    return _native.ShapeTable(text)


class CustomResource(Resource):
    """Base class of every generated resource. Public members are ``urn``, ``id`` and the
    resource's properties (``bucket.arn``): outputs whose values carry Python names."""

    _engine_shape: ClassVar[Tuple[_native.ShapeTable, int]]

    def __init__(self, resource_name: str, *, opts: Optional[ResourceOptions] = None, **props: Any) -> None:
        table, index = type(self)._engine_shape
        ctx = _context.context()
        super().__init__(
            ctx.register_typed(
                table, index, resource_name, props, _native_options(opts), _context.source_position()
            )
        )

    @classmethod
    def _engine_get(
        cls, resource_name: str, id: Input[str], opts: Optional[ResourceOptions] = None
    ) -> "CustomResource":
        """Read an existing resource of this type by identifier (not managed)."""
        table, index = cls._engine_shape
        resource = cls.__new__(cls)
        Resource.__init__(
            resource,
            _context.context().read(table.type_name(index), resource_name, id, _native_options(opts)),
        )
        return resource

    @property
    def id(self) -> Output[str]:
        """The cloud identifier (unknown in a preview until the resource exists)."""
        return Output(self._inner.id())

    def __getattr__(self, name: str) -> Output[Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        table, index = type(self)._engine_shape
        return Output(_native.typed_output(table, index, self._inner, name))
