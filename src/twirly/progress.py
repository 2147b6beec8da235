"""The text of progress over an iterable: a count, a percentage, a rate and the time left.

Pure functions: the numbers come in (nothing here reads a clock or a counter) and a line of
text comes out, ``Hashing  3,412/10,000 · 34% · 812/s · 0:08 left`` while the loop runs and
``Hashing  10,000/10,000 · 812/s · 0:12`` once it has ended. :mod:`twirly._track` calls them
once per frame, never once per item.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["SMOOTHING", "clock", "count_text", "percent", "progress_text", "rate_text", "smoothed"]

#: Seconds over which the shown rate follows a change of pace (an exponential moving average
#: over frames): long enough that a frame's noise does not make the digits flicker, short
#: enough that a loop that slows down shows it within a few seconds.
SMOOTHING: Final = 2.0

_SI: Final = ((1e9, "G"), (1e6, "M"), (1e3, "k"))


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
    digits are chosen after rounding: 9.999 is ``10/s``, not ``10.0/s``)."""
    if rate < 0.995:
        return f"{rate:.2f}/s"
    if rate < 9.95:
        return f"{rate:.1f}/s"
    if rate < 99_999.5:
        return f"{rate:,.0f}/s"
    for scale, prefix in _SI:
        value = rate / scale
        if value >= 0.9995 or prefix == "k":
            digits = 2 if value < 9.995 else 1 if value < 99.95 else 0
            return f"{value:.{digits}f}{prefix}/s"
    return ""  # (not reached: the last prefix takes every rate left)


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


def smoothed(
    rate: float | None, *, count: int, seen: int, since: float, now: float, started: float
) -> float | None:
    """The rate after a frame at ``now`` that found ``count`` items done, ``seen`` having
    been done at the previous frame at ``since``: the first estimate is the average since
    ``started``; then each frame moves the rate towards the frame's own pace by a share
    that grows with the frame's length (``dt / (SMOOTHING + dt)``: a moving average over
    time, so it does not matter how often frames come)."""
    dt = now - since
    if dt <= 0:
        return rate
    if rate is None:
        elapsed = now - started
        return count / elapsed if elapsed > 0 else None
    pace = (count - seen) / dt
    return rate + (pace - rate) * (dt / (SMOOTHING + dt))
