"""Other people on the same terminal: subprocesses and ``os.write`` output, ``getpass``, the
REPL. Real programs in real pseudo-terminals, judged on the screen a person sees."""

from __future__ import annotations

import glob
import os
import shutil
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.programs import DRIVERS, assert_clean_screen, children_of, spinning, start
from tests.support.jobs import touched_at_the_end
from tests.support.ptyrun import PtyProcess, Screen, clean_env

ROW = "spinning text"


def _until(p: PtyProcess, ok: Callable[[Screen], bool], what: str, timeout: float = 10) -> None:
    """Read until the screen satisfies ``ok``."""
    deadline = time.monotonic() + timeout
    while not ok(p.screen()):
        assert time.monotonic() < deadline, f"{what} never came:\n{p.screen().text}"
        p.read_for(0.02)


def _lines(screen: Screen) -> list[str]:
    return [line for line in screen.text_lines if line]


# -- output that bypasses sys.stdout ---------------------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_subprocess_line_comes_out_above_the_row_whole(driver: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    body = """
    PAUSE(0.3)
    subprocess.run(["echo", "child says hi"])
    print("CHECK", flush=True)
    while not os.path.exists(GO):
        PAUSE(0.02)
    """
    code = spinning(body, driver, before=f"import subprocess\nGO = {str(go)!r}\n")
    with start(code) as p:
        p.read_until("CHECK")
        p.read_for(0.3)  # later frames must keep the whole row, not a glyph over foreign text
        lines = _lines(p.screen())
        assert lines[:2] == ["child says hi", "CHECK"]
        assert len(lines) == 3, lines
        assert lines[2].endswith(f" {ROW}")
        go.touch()
        assert p.wait() == 0
        assert _lines(p.screen()) == ["child says hi", "CHECK"]
        assert_clean_screen(p)


def test_fd_level_and_print_lines_keep_their_order_and_the_childs_colours() -> None:
    body = r"""
    PAUSE(0.2)
    print("one (print)")
    subprocess.run(["sh", "-c", "printf '\033[31mtwo (red child)\033[0m\n'"])
    os.write(1, b"three (os.write 1)\n")
    print("four (print)")
    os.write(2, b"five (os.write 2)\n")
    subprocess.run(["sh", "-c", "printf 'six (child, unfinished) '"])
    print("continued by print")
    subprocess.run(["sh", "-c", "[ -t 1 ] && echo seven: a terminal; tput cols"])
    PAUSE(0.2)
    sp.ok("done")
    """
    with start(spinning(body, "thread", before="import subprocess\n"), cols=90) as p:
        assert p.wait() == 0
        screen = p.screen()
        assert _lines(screen) == [
            "one (print)",
            "two (red child)",
            "three (os.write 1)",
            "four (print)",
            "five (os.write 2)",
            "six (child, unfinished) continued by print",
            "seven: a terminal",
            "90",  # the child sees the real terminal's size
            "✔ done",
        ]
        assert screen.buffer[1][0].fg == "red"  # the child's colour is kept
        assert screen.cursor_visible


@pytest.mark.parametrize("driver", DRIVERS)
def test_streams_fetched_before_the_spinner_write_whole_lines_above_it(
    driver: str, tmp_path: Path
) -> None:
    # The original sys.stdout held by a thread an instant before the spinner started, and a
    # stream of the program's own on fd 1: both write past the proxy, to the descriptor.
    go = tmp_path / "go"
    before = f"held = sys.stdout\nown = open(1, 'w', closefd=False)\nGO = {str(go)!r}\n"
    body = """
    PAUSE(0.3)
    held.write("held\\n")  # (shorter than the row: written onto it, the row's end shows)
    held.flush()
    PAUSE(0.2)
    own.write("own\\n")
    own.flush()
    PAUSE(0.2)
    print("CHECK", flush=True)
    while not os.path.exists(GO):
        PAUSE(0.02)
    """
    with start(spinning(body, driver, before=before)) as p:
        p.read_until("CHECK")
        p.read_for(0.2)
        lines = _lines(p.screen())
        assert lines[:3] == ["held", "own", "CHECK"]
        assert lines[3].endswith(f" {ROW}")
        go.touch()
        assert p.wait() == 0
        assert_clean_screen(p)


@pytest.mark.parametrize("driver", DRIVERS)
def test_an_unfinished_line_at_the_end_is_passed_on_as_it_is(driver: str) -> None:
    body = """
    PAUSE(0.2)
    subprocess.run(["sh", "-c", "printf 'tail'"])
    sp.ok("done")
    """
    after = "os.write(1, b' and the rest\\n')\n"
    with start(spinning(body, driver, before="import subprocess\n", after=after)) as p:
        assert p.wait() == 0
        # After the final line, as without twirly the rest of the line may still come: no
        # newline was added to it.
        assert _lines(p.screen()) == ["✔ done", "tail and the rest"]
        assert b"tail\r\n" not in bytes(p.output)
        assert b"tail\n" not in bytes(p.output)


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_child_that_outlives_the_spinner_keeps_writing(driver: str, tmp_path: Path) -> None:
    # A server started in the background while the spinner ran still holds twirly's
    # pseudo-terminal: it must stay writable (not EIO), and its lines must still be shown.
    status, go = tmp_path / "status", tmp_path / "go"
    before = f"import subprocess\nSTATUS = {str(status)!r}\nGO = {str(go)!r}\nKIDS = []\n"
    body = """
    KIDS.append(subprocess.Popen(["sh", "-c", "sleep 0.6; echo from the background"]))
    PAUSE(0.2)
    sp.ok("started")
    """
    after = """
open(STATUS, "w").write(str(KIDS[0].wait()))
while not os.path.exists(GO):
    time.sleep(0.02)
print("END")
"""
    with start(spinning(body, driver, before=before, after=after)) as p:
        p.read_until("from the background")
        go.touch()
        assert p.wait() == 0
        assert status.read_text() == "0"  # its echo did not fail
        assert _lines(p.screen()) == ["✔ started", "from the background", "END"]
        assert_clean_screen(p)


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_child_that_outlives_the_program_still_has_every_line_shown(
    driver: str, tmp_path: Path
) -> None:
    # The program ends while that server still writes: its lines must reach the terminal as
    # they would have without twirly, though the program (and its reader) is gone. (Run from
    # a shell of sorts that stays: the end of a session's leader would hang the terminal up.)
    go, done, program = tmp_path / "go", tmp_path / "done", tmp_path / "program.py"
    half = tmp_path / "half"
    child = (
        f"while [ ! -e {str(half)!r} ]; do sleep 0.02; done; printf 'half '; : > {str(half)!r}.b; "
        f"while [ ! -e {str(go)!r} ]; do sleep 0.02; done; "
        "echo of a line; for i in 1 2 3; do echo from the child $i; done; echo CHILD END"
    )
    body = f"""
    subprocess.Popen(["sh", "-c", {child!r}])
    PAUSE(0.2)
    sp.ok("started")
    """
    # (an unfinished line of the child's waits in the capture as the program ends)
    after = f"""\
open({str(half)!r}, "w").close()
while not os.path.exists({str(half)!r} + ".b"):
    time.sleep(0.02)
time.sleep(0.3)
print("PROGRAM END")
"""
    program.write_text(spinning(body, driver, before="import subprocess\n", after=after))
    shell = f"""\
import os, subprocess, sys, time
status = subprocess.run([sys.executable, {str(program)!r}]).returncode
open({str(go)!r}, "w").write(str(status))  # (the program has ended: now the child writes)
while not os.path.exists({str(done)!r}):
    time.sleep(0.02)
"""
    with start(shell) as p, touched_at_the_end(go, done):
        p.read_until("CHILD END")
        done.touch()
        assert p.wait() == 0
        assert go.read_text() == "0"
        lines = _lines(p.screen())
        assert lines == [
            "✔ started",
            "PROGRAM END",
            "half of a line",
            "from the child 1",
            "from the child 2",
            "from the child 3",
            "CHILD END",
        ], lines


@pytest.mark.parametrize("driver", DRIVERS)
def test_output_after_the_spinner_goes_straight_to_the_terminal(driver: str) -> None:
    body = """
    PAUSE(0.2)
    os.write(1, b"before the end\\n")
    """
    after = "subprocess.run(['echo', 'after the end'])\n"
    with start(spinning(body, driver, before="import subprocess\n", after=after)) as p:
        assert p.wait() == 0
        assert _lines(p.screen()) == ["before the end", "after the end"]
        assert_clean_screen(p)


# -- getpass ---------------------------------------------------------------------------------


@pytest.mark.parametrize("driver", ["thread", "process"])
@pytest.mark.parametrize("binding", ["from getpass import getpass", "import getpass"])
def test_getpass_inside_a_spinner_gets_a_clean_prompt(binding: str, driver: str) -> None:
    call = "getpass(" if binding.startswith("from") else "getpass.getpass("
    body = f"""
    PAUSE(0.3)
    secret = {call}"Password: ")
    print("got", len(secret))
    PAUSE(0.3)
    """
    with start(spinning(body, driver, before=f"{binding}\n")) as p:
        p.read_until("Password: ")
        p.read_for(0.3)  # frames meanwhile must not draw over the prompt
        screen = p.screen()
        assert screen.text == "Password:", bytes(p.output)
        assert screen.cursor_visible  # the person sees where they type
        assert (screen.cursor.y, screen.cursor.x) == (0, len("Password: "))
        p.type("secret\r")
        p.read_until("got 6")
        _until(p, lambda s: any(line.endswith(ROW) for line in s.text_lines), "the row")
        lines = _lines(p.screen())
        assert lines[:2] == ["Password:", "got 6"]
        assert lines[2].endswith(f" {ROW}")
        assert p.wait() == 0
        assert_clean_screen(p)


def _drawing_child(pid: int) -> int:
    """The process driver's drawing child of ``pid``, once it waits for its next frame."""
    deadline = time.monotonic() + 20
    while True:
        for kid in children_of(pid):
            try:
                command = Path(f"/proc/{kid}/cmdline").read_bytes()
                call = Path(f"/proc/{kid}/syscall").read_text().split()[0]
            except OSError:
                continue
            # Past its start: in its loop, waiting in select() (x86_64 23, aarch64 pselect6).
            if b"twirly.child_main" in command and call in {"23", "72", "270"}:
                return kid
        assert time.monotonic() < deadline, "the drawing child never waited for a frame"
        time.sleep(0.02)


def test_the_drawing_child_started_after_a_prompt_leaves_the_prompt_alone(tmp_path: Path) -> None:
    # The process driver's drawing child is a fresh interpreter: under load it may start
    # after the program's getpass has turned echo off and written its prompt. It must take
    # that for someone's prompt (the modes to watch are the ones found when the spinner
    # started), not for the terminal as it always was, and never draw over it. Here the
    # child is held back until the prompt is there, and its parent does not step in.
    go = tmp_path / "go"
    wrapper = tmp_path / "python"
    wrapper.write_text(
        f'#!/bin/sh\nwhile [ ! -e {go} ]; do sleep 0.01; done\nexec {sys.executable} "$@"\n'
    )
    wrapper.chmod(0o755)
    code = f"""
import os, sys, termios, time
from twirly.child import ChildLink
from twirly.state import Row
sys.executable = {str(wrapper)!r}  # the drawing child starts once GO exists
row = Row({ROW!r}, ("-", "+"), 1, 0.05, time.monotonic())
link = ChildLink(1, "utf-8", (True, False, False), [row])
modes = termios.tcgetattr(0)
modes[3] &= ~termios.ECHO  # what getpass does, then its prompt
termios.tcsetattr(0, termios.TCSADRAIN, modes)
os.write(1, b"Password: ")
open({str(go)!r}, "w").close()
answer = sys.stdin.readline()
os.write(1, b"\\n")  # as getpass ends its line
print("got", len(answer.strip()))
link.shutdown()
"""
    with start(code) as p:
        p.read_until("Password: ")
        _drawing_child(p.proc.pid)
        p.read_for(0.3)  # its frames, if it drew over the prompt
        assert p.screen().text == "Password:"
        p.type("secret\r")
        p.read_until("got 6")
        assert p.wait() == 0
        assert _lines(p.screen()) == ["Password:", "got 6"]


# -- the REPL --------------------------------------------------------------------------------


def _interpreter(version: str) -> str | None:
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        return sys.executable
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", "python3")))
    return found[-1] if found else None


def _prompt_waits(screen: Screen, typed: str = "") -> bool:
    lines = _lines(screen)
    return bool(lines) and lines[-1] == f">>> {typed}".rstrip()


@pytest.mark.parametrize("version", ["3.11", "3.13"])
def test_an_unscoped_spinner_at_the_repl_leaves_the_prompt_alone(version: str) -> None:
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"python{version} is not installed")
    with PtyProcess([python, "-i"]) as p:
        _until(p, _prompt_waits, "the first prompt")
        p.type("import sys, time, twirly\r")
        _until(p, lambda s: _lines(s)[-2:] == [">>> import sys, time, twirly", ">>>"], "import")
        p.type('sp = twirly.spinner("bg task"); sp.start()\r')
        _until(p, lambda s: "<twirly.Spinner" in s.text and _prompt_waits(s), "the start")
        p.read_for(0.4)  # several frames' time: none may touch the prompt
        assert _prompt_waits(p.screen())
        assert p.screen().cursor_visible
        p.type("x = 1 + 1")
        _until(p, lambda s: _prompt_waits(s, "x = 1 + 1"), "the typed text")
        p.read_for(0.4)
        assert _prompt_waits(p.screen(), "x = 1 + 1")
        p.type("\r")
        _until(p, _prompt_waits, "the next prompt")
        # While a statement runs, the spinner animates below it.
        p.type("time.sleep(3)\r")
        _until(p, lambda s: _lines(s)[-1].endswith(" bg task"), "the row during the sleep")
        first = _lines(p.screen())[-1]
        _until(p, lambda s: _lines(s)[-1] not in (first, ">>>"), "a later frame")
        assert _lines(p.screen())[-2] == ">>> time.sleep(3)"
        _until(p, _prompt_waits, "the prompt after the sleep")
        assert _lines(p.screen())[-2] == ">>> time.sleep(3)"
        assert not any(line.endswith(" bg task") for line in p.screen().text_lines)
        p.type("sp.stop(); print(type(sys.ps1).__name__, type(sys.ps2).__name__)\r")
        _until(p, lambda s: "str str" in s.text_lines, "the prompts put back")
        p.type("exit()\r")
        assert p.wait() == 0


@pytest.mark.parametrize("version", ["3.11", "3.13"])
def test_a_spinner_still_running_when_python_i_reaches_its_prompt(
    version: str, tmp_path: Path
) -> None:
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"python{version} is not installed")
    script = tmp_path / "script.py"
    script.write_text("import twirly\nsp = twirly.spinner('bg task')\nsp.start()\n")
    with PtyProcess([python, "-i", str(script)]) as p:
        _until(p, _prompt_waits, "the prompt")
        p.read_for(0.4)  # several frames' time: none may touch the prompt
        assert _prompt_waits(p.screen())
        assert not any(line.endswith(" bg task") for line in p.screen().text_lines)
        p.type("x = 1 + 1")
        _until(p, lambda s: _prompt_waits(s, "x = 1 + 1"), "the typed text")
        p.read_for(0.4)
        assert _prompt_waits(p.screen(), "x = 1 + 1")
        p.type("\rsp.stop(); print('stopped')\r")
        _until(p, lambda s: "stopped" in s.text_lines and _prompt_waits(s), "the stop")
        p.type("exit()\r")
        assert p.wait() == 0
        assert "Error" not in p.screen().text


_REPLS = [("3.11", False), ("3.12", False), ("3.13", True), ("3.13", False)]


def _repl(version: str, basic: bool) -> PtyProcess:
    """``python -i`` at version, the classic REPL (``basic``) or the one of 3.13 and later."""
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"python{version} is not installed")
    return PtyProcess([python, "-i"], env=clean_env({"PYTHON_BASIC_REPL": "1"} if basic else None))


def _echo_off(p: PtyProcess) -> None:
    deadline = time.monotonic() + 10
    while termios.tcgetattr(p.master)[3] & termios.ECHO:
        assert time.monotonic() < deadline, "echo never turned off"
        p.read_for(0.02)


#: A statement that waits for the test's word (a file), typed on one line.
_WAIT = "wait = lambda: any(os.path.exists(GO) or time.sleep(0.02) for _ in iter(int, 1))"


def _row_shown(screen: Screen) -> bool:
    return any(line.endswith(" bg task") for line in screen.text_lines)


_LINES = str(termios.ECHO | termios.ICANON)  # what the modes print below when given back


def _imported(p: PtyProcess, go: Path) -> None:
    """At the REPL's first prompt: twirly imported, and ``wait()`` defined (it returns once
    the file ``go`` exists)."""
    _until(p, _prompt_waits, "the first prompt")
    p.type(f"import os, termios, time, twirly; GO = {str(go)!r}; {_WAIT}\r")
    _until(p, lambda s: _lines(s)[-1:] == [">>>"] and "twirly" in s.text, "the import")


@pytest.mark.parametrize(("version", "basic"), _REPLS, ids=str)
def test_keys_typed_while_a_statement_spins_at_the_repl_do_not_print(
    version: str, basic: bool, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    with _repl(version, basic) as p:
        _imported(p, go)
        p.type('with twirly.spinner("busy"): _ = wait()\r\r')
        _until(p, lambda s: _lines(s)[-1].endswith(" busy"), "the row")
        _echo_off(p)
        p.type("ab")
        first = _lines(p.screen())[-1]
        _until(p, lambda s: _lines(s)[-1] != first, "a later frame")
        assert _lines(p.screen())[-1].endswith(" busy")
        assert "ab" not in p.screen().text
        go.touch()
        # The keys are the REPL's next line, shown at its prompt.
        _until(p, lambda s: _prompt_waits(s, "ab"), "the typed keys at the prompt")
        p.type("\x15print(termios.tcgetattr(0)[3] & (termios.ECHO | termios.ICANON))\r")
        _until(p, lambda s: _LINES in s.text_lines, "echo back")
        p.type("exit()\r")
        assert p.wait() == 0


@pytest.mark.parametrize(("version", "basic"), _REPLS, ids=str)
def test_an_unscoped_spinner_at_the_repl_gives_the_modes_back_at_stop_and_at_exit(
    version: str, basic: bool, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    with _repl(version, basic) as p:
        _imported(p, go)
        p.type('sp = twirly.spinner("bg task"); sp.start()\r')
        _until(p, lambda s: "<twirly.Spinner" in s.text and _prompt_waits(s), "the start")
        p.type("_ = wait()\r")
        _until(p, lambda s: _lines(s)[-1].endswith(" bg task"), "the row")
        _echo_off(p)
        go.touch()
        _until(p, lambda s: _prompt_waits(s) and not _row_shown(s), "the next prompt")
        p.type("sp.stop(); print(termios.tcgetattr(0)[3] & (termios.ECHO | termios.ICANON))\r")
        _until(p, lambda s: _LINES in s.text_lines, "the modes given back at stop")
        # Once more, and the session ends at its prompt (Ctrl-D) with the spinner running.
        go.unlink()
        p.type('sp = twirly.spinner("bg task"); sp.start()\r')
        _until(p, lambda s: s.text.count("<twirly.Spinner") == 2 and _prompt_waits(s), "again")
        p.type("_ = wait()\r")
        _until(p, _row_shown, "the row again")
        _echo_off(p)
        go.touch()
        _until(p, lambda s: _prompt_waits(s) and not _row_shown(s), "the prompt")
        p.type("\x04")
        assert p.wait() == 0
        lines = termios.ECHO | termios.ICANON
        assert termios.tcgetattr(p.master)[3] & lines == lines


def test_children_see_the_terminal_resized_while_spinning(tmp_path: Path) -> None:
    go = tmp_path / "go"
    body = """
    print("READY", flush=True)
    while not os.path.exists(GO):
        PAUSE(0.02)
    subprocess.run(["tput", "cols"])
    """
    code = spinning(body, "thread", before=f"import subprocess\nGO = {str(go)!r}\n")
    with start(code, cols=80) as p:
        p.read_until("READY")
        mark = len(p.output)
        p.resize(24, 64)
        # The first frame at the new size redraws the row from scratch (erase down): by then
        # the terminal has read the new size, and given it to the capture.
        deadline = time.monotonic() + 10
        while b"\x1b[J" not in p.output[mark:]:
            assert time.monotonic() < deadline, "no frame after the resize"
            p.read_for(0.02)
        go.touch()
        assert p.wait() == 0
        assert _lines(p.screen()) == ["READY", "64"]


def test_a_pager_run_inside_a_spinner_gets_the_keys_and_gives_the_terminal_back() -> None:
    if shutil.which("less") is None:
        pytest.skip("less is not installed")
    body = """
    PAUSE(0.2)
    subprocess.run(["less", "/etc/passwd"])
    print("after less")
    PAUSE(0.3)
    sp.ok("done")
    """
    after = "import termios\nprint('echo', bool(termios.tcgetattr(0)[3] & termios.ECHO))\n"
    code = spinning(body, "thread", before="import subprocess\n", after=after)
    with start(code, env=clean_env({"LESS": "", "LESSHISTFILE": "-"})) as p:
        # less names the file on its last row and waits for a key (from twirly's capture,
        # which it takes for its terminal: the person's keys must reach it there).
        _until(p, lambda s: s.text_lines[-1].startswith("/etc/passwd"), "less's prompt")
        p.read_for(0.2)
        assert not any(line.endswith(f" {ROW}") for line in p.screen().text_lines)
        p.type("q")
        assert p.wait() == 0
        lines = _lines(p.screen())
        assert lines[-3:] == ["after less", "✔ done", "echo True"]
        assert p.screen().cursor_visible


def _paging(driver: str, tmp_path: Path) -> str:
    """A program that runs ``less`` on 199 numbered lines (``numbers.txt``) under a spinner
    (the test is skipped where there is no less)."""
    if shutil.which("less") is None:
        pytest.skip("less is not installed")
    text = tmp_path / "numbers.txt"
    text.write_text("".join(f"line {n}\n" for n in range(1, 200)))
    body = f"""
    PAUSE(0.2)
    subprocess.run(["less", {str(text)!r}])
    """
    return spinning(body, driver, before="import subprocess\n")


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_pager_never_has_the_row_drawn_over_its_screen(driver: str, tmp_path: Path) -> None:
    # less takes the keyboard (its modes on the terminal) and then draws its screen through
    # twirly's capture: the row steps aside as that screen arrives, not at the next frame
    # (it was drawn over less's last line for a frame: 20-35 ms, each time).
    with start(_paging(driver, tmp_path), env=clean_env({"LESS": "", "LESSHISTFILE": "-"})) as p:
        _until(p, lambda s: "numbers.txt" in s.text_lines[-1], "less's prompt")
        p.read_for(0.3)
        p.type("q")
        assert p.wait() == 0
    output = bytes(p.output)
    begin, end = output.find(b"\x1b[?1049h"), output.find(b"\x1b[?1049l")
    assert 0 <= begin < end, output
    assert ROW.encode() not in output[begin:end], output[begin:end]


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_pager_run_inside_a_spinner_lays_out_again_for_the_new_size(
    driver: str, tmp_path: Path
) -> None:
    # less takes its size from twirly's capture (its stderr), not from the terminal the
    # person resizes: the capture must follow the new size, and tell less so.
    code = _paging(driver, tmp_path)

    def shows(rows: int) -> Callable[[Screen], bool]:
        # A page of as many lines as the rows leave above less's prompt (its last row), from
        # the first.
        def ok(screen: Screen) -> bool:
            lines = screen.text_lines
            return (
                len(lines) == rows
                and [line.rstrip() for line in lines[: rows - 1]]
                == [f"line {n}" for n in range(1, rows)]
                and lines[-1].strip() != ""
                and not lines[-1].startswith("line ")
            )

        return ok

    with start(code, env=clean_env({"LESS": "", "LESSHISTFILE": "-"})) as p:
        _until(p, shows(24), "less's first page")
        # Long enough for an asyncio spinner's loop, blocked in subprocess.run, to have its
        # watchdog draw instead (whose frames must follow the size too).
        p.read_for(1.0)
        p.resize(15, 60)
        _until(p, shows(15), "a page of 15 rows")
        p.resize(30, 100)
        _until(p, shows(30), "a page of 30 rows")
        p.type("q")
        assert p.wait() == 0


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_child_that_asks_right_after_a_pager_sees_its_answer_echoed(driver: str) -> None:
    # less gives the terminal its modes back (twirly's, echo off) as it quits; a child that
    # asks something at once must still get the person's modes for its answer.
    if shutil.which("less") is None:
        pytest.skip("less is not installed")
    asking = [sys.executable, "-c", "a = input('Q? '); print('got', a)"]
    body = f"""
    PAUSE(0.2)
    subprocess.run(["less", "/etc/passwd"])
    subprocess.run({asking!r})
    """
    code = spinning(body, driver, before="import subprocess\n")
    with start(code, env=clean_env({"LESS": "", "LESSHISTFILE": "-"})) as p:
        _until(p, lambda s: s.text_lines[-1].startswith("/etc/passwd"), "less's prompt")
        p.type("q")
        _until(p, lambda s: any(line.startswith("Q?") for line in s.text_lines), "the prompt")
        # (The person's modes within a frame: before, less's or twirly's, which echo nothing.)
        _until(p, lambda s: bool(termios.tcgetattr(p.master)[3] & termios.ECHO), "echo")
        p.type("ans")
        _until(p, lambda s: "Q? ans" in s.text, "the answer, echoed as typed")
        p.type("\r")
        assert p.wait() == 0
        assert "got ans" in p.screen().text
        assert p.screen().cursor_visible
