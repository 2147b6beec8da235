"""A watcher: a small process that puts the terminal back if the program dies with rows shown.

Python sets signal handlers from the main thread only, and SIGTERM's and SIGHUP's default is
to end the process with no code of its own run. When the first row is drawn from another
thread, :mod:`twirly.guards` starts a watcher instead: a bare interpreter holding the read end
of a pipe from the program. The program says goodbye on the pipe when its rows are gone (and
at exit); a pipe that closes without a goodbye means the program is gone, and the watcher
writes the bytes that erase the rows, turn autowrap back on and show the cursor.

It writes nothing otherwise: not after a normal exit (the goodbye), not when a forked child
ends (the child closes its copy of the pipe without a word, and the parent's stays open), not
while the program is stopped (the pipe stays open).
"""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["RESTORE", "Watcher"]

#: What the watcher writes when the program died with rows shown. By the cursor invariant the
#: cursor is at column 0 of the block's top row: erase that row to its end, step one column
#: right, erase to the end of the screen, step back. Made only of moves relative to the cursor,
#: so that where the rows are already gone (the process driver's child erased them, a prompt
#: stands on the row, or the shell's prompt came out first) only blanks are erased.
#: (``ESC [ J`` alone on the top row would make tmux scroll-on-clear when the row is the
#: screen's first: see twirly.block.) Then autowrap on and the cursor shown.
RESTORE = b"\x1b[K\x1b[C\x1b[J\x1b[D\x1b[?7h\x1b[?25h"

#: The watcher's program, run by ``python -I -S``: a bare interpreter (about 10 ms of CPU, in
#: its own process; twirly is not imported). It drops descriptors it may have inherited (ones
#: the program made inheritable: a listening socket must not outlive the program's own close),
#: then waits: a byte is the program's goodbye; the end of the pipe with none, its death.
_PROGRAM = f"""\
import os
os.closerange(3, 1 << 30)
try:
    word = os.read(0, 1)
except OSError:
    word = b"?"
if not word:
    try:
        os.write(1, {RESTORE!r})
    except OSError:
        pass
"""

#: Blocked in the watcher from its first instruction: signals sent to the whole process group
#: (Ctrl-C, Ctrl-\, Ctrl-Z, a hangup, ``kill -TERM -PGID``) must leave it there to restore
#: the terminal once the program is gone; and with SIGTTOU blocked it may still write after
#: the shell took the terminal back (``stty tostop``). It never outlives the program by more
#: than that write: the end of the pipe is its only way out.
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
    def start(cls, fd: int | None) -> Watcher | None:
        """A watcher for the terminal on ``fd``; None where none can be started.

        ``posix_spawn`` (no ``subprocess`` import, no fork of a threaded program): the caller
        waits only until the watcher's ``exec``, about 0.3 ms; its start-up runs beside it.
        """
        spawn = getattr(os, "posix_spawn", None)
        executable = sys.executable
        # (Frozen, the executable is the application itself, not an interpreter.)
        if fd is None or spawn is None or not executable or getattr(sys, "frozen", False):
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
            pid = spawn(
                executable,
                [executable, "-I", "-S", "-c", _PROGRAM],
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, fd, 1),
                    (os.POSIX_SPAWN_DUP2, read, 0),
                    (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                ],
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
