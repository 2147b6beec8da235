"""The keyboard's echo under rows (twirly.echo): off while rows are shown, the person's modes
back at the end, whoever sets modes of their own meanwhile and puts back whichever modes they
saved. Judged frame by frame: a terminal ticked by hand on a clock of its own, in a program
whose pseudo-terminal is its controlling terminal, as a person's is."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support import ticked

#: The program: one row on its terminal; after each step it reports whether the rows are
#: aside and which modes are in force ("ours": the person's with echo off, "found": the
#: person's, "raw": someone else's).
PROGRAM = r"""
    import termios, tty

    found = termios.tcgetattr(0)

    def modes():
        current = termios.tcgetattr(0)
        if current == found:
            return "found"
        ours = [*found[:3], found[3] & ~(termios.ECHO | termios.ECHONL), *found[4:]]
        return "ours" if current == ours else "raw"

    def seen(step):
        say(step, modes=modes(), aside=term._aside)

    def raw():
        # A key read the way click.getchar and readchar read one.
        saved = termios.tcgetattr(0)
        tty.setraw(0)
        return saved

    def spin():
        row = Row("working", style.frames, style.width, style.interval, now[0])
        term.attach(row)
        tick(3)
        seen("spinning")
        return row

    row = spin()

    # The person's modes put back between two frames, by someone who saved them before the
    # row came (and read a key in raw mode meanwhile): echo off again at the next frame.
    termios.tcsetattr(0, termios.TCSANOW, found)
    tick(1)
    seen("found put back between frames")

    # Raw mode seen by a frame: the row steps aside. The modes saved (ours) put back: the row
    # returns, with echo off.
    saved = raw()
    tick(1)
    seen("raw")
    termios.tcsetattr(0, termios.TCSADRAIN, saved)
    tick(5)
    seen("ours put back")

    # The same, the person's modes saved before the row came and put back.
    raw()
    tick(1)
    seen("raw again")
    termios.tcsetattr(0, termios.TCSADRAIN, found)
    tick(5)
    seen("found put back")

    # Raw mode, then ours put back and the row gone at once, before any frame.
    saved = raw()
    tick(1)
    seen("raw before the end")
    termios.tcsetattr(0, termios.TCSADRAIN, saved)
    term.detach(row, None)
    seen("ended")

    # Raw mode left in force at the end: the modes are someone else's, and stay.
    row = spin()
    raw()
    tick(1)
    term.detach(row, None)
    seen("ended in raw mode")
    termios.tcsetattr(0, termios.TCSANOW, found)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the modes of a pty")
def test_echo_comes_back_off_and_the_modes_as_found_whatever_someone_else_saved(
    tmp_path: Path,
) -> None:
    steps = ticked.run(PROGRAM, tmp_path)
    assert [(s["step"], s["modes"], s["aside"]) for s in steps] == [
        ("spinning", "ours", False),
        ("found put back between frames", "ours", False),
        ("raw", "raw", True),
        ("ours put back", "ours", False),
        ("raw again", "raw", True),
        ("found put back", "ours", False),
        ("raw before the end", "raw", True),
        ("ended", "found", False),
        ("spinning", "ours", False),
        ("ended in raw mode", "raw", False),
    ]
