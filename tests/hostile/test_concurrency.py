"""Many writers at once, spinners inside spinners and threads, and asyncio's cancellation."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pyte
import pytest

from tests.hostile.programs import DRIVERS, FakeTerminal, foreign_controls, spinning, start
from tests.support.ptyrun import clean_env, screen_of
from twirly import spinner

THREADS, LINES, PRINTS, LOGS = 8, 1000, 500, 500

_BEFORE = """
import logging
logging.basicConfig(level=logging.INFO, format="log %(message)s")
def writer(sp, n):
    for i in range(LINES):
        sp.write(f"w{n} {i:04d}:" + "x" * (i % 50))
def printer():
    for i in range(PRINTS):
        print(f"print {i:04d}")
def logger():
    for i in range(LOGS):
        logging.info(f"entry {i:04d}")
def crowd(sp):
    threads = [threading.Thread(target=writer, args=(sp, n)) for n in range(THREADS)]
    threads += [threading.Thread(target=printer), threading.Thread(target=logger)]
    for t in threads:
        t.start()
    for i in range(300):
        sp.text = f"spinning text {i}"
    for t in threads:
        t.join()
"""


def _transcript(data: bytes, cols: int, rows: int) -> list[str]:
    """Every line a person could scroll back through: pyte's history, then the screen."""
    screen = pyte.HistoryScreen(cols, rows, history=100_000, ratio=0.5)
    pyte.Stream(screen).feed(data.decode("utf-8", "replace"))
    history = ["".join(line[x].data for x in range(cols)).rstrip() for line in screen.history.top]
    return history + [line.rstrip() for line in screen.display]


@pytest.mark.parametrize("driver", DRIVERS)
def test_many_threads_write_print_and_log_while_spinning(driver: str) -> None:
    before = f"THREADS, LINES, PRINTS, LOGS = {THREADS}, {LINES}, {PRINTS}, {LOGS}\n" + _BEFORE
    if driver == "asyncio":  # the crowd runs in threads while the loop ticks the spinner
        body = "await asyncio.get_running_loop().run_in_executor(None, crowd, sp)"
    else:
        body = "crowd(sp)"
    with start(spinning(body, driver, before=before), rows=10, cols=120) as p:
        assert p.wait(timeout=60) == 0
        data = bytes(p.output)
    assert not foreign_controls(data)
    lines = [line for line in _transcript(data, 120, 10) if line]
    for n in range(THREADS):
        mine = [line for line in lines if line.startswith(f"w{n} ")]
        assert mine == [f"w{n} {i:04d}:" + "x" * (i % 50) for i in range(LINES)]
    assert [line for line in lines if line.startswith("print")] == [
        f"print {i:04d}" for i in range(PRINTS)
    ]
    assert [line for line in lines if line.startswith("log")] == [
        f"log entry {i:04d}" for i in range(LOGS)
    ]
    # Whole lines only: nothing else, no spinner fragment inside or between them.
    others = [line for line in lines if not re.match(r"(w\d |print |log entry )", line)]
    assert others == []
    assert len(lines) == THREADS * LINES + PRINTS + LOGS


@pytest.mark.parametrize(("outer", "inner"), [("thread", "process"), ("process", "thread")])
def test_nested_spinners_of_different_drivers_take_separate_rows(
    outer: str, inner: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    body = f"""
    with twirly.spinner("inner task", driver={inner!r}) as inner:
        time.sleep(0.3)
        print("CHECK", flush=True)
        while not os.path.exists({str(go)!r}):
            time.sleep(0.02)
        inner.ok("inner done")
    sp.ok("outer done")
    """
    with start(spinning(body, outer, text="outer task")) as p:
        p.read_until("CHECK")
        p.read_for(0.3)
        rows = [line for line in p.screen().text_lines if "task" in line]
        assert len(rows) == 2, p.screen().text
        assert rows[0].endswith(" outer task")
        assert rows[1].endswith(" inner task")
        go.touch()
        assert p.wait() == 0
        lines = [line for line in p.screen().text_lines if line]
        assert lines == ["CHECK", "✔ inner done", "✔ outer done"]
        assert p.screen().cursor_visible


def test_spinners_of_three_drivers_in_three_threads(tmp_path: Path) -> None:
    go = tmp_path / "go"
    code = (
        f"GO = {str(go)!r}\n"
        + """
import asyncio, os, threading, time, twirly
go = threading.Event()
def one(driver):
    async def run():
        async with twirly.spinner(f"{driver} task", driver="asyncio") as sp:
            await asyncio.get_running_loop().run_in_executor(None, go.wait, 5)
            sp.ok(f"{driver} done")
    if driver == "asyncio":
        asyncio.run(run())
        return
    with twirly.spinner(f"{driver} task", driver=driver) as sp:
        go.wait(5)
        sp.ok(f"{driver} done")
threads = [threading.Thread(target=one, args=(d,)) for d in ("thread", "asyncio", "process")]
for t in threads:
    t.start()
    time.sleep(0.2)
time.sleep(0.4)
print("CHECK", flush=True)
while not os.path.exists(GO):
    time.sleep(0.02)
go.set()
for t in threads:
    t.join()
"""
    )
    with start(code) as p:
        p.read_until("CHECK")
        p.read_for(0.2)
        rows = [line for line in p.screen().text_lines if line.endswith(" task")]
        assert [row[2:] for row in rows] == ["thread task", "asyncio task", "process task"]
        go.touch()
        assert p.wait() == 0
        lines = sorted(line for line in p.screen().text_lines if line)
        assert lines == ["CHECK", "✔ asyncio done", "✔ process done", "✔ thread done"]
        assert p.screen().cursor_visible


# -- asyncio: cancellation reaches the user, and nothing is left pending ----------------------


def _run(make: Callable[[FakeTerminal], Awaitable[Any]], loop: str) -> tuple[Any, str]:
    """Run a coroutine on ``loop``; return what it returned and the screen it left."""
    stream = FakeTerminal()

    async def main() -> Any:
        result = await make(stream)
        await asyncio.sleep(0)
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert pending == [], pending
        return result

    if loop == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        result = uvloop.run(main())
    else:
        result = asyncio.run(main())
    return result, stream.getvalue()


LOOPS = ["asyncio", "uvloop"]


def _final_screen(data: str) -> list[str]:
    screen = screen_of(data, rows=6, cols=60)
    assert screen.cursor_visible
    assert not foreign_controls(data)
    return [line for line in screen.text_lines if line]


@pytest.mark.parametrize("loop", LOOPS)
def test_asyncio_timeout_reaches_the_user(loop: str) -> None:
    async def work(stream: FakeTerminal) -> str:
        try:
            async with asyncio.timeout(0.2):
                async with spinner("waiting", stream=stream, animate=True):
                    await asyncio.sleep(10)
        except TimeoutError:
            return "timed out"
        return "not timed out"

    result, data = _run(work, loop)
    assert result == "timed out"
    assert _final_screen(data) == ["✖ waiting"]


@pytest.mark.parametrize("loop", LOOPS)
def test_task_group_failure_reaches_the_user(loop: str) -> None:
    async def boom() -> None:
        await asyncio.sleep(0.1)
        raise ValueError("boom")

    async def spun(stream: FakeTerminal) -> None:
        async with spinner("grouped", stream=stream, animate=True):
            await asyncio.sleep(10)

    async def work(stream: FakeTerminal) -> str:
        caught: list[str] = []
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(spun(stream))
                group.create_task(boom())
        except* ValueError as errors:
            caught.extend(str(error) for error in errors.exceptions)
        return " ".join(caught) or "no error"

    result, data = _run(work, loop)
    assert result == "boom"
    assert _final_screen(data) == ["✖ grouped"]


@pytest.mark.parametrize("loop", LOOPS)
def test_cancelling_the_users_task_is_never_swallowed(loop: str) -> None:
    async def spun(stream: FakeTerminal) -> str:
        async with spinner("cancel me", stream=stream, animate=True):
            await asyncio.sleep(10)
        return "finished"  # reached only if the cancellation was swallowed

    async def work(stream: FakeTerminal) -> str:
        task = asyncio.create_task(spun(stream))
        await asyncio.sleep(0.15)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled" if task.cancelled() else "not cancelled"
        return task.result()

    result, data = _run(work, loop)
    assert result == "cancelled"
    assert _final_screen(data) == ["✖ cancel me"]


@pytest.mark.parametrize("loop", LOOPS)
def test_cancelling_the_spinners_own_task_leaves_the_user_alone(loop: str) -> None:
    async def work(stream: FakeTerminal) -> str:
        async with spinner("orphan", stream=stream, animate=True) as sp:
            await asyncio.sleep(0.1)
            for task in asyncio.all_tasks():
                if task.get_name() == "twirly-spinner":
                    task.cancel()
            await asyncio.sleep(0.1)
            running = sp.running
        return f"user block went on; running={running}"

    result, data = _run(work, loop)
    assert result == "user block went on; running=False"
    assert _final_screen(data) == []


@pytest.mark.parametrize("loop", LOOPS)
def test_wait_for_and_shield_around_a_spinner(loop: str) -> None:
    async def spun(stream: FakeTerminal) -> str:
        async with spinner("shielded", stream=stream, animate=True) as sp:
            await asyncio.sleep(0.3)
            sp.ok("shield held")
        return "done"

    async def work(stream: FakeTerminal) -> str:
        inner = asyncio.ensure_future(spun(stream))
        try:
            await asyncio.wait_for(asyncio.shield(inner), 0.1)
        except TimeoutError:
            pass
        return await inner

    result, data = _run(work, loop)
    assert result == "done"
    assert _final_screen(data) == ["✔ shield held"]


def test_uvloop_drives_a_spinner_in_a_real_terminal(tmp_path: Path) -> None:
    pytest.importorskip("uvloop")
    go = tmp_path / "go"
    code = (
        f"GO = {str(go)!r}\n"
        + """
import asyncio, os, uvloop, twirly
async def main():
    try:
        async with twirly.spinner("spinning text"):
            print("READY", flush=True)
            while not os.path.exists(GO):
                await asyncio.sleep(0.02)
            async with asyncio.timeout(0.1):
                await asyncio.sleep(10)
    except TimeoutError:
        print("TIMEOUT", flush=True)
uvloop.run(main())
"""
    )
    with start(code) as p:
        p.read_until("READY")
        p.read_until("\u2819")  # a second frame: the Task ticks on uvloop's loop
        go.touch()
        assert p.wait() == 0
        lines = [line for line in p.screen().text_lines if line]
        assert lines == ["READY", "✖ spinning text", "TIMEOUT"]
        assert p.screen().cursor_visible


CHATTER = 2000

_CHATTER_PROGRAM = """
import asyncio, logging, threading, twirly
logging.basicConfig(level=logging.INFO, format="log %(message)s")
def chatter(kind):
    for i in range({count}):
        if kind == "log":
            logging.info(f"entry {{i}}")
        else:
            print(f"print {{i}}")
threads = [threading.Thread(target=chatter, args=(k,)) for k in {kinds!r}]
for t in threads:
    t.start()
def busy():
    return any(t.is_alive() for t in threads)
async def spin_async():
    while busy():
        async with twirly.spinner("cycling"):
            await asyncio.sleep(0)
if {driver!r} == "asyncio":
    asyncio.run(spin_async())
else:
    while busy():
        with twirly.spinner("cycling", driver={driver!r}):
            pass
"""


def _chatter_lines(driver: str, kinds: tuple[str, ...]) -> list[str]:
    """Run threads that log or print while spinners start and stop; the lines they left."""
    code = _CHATTER_PROGRAM.format(count=CHATTER, kinds=kinds, driver=driver)
    # print() writes its text and its newline separately. With PYTHONUNBUFFERED each goes
    # out at once and another thread's line can fall between them, with or without twirly;
    # a person's terminal has a line-buffered stdout, so the program runs that way here.
    env = clean_env()
    env.pop("PYTHONUNBUFFERED", None)
    with start(code, rows=5, cols=60, env=env) as p:
        assert p.wait(timeout=60) == 0  # a deadlock ends here, by the timeout
        data = bytes(p.output)
    return [line for line in _transcript(data, 60, 5) if line]


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("kinds", [("log",), ("print",)])
def test_spinners_starting_and_stopping_while_another_thread_logs_or_prints(
    driver: str, kinds: tuple[str, ...]
) -> None:
    # A thread inside a logging handler holds the handler's lock while it waits for the
    # terminal; a spinner stopping meanwhile must not wait for that handler in turn. A thread
    # that fetched the original sys.stdout (or a handler its original stream) an instant
    # before a spinner started writes past the proxy: to fd 1, which twirly captures, so its
    # line still comes out above the row, whole (no end of the row left after it).
    lines = _chatter_lines(driver, kinds)
    prefix = "log entry" if kinds == ("log",) else "print"
    assert lines == [f"{prefix} {i}" for i in range(CHATTER)]


@pytest.mark.parametrize("driver", ["thread", "asyncio"])
def test_print_and_logging_threads_while_spinners_start_and_stop(driver: str) -> None:
    lines = _chatter_lines(driver, ("log", "print"))
    assert [line for line in lines if line.startswith("log")] == [
        f"log entry {i}" for i in range(CHATTER)
    ]
    assert [line for line in lines if line.startswith("print")] == [
        f"print {i}" for i in range(CHATTER)
    ]
    assert len(lines) == 2 * CHATTER  # nothing else: no torn line, no spinner left


@pytest.mark.parametrize("driver", ["thread", "asyncio"])
def test_a_write_to_fd_1_as_the_last_row_goes_lands_on_a_blank_line(driver: str) -> None:
    # A thread that took the original sys.stdout an instant before the spinner started
    # writes to fd 1 directly; once fd 1 is the terminal's again, as the spinner stops, its
    # line must not land on the row (it left "print 83g" one run in a hundred).
    code = f"""
import asyncio, os, twirly
from twirly.terminal import Terminal
release = Terminal._release_descriptors
def release_then_write(self):
    held = self._descriptors is not None
    rest = release(self)
    if held:
        os.write(1, b"direct\\n")  # (the other thread, just then)
    return rest
Terminal._release_descriptors = release_then_write
async def main():
    async with twirly.spinner("spinning text row"):
        print("READY", flush=True)
if {driver!r} == "asyncio":
    asyncio.run(main())
else:
    with twirly.spinner("spinning text row", driver="thread"):
        print("READY", flush=True)
"""
    with start(code) as p:
        assert p.wait() == 0, bytes(p.output)
        p.read_to_the_end()
    lines = [line for line in p.screen().text_lines if line]
    assert lines == ["READY", "direct"], bytes(p.output)


def test_a_spinner_started_by_a_worker_after_the_main_thread_returned() -> None:
    # From 3.12 no thread starts once the main thread has returned: the spinner's clock
    # cannot start, and that must cost the program nothing (no traceback, the terminal put
    # back), whatever the version.
    code = """
import os, threading, time, twirly
def work():
    time.sleep(0.3)  # (the main thread has returned by now)
    with twirly.spinner("late text"):
        time.sleep(0.2)
    os.write(1, b"WORKER DONE\\n")
threading.Thread(target=work).start()
"""
    with start(code) as p:
        assert p.wait() == 0, bytes(p.output)
        p.read_to_the_end()
    assert b"WORKER DONE" in p.output
    assert b"Traceback" not in p.output, bytes(p.output)
    screen = p.screen()
    assert screen.cursor_visible
    assert "late text" not in screen.text


def test_clocks_of_many_terminals_may_ask_for_late_signals_at_once() -> None:
    # Each terminal's clock asks whether a signal waits on the one wake-up pipe, under its
    # own terminal's lock, so clocks of several terminals ask at the same instant. A shared
    # poll() refuses a second caller (RuntimeError), which once ended a clock's thread: that
    # spinner froze with the cursor hidden. Asked here by eight threads at full speed.
    code = textwrap.dedent(
        """
        import os, pty, sys, threading, twirly
        from twirly import guards
        master, slave = pty.openpty()
        stream = os.fdopen(slave, "w", encoding="utf-8")
        spinner = twirly.spinner("x", stream=stream).start()  # (the handlers, the pipe)
        assert guards._wakeup, "no wake-up pipe"
        failures = []
        def ask():
            try:
                for _ in range(20_000):
                    guards.nudge_late_signals()
            except BaseException as error:
                failures.append(repr(error))
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        spinner.stop()
        os.close(master)
        print("FAILURES", failures[:1], len(failures))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=clean_env(),  # (a person's terminal: under CI nothing animates, no pipe is made)
    )
    assert done.returncode == 0, done.stderr
    assert "FAILURES [] 0" in done.stdout, done.stdout + done.stderr
