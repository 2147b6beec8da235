"""The watchdog is a correct asyncio citizen and costs nothing while the loop is healthy:
timeouts, TaskGroups and cancellation reach the program as without twirly, nothing is left
behind, the loop is never woken for it, and a healthy or saturated loop is never blamed."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest

import twirly
from tests.support.ptyrun import clean_env
from twirly import alarm, watchdog


@pytest.fixture(autouse=True, params=["alarm", "looks"])
def waits(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test both ways a watchdog waits for a late tick: asleep on an alarm the clock
    pushes forward (Linux), or looking now and then (elsewhere)."""
    if request.param == "alarm" and sys.platform != "linux":
        pytest.skip("the alarm is a Linux timerfd")
    monkeypatch.setattr(watchdog, "_use_alarm", request.param == "alarm")
    return str(request.param)


def _watched(text: str = "x", **options: Any) -> twirly.Spinner:
    # animate=True on a text stream: drawn (into the stream), ticked by an asyncio clock,
    # with its watchdog, as on a terminal.
    return twirly.spinner(text, stream=io.StringIO(), animate=True, **options)


def _twirly_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("twirly")]


def test_a_timeout_around_a_block_reaches_the_program() -> None:
    async def main() -> tuple[list[Any], set[asyncio.Task[Any]]]:
        async with _watched() as sp:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.1):
                    time.sleep(0.4)  # blocks past the deadline, then awaits
                    await asyncio.sleep(1)
            task = asyncio.current_task()
            assert task is not None
            assert task.cancelling() == 0
        return sp.blocks, asyncio.all_tasks()

    blocks, tasks = asyncio.run(main())
    assert len(blocks) == 1
    assert blocks[0].kind == "blocked"
    assert len(tasks) == 1
    assert _twirly_threads() == []


def test_a_task_group_failure_reaches_the_program() -> None:
    error = ValueError("boom")

    async def fails() -> None:
        time.sleep(0.3)
        raise error

    async def main() -> list[BaseException]:
        caught: list[BaseException] = []
        async with _watched():
            try:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(fails())
                    tg.create_task(asyncio.sleep(5))
            except* ValueError as group:
                caught.extend(group.exceptions)
        return caught

    assert asyncio.run(main()) == [error]
    assert _twirly_threads() == []


def test_outer_cancellation_passes_through_untouched() -> None:
    async def inner() -> None:
        async with _watched():
            time.sleep(0.3)
            await asyncio.sleep(5)

    async def main() -> int:
        task = asyncio.create_task(inner())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return task.cancelling()

    assert asyncio.run(main()) == 1  # as asyncio leaves it: one cancel() asked
    assert _twirly_threads() == []


def test_a_healthy_loop_records_nothing_and_is_never_woken_for_the_watchdog() -> None:
    woken = []

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        original = loop.call_soon_threadsafe

        def counting(*args: Any, **kwargs: Any) -> Any:
            woken.append(args)
            return original(*args, **kwargs)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]
        async with _watched() as sp:
            end = time.monotonic() + 2.0
            while time.monotonic() < end:
                time.sleep(0.01)  # steps of 10 ms: a healthy loop
                await asyncio.sleep(0)
        return sp.blocks

    assert asyncio.run(main()) == []
    assert woken == []


@pytest.mark.parametrize("waits", ["alarm"], indirect=True)
def test_with_an_alarm_the_watchdog_sleeps_while_the_loop_keeps_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    woken: list[bool] = []
    late: list[float] = []  # (ticks late enough for the alarm: a loaded machine makes some)
    original, ticked = alarm.Alarm.wait, alarm.Alarm.ticked

    def counting(self: alarm.Alarm, timeout: float) -> bool:
        went_off = original(self, timeout)
        woken.append(went_off)
        return went_off

    def noting(self: alarm.Alarm, at: float, lateness: float, due: float) -> None:
        if lateness > 0.25 * 0.08:
            late.append(lateness)
        ticked(self, at, lateness, due)

    monkeypatch.setattr(alarm.Alarm, "wait", counting)
    monkeypatch.setattr(alarm.Alarm, "ticked", noting)

    async def main() -> tuple[list[Any], int]:
        async with _watched() as sp:
            end = time.monotonic() + 1.5
            while time.monotonic() < end:
                time.sleep(0.01)  # steps of 10 ms: a healthy loop
                await asyncio.sleep(0)
            ticks = sp._terminal.ticker.ticks  # type: ignore[union-attr]
        return sp.blocks, ticks

    blocks, ticks = asyncio.run(main())
    assert blocks == []
    assert ticks >= 10  # (the loop's clock ticked all along, pushing the alarm forward)
    # Once, when the spinner stopped; and no more than once for each tick that came late
    # (on a quiet machine: none).
    assert woken[-1] is True
    assert len(woken) <= 1 + len(late), (woken, late)


@pytest.mark.parametrize("waits", ["alarm"], indirect=True)
def test_a_watchdog_whose_alarm_fails_looks_now_and_then_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[alarm.Alarm] = []

    def failing(share: float) -> alarm.Alarm:
        def refuse(fd: int, at: float) -> None:
            raise OSError("timerfd_settime failed")

        read, write = os.pipe()
        os.close(write)
        made.append(alarm.Alarm(read, refuse, share))
        return made[-1]

    monkeypatch.setattr(alarm, "create", failing)

    async def main() -> list[Any]:
        async with _watched() as sp:
            await asyncio.sleep(0.2)
            time.sleep(0.6)  # blocks the loop
            await asyncio.sleep(0.1)
        return sp.blocks

    blocks = asyncio.run(main())
    assert len(made) == 1
    assert [block.kind for block in blocks] == ["blocked"]
    assert not made[0].set(0.0)  # (let go of, once it failed)
    assert _twirly_threads() == []


def test_a_stop_that_waits_for_the_terminal_is_no_block_of_the_program() -> None:
    # Another thread holds the terminal's lock (a write, a frame: on a loaded machine it may
    # be held a while) as the spinner stops: the loop thread waits in twirly's stop, and
    # the watchdog sees the loop late. That wait is twirly's, not the program's line's.
    held, release = threading.Event(), threading.Event()

    def hold(terminal: Any) -> None:
        with terminal._lock:
            held.set()
            release.wait(5)

    async def main() -> list[Any]:
        async with _watched() as sp:
            await asyncio.sleep(0.3)
            terminal = sp._terminal
            threading.Thread(target=hold, args=(terminal,), daemon=True).start()
            held.wait(5)
            threading.Timer(0.8, release.set).start()
        return sp.blocks

    blocks = asyncio.run(main())
    assert release.is_set()  # (the stop waited for it)
    assert blocks == []


def test_a_saturated_loop_is_busy_never_blamed_on_one_line() -> None:
    async def worker() -> None:
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            time.sleep(0.005)  # 5 ms of work between awaits, in each of many tasks
            await asyncio.sleep(0)

    async def main() -> list[Any]:
        async with _watched() as sp:
            await asyncio.gather(*(worker() for _ in range(200)))
        return sp.blocks

    blocks = asyncio.run(main())
    assert blocks  # the spinner's ticks were late
    assert all(block.kind == "busy" for block in blocks), blocks
    assert all(block.function is None for block in blocks)


def test_off_a_terminal_the_summary_is_printed_once_at_the_end() -> None:
    stream = io.StringIO()

    async def main() -> None:
        async with twirly.spinner("working", stream=stream):
            time.sleep(0.4)

    asyncio.run(main())
    lines = stream.getvalue().splitlines()
    assert lines[0] == "working"
    assert lines[1] == "⚠ event loop blocked 1 time, ~0.4 s in total (longest ~0.4 s)"
    assert lines[2].startswith("  ~0.4 s  main()  test_citizen.py:")
    assert "time.sleep(0.4)" in lines[2]
    assert len(lines) == 3
    assert "\x1b" not in stream.getvalue()


def test_each_recorded_block_is_one_warning_on_the_twirly_watchdog_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        async with _watched():
            time.sleep(0.3)

    with caplog.at_level(logging.WARNING, logger="twirly.watchdog"):
        asyncio.run(main())
    records = [r for r in caplog.records if r.name == "twirly.watchdog"]
    assert len(records) == 1
    assert "main()" in records[0].getMessage()
    assert records[0].twirly_block.kind == "blocked"  # type: ignore[attr-defined]


def test_a_group_has_a_watchdog_too() -> None:
    async def main() -> list[Any]:
        async with twirly.group("Work", stream=io.StringIO(), animate=True) as g:

            async def step() -> None:
                time.sleep(0.3)

            await g.gather(step())
        return g.blocks

    blocks = asyncio.run(main())
    assert len(blocks) == 1
    assert blocks[0].function == "step"


@pytest.mark.parametrize("bad", ["yes", 1, 0.5])
def test_a_watchdog_argument_that_is_not_a_switch_is_an_error(bad: object) -> None:
    with pytest.raises(TypeError, match="watchdog must be True, False or None"):
        twirly.spinner("x", watchdog=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="watchdog must be True, False or None"):
        twirly.group("x", watchdog=bad)  # type: ignore[arg-type]


def test_uvloop_blocks_are_named_the_same() -> None:
    uvloop = pytest.importorskip("uvloop")

    async def main() -> list[Any]:
        async with _watched() as sp:
            time.sleep(0.4)
        return sp.blocks

    if sys.version_info >= (3, 12):
        blocks = asyncio.run(main(), loop_factory=uvloop.new_event_loop)
    else:
        blocks = uvloop.run(main())
    assert len(blocks) == 1
    assert (blocks[0].kind, blocks[0].function) == ("blocked", "main")


def test_a_spinner_forgotten_at_asyncio_run_exit_leaves_nothing() -> None:
    code = textwrap.dedent("""\
        import asyncio, threading, time, twirly
        async def main():
            twirly.spinner("forgotten").start()
            time.sleep(0.3)
            await asyncio.sleep(0.1)
        asyncio.run(main())
        left = [t.name for t in threading.enumerate() if t.name.startswith("twirly")]
        print("LEFT", left)
        """)
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env({"TWIRLY_ANIMATE": "1"}),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"LEFT []" in done.stdout
    assert b"Task was destroyed" not in done.stderr
    assert done.stderr.rfind(b"\x1b[?25h") > done.stderr.rfind(b"\x1b[?25l") >= 0  # restored
    assert b"event loop blocked 1 time" in done.stderr  # (the block before the runner's end)


def test_thresholds_set_by_configure_apply_to_spinners_started_afterwards() -> None:
    from twirly import watchdog

    async def main() -> list[Any]:
        async with _watched() as sp:
            time.sleep(0.4)  # under the new record threshold: not recorded
        return sp.blocks

    watchdog.configure(record=1.0)
    try:
        assert asyncio.run(main()) == []
    finally:
        watchdog.configure()
    assert len(asyncio.run(main())) == 1
