"""Full-screen programs as a person runs them, in a real terminal emulator (tmux): curses
programs, which set their modes on stdout and read keys from stdin, and top, which draws its
last frame just before it gives the screen back."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from tests.cli.cli_support import GLYPHS, TWIRLY_LINE, Tmux, needs, noting_modes

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
    # watch catches SIGINT and exits 0, as in a plain shell: its status is twirly's. A
    # program that dies of the Ctrl-C leaves twirly interrupted.
    if program == "watch":
        needs("watch")
        command, shown = "watch -n 0.5 echo watching", "Every 0.5s: echo watching"
        status, final = "0\n", "✔ Waiting"
    else:
        (tmp_path / "loop.py").write_text(KEY_LOOP)
        command, shown = f"{shlex.quote(sys.executable)} {tmp_path}/loop.py", "waiting for keys"
        status, final = "130\n", "✖ Waiting (interrupted)"
    with Tmux(tmp_path) as tmux:
        _run(tmux, f"{TWIRLY_LINE} -t Waiting -- {command}")
        tmux.wait_for(lambda rows: rows[0].startswith(shown))
        tmux.send("C-c")
        assert tmux.wait_file(tmp_path / "rc") == status
        assert _rows_at_the_end(tmux)[-2:] == [final, "$"]


# Draws as top does: keys one by one on its terminal, full frames addressed from the top
# left corner and written in pieces of 2 KB; after the last frame it reads lines again, then
# moves below the frame and ends. The last frame is cut within a line: its first piece waits
# for a key, so that twirly passes it on while the program has the screen; twirly is then
# held (SIGSTOP) until the end, so that it reads the rest only after the modes changed. The
# order a busy machine gives now and then, made certain.
TOP_LIKE = """\
import os, signal, sys, termios, tty
rows, columns = os.get_terminal_size(1)[::-1]
saved = termios.tcgetattr(0)
tty.setcbreak(0)
os.write(1, b"\\x1b[?1h\\x1b=\\x1b[?25l")
def frame(number):
    lines = [f"frame {number} row {row:02d} ".ljust(columns - 1, "=") for row in range(rows)]
    return ("\\x1b[H" + "\\x1b[K\\n".join(lines) + "\\x1b[K").encode()
def write(data):
    for start in range(0, len(data), 2048):
        os.write(1, data[start : start + 2048])
write(frame(1))
write(frame(2))
os.read(0, 1)
last = frame(3)
write(last[:2048])
os.read(0, 1)
os.kill(os.getppid(), signal.SIGSTOP)
write(last[2048:])
termios.tcsetattr(0, termios.TCSAFLUSH, saved)
os.write(1, f"\\x1b[?1l\\x1b>\\x1b[{rows + 1};1H\\n\\x1b[?25h\\x1b[K".encode())
os.kill(os.getppid(), signal.SIGCONT)
"""


def test_the_last_frame_of_a_program_drawing_like_top_stays_whole(tmp_path: Path) -> None:
    (tmp_path / "top_like.py").write_text(TOP_LIKE)
    twirly = f"{TWIRLY_LINE} -t Drawing -- {shlex.quote(sys.executable)} {tmp_path}/top_like.py"
    with Tmux(tmp_path) as tmux:
        # Under `sh -c`, so that the shell at the prompt, which does job control, does not
        # take twirly for a job stopped while it is held.
        _run(tmux, f"sh -c {shlex.quote(twirly)}")
        tmux.wait_for(lambda rows: rows[0].startswith("frame 2 row 00"))
        tmux.type("q")
        tmux.wait_for(lambda rows: rows[0].startswith("frame 3 row 00"))
        tmux.type("q")
        assert tmux.wait_file(tmp_path / "rc") == "0\n"
        rows = _rows_at_the_end(tmux)
    end = rows.index("✔ Drawing")
    first = 30 - end  # rows of the frame scrolled away: by its last new line, by the prompt
    frame = [f"frame 3 row {row:02d} ".ljust(99, "=") for row in range(first, 30)]
    assert rows[:end] == frame
    assert rows[end:] == ["✔ Drawing", "$"]


_PROCESS_ROW = re.compile(r"\s*\d+ \S+ +(?:-?\d+|rt) ")


def test_top_leaves_its_last_frame_whole_with_the_final_line_below(tmp_path: Path) -> None:
    needs("top")
    with Tmux(tmp_path) as tmux:
        _run(tmux, f"{TWIRLY_LINE} -t Top -- top -d 1 -n 3")
        assert tmux.wait_file(tmp_path / "rc", timeout=60) == "0\n"
        rows = _rows_at_the_end(tmux)
    end = rows.index("✔ Top")
    headers = [index for index, row in enumerate(rows) if "PID USER" in row]
    assert len(headers) == 1  # one frame, not pieces of two
    processes = rows[headers[0] + 1 : end]
    assert processes
    assert all(_PROCESS_ROW.match(row) for row in processes), processes
    assert not any(row[:1] in GLYPHS for row in rows)  # no spinner left behind
    assert rows[end:] == ["✔ Top", "$"]
