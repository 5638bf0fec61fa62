"""Resources: constructing one registers it with the engine at once (in the background).

Registration, URNs, parenting, inherited protection and dependency tracking are the Rust
core's; these classes convert their arguments and call it.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _context, _native
from .output import Input, Output

__all__ = [
    "Alias",
    "ComponentResource",
    "CustomResource",
    "CustomTimeouts",
    "RemoteComponentResource",
    "Resource",
    "ResourceOptions",
]


def _timeout(value: Union[None, float, int, str, timedelta]) -> Union[None, float, str]:
    """A timeout for the core, which reads it (seconds, or text such as ``"1h30m"``)."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


@dataclasses.dataclass(frozen=True)
class CustomTimeouts:
    """Time limits for the engine's cloud operations on a resource: seconds, a ``timedelta``,
    or text such as ``"5m"``, ``"1h30m"``, ``"90s"`` (unset: the resource type's own limits)."""

    create: Union[None, float, str, timedelta] = None
    update: Union[None, float, str, timedelta] = None
    delete: Union[None, float, str, timedelta] = None


@dataclasses.dataclass(frozen=True)
class Alias:
    """A former identity of a resource, so that renaming or moving it is not a replacement.

    Unset parts default to the resource's current ones. ``parent`` is the former parent (a
    resource or a URN); ``no_parent=True`` says it was formerly at the top level.
    """

    name: Optional[str] = None
    type: Optional[str] = None
    stack: Optional[str] = None
    project: Optional[str] = None
    parent: Union[None, "Resource", str] = None
    no_parent: bool = False


@dataclasses.dataclass
class ResourceOptions:
    """Options of a resource (all optional), passed as ``opts=ResourceOptions(...)``.

    :param parent: the component this resource belongs to (its URN and protection derive
        from it).
    :param depends_on: resources to wait for and depend on, besides those its inputs come from
        (a component stands for every resource under it).
    :param protect: refuse to delete or replace it (a protected parent's children are protected
        too).
    :param ignore_changes: property paths whose changes are ignored after creation.
    :param replace_on_changes: property paths whose changes force a replacement.
    :param delete_before_replace: delete it before creating its replacement.
    :param retain_on_delete: forget it instead of deleting it in the cloud (a component's applies
        to its children).
    :param import_id: adopt the existing cloud resource with this identifier.
    :param custom_timeouts: time limits of its cloud operations.
    :param region: the region it lives in (components: their children too, unless they set one).
    :param aliases: its former identities (URNs or :class:`Alias`).
    :param additional_secret_outputs: output properties to treat as secret.
    """

    parent: Optional["Resource"] = None
    depends_on: Optional[Sequence["Resource"]] = None
    protect: Optional[bool] = None
    ignore_changes: Optional[Sequence[str]] = None
    replace_on_changes: Optional[Sequence[str]] = None
    delete_before_replace: Optional[bool] = None
    retain_on_delete: bool = False
    import_id: Optional[str] = None
    custom_timeouts: Optional[CustomTimeouts] = None
    region: Optional[str] = None
    aliases: Optional[Sequence[Union[str, Alias]]] = None
    additional_secret_outputs: Optional[Sequence[str]] = None

    def merge(self, other: Optional["ResourceOptions"]) -> "ResourceOptions":
        """These options with ``other``'s set values on top (lists are concatenated)."""
        if other is None:
            return dataclasses.replace(self)
        merged: Dict[str, Any] = {}
        for field in dataclasses.fields(self):
            mine, theirs = getattr(self, field.name), getattr(other, field.name)
            if isinstance(mine, (list, tuple)) and isinstance(theirs, (list, tuple)):
                merged[field.name] = [*mine, *theirs]
            elif theirs is None or (field.name == "retain_on_delete" and theirs is False):
                merged[field.name] = mine
            else:
                merged[field.name] = theirs
        return ResourceOptions(**merged)

    def _to_native(self, source_position: Optional[str] = None) -> _native.ResourceOptions:
        timeouts = None
        if self.custom_timeouts is not None:
            timeouts = (
                _timeout(self.custom_timeouts.create),
                _timeout(self.custom_timeouts.update),
                _timeout(self.custom_timeouts.delete),
            )
        aliases: List[Union[str, Dict[str, Any]]] = []
        for alias in self.aliases or ():
            if isinstance(alias, str):
                aliases.append(alias)
            else:
                parent = alias.parent
                aliases.append(
                    {
                        "name": alias.name,
                        "type": alias.type,
                        "stack": alias.stack,
                        "project": alias.project,
                        "parent": parent._inner if isinstance(parent, Resource) else parent,
                        "no_parent": alias.no_parent,
                    }
                )
        return _native.ResourceOptions(
            parent=_handle(self.parent, "parent") if self.parent is not None else None,
            depends_on=[_handle(resource, "depends_on") for resource in self.depends_on or ()],
            protect=self.protect,
            ignore_changes=list(self.ignore_changes or ()),
            replace_on_changes=list(self.replace_on_changes or ()),
            delete_before_replace=self.delete_before_replace,
            retain_on_delete=self.retain_on_delete,
            import_id=self.import_id,
            custom_timeouts=timeouts,
            region=self.region,
            aliases=aliases,
            additional_secret_outputs=list(self.additional_secret_outputs or ()),
            source_position=source_position,
        )


def _handle(resource: Any, option: str) -> _native.Resource:
    if isinstance(resource, Resource):
        return resource._inner
    raise TypeError(
        f"ResourceOptions.{option} takes resources, not a value of type {type(resource).__name__!r}"
    )


def _native_options(opts: Optional[ResourceOptions]) -> Optional[_native.ResourceOptions]:
    if opts is None:
        return None
    if not isinstance(opts, ResourceOptions):
        raise TypeError(
            f"opts must be engine_sdk.ResourceOptions, not {type(opts).__name__!r}"
        )
    return opts._to_native()


class Resource:
    """A resource of the program: a cloud resource, a component, or one read from the cloud.

    :attr:`urn` is its URN as an output, which makes whatever uses it depend on this resource.
    (Generated typed resources derive from this class too, so its only public member is
    ``urn``: every other public name of theirs may be a property.)
    """

    _inner: _native.Resource

    def __init__(self, inner: _native.Resource) -> None:
        self._inner = inner

    @property
    def urn(self) -> Output[str]:
        """The URN, as an output (depends on this resource)."""
        return Output(self._inner.urn())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._inner.urn_str!r})"


class _Described(Resource):
    """What the hand-written resource classes show about themselves."""

    @property
    def urn_str(self) -> str:
        """The URN, known at once."""
        return self._inner.urn_str

    @property
    def resource_type(self) -> str:
        """The type (``AWS::S3::Bucket``, ``platform:index:Network``, ...)."""
        return self._inner.resource_type

    @property
    def resource_name(self) -> str:
        """The logical name given at construction."""
        return self._inner.name


class CustomResource(_Described):
    """A cloud resource (or a built-in one) by type name and properties.

    ``CustomResource("AWS::SQS::Queue", "jobs", {"VisibilityTimeout": 60})`` registers a queue;
    property names are the CloudFormation schema's. The typed classes of
    ``engine_sdk.aws`` are written on top of this class.
    """

    def __init__(
        self,
        resource_type: str,
        resource_name: str,
        props: Optional[Mapping[str, Input[Any]]] = None,
        opts: Optional[ResourceOptions] = None,
        *,
        _type_metadata: Optional[Any] = None,
    ) -> None:
        """Declare the resource; it registers at once (in the background)."""
        ctx = _context.context()
        super().__init__(
            ctx.register(
                resource_type,
                resource_name,
                {} if props is None else props,
                _native_options(opts),
                _context.source_position(),
                _type_metadata,
            )
        )

    @property
    def id(self) -> Output[str]:
        """The cloud identifier (unknown in a preview until the resource exists)."""
        return Output(self._inner.id())

    @property
    def outputs(self) -> Output[Dict[str, Any]]:
        """Every output property, as one dict (schema names)."""
        return Output(self._inner.outputs())

    def get_output(self, name: str) -> Output[Any]:
        """One output property by its schema name (``"Arn"``): unknown in a preview while the
        engine does not know it, secret when the engine marked it so."""
        return Output(self._inner.output(name))

    @classmethod
    def get(
        cls,
        resource_type: str,
        resource_name: str,
        id: Input[str],
        opts: Optional[ResourceOptions] = None,
    ) -> "CustomResource":
        """Read an existing cloud resource by identifier (not managed: never changed or
        deleted). Of the options, ``parent``, ``depends_on``, ``region`` and
        ``additional_secret_outputs`` apply."""
        ctx = _context.context()
        resource = cls.__new__(cls)
        Resource.__init__(
            resource, ctx.read(resource_type, resource_name, id, _native_options(opts))
        )
        return resource


class ComponentResource(_Described):
    """A group of resources of the program, typically a subclass::

        class Network(ComponentResource):
            def __init__(self, name: str, opts: Optional[ResourceOptions] = None):
                super().__init__("platform:index:Network", name, opts=opts)
                self.vpc = CustomResource("AWS::EC2::VPC", f"{name}-vpc", {...},
                                          ResourceOptions(parent=self))
                self.register_outputs({"vpcId": self.vpc.id})

    Children pass ``ResourceOptions(parent=self)``; their URNs carry the component's type.
    """

    def __init__(
        self,
        resource_type: str,
        resource_name: str,
        props: Optional[Mapping[str, Input[Any]]] = None,
        opts: Optional[ResourceOptions] = None,
    ) -> None:
        """Declare the component (``props`` is accepted for symmetry and not sent: a component's
        inputs are its constructor's arguments)."""
        del props
        ctx = _context.context()
        super().__init__(
            ctx.component(
                resource_type, resource_name, _native_options(opts), _context.source_position()
            )
        )

    def register_outputs(self, outputs: Mapping[str, Input[Any]]) -> None:
        """Record the component's outputs (outputs inside are awaited by the core)."""
        self._inner.register_outputs(outputs)


class RemoteComponentResource(_Described):
    """A component implemented by a plugin package (``package``: name and version requirement,
    e.g. ``"platform@^0.1"``); its outputs come back from the engine."""

    def __init__(
        self,
        resource_type: str,
        resource_name: str,
        package: str,
        props: Optional[Mapping[str, Input[Any]]] = None,
        opts: Optional[ResourceOptions] = None,
    ) -> None:
        ctx = _context.context()
        super().__init__(
            ctx.register(
                resource_type,
                resource_name,
                {} if props is None else props,
                _native_options(opts),
                _context.source_position(),
                None,
                package,
            )
        )

    def get_output(self, name: str) -> Output[Any]:
        """One output of the component, as the plugin returned it."""
        return Output(self._inner.output(name))
