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
from twirly.echo import in_front
from twirly.prompts import watch_as_found
from twirly.state import Capabilities, Row
from twirly.terminal import Terminal, leave_others_alone

__all__ = ["main"]

_IDLE_WAIT = 0.5  # seconds between parent checks when there is nothing to draw
#: Seconds after the parent's clock says it sleeps before its threads are looked at (_Parent).
_SETTLING = 0.01
#: Seconds without a frame after Ctrl-Z reached us, while the parent's "hold" is on its way
#: (see main): frames come back after that if none came and the job is still in front (the
#: program handles Ctrl-Z itself).
_STOP_GRACE = 0.5


class _Parent:
    """What the parent's other threads have run, watched while its clock sleeps (see
    ChildLink.nap): when that grows, something ran there, and the parent's clock is woken
    through ``wakes``.

    The parent says, as its clock goes to sleep, which thread the clock is and what the
    others had run before it forwarded the texts set; here, the parent's process CPU time
    less the clock thread's own (``/proc``: it may still be finishing its frame) is what the
    others have run since."""

    def __init__(self, pid: int, wakes: int) -> None:
        self.pid = pid
        self.clock = ((~pid) << 3) | 2  # (Linux: the process CPU clock of another process)
        self.wakes = wakes
        self.told: float | None = None  # when the parent's clock said it sleeps
        self.others = 0  # what its other threads had run then, in ns
        self.ticker: tuple[int, int] | None = None  # the clock thread, and its schedstat file

    def napping(self, thread: int, others: int) -> None:
        if self.ticker is None or self.ticker[0] != thread:
            self.forget()
            try:
                stat = os.open(f"/proc/{self.pid}/task/{thread}/schedstat", os.O_RDONLY)
            except OSError:
                stat = -1
            self.ticker = (thread, stat)
        self.told, self.others = time.monotonic(), others

    def forget(self) -> None:
        if self.ticker is not None and self.ticker[1] >= 0:
            os.close(self.ticker[1])
        self.ticker = None

    def look(self) -> None:
        """At each frame: wake the parent if its other threads ran since its clock slept."""
        told, ticker = self.told, self.ticker
        if told is None or ticker is None or time.monotonic() - told < _SETTLING:
            return  # (the clock thread's own time is read once it has surely gone to sleep)
        try:
            total = time.clock_gettime_ns(self.clock)
            own = int(os.pread(ticker[1], 64, 0).split()[0])
            ran = total - own > self.others
        except (OSError, ValueError, IndexError):  # (not allowed here, or gone)
            ran = True  # (the parent ticks as it used to)
        if ran:
            self.wake()

    def wake(self, *_: object) -> None:
        """Wake the parent's clock, if it sleeps (also a signal handler: see main)."""
        if self.told is None:
            return
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
        self.paused = 0.0  # (Ctrl-Z reached us: no frame until then, or the parent's hold)

    def handle(self, message: tuple[Any, ...]) -> None:
        if message[0] == "nap":  # (the parent's clock sleeps: watch over it)
            self.parent.napping(message[1], message[2])
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
            self.paused = 0.0
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
    # would race the shell's "Stopped" message. (Once drawing, no frame meanwhile: see below;
    # unless the program ignores Ctrl-Z, which we inherited.)
    ignored = signal.getsignal(signal.SIGTSTP) == signal.SIG_IGN
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
    watcher = _Parent(parent, wakes)
    # A resize runs nothing in the parent (which leaves SIGWINCH alone): its clock is woken
    # from here, so that it gives the new size to its capture of fd 1/2 (the program's
    # children lay out on it) within a frame, not when its nap ends.
    signal.signal(signal.SIGWINCH, watcher.wake)
    child = _Child(fd, message, watcher)

    def stopping(*_: object) -> None:
        # Ctrl-Z reached the whole job. A parent of the program in the job too (`uv run`)
        # stops at once, and the shell prints its prompt, maybe before the program's handler
        # has sent us its "hold": a frame drawn meanwhile would be drawn over that prompt.
        child.paused = time.monotonic() + _STOP_GRACE

    if not ignored:
        signal.signal(signal.SIGTSTP, stopping)
    tick, getppid = child.terminal.tick, os.getppid
    delay: float | None = 0.0
    open_pipe = True
    # (Each frame: a call made only when there is something to do, for each function called
    # is memory this process finds cold after a frame's sleep: see twirly.steady.)
    while child.running and open_pipe:
        open_pipe = _read(buffer, _IDLE_WAIT if delay is None else max(delay, 0.0))
        while child.running and buffer and (message := read_message(buffer)) is not None:
            child.handle(message)
        if getppid() != parent:
            break
        if child.paused:
            delay = child.paused - time.monotonic()
            if delay > 0:
                continue
            if not in_front(fd, unknown=True):  # (the shell has the terminal: the hold is late)
                delay = _STOP_GRACE
                child.paused = time.monotonic() + delay
                continue
            child.paused = 0.0
        delay = tick()
        if watcher.told is not None:  # (the parent's clock sleeps)
            watcher.look()
    child.terminal.restore()
    # The terminal is as found and every byte written (straight to the descriptor; the
    # stream is flushed for form's sake): nothing is left for the interpreter's own ending,
    # which takes longer than all of this (10 ms or so, here), and stop() waits for it.
    try:
        child.terminal.stream.flush()
    except (OSError, ValueError):  # (the terminal has gone: nothing is left to show)
        pass
    os._exit(0)
