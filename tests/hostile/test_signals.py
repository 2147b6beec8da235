"""Signals and abrupt ends, in real pseudo-terminals: the screen a person is left with."""

from __future__ import annotations

import os
import re
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pyte import modes

from tests.hostile.programs import (
    DRIVERS,
    WAIT_FOR_GO,
    alive,
    assert_clean_screen,
    children_of,
    foreign_controls,
    spinning,
    start,
    wait_until_waiting,
)
from tests.support.jobs import job_shell, shell_said, tell, touched_at_the_end
from tests.support.ptyrun import PtyProcess


def _wait_for_children(p: PtyProcess, driver: str) -> list[int]:
    """The process driver's drawing child, once it runs (none for the other drivers)."""
    if driver != "process":
        return []
    deadline = time.monotonic() + 10
    while not (kids := children_of(p.proc.pid)):
        assert time.monotonic() < deadline, "the process driver started no child"
        p.read_for(0.05)
    p.read_for(0.2)  # let the child draw a frame of its own
    return kids


def _assert_all_ended(p: PtyProcess, pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        p.read_for(0.05)
    assert not [pid for pid in pids if alive(pid)], "a drawing child outlived its parent"


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_while_spinning_restores_the_terminal(driver: str, signum: int) -> None:
    code = spinning("print('READY', flush=True)\nPAUSE(30)", driver)
    with start(code, rows=60) as p:  # room for asyncio's two chained tracebacks
        p.read_until("READY")
        p.read_until("spinning text")
        kids = _wait_for_children(p, driver)
        assert not p.screen().cursor_visible
        wait_until_waiting(p)
        if signum == signal.SIGINT:
            p.type("\x03")  # Ctrl-C: the line discipline signals the foreground group
        else:
            p.send_signal(signum)
        status = p.wait()
        _assert_all_ended(p, kids)
        p.read_for(0.05)
        assert not foreign_controls(p.output.replace(b"^C", b""))
        if signum == signal.SIGINT:
            # KeyboardInterrupt is an exception leaving the block: the row becomes a failed
            # line, alone on its row (the "^C" the terminal echoed there is written over).
            assert status in (1, -signal.SIGINT)
            rows = [line for line in p.screen().text_lines if "spinning text" in line]
            assert rows == ["✖ spinning text"]
            assert p.screen().cursor_visible
            assert "KeyboardInterrupt" in p.screen().text
        else:
            assert_clean_screen(p)
            assert status == -signum  # the parent sees the usual death by signal
            assert "Traceback" not in p.screen().text


@pytest.mark.parametrize("driver", DRIVERS)
def test_resize_storm_while_spinning_leaves_one_row_that_fits(driver: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    code = spinning(
        WAIT_FOR_GO + "print('LATE', flush=True)\nPAUSE(0.4)",
        driver,
        text="resized 漢字テキスト 🙂 " + "x" * 100,
        before=f"GO = {str(go)!r}\n",
    )
    with start(code, cols=100) as p:
        p.read_until("READY")
        p.read_until("resized")
        for cols in [20, 130, 7, 64, 3, 90, 33, 120, 41, 58, 25, 77, 36]:
            p.resize(24, cols)
            p.read_for(0.03)
        go.touch()  # only now may the program print its next line
        p.read_until("LATE")
        p.read_for(0.25)
        lines = [line for line in p.screen().text_lines if line]
        rows = [line for line in lines if "resized" in line]
        assert len(rows) == 1, lines
        assert rows[0].endswith("…")
        assert "READY".startswith(lines[0])  # cut, not reflowed, by the narrowest size
        assert lines[1:] == ["LATE", rows[0]]
        assert p.wait() == 0
        assert_clean_screen(p, "resized")


@pytest.mark.parametrize("driver", DRIVERS)
def test_sigwinch_flood_in_the_middle_of_writes_loses_nothing(driver: str) -> None:
    body = """
    box = {}
    def flood():
        while not box.get("done"):
            os.kill(os.getpid(), signal.SIGWINCH)
    signal.signal(signal.SIGWINCH, lambda *_: None)  # a handler makes every write interruptible
    t = threading.Thread(target=flood)
    t.start()
    for i in range(400):
        sp.write(f"line {i:03d} " + "=" * 40)
    box["done"] = True
    t.join()
    PAUSE(0.2)
    """
    with start(spinning(body, driver), rows=500) as p:
        assert p.wait() == 0
        lines = [line for line in p.screen().text_lines if line.startswith("line ")]
        assert lines == [f"line {i:03d} " + "=" * 40 for i in range(400)]
        assert_clean_screen(p)


@pytest.mark.parametrize("driver", DRIVERS)
def test_exit_without_stop_clears_the_row(driver: str) -> None:
    if driver == "asyncio":
        code = """
import asyncio, twirly
async def main():
    twirly.spinner("spinning text", driver="asyncio").start()
    await asyncio.sleep(0.3)
asyncio.run(main())
print("END")
"""
    else:
        code = f"""
import time, twirly
twirly.spinner("spinning text", driver={driver!r}).start()
time.sleep(0.3)
print("END")
"""
    with start(code) as p:
        assert p.wait(timeout=10) == 0
        assert_clean_screen(p)
        assert "END" in p.screen().text_lines


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("code", [0, 4, None, "message"])
def test_sys_exit_inside_the_spinner(driver: str, code: object) -> None:
    with start(spinning(f"PAUSE(0.2)\nsys.exit({code!r})", driver)) as p:
        status = p.wait()
        screen = p.screen()
        assert screen.cursor_visible
        if code in (0, None):
            assert status == 0
            assert_clean_screen(p)
        else:
            assert status == (4 if code == 4 else 1)
            assert screen.text_lines[0] == "✖ spinning text"  # a failing exit is a failure
            if code == "message":
                assert "message" in screen.text_lines


@pytest.mark.parametrize("driver", ["thread", "process"])
def test_sys_exit_from_a_worker_thread_spinner_leaves_no_row(driver: str) -> None:
    code = f"""
import sys, threading, time, twirly
def work():
    with twirly.spinner("spinning text", driver={driver!r}):
        time.sleep(0.3)
        sys.exit(0)  # ends only this thread
t = threading.Thread(target=work)
t.start(); t.join()
print("END")
"""
    with start(code) as p:
        assert p.wait() == 0
        assert_clean_screen(p)
        assert "END" in p.screen().text_lines


_FORK_WARNING_END = "use of fork() may lead to deadlocks in the child."


def _less_the_fork_warning(lines: list[str]) -> list[str]:
    """The screen's non-empty lines, less Python's warning about the program's fork.

    From 3.12 Python warns, in the parent, when a program forks while it has threads: here
    twirly's (the thread driver's clock, and with every driver the reader of the descriptor
    capture, which is what lets the child's output come out above the rows). It is a
    true word about the program's own fork, written to stderr like any line: a person sees
    it above the spinner, whole (wrapped over screen rows), and that is checked here.
    """
    lines = [line for line in lines if line]
    if sys.version_info < (3, 12):
        return lines

    def joined(end: int) -> str:
        # Screen rows are read without trailing blanks: a space at a row's end is lost.
        return "".join(lines[start : end + 1]).replace(" ", "")

    start = next(i for i, line in enumerate(lines) if "DeprecationWarning: This process" in line)
    # The warning may come while a line of the child's is unfinished (an unbuffered print
    # writes its text, then its newline): the warning then follows it on its row, as it would
    # on any terminal. That start of a row is the child's, and stays.
    warning = r"(?:(?:<string>|/\S*?):\d+: )?DeprecationWarning: This process"
    head = re.match(rf"(.*?){warning}", lines[start])
    prefix = head.group(1) if head else ""
    if prefix:
        lines = [*lines[:start], prefix, lines[start][len(prefix) :], *lines[start + 1 :]]
        start += 1
    end = next(
        end
        for end in range(start, len(lines))
        if joined(end).endswith(_FORK_WARNING_END.replace(" ", ""))
    )
    assert "ismulti-threaded" in joined(end)
    if end + 1 < len(lines) and lines[end + 1].strip() == "pid = os.fork()":
        end += 1  # the line of source it points at, where Python can read it (3.13)
    return lines[:start] + lines[end + 1 :]


@pytest.mark.parametrize("driver", DRIVERS)
def test_fork_while_spinning_child_draws_nothing_and_parent_carries_on(
    driver: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    # A forked child may not run the parent's event loop (asyncio forbids it): it leaves
    # with os._exit there; elsewhere with sys.exit, which runs the exit hooks and the `with`.
    leave = "os._exit(0)" if driver == "asyncio" else "sys.exit(0)"
    body = f"""
    PAUSE(0.3)
    pid = os.fork()
    if pid == 0:
        time.sleep(0.3)   # the parent keeps spinning meanwhile
        {leave}  # the child's exit must not erase the parent's row
    os.waitpid(pid, 0)
    print("CHECK", flush=True)
    while not os.path.exists(GO):
        PAUSE(0.02)
    sp.ok("parent done")
    """
    with start(spinning(body, driver, before=f"GO = {str(go)!r}\n")) as p:
        p.read_until("CHECK")
        p.read_for(0.2)
        screen = p.screen()
        assert not screen.cursor_visible  # the child did not show the cursor
        lines = _less_the_fork_warning(screen.text_lines)
        assert lines[0] == "CHECK"
        assert lines[1].endswith(" spinning text")
        go.touch()
        assert p.wait() == 0
        lines = _less_the_fork_warning(p.screen().text_lines)
        assert lines[:2] == ["CHECK", "✔ parent done"]
        if driver == "asyncio":  # (os.waitpid blocked the loop: the watchdog says so)
            assert lines[2].startswith("⚠ event loop blocked 1 time")
            assert lines[3].startswith("  ~0.")
            assert "main()  <string>:" in lines[3]
            assert len(lines) == 4
        else:
            assert len(lines) == 2
        assert p.screen().cursor_visible


@pytest.mark.parametrize("driver", DRIVERS)
def test_fork_while_spinning_child_print_is_a_whole_line(driver: str) -> None:
    # The child shares the parent's descriptors, which the parent captures: its line comes
    # out above the parent's row, whole (not "in childng text" on the row).
    body = """
    PAUSE(0.3)
    pid = os.fork()
    if pid == 0:
        print("in child", flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
    PAUSE(0.3)
    """
    with start(spinning(body, driver)) as p:
        assert p.wait() == 0
        lines = _less_the_fork_warning(p.screen().text_lines)
        assert lines == ["in child"], bytes(p.output)  # (the bytes: seen once on 3.12, empty)


def test_process_driver_child_erases_its_row_and_exits_when_the_parent_is_killed() -> None:
    with start(spinning("print('READY', flush=True)\nPAUSE(30)", "process")) as p:
        p.read_until("READY")
        kids = _wait_for_children(p, "process")
        assert any("spinning text" in line for line in p.screen().text_lines)
        os.kill(p.proc.pid, signal.SIGKILL)
        assert p.wait() == -signal.SIGKILL
        _assert_all_ended(p, kids)
        p.read_for(0.1)
        assert_clean_screen(p)
        assert p.screen().text_lines[0] == "READY"


@pytest.mark.parametrize("driver", DRIVERS)
def test_the_programs_own_sigterm_handler_still_runs_after_the_restore(driver: str) -> None:
    before = """
    def handler(signum, frame):
        print("HANDLED", signum, flush=True)
        sys.exit(5)
    signal.signal(signal.SIGTERM, handler)
    """
    code = spinning("print('READY', flush=True)\nPAUSE(30)", driver, before=before)
    with start(code) as p:
        p.read_until("READY")
        _wait_for_children(p, driver)
        p.read_for(0.1)
        p.send_signal(signal.SIGTERM)
        assert p.wait() == 5
        assert f"HANDLED {int(signal.SIGTERM)}" in p.screen().text_lines
        assert p.screen().cursor_visible
        rows = [line for line in p.screen().text_lines if "spinning text" in line]
        assert rows in ([], ["✖ spinning text"])  # SystemExit(5) is a failure of the block


#: A job-control shell in miniature: runs the program as a foreground job in its own process
#: group (a session leader's own group is orphaned, and the kernel discards Ctrl-Z there),
#: reports when it stops, and resumes it with SIGCONT once the test creates the file GO.
_SHELL = """
import os, signal, sys, time
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    os.tcsetpgrp(0, os.getpgrp())
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
    os.execv(sys.executable, [sys.executable, "-c", CODE])
try:
    os.setpgid(pid, pid)
except PermissionError:
    pass  # the child got there first (and may have run exec already)
os.tcsetpgrp(0, pid)
_, status = os.waitpid(pid, os.WUNTRACED)
os.tcsetpgrp(0, os.getpgrp())
print("SHELL: STOPPED" if os.WIFSTOPPED(status) else "SHELL: NOT STOPPED", flush=True)
while not os.path.exists(GO):
    time.sleep(0.02)
os.tcsetpgrp(0, pid)
os.killpg(pid, signal.SIGCONT)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.parametrize("driver", DRIVERS)
def test_ctrl_z_shows_the_cursor_while_stopped_and_resumes(driver: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    program = spinning("print('READY', flush=True)\nPAUSE(1.0)\nsp.ok('resumed')", driver)
    shell = f"CODE = {program!r}\nGO = {str(go)!r}\n" + _SHELL
    with start(shell) as p:
        p.read_until("READY")
        _wait_for_children(p, "process") if driver == "process" else p.read_for(0.2)
        p.type("\x1a")  # Ctrl-Z: the line discipline sends SIGTSTP to the foreground job
        p.read_until("SHELL: ")
        p.read_for(0.1)
        stopped = p.screen()
        # (after the "^Z" the terminal itself echoes where the row was)
        assert any(line.endswith("SHELL: STOPPED") for line in stopped.text_lines)
        assert stopped.cursor_visible  # the shell's prompt has a cursor
        assert not any("spinning text" in line for line in stopped.text_lines)
        go.touch()  # `fg`
        assert p.wait() == 0
        lines = [line for line in p.screen().text_lines if line]
        assert lines[-1] == "✔ resumed"
        assert p.screen().cursor_visible


#: A wrapper in the program's job, as ``uv run``, ``make`` or a shell script are: it runs the
#: program as its child and, like them, stops at once on Ctrl-Z.
_WRAPPER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def _stopped(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"


def _ctrl_z_under_a_wrapper(
    driver: str, tmp_path: Path, *, options: str = "", quiet_until_handled: bool = False
) -> None:
    """Ctrl-Z with the program run by a wrapper that stops at once: the shell says the job
    stopped and prints its prompt, and only then (the program holds SIGTSTP back until the
    test says so) the program's handler runs. The prompt must be left whole, and the rows
    drawn again after ``fg``; with ``quiet_until_handled``, nothing at all may be written
    on the terminal between the prompt and the handler."""
    go, control = tmp_path / "go", tmp_path / "jobs"
    body = """
    say(f"PID {os.getpid()}")
    while not os.path.exists(GO):
        PAUSE(0.02)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTSTP})  # (the handler runs here)
    PAUSE(0.3)
    sp.ok("resumed")
    """
    # (held back in every thread the program has: those twirly starts inherit it; the
    # process driver's drawing child, a fresh interpreter, is started with it too, and so
    # is held back only where its frames are not looked at)
    held = "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTSTP})\n"
    if quiet_until_handled:  # (from the main thread only, once the child runs)
        body = held + textwrap.dedent(body)
        held = ""
    program = tmp_path / "program.py"
    program.write_text(spinning(body, driver, options=options, before=f"GO = {str(go)!r}\n{held}"))
    argv = [sys.executable, "-c", _WRAPPER, sys.executable, str(program)]
    with job_shell(argv, control, prompt="PROMPT$ ", stdout_pipe=True) as p, touched_at_the_end(go):
        deadline = time.monotonic() + 15
        while not (said := re.search(rb"PID (\d+)", p.stdout_data)):
            assert time.monotonic() < deadline, bytes(p.output)
            p.read_for(0.05)
        pid = int(said[1])
        p.read_until("spinning text")
        _wait_for_children(p, driver)
        p.type("\x1a")  # Ctrl-Z: the wrapper stops; the program's SIGTSTP waits
        shell_said(p, control, "STOPPED")
        p.read_until("PROMPT$ ")  # (written before the shell said so; maybe not read yet)
        assert p.screen().text_lines[p.screen().cursor.y] == "PROMPT$"
        if quiet_until_handled:
            mark = len(p.output)
            p.read_for(0.3)  # (four frames' time)
            assert bytes(p.output[mark:]) == b""
        go.touch()
        while not _stopped(pid):  # (its handler has run: it stopped itself)
            assert time.monotonic() < deadline + 15, bytes(p.output)
            p.read_for(0.02)
        p.read_for(0.1)
        screen = p.screen()
        assert screen.text_lines[screen.cursor.y] == "PROMPT$", screen.text_lines
        assert screen.cursor.x == len("PROMPT$ ")
        assert screen.cursor_visible
        tell(control, "fg")
        assert p.wait() == 0
        lines = [line for line in p.screen().text_lines if line]
        assert lines[-2:] == ["PROMPT$ fg", "✔ resumed"], lines
        assert p.screen().cursor_visible


@pytest.mark.parametrize("driver", DRIVERS)
def test_ctrl_z_under_a_wrapper_leaves_the_prompt_the_shell_printed_first(
    driver: str, tmp_path: Path
) -> None:
    # (A glyph a minute: no frame turns it meanwhile, only the handler writes.)
    _ctrl_z_under_a_wrapper(driver, tmp_path, options="style=twirly.Style(['a', 'b'], 60.0)")


def test_ctrl_z_under_a_wrapper_stops_the_drawing_childs_frames_at_once(tmp_path: Path) -> None:
    # The process driver's drawing child hears Ctrl-Z too, and draws no frame (over the
    # shell's prompt) while the program's "hold" is on its way.
    _ctrl_z_under_a_wrapper("process", tmp_path, quiet_until_handled=True)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_arriving_inside_print_still_restores_and_ends(signum: int) -> None:
    # The handler runs in the main thread at its next bytecode, which may be inside print()
    # while the stdout proxy's lock is held; restoring must not wait for that lock forever.
    body = f"""
    PAUSE(0.2)
    with sys.stdout._lock:  # as inside print(): the signal's handler runs right here
        os.kill(os.getpid(), {int(signum)})
        PAUSE(5)
    """
    with start(spinning(body, "thread")) as p:
        assert p.wait(timeout=4) == -signum
        assert_clean_screen(p)


@pytest.mark.parametrize("driver", ["thread", "process"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_another_thread_took_still_ends_a_sleeping_program(
    driver: str, signum: int
) -> None:
    # Python runs handlers in the main thread only, once it checks; a signal handled at the
    # C level in another thread (as when one arrives just before the main thread blocks)
    # leaves the main thread asleep. twirly's clock wakes it, so the restore and the death by
    # the signal happen now, not when the 30 s sleep ends.
    before = f"""
    def other():
        time.sleep(0.3)
        signal.pthread_kill(threading.get_ident(), {int(signum)})
    """
    body = "threading.Thread(target=other, daemon=True).start()\ntime.sleep(30)"
    with start(spinning(body, driver, before=before)) as p:
        assert p.wait(timeout=8) == -signum
        assert_clean_screen(p)


# -- the first spinner started in a worker thread ------------------------------------------
#
# Python sets signal handlers from the main thread only, so a first row drawn from another
# thread gets a watcher process instead (see twirly.watcher): it restores the terminal when the
# program dies without a goodbye, and writes nothing otherwise.

#: Only the watcher writes this (a step back after erasing): twirly's own writes never do.
_WATCHER_BYTES = b"\x1b[D"


def _in_a_worker(body: str, driver: str, how: str, *, before: str = "", main: str = "") -> str:
    """A program whose first spinner starts in a worker: a thread of its own (``how`` is
    "thread") or a ``ThreadPoolExecutor``'s ("executor"); the asyncio driver runs its event
    loop there. ``main`` runs in the main thread meanwhile, which then waits for the worker."""
    code = spinning(body, driver, before=before)
    call = "asyncio.run(main())" if driver == "asyncio" else "main()"
    head, tail = code.rsplit(call + "\n", 1)
    if how == "thread":
        begin = f"worker = threading.Thread(target=lambda: {call})\nworker.start()\n"
        end = "worker.join()\n"
    else:
        begin = (
            "import concurrent.futures\n"
            "pool = concurrent.futures.ThreadPoolExecutor(1)\n"
            f"worker = pool.submit(lambda: {call})\n"
        )
        end = "worker.result()\n"
    return head + begin + textwrap.dedent(main) + end + tail


#: Python 3.12+ warns at a fork of a process with threads, on sys.stderr from the main thread:
#: twirly would then take the signals over from the watcher there, which is not under test.
_QUIET_FORK = "import warnings\nwarnings.simplefilter('ignore', DeprecationWarning)\n"


def _wait_for_helpers(p: PtyProcess, count: int) -> list[int]:
    """The program's children once ``count`` of them run: the watcher (and the process
    driver's drawing child)."""
    deadline = time.monotonic() + 10
    while len(kids := children_of(p.proc.pid)) < count:
        assert time.monotonic() < deadline, f"{len(kids)} child processes, not {count}"
        p.read_for(0.05)
    return kids


def _read_the_redraw_after(p: PtyProcess, line: str) -> None:
    """Read until ``line``, printed while rows are shown, has been written above them and the
    rows redrawn below it: the whole of that write (one synchronized update), so that the
    screen is not looked at halfway through it (a pty may hand a write over in pieces)."""
    p.read_until(line)
    deadline = time.monotonic() + 10
    while b"\x1b[?2026l" not in bytes(p.output).split(line.encode(), 1)[1]:
        assert time.monotonic() < deadline, bytes(p.output)
        p.read_for(0.05)


def _assert_modes_set(p: PtyProcess) -> None:
    screen = p.screen()
    assert not screen.cursor_visible
    assert modes.DECAWM not in screen.mode


def _assert_restored(p: PtyProcess) -> None:
    """Rows erased, cursor shown, autowrap on: on the screen and in the bytes."""
    assert_clean_screen(p)
    assert modes.DECAWM in p.screen().mode
    out = bytes(p.output)
    assert out.rfind(b"\x1b[?7h") > out.rfind(b"\x1b[?7l") >= 0
    assert out.rfind(b"\x1b[?25h") > out.rfind(b"\x1b[?25l") >= 0


@pytest.mark.parametrize("how", ["thread", "executor"])
@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_restores_the_terminal_when_the_first_spinner_started_in_a_worker(
    signum: int, driver: str, how: str
) -> None:
    code = _in_a_worker("print('READY', flush=True)\nPAUSE(30)", driver, how)
    with start(code) as p:
        _read_the_redraw_after(p, "READY")
        kids = _wait_for_helpers(p, 2 if driver == "process" else 1)
        _assert_modes_set(p)
        p.send_signal(signum)
        assert p.wait() == -signum  # the default death: no code of the program ran
        p.read_to_the_end()
        _assert_all_ended(p, kids)
        _assert_restored(p)
        assert p.screen().text_lines[0] == "READY"


def test_sigkill_restores_the_terminal_when_the_first_spinner_started_in_a_worker() -> None:
    code = _in_a_worker("print('READY', flush=True)\nPAUSE(30)", "thread", "thread")
    with start(code) as p:
        p.read_until("READY")
        p.read_until("spinning text")
        kids = _wait_for_helpers(p, 1)
        os.kill(p.proc.pid, signal.SIGKILL)
        assert p.wait() == -signal.SIGKILL
        p.read_to_the_end()
        _assert_all_ended(p, kids)
        _assert_restored(p)


@pytest.mark.parametrize("driver", DRIVERS)
def test_the_watcher_writes_nothing_after_a_normal_exit(driver: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    before = f"GO = {str(go)!r}\n"
    code = _in_a_worker(WAIT_FOR_GO + "sp.ok('done')", driver, "thread", before=before)
    with start(code) as p:
        p.read_until("READY")
        _wait_for_helpers(p, 2 if driver == "process" else 1)
        go.touch()
        assert p.wait() == 0
        p.read_to_the_end()  # (the watcher too has let go of the terminal)
        assert _WATCHER_BYTES not in p.output
        assert [line for line in p.screen().text_lines if line] == ["READY", "✔ done"]
        assert p.screen().cursor_visible
        assert modes.DECAWM in p.screen().mode


def test_the_watcher_writes_nothing_when_the_program_exits_with_the_spinner_running() -> None:
    # The interpreter's exit restores the terminal itself (atexit), and says goodbye.
    code = """
import os, threading, twirly
up = threading.Event()
def work():
    twirly.spinner("spinning text").start()
    up.set()
threading.Thread(target=work).start()
up.wait()
os.write(1, b"END\\n")  # (not print: twirly in the main thread would take over from the watcher)
"""
    with start(code) as p:
        p.read_until("END")
        assert p.wait() == 0, p.screen().text
        p.read_to_the_end()
        assert b"\x1b[?7l" in p.output  # (the modes were set: a watcher stood guard)
        assert _WATCHER_BYTES not in p.output
        assert_clean_screen(p)


def test_the_watcher_stays_silent_after_a_forked_child_ends_with_os_exit(tmp_path: Path) -> None:
    go = tmp_path / "go"
    main = """
    UP.wait()
    pid = os.fork()
    if pid == 0:
        os._exit(0)  # no goodbye from the child: the parent's watcher must not take it for one
    os.waitpid(pid, 0)
    say("CHECK")  # (not print: twirly in the main thread would take over from the watcher)
    """
    before = f"GO = {str(go)!r}\nUP = threading.Event()\n" + _QUIET_FORK
    body = "UP.set()\n" + WAIT_FOR_GO + "sp.ok('parent done')"
    code = _in_a_worker(body, "thread", "thread", before=before, main=main)
    with start(code, rows=40) as p:
        p.read_until("CHECK")
        _wait_for_helpers(p, 1)
        p.read_for(0.3)
        assert _WATCHER_BYTES not in p.output
        _assert_modes_set(p)  # the child showed nothing either
        go.touch()
        assert p.wait() == 0
        p.read_to_the_end()
        assert _WATCHER_BYTES not in p.output
        assert p.screen().cursor_visible


def test_a_forked_child_does_not_keep_the_watcher_waiting() -> None:
    # The child still runs when the parent is killed: it holds no end of the watcher's pipe,
    # so the terminal is restored at once, not when the child ends.
    main = """
    UP.wait()
    if os.fork() == 0:
        time.sleep(30)
        os._exit(0)
    say("FORKED")  # (not print: twirly in the main thread would take over from the watcher)
    """
    before = "UP = threading.Event()\n" + _QUIET_FORK
    body = "UP.set()\nPAUSE(30)"
    code = _in_a_worker(body, "thread", "thread", before=before, main=main)
    with start(code, rows=40) as p:
        p.read_until("FORKED")
        p.read_until("spinning text")
        p.send_signal(signal.SIGTERM)
        assert p.wait() == -signal.SIGTERM
        deadline = time.monotonic() + 10  # (the child holds the terminal for 30 s)
        while _WATCHER_BYTES not in p.output:
            assert time.monotonic() < deadline, "the watcher did not restore the terminal"
            p.read_for(0.05)
        p.read_for(0.1)
        _assert_restored(p)


def test_ctrl_z_leaves_the_watcher_silent(tmp_path: Path) -> None:
    go = tmp_path / "go"
    # (The program can see GO only once resumed: it is stopped when the test creates it.)
    before = f"GO = {str(go)!r}\n"
    program = _in_a_worker(WAIT_FOR_GO + "sp.ok('resumed')", "thread", "thread", before=before)
    shell = f"CODE = {program!r}\nGO = {str(go)!r}\n" + _SHELL
    with start(shell) as p:
        p.read_until("READY")
        p.read_for(0.2)
        p.type("\x1a")  # Ctrl-Z: SIGTSTP to the foreground job, the watcher included
        p.read_until("SHELL: STOPPED")
        p.read_for(0.5)
        assert _WATCHER_BYTES not in p.output
        go.touch()  # `fg`
        assert p.wait() == 0
        p.read_to_the_end()
        assert _WATCHER_BYTES not in p.output
        assert [line for line in p.screen().text_lines if line][-1] == "✔ resumed"
        assert p.screen().cursor_visible


@pytest.mark.parametrize("touch", ["a second spinner", "a line printed"])
def test_twirly_in_the_main_thread_puts_the_handlers_in_place_and_dismisses_the_watcher(
    touch: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    # From the main thread, twirly can set the handlers now.
    then = 'twirly.spinner("second row").start()' if touch == "a second spinner" else ""
    main = f"""
    while not os.path.exists(GO):
        time.sleep(0.02)
    {then}
    print("SECOND", flush=True)
    """
    before = f"GO = {str(go)!r}\n"
    code = _in_a_worker(
        "print('READY', flush=True)\nPAUSE(30)", "thread", "thread", before=before, main=main
    )
    with start(code) as p:
        p.read_until("READY")
        _wait_for_helpers(p, 1)
        go.touch()
        p.read_until("SECOND")
        deadline = time.monotonic() + 10
        while children_of(p.proc.pid):
            assert time.monotonic() < deadline, "the watcher was not dismissed"
            p.read_for(0.05)
        p.send_signal(signal.SIGTERM)
        assert p.wait() == -signal.SIGTERM
        p.read_to_the_end()
        assert _WATCHER_BYTES not in p.output  # the handler restored the terminal
        _assert_restored(p)
        assert not any("second row" in line for line in p.screen().text_lines)


def test_a_spinner_started_in_the_main_thread_needs_no_watcher() -> None:
    with start(spinning("print('READY', flush=True)\nPAUSE(0.5)")) as p:
        p.read_until("READY")
        p.read_for(0.2)
        assert children_of(p.proc.pid) == []
        assert p.wait() == 0


def test_without_any_guard_no_terminal_mode_is_set() -> None:
    # No watcher can be started here (no posix_spawn): the rows are drawn with the cursor
    # shown and autowrap on, so a death by SIGTERM leaves nothing to undo.
    code = _in_a_worker(
        "print('READY', flush=True)\nPAUSE(30)", "thread", "thread", before="del os.posix_spawn\n"
    )
    with start(code) as p:
        p.read_until("READY")
        p.read_until("spinning text")
        p.read_for(0.3)
        assert children_of(p.proc.pid) == []
        assert b"\x1b[?25l" not in p.output
        assert b"\x1b[?7l" not in p.output
        p.send_signal(signal.SIGTERM)
        assert p.wait() == -signal.SIGTERM
        p.read_to_the_end()
        assert p.screen().cursor_visible
        assert modes.DECAWM in p.screen().mode


def test_a_signal_whose_handler_has_not_run_is_sent_again_to_the_main_thread() -> None:
    # CPython runs a handler only between two steps of the main thread: a SIGTERM that came
    # just before it blocked in a long sleep would wait for the sleep's end. The clock sees
    # the signal's number on the wake-up pipe (written as it arrived) and, its handler not
    # run 50 ms later, sends it again to the main thread, which the sleep then lets go.
    # Here the number is put on the pipe as the arriving signal would have written it.
    code = """
import os, signal, sys, time, twirly
from twirly import guards
with twirly.spinner("spinning text"):
    assert guards._wakeup, "no wake-up pipe"
    print("READY", flush=True)
    os.write(guards._wakeup[1], bytes([signal.SIGTERM]))
    time.sleep(30)
"""
    with PtyProcess.python(code) as p:
        p.read_until("READY")
        began = time.monotonic()
        status = p.wait(timeout=20)
        assert status == -signal.SIGTERM
        assert time.monotonic() - began < 10  # (not the sleep's 30 s)
        p.read_for(0.05)
        assert p.screen().cursor_visible
        assert "spinning text" not in p.screen().text  # the row erased on the way out
