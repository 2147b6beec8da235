"""The command line's signal inbox: what the run loop learns of signals, and when."""

from __future__ import annotations

import os
import select
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from twirly.cli.inbox import SignalInbox


@pytest.fixture
def inbox() -> Iterator[SignalInbox]:
    made = SignalInbox()
    try:
        yield made
    finally:
        made.close()


def test_a_wait_for_a_signal_that_came_already_returns_at_once(inbox: SignalInbox) -> None:
    os.kill(os.getpid(), signal.SIGCONT)  # (a running process is only told)
    start = time.monotonic()
    inbox.wait_for(signal.SIGCONT)
    assert time.monotonic() - start < 1.0
    assert signal.SIGCONT in inbox.take()


def test_a_wait_sleeps_until_the_signal_and_keeps_the_others_for_the_run_loop(
    inbox: SignalInbox,
) -> None:
    def later() -> None:
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGWINCH)
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGCONT)

    sender = threading.Thread(target=later)
    start = time.monotonic()
    sender.start()
    inbox.wait_for(signal.SIGCONT)
    sender.join()
    assert time.monotonic() - start >= 0.4

    assert select.select([inbox.fd], [], [], 0)[0]  # (the run loop still wakes for them)
    taken = inbox.take()
    assert signal.SIGWINCH in taken
    assert signal.SIGCONT in taken
