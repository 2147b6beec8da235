"""Reading a pseudo-terminal's screen between two frames, and everything a person can scroll
back through afterwards."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyte

from tests.support.ptyrun import PtyProcess
from twirly.styles import get_style

GLYPHS = "".join(frame.strip() for frame in get_style("dots").frames)
SYNC_BEGIN, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"

#: Every escape sequence twirly itself writes: cursor hide/show, autowrap off/on,
#: synchronised output, erase down / to end of line, cursor up, down and forward, cursor
#: save and restore (a frame's way back over rows on screen), and SGR colours.
OWN_SEQUENCES = re.compile(
    r"\x1b(?:[78]|\[(?:\?25[lh]|\?7[lh]|\?2026[hl]|[JK]|\d*[ABC]|\d+(?:;\d+)*m))"
)


def live_summary_of(title: str) -> re.Pattern[str]:
    """A group's summary row while it runs: a spinner frame, the title, two spaces."""
    return re.compile(rf"^[{GLYPHS}] {re.escape(title)}  ")


def between_frames(output: bytes) -> bool:
    """Whether ``output`` ends outside a frame written as one update (mode 2026)."""
    return output.rfind(SYNC_BEGIN) <= output.rfind(SYNC_END)


def read_screen_until(
    p: PtyProcess, seen: Callable[[list[str]], bool], what: str, timeout: float = 20.0
) -> list[str]:
    """Read until the screen, between two frames, shows what ``seen`` looks for; its rows."""
    deadline = time.monotonic() + timeout
    while True:
        rows = p.screen().text_lines
        if between_frames(bytes(p.output)) and seen(rows):
            return rows
        if time.monotonic() > deadline or p.proc.poll() is not None:
            raise AssertionError(f"never saw {what}:\n{p.screen().text}")
        p.read_for(0.01)


def used_rows(rows: list[str]) -> list[str]:
    """``rows`` down to the last one with text."""
    rows = list(rows)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def transcript(output: bytes, rows: int = 24, cols: int = 80) -> list[str]:
    """Everything a person can read after the program, scrolling back: the rows that went
    into the scrollback, then the screen, without blank rows."""
    screen = pyte.HistoryScreen(cols, rows, history=100_000)
    pyte.Stream(screen).feed(output.decode("utf-8", "replace"))
    history = ["".join(line[x].data for x in range(cols)).rstrip() for line in screen.history.top]
    return [line for line in [*history, *(row.rstrip() for row in screen.display)] if line]
