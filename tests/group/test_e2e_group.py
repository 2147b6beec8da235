"""A group end to end, in real pseudo-terminals: what a person sees while it runs and after.

Each program runs until the test creates the file named in ``STOP``, so the test reads the
screen while the tasks run (between two frames) and decides when they end.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pyte.modes
import pytest

from tests.support.frames import (
    GLYPHS,
    live_summary_of,
    read_screen_until,
    transcript,
    used_rows,
)
from tests.support.ptyrun import PtyProcess, clean_env

PREAMBLE = """\
import asyncio, os, sys, threading, time, twirly
STOP = os.environ["STOP"]

def stopped():
    return os.path.exists(STOP)

async def until_stopped():
    while not stopped():
        await asyncio.sleep(0.02)

def wait_until_stopped():
    while not stopped():
        time.sleep(0.02)
"""

#: A row of a task (a spinner frame, at the start or indented), not a line above the rows.
TASK_ROW = re.compile(rf"^ *[{GLYPHS}] ")


def start(code: str, stop: Path, **kwargs: object) -> PtyProcess:
    env = clean_env({"STOP": str(stop)})
    return PtyProcess.python(PREAMBLE + textwrap.dedent(code), env=env, **kwargs)


def first_block_row(rows: list[str]) -> int:
    """The index of the block's first row on the screen."""
    return next(i for i, row in enumerate(rows) if TASK_ROW.match(row))


def assert_ended_cleanly(
    p: PtyProcess, summary: str, last: str = "after", cols: int = 80
) -> list[str]:
    """The program ended: the summary is a final line without a spinner frame, the cursor is
    shown, autowrap is back, and no task row is left anywhere. Everything, scrolled back."""
    assert p.wait() == 0, bytes(p.output)
    screen = p.screen()
    assert screen.cursor_visible
    assert pyte.modes.DECAWM in screen.mode, "autowrap was left off"
    lines = transcript(bytes(p.output), p.rows, cols)
    assert lines[-1] == last, lines
    assert re.fullmatch(summary, lines[-2]), lines
    assert not [line for line in lines if TASK_ROW.match(line)], lines
    return lines


# -- the block fits the screen ------------------------------------------------------------------

_MANY_WIDE_TASKS = """
async def task(i):
    twirly.current().text = "wide text " * 12
    await until_stopped()

async def main():
    titles = [f"task {i:02d} " + "t" * 30 for i in range(60)]
    async with twirly.group("Fitting", show_after=0) as g:
        print("READY", flush=True)
        await g.gather(*(task(i) for i in range(60)), titles=titles)
    print("after")

asyncio.run(main())
"""


def fits(lines: int, columns: int) -> Callable[[list[str]], bool]:
    """The block as it should be for a screen of that size: the summary row last, ``lines - 1``
    rows (the summary alone on one line), no row in the last column; below 20 columns, only
    the summary."""

    def seen(rows: list[str]) -> bool:
        used = [row for row in used_rows(rows) if row != "READY"]  # (above the block)
        if not used or not re.match(rf"^[{GLYPHS}] Fi", used[-1]):
            return False
        if any(len(row) >= columns for row in used):
            return False
        if columns < 20 or lines < 3:
            return len(used) == 1
        # (More tasks than rows: the block takes all it may.)
        return len(used) == lines - 1 and all(TASK_ROW.match(r) for r in used)

    return seen


@pytest.mark.parametrize(
    ("lines", "columns"), [(24, 80), (10, 40), (5, 30), (3, 19), (2, 20), (1, 10)]
)
def test_the_block_fits_the_screen_it_starts_on(tmp_path: Path, lines: int, columns: int) -> None:
    stop = tmp_path / "stop"
    with start(_MANY_WIDE_TASKS, stop, rows=lines, cols=columns) as p:
        p.read_until("READY")
        read_screen_until(p, fits(lines, columns), f"the block fitted to {columns}x{lines}")
        assert not p.screen().cursor_visible
        stop.touch()
        assert p.wait() == 0, bytes(p.output)
        assert p.screen().cursor_visible


def test_the_block_follows_the_width_and_a_taller_screen(tmp_path: Path) -> None:
    # (pyte drops rows from the top when a screen gets shorter, which no terminal does with
    # the cursor's row; a shorter screen is the tmux test's, where the rows are real.)
    stop = tmp_path / "stop"
    with start(_MANY_WIDE_TASKS, stop) as p:
        p.read_until("READY")
        for lines, columns in [(24, 80), (24, 40), (24, 19), (24, 100), (30, 100), (30, 60)]:
            if (lines, columns) != (p.rows, p.cols):
                p.resize(lines, columns)
            read_screen_until(p, fits(lines, columns), f"the block fitted to {columns}x{lines}")
            assert not p.screen().cursor_visible
        stop.touch()
        everything = assert_ended_cleanly(p, r"Fitting  60 done · 0 failed · 0:\d\d", cols=60)
        assert everything[0] == "READY", everything


# -- failures ---------------------------------------------------------------------------------

_FAILURES = """
async def job(i):
    if i in (3, 7):
        raise ValueError(f"bad input {i}")
    if i == 5:
        try:
            async with twirly.step("parse"):
                raise LookupError("no such key")
        except LookupError:
            pass
    await until_stopped()

async def main():
    async with twirly.group("Failing", show_after=0) as g:
        await g.gather(*(job(i) for i in range(10)), titles=[f"job {i}" for i in range(10)],
                       return_exceptions=True)
    print("after")

asyncio.run(main())
"""
FAILURE_LINES = [
    "✖ job 3: ValueError: bad input 3",
    "✖ job 5 › parse: LookupError: no such key",
    "✖ job 7: ValueError: bad input 7",
]


def test_failure_lines_appear_once_above_the_block(tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    live = live_summary_of("Failing")
    with start(_FAILURES, stop) as p:
        rows = read_screen_until(
            p,
            lambda rows: (
                # (job 5's step failed, and job 5 went on: its line, not a count)
                any(live.match(r) and " 2 failed" in r for r in rows)
                and sum(bool(TASK_ROW.match(r)) for r in rows) == 9
                and sum(r.startswith("✖") for r in rows) == 3
            ),
            "three failure lines, eight rows and the summary",
        )
        top = first_block_row(rows)
        above = rows[:top]
        assert sorted(r for r in above if r) == FAILURE_LINES, rows
        assert not [r for r in rows[top:] if r.startswith("✖")], "a failure line in the block"
        assert live.match(used_rows(rows)[-1]), "the summary is the last row"
        stop.touch()
        lines = assert_ended_cleanly(p, r"Failing  8 done · 2 failed · 0:0\d")
        assert sorted(line for line in lines if "✖" in line) == FAILURE_LINES, lines


# -- print() from tasks and threads --------------------------------------------------------------

_PRINTS = """
done_printing = []

async def task(i):
    for j in range(15):
        print(f"task {i} line {j:02d} " + "." * 40)
        await asyncio.sleep(0.005)
    done_printing.append(i)
    await until_stopped()
    if i == 0:
        print("unfinished at the end", end="")

def thread(i):
    for j in range(15):
        print(f"thread {i} line {j:02d} " + "," * 40, file=sys.stderr if i == 2 else sys.stdout)
        time.sleep(0.003)

def partial():
    print("partial ", end="")  # (held for this thread until its line is complete)
    time.sleep(0.05)
    print("completed")

async def main():
    async with twirly.group("Printing", show_after=0) as g:
        workers = [threading.Thread(target=thread, args=(i,)) for i in range(3)]
        workers.append(threading.Thread(target=partial))
        for worker in workers:
            worker.start()
        gathered = g.gather(*(task(i) for i in range(4)), titles=[f"task {i}" for i in range(4)])
        for worker in workers:
            await asyncio.to_thread(worker.join)
        while len(done_printing) < 4:
            await asyncio.sleep(0.01)
        print("ALL PRINTED", flush=True)
        await gathered
    print("after")

asyncio.run(main())
"""


def _printed() -> list[str]:
    tasks = [f"task {i} line {j:02d} " + "." * 40 for i in range(4) for j in range(15)]
    threads = [f"thread {i} line {j:02d} " + "," * 40 for i in range(3) for j in range(15)]
    return [*tasks, *threads, "partial completed"]


def _in_order_per_producer(lines: list[str]) -> bool:
    for producer in [
        *(f"task {i} line" for i in range(4)),
        *(f"thread {i} line" for i in range(3)),
    ]:
        own = [line for line in lines if line.startswith(producer)]
        if own != sorted(own):
            return False
    return True


def test_print_from_tasks_and_threads_appears_above_the_block_whole_and_once(
    tmp_path: Path,
) -> None:
    stop = tmp_path / "stop"
    live = live_summary_of("Printing")
    with start(_PRINTS, stop) as p:
        rows = read_screen_until(
            p,
            lambda rows: "ALL PRINTED" in rows and any(live.match(r) for r in rows),
            "every line printed, with the block below",
        )
        top = first_block_row(rows)
        assert rows[top - 1] == "ALL PRINTED", rows
        assert all(TASK_ROW.match(r) for r in used_rows(rows)[top:]), rows
        while_running = transcript(bytes(p.output), p.rows, p.cols)
        printed = [line for line in while_running if not TASK_ROW.match(line)]
        expected = _printed()
        assert sorted(line for line in printed if line in expected) == sorted(expected)
        assert sorted(printed) == sorted([*expected, "ALL PRINTED"]), "a line torn or doubled"
        assert _in_order_per_producer(printed)
        stop.touch()
        lines = assert_ended_cleanly(
            p, r"Printing  4 done · 0 failed · 0:0\d", last="unfinished at the endafter"
        )
        # A line a task left unfinished when the group closed is written out after it (the
        # program's "after" then continues it, as it would without twirly).
        assert lines[-1] == "unfinished at the endafter", lines
        assert sorted(lines[:-2]) == sorted([*expected, "ALL PRINTED"]), lines


_FLUSHED_PARTIAL = """
partial_shown, other_printed = threading.Event(), threading.Event()

def partial():
    print("partial ", end="", flush=True)  # (flushed: shown at once, as a prompt would be)
    partial_shown.set()
    other_printed.wait()
    print("completed")

def other():
    print("a whole line from another thread")
    other_printed.set()

with OPEN as display:
    with TASK:
        first = threading.Thread(target=partial)
        first.start()
        partial_shown.wait()
        second = threading.Thread(target=other)
        second.start()
        first.join()
        second.join()
print("after")
"""


@pytest.mark.parametrize(
    ("opened", "task", "summary"),
    [
        ('twirly.group("Partial", show_after=0)', 'display.task("waiting")', "Partial  1 done"),
        ('twirly.spinner("waiting", driver="thread")', "display", ""),
        ('twirly.spinner("waiting", driver="process")', "display", ""),
    ],
    ids=["group", "thread spinner", "process spinner"],
)
def test_a_flushed_partial_line_is_not_torn_by_another_thread(
    tmp_path: Path, opened: str, task: str, summary: str
) -> None:
    code = _FLUSHED_PARTIAL.replace("OPEN", opened).replace("TASK", task)
    with start(code, tmp_path / "stop") as p:
        assert p.wait() == 0, bytes(p.output)
        lines = transcript(bytes(p.output), p.rows, 80)
        # The other thread's line above, whole; the unfinished line completed by its own.
        other = lines.index("a whole line from another thread")
        assert lines[other + 1] == "partial completed", lines
        assert lines[-1] == "after", lines
        if summary:
            assert lines[-2].startswith(summary), lines
        else:  # (a spinner left without a final line is erased)
            assert lines == ["a whole line from another thread", "partial completed", "after"]
        assert not [line for line in lines if TASK_ROW.match(line)], lines
        assert p.screen().cursor_visible


_THREADS = """
import logging
from concurrent.futures import ThreadPoolExecutor

def work(i):
    twirly.current().text = f"chunk {i} of 4"
    logging.warning("worker %d logs", i)
    g.write(f"worker {i} writes")
    wait_until_stopped()

with ThreadPoolExecutor(4) as pool, twirly.group("Threads", show_after=0) as g:
    results = list(g.map(pool, work, range(4), title=lambda i: f"worker {i}"))
print("after")
"""


def _row_of(rows: list[str], worker: int) -> bool:
    """Whether worker ``worker``'s row, with the text it set, is on the screen."""
    row = re.compile(rf"^[{GLYPHS}] worker {worker}  chunk {worker} of 4 \(\d+s\)$")
    return any(row.match(r) for r in rows)


def test_rows_of_worker_threads_show_their_text_and_their_lines_go_above(tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    live = live_summary_of("Threads")
    with start(_THREADS, stop) as p:
        rows = read_screen_until(
            p,
            lambda rows: (
                any(live.match(r) and "4 running" in r for r in rows)
                and all(f"worker {i} writes" in rows for i in range(4))
                and all(_row_of(rows, i) for i in range(4))
            ),
            "each worker's row with its text, and its lines above",
        )
        top = first_block_row(rows)
        above = sorted(r for r in rows[:top] if r)
        assert above == sorted(
            [
                *(f"WARNING:root:worker {i} logs" for i in range(4)),
                *(f"worker {i} writes" for i in range(4)),
            ]
        ), rows
        assert [r for r in used_rows(rows)[top:] if not TASK_ROW.match(r)] == [], rows
        stop.touch()
        everything = assert_ended_cleanly(p, r"Threads  4 done · 0 failed · 0:0\d")
        assert len(everything) == 10, everything


# -- Ctrl-C ---------------------------------------------------------------------------------------

_CTRL_C = {
    "asyncio": """
async def main():
    async with twirly.group("Waiting", show_after=0) as g:
        async def nap(i):
            await asyncio.sleep(30)
        gathered = g.gather(*(nap(i) for i in range(5)), titles=[f"nap {i}" for i in range(5)])
        await asyncio.sleep(0)
        print("READY", flush=True)
        await gathered

asyncio.run(main())
""",
    "thread": """
from concurrent.futures import ThreadPoolExecutor
stop = threading.Event()
with ThreadPoolExecutor(4) as pool:
    try:
        with twirly.group("Waiting", show_after=0) as g:
            for i in range(3):
                g.submit(pool, stop.wait, 30, title=f"worker {i}")
            with g.task("main"):
                print("READY", flush=True)
                time.sleep(30)
    finally:
        stop.set()
""",
}


#: The final summary: asyncio.run cancels the main task on Ctrl-C, and with it the naps; in
#: threads, the main thread's task is interrupted and the workers still run.
SUMMARY_AFTER_CTRL_C = {
    "asyncio": r"Waiting  0 done · 0 failed · 5 cancelled · 0:0\d",
    "thread": r"Waiting  3 running · 0 done · 0 failed · 1 interrupted · 0:0\d",
}


@pytest.mark.parametrize("clock", ["asyncio", "thread"])
def test_ctrl_c_during_a_group_leaves_the_terminal_restored(tmp_path: Path, clock: str) -> None:
    live = live_summary_of("Waiting")
    with start(_CTRL_C[clock], tmp_path / "stop") as p:
        p.read_until("READY")
        read_screen_until(
            p,
            lambda rows: (
                any(live.match(r) for r in rows) and sum(bool(TASK_ROW.match(r)) for r in rows) >= 4
            ),
            "the rows and the summary",
        )
        p.type("\x03")  # the line discipline sends SIGINT to the foreground group
        status = p.wait()
        assert status in (-signal.SIGINT, 1, 130), bytes(p.output)
        screen = p.screen()
        assert screen.cursor_visible
        assert pyte.modes.DECAWM in screen.mode, "autowrap was left off"
        assert "KeyboardInterrupt" in screen.text
        assert not [r for r in screen.text_lines if TASK_ROW.match(r)], screen.text
        lines = transcript(bytes(p.output), p.rows, p.cols)
        summaries = [line for line in lines if "Waiting  " in line]
        assert len(summaries) == 1, lines
        assert re.fullmatch(SUMMARY_AFTER_CTRL_C[clock], summaries[0]), summaries
        assert not [line for line in lines if TASK_ROW.match(line)], lines


# -- off a terminal -------------------------------------------------------------------------------

HEARTBEAT = 0.3
_OFF_TERMINAL = f"""
from concurrent.futures import ThreadPoolExecutor, wait

def work(i):
    if i in (1, 4):
        raise ValueError(f"bad {{i}}")
    wait_until_stopped()

with ThreadPoolExecutor(8) as pool:
    with twirly.group("Quiet", heartbeat={HEARTBEAT}) as g:
        futures = [g.submit(pool, work, i, title=f"job {{i}}") for i in range(6)]
        # One write (print() makes two, unbuffered: a worker's failure line could come
        # between them on the same terminal).
        sys.stdout.write("READY\\n")
        sys.stdout.flush()
        wait(futures)
    elapsed = g.elapsed
print(f"elapsed {{elapsed:.3f}}")
"""
# (A terminal without Unicode, TERM=dumb, separates the counts with commas.)
BEAT = re.compile(r"^\[0:0\d\] \d running(, | · )\d done(, | · )\d failed$")


def _heartbeats(text: str) -> int:
    return sum(bool(BEAT.match(line)) for line in text.splitlines())


def _check_plain_log(errors: str, out: str) -> None:
    lines = errors.splitlines()
    assert lines[0] == "Quiet", lines
    # (TERM=dumb is taken for a terminal without Unicode glyphs: FAIL stands for ✖, and a
    # comma for the middle dot.)
    failures = [line.replace("FAIL ", "✖ ") for line in lines if "job" in line]
    assert sorted(failures) == ["✖ job 1: ValueError: bad 1", "✖ job 4: ValueError: bad 4"], lines
    ascii_only = any(line.startswith("FAIL ") for line in lines)
    summary = (
        r"Quiet  4 done, 2 failed, 0:0\d" if ascii_only else r"Quiet  4 done · 2 failed · 0:0\d"
    )
    assert re.fullmatch(summary, lines[-1]), lines
    assert all(line.isascii() for line in lines) or not ascii_only, lines
    beats = _heartbeats(errors)
    assert beats >= 3, lines
    elapsed = float(out.split("elapsed ")[1].split(maxsplit=1)[0])
    assert len(lines) <= 2 + elapsed / HEARTBEAT + 2, (elapsed, lines)


def test_off_a_terminal_through_pipes_plain_lines_and_a_bounded_heartbeat(tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    with subprocess.Popen(
        [sys.executable, "-c", PREAMBLE + _OFF_TERMINAL],
        env=clean_env({"STOP": str(stop)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stderr is not None
        assert proc.stdout is not None
        errors = b""
        deadline = time.monotonic() + 20
        while _heartbeats(errors.decode()) < 3:  # (three heartbeats, then the end)
            assert time.monotonic() < deadline, errors
            if select.select([proc.stderr], [], [], 0.1)[0]:
                errors += os.read(proc.stderr.fileno(), 65536)
        stop.touch()
        out, rest = proc.communicate(timeout=20)
        errors += rest
        assert proc.returncode == 0, errors
    assert b"\x1b" not in out + errors, errors
    assert b"\r" not in out + errors, errors
    assert out.startswith(b"READY\n")
    _check_plain_log(errors.decode(), out.decode())


@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {"CI": "1"}], ids=["TERM=dumb", "CI=1"])
def test_off_a_terminal_on_a_dumb_or_ci_terminal_no_escapes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    stop = tmp_path / "stop"
    full = {"STOP": str(stop), **env}
    with PtyProcess.python(PREAMBLE + _OFF_TERMINAL, env=clean_env(full)) as p:
        deadline = time.monotonic() + 20
        while _heartbeats(bytes(p.output).decode().replace("\r\n", "\n")) < 3:
            assert time.monotonic() < deadline, bytes(p.output)
            p.read_for(0.05)
        stop.touch()
        assert p.wait() == 0, bytes(p.output)
        # The pty's line discipline turns each "\n" into "\r\n" (ONLCR): only those CRs are
        # allowed; twirly itself writes no CR and no escape.
        data = bytes(p.output).replace(b"\r\n", b"\n")
        assert b"\x1b" not in data, data
        assert b"\r" not in data, data
        text = data.decode()
        lines = text.splitlines()
        errors = "\n".join(
            line for line in lines if line not in ("READY",) and "elapsed" not in line
        )
        _check_plain_log(errors, text)
