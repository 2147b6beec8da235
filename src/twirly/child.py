"""The process driver: a child process draws the rows, so the parent may hold the GIL freely.

The parent draws the first frame itself, starts the child (a fresh interpreter running
:mod:`twirly.child_main`, so it works whatever the ``multiprocessing`` start method and
never re-imports the program's ``__main__``) and from then on sends it messages over a pipe:
rows added, text changes, lines to write above the rows, rows removed. Removals and shutdown
are acknowledged, so when ``stop()`` returns the final line is on screen. The child draws on the
same terminal descriptor, ignores Ctrl-C (the parent decides), and when the pipe closes because
the parent died it erases its rows, shows the cursor and exits.
"""

from __future__ import annotations

import marshal
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from twirly.output import write_all
from twirly.state import Row

__all__ = ["ChildLink", "decode_row", "encode_row", "read_message", "write_message"]

_HEADER = struct.Struct(">I")
_ACK_PATIENCE = 2.0  # seconds to wait for the child to confirm a removal
_SHUTDOWN_PATIENCE = 0.3  # seconds, when restoring on a signal or at exit
_EXIT_PATIENCE = 1.0  # seconds for the child to exit once its pipe is closed
#: Seconds the parent's clock sleeps at most while the child watches over it (see nap): it
#: is woken for whatever runs in it, and by the child for a resize. What else changes with
#: nothing run here (someone else's modes set from outside the program) waits for it. Each
#: tick once it ends costs both processes a cold frame: with 1 s, 29 pages a frame on
#: average (bench.floor --pages --process, 357 against 328 with 3 s).
NAP = 3.0


def encode_row(row: Row) -> tuple[Any, ...]:
    """A row as plain data for the pipe."""
    return (row.ident, row.text, row.started, row.timer, *_look(row))


def _look(row: Row) -> tuple[Any, ...]:
    # What a row looks like apart from its text: its style, colour, prefix and suffix.
    return (
        row.frames,
        row.frame_width,
        row.interval,
        row.color,
        row.prefix,
        row.prefix_width,
        row.suffix,
    )


def decode_row(data: Sequence[Any]) -> Row:
    """The row :func:`encode_row` sent."""
    ident, text, started, timer, *look = data
    row = Row(text, ("",), 0, 1.0, started, timer=timer, ident=ident)
    set_look(row, look)
    return row


def set_look(row: Row, look: Sequence[Any]) -> None:
    """Give ``row`` the look :func:`encode_row` sent (or a later ``look`` message)."""
    frames, row.frame_width, row.interval, row.color, row.prefix, row.prefix_width, row.suffix = (
        look
    )
    row.frames = tuple(frames)


def write_message(fd: int, message: tuple[Any, ...]) -> None:
    """Send one message (marshal: fast, no imports, only plain data)."""
    payload = marshal.dumps(message)
    write_all(fd, _HEADER.pack(len(payload)) + payload)


def read_message(buffer: bytearray) -> tuple[Any, ...] | None:
    """Take one whole message off the front of ``buffer``, if there is one."""
    if len(buffer) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack_from(buffer)
    end = _HEADER.size + size
    if len(buffer) < end:
        return None
    message = marshal.loads(bytes(buffer[_HEADER.size : end]))
    del buffer[:end]
    return tuple(message)


class ChildLink:
    """The parent's end of the pipe to the drawing child."""

    def __init__(
        self,
        fd: int,
        encoding: str,
        caps: tuple[bool, bool, bool],
        rows: Sequence[Row],
        on_wake: Callable[[], None] | None = None,
    ) -> None:
        # Re-entrant: a signal handler (Ctrl-Z) may send a request while the main thread is
        # in the middle of one.
        self._lock = threading.RLock()
        self._sent_text: dict[int, str] = {row.ident: row.text for row in rows}
        self._sent_look: dict[int, tuple[Any, ...]] = {row.ident: _look(row) for row in rows}
        self._rows = {row.ident: row for row in rows}
        self._seq = 0
        self._acks = bytearray()
        self._acked = 0  # the highest sequence number confirmed (the child answers in order)
        self._interval = min((row.interval for row in rows), default=0.1)
        package_parent = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
        bootstrap = (
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "from twirly.child_main import main; main(int(sys.argv[2]), int(sys.argv[3]))"
        )
        # A duplicate, so the number is not one of 0-2, which the child uses for its pipes.
        child_fd = os.dup(fd) if fd <= 2 else fd
        # Where the child says that something ran here while this process's clock slept
        # (see nap); its end of the pipe closes as it exits, which says that too.
        self._wakes, wake = os.pipe()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", bootstrap, package_parent, str(child_fd), str(wake)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                pass_fds=(child_fd, wake),
                close_fds=True,
            )
        except BaseException:
            os.close(self._wakes)
            raise
        finally:
            os.close(wake)
            if child_fd != fd:
                os.close(child_fd)
        self._on_wake = on_wake
        if self._process.stdin is None or self._process.stdout is None:  # pragma: no cover
            raise OSError("the drawing child has no pipes")
        self._to_child = self._process.stdin.fileno()
        self._from_child = self._process.stdout.fileno()
        self._alive = True
        # The terminal's line modes now, as the spinner found them: the child may start
        # after someone's prompt has changed them.
        from twirly.prompts import line_modes

        rows_data = [encode_row(row) for row in rows]
        self._send(("init", caps, encoding, rows_data, line_modes(fd)))
        threading.Thread(target=self._hear_wakes, name="twirly-waker", daemon=True).start()

    # -- plumbing ---------------------------------------------------------------------------

    def _send(self, message: tuple[Any, ...]) -> bool:
        if not self._alive:
            return False
        try:
            write_message(self._to_child, message)
        except OSError:
            self._alive = False
        return self._alive

    def _request(self, message: tuple[Any, ...], patience: float) -> bool:
        """Send and wait for the child's acknowledgement of this very message."""
        with self._lock:
            self._seq += 1
            seq = self._seq
            if not self._send((*message, seq)):
                return False
            deadline = time.monotonic() + patience
            while self._acked < seq:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                    self._alive = False
                    return False
                try:
                    data = os.read(self._from_child, 4096)
                except OSError:
                    data = b""
                if not data:
                    self._alive = False
                    return False
                self._acks += data
                whole = len(self._acks) // 4 * 4
                acked = struct.unpack(f">{whole // 4}I", self._acks[:whole])
                del self._acks[:whole]
                self._acked = max(self._acked, *acked) if acked else self._acked
            return True

    # -- what the terminal asks ----------------------------------------------------------------

    @property
    def replies(self) -> int:
        """The descriptor the child answers on: readable (or hung up) only when it answers a
        request or has gone."""
        return self._from_child

    @property
    def alive(self) -> bool:
        """False once the pipe to the child broke or the child exited."""
        if self._alive and self._process.poll() is not None:
            self._alive = False
        return self._alive

    def add(self, row: Row) -> bool:
        """A new row for the child to draw."""
        self._rows[row.ident] = row
        self._sent_text[row.ident] = row.text
        self._sent_look[row.ident] = _look(row)
        self._interval = min(self._interval, row.interval)
        return self._send(("add", encode_row(row)))

    def interval(self) -> float:
        """Send the text and look changes made since the last call; return when to call
        again."""
        for ident, row in list(self._rows.items()):
            text = row.text
            if self._sent_text.get(ident) is not text:
                self._sent_text[ident] = text
                self._send(("text", ident, text))
            look = _look(row)
            if self._sent_look.get(ident) != look:
                self._sent_look[ident] = look
                self._interval = min(self._interval, row.interval)
                self._send(("look", ident, look))
        return self._interval

    def others(self) -> int:
        """From the clock's thread, before it forwards the texts set: the CPU time (ns) this
        process's other threads have run (see nap)."""
        own = time.clock_gettime_ns(time.CLOCK_THREAD_CPUTIME_ID)  # (first: see _Parent)
        return time.clock_gettime_ns(time.CLOCK_PROCESS_CPUTIME_ID) - own

    def nap(self, others: int) -> float | None:
        """Nothing changed at this frame: the clock may sleep until the child says that
        another thread of this process ran since it had run ``others`` (read by
        :meth:`others` before this frame forwarded the texts): a text set, output, a
        prompt, a reader, a signal's handler. Or :data:`NAP` seconds at most: returns how
        long, or None when the child has gone (a full frame then draws here). The child is
        told at each nap."""
        message = ("nap", threading.get_native_id(), others)
        return NAP if self._send(message) else None

    def _hear_wakes(self) -> None:
        # The waker thread: each byte from the child wakes the clock; the end of the pipe
        # (the child has exited) wakes it too, to find the child gone.
        from twirly.echo import not_a_reader
        from twirly.guards import leave_signals_to_the_main_thread

        leave_signals_to_the_main_thread()
        me = threading.get_native_id()
        not_a_reader(me)
        try:
            while True:
                try:
                    heard = os.read(self._wakes, 64)
                except OSError:
                    heard = b""
                if not heard:
                    # The child's files are closed: it is gone, though its other pipes may
                    # not say so yet (an exiting process releases its files one by one,
                    # the last opened first, and may be preempted in between). Known here
                    # before the clock wakes, so that it does not sleep on a dead child.
                    self._alive = False
                if self._on_wake is not None:
                    self._on_wake()
                if not heard:
                    break
        finally:
            not_a_reader(me, ends=True)
            os.close(self._wakes)

    def lines(
        self, lines: Sequence[str], errors: str = "replace", owner: int | None = None
    ) -> bool:
        """Lines for the child to write above the rows (False: the child is gone);
        ``owner``: the thread that wrote them, if known."""
        self.interval()  # text changes made before the lines arrive first
        return self._send(("lines", list(lines), errors, owner))

    def partial(self, text: str, owner: int | None = None) -> bool:
        """An unfinished line for the child to show (``owner``: whose, if known)."""
        return self._send(("partial", text, owner))

    def remove(self, row: Row, final: str | None) -> bool:
        """Remove a row; return once the child has drawn the result (False: it is gone)."""
        self._rows.pop(row.ident, None)
        self._sent_text.pop(row.ident, None)
        self._sent_look.pop(row.ident, None)
        return self._request(("remove", row.ident, final), _ACK_PATIENCE)

    def hold(self, *, aside: bool = False) -> bool:
        """Ctrl-Z: the child erases its rows and draws nothing until :meth:`release`.
        ``aside``: someone else's prompt is on the top row, so erase from the cursor on.

        Waits for the child, so the rows are gone before the shell prints its prompt."""
        return self._request(("hold", aside), _SHUTDOWN_PATIENCE)

    def release(self) -> bool:
        """The program continues: the child draws again."""
        return self._send(("release",))

    def shutdown(self) -> bool:
        """Ask the child to erase everything and exit; False if it did not confirm."""
        done = self._request(("shutdown",), _SHUTDOWN_PATIENCE)
        self.close(_SHUTDOWN_PATIENCE)
        return done

    def close(self, patience: float = _EXIT_PATIENCE) -> None:
        """Close the pipe and reap the child: with no rows left it exits on its own, at once,
        so that none is left behind when ``stop()`` returns. One that is still writing what it
        was sent to a terminal nobody reads is never killed (that would lose lines): after
        ``patience`` seconds it is left to a thread that reaps it when it ends."""
        self._alive = False
        for stream in (self._process.stdin, self._process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            self._process.wait(timeout=patience)
        except subprocess.TimeoutExpired:
            threading.Thread(target=self._process.wait, name="twirly-reaper", daemon=True).start()
