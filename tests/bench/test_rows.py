"""The many-rows measurement's pure parts: start times, counters, the window's figures.

No timing here: marks carry made-up counters, and the write counter is checked on a pty
and a pipe of the test's own.
"""

from __future__ import annotations

import math
import os

import pytest
from bench.rows import (
    TerminalWrites,
    start_offsets,
    start_seconds,
    started_count,
    window_figures,
)


def test_start_times_are_seeded_sorted_and_within_the_spread() -> None:
    offsets = start_offsets(1_000, 1.0, seed=10)
    assert offsets == start_offsets(1_000, 1.0, seed=10)
    assert offsets != start_offsets(1_000, 1.0, seed=11)
    assert offsets == sorted(offsets)
    assert all(0.0 <= t <= 1.0 for t in offsets)
    assert offsets[-1] - offsets[0] > 0.9  # spread over the second, not bunched


def test_the_started_count_is_the_last_one_the_child_reported() -> None:
    reports = [
        {"kind": "progress", "started": 120, "t": 1.0},
        {"kind": "progress", "started": 250, "t": 2.0},
    ]
    assert started_count(reports) == 250  # a child that was given up on
    assert start_seconds(reports) is None
    reports.append({"kind": "started", "started": 300, "of": 1_000, "seconds": 30.2})
    assert started_count(reports) == 300
    assert start_seconds(reports) == 30.2
    assert started_count([]) == 0


def _mark(t: float, **counters: float) -> dict[str, float]:
    base = {"cpu_s": 0.0, "voluntary": 0, "involuntary": 0, "writes": 0}
    base.update({"write_bytes": 0, "newlines": 0, "t": t})
    base.update(counters)
    return base


def test_window_figures_are_rates_over_the_window() -> None:
    start = _mark(10.0, cpu_s=1.0, voluntary=100, involuntary=7, writes=5, write_bytes=20)
    end = _mark(
        12.0, cpu_s=1.5, voluntary=126, involuntary=9, writes=30, write_bytes=110, newlines=10
    )
    found = window_figures(start, end, master_bytes=100)
    assert found["seconds"] == 2.0
    assert found["wakeups_per_s"] == 13.0
    assert found["preempted_per_s"] == 1.0
    assert found["cpu_s_per_s"] == 0.25
    assert found["frames_per_s"] == 12.5
    assert found["bytes_per_frame"] == 4.0  # what reached the master, per counted write
    assert found["bytes_per_s"] == 50.0
    # 90 bytes written, 10 of them newlines the pty doubled: all 100 accounted for.
    assert found["counted_share"] == 1.0


def test_a_window_without_writes_has_no_bytes_per_frame() -> None:
    found = window_figures(_mark(0.0), _mark(1.0), master_bytes=0)
    assert found["frames_per_s"] == 0.0
    assert math.isnan(found["bytes_per_frame"])
    assert math.isnan(found["counted_share"])
    with pytest.raises(ValueError, match="empty"):
        window_figures(_mark(1.0), _mark(1.0), master_bytes=0)


def test_writes_are_counted_on_the_terminal_whatever_the_descriptor() -> None:
    master, slave = os.openpty()
    duplicate = os.dup(slave)
    pipe_read, pipe_write = os.pipe()
    counter = TerminalWrites(slave)
    counter.install()
    try:
        os.write(slave, b"\rab")
        os.write(duplicate, b"cd\n")  # another descriptor on the same terminal
        os.write(pipe_write, b"not the terminal\n")
    finally:
        counter.uninstall()
    os.write(slave, b"after")  # no longer counted
    try:
        assert (counter.calls, counter.bytes, counter.newlines) == (2, 6, 1)
        assert os.read(pipe_read, 100) == b"not the terminal\n"
        assert _read_at_least(master, 7).startswith(b"\rabcd\r\n")  # the pty's ONLCR
    finally:
        for fd in (master, slave, duplicate, pipe_read, pipe_write):
            os.close(fd)


def _read_at_least(fd: int, count: int, timeout: float = 5.0) -> bytes:
    """What the pty's master holds, read until ``count`` bytes came (a read may return the
    bytes of one write only)."""
    import select
    import time

    data = b""
    deadline = time.monotonic() + timeout
    while len(data) < count and select.select([fd], [], [], max(deadline - time.monotonic(), 0))[0]:
        data += os.read(fd, 100)
    return data


def test_the_smoke_check_forgives_a_frame_at_each_end_of_a_short_window_and_no_more() -> None:
    from bench.__main__ import _counted_to_a_frame

    # A lone spinner's 0.6 s window: 8 frames of 4 bytes reached the terminal.
    window = {"seconds": 0.6, "bytes_per_s": 32 / 0.6, "bytes_per_frame": 4.0}
    assert _counted_to_a_frame({**window, "counted_share": 1.0})
    assert _counted_to_a_frame({**window, "counted_share": 36 / 32})  # one frame written late
    assert _counted_to_a_frame({**window, "counted_share": 24 / 32})  # two frames on the edges
    assert not _counted_to_a_frame({**window, "counted_share": 48 / 32})  # writes not counted
    assert not _counted_to_a_frame({**window, "counted_share": 16 / 32})
