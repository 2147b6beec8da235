"""Start the command on pseudo-terminals of its own, in its own session.

Three ptys keep apart what a person would otherwise see mixed on one terminal:

- ``out`` is the command's stdout and ``err`` its stderr, so each is replayed to the stream it
  came from, and the command still sees terminals (colours, line buffering) where twirly's
  own streams are terminals (where they are not, the command gets a pipe instead);
- ``tty`` is its controlling terminal (what ``/dev/tty`` opens: sudo and ssh prompt there) and
  its stdin when twirly's stdin is a terminal; otherwise the command reads twirly's stdin.

The command leads a new session, so its whole process group can be signalled at once, and it
is killed if twirly dies (``PR_SET_PDEATHSIG`` on Linux; for the rest of its group, see
:mod:`twirly.cli.sentinel`).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from collections.abc import Callable, Sequence

__all__ = ["Child", "LaunchError", "launch"]

_PR_SET_PDEATHSIG = 1


class LaunchError(Exception):
    """The command could not be started; ``status`` is 127 (not found) or 126 (not runnable)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Child:
    """A started command: its pid (= process group) and our ends of its ptys."""

    __slots__ = ("devices", "err", "out", "pid", "stdin_is_tty", "tty", "tty_oflag")

    def __init__(self, pid: int, out: int, err: int, tty: int, stdin_is_tty: bool) -> None:
        self.pid = pid
        self.out = out
        self.err = err
        self.tty = tty
        self.stdin_is_tty = stdin_is_tty
        self.devices: frozenset[int] = frozenset()  # st_rdev of each of its ptys
        self.tty_oflag = 0  # its output flags as twirly set them (what the command changes)


def _open_pty(size: bytes | None) -> tuple[int, int]:
    import fcntl
    import termios

    master, slave = os.openpty()
    # No output processing: "\n" arrives as "\n", and twirly's own terminal adds the "\r".
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    if size is not None:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
    os.set_blocking(master, False)
    return master, slave


def _open_output(fd: int, size: bytes | None) -> tuple[int, int]:
    """Where the command writes what goes to twirly's ``fd``: a pty if that is a terminal.

    Otherwise a pipe, so the command sees what it would see without twirly (no colours
    meant for a terminal end up in a file or a pipe).
    """
    if os.isatty(fd):
        return _open_pty(size)
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    return read_end, write_end


def window_size() -> bytes | None:
    """The size of twirly's terminal (stderr, stdout or stdin), as TIOCGWINSZ returns it."""
    import fcntl
    import termios

    for fd in (2, 1, 0):
        try:
            size = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
        except OSError:
            continue
        if size[:4] != b"\0" * 4:
            return size
    return None


def resize(child: Child) -> None:
    """Give the command's ptys twirly's terminal size (the kernel sends it SIGWINCH)."""
    import fcntl
    import termios

    size = window_size()
    if size is None:
        return
    for fd in (child.tty, child.out, child.err):
        try:
            fcntl.ioctl(fd, termios.TIOCSWINSZ, size)
        except OSError:
            pass


def _die_with_parent() -> Callable[[int, int], int] | None:
    """A function that asks Linux to SIGKILL the caller when its parent dies (or None).

    Importing ctypes for it costs about 2 ms of twirly's start-up; it covers the command
    itself even if the sentinel (which covers its whole group) were killed with twirly.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl: Callable[[int, int], int] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    except (ImportError, OSError, AttributeError):
        return None


def _in_child(
    argv: Sequence[str],
    slaves: tuple[int, int, int],
    *,
    stdin_tty: bool,
    report: int,
    parent: int,
    prctl: Callable[[int, int], int] | None,
) -> None:
    """Between fork and exec: only system calls, then exec; failures go down ``report``."""
    import fcntl
    import termios

    tty, out, err = slaves
    try:
        os.setsid()
        fcntl.ioctl(tty, termios.TIOCSCTTY, 0)
        if stdin_tty:
            os.dup2(tty, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        # Python ignores SIGPIPE and SIGXFSZ; a command expects them at their defaults.
        for name in ("SIGPIPE", "SIGXFSZ"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != parent:
                os._exit(129)  # twirly died before the request took hold
        os.execvp(argv[0], list(argv))
    except OSError as error:
        os.write(report, str(error.errno or 0).encode())
    except BaseException:
        os.write(report, b"0")
    os._exit(127)


def _explain(argv0: str, code: int) -> LaunchError:
    if code == errno.ENOENT:
        return LaunchError(f"twirly: {argv0}: command not found", 127)
    reason = os.strerror(code) if code else "cannot be run"
    if code == errno.EACCES and os.path.isdir(argv0):
        reason = "is a directory"
    return LaunchError(f"twirly: {argv0}: {reason.lower()}", 126)


def launch(argv: Sequence[str]) -> Child:
    """Start ``argv`` on its ptys; :class:`LaunchError` when it cannot be run."""
    prctl = _die_with_parent()
    stdin_tty = os.isatty(0)
    size = window_size()
    opened: list[int] = []
    try:
        pairs = [_open_pty(size), _open_output(1, size), _open_output(2, size)]
        opened = [fd for pair in pairs for fd in pair]
        (tty, tty_slave), (out, out_slave), (err, err_slave) = pairs
        if not stdin_tty:
            _ensure_stdin()
        report, report_w = os.pipe()  # close-on-exec: EOF means exec succeeded
        opened += [report, report_w]
        parent = os.getpid()
        slaves = (tty_slave, out_slave, err_slave)
        devices = frozenset(os.fstat(fd).st_rdev for fd in slaves if os.isatty(fd))
        tty_oflag = _output_flags(tty_slave)
        pid = os.fork()
    except OSError as error:
        for fd in opened:
            os.close(fd)
        raise LaunchError(f"twirly: cannot start {argv[0]}: {error.strerror}", 126) from None
    if pid == 0:
        _in_child(argv, slaves, stdin_tty=stdin_tty, report=report_w, parent=parent, prctl=prctl)
    for fd in (tty_slave, out_slave, err_slave, report_w):
        os.close(fd)
    with os.fdopen(report, "rb") as pipe:
        failure = pipe.read()
    if failure:
        os.waitpid(pid, 0)
        for fd in (tty, out, err):
            os.close(fd)
        raise _explain(argv[0], int(failure))
    child = Child(pid, out, err, tty, stdin_tty)
    child.devices = devices
    child.tty_oflag = tty_oflag
    return child


def _output_flags(fd: int) -> int:
    import termios

    try:
        return int(termios.tcgetattr(fd)[1])
    except termios.error:
        return 0


def _ensure_stdin() -> None:
    # A command started with fd 0 closed could mistake its first opened file for stdin.
    try:
        os.fstat(0)
    except OSError:
        devnull = os.open(os.devnull, os.O_RDONLY)
        if devnull != 0:
            os.dup2(devnull, 0)
            os.close(devnull)
