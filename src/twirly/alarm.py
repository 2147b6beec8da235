"""The watchdog's alarm: a kernel timer the event loop pushes forward at each tick.

A watchdog that looks at the loop's clock now and then wakes while the loop is healthy, and
each wake-up costs the loop a switch of the GIL. With an alarm it sleeps on a Linux
``timerfd`` instead: the asyncio clock sets the timer, at each tick, to the moment its next
tick will be late (:meth:`Alarm.ticked`, one system call on the loop's thread); while the
loop keeps time the timer never expires and the watchdog never wakes. When the loop misses
a tick, the timer goes off at once and the watchdog draws.

The clock also notes, at each tick, the loop thread's CPU time and the latest gap between
two ticks: when the watchdog itself could not run during a block (a C call held the GIL, or
the whole process was stopped), it learns afterwards how long the block was and whether the
loop's thread was busy meanwhile.

The C library's functions are called through :mod:`ctypes` (loaded as the first watchdog
starts, in the loop's thread, after the first frame), holding the GIL: ``os.timerfd_settime``
(Python 3.13) lets go of it, and at each tick a busy thread could then keep the loop waiting
for it; that one is used only where ctypes is missing. Elsewhere, or if the timer cannot be
made, :func:`create` answers None and the watchdog looks now and then.
"""

from __future__ import annotations

import _thread
import os
import select
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Alarm", "create", "interval_of"]

_CLOCK_MONOTONIC = 1  # (Linux: the clock time.monotonic() reads)
_TFD_TIMER_ABSTIME = 1
_TFD_NONBLOCK = os.O_NONBLOCK  # (Linux's timerfd flags are the open() flags of the machine)
_TFD_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

#: Alarms of this process, forgotten in a forked child (its loop does not run, and a timer
#: shared with the parent must not be set from there).
_alarms: list[Alarm] = []


def interval_of(last: float, due: float) -> float:
    """The frame interval of a clock that last ticked at ``last`` and is due at ``due``
    (0: not yet ticked), kept between 10 ms and 1 s."""
    return min(max(due - last, 0.01), 1.0) if last else 0.1


class Alarm:
    """A timer the watchdog sleeps on (:meth:`wait`) and the clock pushes (:meth:`ticked`).

    ``share``: how late a tick may be, as a share of its interval, before the alarm goes off.
    The fields the clock writes at each tick are plain stores, read by the watchdog without
    a lock (a float read is whole): ``at`` (when the alarm goes off), ``cpu`` and ``since``
    (the loop thread's CPU time at its last tick, and when that was), and the latest tick
    since :meth:`forget_worst`: ``worst`` (seconds late), ``worst_gap`` (the tick before it,
    and when it was due) and ``worst_busy`` (the loop thread's share of CPU over that gap).
    """

    __slots__ = (
        "_fd",
        "_lock",
        "_set_at",
        "at",
        "cpu",
        "share",
        "since",
        "worst",
        "worst_busy",
        "worst_gap",
    )

    def __init__(self, fd: int, set_at: Callable[[int, float], None], share: float) -> None:
        self._fd = fd
        # (held from the check of the descriptor to the call, and to close it: a number let
        # go of and reused by another file, another alarm's, must not be set here)
        self._lock = _thread.allocate_lock()
        self._set_at = set_at
        self.share = share
        self.at = 0.0
        self.cpu = 0.0
        self.since = 0.0
        self.worst = 0.0
        self.worst_gap = (0.0, 0.0)
        self.worst_busy = 0.0

    def set(self, at: float) -> bool:
        """Go off at ``at`` (``time.monotonic()`` seconds; at once if that is past). False if
        the timer is gone. (:meth:`ticked` does the same, written out.)"""
        with self._lock:
            fd = self._fd
            if fd < 0:
                return False
            self.at = at
            try:
                self._set_at(fd, max(at, 1e-6))  # (0 would disarm it)
            except (OSError, ValueError, OverflowError, TypeError):
                return False
            return True

    def ticked(self, at: float, late: float, due: float) -> None:
        """From the loop's thread, at each tick of its clock: it ticked at ``at``, ``late``
        seconds after it was due, and is due next at ``due``."""
        cpu = time.thread_time()
        if late > self.worst:
            self.worst = late
            self.worst_gap = (self.since, at - late)
            self.worst_busy = (cpu - self.cpu) / max(at - self.since, 1e-9)
        self.cpu, self.since = cpu, at
        # (set() and interval_of() written out: each call is a function's memory touched at
        # every tick, which is what a frame's CPU time follows: see twirly.steady)
        goes_off = due + (min(max(due - at, 0.01), 1.0) if at else 0.1) * self.share
        with self._lock:
            fd = self._fd
            if fd >= 0:
                self.at = goes_off
                try:
                    self._set_at(fd, max(goes_off, 1e-6))
                except (OSError, ValueError, OverflowError, TypeError):
                    pass

    def forget_worst(self) -> None:
        """From the watchdog: count the latest tick from now on."""
        self.worst = 0.0

    def wait(self, timeout: float) -> bool:
        """Sleep until the alarm goes off (True) or ``timeout`` seconds pass (False). The
        alarm stays gone off until :meth:`drain` (which lets go of the GIL: the watchdog
        looks at the loop thread first)."""
        fd = self._fd
        if fd < 0:
            return False
        try:
            return bool(select.select([fd], [], [], timeout)[0])
        except (OSError, ValueError):
            return False

    def drain(self) -> None:
        """Read the count of expirations, so that the next :meth:`wait` sleeps."""
        fd = self._fd
        if fd < 0:
            return
        try:
            os.read(fd, 8)
        except (OSError, ValueError):
            pass  # (nothing to read: pushed again by the clock meanwhile, or never gone off)

    def close(self) -> None:
        """Let the timer go (idempotent)."""
        with self._lock:
            fd, self._fd = self._fd, -1
            if fd >= 0:
                os.close(fd)
        try:
            _alarms.remove(self)
        except ValueError:
            pass


def create(share: float) -> Alarm | None:
    """An alarm, disarmed, that goes off when a tick is ``share`` of an interval late (None
    where there is no timerfd)."""
    made = _made_by_libc() or _made_by_os()
    if made is None:
        return None
    alarm = Alarm(*made, share)
    _alarms.append(alarm)
    return alarm


def _made_by_os() -> tuple[int, Callable[[int, float], None]] | None:
    timerfd_create = getattr(os, "timerfd_create", None)  # (Python 3.13 and later)
    if timerfd_create is None:
        return None
    settime: Callable[..., object] = os.timerfd_settime  # type: ignore[attr-defined]
    flags = os.TFD_TIMER_ABSTIME  # type: ignore[attr-defined]

    def set_at(fd: int, at: float) -> None:
        settime(fd, flags=flags, initial=at)

    try:
        fd: int = timerfd_create(time.CLOCK_MONOTONIC, flags=_TFD_NONBLOCK | _TFD_CLOEXEC)
    except OSError:
        return None
    return fd, set_at


def _made_by_libc() -> tuple[int, Callable[[int, float], None]] | None:
    functions = _libc_functions()
    if functions is None:
        return None
    create_fd, make_setter = functions
    fd = create_fd(_CLOCK_MONOTONIC, _TFD_NONBLOCK | _TFD_CLOEXEC)
    return (fd, make_setter()) if fd >= 0 else None


#: The C library's timerfd functions, once found (False: not there).
_libc: tuple[Callable[[int, int], int], Callable[[], Callable[[int, float], None]]] | bool | None
_libc = None


def _libc_functions() -> (
    tuple[Callable[[int, int], int], Callable[[], Callable[[int, float], None]]] | None
):
    """``timerfd_create``, and a maker of setters of absolute times (one per alarm), found
    once per process."""
    global _libc
    if _libc is None:
        _libc = _find_libc() or False
    return _libc if isinstance(_libc, tuple) else None


def _find_libc() -> (
    tuple[Callable[[int, int], int], Callable[[], Callable[[int, float], None]]] | None
):
    if os.uname().sysname != "Linux":
        return None
    try:
        import ctypes
        import struct
    except ImportError:
        return None
    try:
        # (PyDLL: the calls keep the GIL. Setting the timer takes a microsecond; letting go
        # of the GIL at each tick would let a busy thread keep the loop waiting for it. No
        # use_errno, and no argument types for the setter: each is more of ctypes' code at
        # each tick, the memory a frame touches, and a failure needs no errno to be handled.)
        libc = ctypes.PyDLL(None)
        timerfd_create = libc.timerfd_create
        timerfd_settime = libc.timerfd_settime
    except (OSError, AttributeError):
        return None
    timerfd_create.argtypes = (ctypes.c_int, ctypes.c_int)
    # (the new time by its address: a struct itimerspec, four C longs, packed into a buffer
    # made once, rather than two ctypes structures made at each tick; the two numbers go as
    # C ints, the address as the pointer made here, None as NULL)
    itimerspec = struct.Struct("@4l")

    def make_setter() -> Callable[[int, float], None]:
        # One buffer for each alarm, whose lock keeps its calls one at a time (the loop's
        # thread and the watchdog's both set it).
        spec = bytearray(itimerspec.size)  # (never resized: its address holds)
        address = ctypes.c_void_p(ctypes.addressof(ctypes.c_char.from_buffer(spec)))
        pack = itimerspec.pack_into

        def set_at(fd: int, at: float) -> None:
            seconds = int(at)
            pack(spec, 0, 0, 0, seconds, int((at - seconds) * 1e9))
            if timerfd_settime(fd, _TFD_TIMER_ABSTIME, address, None) < 0:
                raise OSError("timerfd_settime failed")

        return set_at

    create_fd: Callable[[int, int], int] = timerfd_create
    return create_fd, make_setter


def _forget_after_fork() -> None:
    for alarm in list(_alarms):
        alarm._lock = _thread.allocate_lock()  # (another thread may have held it at fork())
        alarm.close()


os.register_at_fork(after_in_child=_forget_after_fork)
