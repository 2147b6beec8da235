"""twirly.records.NamedTuple builds the same classes as typing.NamedTuple, without typing."""

from __future__ import annotations

import typing

import pytest

from twirly import records


def _pair(base: type) -> type:
    class Point(base):  # type: ignore[valid-type, misc]
        """A point."""

        x: int
        y: int = 0
        label: str = "origin"

        def moved(self, by: int) -> Point:
            return self._replace(x=self.x + by)

        @classmethod
        def at(cls, x: int) -> Point:
            return cls(x)

    return Point


def test_a_record_class_behaves_like_typing_namedtuple() -> None:
    ours, theirs = _pair(records.NamedTuple), _pair(typing.NamedTuple)  # type: ignore[arg-type]
    for cls in (ours, theirs):
        point = cls(1, 2)
        assert point == (1, 2, "origin")
        assert isinstance(point, tuple)
        assert (point.x, point.y, point.label) == (1, 2, "origin")
        assert cls.at(3) == (3, 0, "origin")
        assert point.moved(4) == (5, 2, "origin")
        assert cls._fields == ("x", "y", "label")
        assert cls._field_defaults == {"y": 0, "label": "origin"}
        assert cls.__doc__ == "A point."
        assert cls.__name__ == "Point"
        assert cls.__module__ == __name__
        assert repr(cls(1)) == "Point(x=1, y=0, label='origin')"
        assert point._asdict() == {"x": 1, "y": 2, "label": "origin"}
        assert not hasattr(point, "__dict__")
    assert list(ours.__annotations__) == list(theirs.__annotations__)


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="default"):

        class Bad(records.NamedTuple):
            a: int = 0
            b: int
