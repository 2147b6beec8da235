"""A group in tmux, a terminal that reflows lines on a resize and keeps a scrollback.

When a pane gets shorter, tmux drops the blank rows under the cursor and pushes the rows
above into its history; when it gets narrower, it re-wraps every line. Neither may leave
a copy of a task row in what a person scrolls back through, nor erase what the program
printed before the group.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.core.test_tmux import Tmux
from tests.support.frames import GLYPHS

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

BEFORE = [f"before {i}: the program's own output" for i in range(4)]
LONG_BEFORE = "before, long: " + "x" * 80  # (wraps when the pane is narrower than 94 columns)

_GROUP_UNTIL_STOP = f"""
import asyncio, os, twirly
for line in {BEFORE!r} + [{LONG_BEFORE!r}]:
    print(line, flush=True)

async def task(i):
    twirly.current().text = f"step {{i}} of a long-running task with a long text"
    while not os.path.exists(STOP):
        await asyncio.sleep(0.02)

async def main():
    titles = [f"task {{i:02d}}" for i in range(40)]
    async with twirly.group("Resizing", show_after=0) as g:
        await g.gather(*(task(i) for i in range(40)), titles=titles)
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


def _fitted(lines: int, columns: int) -> Callable[[list[str]], bool]:
    """The block drawn for a screen of this size: as many rows as fit under the cap of
    ``lines - 1`` (the tasks outnumber them), none in the last column."""

    def seen(rows: list[str]) -> bool:
        block = _block(rows)
        if block is None or len(rows) != lines:
            return False
        tasks, summary = block
        return len(tasks) == lines - 2 and all(len(row) < columns for row in [*tasks, summary])

    return seen


def _resize_and_follow(tmux: Tmux, lines: int, columns: int) -> int:
    """Resize the window; return how many frames (spinner steps of the summary row) went by
    before the block was drawn for the new size."""
    tmux.run("resize-window", "-x", str(columns), "-y", str(lines))
    fitted = _fitted(lines, columns)
    glyphs: list[str] = []
    deadline = time.monotonic() + 20
    while True:
        rows = tmux.screen()
        summary = next((SUMMARY.match(row) for row in reversed(rows) if SUMMARY.match(row)), None)
        if summary is not None and (not glyphs or glyphs[-1] != summary.group(1)):
            glyphs.append(summary.group(1))
        if fitted(rows):
            return len(glyphs) - 1
        assert time.monotonic() < deadline, f"never fitted to {columns}x{lines}: {rows!r}"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    server = Tmux(_GROUP_UNTIL_STOP, tmp_path)
    yield server
    server.close()


def test_a_group_follows_resizes_in_tmux_and_leaves_no_row_in_the_scrollback(tmux: Tmux) -> None:
    tmux.wait_for(_fitted(30, 100), "the block at 100x30")
    for lines, columns in [(12, 60), (30, 100), (8, 40), (20, 80)]:
        frames = _resize_and_follow(tmux, lines, columns)
        # (Counted from the first screen read after the resize: a frame may be under way.)
        assert frames <= 2, f"{frames} frames went by before the block fitted {columns}x{lines}"
    tmux.run("resize-window", "-x", "100", "-y", "30")
    tmux.wait_for(_fitted(30, 100), "the block at 100x30 again")
    tmux.stop.touch()
    tmux.wait_for(lambda rows: "after" in rows, "the program's end")
    everything = tmux.everything()
    assert everything[: len(BEFORE) + 1] == [*BEFORE, LONG_BEFORE], everything
    rest = everything[len(BEFORE) + 1 :]
    assert not [line for line in rest if "task" in line], "a task row was left in the scrollback"
    assert len(rest) == 2, everything
    assert re.fullmatch(r"Resizing  40 done · 0 failed · 0:\d\d", rest[0]), everything
    assert rest[1] == "after"
