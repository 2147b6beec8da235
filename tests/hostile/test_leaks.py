"""Start and stop, thousands of times: no thread, task, descriptor, process or memory growth.

The spinners draw on a real pseudo-terminal (a reader thread drains it), so every cycle goes
through the whole life: cursor hidden, clock started, row drawn, clock stopped, row erased.
The default run uses fewer cycles; the soak (``-m slow``) does 10,000 per driver (2,000 for
the process driver, whose every cycle starts an interpreter).
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import NamedTuple, TextIO

import pytest

import twirly
from tests.hostile.programs import children_of, open_fds
from twirly import spinner

#: Bytes of growth allowed in what twirly's code holds, whatever the number of cycles:
#: a leak of even a few bytes a cycle shows over 2,000 cycles.
MEMORY_SLACK = 16 * 1024


class Counts(NamedTuple):
    threads: int
    os_threads: int
    fds: int
    children: int
    memory: int


#: The package's own files, wherever it is installed: a glob such as ``*/twirly/*`` would also
#: match this test file in a checkout named ``twirly`` and count the test's own allocations.
_PACKAGE_FILES = os.path.join(os.path.dirname(twirly.__file__), "*")


def _twirly_memory() -> int:
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(True, _PACKAGE_FILES, all_frames=True)]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


def _counts() -> Counts:
    gc.collect()
    return Counts(
        threading.active_count(),
        len(os.listdir("/proc/self/task")),
        open_fds(),
        len(children_of(os.getpid())),
        _twirly_memory(),
    )


def _settled(before: Counts) -> Counts:
    """Counts once the process driver's last children have exited (they do so on their own)."""
    deadline = time.monotonic() + 10
    while True:
        now = _counts()
        if now.children <= before.children or time.monotonic() > deadline:
            return now
        time.sleep(0.05)


@pytest.fixture
def tty() -> Iterator[TextIO]:
    """A text stream on a real pseudo-terminal, drained by a thread as a terminal would."""
    master, slave = os.openpty()
    stream = open(slave, "w", encoding="utf-8")  # noqa: SIM115 - closed below

    def drain() -> None:
        while True:
            try:
                if not os.read(master, 65536):
                    return
            except OSError:
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield stream
    finally:
        stream.close()
        os.close(master)
        reader.join(timeout=5)


def _sync_cycles(driver: str, stream: TextIO) -> Callable[[int], None]:
    def run(cycles: int) -> None:
        for i in range(cycles):
            sp = spinner(f"cycle {i}", driver=driver, stream=stream)  # type: ignore[arg-type]
            sp.start()
            if i % 3 == 0:
                sp.write("a line")
            sp.ok() if i % 2 else sp.stop()

    return run


def _async_cycles(stream: TextIO) -> Callable[[int], None]:
    async def cycles_on_one_loop(cycles: int) -> None:
        for i in range(cycles):
            async with spinner(f"cycle {i}", stream=stream) as sp:
                if i % 3 == 0:
                    sp.write("a line")
                if i % 5 == 0:
                    await asyncio.sleep(0)
        await asyncio.sleep(0)
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert pending == []

    def run(cycles: int) -> None:
        asyncio.run(cycles_on_one_loop(cycles))

    return run


def _soak(run: Callable[[int], None], cycles: int) -> None:
    run(max(cycles // 20, 5))  # warm up: caches, lazy imports, the first terminal
    tracemalloc.start(4)  # deep enough to see twirly behind a standard-library allocation
    try:
        before = _counts()
        run(cycles // 2)
        middle = _settled(before)
        run(cycles - cycles // 2)
        after = _settled(before)
    finally:
        tracemalloc.stop()
    for field in ("threads", "os_threads", "fds", "children"):
        assert getattr(after, field) <= getattr(before, field), (field, before, after)
    # Memory: the second half of the run must not add to what the first half left.
    assert after.memory - middle.memory < MEMORY_SLACK, (before, middle, after)
    assert after.memory - before.memory < 4 * MEMORY_SLACK, (before, middle, after)


@pytest.mark.parametrize(("driver", "cycles"), [("thread", 2000), ("asyncio", 2000)])
def test_start_stop_cycles_leave_nothing_behind(driver: str, cycles: int, tty: TextIO) -> None:
    run = _async_cycles(tty) if driver == "asyncio" else _sync_cycles(driver, tty)
    _soak(run, cycles)


def test_process_driver_cycles_leave_no_child_or_descriptor(tty: TextIO) -> None:
    _soak(_sync_cycles("process", tty), 30)


@pytest.mark.slow
@pytest.mark.timeout(3600)
# A process-driver cycle starts an interpreter (~75 ms): 2,000 of them take ~3 min on two
# cores, where 10,000 took a quarter of an hour, half of CI's time, for no further finding.
@pytest.mark.parametrize(
    ("driver", "cycles"), [("thread", 10_000), ("asyncio", 10_000), ("process", 2_000)]
)
def test_thousands_of_cycles_per_driver(driver: str, cycles: int, tty: TextIO) -> None:
    run = _async_cycles(tty) if driver == "asyncio" else _sync_cycles(driver, tty)
    _soak(run, cycles)
