"""``class X(NamedTuple)`` at the price of ``collections.namedtuple``, without importing typing.

Importing ``typing`` costs a first spinner more than the whole budget of its first frame (it
brings ``re``, ``enum`` and ``contextlib`` along). Modules on that path write::

    TYPE_CHECKING = False
    if TYPE_CHECKING:
        from typing import NamedTuple
    else:
        from twirly.records import NamedTuple

so that type checkers see typing's own class, and the interpreter builds the same kind of
class that ``collections.namedtuple`` builds: fields from the annotations, defaults from the
values given, methods and docstring kept. Instances are tuples with the same fields, methods
(``_make``, ``_replace``, ``_asdict``) and ``repr`` as typing's. Built here rather than by
``collections.namedtuple``: ``collections`` (with ``keyword``, ``operator`` and ``reprlib``) is
not loaded before a first spinner's first frame.
"""

from __future__ import annotations

import _collections  # type: ignore[import-not-found]  # (built in: nothing to load)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

__all__ = ["NamedTuple"]

_CLASS_KEYS = frozenset({"__annotations__", "__module__", "__qualname__", "__orig_bases__"})


class _RecordMaker(type):
    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, object]) -> type:
        if not bases:
            return super().__new__(mcls, name, bases, namespace)  # NamedTuple itself
        annotations = namespace.get("__annotations__", {})
        fields = list(annotations) if isinstance(annotations, dict) else []
        defaults = [namespace[field] for field in fields if field in namespace]
        if any(field in namespace for field in fields[: len(fields) - len(defaults)]):
            raise TypeError(f"{name}: fields with a default must come after all the others")
        record = _record_class(name, fields, defaults, str(namespace.get("__module__")))
        for key, value in namespace.items():
            if key not in _CLASS_KEYS and key not in fields:
                setattr(record, key, value)
        record.__qualname__ = str(namespace.get("__qualname__", name))
        record.__annotations__ = dict(annotations) if isinstance(annotations, dict) else {}
        return record


class NamedTuple(metaclass=_RecordMaker):
    """Base of record classes; subclasses are tuples with named fields."""


def _record_class(name: str, fields: list[str], defaults: list[object], module: str) -> type:
    """A tuple class with ``fields`` (the last ones with ``defaults``), as namedtuple's."""
    for field in fields:
        if field.startswith("_"):
            raise ValueError(f"{name}: field names cannot start with an underscore: {field!r}")
    count = len(fields)
    listed = ", ".join(fields)
    # The constructor's signature is the fields' own (keywords, defaults, the usual errors for
    # a missing or unexpected argument): made from source, as only a def can have one.
    packed, arguments = (f"({listed},)", f", {listed}") if fields else ("()", "")
    make_new = eval(f"lambda _cls{arguments}: _new(_cls, {packed})", {"_new": tuple.__new__})
    make_new.__name__ = "__new__"
    make_new.__qualname__ = f"{name}.__new__"
    make_new.__doc__ = f"Create new instance of {name}({listed})"
    if defaults:
        make_new.__defaults__ = tuple(defaults)

    def _make(cls: type[tuple[Any, ...]], iterable: Iterable[Any]) -> tuple[Any, ...]:
        made = tuple.__new__(cls, iterable)
        if len(made) != count:
            raise TypeError(f"Expected {count} arguments, got {len(made)}")
        return made

    def _replace(self: Any, /, **changes: Any) -> Any:
        replaced = self._make(map(changes.pop, fields, self))
        if changes:
            raise ValueError(f"Got unexpected field names: {list(changes)!r}")
        return replaced

    def __repr__(self: tuple[Any, ...]) -> str:
        shown = ", ".join(f"{field}={value!r}" for field, value in zip(fields, self, strict=True))
        return f"{self.__class__.__name__}({shown})"

    def _asdict(self: tuple[Any, ...]) -> dict[str, Any]:
        return dict(zip(fields, self, strict=True))

    def __getnewargs__(self: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(self)

    methods = {"_make": _make, "_replace": _replace, "__repr__": __repr__}
    methods |= {"_asdict": _asdict, "__getnewargs__": __getnewargs__}
    for method_name, method in methods.items():
        method.__qualname__ = f"{name}.{method_name}"
    body: dict[str, Any] = {
        "__doc__": f"{name}({listed})",
        "__slots__": (),
        "__module__": module,
        "__match_args__": tuple(fields),
        "_fields": tuple(fields),
        "_field_defaults": dict(zip(fields[count - len(defaults) :], defaults, strict=True)),
        "__new__": make_new,
        **methods,
        "_make": classmethod(_make),
    }
    for index, field in enumerate(fields):
        body[field] = _collections._tuplegetter(index, f"Alias for field number {index}")
    return type(name, (tuple,), body)
