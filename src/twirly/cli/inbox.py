"""Signals for the run loop: recorded by tiny handlers, announced on a wake-up pipe.

The handlers are in place before the command starts, so a signal that arrives at any moment
is passed on to it. The spinner's guards leave these signals to the command line (they would
restore the terminal and end twirly at once); :meth:`SignalInbox.claim` puts these handlers
back in front should anything have replaced them, so that twirly stops the command first and
then ends cleanly.
"""

from __future__ import annotations

import os
import signal
from typing import Any

__all__ = ["WATCHED", "SignalInbox"]

WATCHED = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGTSTP,
    signal.SIGCONT,  # (recorded only: a `fg` may come before twirly has stopped itself)
    signal.SIGCHLD,
    signal.SIGWINCH,
)


class SignalInbox:
    """Signals received and not yet taken; ``fd`` becomes readable when one arrives."""

    def __init__(self) -> None:
        self._received: list[int] = []
        self._arrived: set[int] = set()  # read from the wake-up pipe since the last take
        self.fd, self._wake_w = os.pipe()
        os.set_blocking(self.fd, False)
        os.set_blocking(self._wake_w, False)
        self._previous: dict[int, Any] = {}
        self._previous_wakeup = signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        for signum in WATCHED:
            self._previous[signum] = signal.signal(signum, self._record)
        self._closed = False

    def _record(self, signum: int, frame: object) -> None:
        self._received.append(signum)

    def claim(self) -> None:
        """Be the handler again for every watched signal (after the spinner's guards)."""
        for signum in WATCHED:
            signal.signal(signum, self._record)

    def came(self, signum: int) -> bool:
        """Has ``signum`` arrived since the last :meth:`take`? Its handler may not have run
        yet (Python runs it between two steps of the main thread, which may be later, on a
        loaded machine, than the code asking: just continued after stopping itself, say):
        the wake-up pipe, written as the signal arrives, says so too."""
        if signum in self._received:
            return True
        self._wake_again(self._read_pipe())
        return signum in self._arrived

    def wait_for(self, signum: int) -> None:
        """Sleep until ``signum`` arrives (not at all if it came since the last :meth:`take`).
        Other signals that come meanwhile wait for the next :meth:`take`."""
        import select

        seen = b""
        try:
            while signum not in self._received and signum not in self._arrived:
                try:
                    select.select([self.fd], [], [])
                except InterruptedError:
                    pass
                seen += self._read_pipe()
        finally:
            self._wake_again(seen)

    def take(self) -> list[int]:
        """The signals received since the last call, in order."""
        self._read_pipe()
        self._arrived.clear()
        taken = self._received[:]
        del self._received[: len(taken)]
        return taken

    def _read_pipe(self) -> bytes:
        """What the wake-up pipe holds (a byte a signal, as it arrived), noted as arrived."""
        seen = b""
        try:
            while chunk := os.read(self.fd, 512):
                seen += chunk
        except BlockingIOError:
            pass
        self._arrived.update(seen)
        return seen

    def _wake_again(self, seen: bytes) -> None:
        """After reading ``seen`` off the pipe for a question: the run loop still wakes for
        those signals."""
        if seen:
            try:
                os.write(self._wake_w, seen[-1:])
            except BlockingIOError:
                pass

    def close(self) -> None:
        """Put the previous handlers back."""
        if self._closed:
            return
        self._closed = True
        signal.set_wakeup_fd(self._previous_wakeup)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        os.close(self.fd)
        os.close(self._wake_w)
