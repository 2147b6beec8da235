"""``twirly.held``: a frame's reads of ``/proc`` keep the GIL, so that a clock thread's frame
does not wait for a busy main thread after each of its system calls."""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from twirly import held

linux_only = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="no /proc")


def _reader() -> Callable[[str, int], bytes | None]:
    held.load()
    read = held.reader()
    if read is None:
        pytest.skip("no ctypes here")
    return read


@linux_only
def test_a_file_is_read_whole_and_a_missing_one_is_none() -> None:
    read = _reader()
    assert read("/proc/self/cmdline", 65536) == Path("/proc/self/cmdline").read_bytes()
    assert read("/proc/self/cmdline", 4) == Path("/proc/self/cmdline").read_bytes()[:4]
    assert read("/proc/self/no such file", 64) is None


@linux_only
def test_a_read_never_lets_another_thread_run() -> None:
    # A thread counts while it holds the GIL. With a switch interval of a second it gets
    # the GIL from this thread within the reads only if a read lets go of it.
    read = _reader()
    counted, stop = [0], [False]

    def count() -> None:
        while not stop[0]:
            counted[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    interval = sys.getswitchinterval()
    gc.collect()
    gc.disable()  # (no finalizer of another test's garbage, closing a file, in between)
    try:
        time.sleep(0.01)  # (the counter runs, then waits for the GIL from here on)
        sys.setswitchinterval(1.0)
        moved = 0
        for _ in range(200):
            before = counted[0]
            read("/proc/self/stat", 1024)
            if counted[0] != before:  # (it let go of the GIL: no need to wait for more)
                moved += 1
                break
    finally:
        sys.setswitchinterval(interval)
        gc.enable()
        stop[0] = True
        counter.join()
    assert moved == 0
