"""A group keeps asyncio's semantics exactly: results, order, exceptions, cancellation,
TaskGroup, timeouts, and no task of twirly's left behind."""

from __future__ import annotations

import asyncio
import gc
import io
import sys
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import twirly
from twirly._group import Group


def _quiet(title: str = "Work", **options: Any) -> Group:
    # Off a terminal (a text stream): the same model, lines printed as plain text.
    return twirly.group(title, stream=io.StringIO(), heartbeat=0, **options)


def run(main: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(main())  # type: ignore[arg-type]


async def value(result: Any, delay: float = 0.0) -> Any:
    await asyncio.sleep(delay)
    return result


async def boom(error: BaseException, delay: float = 0.0) -> None:
    await asyncio.sleep(delay)
    raise error


def test_gather_returns_results_in_order() -> None:
    async def main() -> list[int]:
        async with _quiet() as g:
            results: list[int] = await g.gather(
                value(1, 0.03), value(2, 0.01), value(3, 0.02), titles=["a", "b", "c"]
            )
            assert g.counts["done"] == 3
        return results

    assert run(main) == [1, 2, 3]


def test_gather_raises_the_same_exception_object() -> None:
    error = ValueError("bad")

    async def main() -> None:
        async with _quiet() as g:
            with pytest.raises(ValueError, match="bad") as caught:
                await g.gather(value(1), boom(error))
            assert caught.value is error
            await asyncio.sleep(0)
            assert g.counts["failed"] == 1

    run(main)


def test_gather_with_return_exceptions_returns_them_in_place() -> None:
    error = KeyError("k")

    async def main() -> list[Any]:
        async with _quiet() as g:
            return list(await g.gather(value(1), boom(error), return_exceptions=True))

    results = run(main)
    assert results[0] == 1
    assert results[1] is error


def test_cancelling_the_gather_cancels_its_children() -> None:
    started = []

    async def child(n: int) -> None:
        started.append(n)
        await asyncio.sleep(10)

    async def main() -> dict[str, int]:
        async with _quiet() as g:
            gathering = g.gather(*(child(n) for n in range(5)))
            while len(started) < 5:
                await asyncio.sleep(0)
            gathering.cancel()
            with pytest.raises(asyncio.CancelledError):
                await gathering
            return g.counts

    counts = run(main)
    assert counts["cancelled"] == 5
    assert counts["running"] == 0


def test_a_future_given_to_gather_stays_itself() -> None:
    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        loop.call_later(0.01, future.set_result, "later")
        async with _quiet() as g:
            return list(await g.gather(future, value(2), titles=["fut", "coro"]))

    assert run(main) == ["later", 2]


def test_titles_must_match_the_awaitables_and_nothing_is_left_unawaited() -> None:
    async def main() -> None:
        async with _quiet() as g:
            with pytest.raises(ValueError, match="titles has 1 items for 2"):
                g.gather(value(1), value(2), titles=["a"])
            with pytest.raises(TypeError, match="titles must be a sequence"):
                g.gather(value(1), titles="a")
            with pytest.raises(TypeError, match="each of titles must be str"):
                g.gather(value(1), titles=[1])  # type: ignore[list-item]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(main)
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]


def test_task_group_keeps_its_semantics() -> None:
    first = ValueError("first")
    cancelled = []

    async def sibling(n: int) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(n)
            raise

    received: list[BaseException] = []

    async def main() -> Group:
        tg = twirly.TaskGroup("Build", stream=io.StringIO(), heartbeat=0)
        try:
            async with tg:
                for n in range(3):
                    tg.create_task(sibling(n), title=f"s{n}")
                tg.create_task(boom(first, 0.01), title="bad")
        except* ValueError as group:
            received.extend(group.exceptions)
        return tg.group

    g = run(main)
    assert len(received) == 1
    assert received[0] is first
    assert sorted(cancelled) == [0, 1, 2]
    assert g.counts["cancelled"] == 3
    assert g.counts["failed"] == 1


def test_the_program_task_group_takes_tracked_tasks() -> None:
    async def main() -> list[int]:
        async with _quiet("Build") as g:
            async with asyncio.TaskGroup() as tg:
                tasks = [tg.create_task(g.track(value(n), title=f"t{n}")) for n in range(3)]
            return [task.result() for task in tasks]

    assert run(main) == [0, 1, 2]


def test_as_completed_yields_in_the_order_tasks_end() -> None:
    async def main() -> list[str]:
        order = []
        async with _quiet() as g:
            aws = [value("slow", 0.05), value("fast", 0.0), value("mid", 0.02)]
            async for task in g.as_completed(aws, titles=["s", "f", "m"]):
                order.append(await task)
        return order

    assert run(main) == ["fast", "mid", "slow"]


def test_as_completed_also_iterates_as_the_standard_function() -> None:
    async def main() -> list[str]:
        async with _quiet() as g:
            return [await aw for aw in g.as_completed([value("b", 0.02), value("a")])]

    assert run(main) == ["a", "b"]


def test_a_timeout_passes_through_and_the_task_is_cancelled() -> None:
    async def main() -> dict[str, int]:
        async with _quiet() as g:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.02):
                    await g.track(asyncio.sleep(10), title="slow")
            return g.counts

    counts = run(main)
    assert counts["cancelled"] == 1


def test_cancel_counts_of_the_task_are_untouched() -> None:
    seen: list[int] = []

    async def tracked() -> None:
        task = asyncio.current_task()
        assert task is not None
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            seen.append(task.cancelling())
            raise

    async def main(with_twirly: bool) -> int:
        async with _quiet() as g:
            coro = g.track(tracked()) if with_twirly else tracked()
            task = asyncio.ensure_future(coro)
            await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return task.cancelling()

    without = asyncio.run(main(False))
    with_ = asyncio.run(main(True))
    assert with_ == without
    assert seen[0] == seen[1]


def test_nothing_of_twirly_is_left_after_the_group() -> None:
    async def main() -> set[asyncio.Task[Any]]:
        async with twirly.group("Work", stream=io.StringIO(), animate=True) as g:
            await g.gather(value(1, 0.01))
        return asyncio.all_tasks()

    tasks = run(main)
    assert len(tasks) == 1  # the caller only


def test_current_is_the_task_row_and_children_nest() -> None:
    async def inner() -> str:
        return twirly.current().path

    async def outer() -> tuple[str, str, str]:
        row = twirly.current()
        g = row.group
        assert g is not None
        nested = await g.track(inner(), title="inner")
        in_thread = await asyncio.to_thread(lambda: twirly.current().title)
        async with twirly.step("verify") as step:
            stepped = step.path
        return nested, in_thread, stepped

    async def main() -> tuple[str, str, str]:
        async with _quiet() as g:
            return await g.track(outer(), title="outer")  # type: ignore[no-any-return]

    assert run(main) == ("outer › inner", "outer", "outer › verify")
    assert twirly.current().group is None  # outside: the inert row


def test_an_inert_row_outside_any_task_does_nothing() -> None:
    row = twirly.current()
    row.text = "nothing"
    row.ok()
    row.fail("nothing either")
    assert row.group is None


def test_a_step_outside_a_group_is_a_spinner_that_leaves_a_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def main() -> None:
        async with twirly.step("verify"):
            await asyncio.sleep(0)

    run(main)  # (on the default stream, sys.stderr: off a terminal under pytest's capture)
    assert capsys.readouterr().err.splitlines() == ["verify", "✔ verify"]


def test_limit_lets_that_many_run_at_once() -> None:
    running = 0
    most = 0

    async def work() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.005)
        running -= 1

    async def main() -> None:
        async with _quiet(limit=3) as g:
            await g.gather(*(work() for _ in range(20)))

    run(main)
    assert most == 3


def test_keyboard_interrupt_marks_the_task_interrupted() -> None:
    async def main() -> Group:
        g = _quiet()
        with pytest.raises(KeyboardInterrupt):
            async with g:
                await g.track(boom(KeyboardInterrupt()))
        return g

    g = run(main)
    assert g.counts["interrupted"] == 1


def test_off_a_terminal_the_lines_are_plain() -> None:
    stream = io.StringIO()

    async def main() -> None:
        async with twirly.group("Fetch", stream=stream, heartbeat=0) as g:
            aws = value(1), boom(ValueError("no"))
            await g.gather(*aws, return_exceptions=True, titles=["a", "b"])

    run(main)
    text = stream.getvalue()
    assert "\x1b" not in text
    assert "\r" not in text
    lines = text.splitlines()
    assert lines[0] == "Fetch"
    assert "FAIL b: ValueError: no" in lines
    # (a text stream that names no encoding: no Unicode, commas between the counts)
    assert lines[-1].startswith("Fetch  1 done, 1 failed, 0:0")
    assert len(lines) == 3


def test_uvloop_behaves_the_same() -> None:
    uvloop = pytest.importorskip("uvloop")

    async def main() -> list[int]:
        async with twirly.group("Work", stream=io.StringIO(), animate=True) as g:
            return list(await g.gather(value(1, 0.01), value(2)))

    if sys.version_info >= (3, 12):
        assert asyncio.run(main(), loop_factory=uvloop.new_event_loop) == [1, 2]
    else:
        assert uvloop.run(main()) == [1, 2]


@pytest.mark.parametrize("leave", ["break", "timeout"])
def test_as_completed_left_early_cancels_its_own_tasks_only(leave: str) -> None:
    # asyncio.as_completed leaves the tasks it was given running; the ones twirly made of
    # coroutines nobody else can await, and they are cancelled.
    async def main() -> tuple[Any, bool, dict[str, int]]:
        async with _quiet() as g:
            mine = asyncio.create_task(value("mine", 0.05))
            coroutine = value("made", 30)
            timeout = 0.01 if leave == "timeout" else None
            with pytest.raises(TimeoutError) if timeout else _nothing():
                async for task in g.as_completed([mine, coroutine], timeout=timeout):
                    await task
                    break
            made_left = not mine.done()
            result = await mine  # (not cancelled: it is the caller's)
            # (After `break`, when the loop lets go of the iteration: a few turns.)
            for _ in range(100):
                if g.counts["cancelled"]:
                    break
                await asyncio.sleep(0.005)
            return result, made_left, g.counts

    result, mine_ran_on, counts = run(main)
    assert result == "mine"
    assert counts["cancelled"] == 1  # the task made of the coroutine
    assert mine_ran_on == (leave == "timeout")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_something_not_awaitable_given_to_gather_leaves_nothing_queued_or_unawaited() -> None:
    async def main() -> dict[str, int]:
        async with _quiet() as g:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # ("coroutine ... was never awaited")
                with pytest.raises(TypeError, match="awaitable"):
                    g.gather(value(1), value(2), 5)  # type: ignore[arg-type]
                gc.collect()
            return g.counts

    counts = run(main)
    assert counts["queued"] == counts["running"] == 0


def test_a_task_refused_by_a_task_group_shutting_down_is_not_left_queued() -> None:
    async def main() -> dict[str, int]:
        tg = twirly.TaskGroup("Work", stream=io.StringIO(), heartbeat=0)
        refused: list[RuntimeError] = []
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # ("coroutine ... was never awaited")
            with pytest.raises(ExceptionGroup):
                async with tg:
                    tg.create_task(boom(ValueError("first"), 0.01), title="fails")
                    try:
                        await asyncio.sleep(10)
                    except asyncio.CancelledError:  # (the failure cancels the body)
                        try:
                            tg.create_task(value("late"), title="late")
                        except RuntimeError as error:
                            refused.append(error)
                        raise
            gc.collect()
        assert refused, "the task group took a task while shutting down"
        return tg.group.counts

    counts = run(main)
    assert counts["queued"] == counts["running"] == 0
    assert counts["failed"] == 1


def test_parent_is_accepted_by_every_call_that_makes_tasks() -> None:
    async def main() -> list[str]:
        async with _quiet(persist="all") as g:
            with g.task("parent") as parent:
                await g.gather(value(1), titles=["gathered"], parent=parent)
                async for task in g.as_completed([value(2)], titles=["completed"], parent=parent):
                    await task
                await g.create_task(value(3), title="created", parent=parent)
            inner = twirly.TaskGroup("Inner", stream=io.StringIO(), heartbeat=0, persist="all")
            async with inner as tg:
                with tg.group.task("outer") as outer:
                    tg.create_task(value(4), title="in a task group", parent=outer)
            streams = (g._stream.getvalue(), tg.group._stream.getvalue())
            return [line for text in streams for line in text.splitlines() if " > " in line]

    lines = run(main)
    assert sorted(line.split(" ", 1)[1] for line in lines) == [
        "outer > in a task group",
        "parent > completed",
        "parent > created",
        "parent > gathered",
    ]


def test_a_closed_group_refuses_gather_and_as_completed_and_closes_every_coroutine() -> None:
    async def main() -> None:
        async with _quiet() as g:
            pass
        for call in (g.gather, lambda *aws: g.as_completed(aws)):
            coroutines = [value(1), value(2)]
            with pytest.raises(RuntimeError, match="not open"):
                call(*coroutines)
            assert [c.cr_frame for c in coroutines] == [None, None]

    run(main)
