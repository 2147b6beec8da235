"""Wrong arguments fail at the call, naming the argument; nothing is drawn for them."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator

import pytest

import twirly
from tests.track.screen import Utf8Stream


async def numbers() -> AsyncIterator[int]:
    yield 1


@pytest.mark.parametrize("thing", [5, None, 3.5, object()])
def test_track_over_a_non_iterable_is_a_type_error_naming_it(thing: object) -> None:
    with pytest.raises(TypeError, match=rf"iterable.*not {type(thing).__name__}"):
        twirly.track(thing, "x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("total", "error"), [("10", TypeError), (2.0, TypeError), (True, TypeError)]
)
def test_total_must_be_an_int(total: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="total must be an int or None, not"):
        twirly.track(range(3), total=total)  # type: ignore[arg-type]


def test_total_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match=r"total must be >= 0 \(or None\), not -1"):
        twirly.track(range(3), total=-1)


def test_the_spinner_s_arguments_are_checked_at_the_call_not_at_the_loop() -> None:
    with pytest.raises(TypeError, match="text must be str"):
        twirly.track(range(3), 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="style must be"):
        twirly.track(range(3), "x", style=7)
    with pytest.raises(ValueError, match="driver must be one of"):
        twirly.track(range(3), "x", driver="fiber")
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        twirly.track(range(3), "x", colour="red")


def test_a_spinner_s_and_a_task_s_track_check_their_arguments_too() -> None:
    sp = twirly.spinner("x", stream=io.StringIO())
    with pytest.raises(TypeError, match="not int"):
        sp.track(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="total must be >= 0"):
        sp.track(range(3), total=-5)
    with twirly.group("g", stream=io.StringIO()) as g, g.task("t") as task:
        with pytest.raises(TypeError, match="total must be an int or None, not str"):
            task.track(range(3), total="3")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"iterable.*not NoneType"):
            task.track(None)  # type: ignore[arg-type]


def test_for_over_an_async_iterable_says_to_use_async_for() -> None:
    tracked = twirly.track(numbers(), "x", stream=io.StringIO())
    with pytest.raises(TypeError, match="async_generator is an async iterable: use `async for`"):
        iter(tracked)
    asyncio.run(_drain(tracked))  # (and `async for` takes it)


async def _drain(tracked: twirly._track.Tracked[int]) -> None:
    assert [n async for n in tracked] == [1]


def test_a_len_that_fails_or_lies_never_stops_the_loop() -> None:
    class Broken:
        def __len__(self) -> int:
            raise RuntimeError("no length today")

        def __iter__(self) -> Iterator[str]:
            return iter("abc")

    out = Utf8Stream()
    assert list(twirly.track(Broken(), "x", stream=out)) == ["a", "b", "c"]
    assert out.getvalue().splitlines()[-1].startswith("✔ x  3 · ")
    assert twirly.track(Broken()).total is None
    assert twirly.track([1, 2]).total == 2
    assert twirly.track([1, 2], total=5).total == 5


def test_the_total_is_a_length_hint() -> None:
    import operator

    assert operator.length_hint(twirly.track(range(7))) == 7
    assert operator.length_hint(twirly.track(iter(range(7))), -1) == -1


def test_the_spinner_s_newer_arguments_are_checked_at_the_call_too() -> None:
    with pytest.raises(TypeError, match="quiet must be True, False or None"):
        twirly.track(range(3), "x", quiet="yes")
    with pytest.raises(ValueError, match="show_after must be"):
        twirly.track(range(3), "x", show_after=-1)


def test_a_quiet_tracked_loop_writes_nothing() -> None:
    out = Utf8Stream()
    assert list(twirly.track(range(3), "x", stream=out, quiet=True)) == [0, 1, 2]
    assert out.getvalue() == ""
