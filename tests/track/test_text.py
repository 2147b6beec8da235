"""The text of a tracked loop, as pure functions: what it says, and what it never says."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twirly.progress import (
    clock,
    count_text,
    percent,
    progress_text,
    rate_text,
    smoothed,
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


@given(
    st.floats(min_value=1, max_value=1e6),
    st.floats(min_value=0.01, max_value=0.5),
    st.integers(min_value=50, max_value=400),
)
def test_a_steady_pace_is_shown_as_it_is_whatever_the_frame_rate(
    pace: float, frame: float, frames: int
) -> None:
    rate, seen, now = None, 0, 0.0
    for _ in range(frames):
        now += frame
        done = pace * now
        rate = smoothed(rate, count=int(done), seen=seen, since=now - frame, now=now, started=0.0)
        seen = int(done)
    assert rate is not None
    assert rate == pytest.approx(pace, rel=0.05, abs=1 / frame)


def test_a_change_of_pace_is_followed_gradually_not_at_once() -> None:
    rate: float | None = 100.0
    seen, now = 0, 0.0
    shown = []
    for _ in range(100):  # 1,000 a second now, over 10 seconds in frames of 0.1 s
        now += 0.1
        rate = smoothed(rate, count=seen + 100, seen=seen, since=now - 0.1, now=now, started=0.0)
        seen += 100
        shown.append(rate)
    assert 100 < shown[0] < 200  # (one frame does not make the new pace)
    assert shown == sorted(shown)
    assert 600 < shown[19] < 700  # 2 s: about 1 - 1/e of the way
    assert shown[-1] == pytest.approx(1000, rel=0.01)


def test_a_frame_at_the_same_time_changes_nothing() -> None:
    assert smoothed(5.0, count=99, seen=1, since=3.0, now=3.0, started=0.0) == 5.0
    assert smoothed(None, count=99, seen=0, since=0.0, now=0.0, started=0.0) is None
