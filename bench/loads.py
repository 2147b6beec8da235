"""What the measured program's main thread does while a spinner turns.

Shared by the harness (which calibrates) and the child (which runs them): a pure-Python CPU
loop cut into ~1 ms chunks, and one long C call that holds the GIL throughout.
"""

from __future__ import annotations

import re
import threading
import time

# `a*a*a*b` searched in a string of "a"s backtracks through every way of splitting each
# suffix in three before failing: cubic work, all inside one call of the `re` engine, which
# never releases the GIL (sre checks for signals but does not drop the lock).
_CUBIC = re.compile(r"a*a*a*b")
_CHUNK_ITERATIONS = 2_000


def python_chunk() -> int:
    """About a millisecond of pure-Python arithmetic (no C call long enough to matter)."""
    total = 0
    for i in range(_CHUNK_ITERATIONS):
        total += i * i % 7
    return total


def gil_call(size: int) -> None:
    """One C call, holding the GIL from start to end (the time grows as ``size`` cubed)."""
    _CUBIC.search("a" * size)


def calibrate_gil_call(seconds: float) -> int:
    """The ``size`` for which :func:`gil_call` lasts about ``seconds`` on this machine, idle.

    Extrapolated from a short call, then corrected by timing the call itself (the cubic law
    is only roughly right once the string outgrows the caches). Each timing is the fastest
    of two, so that other programs' load does not shrink the call: under load it only lasts
    longer than asked.
    """
    size, took = 60, 0.0
    while took < 0.05:
        size = int(size * 1.5)
        took = _time_gil_call(size)
    for _ in range(2):
        size = max(int(size * (seconds / took) ** (1 / 3)), 10)
        if seconds < 0.1:
            break
        took = min(_time_gil_call(size), _time_gil_call(size))
        if abs(took - seconds) <= 0.1 * seconds:
            break
    return size


def _time_gil_call(size: int) -> float:
    start = time.perf_counter()
    gil_call(size)
    return time.perf_counter() - start


def gil_share_of_other_thread(size: int) -> float:
    """How much a pure-Python thread gets done during :func:`gil_call`, relative to idle.

    Near 0 means the call really holds the GIL (the thread only runs for the few
    milliseconds before the call asks for the lock back).
    """
    counter = [0]
    stopping = threading.Event()

    def count() -> None:
        while not stopping.is_set():
            counter[0] += 1

    thread = threading.Thread(target=count, daemon=True)
    thread.start()
    time.sleep(0.05)
    before = counter[0]
    start = time.perf_counter()
    gil_call(size)
    took = time.perf_counter() - start
    during = counter[0] - before
    time.sleep(took)  # the same span with the main thread idle
    idle = counter[0] - before - during
    stopping.set()
    thread.join()
    return during / idle if idle else 0.0


def chunk_seconds() -> float:
    """How long one :func:`python_chunk` takes here (median of a few)."""
    runs = []
    for _ in range(21):
        start = time.perf_counter()
        python_chunk()
        runs.append(time.perf_counter() - start)
    return sorted(runs)[len(runs) // 2]
