"""The one writer: a :class:`Terminal` owns one output stream and everything written to it.

It decides what the stream can do (:class:`~twirly.state.Capabilities`), keeps the live
:class:`~twirly.block.Block` of spinner rows, writes under one lock, hides and restores the
cursor, takes over stray ``print``/``logging`` output while rows are shown (and, on a real
terminal, what reaches fd 1 and 2 at all), steps aside while someone else asks the person
something, and hands the drawing to a child process for the process driver. Off a terminal
it prints the text once at the start and the final line once at the end, with no escape
bytes.
"""

from __future__ import annotations

import _thread
import os
import sys
import time

from twirly import guards
from twirly.block import Block
from twirly.echo import Echo, in_front
from twirly.output import NOWHERE, Output, device_of, fileno, isatty
from twirly.state import Capabilities, Row
from twirly.targets import ChildTarget, LocalTarget, PlainTarget

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections import deque
    from collections.abc import Callable, Iterable, Sequence
    from types import CodeType
    from typing import Protocol, TextIO

    from twirly.capture import Capture, Descriptors
    from twirly.drivers import Clock, DriverName
    from twirly.drivers.asyncio import AsyncioClock
    from twirly.prompts import Watch
    from twirly.steady import Steady
    from twirly.watchdog import Record

    #: What a row asked of the clock: a driver, the event loop of an asyncio one, what to
    #: call if that loop ends it, and for a watchdog over that loop, where the loop's steps
    #: begin (see twirly.watchdog) and what to call with each block it records.
    _Want = tuple[
        DriverName,
        object | None,
        Callable[[], None] | None,
        frozenset[CodeType] | None,
        Callable[[Record], None] | None,
    ]

    class Waiting(Protocol):
        """A call to come (:meth:`Terminal.call_later`)."""

        def cancel(self) -> None:
            """Never make the call (harmless once made)."""

    #: Called under the lock before each frame, with the block, the time and the size: a
    #: group chooses there which of its tasks have rows (it adds and takes them silently).
    Hook = Callable[[Block, float, tuple[int, int]], None]

    class StandIn(Protocol):
        """A virtual terminal (:mod:`twirly.testing`) standing behind some streams."""

        def _terminal_for(self, stream: TextIO, animate: bool | None) -> Terminal | None:
            """The terminal it stands for on ``stream`` (None: not one of its streams)."""

        def _standing_for(self, stream: TextIO) -> Terminal | None:
            """Its terminal, with the capabilities it declares, if it stands behind
            ``stream``; changes nothing (None: not one of its streams)."""


__all__ = ["Terminal", "terminal_for"]


def _running_loop() -> object | None:
    asyncio = sys.modules.get("asyncio")
    return None if asyncio is None else asyncio.events._get_running_loop()


#: Seconds until an asyncio clock tries again when the lock was busy.
_SKIPPED_FRAME = 0.02
_ASCII = "".join(map(chr, range(128)))
_LOCK_PATIENCE = 0.5  # seconds an emergency restore waits for a writer stuck mid-write
_CAPTURE_PATIENCE = 0.05  # seconds the capture's reader waits for the lock before reading on
_CHILD_QUIET = 0.25  # seconds a child's unfinished line stands still before it may be a prompt
_CHILD_LOOK = 0.2  # seconds between two looks for a child reading the terminal

#: Whether terminals capture fd 1/2, and whether they step aside for other people's prompts
#: (see :func:`leave_others_alone`).
_capture_others = True
_watch_prompts = True
_quiet_keys = True  # echo off on the program's keyboard while rows are shown (twirly.echo)
#: Whether frames may be steady here (twirly.steady; None: not known yet).
_steady_frames: bool | None = None


def _since_boot() -> float:
    """Seconds since the machine started (0 where that cannot be told)."""
    clock = getattr(time, "CLOCK_BOOTTIME", None)
    try:
        return time.clock_gettime(clock) if clock is not None else 0.0
    except OSError:
        return 0.0


def leave_others_alone(*, prompts: bool = False) -> None:
    """For a program that already handles its children's output (the command line, the
    process driver's drawing child): no descriptor capture in this process. Unless
    ``prompts``, no stepping aside for prompts either (the command line sets the terminal's
    modes itself). Nor is the echo of the keyboard turned off here (:mod:`twirly.echo`): the
    program does that itself, or its parent does."""
    global _capture_others, _watch_prompts, _quiet_keys
    _capture_others = False
    _watch_prompts = prompts
    _quiet_keys = False


class Terminal:
    """Everything twirly writes to one stream goes through here, under one lock."""

    def __init__(
        self,
        stream: TextIO,
        caps: Capabilities,
        *,
        clock: Callable[[], float] = time.monotonic,
        output: Output | None = None,
        color_depth: int | None = None,
    ) -> None:
        self.stream = stream
        self.caps = caps
        self._color_depth = color_depth  # (None: as the environment says, when asked)
        self.now = clock  # the time, for everything above the block (tests inject theirs)
        if output is None:
            output = Output(stream, fileno(stream) if caps.animate else None)
        self._output = output  # where the bytes go: a descriptor, a stream, or memory
        self._fd = self._output.fd
        self._encoding = self._output.encoding
        # ASCII text encodes under any error policy (UTF-8 and the other ASCII supersets).
        self._ascii_encodes = _ASCII.encode(self._encoding, "replace") == _ASCII.encode()
        self._lock = _thread.RLock()  # (threading's RLock, without loading threading first)
        self._block = Block(unicode=caps.unicode)
        self._capture: Capture | None = None
        self._descriptors: Descriptors | None = None
        self._watch: Watch | None = None
        self._echo: Echo | None = None  # the keyboard's echo, off while rows are shown
        self._aside = False  # someone else's prompt waits: rows erased, descriptors back
        self._aside_until_called = False  # ... and input()/getpass() will say when it is over
        # A child process's prompt (see _child_asks): the unfinished line in the capture (its
        # length, since when), when a child was last looked for, and whether one waits.
        self._unfinished = (0, 0.0)
        self._aside_since = 0.0  # (when the rows last stepped aside, since boot: _child_reads)
        self._child_looked = 0.0
        self._child_asking = False
        self._local = LocalTarget(self._block, self._output)  # the rows drawn here
        self._plain = PlainTarget(self._output)  # off a terminal: lines printed once
        self._child: ChildTarget | None = None  # a child process draws (the process driver)
        self._next_ident = 0
        self._held = False  # stopped by Ctrl-Z: draw nothing until continued
        self._pauses = 0  # pause() calls not yet resumed: the program has the screen
        self.holds = 0  # how many times (a watchdog does not take a Ctrl-Z for a block)
        self.key: tuple[object, ...] = (id(self),)
        # The one clock of all the rows, and what each row asked of it (by the row's id):
        # a driver, the event loop of an asyncio one, and what to call if that loop ends it.
        self._ticker: Clock | None = None
        self._wants: dict[int, _Want] = {}
        self._retired: list[Clock] = []  # asyncio clocks replaced while their rows went on
        self._hooks: list[Hook] = []
        self._text_hooks: list[Hook] = []  # ... that only set rows' text (see add_hook)
        # Lines waiting for the next frame (from any thread, without the lock): written
        # together, before anything else is written.
        self._queued: deque[str] | None = None
        # Until when lines (the program's, and those written through twirly) are lined up for
        # the next frame rather than written at once: a burst of lines costs one redraw of
        # the rows per frame, not one a line.
        self._lines_due = 0.0
        # What the frames compare with while only the glyphs change (see twirly.steady).
        self._steady: Steady | None = None

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
    def color_depth(self) -> int:
        """How many colours the terminal shows (16, 256 or 2**24): the number it was made
        with (a virtual terminal declares its own), else what ``FORCE_COLOR``, ``COLORTERM``
        and ``TERM`` say now."""
        if self._color_depth is not None:
            return self._color_depth
        from twirly.colors import color_depth

        return color_depth()

    @property
    def rows(self) -> tuple[Row, ...]:
        """The rows on screen, top to bottom."""
        return self._block.rows

    @property
    def fd(self) -> int | None:
        """The descriptor frames are written to, when animating."""
        return self._output.fd

    def size(self) -> tuple[int, int]:
        """Columns and rows of the terminal now (it may have been resized since the last
        frame). Rows are 0 when unknown."""
        columns, lines = self._output.size()
        if lines and self._descriptors is not None:
            self._descriptors.follow_size(columns, lines)
        return columns, lines

    def new_ident(self) -> int:
        """A row number unique on this terminal."""
        with self._lock:
            self._next_ident += 1
            return self._next_ident

    # -- rows -------------------------------------------------------------------------------

    def attach(
        self,
        row: Row,
        *,
        driver: DriverName | None = None,
        on_orphaned: Callable[[], None] | None = None,
        watch: tuple[frozenset[CodeType], Callable[[Record], None]] | None = None,
    ) -> DriverName | None:
        """Show a new row (off a terminal: print its text once).

        ``driver`` is the clock the row's owner asked for; the terminal has one clock for all
        its rows, started by the first row that asks and stopped with the last row. None:
        the row rides on whatever clock the terminal has (a row added beside a spinner), or
        the caller ticks the terminal itself. ``on_orphaned`` is called if the row's event
        loop cancels an asyncio clock. ``watch``: for an asyncio row, have a watchdog over
        its loop (:mod:`twirly.watchdog`): where the loop's steps begin, and what to call
        with each block recorded. Returns the driver that serves the row: ``"thread"``
        where a child process cannot draw for ``"process"``.
        """
        with self._lock:
            if not self.caps.animate:
                self._plain.add(row, 0.0, (0, 0))
                return driver
            if self._text_hooks:
                # A row shown late (show_after) over a tracked loop: its first frame has the
                # count of now, not the one of when the loop started.
                now, size = self.now(), self.size()
                for hook in self._text_hooks:
                    hook(self._block, now, size)
            self._show(row)
            if driver is None:
                return None
            loop = None
            if driver == "asyncio":
                import asyncio

                loop = asyncio.get_running_loop()
            boundary, on_block = watch if watch is not None and loop is not None else (None, None)
            self._wants[id(row)] = (driver, loop, on_orphaned, boundary, on_block)
            if driver == "process" and not self._delegate():
                driver = "thread"
            self._keep_ticking()
            return driver

    def _has_rows(self) -> bool:
        return bool(self._block)

    def _shows(self, row: Row) -> bool:
        return row in self._block

    def _show(self, row: Row) -> None:
        first = not self._block
        self._show_row(row)
        if first and self._descriptors is not None:
            self._descriptors.start_reading()  # (after the first frame: see start_reading)

    def _show_row(self, row: Row) -> None:
        child = self._remote()
        if child is not None:
            child.add(row, self.now(), self.size())  # (if the child has gone, it is noticed
            return  # at the next frame, which draws every row here)
        first = not self._block
        if first:
            self._begin()
            if self._watch is not None and self._echo is None and self._watch.shell_edits():
                # (a job started behind the terminal, `&`: the shell's line is there, and
                # the rows wait, drawn by the frame that finds it gone. Not asked where echo
                # went off: Echo.of found the terminal in line mode, and us in front.)
                self._step_aside()
        else:
            guards.retry()  # (signal handlers, if the first row's thread could not set them)
            self._take_captured()
        self._output.flush_first(None)
        if self._aside:
            self._block.add(row, self.now(), *self.size())
            self._block.forget_screen()  # drawn when the prompt is answered
            return
        if first and self._capture is not None and self._capture.dangling:
            # A thread's unfinished line is out there: rows start on the next line, or
            # the line's end would be drawn over.
            for original in self._capture.dangling:
                self._output.flush_first(original)
            self._output.write("\r\n")
        self._local.add(row, self.now(), self.size())

    def detach(self, row: Row, final: str | None) -> list[Clock]:
        """Take a row away, leaving ``final`` as a persistent line (off a terminal: print it).

        Returns the asyncio clocks of the row's loop that stopped meanwhile, for ``async
        with`` to await (so that no Task is left pending).
        """
        closed = None  # (a block that ends here, for its watchdog to log after the lock)
        watchdog = None
        if (want := self._wants.get(id(row))) is not None and want[3] is not None:
            # (Told before the lock is waited for: that wait is the stop's, not the loop's.)
            watchdog = getattr(self._ticker, "watchdog", None)
            if watchdog is not None:
                watchdog.stopping()
        with self._lock:
            if watchdog is not None:
                closed = watchdog.close_block()  # (its row hears of it at once)
            want = self._wants.pop(id(row), None)
            if not self.caps.animate:
                self._plain.remove(row, final, 0.0, (0, 0))
                return []
            if self._shows(row):
                self._hide(row, final)
            stopped = self._keep_ticking()
            ending = []
            if want is not None and want[1] is not None:
                ending = [c for c in self._retired if getattr(c, "loop", None) is want[1]]
                self._retired = [c for c in self._retired if c not in ending]
        if stopped is not None:
            stopped.stop()  # (outside the lock: a thread clock may be waiting for it)
            if (
                want is not None
                and want[1] is not None
                and getattr(stopped, "loop", None) is want[1]
            ):
                ending.append(stopped)  # (an asyncio clock of the row's loop, to await)
        if closed is not None:
            from twirly.watchdog import Watchdog

            Watchdog.log(closed)
        return ending

    def _hide(self, row: Row, final: str | None) -> None:
        self._flush_queued()
        last = len(self._block) == 1
        if last and self._descriptors is not None:
            # The rows are erased before fd 1/2 are the terminal's again: a thread that
            # writes there directly (one that took sys.stdout an instant before the rows
            # came) writes on a blank line, never over a row; what the capture still held
            # goes above the final line.
            self._lift_rows()
        rest = self._release_descriptors() if last else ""
        self._take_captured()
        child = self._remote()
        now, size = self.now(), self.size()
        if child is None or not child.remove(row, final, now, size):
            self._drop_child()  # (if it had gone: the result is drawn here)
            self._local.remove(row, final, now, size)
        if not self._block:
            self._end()
        self._output.write(rest, "surrogateescape")

    # -- the clock --------------------------------------------------------------------------

    def call_later(self, delay: float, call: Callable[[], None], *, on_loop: bool) -> Waiting:
        """Call ``call`` once ``delay`` seconds of this terminal's time have passed (a row to
        show after ``show_after``): from the running event loop (``on_loop``), else from a
        timer's thread. A terminal on a clock of the test's (twirly.testing) calls it when
        that clock has moved on."""
        if on_loop:
            import asyncio

            return asyncio.get_running_loop().call_later(delay, call)
        import threading

        waiting = threading.Timer(delay, call)
        waiting.daemon = True
        waiting.name = "twirly-show-after"
        waiting.start()
        return waiting

    @property
    def ticker(self) -> Clock | None:
        """The clock that ticks this terminal now (None: no row asked for one)."""
        return self._ticker

    def _keep_ticking(self) -> Clock | None:
        """Under the lock: after rows came or went, have exactly the clock the rows need.

        One clock for all the rows: a thread serves every row; an asyncio Task only the rows
        of its own loop (another loop may be blocked, or closed, while this one runs). With
        no row asking, no clock. Returns a clock that must be stopped (by the caller, outside
        the lock); an asyncio clock replaced while rows of its loop go on is kept until those
        rows are detached, so that ``async with`` can await it.
        """
        ticker = self._ticker
        wants = self._wants.values() if self._has_rows() else ()
        if not wants:
            self._ticker = None
            return ticker
        loop = getattr(ticker, "loop", None) if ticker is not None else None
        asyncio_only = all(want[0] == "asyncio" for want in wants)
        if ticker is not None and ticker.alive:
            if loop is None or all(want[1] is loop for want in wants):
                return None  # it serves every row
            ticker.stop(join=False)
            self._retired.append(ticker)
        loops = {id(want[1]): want[1] for want in wants}
        if asyncio_only and len(loops) == 1 and _running_loop() is next(iter(loops.values())):
            from twirly.drivers.asyncio import AsyncioClock

            clock = AsyncioClock(self._tick_from_loop, self._orphaned)
            self._watch_over(clock, wants)
            self._ticker = clock
            now = self.now()
            clock.start(max(self._block.next_deadline(now) - now, 0.0))
        else:
            from twirly.drivers.thread import ThreadClock

            self._ticker = ThreadClock(self.tick)
            self._ticker.start()
        return None

    def _watch_over(self, clock: AsyncioClock, wants: Iterable[_Want]) -> None:
        # A watchdog beside an asyncio clock, if a row asked for one (rows drawn here only).
        boundaries = [want[3] for want in wants if want[3] is not None]
        if boundaries and self.caps.animate and self._remote() is None:
            from twirly.watchdog import Watchdog

            clock.watchdog = Watchdog(self, clock, frozenset().union(*boundaries))

    def _tick_from_loop(self) -> float | None:
        """The asyncio clock's tick: the loop never waits for the lock (a watchdog drawing
        while the loop was blocked, a thread writing lines): it skips a frame instead."""
        if not self._lock.acquire(blocking=False):
            return _SKIPPED_FRAME
        try:
            return self.tick()
        finally:
            self._lock.release()

    @property
    def asking(self) -> bool:
        """True while someone else's prompt waits for an answer (the rows stepped aside)."""
        return self._aside

    def rows_on(self, loop: object) -> list[Row]:
        """The rows ticked by an asyncio clock on ``loop``."""
        with self._lock:
            return [
                row
                for row in self._block.rows
                if (want := self._wants.get(id(row))) is not None and want[1] is loop
            ]

    def report_block(self, loop: object, record: Record) -> None:
        """A watchdog over ``loop`` recorded a block: tell the rows of that loop."""
        with self._lock:
            listeners = [want[4] for want in self._wants.values() if want[1] is loop]
        for listener in listeners:
            if listener is not None:
                listener(record)

    def _stop_ticking(self) -> None:
        # Under the lock, in an emergency: no clock, no wants (the clock may be waiting for
        # this very lock; it ends by itself at its next tick).
        self._wants.clear()
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.stop(join=False)

    def _orphaned(self) -> None:
        # The asyncio clock's loop cancelled it (asyncio.run ending with spinners left
        # running): take down the rows of that loop, so no frame or hidden cursor is left.
        with self._lock:
            ticker = self._ticker
            loop = getattr(ticker, "loop", None)
            owners = [want[2] for want in self._wants.values() if want[1] is loop]
        for stop in owners:
            if stop is not None:
                stop()

    def tick(self) -> float | None:
        """Draw the frame due now; return seconds until the next one (None: nothing to draw).

        A steady frame (see twirly.steady) while every answer is the one before, else a full
        one."""
        with self._lock:
            steady = self._steady
            if steady is not None:
                delay = steady.frame()
                if delay is not None and self._child is not None:
                    delay = self._child_steady_frame(steady.size)
                if delay is not None:
                    return delay
            return self._full_frame()

    def _full_frame(self) -> float | None:
        """Under the lock: the frame that asks everything (see :meth:`tick`)."""
        if not self._block or self._output.dead:
            return None
        guards.nudge_late_signals()
        now = self.now()
        self._lend_keyboard()
        self._mind_others(now)
        target = self._target()
        draw = not (self._aside or self._held)
        size = self.size() if draw or self._hooks else (0, 0)
        if size == (0, 0) and self._descriptors is not None:
            self.size()  # (aside, the capture follows: a pager or an editor may have the screen)
        if self._hooks and target is self._local:
            for hook in self._hooks:
                hook(self._block, now, size)
        elif self._text_hooks:  # (a child draws: it hears of the texts set here)
            for hook in self._text_hooks:
                hook(self._block, now, size)
        self._flush_queued()
        delay = target.frame(now, size if draw else (0, 0), draw=draw)
        self._steady = self._steady_after(draw, size)
        return delay

    def _mind_others(self, now: float) -> None:
        """Under the lock, at a full frame: step aside for whoever asks the person something,
        come back once answered, and keep echo off while the rows are shown."""
        watch = self._watch
        if watch is not None:
            waits = self._aside_until_called or self._held or self._pauses
            if self._aside:
                if (
                    not waits
                    and not self._child_still_asks()
                    and watch.answered()
                    and not self._next_child_asks()
                ):
                    self._come_back()
            elif watch.someone_asks():
                # Echo first, then the prompt: keys typed as soon as it shows are seen.
                if self._echo is not None and self._echo.reader() == "line":
                    self._give_keys_back()  # (a password prompt keeps echo off itself)
                self._step_aside()
            elif self._child_asks(now):
                self._give_keys_back()
                # (its prompt, held in the capture, is written; fd 1/2 stay the capture's)
                self._step_aside(for_a_child=True)
        echo = self._echo
        if echo is not None and (echo.behind or (not self._aside and echo.undone())):
            # In front again after `bg`, then `fg`; or the person's modes put back by someone
            # who saved them before echo went off: echo off again.
            self._hush_keys()

    # -- steady frames ----------------------------------------------------------------------

    def _child_steady_frame(self, size: tuple[int, int]) -> float | None:
        """Under the lock, a steady frame where a child process draws the rows (the record
        found nothing changed): what changed here goes to it, at its pace. None: it has gone
        (a full frame draws here)."""
        child = self._child
        assert child is not None
        # Nothing here changed since the last frame: a thread clock sleeps until the child
        # says that another thread of this process ran (see ChildLink.nap), since before the
        # texts set were forwarded.
        others = child.link.others() if hasattr(self._ticker, "poke") else None
        delay = child.frame(self.now(), size, draw=True)
        if delay is not None and others is not None:
            return child.link.nap(others)
        return delay

    def _poke(self) -> None:
        # From the process driver's waker thread, without the lock: tick now.
        poke = getattr(self._ticker, "poke", None)
        if poke is not None:
            poke()

    def _steady_after(self, drawn: bool, size: tuple[int, int]) -> Steady | None:
        """Under the lock, after a full frame: the record the next frames compare with, when
        they may be steady: the rows drawn (here, or by a child process) by no hook, and
        nothing waits (nobody's prompt, no stop or pause, no late signal, nothing taken from
        the capture)."""
        global _steady_frames
        fd = self._output.fd
        if not drawn or fd is None or self._hooks or self._text_hooks or self._pauses:
            return None
        if self._aside or self._held or self._output.dead:
            return None
        descriptors, echo, wakeup = self._descriptors, self._echo, guards.wakeup_fd()
        if (descriptors is not None and not descriptors.idle()) or (echo and echo.behind):
            return None
        if not guards.quiet(wakeup):
            return None
        if _steady_frames is None:
            from twirly.steady import possible

            _steady_frames = possible()
        if not _steady_frames:
            return None
        capture = descriptors.modes_fd() if descriptors is not None else None
        replies = self._child.replies if self._child is not None else None
        steady = self._steady
        if (
            steady is None
            or steady.fd != fd
            or not steady.same(wakeup=wakeup, capture=capture, replies=replies)
        ):
            from twirly.steady import Steady

            block = self._block if self._child is None else None
            steady = Steady(
                fd, size, wakeup=wakeup, capture=capture, replies=replies, owner=self, block=block
            )
        steady.size = size
        return steady

    # -- a child process's prompt -----------------------------------------------------------

    def _child_asks(self, now: float) -> bool:
        """Under the lock: does a child process of the program wait at a prompt it wrote to
        fd 1/2 (``input()`` in a ``subprocess``, a shell's ``read -p``)? Its unfinished line
        has stood still in the capture for a while, and the child is blocked reading the
        terminal (``/proc`` is asked only then, at most every :data:`_CHILD_LOOK`)."""
        descriptors = self._descriptors
        held = descriptors.unfinished() if descriptors is not None else 0
        size, since = self._unfinished
        if held != size or not held:
            self._unfinished = (held, now)
            return False
        if now - since < _CHILD_QUIET or now - self._child_looked < _CHILD_LOOK:
            return False
        self._child_looked = now
        self._child_asking = self._child_reads()
        return self._child_asking

    def _next_child_asks(self) -> bool:
        """Under the lock, aside, the answer in: does a child of the program wait at a prompt
        of its own now (its prompt passed through the capture, or, started while the rows
        were aside for the program's own prompt, written to the terminal itself)? Then the
        rows stay aside until it has its answer too, as for a prompt found in the capture."""
        if self._descriptors is None:
            return False
        self._child_asking = self._child_reads()
        if self._child_asking:
            self._give_keys_back()  # (echo may be off again: ours, put back by whoever asked)
        return self._child_asking

    def _child_still_asks(self) -> bool:
        """Under the lock, while stepped aside for a child's prompt: does it still wait?
        (Asked at each frame, a handful of reads in ``/proc``, only while its prompt is up:
        the rows come back as soon as it has its answer.)"""
        if self._child_asking:
            self._child_asking = self._child_reads()
        return self._child_asking

    def _child_reads(self) -> bool:
        from twirly.echo import child_reads

        real = self._output.fd  # (the terminal itself: fd 1/2 are the capture's now)
        device = device_of(real) if real is not None else None
        descriptors = self._descriptors
        capture = descriptors.device if descriptors is not None else None
        if device is None or len(device) != 1 or capture is None or len(capture) != 1:
            return False  # (not a terminal, or nothing captured)
        # /dev/tty (5:0 on Linux) is the controlling terminal of whoever opens it: counted
        # for a child whose fd 1 or 2 is the capture (its prompt went there).
        readers = frozenset({device[0], os.makedev(5, 0)})
        # While the rows are aside, fd 1/2 are the terminal's own again: a child started
        # meanwhile (the next one asking, right after the last one's answer) writes its
        # prompt there. (One started before the rows came, reading the terminal all along,
        # is no prompt of theirs.)
        newer = (frozenset(device), self._aside_since) if self._aside else None
        return child_reads(readers, frozenset(capture), newer=newer) is True

    # -- frame hooks and queued lines -------------------------------------------------------

    def add_hook(self, hook: Hook, *, text_only: bool = False) -> None:
        """Call ``hook(block, now, size)`` under the lock before each frame (see ``Hook``).
        ``text_only``: the hook only sets rows' text (a tracked loop's count), so it is called
        also while a child process draws the rows."""
        with self._lock:
            self._steady = None
            self._hooks.append(hook)
            if text_only:
                self._text_hooks.append(hook)

    def remove_hook(self, hook: Hook) -> None:
        """Stop calling ``hook``."""
        with self._lock:
            if hook in self._hooks:
                self._hooks.remove(hook)
            if hook in self._text_hooks:
                self._text_hooks.remove(hook)

    def edit(self, hook: Hook) -> None:
        """Call ``hook(block, now, size)`` once now, under the lock (not where a child
        process draws); the next frame draws what it changed."""
        with self._lock:
            if self.caps.animate and self._remote() is None:
                hook(self._block, self.now(), self.size())
            self._flush_queued()

    def queue_lines(self, lines: Sequence[str]) -> None:
        """Whole lines for above the rows, written with the next frame, or before anything
        else written here, whichever comes first (lines from many tasks ending at once cost
        one redraw). From any thread; never waits for the lock once the queue exists. Off a
        terminal: written now."""
        if not self.caps.animate:
            self.write_lines(lines)
            return
        queued = self._queued
        if queued is None:
            from collections import deque

            with self._lock:
                if self._queued is None:
                    self._queued = deque()
                queued = self._queued
        queued.extend(lines)

    def _frames_come(self) -> bool:
        """Under the lock: True when a clock draws the next frame whatever the program does
        (a thread; an event loop's clock only with a watchdog, which draws while the loop is
        blocked)."""
        ticker = self._ticker
        if ticker is None or not ticker.alive:
            return False
        return getattr(ticker, "loop", None) is None or bool(getattr(ticker, "watchdog", None))

    def _line_up(self, lines: Sequence[str]) -> bool:
        """Queue ``lines`` for the next frame, when lines were written less than a frame ago
        and a clock will draw that frame whatever the program does (a thread, or
        an event loop's clock with a watchdog, which draws while the loop is blocked): a
        burst of lines is written together, with one redraw of the rows. Lines that must come
        out after something not yet taken from fd 1/2, or that need an error policy of their
        own, are not given here. True: queued (written at the next frame, or before anything
        else written here, or when the program flushes: see :meth:`flush_lines`)."""
        if not lines or self._queued is None or self.now() >= self._lines_due:
            return False  # (no lines: the caller wants the rows drawn again, now)
        # Under the lock, never waiting for it (busy: written the usual way): the capture's
        # reader writes what reached fd 1/2 only after the queue, under the same lock, so
        # what is queued here cannot be overtaken by what was written after it.
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if not self._block or self._aside or self._block.suspended:
                return False  # (an unfinished line on screen: see write_lines's owner)
            if not self._frames_come():
                return False  # (the clock changed since: nothing may draw that frame)
            descriptors = self._descriptors
            if descriptors is not None and descriptors.waiting():
                return False
            self._queued.extend(lines)
            return True
        finally:
            self._lock.release()

    def flush_lines(self) -> None:
        """The program flushed a stream (``print(..., flush=True)``, ``sys.stdout.flush()``,
        a logging handler after each record): the lines queued for the next frame are
        written now, as a flush promises (a program that ends by ``os._exit()`` after it
        loses none). The rows stay erased below them until that frame, so a burst of
        flushed lines still costs one redraw a frame."""
        if not self._queued:
            return
        with self._lock:
            queued = self._queued
            if not queued:
                return
            lines = [queued.popleft() for _ in range(len(queued))]
            self._lift_rows()  # (the lines below go where the rows were)
            self._put_lines(lines, "replace")

    def _lift_rows(self) -> None:
        """Under the lock: erase the rows drawn here until the next frame (see Block.lift);
        lines written meanwhile go where they were. Not while someone else's prompt or an
        unfinished line is on screen, nor where a child process draws."""
        block = self._block
        if block and not (self._aside or block.suspended) and self._remote() is None:
            self._output.write(block.lift(()))

    def program_line(self, line: str, stream: TextIO | None, owner: int) -> None:
        """One whole line of the program's (a ``print()`` through the stream proxy): as
        :meth:`write_lines` with ``raw``, quicker for the common case of an ASCII line in a
        burst (see :meth:`_line_up`)."""
        guards.retry()  # (signal handlers, if the first row's thread could not set them)
        if self._ascii_encodes and line.isascii() and self._line_up((line,)):
            return
        self.write_lines((line,), raw=True, stream=stream, owner=owner)

    def _flush_queued(self) -> None:
        # Under the lock: the queued lines, above the rows (popped one by one: other threads
        # may append meanwhile, and what they append is written next time).
        queued = self._queued
        if queued:
            lines = [queued.popleft() for _ in range(len(queued))]
            self._put_lines(lines, "replace")

    def write_lines(
        self,
        lines: Sequence[str],
        *,
        raw: bool = False,
        stream: TextIO | None = None,
        errors: str | None = None,
        owner: int | None = None,
    ) -> None:
        """Write whole lines above the rows; ``raw`` lines are the program's own output.

        Raw lines pass through untouched (they may carry the program's colours) and are
        encoded with the stream's own error policy, so they fail as ``print`` would.
        ``owner``: the thread that wrote them, if known: they complete an unfinished line
        shown with :meth:`write_partial` only if it is that thread's (or its writer is not
        known); another thread's lines go above it.
        """
        if errors is None:
            target = stream if stream is not None else self.stream
            errors = (getattr(target, "errors", None) or "strict") if raw else "replace"
        # Lines may wait for the next frame (see _line_up) under the queue's error policy,
        # "replace", under which ASCII encodes as under any.
        may_wait = errors in {"strict", "replace"}
        if raw:
            ascii_only = self._ascii_encodes
            for line in lines:
                if not (ascii_only and line.isascii()):
                    ascii_only = False
                    line.encode(self._encoding, errors)
            may_wait = ascii_only or may_wait
        guards.retry()  # (signal handlers, if the first row's thread could not set them)
        if may_wait and self._line_up(lines):
            return
        with self._lock:
            self._flush_queued()
            if self._block and self._frames_come():
                # Lines that come within a frame from now wait for it (see _line_up): the
                # program's own, and those written through twirly (sp.write, g.write).
                self._lines_due = self.now() + self._block.frame_step()
                if self._queued is None:
                    from collections import deque

                    self._queued = deque()
            descriptors = self._descriptors
            if descriptors is not None:
                # What children and os.write() wrote before this line comes out before it;
                # an unfinished line of theirs is the start of this one, as on a terminal.
                captured, rest = descriptors.take() if raw and lines else (descriptors.lines(), "")
                if captured:
                    self._put_lines(captured, "surrogateescape")
                if rest:
                    lines = [rest + lines[0], *lines[1:]]
                    errors = "surrogateescape" if errors == "strict" else errors
            self._put_lines(lines, errors, stream, owner)

    def _put_lines(
        self,
        lines: Sequence[str],
        errors: str,
        stream: TextIO | None = None,
        owner: int | None = None,
    ) -> None:
        # Under the lock: whole lines above the rows (with no rows: as they are; while
        # someone else's prompt waits: where the cursor is, rows stay away).
        if self._aside:
            self._output.write("".join(f"{line}\r\n" for line in lines), errors)
            return
        child = self._remote()
        if child is not None and child.above(lines, errors, 0.0, (0, 0), owner):
            return
        self._output.flush_first(stream)
        if self._block.lifted:  # (erased until the next frame: see flush_lines, _hide)
            self._output.write(self._block.lift(lines), errors)
        elif self._block:
            self._local.above(lines, errors, self.now(), self.size(), owner)
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

    def write_partial(
        self, text: str, *, stream: TextIO | None = None, owner: int | None = None
    ) -> None:
        """Show an unfinished line (a prompt): frames wait until a line completes it;
        ``owner``: the thread that wrote it, if known (see :meth:`write_lines`)."""
        with self._lock:
            self._flush_queued()
            self._take_captured()
            if self._aside:
                self._output.write(text)
                return
            child = self._remote()
            if child is not None and child.partial(text, owner):
                return
            self._output.flush_first(stream)
            self._local.partial(text, owner)

    def leave_rows(self) -> None:
        """As ``write_partial("")``, erasing nothing: someone else wrote below the rows while
        they were shown, and the cursor is on their line now (a shell reported the program's
        job stopped, and wrote its prompt, before the program heard of Ctrl-Z). The cursor is
        shown and lines wrap again; the next line written, or ``write_lines([])``, draws the
        rows afresh from the cursor's line, and the ones left above stay as they were.
        Lines waiting to be written (queued for a frame, or in the capture) wait for that:
        written now, they would go where the cursor is, on the shell's line."""
        with self._lock:
            if self._aside:
                return
            child = self._remote()
            if child is not None:
                child.partial("", None)  # (a child drawing for us: it stops drawing)
                return
            self._output.write(self._block.suspend("", erase=False))

    # -- captured descriptors and other people's prompts ------------------------------------

    def _take_captured(self) -> None:
        self._flush_queued()  # (the program's lines that came first)
        # Under the lock: the whole lines that reached fd 1/2 so far, above the rows (while
        # aside: every byte, as it came).
        descriptors = self._descriptors
        if descriptors is not None:
            if not self._aside and self._block and descriptors.child_wants_keys():
                # A child took the capture for its terminal (less, vim) and draws its screen
                # there: the rows step aside first, then its bytes go on as they are (at the
                # next frame, they were put above the rows, the rows drawn below them over
                # its last line, then erased).
                self._lend_keyboard()
            if self._aside:
                self._output.write(descriptors.take_all(), "surrogateescape")
                return
            captured = descriptors.lines()
            if captured:
                self._put_lines(captured, "surrogateescape")

    def _on_captured(self) -> bool:
        # The capture's reader thread: lines arrived. False: the lock is busy, read on (a
        # writer holding it may be waiting for room in the capture).
        if not self._lock.acquire(timeout=_CAPTURE_PATIENCE):
            return False
        try:
            self._take_captured()
        finally:
            self._lock.release()
        return True

    def _release_descriptors(self) -> str:
        # Under the lock: fd 1/2 back for good, what arrived written above the rows; returns
        # an unfinished line, for the caller to write as it is once the rows are gone.
        descriptors, self._descriptors = self._descriptors, None
        if descriptors is None:
            return ""
        _captured.pop(descriptors.device, None)
        lines, rest = descriptors.close(self._from_orphans)
        self._output.fd = self._fd
        if lines:
            self._put_lines(lines, "surrogateescape")
        return rest

    def _from_orphans(self, lines: list[str], rest: str) -> None:
        # The reader of a capture that a child outlived (a server started in the background
        # while rows were shown): its lines go where any line goes now.
        with self._lock:
            if lines:
                self._put_lines(lines, "surrogateescape")
            self._output.write(rest, "surrogateescape")

    def step_aside(self, prompt: str = "") -> None:
        """Someone is about to ask the person something (``input``, ``getpass``, the REPL):
        erase what is left of the rows from the cursor on, show the cursor, put fd 1/2 back,
        and draw nothing until the answer is in; then write ``prompt``."""
        with self._lock:
            if self._block and self.caps.animate:
                self._step_aside()
                self._aside_until_called = True
                self._give_keys_back()  # (the person sees what they answer)
            self._output.write(prompt)

    def step_aside_for_a_password(self) -> None:
        """``getpass`` is about to write its prompt, echo off (its own, or still twirly's):
        the rows step aside, echo is left off, and the watch brings the rows back once
        nobody asks any more."""
        with self._lock:
            if self._block and self.caps.animate:
                self._step_aside()

    def come_back(self) -> None:
        """The question was answered: draw the rows again, afresh, on the current line
        (unless the terminal's modes say someone still asks, or the rows are paused)."""
        with self._lock:
            self._aside_until_called = False
            self._come_back_if_free()

    def _come_back_if_free(self) -> None:
        asks = self._watch is not None and self._watch.someone_asks()
        if self._aside and not self._pauses and not asks:
            self._come_back()

    def pause(self) -> None:
        """The program's own moment with the person: erase the rows, show the cursor, give
        fd 1/2 back, and draw nothing until as many :meth:`resume` calls as pauses. Lines
        written meanwhile go where the cursor is."""
        with self._lock:
            self._steady = None
            self._pauses += 1
            if self._pauses == 1 and self._block and self.caps.animate:
                self._step_aside(at_prompt=False)
                self._give_keys_back()  # (the person sees what they type meanwhile)

    def resume(self) -> None:
        """End one :meth:`pause`; after the last, draw the rows again on the cursor's line."""
        with self._lock:
            if self._pauses:
                self._pauses -= 1
                self._come_back_if_free()

    @property
    def paused(self) -> bool:
        """True between :meth:`pause` and its :meth:`resume`."""
        return bool(self._pauses)

    def _lend_keyboard(self) -> None:
        # A child of the program took the capture for its terminal (less, vim): it gets the
        # screen (the rows step aside) and the person's keys, in its modes, until it gives
        # the modes back.
        descriptors = self._descriptors
        if descriptors is None:
            return
        if descriptors.child_wants_keys():
            self._step_aside(for_a_child=True, screen_taken=True)
            descriptors.lend_keyboard()  # (again each frame: the child may change its modes)
        elif descriptors.lending:
            descriptors.take_keyboard_back()
            # (The modes it had when lent, echo off: while the rows are still aside, the
            # person's, for whoever asks next. Echo goes off again when the rows come back.)
            self._give_keys_back()

    def _step_aside(
        self, *, at_prompt: bool = True, for_a_child: bool = False, screen_taken: bool = False
    ) -> None:
        # ``at_prompt``: someone else's prompt is on the top row, so the rows are erased from
        # the cursor on; else (a pause) from the top row's start, as for Ctrl-Z.
        # ``for_a_child``: a child process of the program asks, or has the screen, through
        # the capture: fd 1/2 stay the capture's, and every byte passes through as it comes,
        # so that the children after it write there too, and in turn (were fd 1/2 the
        # terminal's meanwhile, the next child's prompt would overtake the last one's
        # output, and a prompt it writes later still would go straight to the screen, over
        # the rows). For the program's own prompt (input(), getpass, the REPL, a pause)
        # fd 1/2 are the terminal's own until the rows come back. ``screen_taken``: that
        # child has taken the capture for its terminal: what it wrote since the last frame
        # is its screen, passed on once the rows are gone, not put above them.
        if self._aside:
            return
        self._steady = None  # (frames are full ones until the rows are back)
        if not screen_taken:
            self._take_captured()
            if self._aside:
                return  # (what it took was a child's screen: aside for that child already)
        self._aside = True
        # (since boot, as /proc says when a process started; a tick of that early: its unit)
        self._aside_since = _since_boot() - 0.02
        child = self._remote()
        if at_prompt and (child is None or not child.step_aside()):
            self._local.step_aside()
        elif not at_prompt and (child is None or not child.hold(aside=False)):
            self._local.hold(aside=False)
        descriptors = self._descriptors
        if descriptors is not None:
            if not for_a_child:
                descriptors.pause()
            lines, rest = descriptors.take()  # (an unfinished line may be the prompt itself)
            self._put_lines(lines, "surrogateescape")
            self._output.write(rest, "surrogateescape")
            # A child started earlier still writes to the capture (a full-screen program that
            # just took the keyboard): its bytes go on as they come.
            descriptors.passthrough = True

    def _come_back(self) -> None:
        if self._descriptors is not None:
            self._output.write(self._descriptors.take_all(), "surrogateescape")
            self._descriptors.passthrough = False
            self._descriptors.redirect()
        self._aside = False
        child = self._remote()
        if child is None or not child.come_back(0.0, (0, 0)):
            self._local.come_back(self.now(), self.size())
        self._hush_keys()

    # -- life cycle -------------------------------------------------------------------------

    def _remote(self) -> ChildTarget | None:
        """The child drawing for us, if it is still there."""
        child = self._child
        if child is not None and not child.alive:
            self._drop_child()
            return None
        return child

    def _target(self) -> ChildTarget | LocalTarget:
        child = self._remote()
        return self._local if child is None else child

    def _drop_child(self) -> None:
        # The child died (or never started): draw here again, from scratch.
        self._steady = None
        if self._child is not None:
            self._child.close()
            self._child = None
            self._block.forget_screen()

    def _begin(self) -> None:
        from twirly.capture import Capture

        self._steady = None

        # Whether typed keys would land on the rows: decided first, so that a watcher
        # standing in for the signal handlers knows to turn echo back on (twirly.watcher).
        self._echo = Echo.of(self._fd) if _quiet_keys else None
        guarded = guards.activate(self)
        self._block.set_modes(guarded)
        if not guarded:
            self._echo = None  # (nothing could give the modes back on SIGTERM)
        _register(self)
        self._capture = Capture(self, self.stream)
        if self._fd is None:
            return
        # Not in a script run with `python -i` before its prompt: the REPL that follows may
        # start while the rows are still shown, and the 3.13 one keeps a duplicate of fd 1
        # for good (it would write into the capture, and fail once the capture is gone).
        before_repl = sys.flags.interactive and getattr(sys, "ps1", None) is None
        if _capture_others and not before_repl:
            from twirly.capture import Descriptors

            self._descriptors = Descriptors.start(self._fd, self._encoding, self._on_captured)
            if self._descriptors is not None:
                _captured[self._descriptors.device] = self.key[0]
                self._output.fd = self._descriptors.fd
        if _watch_prompts:
            from twirly.prompts import Watch

            real = self._fd if self._output.fd is None else self._output.fd
            self._watch = Watch(real, self._step_aside_at_prompt, self._echo)
        self._hush_keys()

    def _step_aside_at_prompt(self) -> None:
        # The REPL is about to draw its prompt (it turned sys.ps1 into text); the watch says
        # when a statement runs.
        with self._lock:
            if self._block and self.caps.animate:
                self._step_aside()
                self._give_keys_back()

    def _hush_keys(self) -> None:
        # Under the lock: rows are shown again and nobody reads the keyboard.
        if self._echo is not None and not (self._aside or self._held or self._pauses):
            self._echo.turn_off()
            self._steady = None  # (behind the terminal now, maybe: see Echo.behind)

    def _give_keys_back(self) -> None:
        # Under the lock: someone reads the keyboard now, or the program stops or ends.
        if self._echo is not None:
            # (Modes someone else set since keep ours counted as ours, given back once they
            # are in force again: see Echo.give_back.)
            self._echo.give_back()

    @property
    def echo_words(self) -> str:
        """The ``stty`` words that turn the keyboard's echo back on, when it is turned off
        while rows are shown ("" otherwise): for a watcher standing in for the signal
        handlers (see twirly.guards)."""
        return "" if self._echo is None else self._echo.stty_words

    def _end(self) -> None:
        self._steady = None
        self._flush_queued()
        self._lines_due = 0.0  # (the next rows' lines wait only once their clock runs)
        self._give_keys_back()
        self._echo = None
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.restore()
        self._output.write(self._release_descriptors(), "surrogateescape")
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()
        self._aside = self._aside_until_called = False
        self._child_asking, self._unfinished = False, (0, 0.0)
        if self._child is not None:
            self._child.close()
            self._child = None
        guards.deactivate(self)
        _unregister(self)

    def _delegate(self) -> bool:
        """Under the lock: let a child process draw from now on (the process driver).

        False when that cannot be: no descriptor, or rows of other spinners are drawn here
        (those keep drawing here, and so does this one).
        """
        if self._child is not None:
            return True
        self._steady = None  # (the child draws, if it can: not here)
        fd = self._output.fd
        if fd is None or len(self._block) != 1 or not sys.executable:
            return False
        from twirly.child import ChildLink

        try:
            caps = (self.caps.animate, self.caps.color, self.caps.unicode)
            link = ChildLink(fd, self._encoding, caps, self.rows, self._poke)
        except OSError:
            return False
        self._child = ChildTarget(self._block, link)
        return True

    def adopt(self, rows: Sequence[Row]) -> None:
        """Take over rows another process drew (the process driver's child): the first frame
        erases them and redraws them all."""
        with self._lock:
            if rows and not self._block:
                self._begin()
                if self._descriptors is not None:
                    self._descriptors.start_reading()
            now, size = self.now(), self.size()
            for row in rows:
                self._block.add(row, now, *size)
            self._block.forget_screen()

    @property
    def remote(self) -> bool:
        """True while a child process draws the rows."""
        return self._child is not None

    def restore(self) -> None:
        """Emergency: erase the rows, show the cursor, put the streams back. Idempotent."""
        locked = self._lock.acquire(timeout=_LOCK_PATIENCE)
        try:
            self._flush_queued()
            rest = self._release_descriptors()
            child, self._child = self._child, None
            if child is None or not child.clear():  # (the child erases, and exits)
                self._local.clear()
            self._block.clear()
            self._end()
            self._output.write(rest, "surrogateescape")
            self._stop_ticking()
        finally:
            if locked:
                self._lock.release()

    def hold(self, *, aside: bool = False) -> None:
        """Ctrl-Z: take the lock (kept until :meth:`release_hold`) and leave the terminal
        usable while the program is stopped. A child drawing for us does the same itself.
        ``aside`` (the process driver's child, for its parent; the guards, for a program whose
        parent shares its job): someone else's prompt may be on the top row, so the rows are
        erased from the cursor on, not from the row's start."""
        self._lock.acquire()
        self._steady = None
        self._flush_queued()
        self._held = True
        self.holds += 1
        self._give_keys_back()  # (the shell reads the keyboard while the program is stopped)
        child = self._remote()
        if child is not None:
            child.hold(aside=aside)
        elif self.caps.animate and not self._aside:
            self._local.hold(aside=aside)

    def release_hold(self) -> None:
        """The program continues (``fg``): draw the rows again and let go of the lock. Behind
        the terminal (``bg``), the shell is printing its prompt meanwhile: the rows are drawn
        by the next frame, which first asks whether the shell reads its line there."""
        try:
            self._held = False
            child = self._remote()
            if child is not None:
                child.release(0.0, (0, 0))
            elif self.caps.animate and not self._aside:
                fd = self._output.fd  # (the terminal's: fd 2 may be the capture's now)
                if fd is None or in_front(fd, unknown=True):
                    self._local.release(self.now(), self.size())
                else:
                    self._block.redraw_later()
            if self._block:
                self._hush_keys()  # (only if the program is in front again: `fg`, not `bg`)
        finally:
            self._lock.release()

    def forget_after_fork(self) -> None:
        """In a forked child: the parent owns the screen, so drop everything silently."""
        self._lock = _thread.RLock()
        self._block = Block(unicode=self.caps.unicode)
        self._local = LocalTarget(self._block, self._output)
        self._child = None
        self._ticker = None  # (its thread is the parent's: there is none here)
        self._wants = {}
        self._retired = []
        self._output.dead = True
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.restore()
        descriptors, self._descriptors = self._descriptors, None
        if descriptors is not None:
            descriptors.forget()  # (fd 1/2 stay on the capture: the parent shows our lines)
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()
        self._aside = self._aside_until_called = False
        self._echo = None  # (the parent gives the modes back)
        self._steady = None


_terminals: dict[tuple[object, ...], Terminal] = {}
#: The device of a terminal's capture of fd 1/2 -> the real terminal's: a spinner started on
#: sys.stderr meanwhile belongs to the terminal that has the rows.
_captured: dict[object, object] = {}
_registry_lock = _thread.RLock()
#: Virtual terminals (:mod:`twirly.testing`), newest last: each is asked first, with the
#: stream and ``animate``, for the terminal it stands for (None: not its stream).
_virtual: list[StandIn] = []


def quiet_from_env() -> bool:
    """True when ``TWIRLY_QUIET`` asks every spinner and group to write nothing."""
    from twirly.state import _truthy

    return bool(_truthy(os.environ.get("TWIRLY_QUIET")))


def terminal_for(
    stream: TextIO | None, *, animate: bool | None = None, quiet: bool = False
) -> Terminal:
    """The terminal that owns ``stream`` (``sys.stderr`` by default), made on first use.

    Streams that write to the same device share one terminal, so two spinners on stdout and
    stderr of one terminal take separate rows instead of fighting over one. ``quiet``: a
    terminal of the caller's own that writes nothing anywhere.
    """
    if quiet:
        return Terminal(NOWHERE, Capabilities(animate=False, color=False, unicode=True))
    from twirly.capture import LineProxy

    if stream is None:
        stream = sys.stderr if sys.stderr is not None else NOWHERE
    if isinstance(stream, LineProxy):
        stream = stream.original
    for virtual in _virtual[::-1]:
        found = virtual._terminal_for(stream, animate)
        if found is not None:
            return found
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
        device = device_of(fd) or device
        device = _captured.get(device, device)
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


def shows_unicode(stream: TextIO | None) -> tuple[bool, str]:
    """Whether the terminal that ``stream`` would get shows Unicode, and the encoding its
    bytes are written in, without making that terminal (a spinner chooses its style when it
    is made, before it has one).

    A virtual terminal standing behind the stream answers with what it declares, so that a
    test's screen never depends on the ``TERM`` or the locale of the process running it;
    a real stream is judged as :func:`terminal_for` would judge it.
    """
    from twirly.capture import LineProxy

    if stream is None:
        stream = sys.stderr if sys.stderr is not None else NOWHERE
    if isinstance(stream, LineProxy):
        stream = stream.original
    for virtual in _virtual[::-1]:
        standing = virtual._standing_for(stream)
        if standing is not None:
            return standing.caps.unicode, standing.encoding
    encoding = getattr(stream, "encoding", None)
    caps = Capabilities.detect(isatty=True, encoding=encoding)  # (unicode needs no tty)
    return caps.unicode, encoding or "utf-8"


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
    _registry_lock = _thread.RLock()
    for terminal in _terminals.values():
        terminal.forget_after_fork()
    _terminals.clear()
    _captured.clear()


os.register_at_fork(after_in_child=_forget_all_after_fork)
