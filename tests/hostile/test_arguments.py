"""Every public parameter given a wrong type or value: an error naming it, before any drawing."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from tests.hostile.programs import FakeTerminal
from twirly import Style, spin, spinner

#: (case name, call with a terminal stream, exception type, the parameter named in the message)
CONSTRUCTION: list[tuple[str, Callable[[FakeTerminal], object], type[Exception], str]] = [
    ("text int", lambda s: spinner(42, stream=s), TypeError, "text"),
    ("text bytes", lambda s: spinner(b"file", stream=s), TypeError, "text"),
    ("text None", lambda s: spinner(None, stream=s), TypeError, "text"),
    ("style int", lambda s: spinner("x", style=3, stream=s), TypeError, "style"),
    ("style list", lambda s: spinner("x", style=["a", "b"], stream=s), TypeError, "style"),
    ("style unknown", lambda s: spinner("x", style="no such style", stream=s), ValueError, "style"),
    ("style empty", lambda s: spinner("x", style="", stream=s), ValueError, "style"),
    ("driver unknown", lambda s: spinner("x", driver="fiber", stream=s), ValueError, "driver"),
    ("driver int", lambda s: spinner("x", driver=1, stream=s), (TypeError, ValueError), "driver"),
    ("driver case", lambda s: spinner("x", driver="Thread", stream=s), ValueError, "driver"),
    ("stream object", lambda s: spinner("x", stream=object()), TypeError, "stream"),
    ("stream str", lambda s: spinner("x", stream="stderr"), TypeError, "stream"),
    ("stream int", lambda s: spinner("x", stream=2), TypeError, "stream"),
    ("timer str", lambda s: spinner("x", timer="yes", stream=s), TypeError, "timer"),
    ("timer int", lambda s: spinner("x", timer=1, stream=s), TypeError, "timer"),
    ("animate str", lambda s: spinner("x", animate="no", stream=s), TypeError, "animate"),
    ("animate int", lambda s: spinner("x", animate=0, stream=s), TypeError, "animate"),
    ("unknown keyword", lambda s: spinner("x", colour=True, stream=s), TypeError, "colour"),
    ("style positional", lambda s: spinner("x", "dots", stream=s), TypeError, "positional"),
    ("Style frames int", lambda s: Style(3), TypeError, "frames"),
    ("Style frames bytes", lambda s: Style(b"ab"), TypeError, "frames"),
    ("Style frames empty", lambda s: Style([]), ValueError, "frames"),
    ("Style frame empty", lambda s: Style(["a", ""]), ValueError, "frames[1]"),
    ("Style frame not str", lambda s: Style(["a", 1]), TypeError, "frames[1]"),
    ("Style frame escape", lambda s: Style(["\x1b[2J"]), ValueError, "frames[0]"),
    ("Style frame C1", lambda s: Style(["a", "\x9b"]), ValueError, "frames[1]"),
    ("Style frame newline", lambda s: Style(["a\n"]), ValueError, "frames[0]"),
    ("Style frame bidi", lambda s: Style(["\u202e"]), ValueError, "frames[0]"),
    ("Style interval str", lambda s: Style("ab", "0.1"), TypeError, "interval"),
    ("Style interval bool", lambda s: Style("ab", True), TypeError, "interval"),
    ("Style interval zero", lambda s: Style("ab", 0), ValueError, "interval"),
    ("Style interval negative", lambda s: Style("ab", -1), ValueError, "interval"),
    ("Style interval nan", lambda s: Style("ab", float("nan")), ValueError, "interval"),
    ("Style interval inf", lambda s: Style("ab", float("inf")), ValueError, "interval"),
    ("Style name int", lambda s: Style("ab", name=3), TypeError, "name"),
]


@pytest.mark.parametrize(
    ("call", "error", "named"),
    [case[1:] for case in CONSTRUCTION],
    ids=[case[0] for case in CONSTRUCTION],
)
def test_construction_rejects_bad_arguments_before_drawing(
    call: Callable[[FakeTerminal], object], error: type[Exception], named: str
) -> None:
    stream = FakeTerminal()
    with pytest.raises(error) as raised:
        call(stream)
    assert named in str(raised.value)
    assert stream.getvalue() == ""


RUNNING: list[tuple[str, Callable[[Any], object], str]] = [
    ("text= int", lambda sp: setattr(sp, "text", 5), "text"),
    ("text= bytes", lambda sp: setattr(sp, "text", b"x"), "text"),
    ("text= None", lambda sp: setattr(sp, "text", None), "text"),
    ("write int", lambda sp: sp.write(5), "text"),
    ("write None", lambda sp: sp.write(None), "text"),
    ("write bytes", lambda sp: sp.write(b"line"), "text"),
    ("write list", lambda sp: sp.write(["a", "b"]), "text"),
    ("ok int", lambda sp: sp.ok(1), "text"),
    ("fail bytes", lambda sp: sp.fail(b"x"), "text"),
    ("warn list", lambda sp: sp.warn([]), "text"),
    ("info object", lambda sp: sp.info(object()), "text"),
    ("decorate int", lambda sp: sp(5), "function"),
]


@pytest.mark.parametrize(
    ("call", "named"), [case[1:] for case in RUNNING], ids=[case[0] for case in RUNNING]
)
def test_a_running_spinner_rejects_bad_arguments_and_keeps_running(
    call: Callable[[Any], object], named: str
) -> None:
    stream = FakeTerminal()
    sp = spinner("steady", stream=stream, animate=True)
    sp.start()
    try:
        drawn = stream.getvalue()
        with pytest.raises(TypeError) as raised:
            call(sp)
        assert named in str(raised.value)
        assert stream.getvalue() == drawn  # nothing drawn for the bad call
        assert sp.running
        assert sp.text == "steady"
    finally:
        sp.stop()


@pytest.mark.parametrize(
    ("make", "error", "named"),
    [
        (lambda: spin(42), TypeError, "awaitable"),
        (lambda: spin(asyncio.sleep(0), 3), TypeError, "text"),
        (lambda: spin(asyncio.sleep(0), "x", driver="fiber"), ValueError, "driver"),
        (lambda: spin(asyncio.sleep(0), "x", bogus=1), TypeError, "bogus"),
        (lambda: spin(asyncio.sleep(0), "x", style=1), TypeError, "style"),
    ],
    ids=["awaitable int", "text int", "driver", "unknown option", "style"],
)
def test_spin_rejects_bad_arguments_and_leaves_no_unawaited_coroutine(
    make: Callable[[], Any], error: type[Exception], named: str
) -> None:
    async def main() -> None:
        with pytest.raises(error) as raised:
            await make()
        assert named in str(raised.value)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        gc.collect()  # an abandoned coroutine warns when it is collected
    assert [str(w.message) for w in caught] == []  # no "coroutine ... was never awaited"


def test_asyncio_driver_without_a_loop_says_so_before_drawing() -> None:
    stream = FakeTerminal()
    sp = spinner("x", driver="asyncio", stream=stream, animate=True)
    with pytest.raises(RuntimeError, match="driver='asyncio'"):
        sp.start()
    assert stream.getvalue() == ""
    assert not sp.running
