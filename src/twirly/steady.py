"""The steady frame: what a clock's frame costs while nothing but the glyphs changes.

A full frame (:meth:`~twirly.terminal.Terminal.tick`) asks, before it draws, whether anyone
else needs the terminal: a late signal, a child's full-screen program or prompt, someone
turning the keyboard's echo off (``getpass``), a thread reading the keyboard, a resize, a
reader that stopped taking output. Asked one by one, that is a few hundred lines of Python
and nine system calls a frame, several times the book's spinner, which asks nothing.

Most of those answers are found in the terminal's state, which only changes by a system
call someone makes. :class:`Steady` asks the kernel the cheapest way there is, and compares
each answer byte for byte with the one it had the frame before:

- one ``poll()``: room on the terminal for a frame, and a signal's number on the guards'
  wake-up pipe;
- one ``ioctl()`` each for the terminal's modes (echo, line mode: the keyboard and the
  terminal are the same device) and the size; and every 8th frame one for the capture's
  modes (a child's pager or editor: one that takes the capture for its terminal draws on it
  at once, and bytes in the capture send the frame the full way already, so only a child
  that changes those modes and writes nothing waits up to 8 frames to be noticed).

The size is asked by ``os.get_terminal_size()``, which keeps the GIL, where Python's
``fcntl.ioctl()`` lets go of it: a clock thread's frame made while the main thread computes
then waits for the GIL after the call (up to a switch interval, 5 ms), and forces the main
thread to switch.

While every answer is the one before and the terminal's own flags say nothing waits (its
caller checks those, and who reads the keyboard: :mod:`twirly.echo`), the full frame would
only turn the glyphs, and the steady frame does just that. An answer that differs sends the
frame the full way, which decides afresh from what it reads then: the answers compared are
always read before that decision.

Linux only (``TCGETS``, and a ``poll()`` that serves terminals); elsewhere every frame is a
full one.
"""

from __future__ import annotations

import select
from os import get_terminal_size

try:
    import fcntl
    import termios

    _MODES: int | None = getattr(termios, "TCGETS", None)
except ImportError:  # (no termios or fcntl: not a POSIX system)
    _MODES = None

__all__ = ["Steady", "possible"]

#: Bytes the kernel writes for the modes: a ``struct termios`` (36 on Linux; room to spare).
_MODES_SIZE = 64

#: The capture's modes are asked at one frame in this many (see above).
_CAPTURE_EVERY = 8

#: Encoded glyph moves kept (see Steady.encoded): those of a few texts.
_MOVES_KEPT = 64


def possible() -> bool:
    """Can frames be steady here?"""
    return _MODES is not None and hasattr(select, "poll")


class Steady:
    """The answers of the frame before, for one terminal with its rows drawn on ``fd``.

    ``wakeup``: the read end of the guards' wake-up pipe, or None; ``capture``: the slave end
    of the capture of fd 1/2 whose modes a child may change, or None; ``replies``: where a
    child process that draws the rows answers (the process driver), which says something
    only when it answers or exits, or None. ``size`` is the size the last full frame drew
    for.
    """

    __slots__ = (
        "_before",
        "_capture",
        "_capture_before",
        "_capture_fd",
        "_capture_modes",
        "_countdown",
        "_encoded",
        "_expected",
        "_ioctl",
        "_modes",
        "_poll",
        "_replies",
        "_request",
        "_size_before",
        "_sized",
        "fd",
        "size",
        "wakeup",
    )

    def __init__(
        self,
        fd: int,
        size: tuple[int, int],
        *,
        wakeup: int | None,
        capture: int | None,
        replies: int | None = None,
    ) -> None:
        assert _MODES is not None
        from twirly.held import load

        load()  # (the full frames' reads of /proc keep the GIL from now on: see twirly.held)
        self.fd = fd
        self.size = size
        self.wakeup = wakeup
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        for quiet in (wakeup, replies):
            if quiet is not None:
                poll.register(quiet, select.POLLIN)
        #: What the poll answers while nothing happens: room to write, nothing else.
        self._expected = [(fd, select.POLLOUT)]
        # What each frame calls, and the buffers the kernel writes the modes into, held here:
        # a frame reads only this record (no module's names), for each object it touches is
        # memory its thread finds cold after sleeping.
        self._poll = poll.poll
        self._ioctl = fcntl.ioctl
        self._request = _MODES
        self._sized = get_terminal_size
        self._modes = bytearray(_MODES_SIZE)
        self._capture_modes = bytearray(_MODES_SIZE) if capture is not None else None
        self._capture_fd = capture if capture is not None else -1
        # The answers of the frame before (empty at first: the frame after this record is
        # made is a full one).
        self._before = bytearray()
        self._capture_before = bytearray()
        self._size_before: tuple[int, int] | None = None
        self._countdown = 0  # (frames until the capture's modes are asked again)
        self._encoded: dict[str, bytes] = {}  # (the glyphs' moves, encoded: see encoded)
        self._capture = capture
        self._replies = replies

    def same(self, *, wakeup: int | None, capture: int | None, replies: int | None) -> bool:
        """Was this made for the same wake-up pipe, capture and drawing child?"""
        return (wakeup, capture, replies) == (self.wakeup, self._capture, self._replies)

    def unchanged(self) -> bool:
        """Ask the kernel again: True when every answer is the one before and the terminal
        has room for a frame. The answers kept are read now, before whatever a full frame
        then decides."""
        modes, capture_modes = self._modes, self._capture_modes
        try:
            self._ioctl(self.fd, self._request, modes, True)
            if capture_modes is not None:
                if self._countdown:
                    self._countdown -= 1
                    capture_modes = None
                else:
                    self._countdown = _CAPTURE_EVERY - 1
                    self._ioctl(self._capture_fd, self._request, capture_modes, True)
            size = self._sized(self.fd)
        except OSError:
            self._before.clear()
            return False
        same = modes == self._before and size == self._size_before
        if capture_modes is not None and capture_modes != self._capture_before:
            self._capture_before[:] = capture_modes
            same = False
        if not same:
            self._before[:] = modes
            self._size_before = size
            return False
        return self._poll(0) == self._expected

    def encoded(self, move: str, encoding: str) -> bytes:
        """``move`` (a glyph's, see Block.turn) in ``encoding``: encoded at its first frame
        only, for encoding is more of the interpreter's code and memory at each frame. Kept
        for the moves of a few texts at most."""
        made = self._encoded.get(move)
        if made is None:
            if len(self._encoded) >= _MOVES_KEPT:
                self._encoded.clear()
            made = self._encoded[move] = move.encode(encoding, "replace")
        return made
