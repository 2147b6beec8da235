"""Running ``twirly`` end to end: in a pseudo-terminal, or with pipes all round."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tests.support.ptyrun import PtyProcess, clean_env

TWIRLY = (sys.executable, "-m", "twirly")
TWIRLY_LINE = shlex.join(TWIRLY)  # the same, typed at a shell
GLYPHS = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # the default style's frames


def twirly_in_pty(*args: str, env: Mapping[str, str] | None = None, **kwargs: object) -> PtyProcess:
    """``twirly ARGS`` on a fresh pseudo-terminal, as a person at a terminal runs it."""
    return PtyProcess([*TWIRLY, *args], env=clean_env(env), **kwargs)  # type: ignore[arg-type]


def twirly_piped(
    *args: str, stdin: str = "", env: Mapping[str, str] | None = None, timeout: float = 15
) -> subprocess.CompletedProcess[str]:
    """``twirly ARGS`` with pipes for stdin, stdout and stderr (no terminal at all)."""
    return subprocess.run(
        [*TWIRLY, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_env(env),
        timeout=timeout,
        start_new_session=True,
        check=False,
    )


def alive(pid: int) -> bool:
    """Is ``pid`` a running process (a zombie waiting for its reaper counts as gone)?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    """True once ``pid`` has gone; False if it is still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def read_pid(path: Path, timeout: float = 10.0) -> int:
    """The pid a command wrote to ``path`` (waits for the file to be written)."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text() if path.exists() else ""
        if text.endswith("\n"):
            return int(text)
        if time.monotonic() > deadline:
            raise TimeoutError(f"no pid in {path}")
        time.sleep(0.02)


def kill_quietly(pid: int) -> None:
    """Clean up after a failed test: never leave a process behind."""
    try:
        os.kill(pid, 9)
    except OSError:
        pass


def needs(program: str) -> None:
    """Skip the test unless ``program`` is installed."""
    import shutil

    if shutil.which(program) is None:
        import pytest

        pytest.skip(f"needs {program}")


def noting_modes(tmp: Path, command: str) -> str:
    """A shell line that runs ``command``, noting the terminal's modes before and after it
    (``tmp/before``, ``tmp/after``) and its exit status (``tmp/rc``)."""
    return f"stty -g > {tmp}/before; {command}; echo $? > {tmp}/rc; stty -g > {tmp}/after"


def spinner_rows(lines: Sequence[str]) -> list[str]:
    """The rows that start with a glyph of the default style."""
    return [line for line in lines if line[:1] in GLYPHS]


class Tmux:
    """A shell in a detached tmux server of its own: what a person sees in a real terminal
    emulator, which also answers the questions full-screen programs ask (pyte does not)."""

    def __init__(self, tmp: Path, *, cols: int = 100, rows: int = 30) -> None:
        import shutil

        if shutil.which("tmux") is None:
            import pytest

            pytest.skip("needs tmux")
        # (a name never used before: ``id(self)`` comes back once an earlier Tmux is freed,
        # and a new session on the socket of a server still exiting fails with "server
        # exited unexpectedly")
        self.name = f"twirly-test-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.tmp = tmp
        env = clean_env({"PS1": "$ ", "HOME": str(tmp)})
        size = ["-x", str(cols), "-y", str(rows)]
        subprocess.run(
            ["tmux", "-L", self.name, "-f", "/dev/null", "new-session", "-d", *size, "sh"],
            env=env,
            check=True,
        )
        self.type("PS1='$ '; clear")  # root's shell prompt is "# " whatever the environment
        self.send("Enter")
        self.wait_for(lambda rows: rows[:1] == ["$"])

    def send(self, *keys: str) -> None:
        """Type ``keys`` (tmux key names, or literal text with ``-l`` semantics per call)."""
        subprocess.run(["tmux", "-L", self.name, "send-keys", *keys], check=True)

    def type(self, text: str) -> None:
        """Type ``text`` literally."""
        subprocess.run(["tmux", "-L", self.name, "send-keys", "-l", text], check=True)

    def screen(self) -> list[str]:
        """The visible rows, trailing blanks removed."""
        result = subprocess.run(
            ["tmux", "-L", self.name, "capture-pane", "-p"],
            capture_output=True,
            text=True,
            check=True,
        )
        return [line.rstrip() for line in result.stdout.splitlines()]

    def wait_for(self, predicate: Callable[[list[str]], bool], timeout: float = 20.0) -> list[str]:
        """Wait until ``predicate(screen)`` holds; fail with the screen after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise TimeoutError("screen never matched:\n" + "\n".join(screen))
            time.sleep(0.05)

    def wait_file(self, path: Path, timeout: float = 30.0) -> str:
        """The text of ``path`` once a line has been written to it."""
        deadline = time.monotonic() + timeout
        while True:
            text = path.read_text() if path.exists() else ""
            if text.endswith("\n"):
                return text
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} never written; screen:\n" + "\n".join(self.screen()))
            time.sleep(0.05)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True, check=False)

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
