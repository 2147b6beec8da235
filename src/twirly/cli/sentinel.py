"""A sentinel: a small process that stops the command's whole group if twirly dies.

``PR_SET_PDEATHSIG`` reaches only the command itself, and the hang-up sent when twirly's end
of the pty closes reaches only processes that do not ignore SIGHUP. The sentinel covers the
rest: it waits on a pipe from twirly; end of file without the word that all is well means
twirly died (even by SIGKILL), and the sentinel kills the command's process group.

It is forked before the spinner starts (no threads to copy), holds none of twirly's other
descriptors, ignores the signals a terminal sends, and lives in a process group of its own so
that whatever kills twirly's group leaves it to do its job. Cost: one fork, about 1 ms.
"""

from __future__ import annotations

import os
import signal

__all__ = ["Sentinel"]

_ALL_WELL = b"."


class Sentinel:
    """Kill process group ``group`` if this process ends before :meth:`dismiss`."""

    def __init__(self, group: int) -> None:
        read_end, self._write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            _watch(read_end, group)
        os.close(read_end)
        self._pid = pid

    def dismiss(self) -> None:
        """All is well: the sentinel leaves without killing anything."""
        if self._write_end < 0:
            return
        try:
            os.write(self._write_end, _ALL_WELL)
        except OSError:
            pass
        os.close(self._write_end)
        self._write_end = -1
        # Not waited for: it ends on its own at once, and init reaps it after twirly exits.


def _watch(read_end: int, group: int) -> None:
    """In the sentinel: wait for the word or for twirly's end."""
    try:
        os.setpgid(0, 0)
        for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGTSTP", "SIGTTOU", "SIGTTIN"):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.closerange(3, read_end)
        os.closerange(read_end + 1, 1 << 16)
        word = b""
        while True:
            try:
                word = os.read(read_end, 1)
                break
            except InterruptedError:
                continue
        if word != _ALL_WELL:
            os.killpg(group, signal.SIGKILL)
    except BaseException:
        pass
    os._exit(0)
