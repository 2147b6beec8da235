"""Signals, timeouts and a killed twirly: the command never outlives twirly."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.cli_support import TWIRLY, kill_quietly, read_pid, twirly_in_pty, wait_gone
from tests.support.ptyrun import PtyProcess, clean_env

# A command whose pid is written to a file, in a process that is not the command itself (a
# grandchild of twirly), so that its end shows the whole process group was stopped.
GRANDCHILD = "sleep 30 & echo $! > {pidfile}; wait"


def _grandchild(tmp_path: Path) -> str:
    return GRANDCHILD.format(pidfile=tmp_path / "pid")


@pytest.mark.parametrize(
    ("signum", "status", "reason"),
    [
        (signal.SIGTERM, 143, "terminated"),
        (signal.SIGHUP, 129, "hung up"),
        (signal.SIGINT, 130, "interrupted"),
    ],
)
def test_signal_is_forwarded_to_the_whole_group_and_nothing_is_left(
    tmp_path: Path, signum: int, status: int, reason: str
) -> None:
    with twirly_in_pty("-t", "Serving", "--", "sh", "-c", _grandchild(tmp_path)) as proc:
        pid = read_pid(tmp_path / "pid")
        try:
            proc.read_until("Serving")
            proc.send_signal(signum)
            # Killed by it, as its command was: the shell reads 128 + the signal's number.
            assert proc.wait() == -signum
            assert 128 + signum == status
            assert wait_gone(pid)
        finally:
            kill_quietly(pid)
        screen = proc.screen()
    assert screen.text == f"✖ Serving ({reason})"
    assert screen.cursor_visible


def test_ctrl_c_at_the_terminal_stops_the_command(tmp_path: Path) -> None:
    with twirly_in_pty("-t", "Serving", "--", "sh", "-c", _grandchild(tmp_path)) as proc:
        pid = read_pid(tmp_path / "pid")
        try:
            proc.read_until("Serving")
            proc.type("\x03")
            assert proc.wait() == -signal.SIGINT  # (a shell reads 130)
            assert wait_gone(pid)
        finally:
            kill_quietly(pid)


def test_a_command_that_ignores_the_signal_is_killed_after_a_grace_period(tmp_path: Path) -> None:
    script = f"trap '' TERM; echo $$ > {tmp_path / 'pid'}; while :; do sleep 0.1; done"
    with twirly_in_pty("-t", "Stubborn", "--", "sh", "-c", script) as proc:
        pid = read_pid(tmp_path / "pid")
        try:
            proc.read_until("Stubborn")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait() == -signal.SIGTERM  # (a shell reads 143)
            assert wait_gone(pid)
        finally:
            kill_quietly(pid)
        assert proc.screen().text == "✖ Stubborn (terminated)"


def test_timeout_stops_the_command_with_status_124(tmp_path: Path) -> None:
    with twirly_in_pty(
        "--timeout", "0.5", "-t", "Slow", "--", "sh", "-c", _grandchild(tmp_path)
    ) as p:
        pid = read_pid(tmp_path / "pid")
        try:
            assert p.wait() == 124
            assert wait_gone(pid)
        finally:
            kill_quietly(pid)
        assert p.screen().text == "✖ Slow (timed out after 0.5s)"


def test_output_is_replayed_when_the_command_times_out() -> None:
    with twirly_in_pty(
        "--timeout", "0.3", "-t", "t", "--", "sh", "-c", "echo so-far; sleep 9"
    ) as p:
        assert p.wait() == 124
        assert p.screen().text == "so-far\n✖ t (timed out after 0.3s)"


def test_the_command_dies_when_twirly_is_killed(tmp_path: Path) -> None:
    script = f"echo $$ > {tmp_path / 'pid'}; sleep 30"
    with twirly_in_pty("-t", "t", "--", "sh", "-c", script) as proc:
        pid = read_pid(tmp_path / "pid")
        try:
            proc.read_until(" t")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert wait_gone(pid)
        finally:
            kill_quietly(pid)


def test_a_grandchild_dies_when_twirly_is_killed(tmp_path: Path) -> None:
    with twirly_in_pty("-t", "t", "--", "sh", "-c", _grandchild(tmp_path)) as proc:
        pid = read_pid(tmp_path / "pid")
        try:
            proc.read_until(" t")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert wait_gone(pid)
        finally:
            kill_quietly(pid)


def test_resize_reaches_the_command() -> None:
    script = "trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.05; done"
    with twirly_in_pty("--show-output", "-t", "t", "--", "sh", "-c", script) as proc:
        proc.read_until("ready")
        proc.resize(20, 50)
        assert proc.wait() == 0
        assert "20 50" in proc.screen().text_lines


def test_a_grandchild_that_ignores_hangups_dies_when_twirly_is_killed(tmp_path: Path) -> None:
    script = f"trap '' HUP; sleep 30 & echo $! > {tmp_path / 'pid'}; wait"
    with twirly_in_pty("-t", "t", "--", "sh", "-c", script) as proc:
        pid = read_pid(tmp_path / "pid")
        try:
            proc.read_until(" t")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert wait_gone(pid)
        finally:
            kill_quietly(pid)


def test_a_normal_end_leaves_nothing_running(tmp_path: Path) -> None:
    with twirly_in_pty("-t", "t", "--", "sh", "-c", "sleep 0.2") as proc:
        proc.read_until(" t")
        assert proc.wait() == 0
    # Nothing twirly started is left in its session (the sentinel) once it has ended.
    deadline = time.monotonic() + 5
    while left := _in_session(proc.proc.pid):
        assert time.monotonic() < deadline, f"still running: {left}"
        time.sleep(0.02)


def _in_session(session: int) -> list[str]:
    stats = Path("/proc").glob("[0-9]*/stat")
    return [path.parent.name for path in stats if _session_of(path) == session]


def _session_of(stat: Path) -> int | None:
    try:
        fields = stat.read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[4]) if fields[0] != "Z" else None


def _state(pid: int) -> str:
    """The process's state letter; V (ours) for D in vfork, waiting for a child to exec."""
    state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    if state == "D" and Path(f"/proc/{pid}/wchan").read_text() == "kernel_clone":
        return "V"
    return state


def _threads_of(pid: int) -> str:
    """What each thread of ``pid`` is doing, as the kernel says (where it lets us read it)."""
    report = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        try:
            stat = (task / "stat").read_text()
            name, rest = stat.rpartition("(")[2].split(")", 1)
            where = (task / "wchan").read_text()
        except OSError:
            continue
        try:
            stack = (task / "stack").read_text().strip()
        except OSError:
            stack = "(kernel stack not readable)"
        report.append(f"{task.name} {name} {rest.split()[0]} in {where or '-'}\n{stack}")
    return "\n".join(report)


def _wait_state(pid: int, states: str, proc: PtyProcess | None = None) -> None:
    """Wait until ``pid`` is in one of ``states``, reading the terminal meanwhile (as a
    person's terminal does: a writer must never wait for room there). Patient: on a loaded
    machine a stop takes a while to be seen."""
    deadline = time.monotonic() + 15
    while _state(pid) not in states:
        assert time.monotonic() < deadline, (
            f"{pid} is {_state(pid)}, not one of {states}; its threads:\n{_threads_of(pid)}"
        )
        if proc is None:
            time.sleep(0.02)
        else:
            proc.read_for(0.02)


def test_ctrl_z_stops_the_command_too_and_leaves_the_terminal_usable(tmp_path: Path) -> None:
    script = f"echo $$ > {tmp_path / 'pid'}; while :; do sleep 0.05; done"
    with twirly_in_pty("-t", "Looping", "--", "sh", "-c", script) as proc:
        pid = read_pid(tmp_path / "pid")
        try:
            proc.read_until("Looping")
            proc.type("\x1a")  # Ctrl-Z
            _wait_state(proc.proc.pid, "T", proc)
            # (sh waits in vfork for a child stopped before its exec: D in kernel_clone, and
            # stopped with it.)
            _wait_state(pid, "TV", proc)
            proc.read_for(0.1)
            assert "Looping" not in proc.screen().text  # the spinner row is gone
            assert proc.screen().cursor_visible
            proc.send_signal(signal.SIGCONT)  # as `fg` does
            _wait_state(pid, "SR")
            deadline = time.monotonic() + 5
            while "Looping" not in proc.screen().text:  # the spinner is back
                assert time.monotonic() < deadline, bytes(proc.output)
                proc.read_for(0.05)
            assert not proc.screen().cursor_visible
            proc.send_signal(signal.SIGTERM)
            assert proc.wait() == -signal.SIGTERM  # (a shell reads 143)
            assert wait_gone(pid)
        finally:
            kill_quietly(pid)
        assert proc.screen().text == "✖ Looping (terminated)"


def test_the_final_line_after_ctrl_c_does_not_glue_to_the_terminals_echo() -> None:
    # The terminal echoes "^C" where the cursor is: column 0 of the spinner's row.
    with twirly_in_pty("-t", "Sleeping", "--", "sleep", "30") as proc:
        proc.read_until("Sleeping")
        proc.type("\x03")
        assert proc.wait() == -signal.SIGINT
        screen = proc.screen()
    assert screen.text == "✖ Sleeping (interrupted)"
    assert screen.cursor_visible


def test_output_replayed_after_ctrl_c_starts_on_a_clean_row() -> None:
    script = "echo so-far; sleep 30"
    with twirly_in_pty("-t", "Sleeping", "--", "sh", "-c", script) as proc:
        proc.read_until("Sleeping")
        proc.type("\x03")
        assert proc.wait() == -signal.SIGINT
        assert proc.screen().text == "so-far\n✖ Sleeping (interrupted)"


def test_the_spinners_guards_never_stand_in_front_of_the_command_lines_handlers() -> None:
    # The command line's handlers stop the command and end twirly cleanly; a guard handler
    # of the spinner's, even for the instant between the first frame and the command line
    # taking its signals back, would restore the terminal and end twirly at once instead.
    code = """
import io, signal, sys
from twirly import guards
from twirly.terminal import Terminal
from twirly.output import Memory
from twirly.state import Capabilities, Row
def mine(signum, frame): pass
for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGTSTP):
    signal.signal(signum, mine)
guards.leave_signals_to_the_program()
terminal = Terminal(io.StringIO(), Capabilities(True, False, True), output=Memory())
terminal.attach(Row("x", ("a", "b"), 1, 0.1, 0.0))
print(all(signal.getsignal(s) is mine for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGTSTP)))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True", result.stderr


def test_ctrl_c_ends_a_shells_loop_as_it_would_without_twirly() -> None:
    # bash waits for its foreground command and carries on with the loop after a program
    # that exits 130; it stops only after one that SIGINT killed. twirly goes the way of its
    # command.
    loop = f"for i in 1 2 3; do {shlex.join(TWIRLY)} -t Sleeping -- sleep 30; done; echo AFTER"
    with PtyProcess(["bash", "--norc", "--noprofile", "-c", loop], env=clean_env()) as proc:
        proc.read_until("Sleeping")
        proc.type("\x03")
        status = proc.wait()
        text = proc.screen().text
    assert status == -signal.SIGINT, text
    assert text == "✖ Sleeping (interrupted)"  # (no second turn of the loop, no AFTER)


def test_a_command_that_handles_ctrl_c_and_exits_leaves_twirly_to_exit_130() -> None:
    script = "trap 'exit 0' INT; echo ready; while :; do sleep 0.05; done"
    with twirly_in_pty("-t", "Waiting", "--", "sh", "-c", script) as proc:
        proc.read_until("Waiting")
        proc.type("\x03")
        assert proc.wait() == 130  # an exit, not a death by SIGINT: a shell carries on
        assert "✖ Waiting (interrupted)" in proc.screen().text
