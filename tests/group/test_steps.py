"""Steps are rows, not tasks: the summary counts a group's tasks, however many steps each
takes, in asyncio and in threads; a failing step prints one line, and its task fails once."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import pytest

import twirly
from tests.group.screen import Display
from twirly._group import Group, TaskRow
from twirly.testing import VirtualTerminal

GLYPHS = set("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")


def _glyphless(line: str) -> str:
    return line[2:] if line[:1] in GLYPHS else line


def _shown(vt: VirtualTerminal) -> list[str]:
    """The screen's rows with text, glyphs and indents taken off."""
    return [_glyphless(line.strip()) for line in vt.lines if line]


def _start(group: Group, title: str, parent: TaskRow | None = None) -> TaskRow:
    task = group._new(title, parent, None)
    group._begin(task)
    return task


async def _verify_and_store(n: int, fail: int | None = None) -> int:
    async with twirly.step("verify"):
        await asyncio.sleep(0)
    async with twirly.step("store"):
        await asyncio.sleep(0)
        if n == fail:
            raise OSError("disk full")
    return n


def test_asyncio_steps_are_not_counted_as_tasks() -> None:
    async def main() -> list[int]:
        async with twirly.group("Three tasks") as g:
            return list(await g.gather(*(_verify_and_store(n) for n in range(3))))

    with VirtualTerminal() as vt:
        assert asyncio.run(main()) == [0, 1, 2]
    assert _shown(vt) == ["Three tasks  3 done · 0 failed · 0:00"]


def test_asyncio_tasks_in_a_step_are_counted_running_and_their_steps_are_not() -> None:
    async def main(vt: VirtualTerminal) -> None:
        entered = 0
        all_in, gate = asyncio.Event(), asyncio.Event()

        async def job() -> None:
            nonlocal entered
            async with twirly.step("verify"):
                entered += 1
                if entered == 3:
                    all_in.set()
                await gate.wait()

        async with twirly.group("Three tasks") as g:
            gathered = g.gather(job(), job(), job(), titles=["a", "b", "c"])
            await all_in.wait()
            vt.advance(0.3)  # (past show_after: the tasks and their steps have rows)
            rows = _shown(vt)
            assert [row.split()[0] for row in rows[:-1]] == [
                "a",
                "verify",
                "b",
                "verify",
                "c",
                "verify",
            ]
            assert rows[-1] == "Three tasks  3 running · 0 done · 0 failed · 0:00"
            assert g.counts["running"] == 3
            gate.set()
            await gathered

    with VirtualTerminal() as vt:
        asyncio.run(main(vt))
    assert _shown(vt) == ["Three tasks  3 done · 0 failed · 0:00"]


def test_a_failing_asyncio_step_prints_one_line_and_its_task_fails_once() -> None:
    async def main() -> list[object]:
        async with twirly.group("Three tasks") as g:
            jobs = (_verify_and_store(n, fail=1) for n in range(3))
            return list(await g.gather(*jobs, titles=["a", "b", "c"], return_exceptions=True))

    with VirtualTerminal() as vt:
        results = asyncio.run(main())
    assert isinstance(results[1], OSError)
    assert _shown(vt) == [
        "✖ b › store: OSError: disk full",
        "Three tasks  2 done · 1 failed · 0:00",
    ]


def test_a_step_failure_the_task_handles_is_a_line_not_a_count() -> None:
    async def careful() -> None:
        try:
            async with twirly.step("cache"):
                raise LookupError("cold")
        except LookupError:
            pass

    async def main() -> None:
        async with twirly.group("Work") as g:
            await g.gather(careful(), titles=["load"])

    with VirtualTerminal() as vt:
        asyncio.run(main())
    assert _shown(vt) == [
        "✖ load › cache: LookupError: cold",
        "Work  1 done · 0 failed · 0:00",
    ]


def test_a_failure_in_a_step_of_a_step_is_printed_once() -> None:
    async def deep() -> None:
        async with twirly.step("outer"), twirly.step("inner"):
            raise ValueError("bad")

    async def main() -> None:
        async with twirly.group("Work") as g:
            await g.gather(deep(), titles=["job"], return_exceptions=True)

    with VirtualTerminal() as vt:
        asyncio.run(main())
    assert _shown(vt) == [
        "✖ job › outer › inner: ValueError: bad",
        "Work  0 done · 1 failed · 0:00",
    ]


def test_thread_steps_in_task_blocks_and_submitted_calls_are_not_counted() -> None:
    def hash_file(n: int) -> int:
        with twirly.step("read"):
            pass
        with twirly.step("hash"):
            if n == 2:
                raise ValueError("unreadable")
        return n

    with (
        VirtualTerminal() as vt,
        twirly.group("Hashing") as g,
        concurrent.futures.ThreadPoolExecutor(2) as pool,
    ):
        futures = [g.submit(pool, hash_file, n, title=f"f{n}") for n in range(4)]
        with g.task("index"), twirly.step("scan"), twirly.step("sort"):
            pass
        with pytest.raises(ValueError, match="unreadable"):
            [future.result() for future in futures]
        concurrent.futures.wait(futures)
    assert _shown(vt) == [
        "✖ f2 › hash: ValueError: unreadable",
        "Hashing  4 done · 1 failed · 0:00",
    ]
    assert g.counts["done"] == 4


def test_a_step_in_a_thread_is_not_counted_while_it_runs() -> None:
    inside, leave = threading.Event(), threading.Event()

    def work() -> None:
        with twirly.step("upload"):
            inside.set()
            assert leave.wait(10)

    with (
        VirtualTerminal() as vt,
        twirly.group("Sync") as g,
        concurrent.futures.ThreadPoolExecutor(1) as pool,
    ):
        future = g.submit(pool, work, title="photo")
        try:
            assert inside.wait(10)
            vt.advance(0.3)
            assert _shown(vt)[-1] == "Sync  1 running · 0 done · 0 failed · 0:00"
        finally:
            leave.set()
        future.result()
    assert _shown(vt) == ["Sync  1 done · 0 failed · 0:00"]


def test_not_shown_counts_the_tasks_without_a_row_not_steps() -> None:
    display = Display(80, 8)  # six task rows and the summary
    with display.group(show_after=0) as g:
        tasks = []
        steps = []
        for n in range(10):
            tasks.append(_start(g, f"t{n}"))
            steps.append(_start(g, "step", tasks[-1]))
        display.tick()
        rows = [_glyphless(line.strip()).split()[0] for line in display.used[:-1]]
        assert rows == ["t0", "step", "t1", "step", "t2", "step"]
        summary = "Work  10 running · 0 done · 0 failed · +7 not shown · 0:00"
        assert _glyphless(display.used[-1]) == summary
        steps[0].ok()  # (t3 takes the step's row: one task fewer not shown, none more done)
        display.tick()
        assert _glyphless(display.used[-1]) == (
            "Work  10 running · 0 done · 0 failed · +6 not shown · 0:00"
        )
        steps[1].ok()
        tasks[1].ok()  # (t4 takes t1's row, t3's step the row of t1's step)
        display.tick()
        rows = [_glyphless(line.strip()).split()[0] for line in display.used[:-1]]
        assert rows == ["t0", "t4", "t2", "step", "t3", "step"]
        assert _glyphless(display.used[-1]) == (
            "Work  9 running · 1 done · 0 failed · +5 not shown · 0:00"
        )
        for task in steps + tasks:
            task.ok()
