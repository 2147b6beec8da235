"""Run one measured child on a fresh pseudo-terminal and stamp every byte it writes.

The harness reads the pty master in a tight ``select`` loop and stamps each chunk with
``time.monotonic()`` as it arrives; the child's reports come on a separate pipe. The child
gets its own session with the pty as controlling terminal, like a program in a terminal tab.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROWS, COLS = 24, 80


def person_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a person at a colour terminal: no CI, no colour or twirly overrides."""
    dropped = {"CI", "NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "PYTHONIOENCODING"}
    # Bytecode is cached, as after `pip install`: without it every import compiles from
    # source. The cache lives apart, so neither the checkout nor the environment is touched.
    dropped.add("PYTHONDONTWRITEBYTECODE")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not key.startswith("TWIRLY_")
    }
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "twirly-bench-pycache")
    env.update({"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    paths = [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra or {})
    return env


def src_env() -> dict[str, str]:
    """:func:`person_env` for a child that imports twirly from this checkout's ``src``."""
    return person_env({"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])})


@dataclass
class Session:
    """What one child did: stamped output chunks, its reports, its exit status."""

    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    returncode: int | None = None
    started: float = 0.0
    ended: float = 0.0
    keep_output: bool = True
    size: int = 0
    timed_out: bool = False

    @property
    def output(self) -> bytes:
        return b"".join(data for _, data in self.chunks)

    def mark(self, name: str) -> dict[str, Any]:
        for report in self.reports:
            if report.get("kind") == "mark" and report.get("name") == name:
                return report
        raise LookupError(f"the child sent no {name!r} mark; output: {self.output[-300:]!r}")

    def result(self) -> dict[str, Any]:
        for report in self.reports:
            if report.get("kind") == "result":
                return report
        raise LookupError(f"the child sent no result; output: {self.output[-300:]!r}")


def prefer_harness() -> str:
    """Let the harness run first when it wakes, so bytes are stamped when they arrive.

    On a busy machine a reader that waits for a CPU stamps two frames as one late burst.
    A real-time policy where allowed (root in a container), reset in every child it starts
    so the measured programs run as usual; otherwise a little higher priority, or nothing.
    """
    try:
        policy = os.SCHED_FIFO | os.SCHED_RESET_ON_FORK
        os.sched_setscheduler(0, policy, os.sched_param(1))
        return "real-time (SCHED_FIFO, reset in children)"
    except (OSError, AttributeError):
        pass
    return "normal"


def normal_priority() -> None:
    """Back to the normal policy (before heavy reading: never starve the machine)."""
    try:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except (OSError, AttributeError):
        pass


def set_size(fd: int) -> None:
    """Give the pseudo-terminal ``fd`` the harness's size (ROWS × COLS)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))


def make_controlling_tty() -> None:
    """In a child of a new session, before it runs: its stdin becomes its controlling
    terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def run_child(
    argv: Sequence[str],
    *,
    timeout: float,
    on_pty: bool = True,
    report_fd: bool = True,
    env: Mapping[str, str] | None = None,
    keep_output: bool = True,
    watch: Callable[[int], None] | None = None,
    give_up: bool = False,
) -> Session:
    """Run ``argv`` (``{fd}`` in an argument is replaced by the report descriptor).

    On a pty unless ``on_pty`` is false, in which case stdout and stderr share one pipe.
    Without ``keep_output`` only the number of bytes is kept (``Session.size``). ``watch`` is
    called with the child's pid on every turn of the read loop (at least every 50 ms). With
    ``give_up``, a child that runs past ``timeout`` is killed and what it did so far is
    returned (``Session.timed_out``) instead of raising :class:`TimeoutError`.
    """
    session = Session(keep_output=keep_output)
    report_read, report_write = os.pipe() if report_fd else (-1, -1)
    args = [arg.replace("{fd}", str(report_write)) for arg in argv]
    if on_pty:
        reader, writer = os.openpty()
        set_size(writer)
        stdin = stdout = writer
        preexec = make_controlling_tty
    else:
        reader, writer = os.pipe()
        stdin, stdout, preexec = subprocess.DEVNULL, writer, None
    session.started = time.monotonic()
    proc = subprocess.Popen(
        args,
        stdin=stdin,
        stdout=stdout,
        stderr=stdout,
        env=dict(env) if env is not None else person_env(),
        cwd=ROOT,
        start_new_session=True,
        pass_fds=(report_write,) if report_fd else (),
        preexec_fn=preexec,  # noqa: PLW1509 - the harness starts no threads
    )
    os.close(writer)
    if report_fd:
        os.close(report_write)
    try:
        _collect(session, proc, reader, report_read, timeout, watch=watch)
    except TimeoutError:
        if not give_up:
            raise
        session.timed_out = True
    finally:
        end_group(proc)
        for fd in (reader, report_read):
            if fd >= 0:
                os.close(fd)
    session.returncode = proc.returncode
    return session


def _collect(
    session: Session,
    proc: subprocess.Popen[bytes],
    reader: int,
    report_read: int,
    timeout: float,
    *,
    watch: Callable[[int], None] | None = None,
) -> None:
    """Read output and reports until the child has exited and its output has drained.

    The child's exit is watched through a pidfd, so it is stamped the moment it happens
    (without pidfds, by polling every millisecond).
    """
    deadline = session.started + timeout
    pidfd = _pidfd(proc.pid)
    open_fds = [fd for fd in (reader, report_read, pidfd) if fd >= 0]
    pending = b""
    exited_at: float | None = None
    try:
        while open_fds:
            now = time.monotonic()
            if now > deadline:
                raise TimeoutError(
                    f"{proc.args!r} ran past {timeout} s; output: {session.output[-300:]!r}"
                )
            if exited_at is not None and now - exited_at > 0.3:
                break  # a grandchild may hold the pty open; what the child wrote is in
            wait = 0.001 if pidfd < 0 and exited_at is None else 0.05
            ready = select.select(open_fds, [], [], wait)[0]
            if pidfd in ready or (pidfd < 0 and exited_at is None and proc.poll() is not None):
                exited_at = session.ended = time.monotonic()
                if pidfd >= 0:
                    open_fds.remove(pidfd)
                    ready.remove(pidfd)
            pending = _read_ready(session, ready, open_fds, reader, pending)
            if watch is not None and exited_at is None:
                watch(proc.pid)
    finally:
        if pidfd >= 0:
            os.close(pidfd)
    proc.wait(timeout=max(deadline - time.monotonic(), 0.1))


def _pidfd(pid: int) -> int:
    try:
        return os.pidfd_open(pid)
    except (OSError, AttributeError):
        return -1


def _read_ready(
    session: Session, ready: list[int], open_fds: list[int], reader: int, pending: bytes
) -> bytes:
    """Read each ready descriptor once: output is stamped, reports are parsed."""
    for fd in ready:
        try:
            data = os.read(fd, 1 << 16)
        except OSError:  # EIO: the pty's last writer closed it
            data = b""
        if not data:
            open_fds.remove(fd)
        elif fd == reader:
            session.size += len(data)
            if session.keep_output:
                session.chunks.append((time.monotonic(), data))
        else:
            pending += data
            *lines, pending = pending.split(b"\n")
            session.reports.extend(json.loads(line) for line in lines if line.strip())
    return pending


def end_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill what is left of the child's session (only processes this harness started)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait()


def child_argv(subject: str, scenario: str, params: Mapping[str, Any]) -> list[str]:
    """The command line of :mod:`bench.child` for one measurement."""
    spec = {"subject": subject, "scenario": scenario, "params": dict(params), "fd": "{fd}"}
    return [sys.executable, "-m", "bench.child", json.dumps(spec)]
