"""Run a program in a real pseudo-terminal and read the screen a person would see.

``PtyProcess`` starts a child attached to a new pty (its own session, the pty as controlling
terminal), collects every byte it writes, and can resize the pty, send signals and type keys.
``screen_of`` feeds bytes to a ``pyte`` virtual terminal of the same size.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"


def as_a_persons_terminal() -> None:
    """In a child before its program starts: stdin's pty is its controlling terminal, so
    Ctrl-C and SIGHUP work as for a person, and they do what they do by default there even
    where the tests were started in the background of a script or under ``nohup`` (which
    ignore SIGINT and SIGQUIT, or SIGHUP, and a child inherits that)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    for signum in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a person at a terminal: no CI, colour switches or twirly overrides."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CI", "NO_COLOR", "FORCE_COLOR", "TWIRLY_ANIMATE", "COLUMNS", "LINES"}
        and not k.startswith(("PYTEST_", "TWIRLY_"))
    }
    env.update({"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONIOENCODING", None)
    if extra:
        env.update(extra)
    return env


def set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class PtyProcess:
    """A child process on a fresh pseudo-terminal."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        rows: int = 24,
        cols: int = 80,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        stdout_pipe: bool = False,
    ) -> None:
        self.rows, self.cols = rows, cols
        master, slave = os.openpty()
        set_size(slave, rows, cols)
        self.master = master
        # The terminal's modes as the person has them, before the program can change them.
        self.modes_at_start: list[object] = termios.tcgetattr(slave)
        self._screen = Screen(cols, rows)
        self._stream = pyte.Stream(self._screen)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.output = bytearray()
        self.chunks: list[tuple[float, bytes]] = []  # (time.monotonic() read, bytes read)
        self.stdout_data = bytearray()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=subprocess.PIPE if stdout_pipe else slave,
            stderr=slave,
            env=dict(env) if env is not None else clean_env(),
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
            preexec_fn=as_a_persons_terminal,  # noqa: PLW1509
        )
        os.close(slave)

    @classmethod
    def python(cls, code: str, **kwargs: object) -> PtyProcess:
        """Run ``code`` with this interpreter and twirly from the source tree."""
        return cls([sys.executable, "-c", code], **kwargs)  # type: ignore[arg-type]

    def _pump(self, timeout: float) -> bool:
        fds = [self.master]
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            fds.append(self.proc.stdout.fileno())
        ready = select.select(fds, [], [], timeout)[0]
        got = False
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if fd == self.master:
                self.output += data
                self.chunks.append((time.monotonic(), data))
                self._stream.feed(self._decoder.decode(data))
            else:
                self.stdout_data += data
                if not data:
                    assert self.proc.stdout is not None
                    self.proc.stdout.close()
            got = got or bool(data)
        return got

    def read_until(self, needle: bytes | str, timeout: float = 10.0) -> bytes:
        """Read until ``needle`` has appeared in the output; fail after ``timeout`` seconds."""
        if isinstance(needle, str):
            needle = needle.encode()
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{needle!r} not seen; output so far: {bytes(self.output)!r}")
            if not self._pump(min(left, 0.1)) and self.proc.poll() is not None:
                self._pump(0.05)
                if needle not in self.output:
                    raise AssertionError(
                        f"process ended ({self.proc.returncode}) before {needle!r}: "
                        f"{bytes(self.output)!r}"
                    )
        return bytes(self.output)

    def read_until_screen(self, shows: Callable[[Screen], bool], timeout: float = 10.0) -> Screen:
        """Read until the screen satisfies ``shows``; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not shows(self._screen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"screen never matched; output so far: {bytes(self.output)!r}")
            if not self._pump(min(left, 0.1)) and self.proc.poll() is not None:
                self._pump(0.05)
                if not shows(self._screen):
                    raise AssertionError(
                        f"process ended ({self.proc.returncode}) before the screen matched: "
                        f"{bytes(self.output)!r}"
                    )
        return self._screen

    def read_for(self, seconds: float) -> bytes:
        """Collect output for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._pump(left)
        return bytes(self.output)

    def wait(self, timeout: float = 15.0) -> int:
        """Read everything until the process exits; return its status (-N: signal N)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"process did not exit; output: {bytes(self.output)!r}")
            self._pump(0.05)
        while self._pump(0.05):
            pass
        return self.proc.returncode

    def read_to_the_end(self, timeout: float = 10.0) -> bytes:
        """Read until no process holds the terminal open any more (the master then reads end
        of file or EIO): the program and anything it left behind are gone, and every byte any
        of them wrote is in."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the terminal is still open; output: {bytes(self.output)!r}")
            if not select.select([self.master], [], [], min(left, 0.1))[0]:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            if not data:
                return bytes(self.output)
            self.output += data
            self._stream.feed(self._decoder.decode(data))

    def resize(self, rows: int, cols: int) -> None:
        """Resize the pty (the kernel sends SIGWINCH to the foreground group)."""
        self.rows, self.cols = rows, cols
        self._screen.resize(rows, cols)
        set_size(self.master, rows, cols)

    def send_signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def type(self, data: bytes | str) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        try:
            os.close(self.master)
        except OSError:
            pass

    def __enter__(self) -> PtyProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def screen(self) -> Screen:
        """The screen after every byte so far, resized when the pty was (as a terminal that
        does not reflow: rows are cut, never re-wrapped)."""
        return self._screen


class Screen(pyte.Screen):  # type: ignore[misc]
    """A pyte screen that also reads as text."""

    @property
    def text_lines(self) -> list[str]:
        """Each row as text, trailing blanks removed."""
        return [line.rstrip() for line in self.display]

    @property
    def text(self) -> str:
        """The whole screen as text, trailing blank rows removed."""
        return "\n".join(self.text_lines).rstrip("\n")

    @property
    def cursor_visible(self) -> bool:
        return not self.cursor.hidden


def screen_of(data: bytes | str, rows: int = 24, cols: int = 80) -> Screen:
    """Feed ``data`` to a virtual terminal of ``rows`` x ``cols`` and return its screen."""
    screen = Screen(cols, rows)
    stream = pyte.Stream(screen)
    if isinstance(data, bytes):
        # A pty turns "\n" into "\r\n" (ONLCR); the bytes read back already carry it.
        data = data.decode("utf-8", "replace")
    stream.feed(data)
    return screen
