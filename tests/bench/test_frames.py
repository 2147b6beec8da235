"""The benchmark's pure parts: frames from stamped chunks, gaps, escape bytes, statistics.

No timing here: the chunks carry made-up timestamps.
"""

from __future__ import annotations

import math

from bench.frames import (
    bursts,
    escape_bytes,
    first_showing,
    gaps,
    inside,
    percentile,
    spanning,
    summary,
    without_escapes,
)


def test_writes_close_together_are_one_frame_and_far_apart_are_two() -> None:
    chunks = [(0.000, b"\r"), (0.001, b"\x1b[K"), (0.002, b"x"), (0.080, b"yy"), (0.161, b"z")]
    found = bursts(chunks)
    assert [(round(f.t, 3), f.size) for f in found] == [(0.0, 5), (0.08, 2), (0.161, 1)]
    assert [round(g, 3) for g in gaps(found)] == [0.08, 0.081]


def test_a_window_spanning_a_freeze_keeps_the_frames_on_either_side() -> None:
    found = bursts([(t, b"x") for t in (0.0, 0.08, 2.5, 2.58)])
    assert [f.t for f in inside(found, 0.1, 2.0)] == []
    assert [round(g, 2) for g in gaps(spanning(found, 0.1, 2.0))] == [2.42]


def test_escape_bytes_count_whole_sequences_and_nothing_else() -> None:
    assert escape_bytes(b"plain text\r\n") == 0
    assert escape_bytes(b"\x1b[?25l\xe2\xa0\x8b hi\r\x1b[K") == len(b"\x1b[?25l") + len(b"\x1b[K")
    assert escape_bytes(b"\x1b]0;title\x07x") == len(b"\x1b]0;title\x07")
    assert escape_bytes(b"\x1b7") == 2


def test_summary_of_gaps() -> None:
    values = [float(v) for v in range(1, 101)]
    assert summary(values) == {"median": 50.5, "p99": 99.0, "max": 100.0}
    assert percentile([3.0], 0.99) == 3.0
    assert all(math.isnan(v) for v in summary([]).values())


def test_the_first_frame_is_the_chunk_that_shows_the_text() -> None:
    chunks = [(1.0, b"\x1b[?25l"), (1.5, b"\x1b[?7l\xe2\xa0\x8b "), (2.0, b"x\r"), (3.0, b"x")]
    assert first_showing(chunks, b"x") == 2.0
    # An escape sequence split across chunks is still not text.
    assert first_showing([(1.0, b"\x1b["), (2.0, b"?25lx")], b"x") == 2.0
    assert first_showing([(1.0, b"\x1b[?25l\r")], b"x") is None
    assert without_escapes(b"\x1b[?25l\xe2\xa0\x8b x\r\x1b[K") == "⠋ x".encode()
