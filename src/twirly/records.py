"""``class X(NamedTuple)`` at the price of ``collections.namedtuple``, without importing typing.

Importing ``typing`` costs a first spinner more than the whole budget of its first frame (it
brings ``re``, ``enum`` and ``contextlib`` along). Modules on that path write::

    TYPE_CHECKING = False
    if TYPE_CHECKING:
        from typing import NamedTuple
    else:
        from twirly.records import NamedTuple

so that type checkers see typing's own class, and the interpreter builds the same kind of
class from ``collections.namedtuple`` (loaded already: ``threading`` needs ``functools``,
which needs ``collections``): fields from the annotations, defaults from the values given,
methods and docstring kept. Instances are plain named tuples, as typing's are.
"""

from __future__ import annotations

from collections import namedtuple

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
        # (mypy checks namedtuple() calls written out with literals; these are known at run time)
        module = str(namespace.get("__module__"))
        record: type = namedtuple(name, fields, defaults=defaults, module=module)  # type: ignore[misc]
        for key, value in namespace.items():
            if key not in _CLASS_KEYS and key not in fields:
                setattr(record, key, value)
        record.__qualname__ = str(namespace.get("__qualname__", name))
        record.__annotations__ = dict(annotations) if isinstance(annotations, dict) else {}
        return record


class NamedTuple(metaclass=_RecordMaker):
    """Base of record classes; subclasses are ``collections.namedtuple`` classes."""
