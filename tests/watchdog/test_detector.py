"""The watchdog's judgement as a pure state machine: times and samples in, labels and
records out (no thread, no clock, no sleep)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twirly.watchdog import (
    STILL,
    Detector,
    Sample,
    Settings,
    Site,
    configure,
    enabled,
    next_look,
    summary_lines,
)

SLOW = Site("slow", "/app/app.py", 22)
FETCH = Site("fetch", "/app/app.py", 41)


def blocked(site: Site = SLOW, task: str = "Task-1", caller: Site | None = None) -> Sample:
    return Sample("blocked", site, caller, task)


def test_a_block_is_dated_from_the_middle_of_the_missed_interval() -> None:
    detector = Detector()
    detector.begin(last_tick=10.0, due=10.1)
    for _ in range(30):
        detector.add(blocked())
    record = detector.end(13.05)
    assert record is not None
    assert record.duration == pytest.approx(3.0)
    assert record.kind == "blocked"
    assert (record.function, record.filename, record.lineno) == ("slow", "/app/app.py", 22)
    assert (record.task, record.samples, record.agreeing) == ("Task-1", 30, 30)


def test_two_samples_at_two_sites_name_neither() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    detector.add(blocked(SLOW))
    detector.add(blocked(FETCH))
    record = detector.end(10.6)
    assert record is not None
    assert (record.kind, record.function) == ("busy", None)
    detector.begin(10.0, 10.1)  # (one more that agrees: named)
    for site in (SLOW, FETCH, SLOW):
        detector.add(blocked(site))
    record = detector.end(10.6)
    assert record is not None
    assert (record.kind, record.function, record.agreeing) == ("blocked", "slow", 2)


def test_the_label_shows_from_half_a_second_with_the_seconds_and_the_site() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    detector.add(blocked())
    # Counted from the last tick: that long, nothing ran on the loop.
    assert detector.label(10.45) == ""  # 0.45 s: not yet
    assert detector.label(10.52) == "⚠ event loop blocked 0.5 s · slow() app.py:22"
    assert detector.label(12.3) == "⚠ event loop blocked 2.3 s · slow() app.py:22"


def test_a_short_block_is_not_recorded() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    detector.add(blocked())
    assert detector.end(10.29) is None
    assert not detector.active


def test_many_sites_in_many_tasks_are_a_busy_loop_never_blamed_on_one() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    for n in range(20):
        detector.add(blocked(Site("step", "/app/app.py", 30), task=f"Task-{n}"))
    assert detector.label(11.0) == "⚠ event loop busy"
    record = detector.end(11.0)
    assert record is not None
    assert record.kind == "busy"
    assert record.function is None


def test_a_parked_loop_is_a_stalled_process() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    for _ in range(5):
        detector.add(Sample("parked"))
    assert detector.label(11.0) == "⚠ process stalled"
    record = detector.end(11.0)
    assert record is not None
    assert record.kind == "stalled"


def test_a_watchdog_that_could_not_run_while_the_process_worked_saw_a_gil_block() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    after = blocked(Site("crunch", "/app/app.py", 70), caller=SLOW)
    detector.frozen(0.97, after)  # (the loop thread's CPU ran all along)
    detector.add(after)
    record = detector.end(11.6)
    assert record is not None
    assert record.kind == "gil"
    assert (record.function, record.lineno) == ("crunch", 70)
    assert record.called_from == SLOW


def test_a_gil_block_on_a_busy_machine_is_still_one() -> None:
    # (the loop thread held the GIL all along, but other processes had the cores a good
    # part of the time: it ran a third of the wall time)
    detector = Detector()
    detector.begin(10.0, 10.1)
    detector.frozen(0.33, blocked(Site("crunch", "/app/app.py", 70)))
    record = detector.end(11.6)
    assert record is not None
    assert (record.kind, record.function, record.lineno) == ("gil", "crunch", 70)


def test_a_later_look_that_finds_the_loop_gone_on_keeps_the_calls_line() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    detector.frozen(0.9, blocked(Site("crunch", "/app/app.py", 70)))
    detector.frozen(0.9, Sample("parked"))  # (the watchdog kept from running a second time)
    record = detector.end(11.6)
    assert record is not None
    assert (record.kind, record.function, record.lineno) == ("gil", "crunch", 70)


def test_a_watchdog_that_could_not_run_while_nothing_ran_saw_a_stopped_process() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    detector.frozen(0.01, blocked())  # (SIGSTOP: no CPU time went by)
    record = detector.end(12.0)
    assert record is not None
    assert record.kind == "stalled"
    assert record.function is None


def test_a_stop_by_the_person_is_not_a_block() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    detector.frozen(0.0, Sample("parked"))
    detector.excuse()  # (Ctrl-Z, then fg)
    assert detector.label(20.0) == ""
    assert detector.end(30.0) is None


def test_a_prompt_in_the_loop_thread_shows_nothing_and_records_nothing() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    detector.add(Sample("paused"))
    assert detector.label(20.0) == ""
    assert detector.end(30.0) is None


def test_the_caller_of_the_site_is_kept() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    detector.add(blocked(FETCH, caller=Site("main", "/app/app.py", 60)))
    record = detector.end(11.0)
    assert record is not None
    assert record.called_from == Site("main", "/app/app.py", 60)


def test_thresholds_are_settings() -> None:
    detector = Detector(Settings(takeover=0.5, record=1.0, show=2.0))
    detector.begin(10.0, 10.0)
    detector.add(blocked())
    assert detector.label(11.5) == ""
    assert detector.end(10.9) is None


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [("record", "1", TypeError), ("show", -1, ValueError), ("takeover", float("nan"), ValueError)],
)
def test_malformed_thresholds_are_named(name: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=name):
        configure(**{name: value})  # type: ignore[arg-type]


def test_watchdog_argument_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert enabled(None)
    assert not enabled(False)
    monkeypatch.setenv("TWIRLY_WATCHDOG", "0")
    assert not enabled(None)
    assert enabled(True)
    with pytest.raises(TypeError, match="watchdog must be True, False or None"):
        enabled("yes")


def test_the_summary_reads_as_the_issue_shows_it() -> None:
    detector = Detector()
    detector.begin(10.0, 10.1)
    for _ in range(30):
        detector.add(blocked(caller=FETCH))
    record = detector.end(13.05)
    assert record is not None
    record = record._replace(line="time.sleep(3)")
    assert summary_lines([record]) == [
        "⚠ event loop blocked 1 time, ~3.0 s in total (longest ~3.0 s)",
        "  ~3.0 s  slow()  app.py:22  time.sleep(3)  task Task-1 · 30/30 samples",
        "      called from fetch() app.py:41",
    ]


SAMPLES = st.one_of(
    st.builds(
        Sample,
        st.just("blocked"),
        st.sampled_from([SLOW, FETCH]),
        st.none(),
        st.sampled_from(["Task-1", "Task-2"]),
    ),
    st.just(Sample("parked")),
)


@given(
    last=st.floats(0, 1e6),
    interval=st.floats(0.01, 1.0),
    late=st.floats(0, 100),
    samples=st.lists(SAMPLES, max_size=50),
    frozen=st.one_of(st.none(), st.floats(0, 1)),
)
def test_records_are_honest_whatever_the_samples(
    last: float, interval: float, late: float, samples: list[Sample], frozen: float | None
) -> None:
    detector = Detector()
    due = last + interval
    detector.begin(last, due)
    if frozen is not None and samples:
        detector.frozen(frozen, samples[0])
    for one in samples:
        detector.add(one)
    end = due + late
    label = detector.label(end)
    record = detector.end(end)
    elapsed = end - last
    if record is None:  # (only too short a block goes unrecorded: no sample was "paused")
        start = (last + due) / 2 if last else due
        assert end - start < detector.settings.record
        return
    assert 0 <= record.duration <= elapsed + 1e-9
    assert record.duration >= detector.settings.record
    assert record.agreeing <= max(record.samples, 1)
    if record.kind in ("busy", "stalled"):
        assert record.function is None  # never blamed on one site
    if record.kind == "blocked" and record.function is not None:
        assert record.agreeing * 2 > sum(1 for s in samples if s.state == "blocked")
    if end - (last or due) < detector.settings.show:
        assert label == ""


def test_a_healthy_watchdog_looks_every_other_frame_of_a_fast_style() -> None:
    # dots: 80 ms a frame. Half an interval late would be 0.12 s after the last tick; the
    # watchdog looks at 0.2 s, by when the loop ticked twice: half the wake-ups.
    assert next_look(10.0, 10.08, 0.5) == pytest.approx((10.2, 0.08))
    # A slow style: half an interval late comes after STILL.
    assert next_look(10.0, 10.5, 0.5) == pytest.approx((10.75, 0.5))
    # Before the first tick: half of a tenth of a second after it was due.
    assert next_look(0.0, 3.0, 0.5) == pytest.approx((3.05, 0.1))


@given(
    last=st.floats(1.0, 1e6),
    interval=st.floats(0.001, 2.0),
    takeover=st.floats(0.01, 3.0),
)
def test_the_watchdog_never_looks_before_a_tick_is_late_nor_lets_a_fast_glyph_stand_still(
    last: float, interval: float, takeover: float
) -> None:
    due = last + interval
    look, seen = next_look(last, due, takeover)
    assert look >= due + seen * takeover - 1e-9  # a tick is late by the takeover share first
    # ...and no later: the glyph stands still no longer than that, or than STILL.
    assert look <= max(last + STILL, due + seen * takeover) + 1e-6
