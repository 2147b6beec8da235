"""Steady frames (twirly.steady): while only the glyphs change, a frame asks the kernel
whether anything else did and turns the glyph; whatever else changes gets the full frame.
Judged three ways: the steady frame's turn against the block's full frame, the kernel's
answers on a real pseudo-terminal, and a terminal driven frame by frame in a program on a
pseudo-terminal that is its controlling terminal, as a person's is."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.support import ticked
from tests.support.process_driver import DRAWING_CHILD, KILLED_AND_NOTED, NAPS_NOTED
from tests.support.ptyrun import PtyProcess, clean_env
from twirly.block import Block
from twirly.state import Row
from twirly.steady import Steady, possible
from twirly.styles import get_style

DOTS = get_style("dots")

linux_only = pytest.mark.skipif(not possible(), reason="steady frames are Linux's")

#: What may happen to a one-row block between two frames.
_STEPS = st.one_of(
    st.tuples(st.just("wait"), st.floats(min_value=0.0, max_value=0.5)),
    st.tuples(st.just("text"), st.sampled_from(["working", "working hard", "wörk", "", "x" * 50])),
    st.tuples(st.just("color"), st.sampled_from(["", "\x1b[36m"])),
    st.tuples(st.just("prefix"), st.sampled_from(["", "[1/3]"])),
    st.tuples(st.just("suffix"), st.sampled_from(["", "42%"])),
    st.tuples(st.just("note"), st.sampled_from(["", " (blocked)"])),
    st.tuples(st.just("width"), st.integers(min_value=3, max_value=90)),
    st.tuples(st.just("height"), st.sampled_from([0, 2, 3, 24])),
    st.tuples(st.just("lines"), st.lists(st.sampled_from(["a line", ""]), max_size=2)),
    st.tuples(st.just("lift"), st.none()),
    st.tuples(st.just("suspend"), st.sampled_from(["Name? ", ""])),
    st.tuples(st.just("aside"), st.none()),
    st.tuples(st.just("restart"), st.none()),
    # (named styles are made once: the same frames come back, as the same tuple)
    st.tuples(st.just("style"), st.sampled_from(["dots", "line", "one frame", "slow"])),
    st.tuples(st.just("other row"), st.booleans()),
)

_STYLES = {
    "dots": (DOTS.frames, DOTS.interval),
    "line": (get_style("line").frames, get_style("line").interval),
    "one frame": (("=>",), 0.1),
    "slow": (DOTS.frames, 2.0),
}


class _Turning:
    """A steady frame over ``block``, its kernel's answers always the ones before (the
    functions the record holds for them are stand-ins): what it writes, and its delay."""

    def __init__(self, block: Block, size: list[int]) -> None:
        self.block = block
        self.clock = [0.0]
        self.written: list[str] = []
        output = SimpleNamespace(
            dead=False,
            encoding="utf-8",
            write=self.written.append,
            send=lambda data: self.written.append(bytes(data).decode()),
        )
        owner = SimpleNamespace(
            _descriptors=None,
            _watch=None,
            _echo=None,
            _queued=None,
            _output=output,
            now=lambda: self.clock[0],
        )
        read, write = os.pipe()  # (any descriptor will do: nothing is asked of it)
        os.close(write)
        self.steady = Steady(
            read, (size[0], size[1]), wakeup=None, capture=None, owner=cast(Any, owner), block=block
        )
        os.close(read)
        steady: Any = self.steady
        steady._ioctl = lambda fd, request, buffer, mutate: 0
        steady._sized = lambda fd: (80, 24)
        steady._poll = lambda timeout: steady._expected
        steady._arrived, steady._wakeups = {}, []

        def written(fd: int, data: bytes) -> int:
            self.written.append(data.decode())
            return len(data)

        steady._write = written
        assert steady.frame() is None  # (the first answers: nothing to compare with)

    def frame(self, now: float, size: list[int]) -> tuple[str, float] | None:
        """At ``now``: what the steady frame wrote and its delay; None: it asks for a full
        frame."""
        self.clock[0] = now
        self.steady.size = (size[0], size[1])
        self.written.clear()
        delay = self.steady.frame()
        return None if delay is None else ("".join(self.written), delay)


def _apply(
    block: Block, rows: tuple[Row, Row], step: tuple[str, object], *, now: float, size: list[int]
) -> str:
    """Take ``step`` on ``block`` (whose row is ``rows[0]``; ``rows[1]`` may come and go);
    what it writes."""
    kind, value = step
    row, other = rows
    written = ""
    if kind in ("text", "color", "prefix", "suffix", "note"):
        setattr(row, kind, value)
    elif kind == "style":
        row.interval = _STYLES[str(value)][1]
        row.frame_width = 2 if value == "one frame" else 1
        row.frames = _STYLES[str(value)][0]
    elif kind == "other row":
        if value and other not in block:
            written = block.add(other, now, *size)
        elif not value and other in block:
            written = block.remove(other, None, now, *size)
    elif kind in ("width", "height"):
        size[kind == "height"] = int(value)  # type: ignore[call-overload]
    elif kind == "lines":
        written = block.above(list(value), now, *size)  # type: ignore[call-overload]
    elif kind == "lift":
        written = block.lift([])
    elif kind == "suspend":
        written = block.suspend(str(value))
    elif kind == "aside":
        written = block.step_aside()
    elif kind == "restart":
        written = block.restart(now, *size)
    return written


@linux_only
@settings(max_examples=500, deadline=None)
@given(st.lists(_STEPS, min_size=1, max_size=40), st.floats(min_value=0.0, max_value=10.0))
@example([("wait", 0.1), ("style", "one frame"), ("style", "dots")], 0.0)  # (and back)
@example([("wait", 0.1), ("style", "slow")], 0.0)  # (the same glyphs, slower)
def test_a_turn_writes_and_schedules_what_the_full_frame_does(
    steps: list[tuple[str, object]], start: float
) -> None:
    # Two blocks with the same row, taken through the same changes: one draws every frame
    # the full way, the other's frames are steady ones, which turn wherever they can. They
    # write the same bytes and wake at the same times.
    rows = [Row("working", DOTS.frames, DOTS.width, DOTS.interval, start) for _ in range(2)]
    others = [Row("another", DOTS.frames, DOTS.width, DOTS.interval, start) for _ in range(2)]
    full, turning = Block(unicode=True), Block(unicode=True)
    size = [40, 24]
    now = start
    assert full.add(rows[0], now, *size) == turning.add(rows[1], now, *size)
    steady = _Turning(turning, size)
    for step in steps:
        if step[0] == "wait":
            now += float(step[1])  # type: ignore[arg-type]
        pairs = zip((full, turning), rows, others, strict=True)
        written = [
            _apply(block, (row, other), step, now=now, size=size) for block, row, other in pairs
        ]
        assert written[0] == written[1]
        if full.suspended:
            continue  # (no frames while an unfinished line stands there)
        expected = (full.frame(now, *size), full.next_deadline(now) - now)
        assert steady.frame(now, size) == expected
    # (that turns happen at all is shown below, where nothing but time passes)


@linux_only
def test_a_row_that_only_turns_is_drawn_by_turns_after_one_round_of_its_glyphs() -> None:
    row = Row("working", DOTS.frames, DOTS.width, DOTS.interval, 0.0)
    block = Block(unicode=True)
    block.add(row, 0.0, 40, 24)
    steady = _Turning(block, [40, 24])
    count = len(DOTS.frames)
    now = 0.0
    rendered = 0
    for _ in range(2 * count):  # (each glyph drawn once from another: its move is known)
        now += DOTS.interval
        got = steady.frame(now, [40, 24])
        assert got is not None
        rendered += "working" in got[0]
    assert rendered <= count + 1  # (after a round, none)
    for _ in range(3 * count):
        now += DOTS.interval
        got = steady.frame(now, [40, 24])
        assert got is not None
        text, delay = got
        assert text.endswith("\r")
        assert "working" not in text  # (the glyph only: the text stays as it is on screen)
        assert DOTS.frames[round(now / DOTS.interval) % count] in text
        assert delay == pytest.approx(DOTS.interval)
    row.text = "a new text"
    got = steady.frame(now + DOTS.interval, [40, 24])
    assert got is not None
    assert "a new text" in got[0]  # (rendered afresh)


class _Moody(Row):
    """A row whose text reads once as another, as when a thread sets a text and then the
    old one again while a frame is being made."""

    __slots__ = ("_text", "reads_until_other")

    @property  # type: ignore[override]
    def text(self) -> str:
        self.reads_until_other -= 1
        return "waiting" if self.reads_until_other == 0 else self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value


@linux_only
@pytest.mark.parametrize("reads", [1, 2, 3])
def test_a_text_set_and_set_back_while_a_frame_is_made_is_not_kept_in_the_images(
    reads: int,
) -> None:
    row = _Moody("working", DOTS.frames, DOTS.width, DOTS.interval, 0.0)
    row.reads_until_other = 0
    block = Block(unicode=True)
    block.add(row, 0.0, 40, 24)
    now = 0.0
    for _ in range(3):  # (a frame makes the images; the other text comes while it does)
        now += DOTS.interval
        block.frame(now, 40, 24)
    row.reads_until_other = reads
    now += DOTS.interval
    block.frame(now, 40, 24)  # (this frame may show the other text: it was set)
    steady = _Turning(block, [40, 24])
    later = ""
    for _ in range(3 * len(DOTS.frames)):
        now += DOTS.interval
        got = steady.frame(now, [40, 24])
        later += got[0] if got is not None else block.frame(now, 40, 24)
    assert "waiting" not in later, later


# -- the kernel's answers ---------------------------------------------------------------------


def _unchanged(steady: Steady) -> bool:
    """A record made with no terminal asks only the kernel: is every answer the one before?"""
    return steady.frame() is not None


@linux_only
def test_the_answers_change_with_the_modes_the_size_the_capture_and_a_signal() -> None:
    master, slave = pty.openpty()
    capture_master, capture = pty.openpty()
    wake_read, wake_write = os.pipe()
    try:
        steady = Steady(slave, (80, 24), wakeup=wake_read, capture=capture)
        assert not _unchanged(steady)  # (the first answers: nothing to compare with)
        assert _unchanged(steady)
        assert _unchanged(steady)

        modes = termios.tcgetattr(slave)
        modes[3] &= ~termios.ECHO  # (getpass's prompt)
        termios.tcsetattr(slave, termios.TCSANOW, modes)
        assert not _unchanged(steady)
        assert _unchanged(steady)  # (the new modes are the answer before now)

        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        assert not _unchanged(steady)
        assert _unchanged(steady)

        # The capture's modes are asked at one frame in 8 (a child that changes them draws
        # on the capture at once, and its bytes send the frame the full way without this).
        child_modes = termios.tcgetattr(capture)
        child_modes[3] &= ~termios.ICANON  # (a pager in the capture)
        termios.tcsetattr(capture, termios.TCSANOW, child_modes)
        asked = [_unchanged(steady) for _ in range(8)]
        assert asked.count(False) == 1, asked  # (at one of the next 8 frames)
        assert _unchanged(steady)

        os.write(wake_write, bytes([signal.SIGTERM]))  # (a signal's number, on the pipe)
        assert not _unchanged(steady)
        assert not _unchanged(steady)  # (until someone reads it: the full frame does)
        os.read(wake_read, 16)
        assert _unchanged(steady)
    finally:
        for fd in (master, slave, capture_master, capture, wake_read, wake_write):
            os.close(fd)


@linux_only
def test_a_moves_bytes_are_made_once_and_kept_for_a_few_texts_only() -> None:
    master, slave = pty.openpty()
    try:
        steady = Steady(slave, (80, 24), wakeup=None, capture=None)
        move = "\x1b[2D⠙"
        first = steady.encoded(move, "utf-8")
        assert first == move.encode()
        assert steady.encoded(move, "utf-8") is first  # (made once)
        assert steady.encoded("\x1b[2D⠹", "ascii") == b"\x1b[2D?"  # (as Output.write would)
        for number in range(200):  # (moves of many texts: a few are kept, each is right)
            assert steady.encoded(f"{number} ⠙", "utf-8") == f"{number} ⠙".encode()
        assert len(steady._encoded) <= 64
    finally:
        os.close(master)
        os.close(slave)


@linux_only
def test_a_terminal_stopped_by_ctrl_s_is_no_steady_frame() -> None:
    master, slave = pty.openpty()
    try:
        steady = Steady(slave, (80, 24), wakeup=None, capture=None)
        _unchanged(steady)
        assert _unchanged(steady)
        os.write(master, b"\x13")  # (Ctrl-S: the terminal takes no output until Ctrl-Q)
        assert _eventually(lambda: not select.select([], [slave], [], 0)[1])
        assert not _unchanged(steady)
        os.write(master, b"\x11")
        assert _eventually(lambda: bool(select.select([], [slave], [], 0)[1]))
        assert _unchanged(steady)
    finally:
        os.close(master)
        os.close(slave)


def _eventually(check: Callable[[], bool]) -> bool:
    """``check()`` once the pseudo-terminal has handled a key (a kernel worker does that)."""
    for _ in range(500):
        if check():
            return True
        select.select([], [], [], 0.01)
    return False


@linux_only
def test_a_descriptor_gone_is_no_steady_frame() -> None:
    master, slave = pty.openpty()
    steady = Steady(slave, (80, 24), wakeup=None, capture=None)
    _unchanged(steady)
    assert _unchanged(steady)
    os.close(slave)
    os.close(master)
    assert not _unchanged(steady)


# -- a terminal, frame by frame, in a program on a pseudo-terminal -------------------------------

#: The program: a row on its terminal, ticked by hand on a clock of its own; after each step it
#: reports how many frames went the full way and what it saw.
PROGRAM = r"""
    import os, termios, threading, fcntl, struct, time
    from twirly import guards
    from twirly.steady import Steady

    full = [0]
    shipped = term._full_frame

    def counted():
        full[0] += 1
        return shipped()

    term._full_frame = counted
    turns = [0]
    shipped_steady = Steady.frame

    def counting_steady(self):
        delay = shipped_steady(self)
        turns[0] += delay is not None
        return delay

    Steady.frame = counting_steady
    row = Row("working", style.frames, style.width, style.interval, now[0])
    term.attach(row)

    def frames(count):
        before = full[0]
        tick(count)
        return full[0] - before

    say("start", full=frames(30))  # (the first rounds: full frames, then turns)
    turned = turns[0]
    say("steady", full=frames(20), turned=turns[0] - turned)

    modes = termios.tcgetattr(0)  # (twirly's: echo off while the row is shown)
    keys = [*modes[:3], modes[3] & ~termios.ICANON, *modes[4:6], modes[6]]
    termios.tcsetattr(0, termios.TCSANOW, keys)  # (someone reads keys one by one)
    full_now = frames(1)
    say("prompt", full=full_now, aside=term._aside)
    termios.tcsetattr(0, termios.TCSANOW, modes)
    say("answered", full=frames(10), aside=term._aside)
    say("steady again", full=frames(30))

    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 20, 0, 0))
    say("resized", full=frames(1), width=term._block._width)
    say("steady again", full=frames(30))

    term.queue_lines(["a line from a task"])
    say("queued", full=frames(1))
    row.text = "a new text"
    say("text", full=frames(1))
    say("steady again", full=frames(30))

    os.write(guards._wakeup[1], bytes([28]))  # (a signal's number on the wake-up pipe)
    say("signal", full=frames(1))
    say("steady again", full=frames(30))

    def frames_until(aside, most):
        took = 0
        while term._aside is not aside and took < most:
            took += 1
            frames(1)
        return took

    def reads_the_keyboard(thread):
        syscall = f"/proc/self/task/{thread.native_id}/syscall"
        while not open(syscall).read().split()[1:2] == ["0x0"]:  # (until it reads fd 0)
            time.sleep(0.01)
        return frames_until(True, 20)

    got = []
    reader = threading.Thread(target=lambda: got.append(sys.stdin.readline()))
    reader.start()
    took = reads_the_keyboard(reader)
    say("reader", frames=took, aside=term._aside)
    print("READY", file=sys.stderr, flush=True)
    reader.join()
    frames_until(False, 50)  # (the answer is in: the row comes back)
    say("answered", line=got[0], aside=term._aside)

    # A thread there all along, found waiting elsewhere, that then reads the keyboard: its
    # CPU clock moved, so the quick look gives way to a full one.
    go = threading.Event()
    reader = threading.Thread(target=lambda: (go.wait(), got.append(sys.stdin.readline())))
    reader.start()
    say("idle thread", full=frames(12))
    go.set()
    took = reads_the_keyboard(reader)
    say("idle reader", frames=took, aside=term._aside)
    print("AGAIN", file=sys.stderr, flush=True)
    reader.join()
    term.detach(row, None)
    say("done", line=got[1])
"""


@linux_only
def test_a_terminal_turns_while_nothing_changes_and_frames_in_full_when_anything_does(
    tmp_path: Path,
) -> None:
    def talk(p: PtyProcess) -> None:
        p.read_until("READY", timeout=30)
        p.type("an answer\n")
        p.read_until("AGAIN", timeout=30)
        p.type("another\n")

    steps = ticked.run(PROGRAM, tmp_path, talk, timeout=15)
    said = [step.pop("step") for step in steps]
    assert said == [
        "start",
        "steady",
        "prompt",
        "answered",
        "steady again",
        "resized",
        "steady again",
        "queued",
        "text",
        "steady again",
        "signal",
        "steady again",
        "reader",
        "answered",
        "idle thread",
        "idle reader",
        "done",
    ]
    facts = dict(enumerate(steps))
    assert facts[1] == {"full": 0, "turned": 20}  # nothing changes: every frame a turn
    assert facts[2] == {"full": 1, "aside": True}  # someone reads keys: seen at the next frame
    assert facts[3]["aside"] is False  # given back: the row is back
    assert facts[4] == {"full": 0}
    assert facts[5] == {"full": 1, "width": 20}  # a resize: at the next frame
    assert facts[6] == {"full": 0}
    assert facts[7] == {"full": 1}  # a line queued for the frame
    assert facts[8] == {"full": 0}  # a new text: rendered, and nothing else asked
    assert facts[9] == {"full": 0}
    assert facts[10] == {"full": 1}  # a signal's number on the wake-up pipe
    assert facts[11] == {"full": 0}
    assert facts[12] == {"frames": 1, "aside": True}  # a new thread reading the keyboard
    assert facts[13] == {"line": "an answer\n", "aside": False}
    assert facts[14]["full"] <= 2  # (a thread started: one full look, then quick ones)
    assert facts[15] == {"frames": 1, "aside": True}  # a thread that was there, now reading
    assert facts[16] == {"line": "another\n"}


#: A process-driver spinner whose drawing child is killed once its frames are steady (a
#: record made, and answers read to compare with).
CHILD_KILLED = (
    DRAWING_CHILD
    + KILLED_AND_NOTED
    + textwrap.dedent(r"""
    import twirly
    import twirly.terminal as T
    with twirly.spinner("spinning text", driver="process") as sp:
        terminal = next(iter(T._terminals.values()))
        while terminal._child is None or not getattr(terminal._steady, "_before", None):
            time.sleep(0.01)
        killed_and_noted(drawing_child())
""")
)

#: The drawing child dies while the pipes to it still look open: an exiting process lets go
#: of its files one by one, the last opened (the wake pipe) first, and under load it may be
#: preempted in between. Here its other pipes are held open by the program for good, so that
#: the wake pipe's end is all the parent hears; it is killed while the parent's clock naps.
CHILD_GONE_PIPES_OPEN = (
    NAPS_NOTED
    + DRAWING_CHILD
    + KILLED_AND_NOTED
    + textwrap.dedent(r"""
    import twirly
    with twirly.spinner("spinning text", driver="process"):
        child = drawing_child()
        held = [os.open(f"/proc/{child}/fd/0", os.O_RDONLY | os.O_NONBLOCK),
                os.open(f"/proc/{child}/fd/1", os.O_WRONLY | os.O_NONBLOCK)]
        napped.clear()
        napped.wait(10)
        killed_and_noted(child)
""")
)


def _drawn_here_again(program: str, killed: Path, *, within: float) -> None:
    """Run ``program``, which kills its drawing child and writes when into ``killed``:
    the spinner turns here again, from within ``within`` seconds of that, and the program
    ends well (told to by SIGUSR1), its terminal as found."""
    glyphs = [g.encode() for g in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"]
    with PtyProcess([sys.executable, "-c", program, str(killed)], env=clean_env()) as p:
        deadline = time.monotonic() + 30
        while not killed.exists() and time.monotonic() < deadline:
            p.read_for(0.05)
        assert killed.exists(), bytes(p.output)
        since = float(killed.read_text())
        later: list[float] = []
        while len(later) < 5 and time.monotonic() < deadline:  # (drawn here again: turning)
            p.read_for(0.05)
            later = [at for at, c in p.chunks if at > since and any(g in c for g in glyphs)]
        assert len(later) >= 5, p.chunks
        assert later[0] - since < within, later[0] - since
        p.send_signal(signal.SIGUSR1)
        assert p.wait(timeout=15) == 0
        screen = p.screen()
        assert screen.cursor_visible
        assert "spinning text" not in screen.text


@linux_only
def test_a_drawing_child_that_dies_is_noticed_by_steady_frames_and_drawing_comes_back(
    tmp_path: Path,
) -> None:
    # The process driver's parent makes steady frames too: the child's answering pipe hangs
    # up when it dies, its poll says so, and the full frame then draws here again: at the
    # next frame, not at the next full one (there is none while frames are steady).
    _drawn_here_again(CHILD_KILLED, tmp_path / "killed", within=1.0)


@linux_only
def test_a_drawing_child_gone_while_its_pipes_look_open_is_noticed_at_once(
    tmp_path: Path,
) -> None:
    # The wake pipe's end says the child has gone, before its other pipes may: the clock
    # woken by it does not go back to sleep on the child, it draws here at once.
    _drawn_here_again(CHILD_GONE_PIPES_OPEN, tmp_path / "killed", within=0.5)
