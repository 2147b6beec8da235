"""The asyncio clock: frames called back on the running loop, as the book's ``spin()``
coroutine draws them from a Task.

It shares the thread with the program's coroutines, so a coroutine that blocks without
awaiting freezes it: that is the book's lesson, and what ``twirly demo`` shows.

Each frame is one timer on the loop (``call_at``), which calls the next frame's. The book's
``await asyncio.sleep()`` costs a frame more: a future, a timer that resolves it, and a
second turn of the loop to wake the Task, with a wait for events on each. The clock still
has a Task, named ``twirly-spinner``, which only waits: it is what the loop knows of the
clock (``asyncio.all_tasks()``, the cancellation ``asyncio.run`` sends to tasks left running
as it ends, ``aclose()`` awaiting its end).
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from twirly.alarm import Alarm
    from twirly.watchdog import Watchdog

__all__ = ["AsyncioClock"]


class AsyncioClock:
    """Calls ``tick`` from a Task until it returns None; ``stop()`` cancels it, ``aclose()``
    also awaits it."""

    __slots__ = (
        "_context",
        "_ended",
        "_loop",
        "_next",
        "_on_orphaned",
        "_stopping",
        "_task",
        "_tick",
        "alarm",
        "due",
        "heartbeat",
        "last_tick",
        "longest",
        "thread_id",
        "ticks",
        "watchdog",
    )

    def __init__(self, tick: Callable[[], float | None], on_orphaned: Callable[[], None]) -> None:
        self._tick = tick
        self._on_orphaned = on_orphaned
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ended: asyncio.Future[None] | None = None  # (what the Task waits for)
        self._next: asyncio.TimerHandle | None = None  # (the next frame's timer)
        self._context = contextvars.copy_context()  # (the frames', made once)
        self._stopping = False
        self.last_tick = 0.0
        self.thread_id: int | None = None
        # For whoever watches over the loop: when the next tick is due, and how many there
        # were (plain stores on the loop, one per frame).
        self.due = 0.0
        self.ticks = 0
        self.longest = 0.0  # the longest wait between two ticks, until a watchdog resets it
        self.watchdog: Watchdog | None = None
        self.alarm: Alarm | None = None  # (the watchdog's, pushed forward at each tick)
        self.heartbeat = False  # (a clock that only ticks, for a watchdog off a terminal)

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop the Task runs on."""
        return self._loop

    @property
    def alive(self) -> bool:
        """True until the Task has ended or been told to."""
        task = self._task
        return task is not None and not task.done() and not self._stopping

    def start(self, first: float = 0.0) -> None:
        """Start on the running loop (``RuntimeError`` if there is none); the first tick is
        due in ``first`` seconds (the first frame is on screen already, and the loop may not
        call it before the coroutine that started it blocks)."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        self.thread_id = threading.get_ident()
        self.last_tick = time.monotonic()
        self.due = self.last_tick + first
        self._ended = loop.create_future()
        self._task = loop.create_task(self._wait(self._ended), name="twirly-spinner")
        self._next = loop.call_later(max(first, 0.0), self._frame, context=self._context)
        if self.watchdog is not None:
            self.watchdog.start()

    async def _wait(self, ended: asyncio.Future[None]) -> None:
        # The clock's Task: it waits while the frames call each other, and ends with them.
        try:
            await ended
        except asyncio.CancelledError:
            self._cancel_next()
            if not self._stopping:
                # Cancelled by someone else (asyncio.run's shutdown of a forgotten spinner):
                # take the spinner down so no stale frame or hidden cursor is left.
                self._on_orphaned()
            raise

    def _frame(self) -> None:
        """On the loop: one tick, and the timer of the next."""
        if self._stopping:
            return
        tick_at = time.monotonic()
        late = tick_at - self.due
        self.longest = max(self.longest, late)
        self.last_tick = tick_at
        self.ticks += 1
        try:
            delay = self._tick()
        except Exception as exc:  # (the Task ends with it, as a Task's own error would)
            self._end(exc)
            return
        if delay is None or self._stopping:  # (stopped by the tick itself: the Task ends)
            self._end(None)
            return
        delay = max(delay, 0.0)
        self.due = tick_at + delay
        loop = self._loop
        assert loop is not None
        self._next = loop.call_at(loop.time() + delay, self._frame, context=self._context)
        alarm = self.alarm
        if alarm is not None:
            alarm.ticked(tick_at, late, self.due)

    def _end(self, error: Exception | None) -> None:
        # On the loop: no frame follows; the Task ends (with ``error``, if one was raised).
        self._next = None
        ended = self._ended
        if ended is not None and not ended.done():
            if error is None:
                ended.set_result(None)
            else:
                ended.set_exception(error)

    def _cancel_next(self) -> None:
        # On the loop: the frame due next is not called.
        handle, self._next = self._next, None
        if handle is not None:
            handle.cancel()

    def stop(self, *, join: bool = True) -> None:
        """Cancel the Task; it ends on the loop's next turn (``aclose()`` waits for that; a
        thread cannot). Idempotent."""
        if self._stopping:
            return
        self._stopping = True
        if self.watchdog is not None:
            self.watchdog.stop(join=join)
        task, loop = self._task, self._loop
        if task is None or loop is None or task.done():
            return
        in_loop = _in_loop_thread(loop)
        if in_loop and task is asyncio.current_task():
            return  # the orphaned path: the task is already ending
        if in_loop:
            self._cancel_from_loop()
        elif not loop.is_closed():
            # (the frames on their way meanwhile see the flag and do nothing)
            try:
                loop.call_soon_threadsafe(self._cancel_from_loop)
            except RuntimeError:  # (closed since)
                pass

    def _cancel_from_loop(self) -> None:
        # On the loop: no frame after this one, and the Task told to end.
        self._cancel_next()
        task = self._task
        if task is not None:
            task.cancel()

    async def aclose(self) -> None:
        """Cancel the Task and wait for it to end, so that nothing is left pending.

        A cancellation of the caller that arrives during this wait (one turn of the loop) is
        held until the Task has ended, then raised unchanged: ``cancelling()`` counts are never
        touched, so ``asyncio.timeout`` and ``TaskGroup`` see exactly what they sent.
        """
        self.stop()
        if self.watchdog is not None:
            self.watchdog.stop(join=True)  # (outside the terminal's lock: it may want it)
        task = self._task
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            return
        cancelled: asyncio.CancelledError | None = None
        while not task.done():
            try:
                await asyncio.wait({task})
            except asyncio.CancelledError as exc:
                cancelled = exc
        if cancelled is not None:
            raise cancelled


def _in_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
