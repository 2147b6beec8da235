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

A reader may also take the whole screen: ``twirly -- make | less``. The pager reads keys one
by one from the terminal, which the terminal's modes show (not canonical, or no echo, and not
twirly's own doing); while it has the screen the rows stay away, and the final line waits
until it gives the screen back (written on the pager's screen, it would be lost with it).
"""

from __future__ import annotations

import os
import stat

from twirly.cli import evidence
from twirly.terminal import Terminal

__all__ = ["Downstream"]

LOOK = 0.02  # seconds between two looks at the readers while the rows are away
QUIET = 0.15  # without the kernel's word: seconds after the pipe emptied before rows return
MODES_LOOK = 0.1  # seconds between two looks at the terminal's modes (has a pager the screen?)


class Downstream:
    """The readers of twirly's stdout pipe, and the spinner rows stepping aside for them."""

    def __init__(self, terminal: Terminal, fd: int = 1) -> None:
        self._terminal = terminal
        self._fd = fd
        self._readers: list[int] | None = None
        self._looked = False
        self.away = False  # the rows are erased for the readers
        self.taken = False  # ... and a reader has taken the screen (a pager)
        self._unfinished = False  # the data so far ends in an unfinished line
        self._written = 0.0  # when data last went down the pipe
        self._next = 0.0  # when to look at the readers again
        self._modes_next = 0.0  # when to look at the terminal's modes again

    @staticmethod
    def needed(terminal: Terminal, fd: int = 1) -> bool:
        """Can a reader of ``fd`` write where the spinner is drawn (``fd`` is a pipe)?"""
        if not terminal.animates or terminal.fd is None:
            return False
        try:
            return stat.S_ISFIFO(os.fstat(fd).st_mode)
        except OSError:
            return False

    def before_write(self, now: float, data: bytes = b"\n") -> None:
        """``data`` is about to go down the pipe: rows away if a reader may write to the
        screen."""
        if data:
            # A reader that passes lines on stops mid-line with it (`print` unbuffered writes
            # "2", then "\n"): the rows would come back glued to that line.
            self._unfinished = not data.endswith(b"\n")
        if not self._looked:
            self._looked = True
            terminal_fd = self._terminal.fd
            if terminal_fd is not None:
                self._readers = evidence.pipe_readers(self._fd, terminal_fd)
        if self._readers == []:
            return  # nobody down the pipe writes to this terminal (`| tar x`, `| gzip > f`)
        self._written = self._next = now
        if not self.away:
            if not self.taken:
                self._terminal.write_partial("")  # rows erased, frames paused
            self.away = True

    @property
    def hidden(self) -> bool:
        """Are the rows erased for the readers?"""
        return self.away or self.taken

    def due(self) -> float | None:
        """When to look at the readers or the terminal again (None: no need)."""
        if self._readers == []:
            return None  # nobody down the pipe writes to this terminal
        return min(self._next, self._modes_next) if self.away else self._modes_next

    def finishing(self) -> float | None:
        """At the end: when to look again whether the readers have written all they were
        given (None: nothing to wait for; they are done, have the screen, or were left
        mid-line, where no end of line is coming)."""
        if not self.away or self.taken or self._unfinished or self._readers == []:
            return None
        return self._next

    def look_at_modes(self, now: float, ours: bool) -> bool:
        """Has a reader taken the screen (keys one by one, or no echo, on the terminal while
        ``ours``, twirly's own keyboard, is not the cause)? True when it has just given the
        screen back and the rows may return (the caller draws them)."""
        if now < self._modes_next:
            return False
        self._modes_next = now + MODES_LOOK
        taken = not ours and self.screen_taken()
        if taken == self.taken:
            return False
        self.taken = taken
        if taken:
            if not self.away:
                self._terminal.write_partial("")  # rows erased, frames paused
            return False
        return not self.away

    def screen_taken(self) -> bool:
        """Does someone read the terminal's keys one by one, or without echo, now?"""
        fd = self._terminal.fd
        modes = None if fd is None else evidence.tty_modes(fd)
        return modes is not None and not (modes.canonical and modes.echo)

    def look(self, now: float) -> bool:
        """Have the readers finished with what they were given? Then the rows may return
        (the caller draws them); False while they may still write."""
        if not self.away or now < self._next:
            return False
        readers = self._readers
        drained = None if readers is None else evidence.pipe_drained(readers, self._fd)
        if drained is None:
            drained = now - self._written >= QUIET and evidence.pipe_drained([], self._fd) is True
        if drained and not self._unfinished:
            self.away = False
            return not self.taken
        self._next = now + LOOK
        return False
