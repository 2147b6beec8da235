"""A group with threads, executors and any future: results as without twirly, context
followed into workers, limits, and bad input named before anything is drawn."""

from __future__ import annotations

import concurrent.futures
import contextvars
import io
import multiprocessing
import threading
from typing import Any

import pytest

import twirly
from tests.group.screen import Display
from twirly._group import Group

REQUEST = contextvars.ContextVar("request", default="none")


def _quiet(title: str = "Work", **options: Any) -> Group:
    return twirly.group(title, stream=io.StringIO(), heartbeat=0, **options)


def test_submit_returns_the_executor_future_and_copies_the_context() -> None:
    REQUEST.set("r-42")

    def work(n: int) -> tuple[int, str, str]:
        return n * 2, REQUEST.get(), twirly.current().title

    with _quiet() as g, concurrent.futures.ThreadPoolExecutor(2) as pool:
        future = g.submit(pool, work, 21, title="answer")
        assert future.result() == (42, "r-42", "answer")
    assert g.counts["done"] == 1


def test_a_task_made_inside_a_submitted_call_is_its_child() -> None:
    def outer(g: Group) -> str:
        with g.task("inner") as row:
            return row.path

    with _quiet() as g, concurrent.futures.ThreadPoolExecutor(2) as pool:
        assert g.submit(pool, outer, g, title="outer").result() == "outer › inner"


def test_map_gives_results_in_order_and_raises_at_its_turn() -> None:
    def square(n: int) -> int:
        if n == 3:
            raise ValueError("three")
        return n * n

    with _quiet() as g, concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = g.map(pool, square, range(3), title=str)
        assert list(results) == [0, 1, 4]
        failing = g.map(pool, square, range(5), title=lambda n: f"n={n}")
        assert next(failing) == 0
        assert next(failing) == 1
        assert next(failing) == 4
        with pytest.raises(ValueError, match="three"):
            next(failing)
    assert g.counts["failed"] == 1


def test_a_task_block_ends_ok_or_failed_with_the_exception_untouched() -> None:
    error = OSError("disk")
    with _quiet() as g:
        with g.task("fine") as row:
            row.text = "working"
        with pytest.raises(OSError, match="disk") as caught, g.task("broken"):
            raise error
        assert caught.value is error
    assert g.counts["done"] == 1
    assert g.counts["failed"] == 1


def test_tasks_from_many_threads_are_all_counted() -> None:
    with _quiet() as g:

        def worker(n: int) -> None:
            for k in range(200):
                with g.task(f"{n}-{k}") as row:
                    row.text = str(k)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert g.counts["done"] == 1_600
        assert g.counts["running"] == 0


def test_watch_follows_any_future() -> None:
    with _quiet() as g:
        ok: concurrent.futures.Future[int] = concurrent.futures.Future()
        bad: concurrent.futures.Future[int] = concurrent.futures.Future()
        gone: concurrent.futures.Future[int] = concurrent.futures.Future()
        assert g.watch(ok, title="ok") is ok
        g.watch(bad, title="bad")
        g.watch(gone, title="gone")
        assert g.counts["running"] == 3
        threading.Thread(target=ok.set_result, args=(1,)).start()
        bad.set_exception(ValueError("no"))
        gone.cancel()
        ok.result()
    assert g.counts == {
        "running": 0,
        "done": 1,
        "failed": 1,
        "cancelled": 1,
        "skipped": 0,
        "interrupted": 0,
        "queued": 0,
    }


def test_watch_needs_a_future() -> None:
    with _quiet() as g, pytest.raises(TypeError, match="add_done_callback"):
        g.watch(42)


def test_submit_on_a_shut_down_executor_raises_and_shows_nothing() -> None:
    display = Display()
    pool = concurrent.futures.ThreadPoolExecutor(1)
    pool.shutdown()
    with display.group() as g:
        display.tick()
        with pytest.raises(RuntimeError, match="shutdown") as caught:
            g.submit(pool, print, "never")
        assert type(caught.value) is RuntimeError  # (the executor's own exception)
        assert "executor" in " ".join(caught.value.__notes__)  # (the argument named)
        assert g.counts["queued"] == 0
        assert g.counts["running"] == 0


def test_a_submitted_call_cancelled_before_it_starts_is_counted_cancelled() -> None:
    gate = threading.Event()
    with _quiet() as g, concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = g.submit(pool, gate.wait, title="blocker")
        second = g.submit(pool, print, "never", title="waiting")
        assert g.counts["queued"] >= 1
        assert second.cancel()
        gate.set()
        first.result()
    assert g.counts["cancelled"] == 1
    assert g.counts["done"] == 1


def test_limit_lets_that_many_calls_run_at_once() -> None:
    lock = threading.Lock()
    running = 0
    most = 0
    gate = threading.Barrier(2, timeout=10)

    def work(n: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        if n < 2:
            gate.wait()  # (the first two meet: two do run at once)
        with lock:
            running -= 1

    with _quiet(limit=2) as g, concurrent.futures.ThreadPoolExecutor(8) as pool:
        for future in [g.submit(pool, work, n) for n in range(30)]:
            future.result()
    assert most == 2


def test_a_row_updated_from_a_worker_thread_shows() -> None:
    display = Display()
    seen = threading.Event()
    proceed = threading.Event()

    def work() -> None:
        twirly.current().text = "from a thread"
        seen.set()
        proceed.wait(10)

    with display.group(show_after=0) as g, concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = g.submit(pool, work, title="job")
        assert seen.wait(10)
        display.tick()
        assert any("job  from a thread" in line for line in display.used)
        proceed.set()
        future.result()


def test_bad_arguments_to_submit_and_map() -> None:
    with _quiet() as g, concurrent.futures.ThreadPoolExecutor(1) as pool:
        with pytest.raises(TypeError, match="executor must have a submit"):
            g.submit(object(), print)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="fn must be callable"):
            g.submit(pool, 3)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="title must be str"):
            g.map(pool, print, [1], title=3)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"parent must be a twirly\.TaskRow"):
            g.task("x", parent="p")  # type: ignore[arg-type]
    assert g.counts["queued"] == 0


def test_a_group_outside_its_with_block_refuses_tasks() -> None:
    g = _quiet()
    with pytest.raises(RuntimeError, match="is not open"), g.task("early"):
        pass
    with g:
        pass
    with pytest.raises(RuntimeError, match="opened once"), g:
        pass


def test_the_heartbeat_off_a_terminal() -> None:
    stream = io.StringIO()
    lines_seen = threading.Event()

    class Watching(io.StringIO):
        def write(self, text: str) -> int:
            stream.write(text)
            if stream.getvalue().count("[0:") >= 2:
                lines_seen.set()
            return len(text)

    with twirly.group("Hashing", stream=Watching(), heartbeat=0.05) as g, g.task("one"):
        assert lines_seen.wait(10)
    lines = stream.getvalue().splitlines()
    beats = [line for line in lines if line.startswith("[0:")]
    assert beats[0] == "[0:00] 1 running, 0 done, 0 failed"  # (a stream without Unicode)
    assert lines[0] == "Hashing"
    assert lines[-1].startswith("Hashing  1 done, 0 failed, 0:0")


def _square(number: int) -> int:
    return number * number


def test_submit_and_map_run_on_a_process_pool() -> None:
    # The call is pickled to a worker process: no context goes with it (twirly.current()
    # there is another process's), and the task runs until its future is done.
    # (Workers spawned: a fork of this multi-threaded process could deadlock in the child.)
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=spawn) as pool, _quiet() as g:
        assert g.submit(pool, _square, 7, title="seven").result(timeout=60) == 49
        assert list(g.map(pool, _square, [1, 2, 3], title=str)) == [1, 4, 9]
        counts = g.counts
    assert counts["done"] == 4
    assert counts["queued"] == counts["running"] == counts["failed"] == 0


def test_map_takes_a_parent() -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as pool, _quiet(persist="all") as g:
        with g.task("batch") as batch:
            assert list(g.map(pool, _square, [2, 3], title=str, parent=batch)) == [4, 9]
        text = g._stream.getvalue()
    assert "batch > 2" in text
    assert "batch > 3" in text


class _PicklingExecutor(concurrent.futures.ThreadPoolExecutor):
    """An executor that, like loky's or mpi4py's, pickles each call to send it elsewhere:
    a call it cannot pickle fails in its future, never started."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        import pickle

        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            pickle.dumps((fn, args, kwargs))
        except Exception as error:  # (as such an executor reports it)
            future.set_exception(error)
            return future
        return super().submit(fn, *args, **kwargs)


def test_a_call_an_executor_never_started_is_counted_failed_not_left_queued() -> None:
    with _PicklingExecutor(1) as pool, _quiet() as g:
        future = g.submit(pool, _square, 3, title="sent away")
        with pytest.raises(TypeError, match="pickle"):
            future.result(timeout=10)
        counts = g.counts
    assert counts["failed"] == 1
    assert counts["queued"] == counts["running"] == 0


def test_a_bad_parent_is_refused_before_any_coroutine_is_tracked() -> None:
    import asyncio

    async def main() -> dict[str, int]:
        async with _quiet() as g:
            for call in (g.gather, lambda *aws, parent: g.as_completed(aws, parent=parent)):
                coroutines = [asyncio.sleep(0), asyncio.sleep(0)]
                with pytest.raises(TypeError, match=r"parent must be a twirly\.TaskRow"):
                    call(*coroutines, parent="nope")
                # Every one closed: none is left to warn "never awaited".
                assert [c.cr_frame for c in coroutines] == [None, None]
            return g.counts

    counts = asyncio.run(main())
    assert sum(counts.values()) == 0
