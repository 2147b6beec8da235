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

    def poke(self) -> None:
        """Wake the thread in :meth:`wait` (or the next one to wait) once, without setting
        the flag: that wait returns False."""
        if not self._set:
            try:
                self._lock.release()
            except RuntimeError:  # (poked or set already: a wait returns at once)
                pass

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds (0 or more); True once set, False when the time has
        passed or someone poked."""
        if self._set:
            return True
        if self._lock.acquire(True, min(timeout, _LONGEST)):
            if self._set:
                self._lock.release()  # (any later wait returns at once)
                return True
            return False  # (poked: held again, so the next wait waits)
        return self._set
