"""The book's experiment, with the watchdog, in a real pseudo-terminal: what a person sees,
and when. Also Ctrl-C during a block, a prompt during a block, a long C call holding the
GIL, and the watchdog turned off."""

from __future__ import annotations

import ast
import itertools
import re
import signal
import sys
import textwrap

import pytest

from tests.support.ptyrun import PtyProcess, clean_env
from twirly.styles import get_style

GLYPHS = [frame.strip() for frame in get_style("dots").frames]

BOOK = textwrap.dedent("""\
    import asyncio, sys, time, twirly
    async def slow():
        time.sleep(BLOCK)
        return 42
    async def supervisor():
        print(f"ENTER {time.monotonic():.6f}", flush=True)
        async with twirly.spinner("thinking!") as sp:
            result = await slow()
        print("RECORDS", [tuple(b)[:8] for b in sp.blocks], flush=True)
        return result
    print("Answer:", asyncio.run(supervisor()))
    """)
SLEEP_LINE = 3


def _run(code: str, **env: str) -> PtyProcess:
    return PtyProcess([sys.executable, "-c", code], env=clean_env(env), rows=30, cols=100)


def _entered(p: PtyProcess) -> float:
    text = bytes(p.output).decode()
    return float(text.split("ENTER ", 1)[1].split()[0])


def _records(p: PtyProcess) -> list[tuple[object, ...]]:
    text = p.screen().text.replace("\n", "")
    listed = text.split("RECORDS ", 1)[1].split("]", 1)[0] + "]"
    return ast.literal_eval(listed)  # type: ignore[no-any-return]


def _glyph_times(p: PtyProcess, until: float) -> list[float]:
    return [at for at, data in p.chunks if at <= until and any(g.encode() in data for g in GLYPHS)]


def test_the_book_experiment_keeps_turning_and_names_the_line() -> None:
    block = 1.5
    with _run(BOOK.replace("BLOCK", str(block))) as p:
        assert p.wait() == 0, bytes(p.output)
        entered = _entered(p)
        first = next(at for at, data in p.chunks if "⠋ thinking!".encode() in data)
        assert first - entered <= 0.15  # although the spinner's Task never ran
        ended = entered + block
        times = _glyph_times(p, ended)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) >= block / 0.08 * 0.6, times
        assert max(gaps) <= 0.25, gaps
        # The label from 0.5 s after the block began (the first frame), within two frames.
        label = next(at for at, data in p.chunks if "⚠ event loop blocked".encode() in data)
        assert label - first <= 0.65
        records = _records(p)
        assert len(records) == 1
        duration, kind, function, filename, lineno, task, samples, agreeing = records[0]
        assert (kind, function, filename, lineno, task) == (
            "blocked",
            "slow",
            "<string>",
            SLEEP_LINE,
            "Task-1",
        )
        assert abs(float(duration) - block) <= 0.1  # type: ignore[arg-type]
        assert int(agreeing) >= 0.9 * int(samples)  # type: ignore[call-overload]
        screen = p.screen()
        assert screen.cursor_visible
        assert "⚠ event loop blocked 1 time, ~1.5 s in total (longest ~1.5 s)" in screen.text
        # (Python 3.13 also shows the source text of `-c` code)
        assert re.search(
            r"  ~1\.5 s  slow\(\)  <string>:3  (time\.sleep\(1\.5\)  )?task Task-1 · ", screen.text
        )
        assert "Answer: 42" in screen.text
        assert not any(glyph in screen.text for glyph in GLYPHS)


def test_turned_off_the_spinner_freezes_as_in_the_book() -> None:
    code = BOOK.replace("BLOCK", "0.8").replace('"thinking!"', '"thinking!", watchdog=False')
    with _run(code) as p:
        assert p.wait() == 0
        assert {g for g in GLYPHS if g.encode() in bytes(p.output)} == {GLYPHS[0]}
        assert "event loop" not in p.screen().text
        assert _records(p) == []


def test_the_environment_turns_it_off_everywhere() -> None:
    with _run(BOOK.replace("BLOCK", "0.8"), TWIRLY_WATCHDOG="0") as p:
        assert p.wait() == 0
        assert {g for g in GLYPHS if g.encode() in bytes(p.output)} == {GLYPHS[0]}
        assert _records(p) == []


def test_ctrl_c_during_a_block_restores_the_terminal_and_draws_nothing_after() -> None:
    code = BOOK.replace("BLOCK", "30")
    with _run(code) as p:
        p.read_until("⚠ event loop blocked")
        # asyncio.run takes the first Ctrl-C as "cancel the main task", which waits for the
        # blocked step to end; the second one interrupts it (as without twirly).
        p.send_signal(signal.SIGINT)
        p.read_for(0.2)
        p.send_signal(signal.SIGINT)
        assert p.wait() == -signal.SIGINT  # (130 to a shell)
        p.read_to_the_end()
        out = bytes(p.output)
        restored = out.rfind(b"\x1b[?25h")
        assert restored > out.rfind(b"\x1b[?25l")
        assert not any(g.encode() in out[restored:] for g in GLYPHS)
        assert p.screen().cursor_visible


def test_input_in_a_coroutine_draws_nothing_while_the_prompt_waits() -> None:
    code = textwrap.dedent("""\
        import asyncio, twirly
        async def main():
            async with twirly.spinner("thinking!") as sp:
                name = input("Name: ")
            print("HELLO", name, len(sp.blocks))
        asyncio.run(main())
        """)
    with _run(code) as p:
        p.read_until("Name: ")
        p.read_for(1.0)  # (the loop is blocked in input(): the watchdog must stay away)
        at_prompt = len(p.output)
        assert not any(g.encode() in bytes(p.output)[at_prompt - 20 :] for g in GLYPHS)
        assert "event loop" not in p.screen().text
        p.type("Ada\r")
        assert p.wait() == 0
        assert "HELLO Ada 0" in p.screen().text


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.0, 0.5], ids=["at-once", "after-ticks"])
def test_a_long_c_call_holding_the_gil_is_recorded_as_such(after: float) -> None:
    # (at once: the call starts before the watchdog's thread first runs; after ticks: the
    # loop ticked while the watchdog slept, each tick pushing its alarm on)
    code = textwrap.dedent(f"""\
        import asyncio, time, twirly
        def crunch():
            n = 1
            while True:  # size a GIL-holding C call of a second of CPU (1 s of wall or more)
                start = time.thread_time(); sum(range(n)); took = time.thread_time() - start
                if took > 0.25:
                    return n * 1.0 / took
                n *= 2
        SIZE = int(crunch())
        async def slow():
            start = time.monotonic()
            sum(range(SIZE))
            took = time.monotonic() - start
            await asyncio.sleep(0.2)
            return took
        async def main():
            async with twirly.spinner("crunching") as sp:
                if {after}: await asyncio.sleep({after})
                took = await slow()
            print("TOOK", round(took, 2), "RECORDS", [tuple(b)[:8] for b in sp.blocks])
        asyncio.run(main())
        """)
    with _run(code) as p:
        assert p.wait(30) == 0
        text = p.screen().text.replace("\n", "")
        took = float(text.split("TOOK ", 1)[1].split()[0])
        records = ast.literal_eval(text.split("RECORDS ", 1)[1].split("]", 1)[0] + "]")
        assert len(records) == 1
        duration, kind, function, _, lineno, *_ = records[0]
        assert kind == "gil"
        assert (function, lineno) == ("slow", 12)
        assert abs(duration - took) <= 0.15
