"""Full-screen programs as a person runs them, in a real terminal emulator (tmux): curses
programs, which set their modes on stdout and read keys from stdin."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from tests.cli.cli_support import TWIRLY_LINE, Tmux, needs, noting_modes

# Python's curses, as ncurses programs (watch, slabtop) do: its modes set on fd 1, keys read
# from fd 0.
TWO_KEYS = """\
import curses
def main(s):
    s.addstr(0,0,"press a key"); s.refresh(); k=s.getkey()
    s.addstr(1,0,f"got {k!r}"); s.refresh(); return k, s.getkey()
print(curses.wrapper(main))
"""

# Waits for keys with curses.cbreak, Ctrl-C left to its default: it dies of SIGINT.
KEY_LOOP = """\
import curses, signal
signal.signal(signal.SIGINT, signal.SIG_DFL)
def main(s):
    curses.cbreak()
    s.addstr(0, 0, "waiting for keys"); s.refresh()
    while True:
        s.getch()
curses.wrapper(main)
"""


def _run(tmux: Tmux, command: str) -> None:
    tmux.type(noting_modes(tmux.tmp, command))
    tmux.send("Enter")


def _rows_at_the_end(tmux: Tmux) -> list[str]:
    """The rows with text once the shell's prompt is back, and the modes noted after."""
    rows = [row for row in tmux.wait_for(lambda r: "$" in r) if row]
    assert (tmux.tmp / "before").read_text() == tmux.wait_file(tmux.tmp / "after")
    return rows


def test_a_curses_program_gets_its_keys_one_by_one(tmp_path: Path) -> None:
    script = tmp_path / "two_keys.py"
    script.write_text(TWO_KEYS)
    with Tmux(tmp_path) as tmux:
        _run(tmux, f"{TWIRLY_LINE} --show-output -t Keys -- {shlex.quote(sys.executable)} {script}")
        tmux.wait_for(lambda rows: rows[0] == "press a key")
        tmux.type("x")
        tmux.wait_for(lambda rows: rows[1] == "got 'x'")
        tmux.type("y")
        assert tmux.wait_file(tmp_path / "rc") == "0\n"
        assert _rows_at_the_end(tmux)[-3:] == ["('x', 'y')", "✔ Keys", "$"]


@pytest.mark.parametrize("program", ["watch", "a curses loop"])
def test_ctrl_c_ends_a_curses_program_and_twirly_with_it(tmp_path: Path, program: str) -> None:
    if program == "watch":
        needs("watch")
        command, shown = "watch -n 0.5 echo watching", "Every 0.5s: echo watching"
    else:
        (tmp_path / "loop.py").write_text(KEY_LOOP)
        command, shown = f"{shlex.quote(sys.executable)} {tmp_path}/loop.py", "waiting for keys"
    with Tmux(tmp_path) as tmux:
        _run(tmux, f"{TWIRLY_LINE} -t Waiting -- {command}")
        tmux.wait_for(lambda rows: rows[0].startswith(shown))
        tmux.send("C-c")
        assert tmux.wait_file(tmp_path / "rc") == "130\n"
        assert _rows_at_the_end(tmux)[-2:] == ["✖ Waiting (interrupted)", "$"]
