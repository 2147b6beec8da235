"""Running ``twirly`` end to end: in a pseudo-terminal, or with pipes all round."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.ptyrun import PtyProcess, clean_env

TWIRLY = (sys.executable, "-m", "twirly")
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


def spinner_rows(lines: Sequence[str]) -> list[str]:
    """The rows that start with a glyph of the default style."""
    return [line for line in lines if line[:1] in GLYPHS]
