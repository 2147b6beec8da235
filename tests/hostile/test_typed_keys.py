"""Keys typed while a spinner runs, in real pseudo-terminals: they neither print nor move the
rows, they are still there for the program's next read, and the terminal's modes come back
exactly as they were on every way out."""

from __future__ import annotations

import shutil
import signal
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.hostile.programs import DRIVERS, TEXT, spinning, start
from tests.support.jobs import (
    bash_modes,
    bash_words,
    job_shell,
    shell_said,
    tell,
    touched_at_the_end,
)
from tests.support.ptyrun import PtyProcess, clean_env

#: What the programs below say, on stdout (a pipe: the screen shows only what twirly and the
#: terminal put there).
_SAY = "def say(text):\n    os.write(1, (str(text) + '\\n').encode())\n"


def _said(p: PtyProcess, marker: str, timeout: float = 15.0) -> None:
    """Read until the program has said ``marker`` on its stdout."""
    deadline = time.monotonic() + timeout
    while marker.encode() not in p.stdout_data:
        ended = p.proc.poll() is not None
        assert time.monotonic() < deadline, f"{marker!r} not said: {bytes(p.stdout_data)!r}"
        p.read_for(0.05)
        assert not ended or marker.encode() in p.stdout_data, (
            f"ended before {marker!r}: {bytes(p.stdout_data)!r} {bytes(p.output)!r}"
        )


def _frames(p: PtyProcess, count: int = 2) -> None:
    """Read until the spinner has drawn ``count`` more frames (each starts with a return)."""
    mark = len(p.output)
    deadline = time.monotonic() + 10
    while p.output[mark:].count(b"\r") < count:
        assert time.monotonic() < deadline, f"no frame drawn: {bytes(p.output)!r}"
        p.read_for(0.05)


def _modes(p: PtyProcess) -> list[object]:
    """The terminal's modes, read through the test's side of the pty."""
    return termios.tcgetattr(p.master)


def _echoes(p: PtyProcess) -> bool:
    return bool(_modes(p)[3] & termios.ECHO)


def _until(p: PtyProcess, wanted: bool, what: str = "echo") -> None:
    """Read on until the terminal echoes (or not): the modes change at a frame."""
    deadline = time.monotonic() + 10
    while _echoes(p) != wanted:
        assert time.monotonic() < deadline, f"{what} never {'on' if wanted else 'off'}"
        p.read_for(0.02)


def _program(body: str, driver: str = "thread", *, go: Path, after: str = "") -> str:
    return spinning(
        body,
        driver,
        before=f"import select, termios\n{_SAY}GO = {str(go)!r}\nFOUND = termios.tcgetattr(0)\n",
        after=after,
    )


#: The body waits for a whole line typed at the keyboard (in canonical mode the keyboard
#: becomes readable only then), without reading it, then for the test's word.
_WAIT_FOR_A_LINE = """\
say("SPINNING")
READY_TO_READ
say("TYPED")
while not os.path.exists(GO):
    PAUSE(0.02)
"""
_SELECT = {
    "thread": "select.select([0], [], [], 30)",
    "process": "select.select([0], [], [], 30)",
    "asyncio": (
        "await asyncio.get_running_loop().run_in_executor("
        "None, lambda: select.select([0], [], [], 30))"
    ),
}
_AFTER = """\
before = BEFORE
say("SAME" if termios.tcgetattr(0) == before else f"CHANGED {before} {termios.tcgetattr(0)}")
say("READ " + repr(input()))
"""


@pytest.mark.parametrize("driver", DRIVERS)
def test_typed_keys_neither_print_nor_move_the_rows_and_are_read_after(
    driver: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    body = _WAIT_FOR_A_LINE.replace("READY_TO_READ", _SELECT[driver])
    code = _program(body, driver, go=go, after=_AFTER.replace("BEFORE", "FOUND"))
    with start(code, stdout_pipe=True) as p:
        _said(p, "SPINNING")
        p.type("abc\r")
        _said(p, "TYPED")
        _frames(p)
        lines = p.screen().text_lines
        assert lines[0].endswith(" spinning text"), lines  # the row stayed where it was
        assert not any(line.strip() for line in lines[1:]), lines
        assert "abc" not in p.screen().text, lines
        go.touch()
        assert p.wait() == 0
        assert b"SAME\n" in p.stdout_data, p.stdout_data
        assert b"READ 'abc'\n" in p.stdout_data, p.stdout_data  # nothing was lost


_ENDS = {
    "normal": ("", 0),
    "exception": ("raise RuntimeError('boom')", 1),
    "sys.exit": ("sys.exit(3)", 3),
}


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("end", sorted(_ENDS))
def test_the_modes_come_back_exactly_at_the_end(driver: str, end: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    statement, status = _ENDS[end]
    body = 'say("SPINNING")\nwhile not os.path.exists(GO):\n    PAUSE(0.02)\n' + statement
    with start(_program(body, driver, go=go), stdout_pipe=True) as p:
        before = p.modes_at_start
        _said(p, "SPINNING")
        _until(p, wanted=False)
        modes = _modes(p)
        assert modes[3] & termios.ICANON  # lines are still collected by the terminal
        assert [*modes[:3], modes[3] | termios.ECHO, *modes[4:]] == before  # only echo
        go.touch()
        assert p.wait() == status
        assert _modes(p) == before


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_the_modes_come_back_exactly_after_a_signal(
    driver: str, signum: int, tmp_path: Path
) -> None:
    body = 'say("SPINNING")\nPAUSE(30)\n'
    with start(_program(body, driver, go=tmp_path / "go"), stdout_pipe=True) as p:
        before = p.modes_at_start
        _said(p, "SPINNING")
        _until(p, wanted=False)
        if signum == signal.SIGINT:
            p.type("\x03")  # Ctrl-C at the keyboard
        else:
            p.send_signal(signum)
        assert p.wait() != 0
        assert _modes(p) == before


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_the_modes_come_back_when_the_first_spinner_started_in_a_worker(
    signum: int, tmp_path: Path
) -> None:
    # No signal handler can be set from a worker: the watcher process puts echo back.
    code = f"""\
import os, threading, time, twirly
{_SAY}
def work():
    with twirly.spinner("spinning text"):
        say("SPINNING")
        time.sleep(30)
worker = threading.Thread(target=work)
worker.start()
worker.join()  # (the main thread waits: from 3.12 no thread starts once it has returned)
"""
    with start(code, stdout_pipe=True) as p:
        before = p.modes_at_start
        _said(p, "SPINNING")
        _until(p, wanted=False)
        p.send_signal(signum)
        assert p.wait() == -signum  # the default death: no code of the program ran
        p.read_to_the_end()  # (the watcher has written and gone)
        assert _modes(p) == before


def _stopped(p: PtyProcess, control: Path, before: list[object]) -> None:
    """Ctrl-Z once the spinner draws: the job stops with the person's modes given back."""
    _until(p, wanted=False)
    _frames(p, 3)  # (the process driver's child draws by now)
    p.type("\x1a")  # Ctrl-Z: the terminal stops the job in front
    shell_said(p, control, "STOPPED")
    assert _modes(p) == before  # the person's modes while the program is stopped
    p.read_until("\x1b[?25h")  # (the cursor was shown before it stopped)


def _typed_after_fg_is_neither_shown_nor_lost(
    p: PtyProcess, go: Path, before: list[object]
) -> None:
    _until(p, wanted=False)  # in front again, spinning: echo off again
    p.type("typed after fg\r")
    _frames(p)
    assert "typed" not in p.screen().text
    go.touch()
    assert p.wait() == 0
    assert b"SAME\n" in p.stdout_data, p.stdout_data
    assert b"READ 'typed after fg'\n" in p.stdout_data, p.stdout_data
    assert _modes(p) == before


_GO_ON = 'say("SPINNING")\nwhile not os.path.exists(GO):\n    PAUSE(0.02)\n'


@pytest.mark.parametrize("driver", DRIVERS)
def test_ctrl_z_gives_the_modes_back_and_fg_turns_echo_off_again(
    driver: str, tmp_path: Path
) -> None:
    go, program, control = tmp_path / "go", tmp_path / "program.py", tmp_path / "jobs"
    program.write_text(_program(_GO_ON, driver, go=go, after=_AFTER.replace("BEFORE", "FOUND")))
    with job_shell([sys.executable, str(program)], control, stdout_pipe=True) as p:
        before = _modes(p)
        _said(p, "SPINNING")
        _stopped(p, control, before)
        tell(control, "fg")
        _typed_after_fg_is_neither_shown_nor_lost(p, go, before)


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("editing", [False, True], ids=["shell-keeps-modes", "shell-edits"])
def test_behind_the_terminal_the_modes_are_left_alone_and_in_front_again_echo_is_off(
    driver: str, editing: bool, tmp_path: Path
) -> None:
    # Ctrl-Z, `bg`, `fg`: the job runs on behind the terminal, where the modes are the
    # shell's (bash edits its line in modes of its own), then comes back in front without a
    # signal (bash's `fg` continues only a stopped job).
    go, program, control = tmp_path / "go", tmp_path / "program.py", tmp_path / "jobs"
    program.write_text(_program(_GO_ON, driver, go=go, after=_AFTER.replace("BEFORE", "FOUND")))
    argv = [sys.executable, str(program)]
    with job_shell(argv, control, editing=editing, stdout_pipe=True) as p:
        before = _modes(p)
        _said(p, "SPINNING")
        _stopped(p, control, before)
        tell(control, "bg")
        shell_said(p, control, "BACKGROUND")
        shells = _modes(p)
        assert bool(shells[3] & termios.ECHO) is not editing
        deadline = time.monotonic() + 0.5  # (a few frames' time: the modes must not change)
        while time.monotonic() < deadline:
            p.read_for(0.05)
            assert _modes(p) == shells
        # Drawn on behind the terminal, but not over a line the shell reads in its own modes.
        assert ("spinning text" in p.screen().text) is not editing, p.screen().text_lines
        tell(control, "fg")
        shell_said(p, control, "FOREGROUND")
        _typed_after_fg_is_neither_shown_nor_lost(p, go, before)


def _the_prompt_stays_whole(p: PtyProcess) -> None:
    """For a few frames' time, looked at as it goes: the shell's "PROMPT$ " stays whole on
    the cursor's line, the cursor after it, and no row is drawn."""
    for _ in range(8):
        p.read_for(0.05)
        screen = p.screen()
        assert screen.text_lines[screen.cursor.y] == "PROMPT$", screen.text_lines
        assert screen.cursor.x == len("PROMPT$ ")
    assert "spinning text" not in p.screen().text


@pytest.mark.parametrize("driver", DRIVERS)
def test_after_ctrl_z_and_bg_the_shells_new_prompt_is_left_whole(
    driver: str, tmp_path: Path
) -> None:
    # `bg`: the shell prints its prompt and reads its line, in its own modes, as the job goes
    # on behind it. The rows come back only where the frame that asks first finds the
    # terminal free: not over that prompt.
    go, program, control = tmp_path / "go", tmp_path / "program.py", tmp_path / "jobs"
    program.write_text(_program(_GO_ON, driver, go=go))
    argv = [sys.executable, str(program)]
    with (
        job_shell(argv, control, editing=True, prompt="PROMPT$ ", stdout_pipe=True) as p,
        touched_at_the_end(go),
    ):
        before = _modes(p)
        _said(p, "SPINNING")
        _stopped(p, control, before)
        tell(control, "bg")
        shell_said(p, control, "BACKGROUND")
        deadline = time.monotonic() + 10
        while p.output.count(b"PROMPT$ ") < 2:  # (the new prompt, after "bg")
            assert time.monotonic() < deadline, bytes(p.output)
            p.read_for(0.02)
        _the_prompt_stays_whole(p)
        go.touch()
        assert p.wait() == 0


def test_a_spinner_in_a_background_job_leaves_the_modes_alone(tmp_path: Path) -> None:
    # A job of its own, not in front of the terminal: setting modes from there would stop it
    # (SIGTTOU) or change the modes of the job in front.
    job = tmp_path / "job.py"
    go = tmp_path / "go"
    job.write_text(
        _program('say("SPINNING")\nwhile not os.path.exists(GO):\n    PAUSE(0.02)\n', go=go)
    )
    code = f"""\
import subprocess, sys
sys.exit(subprocess.run([sys.executable, {str(job)!r}], process_group=0).returncode)
"""
    with start(code, stdout_pipe=True) as p:
        before = p.modes_at_start
        _said(p, "SPINNING")
        _frames(p)
        assert _modes(p) == before
        go.touch()
        assert p.wait() == 0
        assert _modes(p) == before


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_spinner_started_behind_the_terminal_keeps_off_the_line_the_shell_edits(
    driver: str, tmp_path: Path
) -> None:
    # `python3 prog.py &` at bash's prompt: the job starts behind the terminal while the shell
    # reads its line in modes of its own (no line mode, no echo: readline). The rows keep off
    # that line, and are drawn behind once the terminal is in line mode again (a command of
    # the shell's runs).
    job, go, cooked = tmp_path / "job.py", tmp_path / "go", tmp_path / "cooked"
    job.write_text(_program(_GO_ON, driver, go=go))
    code = f"""\
import os, subprocess, sys, termios, time
modes = termios.tcgetattr(0)
editing = list(modes)
editing[3] &= ~(termios.ICANON | termios.ECHO)
termios.tcsetattr(0, termios.TCSANOW, editing)
os.write(2, b"PROMPT$ ")
job = subprocess.Popen([sys.executable, {str(job)!r}], process_group=0)
while not os.path.exists({str(cooked)!r}):
    time.sleep(0.02)
termios.tcsetattr(0, termios.TCSANOW, modes)
sys.exit(job.wait())
"""
    with start(code, stdout_pipe=True) as p, touched_at_the_end(go, cooked):
        _said(p, "SPINNING")
        _the_prompt_stays_whole(p)
        cooked.touch()
        p.read_until("spinning text")  # (behind, in line mode: drawn as any job's output)
        go.touch()
        assert p.wait() == 0


def test_input_inside_the_spinner_echoes_the_answer_and_echo_is_off_again_after(
    tmp_path: Path,
) -> None:
    go = tmp_path / "go"
    body = """\
answer = input("Name? ")
print("ANSWER", answer)
while not os.path.exists(GO):
    time.sleep(0.02)
"""
    with start(_program(body, go=go)) as p:
        before = _modes(p)
        p.read_until("Name? ")
        _until(p, wanted=True)
        assert _modes(p) == before  # the person's own modes to answer
        p.type("bob\r")
        p.read_until("ANSWER bob")
        _until(p, wanted=False)
        assert "Name? bob" in p.screen().text  # the answer was shown as typed
        go.touch()
        assert p.wait() == 0
        assert _modes(p) == before


def test_a_read_of_stdin_inside_the_spinner_has_the_persons_modes(tmp_path: Path) -> None:
    # sys.stdin.readline() is not input(): twirly sees the read waiting on the keyboard.
    body = 'say("SPINNING")\nsay("LINE " + sys.stdin.readline().strip())\n'
    with start(_program(body, go=tmp_path / "go"), stdout_pipe=True) as p:
        before = _modes(p)
        _said(p, "SPINNING")
        _until(p, wanted=True)
        assert _modes(p) == before
        p.type("xyz\r")
        _said(p, "LINE xyz")
        assert p.wait() == 0
        assert _modes(p) == before


def _read_after_frames(body: str, go: Path, frames: int) -> None:
    """Run ``body``, which says SPINNING, then reads a line of stdin once ``go`` exists and
    says LINE and the line: echo is off for ``frames`` frames before, the person's modes are
    back for the read, and after."""
    with start(_program(body, go=go), stdout_pipe=True) as p:
        before = _modes(p)
        _said(p, "SPINNING")
        _until(p, wanted=False)
        _frames(p, frames)
        go.touch()
        _until(p, wanted=True)
        assert _modes(p) == before
        p.type("xyz\r")
        _said(p, "LINE xyz")
        assert p.wait() == 0
        assert _modes(p) == before


def test_a_read_of_stdin_in_a_thread_that_replaced_another_has_the_persons_modes(
    tmp_path: Path,
) -> None:
    # The thread that reads comes after the spinner's frames have seen another thread, which
    # has ended meanwhile: as many threads as before, one of them new.
    body = """\
    stop = threading.Event()
    first = threading.Thread(target=stop.wait)
    first.start()
    say("SPINNING")
    while not os.path.exists(GO):
        PAUSE(0.02)
    stop.set()
    first.join()
    got = []
    second = threading.Thread(target=lambda: got.append(sys.stdin.readline()))
    second.start()
    second.join()
    say("LINE " + got[0].strip())
    """
    _read_after_frames(body, tmp_path / "go", 2)  # (frames while the first thread is there)


def test_a_read_of_stdin_after_a_long_wait_elsewhere_has_the_persons_modes(
    tmp_path: Path,
) -> None:
    # The main thread first waits, for many frames, in a read that is not the keyboard's
    # (a pipe): a thread that has not run since is not asked again, and one that has is.
    body = """\
    read_end, write_end = os.pipe()
    def release():
        while not os.path.exists(GO):
            time.sleep(0.02)
        os.write(write_end, b"x")
    threading.Thread(target=release, daemon=True).start()
    say("SPINNING")
    os.read(read_end, 1)
    say("LINE " + sys.stdin.readline().strip())
    """
    _read_after_frames(body, tmp_path / "go", 3)  # (frames while the main thread waits)


def test_getpass_inside_the_spinner_does_not_show_the_password(tmp_path: Path) -> None:
    body = 'say("SPINNING")\nsay("SECRET " + getpass.getpass("Password: "))\n'
    code = _program(body, go=tmp_path / "go").replace("import ", "import getpass, ", 1)
    with start(code, stdout_pipe=True) as p:
        before = _modes(p)
        _said(p, "SPINNING")
        p.read_until("Password: ")
        p.type("hunter2\r")
        _said(p, "SECRET hunter2")
        assert p.wait() == 0
        assert "hunter2" not in p.screen().text
        assert _modes(p) == before


def test_getpass_imported_inside_the_spinner_keeps_echo_off_and_its_prompt_shown(
    tmp_path: Path,
) -> None:
    # Imported after the spinner started, getpass is not wrapped: the rows step aside for the
    # thread seen in it, and echo stays off (it is off for a password anyway).
    body = """\
import getpass
say("SECRET " + getpass.getpass("Password: "))
say("DONE")
"""
    with start(_program(body, go=tmp_path / "go"), stdout_pipe=True) as p:
        before = _modes(p)
        p.read_until("Password: ")
        # The rows step aside, before the prompt or after it (the thread may be seen in
        # getpass first): the prompt alone on screen, the cursor shown after it.
        screen = p.read_until_screen(
            lambda s: (
                s.cursor_visible and s.text_lines[0] == "Password:" and "spinning" not in s.text
            )
        )
        assert screen.cursor.x == len("Password: ")
        assert not _echoes(p)
        p.type("hunter2\r")
        _said(p, "DONE")
        assert p.wait() == 0
        assert b"SECRET hunter2" in p.stdout_data
        assert "hunter2" not in p.screen().text
        assert _modes(p) == before


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("back", [["fg"], ["bg", "fg"]], ids=["fg", "bg-fg"])
def test_ctrl_z_and_fg_under_bash_leave_the_shell_its_modes(
    back: list[str], tmp_path: Path
) -> None:
    go, program = tmp_path / "go", tmp_path / "program.py"
    body = 'print("READY", flush=True)\nwhile not os.path.exists(GO):\n    PAUSE(0.02)\n'
    after = 'say("SAME" if termios.tcgetattr(0) == FOUND else "CHANGED")\n'
    program.write_text(_program(body, go=go, after=after))
    env = clean_env({"PS1": "$ ", "HISTFILE": "/dev/null"})
    with PtyProcess(["bash", "--norc", "--noprofile", "-i"], env=env) as shell:
        shell.read_until("$ ")
        before = bash_modes(shell)
        shell.type(f"{sys.executable} {program}\r")
        shell.read_until("READY")
        _until(shell, wanted=False)
        _frames(shell, 3)
        shell.type("\x1a")  # Ctrl-Z
        shell.read_until("Stopped")
        bash_words(shell, back)
        _until(shell, wanted=False)  # spinning again: echo off again
        go.touch()
        shell.read_until("SAME\r\n")
        assert bash_modes(shell) == before
        shell.type("exit\r")
        shell.wait()


_PAUSES = {
    "pause": """\
sp.pause()
say("PAUSED")
while not os.path.exists(GO + "1"):
    time.sleep(0.02)
sp.resume()
""",
    "hidden": """\
with sp.hidden():
    say("PAUSED")
    while not os.path.exists(GO + "1"):
        time.sleep(0.02)
""",
}


@pytest.mark.parametrize("how", sorted(_PAUSES))
def test_the_programs_own_moment_with_the_person_has_the_persons_modes(
    how: str, tmp_path: Path
) -> None:
    # pause() and hidden(): the program talks with the person, who sees what they type.
    body = (
        'say("SPINNING")\n'
        + _PAUSES[how]
        + 'say("RESUMED")\nwhile not os.path.exists(GO):\n    time.sleep(0.02)\n'
    )
    go = tmp_path / "go"
    with start(_program(body, go=go), stdout_pipe=True) as p:
        before = _modes(p)
        _said(p, "SPINNING")
        _said(p, "PAUSED")
        _until(p, wanted=True)
        assert _modes(p) == before
        (tmp_path / "go1").touch()
        _said(p, "RESUMED")
        _until(p, wanted=False)
        go.touch()
        assert p.wait() == 0
        assert _modes(p) == before


#: A key read the way click.getchar and readchar read one: the modes in force saved, raw
#: mode, one byte, the saved modes put back. ``SAVED`` says which modes are saved: those in
#: force (twirly's, with echo off) or the person's, saved before the spinner started.
_GETCHAR = """\
say("SPINNING")
while not os.path.exists(GO):
    PAUSE(0.02)
old = SAVED
tty.setraw(0)
key = os.read(0, 1)
termios.tcsetattr(0, termios.TCSADRAIN, old)
say("KEY " + repr(key))
while not os.path.exists(GO + "1"):
    PAUSE(0.02)
"""


def _raw(p: PtyProcess) -> bool:
    return not _modes(p)[3] & termios.ICANON


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("saved", ["in-force", "persons"])
@pytest.mark.parametrize("then", ["ends", "spins-on"])
def test_a_key_read_in_raw_mode_gives_the_modes_back_and_the_rows_return(
    driver: str, saved: str, then: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    modes = "termios.tcgetattr(0)" if saved == "in-force" else "FOUND"
    body = _GETCHAR.replace("SAVED", modes)
    if then == "ends":
        (tmp_path / "go1").touch()
    code = _program(body, driver, go=go).replace("import ", "import tty, ", 1)
    with start(code, stdout_pipe=True) as p:
        before = p.modes_at_start
        _said(p, "SPINNING")
        _until(p, wanted=False)
        go.touch()
        # Raw mode is someone else's: the rows step aside, and the cursor shows.
        p.read_until_screen(lambda s: _raw(p) and s.cursor_visible and TEXT not in s.text)
        p.type("k")
        _said(p, "KEY b'k'")
        if then == "spins-on":
            # The saved modes are back: the rows come back, with echo off again.
            p.read_until_screen(
                lambda s: TEXT in s.text and not s.cursor_visible and not _raw(p) and not _echoes(p)
            )
            (tmp_path / "go1").touch()
        assert p.wait() == 0
        assert _modes(p) == before


def test_a_child_reading_the_terminal_since_before_the_rows_does_not_keep_them_aside(
    tmp_path: Path,
) -> None:
    # A child started before the spinner reads the terminal all along (its fd 1/2 the
    # terminal's). Someone else's modes for a while send the rows aside; once they are put
    # back, the rows return: that child is no prompt that came while they were aside.
    go = tmp_path / "go"
    before = f"""\
import subprocess, termios
GO = {str(go)!r}
reader = subprocess.Popen([sys.executable, "-c", "import os; os.read(0, 1)"])
"""
    body = """\
say("SPINNING")
saved = termios.tcgetattr(0)
keys = [*saved[:3], saved[3] & ~termios.ICANON, *saved[4:]]
termios.tcsetattr(0, termios.TCSANOW, keys)
while not os.path.exists(GO):
    PAUSE(0.02)
termios.tcsetattr(0, termios.TCSANOW, saved)
while not os.path.exists(GO + "1"):
    PAUSE(0.02)
"""
    code = spinning(body, "thread", before=before, after="reader.kill()\nreader.wait()\n")
    with start(code, stdout_pipe=True) as p:
        before_modes = p.modes_at_start
        _said(p, "SPINNING")
        p.read_until_screen(lambda s: _raw(p) and s.cursor_visible and TEXT not in s.text)
        go.touch()
        p.read_until_screen(lambda s: TEXT in s.text and not s.cursor_visible and not _raw(p))
        (tmp_path / "go1").touch()
        assert p.wait() == 0
        assert _modes(p) == before_modes


def test_a_program_whose_file_name_ends_in_getpass_is_no_password_prompt(tmp_path: Path) -> None:
    # Only getpass's own file means a thread is in getpass: my_getpass.py, with getpass
    # loaded, spins as any program does.
    program = tmp_path / "my_getpass.py"
    program.write_text(spinning('say("SPINNING")\nPAUSE(30)\n', before="import getpass\n"))
    with PtyProcess([sys.executable, str(program)], env=clean_env()) as p:
        p.read_until_screen(lambda s: TEXT in s.text)
        _frames(p, 4)  # (each frame looks for a reader of the keyboard)
        assert TEXT in p.screen().text, p.screen().text
        assert not p.screen().cursor_visible
        assert not _echoes(p)
        p.send_signal(signal.SIGTERM)
        p.wait()
        assert _modes(p) == p.modes_at_start
