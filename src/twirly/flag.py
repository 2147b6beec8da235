"""A stop flag a thread can sleep on: the clocks' and the watchdog's way to be woken."""

from __future__ import annotations

import _thread

__all__ = ["StopFlag"]

#: The longest a lock's wait may be told to last (longer: as long as that).
_LONGEST = _thread.TIMEOUT_MAX


class StopFlag:
    """Set once, by any thread; :meth:`wait` sleeps until it is set or a timeout passes.

    A held lock that :meth:`set` releases: a wait is one call to the lock, where an
    ``Event``'s makes a lock and a condition each time (twice the CPU per wake-up of a clock
    that wakes a dozen times a second).
    """

    __slots__ = ("_lock", "_set")

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()
        self._lock.acquire()
        self._set = False

    def set(self) -> None:
        if not self._set:
            self._set = True
            try:
                self._lock.release()
            except RuntimeError:  # (set by two threads at once: released already)
                pass

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds (0 or more); True once set."""
        if self._set:
            return True
        if self._lock.acquire(True, min(timeout, _LONGEST)):
            self._lock.release()  # (any later wait returns at once)
            return True
        return self._set
