"""The one writer: a :class:`Terminal` owns one output stream and everything written to it.

It decides what the stream can do (:class:`~twirly.state.Capabilities`), keeps the live
:class:`~twirly.block.Block` of spinner rows, writes under one lock, hides and restores the
cursor, takes over stray ``print``/``logging`` output while rows are shown, and hands the
drawing to a child process for the process driver. Off a terminal it prints the text once at
the start and the final line once at the end, with no escape bytes.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from twirly import guards
from twirly.block import ROWS_MODE, Block
from twirly.output import NOWHERE, Output, fileno, isatty
from twirly.render import sanitize
from twirly.state import Capabilities, Row

if TYPE_CHECKING:
    from twirly.capture import Capture
    from twirly.drivers.process import ChildLink

__all__ = ["Terminal", "terminal_for"]

_LOCK_PATIENCE = 0.5  # seconds an emergency restore waits for a writer stuck mid-write


class Terminal:
    """Everything twirly writes to one stream goes through here, under one lock."""

    def __init__(self, stream: TextIO, caps: Capabilities) -> None:
        self.stream = stream
        self.caps = caps
        self._output = Output(stream, fileno(stream) if caps.animate else None)
        self._fd = self._output.fd
        self._encoding = self._output.encoding
        self._lock = threading.RLock()
        self._block = Block(unicode=caps.unicode)
        self._capture: Capture | None = None
        self._link: ChildLink | None = None
        self._next_ident = 0
        self._held = False  # stopped by Ctrl-Z: draw nothing until continued
        self.key: tuple[object, ...] = (id(self),)

    # -- facts ------------------------------------------------------------------------------

    @property
    def animates(self) -> bool:
        """True when rows are drawn and redrawn; False when lines are printed once."""
        return self.caps.animate

    @property
    def encoding(self) -> str:
        """The stream's encoding."""
        return self._encoding

    @property
    def rows(self) -> tuple[Row, ...]:
        """The rows on screen, top to bottom."""
        return self._block.rows

    @property
    def fd(self) -> int | None:
        """The descriptor frames are written to, when animating."""
        return self._fd

    def size(self) -> tuple[int, int]:
        """Columns and rows of the terminal now (it may have been resized since the last
        frame). Rows are 0 when unknown."""
        if self._fd is not None:
            try:
                columns, lines = os.get_terminal_size(self._fd)
            except OSError:
                columns, lines = 0, 0
            if columns > 0:
                return columns, max(lines, 0)
        try:
            return max(int(os.environ.get("COLUMNS", "80")), 1), 0
        except ValueError:
            return 80, 0

    def new_ident(self) -> int:
        """A row number unique on this terminal."""
        with self._lock:
            self._next_ident += 1
            return self._next_ident

    # -- rows -------------------------------------------------------------------------------

    def attach(self, row: Row) -> None:
        """Show a new row (off a terminal: print its text once)."""
        with self._lock:
            if not self.caps.animate:
                self._output.write(sanitize(row.text) + "\n" if row.text else "")
                return
            link = self._remote()
            if link is not None:
                self._block.add(row, time.monotonic(), *self.size())
                link.add(row)
                return
            first = not self._block
            if first:
                self._begin()
            self._output.flush_first(None)
            if first and self._capture is not None and self._capture.dangling:
                # A thread's unfinished line is out there: rows start on the next line, or
                # the line's end would be drawn over.
                for original in self._capture.dangling:
                    self._output.flush_first(original)
                self._output.write("\r\n")
            self._output.write(self._block.add(row, time.monotonic(), *self.size()))

    def detach(self, row: Row, final: str | None) -> None:
        """Take a row away, leaving ``final`` as a persistent line (off a terminal: print it)."""
        with self._lock:
            if not self.caps.animate:
                self._output.write(final + "\n" if final is not None else "")
                return
            if row not in self._block.rows:
                return
            link = self._remote()
            if link is not None and link.remove(row, final):
                self._block.remove(row, final, time.monotonic(), *self.size())
            else:
                if link is not None:
                    self._drop_link()  # the child is gone: draw the result here
                self._output.write(self._block.remove(row, final, time.monotonic(), *self.size()))
            if not self._block:
                self._end()

    def tick(self) -> float | None:
        """Draw the frame due now; return seconds until the next one (None: nothing to draw)."""
        with self._lock:
            if not self._block or self._output.dead:
                return None
            link = self._remote()
            if link is not None:
                return link.interval()
            now = time.monotonic()
            if not (self._block.suspended or self._held) and self._output.writable():
                self._output.write(self._block.frame(now, *self.size()))
            return self._block.next_deadline(now) - now

    def write_lines(
        self,
        lines: Sequence[str],
        *,
        raw: bool = False,
        stream: TextIO | None = None,
        errors: str | None = None,
    ) -> None:
        """Write whole lines above the rows; ``raw`` lines are the program's own output.

        Raw lines pass through untouched (they may carry the program's colours) and are
        encoded with the stream's own error policy, so they fail as ``print`` would.
        """
        if errors is None:
            target = stream if stream is not None else self.stream
            errors = (getattr(target, "errors", None) or "strict") if raw else "replace"
        if raw:
            for line in lines:
                line.encode(self._encoding, errors)
        with self._lock:
            link = self._remote()
            if link is not None and link.lines(lines, errors):
                return
            self._output.flush_first(stream)
            if self._block:
                self._output.write(self._block.above(lines, time.monotonic(), *self.size()), errors)
            elif self._fd is None and not self.caps.animate and stream is not None:
                self._write_to(stream, lines)
            else:
                self._output.write("".join(f"{line}\n" for line in lines), errors)

    def _write_to(self, stream: TextIO, lines: Sequence[str]) -> None:
        try:
            stream.write("".join(f"{line}\n" for line in lines))
            stream.flush()
        except (OSError, ValueError):
            self._output.go_dead()

    def write_partial(self, text: str, *, stream: TextIO | None = None) -> None:
        """Show an unfinished line (a prompt): frames wait until a line completes it."""
        with self._lock:
            link = self._remote()
            if link is not None and link.partial(text):
                return
            self._output.flush_first(stream)
            self._output.write(self._block.suspend(text))  # with no rows: just the text

    # -- life cycle -------------------------------------------------------------------------

    def _remote(self) -> ChildLink | None:
        """The child drawing for us, if it is still there."""
        link = self._link
        if link is not None and not link.alive:
            self._drop_link()
            return None
        return link

    def _drop_link(self) -> None:
        # The child died (or never started): draw here again, from scratch.
        if self._link is not None:
            self._link.close()
            self._link = None
            self._block.forget_screen()

    def _begin(self) -> None:
        from twirly.capture import Capture

        guards.activate(self)
        _register(self)
        self._capture = Capture(self, self.stream)

    def _end(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.restore()
        if self._link is not None:
            self._link.close()
            self._link = None
        guards.deactivate(self)
        _unregister(self)

    def delegate(self, make_link: Callable[..., ChildLink]) -> bool:
        """Let a child process draw from now on (the process driver).

        False when that cannot be: no descriptor, or rows of other spinners are drawn here by
        their own clocks (those keep drawing here, and so does this one).
        """
        with self._lock:
            if self._link is not None:
                return True
            if self._fd is None or len(self._block) != 1 or not sys.executable:
                return False
            try:
                self._link = make_link(self._fd, self._encoding, tuple(self.caps), self.rows)
            except OSError:
                return False
            return True

    def adopt(self, rows: Sequence[Row]) -> None:
        """Take over rows another process drew (the process driver's child): the first frame
        erases them and redraws them all."""
        with self._lock:
            if rows and not self._block:
                self._begin()
            now, size = time.monotonic(), self.size()
            for row in rows:
                self._block.add(row, now, *size)
            self._block.forget_screen()

    @property
    def remote(self) -> bool:
        """True while a child process draws the rows."""
        return self._link is not None

    def restore(self) -> None:
        """Emergency: erase the rows, show the cursor, put the streams back. Idempotent."""
        locked = self._lock.acquire(timeout=_LOCK_PATIENCE)
        try:
            if self._link is not None:
                if not self._link.shutdown():
                    self._output.write(self._block.clear())
                self._link = None
                self._block.clear()
            else:
                self._output.write(self._block.clear())
            self._end()
        finally:
            if locked:
                self._lock.release()

    def hold(self) -> None:
        """Ctrl-Z: take the lock (kept until :meth:`release_hold`) and leave the terminal
        usable while the program is stopped. A child drawing for us does the same itself."""
        self._lock.acquire()
        self._held = True
        link = self._remote()
        if link is not None:
            link.hold()
        elif self.caps.animate:
            self._output.write(self._block.hide())

    def release_hold(self) -> None:
        """The program continues (``fg``): draw the rows again and let go of the lock."""
        try:
            self._held = False
            link = self._remote()
            if link is not None:
                link.release()
            elif self.caps.animate and not self._block.suspended:
                redraw = self._block.frame(time.monotonic(), *self.size())
                self._output.write((ROWS_MODE + redraw) if redraw else "")
        finally:
            self._lock.release()

    def forget_after_fork(self) -> None:
        """In a forked child: the parent owns the screen, so drop everything silently."""
        self._lock = threading.RLock()
        self._block = Block(unicode=self.caps.unicode)
        self._link = None
        self._output.dead = True
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.restore()


_terminals: dict[tuple[object, ...], Terminal] = {}
_registry_lock = threading.Lock()


def terminal_for(stream: TextIO | None, *, animate: bool | None = None) -> Terminal:
    """The terminal that owns ``stream`` (``sys.stderr`` by default), made on first use.

    Streams that write to the same device share one terminal, so two spinners on stdout and
    stderr of one terminal take separate rows instead of fighting over one.
    """
    from twirly.capture import LineProxy

    if stream is None:
        stream = sys.stderr if sys.stderr is not None else NOWHERE
    if isinstance(stream, LineProxy):
        stream = stream.original
    if animate is not False and "IPython" in sys.modules:
        # In a Jupyter kernel the rows are a live output of the cell (twirly.notebook).
        from twirly.notebook import notebook_terminal

        notebook = notebook_terminal(stream, animate)
        if notebook is not None:
            return notebook
    stream_isatty = isatty(stream)
    caps = Capabilities.detect(
        isatty=stream_isatty, encoding=getattr(stream, "encoding", None), animate=animate
    )
    fd = fileno(stream)
    device: object = id(stream)
    if fd is not None and stream_isatty:
        try:
            stat = os.fstat(fd)
            device = (stat.st_dev, stat.st_ino, stat.st_rdev)
        except OSError:
            pass
    if not caps.animate:
        # Nothing is shared off a terminal: each spinner prints its own lines.
        return Terminal(stream, caps)
    key = (device, caps)
    with _registry_lock:
        terminal = _terminals.get(key)
        if terminal is None or terminal._output.dead:
            terminal = _terminals[key] = Terminal(stream, caps)
            terminal.key = key
        return terminal


def _register(terminal: Terminal) -> None:
    # A terminal that gains its first row again must be the one new spinners find.
    with _registry_lock:
        if _terminals.get(terminal.key) is None:
            _terminals[terminal.key] = terminal


def _unregister(terminal: Terminal) -> None:
    # Only terminals with rows stay registered: no growth however many streams are used.
    with _registry_lock:
        for key, known in list(_terminals.items()):
            if known is terminal:
                del _terminals[key]


def _forget_all_after_fork() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    for terminal in _terminals.values():
        terminal.forget_after_fork()
    _terminals.clear()


os.register_at_fork(after_in_child=_forget_all_after_fork)
