"""Many rows on one terminal: N thread spinners, started at random times, then measured.

Both sides live here. The child starts the spinners through the public API only (so the
same measurement runs on any version of the core), counts its writes to the terminal and
marks the window with its own counters; the harness counts the threads from outside and
turns two marks into figures.

Definitions (the README repeats them):

- a *wake-up* is a voluntary context switch of any of the process's threads (a thread
  blocked, in a wait or a sleep, and was woken again); ``getrusage(RUSAGE_SELF)`` sums them
  over every thread, those that have ended included. Involuntary switches (a thread
  preempted, which depends on the rest of the machine) are counted apart;
- CPU is the process's user + system time (``getrusage``), per second of the window;
- a *frame* is one ``os.write`` to a descriptor on the terminal's device (the child wraps
  ``os.write`` before it imports the library): a library that writes a frame in several
  calls shows more frames of fewer bytes. Bytes are those that reach the pty master in the
  window (what a terminal receives: the pty turns each ``\n`` into ``\r\n``). The child
  counts what it wrote too, so a write that bypasses the wrapper shows as a mismatch;
- *threads* is the largest number of entries in ``/proc/PID/task`` seen by the harness.
"""

from __future__ import annotations

import os
import random
import resource
import stat
import time
from collections.abc import Callable, Sequence
from typing import Any


def start_offsets(count: int, spread: float, seed: int) -> list[float]:
    """When each spinner starts, in seconds after the first could: sorted, within ``spread``."""
    rng = random.Random(seed)
    return sorted(rng.uniform(0.0, spread) for _ in range(count))


def _device(fd: int) -> int | None:
    """The character device behind ``fd`` (None for pipes, files, closed descriptors)."""
    try:
        found = os.fstat(fd)
    except OSError:
        return None
    return found.st_rdev if stat.S_ISCHR(found.st_mode) else None


class TerminalWrites:
    """Counts ``os.write`` calls (and bytes) that land on one terminal, whatever the descriptor.

    The library may write through a duplicate of the descriptor it was given, so each write
    is matched by device, not by number (one ``fstat`` per write: a microsecond).
    """

    def __init__(self, fd: int) -> None:
        self.device = _device(fd)
        self.calls = 0
        self.bytes = 0
        self.newlines = 0  # each reaches the master as two bytes (the pty's ONLCR)
        self._write: Callable[[int, Any], int] | None = None

    def install(self) -> None:
        """Wrap ``os.write`` for the rest of the process (until :meth:`uninstall`)."""
        original = os.write
        self._write = original

        def counted(fd: int, data: Any) -> int:
            written = original(fd, data)
            if self.device is not None and _device(fd) == self.device:
                self.calls += 1
                self.bytes += written
                self.newlines += memoryview(data)[:written].tobytes().count(b"\n")
            return written

        os.write = counted

    def uninstall(self) -> None:
        if self._write is not None:
            os.write = self._write
            self._write = None


def snapshot(writes: TerminalWrites) -> dict[str, float]:
    """The counters a window is measured between (taken by the child at each mark)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "t": time.monotonic(),
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "voluntary": usage.ru_nvcsw,
        "involuntary": usage.ru_nivcsw,
        "writes": writes.calls,
        "write_bytes": writes.bytes,
        "newlines": writes.newlines,
    }


class ThreadWatch:
    """The harness's view of the child's threads: the largest count seen, sampled from outside.

    Called on every turn of the harness's read loop; reads ``/proc`` at most every ``every``
    seconds (listing ten thousand tasks costs milliseconds).
    """

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.most = 0
        self.samples = 0
        self._next = 0.0

    def __call__(self, pid: int) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self.every
        try:
            count = len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            return
        self.samples += 1
        self.most = max(self.most, count)


def started_count(reports: Sequence[dict[str, Any]]) -> int:
    """How many spinners the child had started, from its last report that says so."""
    counts = [r["started"] for r in reports if "started" in r]
    return counts[-1] if counts else 0


def start_seconds(reports: Sequence[dict[str, Any]]) -> float | None:
    """How long starting took (None: the child never finished starting)."""
    return next((r["seconds"] for r in reports if r.get("kind") == "started"), None)


def window_figures(
    start: dict[str, float], end: dict[str, float], master_bytes: int
) -> dict[str, float]:
    """Rates over the window between two marks; ``master_bytes`` reached the pty in it."""
    span = end["t"] - start["t"]
    if span <= 0:
        raise ValueError(f"the window is empty ({span} s)")
    writes = end["writes"] - start["writes"]
    written = end["write_bytes"] - start["write_bytes"]
    expected = written + end["newlines"] - start["newlines"]
    nan = float("nan")
    return {
        "seconds": span,
        "wakeups_per_s": (end["voluntary"] - start["voluntary"]) / span,
        "preempted_per_s": (end["involuntary"] - start["involuntary"]) / span,
        "cpu_s_per_s": (end["cpu_s"] - start["cpu_s"]) / span,
        "frames_per_s": writes / span,
        "bytes_per_frame": master_bytes / writes if writes else nan,
        "bytes_per_s": master_bytes / span,
        # Near 1 when every byte on the terminal came through a counted write; below 1 when
        # the library wrote to it otherwise (then frames are undercounted).
        "counted_share": expected / master_bytes if master_bytes else nan,
    }
