"""The stop flag the clocks and the watchdog sleep on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from twirly.flag import StopFlag


def test_a_wait_ends_with_its_timeout_while_the_flag_is_not_set() -> None:
    flag = StopFlag()
    start = time.monotonic()
    assert not flag.wait(0.05)
    assert time.monotonic() - start >= 0.05
    assert not flag.wait(0.0)  # (no wait at all)
    assert not flag.is_set()


def _woken_by(flag: StopFlag, wake: Callable[[], None]) -> list[bool]:
    """What a thread's long wait on ``flag`` returned, once ``wake`` was called while it
    waited."""
    waiting = threading.Event()
    woken: list[bool] = []

    def waiter() -> None:
        waiting.set()
        woken.append(flag.wait(60.0))

    thread = threading.Thread(target=waiter)
    thread.start()
    waiting.wait()
    wake()
    thread.join(10.0)
    return woken


def test_setting_it_from_another_thread_wakes_a_waiter_at_once() -> None:
    flag = StopFlag()
    assert _woken_by(flag, flag.set) == [True]


def test_once_set_every_wait_returns_at_once_and_setting_again_is_harmless() -> None:
    flag = StopFlag()
    flag.set()
    flag.set()
    assert flag.is_set()
    assert flag.wait(60.0)
    assert flag.wait(60.0)


def test_a_wait_longer_than_a_lock_allows_is_taken_as_the_longest() -> None:
    flag = StopFlag()
    done: list[bool] = []
    thread = threading.Thread(target=lambda: done.append(flag.wait(1e30)))
    thread.start()
    flag.set()
    thread.join(10.0)
    assert done == [True]


def test_a_poke_wakes_one_wait_without_setting_the_flag() -> None:
    flag = StopFlag()
    assert _woken_by(flag, flag.poke) == [False]  # (woken early, not stopped)
    assert not flag.is_set()
    assert not flag.wait(0.01)  # (the next wait waits again)


def test_a_poke_before_a_wait_ends_that_wait_at_once_and_two_pokes_count_once() -> None:
    flag = StopFlag()
    flag.poke()
    flag.poke()
    start = time.monotonic()
    assert not flag.wait(60.0)
    assert time.monotonic() - start < 30.0
    assert not flag.wait(0.01)
    flag.poke()
    flag.set()  # (set after a poke: every wait returns True from now on)
    assert flag.wait(60.0)
    assert flag.wait(60.0)
    flag.poke()  # (harmless once set)
    assert flag.wait(60.0)
