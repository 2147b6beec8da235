"""The text of progress over an iterable: a count, a percentage, a rate and the time left.

Pure code: the numbers come in (nothing here reads a clock or a counter) and a line of text
comes out, ``Hashing  3,412/10,000 · 34% · 812/s · 0:08 left`` while the loop runs and
``Hashing  10,000/10,000 · 812/s · 0:12`` once it has ended. :mod:`twirly._track` calls them
once per frame, never once per item; :class:`Rate` keeps what the frames measured.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = [
    "MIN_ITEMS",
    "MIN_SECONDS",
    "SMOOTHING",
    "Rate",
    "average",
    "clock",
    "count_text",
    "percent",
    "progress_text",
    "rate_text",
]

#: Seconds over which the shown rate follows a change of pace (the measurements of older
#: frames fade by ``e`` every ``SMOOTHING`` seconds): long enough that a frame's noise does not
#: make the digits flicker, short enough that a loop that speeds up or slows down shows most of
#: it within 4 seconds (86 %: ``1 - e**-2``).
SMOOTHING: Final = 2.0

#: No rate, and so no time left, is shown before the measurements cover this many seconds or
#: this many items. A count read at a frame is exact, but a rate over few items is not: the
#: item under way is not counted (one item in ten at 10 items), and an item done at once at
#: the start (the first frame 100 µs after it would read 10,000/s for a loop doing 2 a
#: second) weighs one item whatever the time. Over 2 s (the smoothing window) the same loop
#: reads 1.7 to 2.3/s, whatever the frames' rhythm, and a sparse loop's item, seen up to a
#: frame (80 ms with the default style) after it was done, is 4 % of the time measured. A loop
#: of 10 items or more a frame shows its rate at the first frame.
MIN_SECONDS: Final = 2.0
MIN_ITEMS: Final = 10

_SI: Final = ((1e9, "G"), (1e6, "M"), (1e3, "k"))
_E: Final = 2.718281828459045  # (math.e: math is not loaded for a first tracked loop)


def count_text(count: int, total: int | None) -> str:
    """``3,412/10,000``, or ``3,412`` without a total or past a total that was wrong."""
    if total is None or count > total:
        return f"{count:,}"
    return f"{count:,}/{total:,}"


def percent(count: int, total: int) -> int:
    """Whole percent done, rounded down (100 only once every item is done), never above 100
    whatever ``count`` is. Nothing to do (``total`` 0) is all done."""
    if total <= 0 or count >= total:
        return 100
    return max(count, 0) * 100 // total


def rate_text(rate: float) -> str:
    """Items a second: ``0.52/s``, ``3.4/s``, ``812/s``, ``81,234/s``, ``1.23M/s`` (the
    digits are chosen after rounding: 9.999 is ``10/s``, not ``10.0/s``). Under 0.1 a
    second, a minute's or an hour's worth, which reads better than ``0.00/s``: ``3.0/min``,
    ``18/h`` (one item every 200 s)."""
    if rate < 0.0995:
        per_minute = rate * 60
        if per_minute >= 0.995:
            return f"{_number(per_minute)}/min"
        return f"{_number(rate * 3600)}/h"
    if rate < 99_999.5:
        return f"{_number(rate)}/s"
    for scale, prefix in _SI:
        value = rate / scale
        if value >= 0.9995 or prefix == "k":
            digits = 2 if value < 9.995 else 1 if value < 99.95 else 0
            return f"{value:.{digits}f}{prefix}/s"
    return ""  # (not reached: the last prefix takes every rate left)


def _number(value: float) -> str:
    """Three figures at most below 10, whole numbers above: ``0.52``, ``3.4``, ``812``."""
    if value < 0.995:
        return f"{value:.2f}"
    if value < 9.95:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def clock(seconds: float) -> str:
    """A duration as a clock: ``0:08``, ``12:05``, ``1:02:03`` (whole seconds, rounded up
    for a time left, so that ``0:00 left`` never shows while work remains)."""
    whole = int(max(seconds, 0.0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _time_left(count: int, total: int, rate: float) -> str | None:
    if rate <= 0 or count >= total:
        return None
    seconds = (total - count) / rate
    if seconds >= 100 * 3600:  # (a stalled loop: a number of days says nothing)
        return None
    whole = int(seconds)
    return clock(whole + 1 if seconds > whole else whole)


def progress_text(
    label: str,
    count: int,
    total: int | None,
    rate: float | None,
    elapsed: float,
    *,
    unicode: bool = True,
    final: bool = False,
) -> str:
    """The text of a tracked loop after ``count`` items of ``total`` (None: unknown).

    While it runs: the count, the percentage and the time left (with a total it is not past),
    the rate (once there is one), and without a total the time so far. At the end
    (``final``): the count, the average rate and the time it took. Parts are joined with a
    middle dot where the stream shows Unicode, with commas where it does not (as a group's
    summary row is).
    """
    sep = " · " if unicode else ", "
    parts = [count_text(count, total)]
    if final:
        if rate is not None and rate > 0:
            parts.append(rate_text(rate))
        parts.append(clock(elapsed))
    elif total is not None and count <= total:
        parts.append(f"{percent(count, total)}%")
        if rate is not None:
            parts.append(rate_text(rate))
        left = _time_left(count, total, rate or 0.0)
        if left is not None:
            parts.append(f"{left} left")
    else:
        if rate is not None:
            parts.append(rate_text(rate))
        parts.append(clock(elapsed))
    numbers = sep.join(parts)
    return f"{label}  {numbers}" if label else numbers


def average(count: int, elapsed: float) -> float | None:
    """The rate of a loop that ended: its items over its time, or None where they are too few
    to mean something (see :data:`MIN_SECONDS`; 3 items in 30 µs are not 100k/s)."""
    if count <= 0 or elapsed <= 0 or (elapsed < MIN_SECONDS and count < MIN_ITEMS):
        return None
    return count / elapsed


class Rate:
    """The pace of a running loop, from the counts read at frames (no clock read here).

    A measurement runs from a frame where the count had moved to the next frame where it has
    moved: the items done between them over the time between them. A sparse loop (an item
    every few frames) is thus measured item to item, not over frames where nothing could be
    seen to happen, and a dense one frame to frame. Measurements are summed, items and
    seconds apart, each sum fading by ``e`` every :data:`SMOOTHING` seconds, and the rate is
    one sum over the other: a measurement weighs as much as the time it covers (the first
    one too: 100 µs after the start, it weighs 100 µs, not as much as a second), and a steady
    pace reads the same whatever the frames' rhythm.

    While the count stands still for longer than it usually does between two moves, the
    time waited counts as if the usual number of items were done at the frame: the rate
    shown falls, an upper bound, instead of standing still over a stalled loop (if they are
    done then, the measurement gives exactly that rate), and a loop that does its items in
    bursts (a second's worth at once, then nothing for a second) is not shown falling between
    them. None until the measurements cover :data:`MIN_SECONDS` or :data:`MIN_ITEMS`.
    """

    __slots__ = ("_at", "_count", "_counted", "_covered", "_items", "_moves", "_seconds")

    def __init__(self, started: float) -> None:
        self._count, self._at = 0, started  # where the current measurement began
        self._items = self._seconds = self._moves = 0.0  # the measurements so far, fading
        self._counted, self._covered = 0, 0.0  # ... and what they cover, not fading

    def update(self, count: int, now: float) -> float | None:
        """The rate to show after a frame at ``now`` found ``count`` items done (None:
        not measured enough yet)."""
        span = now - self._at
        if span <= 0:
            return self.value(now)
        done = count - self._count
        if done > 0:
            fade = _fade(span)
            self._items = self._items * fade + done
            self._seconds = self._seconds * fade + span
            self._moves = self._moves * fade + 1
            self._counted += done
            self._covered += span
            self._count, self._at = count, now
        return self.value(now)

    def value(self, now: float) -> float | None:
        """The rate at ``now``, with no frame since the last :meth:`update`."""
        if self._covered < MIN_SECONDS and self._counted < MIN_ITEMS:
            return None
        items, seconds, moves = self._items, self._seconds, self._moves
        waited = now - self._at
        if waited * moves > seconds:  # (longer than between two moves, as a rule)
            fade = _fade(waited)
            items, seconds = items * fade + items / moves, seconds * fade + waited
        return items / seconds


def _fade(seconds: float) -> float:
    """What a measurement ``seconds`` old still weighs."""
    weight: float = _E ** (-seconds / SMOOTHING)  # (a float: the base is positive)
    return weight
