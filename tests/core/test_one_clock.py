"""One clock per terminal, on one frame grid: what many rows cost, with an injected clock.

The terminal is given a clock the test moves by hand and an in-memory output, so these tests
take no sleeps: they count the wake-ups a clock would make (each ``tick()`` returns the delay
until the next one) and the work each frame does, as rows are added by the thousand.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import selectors
import threading
from collections.abc import Iterator
from typing import Any

import pyte
import pytest
from hypothesis import given
from hypothesis import strategies as st

import twirly
from twirly.block import IDLE_FRAME, Block
from twirly.drivers.asyncio import AsyncioClock
from twirly.output import Memory
from twirly.state import Capabilities, Row, next_step
from twirly.styles import get_style
from twirly.terminal import Terminal, terminal_for

DOTS = get_style("dots")
CAPS = Capabilities(animate=True, color=False, unicode=True)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _terminal(columns: int = 80, lines: int = 24) -> tuple[Terminal, FakeClock, pyte.Screen]:
    screen = pyte.Screen(columns, lines)
    stream = pyte.Stream(screen)
    clock = FakeClock()
    output = Memory(columns, lines, feed=stream.feed)
    terminal = Terminal(io.StringIO(), CAPS, clock=clock, output=output)
    return terminal, clock, screen


def _row(
    terminal: Terminal, text: str, started: float, frames: tuple[str, ...] = DOTS.frames
) -> Row:
    row = Row(text, frames, 1, DOTS.interval, started)
    row.ident = terminal.new_ident()
    return row


def _wakeups(terminal: Terminal, clock: FakeClock, seconds: float) -> int:
    """Tick as a clock would, for ``seconds`` of simulated time: the number of wake-ups."""
    end = clock.now + seconds
    count = 0
    while clock.now < end:
        delay = terminal.tick()
        assert delay is not None
        assert delay > 0  # never a wake-up at once: the deadline is after now
        clock.now += delay
        count += 1
    return count


@pytest.fixture
def rows_started_at_random() -> Iterator[random.Random]:
    return random.Random(20261128)


@pytest.mark.parametrize("count", [1, 2, 10, 1_000, 10_000])
def test_wakeups_per_second_stay_flat_as_rows_are_added(
    count: int, rows_started_at_random: random.Random
) -> None:
    terminal, clock, screen = _terminal()
    start = clock.now
    for index in range(count):
        clock.now = start + rows_started_at_random.random()  # anywhere in the first second
        terminal.attach(_row(terminal, f"task {index}", clock.now))
    clock.now = start + 1.0
    seconds = 10.0
    frames_per_second = 1 / DOTS.interval
    assert _wakeups(terminal, clock, seconds) <= seconds * frames_per_second + 1
    shown = [line.rstrip() for line in screen.display if line.strip()]
    assert len(shown) == min(count, 23)
    if count > 23:
        assert shown[-1] == f"… {count - 22} more"


def test_rows_past_the_screen_and_rows_that_never_change_do_not_set_the_pace() -> None:
    terminal, clock, _ = _terminal(lines=5)
    for index in range(4):  # four rows fit (the screen's rows less one); three, then "… N more"
        terminal.attach(_row(terminal, f"static {index}", clock.now, frames=(" ",)))
    for index in range(100):
        terminal.attach(_row(terminal, f"hidden {index}", clock.now))
    assert _wakeups(terminal, clock, 10.0) <= 10 / IDLE_FRAME + 1


def test_a_frame_renders_the_rows_shown_not_all_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal, clock, _ = _terminal()
    for index in range(10_000):
        terminal.attach(_row(terminal, f"task {index}", clock.now))
    calls = 0
    original = Row.frame_index

    def counting(self: Row, now: float) -> int:
        nonlocal calls
        calls += 1
        return original(self, now)

    monkeypatch.setattr(Row, "frame_index", counting)
    _wakeups(terminal, clock, 1.0)
    ticks = round(1.0 / DOTS.interval) + 1
    assert calls <= ticks * 22


def test_a_frame_writes_only_what_changed() -> None:
    terminal, clock, _ = _terminal()
    for index in range(1_000):
        terminal.attach(_row(terminal, f"task {index}", clock.now))
    output = terminal._output
    assert isinstance(output, Memory)
    output.written.clear()
    _wakeups(terminal, clock, 1.0)
    frames = [text for text in output.written if text]
    # 22 rows shown, each changing its glyph (3 bytes) and returning (\r): no text again; 21
    # moves down a row (ESC [ B), the cursor saved at column 0 and restored (\r ESC 7, ESC 8);
    # between the two 8-byte brackets of a synchronized update (mode 2026).
    assert max(len(frame.encode()) for frame in frames) <= 22 * 4 + 21 * 3 + 5 + 16


@given(
    origin=st.floats(0, 1e6, allow_nan=False),
    step=st.sampled_from([0.05, 0.08, 0.1, 0.13, 1.0]),
    frames=st.integers(0, 10_000),
    jitter=st.sampled_from([0.0, 1e-12, -1e-12]),
)
def test_a_deadline_is_strictly_after_now_on_a_whole_step(
    origin: float, step: float, frames: int, jitter: float
) -> None:
    now = origin + frames * step + jitter  # at (or a hair around) an exact frame boundary
    due = next_step(origin, step, now)
    assert due > now
    count = (due - origin) / step
    assert abs(count - round(count)) < 1e-6
    assert due - now <= step * (1 + 1e-6) + abs(jitter)


def test_row_deadlines_at_every_exact_frame_boundary_move_forward() -> None:
    row = Row("x", DOTS.frames, 1, DOTS.interval, 12345.678)
    for frame in range(1, 2000):
        now = row.origin + frame * row.interval
        assert row.next_change(now) > now


def test_block_deadline_is_after_now_for_many_rows_at_boundaries() -> None:
    block = Block(unicode=True)
    for index in range(50):
        block.add(
            Row(f"{index}", DOTS.frames, 1, DOTS.interval, index * 0.013), index * 0.013, 80, 24
        )
    now = 0.0
    for _ in range(500):
        due = block.next_deadline(now)
        assert due > now
        now = due


def test_one_thread_ticks_every_thread_spinner_of_a_terminal() -> None:
    stream = _TtyStream()
    spinners = [
        twirly.spinner(f"s{i}", stream=stream, animate=True, driver="thread") for i in range(100)
    ]
    for spinner in spinners:
        spinner.start()
    try:
        clocks = [t for t in threading.enumerate() if t.name == "twirly-spinner"]
        assert len(clocks) == 1
        terminal = terminal_for(stream, animate=True)
        ticker = terminal.ticker
        assert ticker is not None
        assert ticker.alive
        assert ticker.thread_id == clocks[0].ident
    finally:
        for spinner in spinners:
            spinner.stop()
    assert not clocks[0].is_alive()
    assert terminal_for(stream, animate=True).ticker is None


def test_the_clock_says_when_it_last_ticked_and_from_where() -> None:
    stream = _TtyStream()
    with twirly.spinner("x", stream=stream, animate=True, driver="thread"):
        ticker = terminal_for(stream, animate=True).ticker
        assert ticker is not None
        stream.wait_for_frames(3)
        assert ticker.last_tick > 0
        assert ticker.thread_id not in (None, threading.get_ident())


def test_asyncio_spinners_of_one_loop_share_one_task_and_leave_none_pending() -> None:
    async def main() -> None:
        stream = _TtyStream()
        async with twirly.spinner("one", stream=stream, animate=True):
            async with twirly.spinner("two", stream=stream, animate=True):
                names = [t.get_name() for t in asyncio.all_tasks()]
                assert names.count("twirly-spinner") == 1
            await asyncio.sleep(0)
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "twirly-spinner"]

    asyncio.run(main())


def test_an_asyncio_clock_wakes_the_loop_once_a_frame() -> None:
    # Each frame is one timer on the loop. A Task that awaits asyncio.sleep() between frames
    # (the book's) wakes it twice: once for the timer, once more to resume the Task.
    waits = [0]

    class Counting(selectors.DefaultSelector):
        def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
            waits[0] += 1
            found: list[tuple[Any, int]] = super().select(timeout)
            ticker = terminal_for(stream, animate=True).ticker
            if isinstance(ticker, AsyncioClock) and ticker.ticks >= 24 and not enough.done():
                enough.set_result(ticker.ticks)
            return found

    stream = _TtyStream()
    loop = asyncio.SelectorEventLoop(Counting())
    enough: asyncio.Future[int] = loop.create_future()

    async def main() -> tuple[int, int]:
        async with twirly.spinner("x", stream=stream, animate=True, watchdog=False):
            ticker = terminal_for(stream, animate=True).ticker
            assert isinstance(ticker, AsyncioClock)
            ticks, before = ticker.ticks, waits[0]
            ticked = await enough
        return ticked - ticks, waits[0] - before

    try:
        frames, wakes = loop.run_until_complete(main())
    finally:
        loop.close()
    assert frames >= 24
    # (a few more as it starts, and when a wait ends a hair before its timer is due)
    assert wakes < frames * 3 // 2, (frames, wakes)


def test_a_thread_spinner_joining_an_asyncio_one_takes_over_the_ticking() -> None:
    async def main() -> None:
        stream = _TtyStream()
        async with twirly.spinner("coroutine", stream=stream, animate=True):
            worker = twirly.spinner("thread", stream=stream, animate=True, driver="thread")
            worker.start()
            ticker = terminal_for(stream, animate=True).ticker
            assert ticker is not None
            assert ticker.thread_id != threading.get_ident()
            worker.stop()
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "twirly-spinner"]

    asyncio.run(main())


def test_the_drawing_child_is_reaped_when_stop_returns() -> None:
    master, slave = os.openpty()
    drained = threading.Thread(target=_drain, args=(master,), daemon=True)
    drained.start()
    stream = open(slave, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    try:
        spinner = twirly.spinner("x", stream=stream, animate=True, driver="process").start()
        child = terminal_for(stream, animate=True)._child
        assert child is not None
        spinner.stop()
        assert child.link._process.returncode is not None  # exited and waited for
    finally:
        stream.close()
        os.close(slave)
        os.close(master)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass


class _TtyStream(io.StringIO):
    """A stream that says it is a terminal, and lets a test wait for frames."""

    def __init__(self) -> None:
        super().__init__()
        self._writes = threading.Condition()
        self._count = 0

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._writes:
            self._count += 1
            self._writes.notify_all()
        return super().write(text)

    def wait_for_frames(self, count: int, timeout: float = 10.0) -> None:
        with self._writes:
            assert self._writes.wait_for(lambda: self._count >= count, timeout)
