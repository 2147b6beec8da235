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

While every answer is the one before and the terminal's own flags say nothing waits (the
guards', the capture's, who reads the keyboard: :mod:`twirly.echo`), the full frame would
only turn the glyphs, and the steady frame (:meth:`Steady.frame`, all in one function) does
just that. An answer that differs sends the frame the full way, which decides afresh from
what it reads then: the answers compared are always read before that decision.

Linux only (``TCGETS``, and a ``poll()`` that serves terminals); elsewhere every frame is a
full one.
"""

from __future__ import annotations

import select
from os import get_terminal_size, write

from twirly import guards

TYPE_CHECKING = False
if TYPE_CHECKING:
    from twirly.block import Block
    from twirly.terminal import Terminal

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
    only when it answers or exits, or None. ``owner``: the terminal whose own state is
    asked too, and ``block``: its block, turned by :meth:`frame` (None where a child process
    draws); with neither, only the kernel is asked. ``size`` is the size the last full
    frame drew for.
    """

    __slots__ = (
        "_arrived",
        "_before",
        "_block",
        "_capture",
        "_capture_before",
        "_capture_fd",
        "_capture_modes",
        "_countdown",
        "_encoded",
        "_expected",
        "_ioctl",
        "_modes",
        "_owner",
        "_poll",
        "_replies",
        "_request",
        "_size_before",
        "_sized",
        "_wakeups",
        "_write",
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
        owner: Terminal | None = None,
        block: Block | None = None,
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
        #: The terminal whose flags are asked too, and the block turned here (None: a child
        #: process draws the rows, or nothing is asked but the kernel: see frame).
        self._owner = owner
        self._block = block
        self._arrived, self._wakeups = guards.signals()
        self._write = write

    def same(self, *, wakeup: int | None, capture: int | None, replies: int | None) -> bool:
        """Was this made for the same wake-up pipe, capture and drawing child?"""
        return (wakeup, capture, replies) == (self.wakeup, self._capture, self._replies)

    def frame(self) -> float | None:  # noqa: PLR0911, PLR0912, PLR0915 - one function: see below
        """The frame, when it is a steady one: the glyph turned and written; returns the
        seconds until the next frame. None: a full frame is needed, which decides afresh
        from what it reads then (the answers kept are read here, before it). With no block
        (a child process draws the rows; or a record asking only the kernel), 0.0 once
        everything is as it was: the caller does the rest.

        Everything is written out in this one function: the kernel's answers, the
        terminal's own, the turn and the write. At each frame each function called is a
        code object and a function object the clock's thread finds cold, and on the
        machines we measure a frame's CPU time follows the memory it touches
        (``python -m bench.floor --pages``: with the terminal's checks, the guards',
        ``Block.turn``, the encoding and the write each a call of its own, a thread
        spinner's frame touched 336 pages; written out here, about 300; the book's, 241).
        So it reads its terminal's state and its block's images directly."""
        # -- the kernel's answers: each compared with the one before
        modes, capture_modes = self._modes, self._capture_modes
        fd = self.fd
        try:
            self._ioctl(fd, self._request, modes, True)
            if capture_modes is not None:
                if self._countdown:
                    self._countdown -= 1
                    capture_modes = None
                else:
                    self._countdown = _CAPTURE_EVERY - 1
                    self._ioctl(self._capture_fd, self._request, capture_modes, True)
            size = self._sized(fd)
        except OSError:
            self._before.clear()
            return None
        same = modes == self._before and size == self._size_before
        if capture_modes is not None and capture_modes != self._capture_before:
            self._capture_before[:] = capture_modes
            same = False
        if not same:
            self._before[:] = modes
            self._size_before = size
            return None
        if self._poll(0) != self._expected:
            return None
        terminal = self._owner
        if terminal is None:
            return 0.0
        # -- the guards': no signal waits for its handler (found by another terminal's
        # frame), and they listen on the wake-up pipe polled here (set once the main thread
        # runs twirly code, maybe since)
        wakeups = self._wakeups
        if self._arrived or (wakeups[0] if wakeups else None) != self.wakeup:
            return None
        # -- the terminal's own: what changes without its lock or elsewhere (what makes a
        # frame more than a turn under the lock, someone's prompt, a stop, a pause, a hook,
        # drops this record or leaves the rows to be drawn afresh): lines queued for the
        # frame, a reader gone, bytes in the capture (a child's prompt), the REPL's prompt
        # to hook, a thread reading the keyboard (what the watch asks at each frame, less
        # the modes, compared already)
        descriptors, watch, echo = terminal._descriptors, terminal._watch, terminal._echo
        output = terminal._output
        if (
            terminal._queued
            or output.dead
            or (descriptors is not None and descriptors.pending)
            or not (
                watch is None
                or (watch.settled() and (echo is None or echo.unread() or echo.reader() is None))
            )
        ):
            return None
        block = self._block
        if block is None:
            return 0.0
        # -- the turn: the row's next glyph, from its images (see block._Turns), when a
        # frame has drawn the glyph due now with the text, look and size of now; what
        # Block.frame and Block.next_deadline would give (a property test holds it to them)
        now = terminal.now()
        width, height = self.size
        turns = block._turns
        if turns is not None and not block._stale and not block._suspended:
            row = turns.row
            interval = row.interval
            if (
                row.text is turns.text
                and row.frames is turns.frames
                and row.color is turns.color
                and row.prefix is turns.prefix
                and row.suffix is turns.suffix
                and row.note is turns.note
                and interval == turns.interval
                and width == turns.columns
                and height == turns.lines
            ):
                origin = row.origin
                count = int((now - origin + turns.slack) / interval)
                images = turns.images
                index = count % len(images)
                due = origin + (count + 1) * interval  # (next_step's, as it comes out most times)
                if due > now:
                    if index == turns.shown:
                        return due - now
                    move = turns.moves[index]
                    if move is not None:
                        turns.shown = index
                        image = images[index]
                        assert image is not None  # (made with its move)
                        drawn = block._drawn
                        if drawn:  # (the one row drawn: in place, not a new list)
                            drawn[0] = image
                        else:
                            block._drawn = [image]
                        data = self._encoded.get(move)
                        if data is None:
                            data = self.encoded(move, output.encoding)
                        try:
                            written = self._write(fd, data)
                        except OSError:
                            written = 0
                        if written < len(data):  # (the rest, or the error: the output's way)
                            output.send(data[written:])
                        return due - now
        # -- not a turn (a new text, say): rendered, without the full frame's questions
        if not block or block.suspended:
            return None  # (the full frame says why the block is not drawn)
        output.write(block.frame(now, width, height))
        return block.next_deadline(now) - now

    def encoded(self, move: str, encoding: str) -> bytes:
        """``move`` (a glyph's, see frame) in ``encoding``: encoded at its first frame
        only, for encoding is more of the interpreter's code and memory at each frame. Kept
        for the moves of a few texts at most."""
        made = self._encoded.get(move)
        if made is None:
            if len(self._encoded) >= _MOVES_KEPT:
                self._encoded.clear()
            made = self._encoded[move] = move.encode(encoding, "replace")
        return made
