"""twirly's stdout redirected to a pipe whose reader writes to the terminal the spinner is on.

``twirly -- yes | head -3``: ``head`` writes where the terminal's cursor is, and while the
spinner is drawn the cursor sits at column 0 of the spinner's row, so ``head``'s first line
landed on that row (``y yes``). twirly cannot hand ``head`` its lines above the spinner as it
does for the command's own output: ``head`` is not its child and writes for itself. So the
rows step aside (erased, the cursor on a clean row) before data goes down the pipe, and come
back only once the readers have taken all of it and are blocked reading the pipe again, which
the kernel shows (:func:`twirly.cli.evidence.pipe_drained`): whatever they made of the data is
on the terminal by then, above where the rows are drawn again. Where the kernel cannot say,
a quiet moment after the pipe has emptied stands in.
"""

from __future__ import annotations

import os
import stat

from twirly.cli import evidence
from twirly.terminal import Terminal

__all__ = ["Downstream"]

LOOK = 0.02  # seconds between two looks at the readers while the rows are away
QUIET = 0.15  # without the kernel's word: seconds after the pipe emptied before rows return


class Downstream:
    """The readers of twirly's stdout pipe, and the spinner rows stepping aside for them."""

    def __init__(self, terminal: Terminal, fd: int = 1) -> None:
        self._terminal = terminal
        self._fd = fd
        self._readers: list[int] | None = None
        self._looked = False
        self.away = False  # the rows are erased for the readers
        self._written = 0.0  # when data last went down the pipe
        self._next = 0.0  # when to look at the readers again

    @staticmethod
    def needed(terminal: Terminal, fd: int = 1) -> bool:
        """Can a reader of ``fd`` write where the spinner is drawn (``fd`` is a pipe)?"""
        if not terminal.animates or terminal.fd is None:
            return False
        try:
            return stat.S_ISFIFO(os.fstat(fd).st_mode)
        except OSError:
            return False

    def before_write(self, now: float) -> None:
        """Data is about to go down the pipe: rows away if a reader may write to the screen."""
        if not self._looked:
            self._looked = True
            terminal_fd = self._terminal.fd
            if terminal_fd is not None:
                self._readers = evidence.pipe_readers(self._fd, terminal_fd)
        if self._readers == []:
            return  # nobody down the pipe writes to this terminal (`| tar x`, `| gzip > f`)
        self._written = self._next = now
        if not self.away:
            self.away = True
            self._terminal.write_partial("")  # rows erased, frames paused

    def due(self) -> float | None:
        """When to look at the readers again (None: the rows are not away)."""
        return self._next if self.away else None

    def look(self, now: float) -> bool:
        """Have the readers finished with what they were given? Then the rows may return
        (the caller draws them); False while they may still write."""
        if not self.away:
            return False
        readers = self._readers
        drained = None if readers is None else evidence.pipe_drained(readers, self._fd)
        if drained is None:
            drained = now - self._written >= QUIET and evidence.pipe_drained([], self._fd) is True
        if drained:
            self.away = False
            return True
        self._next = now + LOOK
        return False
