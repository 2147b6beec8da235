"""A shell's job control and nothing else, on a real pseudo-terminal, steered by the test.

The program runs as a job of its own in front of the terminal. When it stops (Ctrl-Z), the
terminal goes back to this "shell", which keeps the modes the job left (what the test reads
then is what the program left) and waits for the test's word, given as a file in the control
directory: ``bg`` continues the job behind the terminal, ``fg`` puts it in front again (and
continues it only if it is stopped: bash's ``fg`` sends no SIGCONT to a job already running in
the background). With ``editing``, the shell, like bash at its prompt, reads its own line in
its own modes while the job runs behind (no echo, no lines: readline does the rest), and sets
the job's modes again before putting it in front. The shell writes what it did (STOPPED,
BACKGROUND, FOREGROUND) to the ``said`` file of the control directory, and after STOPPED the
signal that stopped the job (``BY-20``: SIGTSTP). With a ``prompt``, the shell writes it
on the terminal, on a line of its own, when the job stops (before it says STOPPED), and
writes "fg" and a new line after it, as bash echoes a typed ``fg``, before the job is put in
front again; for ``bg``, "bg", a new line and the prompt again (in its own modes, when
editing) before the job goes on.
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from tests.support.ptyrun import PtyProcess

_SHELL = """\
import os, signal, sys, termios, time
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
CONTROL, EDITING, PROMPT, ARGV = sys.argv[1], sys.argv[2] == "editing", sys.argv[3], sys.argv[4:]


def say(word):
    with open(os.path.join(CONTROL, "said"), "a") as file:
        file.write(word + "\\n")


def told(word):
    path = os.path.join(CONTROL, word)
    if not os.path.exists(path):
        return False
    os.unlink(path)
    return True


pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    while os.tcgetpgrp(0) != os.getpgrp():  # (in front before the program starts)
        time.sleep(0.001)
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
    os.execv(ARGV[0], ARGV)
os.setpgid(pid, pid)
os.tcsetpgrp(0, pid)
front, stopped, job_modes = True, False, None
while True:
    waited, status = os.waitpid(pid, os.WUNTRACED if front else os.WNOHANG | os.WUNTRACED)
    if waited and not os.WIFSTOPPED(status):
        sys.exit(os.waitstatus_to_exitcode(status))
    if waited:
        os.tcsetpgrp(0, os.getpgrp())
        job_modes = termios.tcgetattr(0)
        front, stopped = False, True
        if PROMPT:
            os.write(2, ("\\r\\n" + PROMPT).encode())
        # (the signal that stopped it, as bash prints it: in one write with STOPPED, so a
        # test that has read STOPPED finds it there too)
        say(f"STOPPED\\nBY-{os.WSTOPSIG(status)}")
    if front:
        continue
    if stopped and told("bg"):
        if PROMPT:  # (the new prompt, in the shell's modes, is there as the job goes on)
            os.write(2, ("bg\\r\\n" + PROMPT).encode())
            continued = False
        else:
            os.killpg(pid, signal.SIGCONT)
            continued = True
        stopped = False
        if EDITING:
            modes = termios.tcgetattr(0)
            modes[3] &= ~(termios.ICANON | termios.ECHO)
            termios.tcsetattr(0, termios.TCSANOW, modes)
        if not continued:
            os.killpg(pid, signal.SIGCONT)
        say("BACKGROUND")
    elif told("fg"):
        if PROMPT:
            os.write(2, b"fg\\r\\n")
        termios.tcsetattr(0, termios.TCSANOW, job_modes)
        os.tcsetpgrp(0, pid)
        if stopped:
            os.killpg(pid, signal.SIGCONT)
        front, stopped = True, False
        say("FOREGROUND")
    else:
        time.sleep(0.02)
"""


@contextlib.contextmanager
def touched_at_the_end(*paths: Path) -> Iterator[None]:
    """Create ``paths`` as the block ends, however it ends: a program that waits for them
    ends too when the test fails midway (a job behind the terminal outlives the terminal)."""
    try:
        yield
    finally:
        for path in paths:
            path.touch()


def job_shell(
    argv: Sequence[str],
    control: Path,
    *,
    editing: bool = False,
    prompt: str = "",
    stdout_pipe: bool = False,
    env: Mapping[str, str] | None = None,
) -> PtyProcess:
    """Run ``argv`` as a job of the job-control shell, in a fresh pseudo-terminal;
    ``control``: the directory of the test's words and the shell's; ``prompt``: what the
    shell writes on the terminal when the job stops (nothing by default)."""
    control.mkdir(parents=True, exist_ok=True)
    mode = "editing" if editing else "plain"
    shell = [sys.executable, "-c", _SHELL, str(control), mode, prompt, *argv]
    return PtyProcess(shell, stdout_pipe=stdout_pipe, env=env)


def tell(control: Path, word: str) -> None:
    """Give the shell a word: ``bg`` or ``fg``."""
    (control / word).touch()


def shell_said(p: PtyProcess, control: Path, word: str, count: int = 1) -> None:
    """Read the terminal on until the shell has said ``word`` ``count`` times."""
    said = control / "said"
    deadline = time.monotonic() + 15
    while not said.exists() or said.read_text().split().count(word) < count:
        assert time.monotonic() < deadline, f"the shell never said {word!r}: {bytes(p.output)!r}"
        assert p.proc.poll() is None, f"the shell ended: {bytes(p.output)!r}"
        p.read_for(0.02)


# -- bash, for the tests that drive the real one ------------------------------------------

#: What ``stty -g`` prints: the modes as colon-separated hexadecimal numbers.
STTY_FORM = re.compile(r"[0-9a-f]+(?::[0-9a-f]+){10,}")


def bash_modes(shell: PtyProcess) -> str:
    """The modes the shell gives its commands, as ``stty -g`` prints them."""
    done = f"STTY-DONE-{len(shell.output)}"
    shell.type(f"stty -g; echo {done}\r")
    out = shell.read_until(f"\r\n{done}").decode()
    return STTY_FORM.findall(out.rsplit(f"\r\n{done}", 1)[0])[-1]


def bash_words(shell: PtyProcess, words: list[str]) -> None:
    """Type each of bash's words (``bg``: the job runs on behind the terminal, ``fg``: in
    front again, with no SIGCONT when it runs already)."""
    for word in words:
        mark = len(shell.output)
        shell.type(f"{word}\r")
        deadline = time.monotonic() + 10
        while b"\n" not in shell.output[mark:]:  # (bash has read the line: it names the job)
            assert time.monotonic() < deadline, bytes(shell.output)
            shell.read_for(0.02)
