"""The thread clock: a daemon thread sleeping on a stop flag until the next frame's deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from twirly.flag import StopFlag

__all__ = ["ThreadClock"]


class ThreadClock:
    """Calls ``tick`` from a daemon thread until it returns None; ``stop()`` wakes it at once.

    Daemon, so a forgotten spinner never keeps the process alive. The wait is on a deadline
    (the terminal says when the next frame is due), so drawing time never stretches the rhythm.
    """

    __slots__ = ("_stopping", "_thread", "_tick", "last_tick", "thread_id")

    def __init__(self, tick: Callable[[], float | None]) -> None:
        self._tick = tick
        self._stopping = StopFlag()
        self._thread: threading.Thread | None = None
        self.last_tick = 0.0
        self.thread_id: int | None = None

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        thread = self._thread
        return thread is not None and thread.is_alive() and not self._stopping.is_set()

    def start(self) -> None:
        """Start the thread."""
        thread = threading.Thread(target=self._run, name="twirly-spinner", daemon=True)
        try:
            thread.start()
        except RuntimeError:
            # The interpreter is shutting down (from 3.12 no thread starts once the main
            # thread has returned): the rows stay as first drawn, and nothing else fails.
            return
        self._thread = thread

    def _run(self) -> None:
        from twirly.guards import leave_signals_to_the_main_thread

        leave_signals_to_the_main_thread()
        self.thread_id = threading.get_ident()
        tick, wait, now = self._tick, self._stopping.wait, time.monotonic
        self.last_tick = now()
        delay = tick()
        while delay is not None and not wait(max(delay, 0.0)):
            self.last_tick = now()
            delay = tick()

    def poke(self) -> None:
        """Tick now, early (from any thread): the process driver's drawing child says that
        something ran in this process while its clock slept."""
        self._stopping.poke()

    def stop(self, *, join: bool = True) -> None:
        """Wake the thread and let it end (it holds no lock while waiting, so this is quick)."""
        self._stopping.set()
        thread = self._thread
        if join and thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)
