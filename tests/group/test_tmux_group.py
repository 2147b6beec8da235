"""A group in tmux, a terminal that reflows lines on a resize and keeps a scrollback.

When a pane gets shorter, tmux drops the blank rows under the cursor and pushes the rows
above into its history; when it gets narrower, it re-wraps every line. Neither may leave
a copy of a task row in what a person scrolls back through, nor erase what the program
printed before the group.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import struct
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.core.test_tmux import Tmux
from tests.support.frames import GLYPHS

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

#: What the program prints before the group; the last line wraps below 94 columns.
BEFORE = [*(f"before {i}: the program's own output" for i in range(4)), "before: " + "x" * 86]

_GROUP_UNTIL_STOP = """
import asyncio, os, twirly
for line in BEFORE:
    print(line, flush=True)

async def task(i):
    twirly.current().text = f"step {i}{TAIL}"
    while not os.path.exists(STOP):
        await asyncio.sleep(0.02)

async def main():
    titles = [f"task {i:02d}" for i in range(TASKS)]
    async with twirly.group("Resizing", show_after=0) as g:
        await g.gather(*(task(i) for i in range(TASKS)), titles=titles)
    print("after", flush=True)

asyncio.run(main())
"""
TASK_ROW = re.compile(rf"^[{GLYPHS}] task \d\d  step ")
SUMMARY = re.compile(rf"^([{GLYPHS}]) Resizing  ")


def _block(rows: list[str]) -> tuple[list[str], str] | None:
    """The task rows and the summary row at the bottom of the screen, if it is there."""
    used = list(rows)
    while used and not used[-1]:
        used.pop()
    if not used or not SUMMARY.match(used[-1]):
        return None
    top = len(used) - 1
    while top > 0 and TASK_ROW.match(used[top - 1]):
        top -= 1
    return used[top:-1], used[-1]


def _fitted(lines: int, columns: int, tasks: int, tail: str) -> Callable[[list[str]], bool]:
    """The block drawn for a screen of this size: a row for each task while they fit under
    the cap of ``lines - 1`` rows with the summary, none in the last column."""

    def seen(rows: list[str]) -> bool:
        block = _block(rows)
        if block is None or len(rows) != lines:
            return False
        shown, summary = block
        if len(shown) != min(tasks, lines - 2):
            return False
        if any(len(row) >= columns for row in [*shown, summary]):
            return False
        # Drawn for this width: whole where the text fits, cut with an ellipsis where not.
        wholes = [_whole(row, tail) for row in shown]
        if None in wholes:
            return False  # (a row cut by the terminal, not drawn for this width)
        return all(
            ("…" in row) == (len(whole or "") >= columns)
            for row, whole in zip(shown, wholes, strict=True)
        )

    return seen


def _whole(row: str, tail: str) -> str | None:
    """The row as it reads when nothing is cut (None: not a whole row with its timer)."""
    match = re.match(rf"^[{GLYPHS}] task (\d\d)  .*\((\d+s)\)$", row)
    if match is None:
        return None
    number, timer = match.groups()
    return f"⠋ task {number}  step {int(number)}{tail} ({timer})"


def _tty_size(path: str) -> tuple[int, int]:
    """Rows and columns of the pane's pseudo-terminal, as the program reads them."""
    fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        lines, columns = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, bytes(8)))[:2]
    finally:
        os.close(fd)
    return lines, columns


def _resize_and_follow(
    tmux: Tmux, lines: int, columns: int, tasks: int, tail: str
) -> tuple[int, list[list[str]]]:
    """Resize the window; return how many frames (spinner steps of the summary row) went by
    before the block was drawn for the new size."""
    tty = tmux.run("display-message", "-p", "#{pane_tty}").strip()
    tmux.run("resize-window", "-x", str(columns), "-y", str(lines))
    # tmux reflows its screen at once but tells the program (the pty's size, then SIGWINCH)
    # up to a quarter of a second later, when resizes come close together: the frames are
    # counted from when the program can know.
    deadline = time.monotonic() + 20
    while _tty_size(tty) != (lines, columns):
        assert time.monotonic() < deadline, f"the pane's tty never became {columns}x{lines}"
        time.sleep(0.005)
    fitted = _fitted(lines, columns, tasks, tail)
    glyphs: list[str] = []
    screens: list[list[str]] = []
    deadline = time.monotonic() + 20
    while True:
        rows = tmux.screen()
        summary = next((SUMMARY.match(row) for row in reversed(rows) if SUMMARY.match(row)), None)
        if summary is not None and (not glyphs or glyphs[-1] != summary.group(1)):
            glyphs.append(summary.group(1))
        if not screens or screens[-1] != rows:
            screens.append(rows)
        if fitted(rows):
            return len(glyphs) - 1, screens
        assert time.monotonic() < deadline, f"never fitted to {columns}x{lines}: {rows!r}"


@pytest.fixture
def tmux_with(tmp_path: Path) -> Iterator[Callable[[int, str], Tmux]]:
    servers: list[Tmux] = []

    def start(tasks: int, tail: str) -> Tmux:
        facts = f"TASKS = {tasks}\nTAIL = {tail!r}\nBEFORE = {BEFORE!r}\n"
        server = Tmux(facts + _GROUP_UNTIL_STOP, tmp_path)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


class RowInScrollback(AssertionError):
    """A task row was found in what a person scrolls back through."""


LONG_TAIL = " of a long-running task with a long text"  # (rows of about 63 columns)
#: tmux (3.3) makes a pane narrower by re-wrapping every line: rows wider than the new
#: width take two lines each, and what no longer fits the pane goes from the top into its
#: history, task rows among them, before the program can know the new size. (A shorter pane
#: alone loses the lines below the cursor first: the block's, since the cursor rests on its
#: top row; and twirly's frames move down over rows on screen with a move that never
#: scrolls, so a frame drawn for the old height in the quarter second before the new size
#: reaches the program pushes nothing either.)
TMUX_PUSHES_ROWS = pytest.mark.xfail(
    strict=True,
    raises=RowInScrollback,
    reason="tmux re-wraps rows wider than the narrowed pane and pushes them into its history",
)


@pytest.mark.parametrize(
    ("tasks", "tail"),
    [
        (10, ""),
        pytest.param(10, LONG_TAIL, marks=TMUX_PUSHES_ROWS, id="rows-re-wrapped-narrower"),
        (40, ""),
    ],
    ids=["short-rows", "rows-re-wrapped-narrower", "block-as-tall-as-the-screen"],
)
def test_a_group_follows_resizes_in_tmux_and_leaves_no_row_in_the_scrollback(
    tmux_with: Callable[[int, str], Tmux], tasks: int, tail: str
) -> None:
    tmux = tmux_with(tasks, tail)
    tmux.wait_for(_fitted(30, 100, tasks, tail), "the block at 100x30")
    for lines, columns in [(20, 60), (30, 100), (14, 40), (24, 80)]:
        frames, screens = _resize_and_follow(tmux, lines, columns, tasks, tail)
        # (Counted from the first screen read once the program could know the size.)
        seen = "\n\n".join("\n".join(rows) for rows in screens)
        assert frames <= 2, f"{frames} frames before the block fitted {columns}x{lines}:\n{seen}"
    tmux.run("resize-window", "-x", "100", "-y", "30")
    tmux.wait_for(_fitted(30, 100, tasks, tail), "the block at 100x30 again")
    tmux.stop.touch()
    tmux.wait_for(lambda rows: "after" in rows, "the program's end")
    everything = tmux.everything()
    assert everything[: len(BEFORE)] == BEFORE, "the program's output above was changed"
    rest = everything[len(BEFORE) :]
    if [line for line in rest if "task" in line]:
        raise RowInScrollback(f"a task row was left: {everything}")
    assert len(rest) == 2, everything
    assert re.fullmatch(rf"Resizing  {tasks} done · 0 failed · 0:\d\d", rest[0]), everything
    assert rest[1] == "after"
