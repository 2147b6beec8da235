"""The sampler on real stacks: an event loop in a helper thread, blocked (or idle) on purpose,
looked at from the test's thread. The loop blocks on an Event the test holds, so nothing
depends on timing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from twirly.watchdog import Sample, boundary_here, sample

HERE = __file__


class LoopThread:
    """An event loop running in a thread of its own, with the boundary found from inside."""

    def __init__(self, new_loop: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop):
        self.loop = new_loop()
        self.boundary: frozenset[Any] = frozenset()
        self.thread_id = 0
        ready = threading.Event()

        async def find() -> None:
            self.boundary = boundary_here()
            self.thread_id = threading.get_ident()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(find())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(10)

    def look(self) -> Sample:
        return sample(self.thread_id, self.boundary, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@contextmanager
def loop_thread(
    new_loop: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
) -> Iterator[LoopThread]:
    loop = LoopThread(new_loop)
    try:
        yield loop
    finally:
        loop.close()


def _blocked_in(
    loop: LoopThread, body: Callable[[threading.Event, threading.Event], None]
) -> tuple[threading.Event, threading.Event]:
    """Run ``body(inside, release)`` in a task on the loop; return once it is inside."""
    inside, release = threading.Event(), threading.Event()

    async def task_body() -> None:
        body(inside, release)

    loop.loop.call_soon_threadsafe(lambda: loop.loop.create_task(task_body(), name="worker"))
    assert inside.wait(10)
    return inside, release


def wait_here(inside: threading.Event, release: threading.Event) -> None:
    inside.set()
    release.wait(10)  # the line the sample names


WAIT_LINE = wait_here.__code__.co_firstlineno + 2


def crunch(inside: threading.Event, release: threading.Event) -> None:
    inside.set()
    total = 0
    while not release.is_set():  # pure Python: the thread keeps the GIL between switches
        total += 1


def helper_calls(inside: threading.Event, release: threading.Event) -> None:
    crunch(inside, release)  # the caller's line


CALL_LINE = helper_calls.__code__.co_firstlineno + 1


def test_the_boundary_is_where_the_loop_runs_steps() -> None:
    with loop_thread() as loop:
        assert len(loop.boundary) == 1
        (code,) = loop.boundary
        assert code.co_name == "_run"  # asyncio.events.Handle._run
        assert code.co_filename.endswith("events.py")


def test_an_idle_loop_is_parked() -> None:
    with loop_thread() as loop:
        assert loop.look().state == "parked"


def test_a_blocked_step_names_the_function_the_line_and_the_task() -> None:
    with loop_thread() as loop:
        _, release = _blocked_in(loop, wait_here)
        try:
            seen = loop.look()
        finally:
            release.set()
    assert seen.state == "blocked"
    assert seen.site is not None
    assert (seen.site.function, seen.site.filename, seen.site.lineno) == (
        "wait_here",
        HERE,
        WAIT_LINE,
    )
    assert seen.task == "worker"
    assert seen.caller is not None
    assert seen.caller.function.endswith("task_body")


def test_a_pure_python_block_names_the_innermost_function_and_its_caller() -> None:
    with loop_thread() as loop:
        _, release = _blocked_in(loop, helper_calls)
        try:
            seen = [loop.look() for _ in range(5)]
        finally:
            release.set()
    for one in seen:
        assert one.state == "blocked"
        assert one.site is not None
        assert one.site.function == "crunch"
        assert one.caller is not None
        assert (one.caller.function, one.caller.lineno) == ("helper_calls", CALL_LINE)


def test_a_blocking_standard_library_call_names_the_program_line_not_the_library() -> None:
    # subprocess.run with pipes waits in selectors.select, like an idle loop: what tells
    # them apart is the program's frame above the loop's boundary.
    read_end, write_end = os.pipe()

    def run_child(inside: threading.Event, release: threading.Event) -> None:
        inside.set()
        subprocess.run(CHILD, stdin=read_end, capture_output=True, timeout=30, check=True)

    line = run_child.__code__.co_firstlineno + 2
    with loop_thread() as loop:
        _blocked_in(loop, run_child)
        try:
            seen = loop.look()
            while seen.site is not None and seen.site.lineno != line:
                seen = loop.look()  # (the call may still be on its way in)
        finally:
            os.write(write_end, b"go\n")
            os.close(write_end)
    os.close(read_end)
    assert seen.state == "blocked"
    assert seen.site is not None
    assert (seen.site.function, seen.site.filename, seen.site.lineno) == ("run_child", HERE, line)


CHILD = [sys.executable, "-c", "import sys; sys.stdin.readline()"]


def test_a_debugger_prompt_is_paused() -> None:
    import bdb

    class Quiet(bdb.Bdb):
        def user_line(self, frame: Any) -> None:
            pass

    def under_debugger(inside: threading.Event, release: threading.Event) -> None:
        debugger = Quiet()
        debugger.runcall(wait_here, inside, release)

    with loop_thread() as loop:
        _, release = _blocked_in(loop, under_debugger)
        try:
            seen = loop.look()
        finally:
            release.set()
    assert seen.state == "paused"


def test_a_library_file_whose_name_only_ends_like_a_prompts_is_no_prompt() -> None:
    # code.py is the interactive console's; a package's barcode.py, blocking the loop, is
    # not: only the whole file name says someone asks the person something.
    folder = os.path.dirname(os.__file__)  # (the standard library's: not the program's)
    space: dict[str, Any] = {}
    source = "def busy(inside, release):\n    inside.set()\n    release.wait(10)\n"
    exec(compile(source, os.path.join(folder, "barcode.py"), "exec"), space)

    with loop_thread() as loop:
        _, release = _blocked_in(loop, space["busy"])
        try:
            seen = loop.look()
        finally:
            release.set()
    assert seen.state != "paused"


def test_uvloop_has_its_own_boundary_and_the_same_answers() -> None:
    uvloop = pytest.importorskip("uvloop")
    with loop_thread(uvloop.new_event_loop) as loop:
        assert loop.look().state == "parked"
        _, release = _blocked_in(loop, wait_here)
        try:
            seen = loop.look()
        finally:
            release.set()
    assert seen.state == "blocked"
    assert seen.site is not None
    assert (seen.site.function, seen.site.lineno) == ("wait_here", WAIT_LINE)


def test_a_sample_keeps_no_frame() -> None:
    import gc

    with loop_thread() as loop:
        _, release = _blocked_in(loop, wait_here)
        try:
            seen = loop.look()
        finally:
            release.set()
    gc.collect()
    for value in (seen, seen.site, seen.caller):
        assert not any(type(ref).__name__ == "frame" for ref in gc.get_referents(value))


@pytest.mark.parametrize("site_imported", [True, False], ids=["site", "python-S"])
def test_the_standard_library_packages_and_twirly_are_not_the_program(
    site_imported: bool, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import selectors

    import twirly
    from twirly import watchdog

    monkeypatch.setattr(watchdog, "_library", None)
    if not site_imported:
        monkeypatch.setitem(sys.modules, "site", None)  # (as under ``python -S``)
    assert not watchdog._is_program(selectors.__file__)  # the standard library
    assert not watchdog._is_program(pytest.__file__)  # an installed package
    assert not watchdog._is_program(twirly.__file__)
    assert not watchdog._is_program("<frozen importlib._bootstrap>")
    assert watchdog._is_program(str(tmp_path / "app.py"))
    assert watchdog._is_program("<string>")
    assert watchdog._is_program(os.path.join(os.path.dirname(twirly.__file__), "demo.py"))
