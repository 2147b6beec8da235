"""Keys typed while ``twirly -- COMMAND`` spins, in real pseudo-terminals: they neither print
nor move the spinner, they reach the command when it asks, and the terminal's modes come back
exactly as they were on every way out."""

from __future__ import annotations

import os
import re
import shutil
import signal
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cli.cli_support import TWIRLY, kill_quietly, read_pid, twirly_in_pty
from tests.support.jobs import STTY_FORM, bash_modes, bash_words, job_shell, shell_said, tell
from tests.support.ptyrun import PtyProcess, clean_env


def _modes(p: PtyProcess) -> list[object]:
    """The terminal's modes, read through the test's side of the pty."""
    return termios.tcgetattr(p.master)


def _until_echo(p: PtyProcess, wanted: bool) -> None:
    deadline = time.monotonic() + 10
    while bool(_modes(p)[3] & termios.ECHO) != wanted:
        assert time.monotonic() < deadline, (
            f"echo never {'on' if wanted else 'off'}: {bytes(p.output)!r}"
        )
        p.read_for(0.02)


def _frames(p: PtyProcess, count: int = 2) -> None:
    """Read until the spinner has drawn ``count`` more frames (each starts with a return)."""
    mark = len(p.output)
    deadline = time.monotonic() + 10
    while p.output[mark:].count(b"\r") < count:
        assert time.monotonic() < deadline, f"no frame drawn: {bytes(p.output)!r}"
        p.read_for(0.05)


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the name: state, parent, ..."""
    with open(f"/proc/{pid}/stat") as file:
        return file.read().rpartition(")")[2].split()


def _state(pid: int) -> str:
    return _stat(pid)[0]


def _wait_state(pid: int, states: str) -> None:
    deadline = time.monotonic() + 10
    while _state(pid) not in states:
        assert time.monotonic() < deadline, f"{pid} is {_state(pid)}, not one of {states}"
        time.sleep(0.02)


def _waiting(tmp_path: Path, then: str = "") -> str:
    """A command that writes its pid, waits for the test's word, then runs ``then``."""
    return (
        f"echo $$ > {tmp_path / 'pid'}; "
        f"while [ ! -e {tmp_path / 'go'} ]; do sleep 0.05; done; {then}"
    )


def test_typed_keys_neither_print_nor_move_the_spinner_and_reach_the_commands_prompt(
    tmp_path: Path,
) -> None:
    got = tmp_path / "got"
    script = _waiting(tmp_path, f"printf 'Name? '; read line; echo \"$line\" > {got}")
    with twirly_in_pty("-t", "Working", "--", "sh", "-c", script) as p:
        before = p.modes_at_start
        read_pid(tmp_path / "pid")
        p.read_until("Working")
        _until_echo(p, wanted=False)
        p.type("abc\r")
        _frames(p)
        lines = p.screen().text_lines
        assert lines[0].endswith(" Working"), lines  # the row stayed where it was
        assert not any(line.strip() for line in lines[1:]), lines
        assert "abc" not in p.screen().text
        (tmp_path / "go").touch()
        assert p.wait() == 0
        assert got.read_text() == "abc\n"  # what was typed went to the command when it asked
        assert _modes(p) == before


def test_an_answer_typed_at_the_prompt_is_shown_and_the_modes_come_back(tmp_path: Path) -> None:
    got = tmp_path / "got"
    script = f"printf 'Name? '; read line; echo \"$line\" > {got}"
    with twirly_in_pty("-t", "Working", "--", "sh", "-c", script) as p:
        before = p.modes_at_start
        p.read_until("Name? ")
        p.type("bob\r")
        assert p.wait() == 0
        assert got.read_text() == "bob\n"
        assert "Name? bob" in p.screen().text  # echoed as typed, by the command's terminal
        assert _modes(p) == before


_ENDS = {"success": ("", 0), "failure": ("exit 3", 3)}


@pytest.mark.parametrize("end", sorted(_ENDS))
def test_the_modes_come_back_exactly_when_the_command_ends(end: str, tmp_path: Path) -> None:
    then, status = _ENDS[end]
    with twirly_in_pty("-t", "Working", "--", "sh", "-c", _waiting(tmp_path, then)) as p:
        before = p.modes_at_start
        read_pid(tmp_path / "pid")
        _until_echo(p, wanted=False)
        modes = _modes(p)
        assert modes[3] & termios.ICANON  # lines are still collected by the terminal
        assert [*modes[:3], modes[3] | termios.ECHO, *modes[4:]] == before  # only echo
        (tmp_path / "go").touch()
        assert p.wait() == status
        assert _modes(p) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_the_modes_come_back_exactly_after_a_signal(signum: int, tmp_path: Path) -> None:
    with twirly_in_pty("-t", "Working", "--", "sh", "-c", _waiting(tmp_path)) as p:
        pid = read_pid(tmp_path / "pid")
        try:
            before = p.modes_at_start
            _until_echo(p, wanted=False)
            if signum == signal.SIGINT:
                p.type("\x03")  # Ctrl-C at the keyboard
            else:
                p.send_signal(signum)
            assert p.wait() == -signum  # (killed by it, as its command: 128 + signum)
            assert _modes(p) == before
        finally:
            kill_quietly(pid)


def test_after_a_stop_it_did_not_handle_echo_goes_off_again_when_continued(
    tmp_path: Path,
) -> None:
    # SIGSTOP (or a stop before twirly could handle Ctrl-Z): a shell sets its own modes
    # meanwhile, echo on; once continued, twirly turns echo off again and draws its row.
    with twirly_in_pty("-t", "Working", "--", "sh", "-c", _waiting(tmp_path)) as p:
        pid = read_pid(tmp_path / "pid")
        try:
            _until_echo(p, wanted=False)
            p.send_signal(signal.SIGSTOP)
            _wait_state(p.proc.pid, "T")
            modes = termios.tcgetattr(p.master)
            modes[3] |= termios.ECHO  # (as the shell's line editing leaves them)
            termios.tcsetattr(p.master, termios.TCSANOW, modes)
            p.send_signal(signal.SIGCONT)
            _until_echo(p, wanted=False)
            p.type("later\r")
            _frames(p)
            assert "later" not in p.screen().text
            assert re.fullmatch(". Working", p.screen().text_lines[0])
            (tmp_path / "go").touch()
            assert p.wait() == 0
            assert _modes(p) == p.modes_at_start
        finally:
            kill_quietly(pid)


def test_ctrl_z_gives_the_modes_back_and_fg_turns_echo_off_again(tmp_path: Path) -> None:
    with twirly_in_pty("-t", "Working", "--", "sh", "-c", _waiting(tmp_path)) as p:
        pid = read_pid(tmp_path / "pid")
        try:
            before = p.modes_at_start
            _until_echo(p, wanted=False)
            p.type("\x1a")  # Ctrl-Z
            _wait_state(p.proc.pid, "T")
            assert _modes(p) == before  # the person's modes while stopped
            p.send_signal(signal.SIGCONT)  # as `fg` does
            _until_echo(p, wanted=False)
            p.type("later\r")
            _frames(p)
            assert "later" not in p.screen().text
            (tmp_path / "go").touch()
            assert p.wait() == 0
            assert _modes(p) == before
        finally:
            kill_quietly(pid)


@pytest.mark.parametrize("editing", [False, True], ids=["shell-keeps-modes", "shell-edits"])
def test_behind_the_terminal_the_modes_are_left_alone_and_in_front_again_echo_is_off(
    editing: bool, tmp_path: Path
) -> None:
    # Ctrl-Z, `bg`, `fg` under a job-control shell: twirly runs on behind the terminal, where
    # the modes are the shell's, then comes back in front without a signal (bash's `fg`
    # continues only a stopped job).
    got, control = tmp_path / "got", tmp_path / "jobs"
    script = _waiting(tmp_path, f"printf 'Name? '; read line; echo \"$line\" > {got}")
    argv = [*TWIRLY, "-t", "Working", "--", "sh", "-c", script]
    with job_shell(argv, control, editing=editing) as p:
        pid = read_pid(tmp_path / "pid")
        try:
            before = p.modes_at_start
            _until_echo(p, wanted=False)
            p.type("\x1a")  # Ctrl-Z
            shell_said(p, control, "STOPPED")
            # Stopped by SIGTSTP, as any program is by Ctrl-Z (bash's $? then reads 148).
            assert f"BY-{signal.SIGTSTP}" in (control / "said").read_text().split()
            assert _modes(p) == before  # the person's modes while stopped
            tell(control, "bg")
            shell_said(p, control, "BACKGROUND")
            shells = _modes(p)
            assert bool(shells[3] & termios.ECHO) is not editing
            _wait_state(pid, "RS")  # the command runs on too
            deadline = time.monotonic() + 0.5  # (a few frames' time: the modes must not change)
            while time.monotonic() < deadline:
                p.read_for(0.05)
                assert _modes(p) == shells
            assert "Working" not in p.screen().text  # (not drawn over the shell's prompt)
            tell(control, "fg")
            shell_said(p, control, "FOREGROUND")
            _until_echo(p, wanted=False)  # in front again, spinning: echo off again
            p.type("later\r")
            _frames(p)
            assert "later" not in p.screen().text
            assert p.screen().text_lines[0].endswith(" Working")  # drawn whole again
            (tmp_path / "go").touch()
            assert p.wait() == 0
            assert got.read_text() == "later\n"  # nothing was lost
            assert _modes(p) == before
        finally:
            kill_quietly(pid)


def _parent(pid: int) -> int:
    return int(_stat(pid)[1])


@contextmanager
def _twirly_in_a_subshell(tmp_path: Path) -> Iterator[tuple[PtyProcess, int, str]]:
    """bash running ``( twirly -t Working -- COMMAND; stty -g; echo LEFT-DONE )``, spinning
    with echo off: the shell, the command's pid, and the modes bash gives its commands. In a
    subshell with stty after it: the modes twirly left, before bash sets its own."""
    env = clean_env({"PS1": "$ ", "HISTFILE": "/dev/null"})
    twirly = " ".join(TWIRLY)
    with PtyProcess(["bash", "--norc", "--noprofile", "-i"], env=env) as shell:
        shell.read_until("$ ")
        before = bash_modes(shell)
        command = f"{twirly} -t Working -- sh -c '{_waiting(tmp_path)}'"
        shell.type(f"( {command}; stty -g; echo LEFT-DONE )\r")
        pid = read_pid(tmp_path / "pid")
        try:
            shell.read_until("Working")
            _until_echo(shell, wanted=False)
            yield shell, pid, before
        finally:
            kill_quietly(pid)
        shell.type("exit\r")
        shell.wait()


def _spins_on_and_leaves_the_modes(shell: PtyProcess, tmp_path: Path, before: str) -> None:
    """Continued in front: echo off again, the row whole below bash's lines; once the command
    ends, the modes as bash gives them, before bash sets its own and after."""
    _until_echo(shell, wanted=False)  # spinning again: echo off again
    _frames(shell)
    shown = [line for line in shell.screen().text_lines if line.strip()]
    assert re.fullmatch(". Working", shown[-1]), shown  # the row whole, below bash's
    (tmp_path / "go").touch()
    out = shell.read_until("\r\nLEFT-DONE").decode()
    left = STTY_FORM.findall(out.rsplit("\r\nLEFT-DONE", 1)[0])[-1]
    assert left == before
    assert bash_modes(shell) == before


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_a_ctrl_z_handled_after_the_shell_took_the_terminal_back_is_continued_by_fg(
    tmp_path: Path,
) -> None:
    # Under load twirly can handle Ctrl-Z after the subshell around it stopped and bash
    # reported the job stopped; `fg` can then come before twirly stops itself, and a stop
    # after it is for good (bash waits on the subshell, never on twirly). Made to happen in
    # that order here: the subshell is stopped alone, then twirly hears of Ctrl-Z. With the
    # shell in front of the terminal twirly must not stop itself: it waits for the continue.
    with _twirly_in_a_subshell(tmp_path) as (shell, pid, before):
        spinner = _parent(pid)
        os.kill(_parent(spinner), signal.SIGSTOP)  # (the subshell)
        shell.read_until("Stopped")
        shell.read_until("$ ")
        mark = len(shell.output)
        os.kill(spinner, signal.SIGTSTP)  # (its Ctrl-Z, come late)
        _wait_state(pid, "T")  # the command stopped,
        while b"\x1b[?25h" not in shell.output[mark:]:  # the cursor shown,
            shell.read_for(0.05)
        # and nothing erased: the cursor is on bash's prompt, below its "Stopped" line, and
        # the row is left above them (erased from there, the prompt went with it).
        screen = shell.screen()
        assert screen.text_lines[screen.cursor.y] == "$", screen.text_lines
        assert (screen.cursor.x, screen.cursor.y) != (0, 0)
        assert "Stopped" in screen.text_lines[screen.cursor.y - 1], screen.text_lines
        assert b"\x1b[K" not in shell.output[mark:]
        watched = time.monotonic() + 0.5
        while time.monotonic() < watched:  # and twirly itself not stopped
            assert _state(spinner) != "T"
            time.sleep(0.02)
        bash_words(shell, ["fg"])
        _spins_on_and_leaves_the_modes(shell, tmp_path, before)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("back", [["fg"], ["bg", "fg"]], ids=["fg", "bg-fg"])
def test_ctrl_z_and_fg_under_bash_leave_the_shell_its_modes(
    back: list[str], tmp_path: Path
) -> None:
    with _twirly_in_a_subshell(tmp_path) as (shell, _, before):
        shell.type("\x1a")  # Ctrl-Z
        shell.read_until("Stopped")
        bash_words(shell, back)
        _spins_on_and_leaves_the_modes(shell, tmp_path, before)
