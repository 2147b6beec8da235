"""The text of a tracked loop, as pure functions: what it says, and what it never says."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twirly.progress import (
    MIN_ITEMS,
    MIN_SECONDS,
    SMOOTHING,
    Rate,
    average,
    clock,
    count_text,
    percent,
    progress_text,
    rate_text,
)

counts = st.integers(min_value=0, max_value=10**15)
totals = st.none() | st.integers(min_value=0, max_value=10**15)
rates = st.none() | st.floats(min_value=0, max_value=1e12, allow_nan=False)
elapsed = st.floats(min_value=0, max_value=1e7, allow_nan=False)


def test_the_running_text_has_count_percent_rate_and_time_left() -> None:
    text = progress_text("Hashing", 3412, 10_000, 812.0, 4.2)
    assert text == "Hashing  3,412/10,000 · 34% · 812/s · 0:09 left"


def test_the_final_text_has_count_average_rate_and_time_taken() -> None:
    text = progress_text("Hashing", 10_000, 10_000, 812.3, 12.3, final=True)
    assert text == "Hashing  10,000/10,000 · 812/s · 0:12"


def test_without_a_total_no_percent_and_no_time_left_but_the_time_so_far() -> None:
    text = progress_text("Reading", 3412, None, 812.0, 4.2)
    assert text == "Reading  3,412 · 812/s · 0:04"
    assert "%" not in text
    assert "left" not in text


def test_before_a_rate_is_known_none_is_shown() -> None:
    assert progress_text("Hashing", 0, 10_000, None, 0.0) == "Hashing  0/10,000 · 0%"
    assert progress_text("Reading", 0, None, None, 0.0) == "Reading  0 · 0:00"


def test_ascii_streams_get_commas_between_the_parts() -> None:
    text = progress_text("Hashing", 3412, 10_000, 812.0, 4.2, unicode=False)
    assert text == "Hashing  3,412/10,000, 34%, 812/s, 0:09 left"
    assert text.isascii()


def test_no_label_no_leading_spaces() -> None:
    assert progress_text("", 3, 10, 1.0, 3.0) == "3/10 · 30% · 1.0/s · 0:07 left"


def test_a_count_past_a_total_that_was_wrong_drops_the_total_percent_and_time_left() -> None:
    assert progress_text("x", 12, 10, 2.0, 6.0) == "x  12 · 2.0/s · 0:06"
    assert progress_text("x", 12, 10, 2.0, 6.0, final=True) == "x  12 · 2.0/s · 0:06"


def test_a_stalled_loop_shows_no_time_left() -> None:
    assert "left" not in progress_text("x", 1, 10, 0.0, 60.0)
    assert "left" not in progress_text("x", 1, 10**9, 1e-3, 60.0)  # (years)


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (0.5234, "0.52/s"),
        (3.44, "3.4/s"),
        (812.4, "812/s"),
        (81_234.4, "81,234/s"),
        (123_456.0, "123k/s"),
        (1_234_567.0, "1.23M/s"),
        (34_500_000.0, "34.5M/s"),
        (2e9, "2.00G/s"),
        (9.99999, "10/s"),
        (0.9999, "1.0/s"),
        (999_700.0, "1.00M/s"),
        (99_999.7, "100k/s"),
        (0.1, "0.10/s"),
        (0.05, "3.0/min"),  # (below 0.1 a second: a minute's worth, then an hour's)
        (1 / 60, "1.0/min"),
        (1 / 200, "18/h"),
        (1 / 3600, "1.0/h"),
        (1 / 86_400, "0.04/h"),
    ],
)
def test_rates(rate: float, text: str) -> None:
    assert rate_text(rate) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (8.9, "0:08"), (725, "12:05"), (3723, "1:02:03")]
)
def test_clock(seconds: float, text: str) -> None:
    assert clock(seconds) == text


def test_time_left_is_rounded_up_never_zero_while_work_remains() -> None:
    assert progress_text("", 9_999, 10_000, 1000.0, 10.0).endswith("0:01 left")


@given(counts, st.integers(min_value=0, max_value=10**15))
def test_percent_is_never_above_100_and_100_only_when_done(count: int, total: int) -> None:
    value = percent(count, total)
    assert 0 <= value <= 100
    assert (value == 100) == (count >= total)


@given(counts, totals, rates, elapsed, st.tuples(st.booleans(), st.booleans()))
def test_the_text_never_says_more_than_100_percent(
    count: int, total: int | None, rate: float | None, seconds: float, flags: tuple[bool, bool]
) -> None:
    final, unicode = flags
    text = progress_text("L", count, total, rate, seconds, final=final, unicode=unicode)
    for part in text.split(" · " if unicode else ", "):
        if part.endswith("%"):
            assert int(part[:-1]) <= 100
    assert text.startswith(f"L  {count:,}")
    if unicode is False:
        assert text.isascii()


@given(counts, totals)
def test_counts_are_grouped_by_thousands_and_read_back(count: int, total: int | None) -> None:
    text = count_text(count, total)
    first, _, second = text.partition("/")
    assert int(first.replace(",", "")) == count
    for number in filter(None, (first, second)):
        groups = number.split(",")
        assert 1 <= len(groups[0]) <= 3
        assert all(len(group) == 3 for group in groups[1:])
    if second:
        assert total is not None
        assert count <= total
        assert int(second.replace(",", "")) == total


def measure(
    done: Callable[[float], int], frames: Iterable[float]
) -> list[tuple[float, int, float | None]]:
    """What a :class:`Rate` says at each frame of a loop with ``done(t)`` items done at t."""
    rate = Rate(0.0)
    return [(now, done(now), rate.update(done(now), now)) for now in frames]


def frames_every(interval: float, until: float, *, first: float = 0.0001) -> list[float]:
    """A first frame ``first`` after the start, then one every ``interval``."""
    return [first] + [k * interval for k in range(1, int(until / interval) + 1)]


@given(
    st.floats(min_value=1, max_value=1e6),
    st.floats(min_value=0.01, max_value=0.5),
    st.integers(min_value=50, max_value=400),
)
def test_a_steady_pace_is_shown_as_it_is_whatever_the_frame_rate(
    pace: float, frame: float, frames: int
) -> None:
    until = 10 / pace + MIN_SECONDS + frames * frame  # (ten items at least, over 2 s at least)
    shown = measure(lambda now: int(pace * now), frames_every(frame, until))
    rate = shown[-1][2]
    assert rate is not None
    # (an item of a sparse loop is seen up to a frame after it was done)
    assert rate == pytest.approx(pace, rel=0.05 + frame / SMOOTHING)


@pytest.mark.parametrize("interval", [0.05, 0.08, 0.13, 0.2])
@pytest.mark.parametrize("first_item", [0.5, 0.0001])
def test_the_first_rate_shown_is_right_when_the_first_frame_comes_at_once(
    interval: float, first_item: float
) -> None:
    # 2 items a second, the first frame 100 µs after the start: the first item done at
    # 0.5 s, or (first_item 100 µs) one done at once before the steady pace, where an
    # average since the start taken at that frame read 10,000/s and took 15 s to settle.
    def done(now: float) -> int:
        return 0 if now < first_item else 1 + int(2 * (now - first_item) + 1e-9)

    shown = measure(done, frames_every(interval, 30.0))
    rates = [rate for _, _, rate in shown if rate is not None]
    assert shown[0][2] is None
    assert rates
    assert all(1.6 <= rate <= 2.4 for rate in rates), rates[:5]  # (from the first one on)


def test_the_time_left_is_close_to_the_truth_from_the_first_one_shown() -> None:
    total = 100
    shown = measure(lambda now: int(2 * now), frames_every(0.08, 40.0))
    lefts = []
    for now, done, rate in shown:
        text = progress_text("slow", done, total, rate, now)
        if "left" in text:
            minutes, seconds = text.split(" · ")[-1].removesuffix(" left").split(":")
            truth = (total - done) / 2 - (now - done / 2)  # (the item under way has begun)
            lefts.append((int(minutes) * 60 + int(seconds), truth))
        else:
            assert rate is None  # (no time left without a rate)
    assert lefts
    assert all(abs(left - truth) <= 0.1 * truth + 1.5 for left, truth in lefts), lefts[:5]


def test_no_rate_before_the_measurements_cover_two_seconds_or_ten_items() -> None:
    slow = measure(lambda now: int(2 * now), frames_every(0.08, 3.0))
    assert next(now for now, _, rate in slow if rate is not None) >= MIN_SECONDS
    quick = measure(lambda now: int(1000 * now), frames_every(0.08, 1.0))
    assert quick[1][2] == pytest.approx(1000)  # (80 items at the first full frame)
    few = measure(lambda now: min(int(1000 * now), MIN_ITEMS - 1), frames_every(0.08, 1.9))
    assert all(rate is None for _, _, rate in few)


@pytest.mark.parametrize(("before", "after"), [(2.0, 20.0), (20.0, 2.0), (100.0, 1000.0)])
def test_a_change_of_pace_is_followed_within_a_few_seconds(before: float, after: float) -> None:
    def done(now: float) -> int:
        return int(before * min(now, 10.0) + after * max(now - 10.0, 0.0))

    shown = {round(now, 2): rate for now, _, rate in measure(done, frames_every(0.08, 30.0))}
    assert shown[9.92] == pytest.approx(before, rel=0.05)
    way = {
        later: (shown[round(10.0 + later, 2)] - before) / (after - before)  # type: ignore[operator]
        for later in (0.32, 2.0, 4.0, 8.0)
    }
    assert way[0.32] < 0.5  # (not at once: what a frame or two saw may be noise)
    assert way[2.0] > 0.5  # 2 s later: more than half way
    assert way[4.0] > 0.8
    assert way[8.0] > 0.95


def test_a_stalled_loop_shows_a_falling_rate_and_a_growing_time_left() -> None:
    # 100 a second for 10 s, then nothing more: the rate does not stand at 100/s.
    shown = {
        round(now, 2): rate
        for now, _, rate in measure(lambda now: int(100 * min(now, 10.0)), frames_every(0.08, 60.0))
    }
    after = [rate for now, rate in shown.items() if now >= 10.0]
    assert after == sorted(after, reverse=True)  # type: ignore[type-var]
    assert shown[10.0] == pytest.approx(100, rel=0.01)
    assert shown[12.0] < 50  # type: ignore[operator]
    assert shown[20.0] < 2  # type: ignore[operator]
    lefts = [progress_text("x", 1000, 10_000, shown[now], now) for now in (10.0, 12.0, 20.0)]
    assert [left.split(" · ")[-1] for left in lefts] == ["1:30 left", "5:00 left", "2:40:22 left"]


def test_bursts_are_not_shown_falling_between_them() -> None:
    # 812 items at once every second (a batch), nothing between: 812/s, steadily.
    shown = measure(lambda now: 812 * int(now), frames_every(0.08, 10.0))
    rates = [rate for now, _, rate in shown if now > 3.0]
    assert all(rate == pytest.approx(812, rel=0.1) for rate in rates)


def test_a_very_slow_loop_shows_items_an_hour() -> None:
    shown = measure(lambda now: int(now / 200), frames_every(1.0, 1000.0))
    assert all(rate is None for now, _, rate in shown if now < 200)
    assert {rate_text(rate) for now, _, rate in shown if rate is not None} == {"18/h"}
    assert (
        progress_text("slow", 3, 10, shown[-1][2], 1000.0) == "slow  3/10 · 30% · 18/h · 23:20 left"
    )


def test_a_frame_at_the_same_time_changes_nothing() -> None:
    rate = Rate(0.0)
    assert rate.update(0, 0.0) is None
    first = rate.update(500, 1.0)
    assert rate.update(900, 1.0) == first


def test_the_final_rate_is_the_average_once_it_means_something() -> None:
    assert average(10_000, 12.3) == pytest.approx(813, abs=1)
    assert average(1, 200.0) == pytest.approx(1 / 200)
    assert average(3, 30e-6) is None  # (3 items in 30 µs are not 100k/s)
    assert average(0, 5.0) is None
    text = progress_text("x", 3, 3, average(3, 30e-6), 30e-6, final=True)
    assert text == "x  3/3 · 0:00"
