"""The drawing child of the process driver: a :class:`~twirly.terminal.Terminal` fed by a pipe.

Run by :class:`~twirly.child.ChildLink` as a fresh interpreter, with the terminal's
descriptor inherited, messages on stdin and acknowledgements on stdout.
"""

from __future__ import annotations

import os
import select
import signal
import struct
import time
from typing import Any

from twirly.child import decode_row, read_message, set_look
from twirly.prompts import watch_as_found
from twirly.state import Capabilities, Row
from twirly.terminal import Terminal, leave_others_alone

__all__ = ["main"]

_IDLE_WAIT = 0.5  # seconds between parent checks when there is nothing to draw
#: Seconds after the parent's clock says it sleeps before its CPU time is taken (see _Parent).
_SETTLING = 0.01


class _Parent:
    """The parent's process CPU time, watched while its clock sleeps (see ChildLink.nap):
    when it moves, something ran there, and the parent is woken through ``wakes``."""

    def __init__(self, pid: int, wakes: int) -> None:
        self.clock = ((~pid) << 3) | 2  # (Linux: the process CPU clock of another process)
        self.wakes = wakes
        self.told: float | None = None  # when the parent's clock went to sleep
        self.ran: int | None = None  # its process CPU time a moment after

    def napping(self) -> None:
        self.told, self.ran = time.monotonic(), None

    def look(self) -> None:
        """At each frame: wake the parent if anything ran there since its clock slept."""
        told = self.told
        if told is None:
            return
        try:
            ran = time.clock_gettime_ns(self.clock)
        except OSError:  # (not allowed here, or gone: the parent ticks as it used to)
            ran = -1
        if self.ran is None and ran >= 0:
            # Taken once the parent's clock has surely gone to sleep after saying so (it
            # still runs for a moment after its message).
            if time.monotonic() - told >= _SETTLING:
                self.ran = ran
            return
        if ran != self.ran:
            self.told = None
            try:
                os.write(self.wakes, b"!")
            except OSError:
                pass


class _Child:
    def __init__(self, fd: int, message: tuple[Any, ...], parent: _Parent) -> None:
        _, caps, encoding, rows, modes = message
        watch_as_found(modes)  # the parent's view of the terminal, from before we started
        stream = open(fd, "w", encoding=encoding, closefd=False)  # noqa: SIM115 - lives as long as we do
        self.terminal = Terminal(stream, Capabilities(*caps))
        self.rows: dict[int, Row] = {}
        adopted = [decode_row(data) for data in rows]
        for row in adopted:
            self.rows[row.ident] = row
        self.terminal.adopt(adopted)
        self.running = True
        self.parent = parent

    def handle(self, message: tuple[Any, ...]) -> None:
        if message[0] == "nap":  # (the parent's clock sleeps: watch over it)
            self.parent.napping()
        else:
            self._draw(message)

    def _draw(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "add":
            row = decode_row(message[1])
            self.rows[row.ident] = row
            self.terminal.attach(row)
        elif kind == "text":
            changed = self.rows.get(message[1])
            if changed is not None:
                changed.text = message[2]
        elif kind == "look":
            changed = self.rows.get(message[1])
            if changed is not None:
                set_look(changed, message[2])
        elif kind == "lines":
            self.terminal.write_lines(message[1], errors=message[2], owner=message[3])
        elif kind == "partial":
            self.terminal.write_partial(message[1], owner=message[2])
        elif kind == "remove":
            gone = self.rows.pop(message[1], None)
            if gone is not None:
                self.terminal.detach(gone, message[2])
            _ack(message[-1])
        elif kind == "hold":
            self.terminal.hold(aside=message[1])
            _ack(message[-1])
        elif kind == "release":
            self.terminal.release_hold()
        elif kind == "shutdown":
            self.terminal.restore()
            _ack(message[-1])
            self.running = False


def _ack(seq: int) -> None:
    try:
        os.write(1, struct.pack(">I", seq))
    except OSError:
        pass


def _read(buffer: bytearray, timeout: float | None) -> bool:
    """Read what the parent sent; False when the pipe is closed (the parent is gone)."""
    ready = select.select([0], [], [], timeout)[0]
    if not ready:
        return True
    try:
        data = os.read(0, 65536)
    except OSError:
        return False
    buffer += data
    return bool(data)


def main(fd: int, wakes: int) -> None:
    """Draw on ``fd`` until the parent says stop or goes away; wake the parent's clock
    through ``wakes`` when something ran there while it slept."""
    # Ctrl-C reaches the whole foreground group; the parent decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # Ctrl-Z: the parent asks us to erase and wait (see Terminal.hold); stopping on our own
    # would race the shell's "Stopped" message.
    signal.signal(signal.SIGTSTP, signal.SIG_IGN)
    # The parent captures the program's output. A prompt someone writes between two of our
    # frames must not be drawn over before the parent has us step aside: we watch too.
    leave_others_alone(prompts=True)
    parent = os.getppid()
    buffer = bytearray()
    message = None
    while message is None:
        if not _read(buffer, None):
            return
        message = read_message(buffer)
    child = _Child(fd, message, _Parent(parent, wakes))
    delay: float | None = 0.0
    open_pipe = True
    while child.running and open_pipe:
        open_pipe = _read(buffer, _IDLE_WAIT if delay is None else max(delay, 0.0))
        while child.running and (message := read_message(buffer)) is not None:
            child.handle(message)
        if os.getppid() != parent:
            break
        delay = child.terminal.tick()
        child.parent.look()
    child.terminal.restore()
    # The terminal is as found and every byte written (straight to the descriptor; the
    # stream is flushed for form's sake): nothing is left for the interpreter's own ending,
    # which takes longer than all of this (10 ms or so, here), and stop() waits for it.
    try:
        child.terminal.stream.flush()
    except (OSError, ValueError):  # (the terminal has gone: nothing is left to show)
        pass
    os._exit(0)
