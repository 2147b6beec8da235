"""The watchdog's alarm: a Linux timer the loop's clock pushes forward at each tick, so that
the watchdog sleeps while the loop keeps time and wakes the moment it does not."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import pytest

from twirly import alarm as alarms
from twirly.alarm import Alarm, interval_of

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="timerfd is Linux's")

MAKERS = {"libc": alarms._made_by_libc, "os": alarms._made_by_os}


@pytest.fixture(params=sorted(MAKERS))
def alarm(request: pytest.FixtureRequest) -> Iterator[Alarm]:
    """An alarm made each way this Python can make one (os: Python 3.13 and later)."""
    made = MAKERS[request.param]()
    if made is None:
        pytest.skip(f"no timerfd by {request.param} on this Python")
    made_alarm = Alarm(*made, 0.5)
    yield made_alarm
    made_alarm.close()


def test_it_goes_off_at_the_time_it_is_set_for_and_not_before(alarm: Alarm) -> None:
    start = time.monotonic()
    assert alarm.set(start + 0.3)
    assert not alarm.wait(0.05)  # (not yet)
    assert alarm.wait(2.0)
    assert time.monotonic() >= start + 0.3
    assert alarm.wait(0.0)  # (gone off until drained: the watchdog looks before it drains)
    alarm.drain()
    assert not alarm.wait(0.05)  # once: the next wait sleeps again
    alarm.drain()  # (nothing to drain: no error)


def test_a_time_already_past_goes_off_at_once(alarm: Alarm) -> None:
    assert alarm.set(0.0)
    assert alarm.wait(2.0)


def test_a_push_forward_before_it_goes_off_moves_it(alarm: Alarm) -> None:
    start = time.monotonic()
    alarm.set(start + 0.1)
    alarm.set(start + 1.0)
    assert not alarm.wait(0.5)
    assert alarm.wait(3.0)
    assert time.monotonic() >= start + 1.0


def test_each_tick_sets_it_to_when_the_next_tick_will_be_late_by_its_share(alarm: Alarm) -> None:
    now = time.monotonic()
    alarm.ticked(now, 0.0, now + 0.8)
    assert alarm.at == pytest.approx(now + 0.8 + 0.4)
    assert alarm.since == now
    assert alarm.cpu == pytest.approx(time.thread_time(), abs=0.05)
    assert not alarm.wait(0.3)
    assert alarm.wait(3.0)
    assert time.monotonic() >= now + 1.2


def test_the_latest_tick_is_noted_with_its_gap_and_the_loop_threads_share_of_cpu(
    alarm: Alarm,
) -> None:
    start = time.monotonic()
    alarm.ticked(start, 0.0, start + 0.08)
    cpu = alarm.cpu
    end = start + 0.3
    while time.monotonic() < end:
        pass  # (busy: this thread's CPU time goes on, as much as the machine lets it)
    now = time.monotonic()
    alarm.ticked(now, now - (start + 0.08), now + 0.08)
    assert alarm.worst == pytest.approx(now - start - 0.08)
    assert alarm.worst_gap[0] == start
    assert alarm.worst_gap[1] == pytest.approx(start + 0.08)
    # This thread's CPU time over the gap (what it got of the machine, loaded or not).
    assert alarm.worst_busy == pytest.approx((alarm.cpu - cpu) / (now - start))
    assert alarm.worst_busy > 0
    later = now + 0.05
    time.sleep(0.05)  # (sleeping: no CPU time; but not as late as the worst one)
    alarm.ticked(later, 0.01, later + 0.08)
    assert alarm.worst_gap[0] == start
    assert alarm.worst_gap[1] == pytest.approx(start + 0.08)
    alarm.forget_worst()
    alarm.ticked(later + 0.1, 0.01, later + 0.18)
    assert alarm.worst == pytest.approx(0.01)
    assert alarm.worst_gap[0] == later


def test_once_closed_it_neither_sets_nor_waits(alarm: Alarm) -> None:
    alarm.close()
    alarm.close()  # (idempotent)
    assert not alarm.set(time.monotonic())
    assert not alarm.wait(0.01)
    alarm.ticked(time.monotonic(), 0.0, time.monotonic() + 0.08)  # (no error, no time set)
    assert alarm.at == 0.0


@pytest.mark.parametrize(("gap", "late"), [(0.08, 0.0), (0.001, 0.0), (5.0, 0.2), (-1.0, 0.0)])
def test_a_tick_sets_the_time_set_would_with_the_clocks_interval(
    alarm: Alarm, gap: float, late: float
) -> None:
    # (ticked() writes set() and interval_of() out: it must set what they give)
    now = time.monotonic()
    alarm.ticked(now, late, now + gap)
    assert alarm.at == pytest.approx(now + gap + interval_of(now, now + gap) * alarm.share)
    if alarm.at < time.monotonic():  # (the timer itself was set: it has gone off)
        assert alarm.wait(1.0)
    else:
        assert not alarm.wait(0.0)
        alarm.ticked(now, late, now - 10.0)  # (due long ago: it goes off at once)
        assert alarm.wait(1.0)


# (the child only sets the alarm and exits: no lock another thread held is taken there)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_lets_the_parents_alarms_go_and_the_parents_keep_working() -> None:
    made = alarms.create(0.5)
    assert made is not None
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os._exit(0 if not made.set(time.monotonic() + 10) else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert made.set(time.monotonic() + 0.05)
        assert made.wait(2.0)
    finally:
        made.close()


@pytest.mark.parametrize(
    ("last", "due", "interval"),
    [(10.0, 10.08, 0.08), (10.0, 10.001, 0.01), (10.0, 15.0, 1.0), (0.0, 3.0, 0.1)],
)
def test_the_interval_is_kept_between_ten_milliseconds_and_a_second(
    last: float, due: float, interval: float
) -> None:
    assert interval_of(last, due) == pytest.approx(interval)


@pytest.mark.parametrize("maker", sorted(MAKERS))
def test_alarms_set_at_once_from_two_threads_each_keep_their_own_time(maker: str) -> None:
    # Each alarm packs its times into a buffer of its own: two alarms set over and over at
    # the same moment, from two threads, each go off at the time last set for it.
    import threading

    made = [MAKERS[maker]() for _ in range(2)]
    if made[0] is None or made[1] is None:
        pytest.skip(f"no timerfd by {maker} on this Python")
    near, far = (Alarm(*pair, 0.5) for pair in made)  # type: ignore[misc]
    start = time.monotonic()
    go = threading.Barrier(2)

    def push(alarm: Alarm, at: float) -> None:
        go.wait()
        for _ in range(20_000):
            alarm.set(at)

    threads = [
        threading.Thread(target=push, args=(near, start + 0.3)),
        threading.Thread(target=push, args=(far, start + 60.0)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert near.wait(5.0)
        assert time.monotonic() >= start + 0.3
        assert not far.wait(0.2)
    finally:
        near.close()
        far.close()
