"""A watcher: a small process that puts the terminal back if the program dies with rows shown.

Python sets signal handlers from the main thread only, and SIGTERM's and SIGHUP's default is
to end the process with no code of its own run. When the first row is drawn from another
thread, :mod:`twirly.guards` starts a watcher instead: a shell holding the read end of a pipe
from the program. The program says goodbye on the pipe when its rows are gone (and at exit);
a pipe that closes without a goodbye means the program is gone, and the watcher writes the
bytes that erase the rows, turn autowrap back on and show the cursor.

It writes nothing otherwise: not after a normal exit (the goodbye), not when a forked child
ends (the child closes its copy of the pipe without a word, and the parent's stays open), not
while the program is stopped (the pipe stays open).
"""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["Watcher"]

#: What the watcher writes when the program died with rows shown. By the cursor invariant the
#: cursor is at column 0 of the block's top row: erase that row to its end, step one column
#: right, erase to the end of the screen, step back. Made only of moves relative to the cursor,
#: so that where the rows are already gone (the process driver's child erased them, a prompt
#: stands on the row, or the shell's prompt came out first) only blanks are erased.
#: (``ESC [ J`` alone on the top row would make tmux scroll-on-clear when the row is the
#: screen's first: see twirly.block.) Then autowrap on and the cursor shown.
_RESTORE = "\x1b[K\x1b[C\x1b[J\x1b[D\x1b[?7h\x1b[?25h"

#: The watcher: ``read`` fails at the end of the pipe with no line read (the program's goodbye
#: is a newline), and only then ``printf`` writes. The system's shell, not an interpreter:
#: 0.8 ms of CPU against 10-18 ms for ``python -I -S`` (side by side on a loaded two-core
#: machine), spent each time rows appear, beside a program that has just started drawing.
#: Where there is no shell (a distroless image) no watcher starts, and no mode is set.
_SHELL = "/system/bin/sh" if hasattr(sys, "getandroidapilevel") else "/bin/sh"
_PRINTF = "printf '{}'".format(_RESTORE.replace("\x1b", "\\033"))
_PROGRAM = "read -r line || " + _PRINTF
#: ... and where twirly turned the keyboard's echo off (twirly.echo), echo back on, after the
#: goodbye-less end only: ``stty`` sets the modes of its standard input, made the terminal
#: here (SIGTTOU is blocked, see below). ``{}``: the words for stty.
_PROGRAM_ECHO = "read -r line || { " + _PRINTF + "; stty {} 0<&1; }"

#: Blocked in the watcher from its first instruction (and kept so by the shell): signals sent
#: to the whole process group (Ctrl-C, Ctrl-\, Ctrl-Z, a hangup, ``kill -TERM -PGID``) must
#: leave it there to restore the terminal once the program is gone; and with SIGTTOU blocked
#: it may still write after the shell took the terminal back (``stty tostop``). It never
#: outlives the program by more than that write: the end of the pipe is its only way out.
_BLOCKED = frozenset(
    getattr(signal, name)
    for name in ("SIGINT", "SIGQUIT", "SIGTERM", "SIGHUP", "SIGTSTP", "SIGTTIN", "SIGTTOU")
    if hasattr(signal, name)
)

#: Watchers dismissed and not yet reaped: each exits as soon as it reads the goodbye, but the
#: program does not wait for that; they are reaped at the next start or dismissal.
_unreaped: list[int] = []


class Watcher:
    """The program's end of the pipe to a watcher."""

    __slots__ = ("_pid", "_pipe")

    def __init__(self, pid: int, pipe: int) -> None:
        self._pid = pid
        self._pipe = pipe

    @classmethod
    def start(cls, fd: int | None, echo: str = "") -> Watcher | None:
        """A watcher for the terminal on ``fd``; None where none can be started. ``echo``:
        the ``stty`` words that turn the keyboard's echo back on, if it was turned off.

        ``posix_spawn`` (no ``subprocess`` import, no fork of a threaded program): the caller
        waits only until the watcher's ``exec``, about 0.3 ms.
        """
        spawn = getattr(os, "posix_spawn", None)
        if fd is None or spawn is None:
            return None
        _reap()
        try:
            read, write = os.pipe()  # (not inherited: no child of the program may hold it)
        except OSError:
            return None
        try:
            if read <= 2:  # (the program closed its stdin or stdout: keep it off 0-2)
                low, read = read, _dup_above_2(read)
                os.close(low)
            actions = [
                (os.POSIX_SPAWN_DUP2, fd, 1),
                (os.POSIX_SPAWN_DUP2, read, 0),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                *_closing_inherited(),
            ]
            pid = spawn(
                _SHELL,
                [_SHELL, "-c", _PROGRAM_ECHO.replace("{}", echo) if echo else _PROGRAM],
                {"PATH": os.defpath},
                file_actions=actions,
                setsigmask=_BLOCKED,
            )
        except (OSError, ValueError):
            os.close(write)
            return None
        finally:
            os.close(read)
        return cls(pid, write)

    def dismiss(self) -> None:
        """Say goodbye: the watcher ends without writing anything."""
        try:
            os.write(self._pipe, b"\n")
        except OSError:
            pass  # (it is gone already)
        self.forget()
        _unreaped.append(self._pid)
        _reap()

    def forget(self) -> None:
        """Close this end without a word (in a forked child: the watcher is the parent's)."""
        try:
            os.close(self._pipe)
        except OSError:
            pass


def _dup_above_2(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)


def _closing_inherited() -> list[tuple[int, ...]]:
    """Spawn actions that close what the watcher would inherit beyond 0-2: descriptors the
    program made inheritable (a listening socket must not outlive the program's own close)."""
    closefrom = getattr(os, "POSIX_SPAWN_CLOSEFROM", None)  # (Python 3.13)
    if closefrom is not None:
        return [(closefrom, 3)]
    try:
        names = os.listdir("/dev/fd")
    except OSError:
        return []
    actions: list[tuple[int, ...]] = []
    for name in names:
        fd = int(name)
        try:
            if fd > 2 and os.get_inheritable(fd):
                actions.append((os.POSIX_SPAWN_CLOSE, fd))
        except OSError:
            pass  # (the listing's own descriptor, closed since)
    return actions


def _reap() -> None:
    for pid in list(_unreaped):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid  # (the program reaped it itself: os.wait())
        if done:
            _unreaped.remove(pid)


def _after_fork_in_child() -> None:
    _unreaped.clear()  # (the parent's children)


os.register_at_fork(after_in_child=_after_fork_in_child)
