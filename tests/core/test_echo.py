"""The keyboard's echo under rows (twirly.echo): off while rows are shown, the person's modes
back at the end, whoever sets modes of their own meanwhile and puts back whichever modes they
saved. Judged frame by frame: a terminal ticked by hand on a clock of its own, in a program
whose pseudo-terminal is its controlling terminal, as a person's is."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.ptyrun import PtyProcess, clean_env

#: The program: one row on its terminal; after each step it reports whether the rows are
#: aside and which modes are in force ("ours": the person's with echo off, "found": the
#: person's, "raw": someone else's).
PROGRAM = textwrap.dedent(r"""
    import json, sys, termios, tty
    import twirly.terminal as T
    from twirly.state import Row
    from twirly.styles import get_style

    report = open(sys.argv[1], "w")
    style = get_style("dots")
    found = termios.tcgetattr(0)
    term = T.terminal_for(sys.stderr)
    now = [100.0]
    term.now = lambda: now[0]

    def frames(count):
        for _ in range(count):
            now[0] += style.interval
            term.tick()

    def modes():
        current = termios.tcgetattr(0)
        if current == found:
            return "found"
        ours = [*found[:3], found[3] & ~(termios.ECHO | termios.ECHONL), *found[4:]]
        return "ours" if current == ours else "raw"

    def say(step):
        report.write(json.dumps({"step": step, "modes": modes(), "aside": term._aside}) + "\n")
        report.flush()

    def raw():
        # A key read the way click.getchar and readchar read one.
        saved = termios.tcgetattr(0)
        tty.setraw(0)
        return saved

    def spin():
        row = Row("working", style.frames, style.width, style.interval, now[0])
        term.attach(row)
        frames(3)
        say("spinning")
        return row

    row = spin()

    # The person's modes put back between two frames, by someone who saved them before the
    # row came (and read a key in raw mode meanwhile): echo off again at the next frame.
    termios.tcsetattr(0, termios.TCSANOW, found)
    frames(1)
    say("found put back between frames")

    # Raw mode seen by a frame: the row steps aside. The modes saved (ours) put back: the row
    # returns, with echo off.
    saved = raw()
    frames(1)
    say("raw")
    termios.tcsetattr(0, termios.TCSADRAIN, saved)
    frames(5)
    say("ours put back")

    # The same, the person's modes saved before the row came and put back.
    raw()
    frames(1)
    say("raw again")
    termios.tcsetattr(0, termios.TCSADRAIN, found)
    frames(5)
    say("found put back")

    # Raw mode, then ours put back and the row gone at once, before any frame.
    saved = raw()
    frames(1)
    say("raw before the end")
    termios.tcsetattr(0, termios.TCSADRAIN, saved)
    term.detach(row, None)
    say("ended")

    # Raw mode left in force at the end: the modes are someone else's, and stay.
    row = spin()
    raw()
    frames(1)
    term.detach(row, None)
    say("ended in raw mode")
    termios.tcsetattr(0, termios.TCSANOW, found)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the modes of a pty")
def test_echo_comes_back_off_and_the_modes_as_found_whatever_someone_else_saved(
    tmp_path: Path,
) -> None:
    script, report = tmp_path / "program.py", tmp_path / "report"
    script.write_text(PROGRAM)
    with PtyProcess([sys.executable, str(script), str(report)], env=clean_env()) as p:
        assert p.wait(timeout=30) == 0, bytes(p.output)
    steps = [json.loads(line) for line in report.read_text().splitlines()]
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
