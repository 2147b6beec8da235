"""The thread clock: a daemon thread waiting on an ``Event`` until the next frame's deadline."""

from __future__ import annotations

import threading

from twirly.terminal import Terminal

__all__ = ["ThreadClock"]


class ThreadClock:
    """Ticks ``terminal`` from a daemon thread; ``stop()`` wakes it at once.

    Daemon, so a forgotten spinner never keeps the process alive. The wait is on a deadline
    (the terminal says when the next frame is due), so drawing time never stretches the rhythm.
    """

    __slots__ = ("_stopping", "_terminal", "_thread")

    def __init__(self, terminal: Terminal) -> None:
        self._terminal = terminal
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread."""
        self._thread = threading.Thread(target=self._run, name="twirly-spinner", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from twirly.guards import leave_signals_to_the_main_thread

        leave_signals_to_the_main_thread()
        tick, wait = self._terminal.tick, self._stopping.wait
        delay = tick()
        while delay is not None and not wait(max(delay, 0.0)):
            delay = tick()

    def stop(self) -> None:
        """Wake the thread and let it end (it holds no lock while waiting, so this is quick)."""
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)
        self._thread = None
