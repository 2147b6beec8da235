"""Programs that take the screen (pagers, editors) get the real terminal, whole, and give it
back: keys reach them, the terminal's answers reach them, twirly's modes are as they were."""

from __future__ import annotations

import os
import pty
import shlex
import subprocess
import sys
import termios
import tty
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from tests.cli.cli_support import TWIRLY, TWIRLY_LINE, Tmux, needs, noting_modes, twirly_in_pty
from tests.support.ptyrun import PtyProcess, clean_env
from twirly.cli.fullscreen import FullScreen
from twirly.cli.keys import Keyboard
from twirly.cli.modes import SharedModes
from twirly.terminal import Terminal


def _modes(proc: PtyProcess) -> list[object]:
    return termios.tcgetattr(proc.master)


def test_less_gets_the_keyboard_and_q_quits_it(tmp_path: Path) -> None:
    needs("less")
    text = tmp_path / "lines.txt"
    text.write_text("".join(f"line {i}\n" for i in range(1, 200)))
    with twirly_in_pty("-t", "Paging", "--", "less", str(text), env={"LESS": ""}) as proc:
        before = _modes(proc)
        proc.read_until("lines.txt\x1b[27m")  # less's first prompt, the file name in reverse
        screen = proc.screen()
        assert screen.text_lines[0] == "line 1"
        assert "Paging" not in screen.text  # no spinner over the pager
        assert not _modes(proc)[3] & termios.ECHO  # keys are the pager's now
        proc.type(" ")  # a page on
        proc.read_until("line 30")
        proc.type("q")
        assert proc.wait() == 0
        # pyte has no alternate screen: the pager's page stays, the final line comes below.
        assert [line for line in proc.screen().text_lines if line][-1] == "✔ Paging"
        assert _modes(proc) == before


def test_git_log_with_its_pager_quits_on_q(tmp_path: Path) -> None:
    needs("git")
    needs("less")
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    for i in range(1, 41):
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", f"change {i}"], check=True)
    env = clean_env({"HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", "PAGER": "less"})
    env.pop("LESS", None)  # git sets LESS=FRX: no alternate screen, but keys one by one
    argv = [*TWIRLY, "-t", "Log", "--", "git", "-C", str(repo), "log"]
    with PtyProcess(argv, env=env) as proc:
        before = _modes(proc)
        proc.read_until("change 40")
        proc.read_until("\r\n:")  # less waits at its prompt
        assert "Log" not in proc.screen().text
        proc.type("q")
        assert proc.wait() == 0
        lines = proc.screen().text_lines
        assert [line for line in lines if line][-1] == "✔ Log"
        # less erased its prompt as it quit (written before it gave the keys back, read by
        # twirly after): the final line stands where the prompt was, as a shell's would.
        assert lines[lines.index("✔ Log") - 1] != ":"
        assert _modes(proc) == before


def test_the_terminals_answer_to_a_question_reaches_the_command() -> None:
    # What vim and less do at start: keys one by one, then ask where the cursor is.
    code = (
        "import sys, termios, tty, os\n"
        "saved = termios.tcgetattr(0)\n"
        "tty.setcbreak(0)\n"
        "os.write(1, b'\\x1b[6n')\n"
        "answer = b''\n"
        "while not answer.endswith(b'R'):\n"
        "    answer += os.read(0, 1)\n"
        "termios.tcsetattr(0, termios.TCSADRAIN, saved)\n"
        "print('answer', answer[1:].decode())\n"
    )
    with twirly_in_pty("--show-output", "-t", "Asking", "--", sys.executable, "-c", code) as p:
        p.read_until("\x1b[6n")
        p.type("\x1b[7;1R")  # as the terminal answers
        assert p.wait() == 0
        assert "answer [7;1R" in p.screen().text
        assert "✔ Asking" in p.screen().text


def test_vim_started_and_quit_by_keystrokes_leaves_the_terminal_as_it_was(tmp_path: Path) -> None:
    needs("vim")
    with Tmux(tmp_path) as tmux:
        command = f"{TWIRLY_LINE} -t Editing -- vim --clean {tmp_path}/notes.txt"
        tmux.type(noting_modes(tmp_path, command))
        tmux.send("Enter")
        tmux.wait_for(lambda rows: any("notes.txt" in row for row in rows[-2:]))
        assert not any("Editing" in row for row in tmux.screen())
        tmux.type("ihello from vim")
        # Each key after vim has shown the last: it drops what is typed ahead of a Ctrl-C.
        tmux.wait_for(lambda rows: rows[0] == "hello from vim" and "INSERT" in rows[-1])
        tmux.send("C-c")  # vim's own key (leave insert mode), not an interrupt for twirly
        tmux.wait_for(lambda rows: "INSERT" not in rows[-1])
        tmux.type(":wq")
        tmux.send("Enter")
        assert tmux.wait_file(tmp_path / "rc") == "0\n"
        rows = [row for row in tmux.wait_for(lambda r: "$" in r) if row]
        assert rows[-2:] == ["✔ Editing", "$"]  # nothing of the terminal's answers left
        assert (tmp_path / "before").read_text() == tmux.wait_file(tmp_path / "after")
    assert (tmp_path / "notes.txt").read_text() == "hello from vim\n"


def test_ctrl_c_in_less_is_less_own_key_and_q_still_quits(tmp_path: Path) -> None:
    needs("less")
    text = tmp_path / "lines.txt"
    text.write_text("".join(f"line {i}\n" for i in range(1, 200)))
    with Tmux(tmp_path, rows=12) as tmux:
        command = f"LESS= {TWIRLY_LINE} -t Paging -- less {text}"
        tmux.type(noting_modes(tmp_path, command))
        tmux.send("Enter")
        tmux.wait_for(lambda rows: rows[0] == "line 1" and rows[-1].endswith("lines.txt"))
        tmux.send("C-c")  # less stops what it is doing; neither it nor twirly ends
        tmux.send("G")  # ... and still takes keys: to the last line
        tmux.wait_for(lambda rows: "line 199" in rows and "(END)" in rows)
        assert not any("Paging" in row for row in tmux.screen())
        tmux.send("q")
        assert tmux.wait_file(tmp_path / "rc") == "0\n"
        rows = [row for row in tmux.wait_for(lambda r: "$" in r) if row]
        assert rows[-2:] == ["✔ Paging", "$"]
        assert (tmp_path / "before").read_text() == tmux.wait_file(tmp_path / "after")


def test_git_commit_with_vim_as_the_editor(tmp_path: Path) -> None:
    needs("vim")
    needs("git")
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "f").write_text("x\n")
    subprocess.run([*git, "add", "f"], check=True)
    with Tmux(tmp_path) as tmux:
        commit = f"{TWIRLY_LINE} -t Committing -- {shlex.join([*git, 'commit'])}"
        tmux.type(noting_modes(tmp_path, f"EDITOR='vim --clean' {commit}"))
        tmux.send("Enter")
        tmux.wait_for(lambda rows: any("Please enter the commit message" in row for row in rows))
        tmux.type("ifirst change")
        tmux.wait_for(lambda rows: rows[0] == "first change" and "INSERT" in rows[-1])
        tmux.send("Escape")
        tmux.wait_for(lambda rows: "INSERT" not in rows[-1])
        tmux.type(":wq")
        tmux.send("Enter")
        assert tmux.wait_file(tmp_path / "rc") == "0\n"
        rows = [row for row in tmux.wait_for(lambda r: "$" in r) if row]
        assert rows[-2:] == ["✔ Committing", "$"]
        assert (tmp_path / "before").read_text() == tmux.wait_file(tmp_path / "after")
    log = subprocess.check_output([*git, "log", "-1", "--format=%s"], text=True)
    assert log == "first change\n"


def test_a_command_that_ends_on_the_alternate_screen_gets_the_terminal_taken_back() -> None:
    script = r"printf '\033[?1049hdrawn'; stty -icanon; sleep 0.3"
    with twirly_in_pty("-t", "Drawing", "--", "sh", "-c", script) as proc:
        before = _modes(proc)
        assert proc.wait() == 0
        output = bytes(proc.output)
        assert _modes(proc) == before
    assert b"\x1b[?1049l" in output[output.index(b"drawn") :]  # the main screen again
    assert "✔ Drawing" in proc.screen().text


def test_the_spinner_comes_back_below_a_line_the_program_left_unfinished() -> None:
    code = (
        "import os, termios, tty\n"
        "saved = termios.tcgetattr(0)\n"
        "tty.setcbreak(0)\n"  # keys one by one: the program has the screen
        "os.write(1, b'Press a key> ')\n"
        "os.read(0, 1)\n"
        "termios.tcsetattr(0, termios.TCSADRAIN, saved)\n"
    )
    with twirly_in_pty("-t", "Waiting", "--", sys.executable, "-c", code) as proc:
        proc.read_until("Press a key> ")
        proc.type("k")
        assert proc.wait() == 0
        lines = [line for line in proc.screen().text_lines if line]
    assert lines == ["Press a key>", "✔ Waiting"]


def test_a_single_key_question_keeps_its_answer_on_its_line() -> None:
    # `read -n1` reads one key with the terminal out of canonical mode, echo on.
    script = 'read -n1 -p "Continue? " answer; echo; echo "got $answer"'
    with twirly_in_pty("-t", "Asking", "--", "bash", "-c", script) as proc:
        proc.read_until("Continue? ")
        proc.type("y")
        assert proc.wait() == 0
        lines = [line for line in proc.screen().text_lines if line]
    assert lines == ["Continue? y", "✔ Asking"]


class _Rows:
    """Stands for twirly's terminal: notes when the spinner's rows go and come back."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def write_partial(self, text: str) -> None:
        self.events.append("rows erased")

    def write_lines(self, lines: list[str]) -> None:
        self.events.append("rows back")


class _NoKeyboard:
    def raw(self, output: tuple[int, int] = (0, 0)) -> None:
        return None

    def unraw(self) -> None:
        pass


@pytest.mark.parametrize("noticed_by", ["a look", "output on another pty"])
def test_the_echo_of_a_key_is_read_before_the_terminal_is_taken_back(noticed_by: str) -> None:
    # The order the one-key question above depends on, made certain: the command has read
    # its key (so the kernel has echoed it) and gone back to lines; whichever way twirly
    # notices, the echo waiting in the pty is read while the program still has the screen.
    master, slave = pty.openpty()
    events: list[str] = []
    full: FullScreen

    def settle(fd: int) -> None:
        try:
            held = os.read(master, 64)
        except BlockingIOError:
            held = b""
        events.append(f"read {held!r} with the screen {full.active}")

    try:
        full = FullScreen(
            SharedModes(master),
            cast(Terminal, _Rows(events)),
            cast(Keyboard, _NoKeyboard()),
            lambda: None,
            settle,
        )
        os.set_blocking(master, False)  # as twirly reads it
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.ICANON  # keys one by one, echo on: `read -n1`
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        assert full.take_if_keys_are_raw()
        os.write(full.key_target(), b"y")
        assert os.read(slave, 1) == b"y"  # the command has its key: the echo was made
        attrs[3] |= termios.ICANON
        termios.tcsetattr(slave, termios.TCSANOW, attrs)  # and reads lines again
        if noticed_by == "a look":
            assert full.look()
        else:
            assert not full.on_output([], -1)  # its next line, read from another pty
    finally:
        os.close(slave)
        os.close(master)
    assert events == ["rows erased", "read b'y' with the screen True", "rows back"]


class _MainScreenProgram:
    """A program that draws on the main screen, as top does: it reads keys one by one on its
    controlling terminal and draws frames with cursor addressing on its stdout."""

    def __init__(self, events: list[str]) -> None:
        self.tty, self._tty_slave = pty.openpty()
        self.out, self.out_slave = pty.openpty()
        self._lines = termios.tcgetattr(self._tty_slave)
        self.full = FullScreen(
            SharedModes(self.tty, (self.out,)),
            cast(Terminal, _Rows(events)),
            cast(Keyboard, _NoKeyboard()),
            lambda: None,
            lambda fd: None,
        )

    def reads_keys(self) -> None:
        tty.setcbreak(self._tty_slave)

    def reads_lines(self) -> None:
        termios.tcsetattr(self._tty_slave, termios.TCSADRAIN, self._lines)

    def twirly_reads(self, data: bytes) -> str:
        """Where ``data``, read from its stdout, goes (and whether the screen is given back)."""
        signals = self.full.scan(self.out, data)
        if not self.full.on_output(signals, self.out, data):
            return "ordinary output"
        return "full screen, given back" if self.full.passed(data) else "full screen"

    def close(self) -> None:
        for fd in (self.tty, self._tty_slave, self.out, self.out_slave):
            os.close(fd)


@pytest.fixture
def top_like() -> Iterator[tuple[_MainScreenProgram, list[str]]]:
    events: list[str] = []
    program = _MainScreenProgram(events)
    yield program, events
    program.close()


def test_the_rest_of_a_frame_cut_within_a_line_stays_with_the_full_screen(
    top_like: tuple[_MainScreenProgram, list[str]],
) -> None:
    # top writes its last frame in pieces of 2 KB, then reads lines again: the second piece,
    # read after that, holds no cursor addressing of its own.
    program, events = top_like
    program.reads_keys()
    assert program.twirly_reads(b"\x1b[Hload 1.0\x1b[K\n  PID CO") == "full screen"
    program.reads_lines()
    assert program.twirly_reads(b"MMAND\x1b[K\n    1 init\x1b[K") == "full screen, given back"
    assert events == ["rows erased", "rows back"]


def test_the_screen_is_given_back_once_nothing_more_waits_to_be_read(
    top_like: tuple[_MainScreenProgram, list[str]],
) -> None:
    program, events = top_like
    program.reads_keys()
    assert program.twirly_reads(b"\x1b[Hload 1.0\x1b[K\n") == "full screen"
    program.reads_lines()
    os.write(program.out_slave, b"\x1b[31;1H\n")  # its move below the frame, written after
    assert program.twirly_reads(b"\x1b[Hload 2.0\x1b[K\n") == "full screen"
    waiting = os.read(program.out, 64)
    assert program.twirly_reads(waiting) == "full screen, given back"
    assert events == ["rows erased", "rows back"]


def test_a_line_written_after_the_last_frame_is_ordinary_output(
    top_like: tuple[_MainScreenProgram, list[str]],
) -> None:
    # `top -n 1; echo done`: the line is the next command's, hidden as any other.
    program, events = top_like
    program.reads_keys()
    assert program.twirly_reads(b"\x1b[Hload 1.0\x1b[K\n") == "full screen"
    program.reads_lines()
    os.write(program.out_slave, b"done\n")
    assert program.twirly_reads(b"\x1b[Hload 2.0\x1b[K\x1b[31;1H\n") == "full screen"
    assert program.twirly_reads(os.read(program.out, 64)) == "ordinary output"
    assert events == ["rows erased", "rows back"]
