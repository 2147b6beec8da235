"""Spinners in a Jupyter notebook: the rows are one live output of the running cell.

A kernel's ``sys.stdout`` and ``sys.stderr`` are not terminals: what they carry becomes the
cell's text output, where a frame cannot overwrite the one before, and the descriptor behind
them (``fileno()``) is the kernel's own log, which nobody sees. So inside a kernel the rows are
drawn as plain text in one *display* output that the front end replaces in place (IPython's
display updates), and the final line (``✔ text``) is left in that output, so it is saved with
the notebook. Each update is a message to the front end, so updates are sent at most
:data:`MIN_UPDATE` apart, and only when the text changed.

``print()`` inside the block still reaches the cell as ordinary output. Outputs only ever
append, so to keep the rows *below* what was printed, the live output is emptied and a new one
is started under the printed text (at most once per update).

This is a draw target that shows whole rows of text, not escape sequences: the rows are made by
the same pure functions as on a terminal (sanitised, measured, cut to the width). IPython is
imported only when a kernel is running, so it is already loaded: ``import twirly`` never pays
for it, and a plain program never imports this module.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, Protocol, TextIO

from twirly.block import Block
from twirly.render import fit, format_elapsed, sanitize
from twirly.state import Capabilities, Row
from twirly.terminal import Terminal

__all__ = [
    "MIN_UPDATE",
    "DrawTarget",
    "IPythonOutputs",
    "NotebookTarget",
    "NotebookTerminal",
    "Outputs",
    "RowsTarget",
    "in_kernel",
    "notebook_terminal",
    "row_text",
]

#: Seconds between two updates of the live output (10 a second): enough for a spinner to turn,
#: few enough messages that a front end over a slow link keeps up.
MIN_UPDATE: Final = 0.1

_WIDTH: Final = 80  # columns when COLUMNS does not say: a notebook has no terminal width


class DrawTarget(Protocol):
    """Where a terminal's frames go: it takes a frame without blocking, says when it can take
    the next one, and how big it is."""

    def write(self, text: str) -> None:
        """Show ``text`` (never blocks)."""

    def writable(self) -> bool:
        """True when a frame can be taken now."""

    def size(self) -> tuple[int, int]:
        """Columns and rows (0: no limit)."""


class RowsTarget(DrawTarget, Protocol):
    """A target that shows whole rows of text in a live region, not a stream of bytes."""

    def next_write(self) -> float:
        """When a frame can be taken next (by the terminal's clock)."""

    def settle(self, text: str) -> None:
        """Leave ``text`` for good where the live region is; the next write starts a new live
        region below everything."""


class Outputs(Protocol):
    """The outputs of the running cell, as the front end shows them."""

    def show(self, text: str) -> object:
        """Add an output below the others, showing ``text``; return a handle to update it."""

    def update(self, handle: object, text: str) -> None:
        """Replace what the output ``handle`` shows."""


class IPythonOutputs:
    """Outputs through IPython's display messages (``display_data``, ``update_display_data``),
    which every front end knows, and which leave plain text in the saved notebook."""

    def show(self, text: str) -> object:
        """A new display output with its own display id."""
        # Through import_module (typed Any): IPython is there whenever this runs, but not
        # always where the types are checked.
        from importlib import import_module

        display: Any = import_module("IPython.display").display
        return display({"text/plain": text}, raw=True, display_id=True)

    def update(self, handle: object, text: str) -> None:
        """Update the display output in place."""
        handle.update({"text/plain": text}, raw=True)  # type: ignore[attr-defined]


class NotebookTarget:
    """Rows shown as one live output, updated at most every :data:`MIN_UPDATE` seconds."""

    def __init__(self, outputs: Outputs, clock: Callable[[], float] = time.monotonic) -> None:
        self._outputs = outputs
        self._clock = clock
        self._handle: object | None = None
        self._shown = ""
        self._last = -MIN_UPDATE
        self.updates = 0  # messages sent for live outputs: what a test waits for

    def write(self, text: str) -> None:
        """Show ``text`` in the live output (made on the first write after :meth:`settle`)."""
        if self._handle is None:
            self._handle = self._outputs.show(text)
        elif text != self._shown:
            self._outputs.update(self._handle, text)
        else:
            return
        self._shown = text
        self._last = self._clock()
        self.updates += 1

    def writable(self) -> bool:
        """True once :data:`MIN_UPDATE` has passed since the last update."""
        return self._clock() >= self.next_write()

    def next_write(self) -> float:
        """When the next update may be sent."""
        return self._last + MIN_UPDATE

    def size(self) -> tuple[int, int]:
        """Columns from ``COLUMNS`` (else 80); rows unlimited, the output grows as needed."""
        try:
            return max(int(os.environ.get("COLUMNS", _WIDTH)), 1), 0
        except ValueError:
            return _WIDTH, 0

    def settle(self, text: str) -> None:
        """Leave ``text`` for good where the live output is (in a new output below the others
        when there is none; nothing when ``text`` is empty too). The next write starts a new
        live output below everything."""
        handle, self._handle = self._handle, None
        if handle is None:
            if text:
                self._outputs.show(text)
        elif text != self._shown:
            self._outputs.update(handle, text)
        self._shown = ""


def row_text(row: Row, now: float, width: int, ellipsis: str = "…") -> str:
    """One row as text: glyph, sanitised text cut to ``width`` columns, then the timer.

    The same cut as a terminal row (:class:`~twirly.block.Block`): the timer is dropped before
    the text is cut to nothing.
    """
    glyph = row.frames[row.frame_index(now)]
    room = width - row.frame_width
    if room <= 0:
        return fit(glyph, width, "")[0]
    suffix = f" ({format_elapsed(now - row.started)})" if row.timer else ""
    safe = sanitize(row.text)
    body, cols = fit(f" {safe}" if safe else "", room - len(suffix), ellipsis)
    return glyph + body + suffix if cols + len(suffix) <= room else glyph + body


class NotebookTerminal(Terminal):
    """The terminal of every spinner in a kernel: rows drawn as text through a
    :class:`RowsTarget` (a :class:`NotebookTarget` in a kernel).

    ``streams`` gives the streams whose writes land in the cell (the kernel's ``sys.stdout``
    and ``sys.stderr``): writes to them are noticed, so that the rows move below the text.
    """

    def __init__(
        self,
        stream: TextIO,
        target: RowsTarget,
        *,
        streams: Callable[[], Iterable[object]] = lambda: (sys.stdout, sys.stderr),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        unicode = Capabilities.detect(isatty=False, encoding=getattr(stream, "encoding", None))
        # The base never writes a frame here: with animate off it has no descriptor.
        caps = Capabilities(animate=False, color=False, unicode=unicode.unicode)
        super().__init__(stream, caps, clock=clock)
        # Colour is off: the front end would show escape bytes as text, and the saved
        # notebook would keep them.
        self.caps = Capabilities(animate=True, color=False, unicode=unicode.unicode)
        self.target = target
        self._streams = streams
        self._ellipsis = "…" if unicode.unicode else "..."
        self._watched: list[tuple[Any, Callable[[str], int]]] = []
        # Set by writers without the lock (a plain store): text reached the cell since the
        # live output was made, and whether a stream's last write left its line open.
        self._printed = False
        self._open_lines: dict[int, bool] = {}

    # -- facts ------------------------------------------------------------------------------

    @property
    def rows(self) -> tuple[Row, ...]:
        """The rows shown, top to bottom."""
        return self._block.rows

    def size(self) -> tuple[int, int]:
        """The target's size."""
        return self.target.size()

    # -- rows -------------------------------------------------------------------------------

    # The rows are kept in the base's block, as a model only (which rows, in what order, which
    # are shown): the block's bytes are never written here.

    def _has_rows(self) -> bool:
        return bool(self._block)

    def _shows(self, row: Row) -> bool:
        return row in self._block

    def _show(self, row: Row) -> None:
        # Under the lock: a new row, shown at once.
        if not self._block:
            self._watch_writes()
        self._block.put(row, self.now())
        self._draw(self.now(), urgent=True)

    def _hide(self, row: Row, final: str | None) -> None:
        # Under the lock: the row goes, leaving ``final`` in the cell's outputs.
        self._flush_queued()
        self._block.discard(row)
        if self._printed:
            self._move()
        if self._block:
            if final is not None:
                self.target.settle(final)  # the rows go on in a new output below it
            self._draw(self.now(), urgent=True)
        else:
            self.target.settle(final or "")
            self._unwatch()

    def tick(self) -> float | None:
        """Update the live output if due; return seconds until the next update."""
        with self._lock:
            if not self._block or self._held:
                return None
            now = self.now()
            if not self.target.writable():
                return self.target.next_write() - now  # draw what is due then
            for hook in self._hooks:
                hook(self._block, now, self.size())
            self._flush_queued()
            self._draw(now)
            due = self._block.next_deadline(now)
            return max(due, self.target.next_write()) - now

    def _draw(self, now: float, *, urgent: bool = False) -> None:
        if self._printed and not any(self._open_lines.values()):
            self._move()
        width, height = self.size()
        shown, hidden = self._block._visible(height)
        lines = [
            "  " * depth + row_text(row, now, width - 2 * depth, self._ellipsis)
            for row, depth in shown
        ]
        if hidden and not any(row.kind == "summary" for row, _ in shown):
            lines.append(f"{self._ellipsis} {hidden} more")
        text = "\n".join(lines)
        if urgent or self.target.writable():
            self.target.write(text)

    def _move(self) -> None:
        # Text reached the cell below the live output: empty it, and make the next one below.
        self._printed = False
        self.target.settle("")

    # -- other output -----------------------------------------------------------------------

    def write_lines(
        self,
        lines: Sequence[str],
        *,
        raw: bool = False,
        stream: TextIO | None = None,
        errors: str | None = None,
        owner: int | None = None,
    ) -> None:
        """Write whole lines to the cell, above the rows (a cell's text has no cursor to go
        back to: ``owner`` changes nothing)."""
        with self._lock:
            self._flush_queued()
        self._write_text("".join(f"{line}\n" for line in lines), stream)

    def _put_lines(
        self,
        lines: Sequence[str],
        errors: str,
        stream: TextIO | None = None,
        owner: int | None = None,
    ) -> None:
        self._write_text("".join(f"{line}\n" for line in lines), stream)

    def write_partial(
        self, text: str, *, stream: TextIO | None = None, owner: int | None = None
    ) -> None:
        """Write an unfinished line to the cell."""
        self._write_text(text, stream)

    def _write_text(self, text: str, stream: TextIO | None) -> None:
        target = stream if stream is not None else self.stream
        try:
            target.write(text)
            target.flush()
        except (OSError, ValueError):
            pass
        self._noticed(target, text)

    def _noticed(self, stream: object, text: str) -> None:
        if text:
            self._open_lines[id(stream)] = not text.endswith("\n")
            self._printed = True

    def _watch_writes(self) -> None:
        # The instance's write is wrapped (not the stream replaced), so that a logging handler
        # or a thread holding the very same object is noticed too; ipykernel's own forwarding
        # of a subprocess's output goes through it as well.
        for stream in self._streams():
            if any(stream is known for known, _ in self._watched):
                continue
            original = getattr(stream, "write", None)
            if original is None:
                continue

            def write(text: str, _stream: object = stream, _write: Any = original) -> int:
                written: int = _write(text)
                if isinstance(text, str):
                    self._noticed(_stream, text)
                return written

            try:
                stream.write = write  # type: ignore[attr-defined]
            except (AttributeError, TypeError):
                continue
            self._watched.append((stream, write))

    def _unwatch(self) -> None:
        watched, self._watched = self._watched, []
        for stream, write in watched:
            if getattr(stream, "__dict__", {}).get("write") is write:
                try:
                    del stream.write
                except AttributeError:
                    pass
        self._open_lines.clear()
        self._printed = False

    # -- life cycle -------------------------------------------------------------------------

    def _delegate(self) -> bool:
        """No child process can draw in a notebook: the process driver ticks from a thread."""
        return False

    def restore(self) -> None:
        """Leave nothing live: empty the live output and stop noticing writes. Idempotent."""
        with self._lock:
            if self._block:
                self._block.clear()
                self.target.settle("")
            self._unwatch()
            self._stop_ticking()

    def forget_after_fork(self) -> None:
        """In a forked child: the parent owns the outputs."""
        self._lock = threading.RLock()
        self._block = Block(unicode=self.caps.unicode)
        self._watched = []
        self._ticker = None
        self._wants = {}


_terminal: NotebookTerminal | None = None
_terminal_lock = threading.Lock()


def in_kernel() -> bool:
    """True inside a Jupyter kernel (IPython's ZMQ shell), without importing anything."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return False
    try:
        shell = get_ipython()
    except Exception:
        return False
    return any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__)


def _kernel_stream(stream: object) -> bool:
    cls = type(stream)
    return cls.__name__ == "OutStream" and cls.__module__.startswith("ipykernel")


def notebook_terminal(stream: TextIO, animate: bool | None) -> Terminal | None:
    """The notebook's terminal when ``stream`` is a kernel's output and rows may be drawn;
    None otherwise (``animate=False`` or ``TWIRLY_ANIMATE=0``: lines printed once)."""
    if animate is False or not _kernel_stream(stream) or not in_kernel():
        return None
    if animate is None:
        setting = os.environ.get("TWIRLY_ANIMATE", "").strip().lower()
        if setting in {"0", "false", "no", "off"}:
            return None
    global _terminal
    with _terminal_lock:
        if _terminal is None:
            # Both streams of the kernel reach the same cell: one terminal, one live output.
            _terminal = NotebookTerminal(stream, NotebookTarget(IPythonOutputs()))
        return _terminal


def _forget_after_fork() -> None:
    global _terminal, _terminal_lock
    _terminal_lock = threading.Lock()
    if _terminal is not None:
        _terminal.forget_after_fork()
    _terminal = None


os.register_at_fork(after_in_child=_forget_after_fork)
