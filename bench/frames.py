"""From stamped pty chunks to frames: bursts of bytes, the gaps between them, statistics."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence

# Writes closer together than this belong to one frame (some libraries write a frame in
# several calls). A quarter of the 80 ms interval every measured library uses.
BURST_GAP = 0.02


class Burst:
    """One frame as seen on the pty: when its first byte arrived, and how many bytes."""

    __slots__ = ("size", "t")

    def __init__(self, t: float, size: int) -> None:
        self.t = t
        self.size = size


def bursts(chunks: Sequence[tuple[float, bytes]]) -> list[Burst]:
    """Group chunks into frames."""
    found: list[Burst] = []
    last = float("-inf")
    for t, data in chunks:
        if found and t - last < BURST_GAP:
            found[-1].size += len(data)
        else:
            found.append(Burst(t, len(data)))
        last = t
    return found


def inside(frames: Sequence[Burst], start: float, end: float) -> list[Burst]:
    """The frames that began in ``[start, end]``."""
    return [frame for frame in frames if start <= frame.t <= end]


def spanning(frames: Sequence[Burst], start: float, end: float) -> list[Burst]:
    """The frames in ``[start, end]`` plus the last one before and the first one after.

    So the gaps cover the whole span, including a freeze that outlasts it.
    """
    before = [frame for frame in frames if frame.t < start][-1:]
    after = [frame for frame in frames if frame.t > end][:1]
    return [*before, *inside(frames, start, end), *after]


def gaps(frames: Sequence[Burst]) -> list[float]:
    """Seconds between consecutive frames."""
    return [b.t - a.t for a, b in itertools.pairwise(frames)]


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(round(fraction * (len(ordered) - 1)), len(ordered) - 1)
    return ordered[index]


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, 99th percentile and maximum (NaN when there are none)."""
    if not values:
        nan = float("nan")
        return {"median": nan, "p99": nan, "max": nan}
    return {
        "median": statistics.median(values),
        "p99": percentile(values, 0.99),
        "max": max(values),
    }


def escape_bytes(data: bytes) -> int:
    """Bytes that belong to escape sequences (ESC and what follows it)."""
    count, index = 0, 0
    while index < len(data):
        if data[index] == 0x1B:
            end = _sequence_end(data, index)
            count += end - index
            index = end
            continue
        index += 1
    return count


def _sequence_end(data: bytes, start: int) -> int:
    """Index just past the escape sequence at ``start`` (CSI, OSC or a two-byte escape)."""
    if start + 1 >= len(data):
        return start + 1
    kind = data[start + 1]
    if kind == 0x5B:  # CSI: parameters then one final byte in @..~
        index = start + 2
        while index < len(data) and not 0x40 <= data[index] <= 0x7E:
            index += 1
        return min(index + 1, len(data))
    if kind == 0x5D:  # OSC: up to BEL or ST
        index = start + 2
        while index < len(data) and data[index] != 0x07 and data[index : index + 2] != b"\x1b\\":
            index += 1
        return min(index + (1 if index < len(data) and data[index] == 0x07 else 2), len(data))
    return start + 2


def without_escapes(data: bytes) -> bytes:
    """``data`` with every escape sequence (and carriage returns, backspaces) taken out."""
    kept = bytearray()
    index = 0
    while index < len(data):
        if data[index] == 0x1B:
            index = _sequence_end(data, index)
            continue
        if data[index] not in b"\r\b":
            kept.append(data[index])
        index += 1
    return bytes(kept)


def first_showing(chunks: Sequence[tuple[float, bytes]], text: bytes) -> float | None:
    """The stamp of the chunk by which ``text`` had appeared on screen (None: it never did).

    Escape sequences alone (hiding the cursor, setting a mode) are not a frame; the text is.
    A sequence or a character split across chunks is read whole: the output so far is
    searched again at each chunk.
    """
    seen = b""
    for t, data in chunks:
        seen += data
        if text in without_escapes(seen):
            return t
    return None
