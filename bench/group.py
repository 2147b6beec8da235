"""Many tasks on one display, beside its peers: ``python -m bench.group [--smoke]``.

Each measurement runs in a fresh interpreter drawing on a pseudo-terminal of 80×24 whose
other end this process drains (and keeps, stamping each read on the monotonic clock), and
which, like a terminal, answers a cursor position query (ESC[6n) with a position:

- frames: N tasks in flight at once, of which 5 end and 5 new ones start every 80 ms (the
  same change per step whatever N), for a few seconds, drawn by twirly (``twirly.group``),
  rich (``Progress``, a task per item), enlighten (a ``Manager`` with a counter per item),
  tqdm (a bar per item at its own ``position=``) and alive-progress (one bar for all the
  items, counting those that ended: it shows one bar at a time). For every library: the
  bytes read from the terminal during each 80 ms step, and the CPU the whole process spent
  per step. Besides: the CPU of each of twirly's draws (time.thread_time around the draw),
  and the bytes of each of its frames (one synchronized update, ESC[?2026h … ESC[?2026l);
  rich's refreshes (Live.refresh); the calls enlighten's and tqdm's steps make into them
  (they draw inside those calls). A child that has not finished in time is stopped and said
  so, and its library is not run at larger N;
- enlighten on a terminal that does not answer its cursor position queries;
- gather: 10,000 tasks under ``g.gather`` against bare ``asyncio.gather``;
- a text update: ``twirly.current().text = ...`` from a task and from a worker thread;
- memory: the task records still alive, and the size of the group's queues, after 100,000
  tasks have finished.

The targets (issue "Many tasks on one display"): bytes per frame p50 <= 300 and p99 <= 2,400,
at 10^5 no more than 1.15 x (p50) of 10^3; CPU per frame <= 2 ms, at 10^5 no more than 1.5 x
of 10^3; a text update <= 1 µs; only failures and shown rows kept after 10^5 tasks (<= 2 MB);
gather within bare + 0.3 s. A peer that is not installed (the ``bench`` dependency group) is
skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time
from fcntl import ioctl
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.machine import describe
from bench.session import src_env

RESULTS = Path(__file__).resolve().parent / "results"

COMMON = textwrap.dedent("""\
    import asyncio, json, os, random, sys, threading, time
    N, SECONDS, SUBJECT = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    random.seed(20261128)
    costs = []

    def timed(draw):
        def wrapper(*args, **kwargs):
            start = time.thread_time()
            try:
                return draw(*args, **kwargs)
            finally:
                costs.append(time.thread_time() - start)
        return wrapper

    class Steady:
        # The steady phase (all N tasks started): when each 80 ms step ended, on the clock
        # the parent reads too, and the CPU the whole process spent meanwhile.
        def begin(self):
            self.marks = [time.monotonic()]
            self.cpu = time.process_time()
        def mark(self):
            self.marks.append(time.monotonic())
        def end(self):
            self.cpu = time.process_time() - self.cpu
        def report(self, costs, started):
            # Printed as soon as the steps are over: the parent keeps it even when closing
            # every task afterwards takes longer than it waits.
            result = {"costs": costs, "started": started, "marks": self.marks, "cpu": self.cpu}
            print(json.dumps(result), file=sys.__stdout__, flush=True)

    STEADY = Steady()
    """)

#: The peers without a frame of their own (one bar per task, or one bar for all): the same
#: work without asyncio, each step closing CHURN bars and opening as many; ``costs`` holds the
#: CPU each step spends in the library's calls.
PEER = COMMON + textwrap.dedent("""\
    def run(open_bar, close_bar, churn, library_costs=True):
        global spent
        spent = 0.0
        def call(function, *args):
            global spent
            start = time.thread_time()
            try:
                return function(*args)
            finally:
                spent += time.thread_time() - start
        running = [call(open_bar, n) for n in range(N)]
        started = N
        end = time.monotonic() + SECONDS
        STEADY.begin()
        while time.monotonic() < end:
            time.sleep(0.08)
            spent = 0.0
            for _ in range(churn):
                call(close_bar, running.pop(random.randrange(len(running))))
                running.append(call(open_bar, started))
                started += 1
            costs.append(spent)
            STEADY.mark()
        STEADY.end()
        STEADY.report(costs if library_costs else [], started)
        for bar in running:
            close_bar(bar)
        return started
    """)

#: Each frame's worth of time (80 ms), CHURN tasks end and as many start: the same change
#: per frame whatever the number of tasks in flight.
CHURN = 5

TWIRLY = COMMON + textwrap.dedent(f"""\
    import twirly
    from twirly.terminal import Terminal
    Terminal.tick = timed(Terminal.tick)
    Terminal._tick_from_loop = lambda self: self.tick()  # (timed above)
    CHURN = {CHURN}

    async def task(done):
        await done.wait()

    async def main():
        started = 0
        async with twirly.group("Downloading", show_after=0.2) as g:
            running = []
            def start():
                nonlocal started
                done = asyncio.Event()
                future = asyncio.ensure_future(g.track(task(done), title=f"file-{{started}}.bin"))
                running.append((done, future))
                started += 1
            for _ in range(N):
                start()
            await asyncio.sleep(0)  # (every task takes its first step: all N have started)
            end = time.monotonic() + SECONDS
            STEADY.begin()
            while time.monotonic() < end:
                await asyncio.sleep(0.08)
                for _ in range(CHURN):
                    done, _ = running.pop(random.randrange(len(running)))
                    done.set()
                    start()
                STEADY.mark()
            STEADY.end()
            STEADY.report(costs, started)
            for done, _ in running:
                done.set()
            await asyncio.gather(*(future for _, future in running))
        return started

    asyncio.run(main())
    print(json.dumps({{"finished": True}}), file=sys.__stdout__)
    """)

RICH = COMMON + textwrap.dedent(f"""\
    from rich.console import Console
    from rich.live import Live
    from rich.progress import Progress
    Live.refresh = timed(Live.refresh)
    console = Console(file=sys.stderr, force_terminal=True, width=80, height=24)
    CHURN = {CHURN}

    async def task(progress, n, done):
        tid = progress.add_task(f"file-{{n}}.bin", total=2)
        await done.wait()
        progress.remove_task(tid)

    async def main():
        started = 0
        with Progress(console=console, transient=True) as progress:
            running = []
            def start():
                nonlocal started
                done = asyncio.Event()
                future = asyncio.ensure_future(task(progress, started, done))
                running.append((done, future))
                started += 1
            for _ in range(N):
                start()
            await asyncio.sleep(0)  # (every task takes its first step: all N have started)
            end = time.monotonic() + SECONDS
            STEADY.begin()
            while time.monotonic() < end:
                await asyncio.sleep(0.08)
                for _ in range(CHURN):
                    done, _ = running.pop(random.randrange(len(running)))
                    done.set()
                    start()
                STEADY.mark()
            STEADY.end()
            STEADY.report(costs, started)
            for done, _ in running:
                done.set()
            await asyncio.gather(*(future for _, future in running))
        return started

    asyncio.run(main())
    print(json.dumps({{"finished": True}}), file=sys.__stdout__)
    """)

ENLIGHTEN = PEER + textwrap.dedent(f"""\
    import enlighten
    # The manager's stream is the terminal itself (sys.__stderr__), as in a program whose
    # bars go to stderr: enlighten then asks the terminal where its cursor is.
    manager = enlighten.Manager(stream=sys.__stderr__)

    def open_bar(n):
        return manager.counter(total=2, desc=f"file-{{n}}.bin", leave=False)

    def close_bar(counter):
        counter.close()

    run(open_bar, close_bar, {CHURN})
    manager.stop()
    print(json.dumps({{"finished": True}}), file=sys.__stdout__)
    """)

TQDM = PEER + textwrap.dedent(f"""\
    import heapq
    from tqdm import tqdm
    free = []  # positions given back, lowest first
    top = 0

    def open_bar(n):
        global top
        if free:
            position = heapq.heappop(free)
        else:
            position, top = top, top + 1
        return tqdm(total=2, desc=f"file-{{n}}.bin", position=position, leave=False,
                    file=sys.stderr)

    def close_bar(bar):
        position = bar.pos
        bar.close()
        heapq.heappush(free, abs(position))

    run(open_bar, close_bar, {CHURN})
    print(json.dumps({{"finished": True}}), file=sys.__stdout__)
    """)

ALIVE = PEER + textwrap.dedent(f"""\
    from alive_progress import alive_bar
    # One bar for all the tasks (alive-progress shows one bar at a time): it counts the tasks
    # that ended, and its text says how many are in flight.
    with alive_bar(title="Downloading", file=sys.stderr, force_tty=True) as bar:
        in_flight = 0

        def open_bar(n):
            global in_flight
            in_flight += 1
            bar.text = f"{{in_flight:,}} in flight"
            return n

        def close_bar(n):
            global in_flight
            in_flight -= 1
            bar()

        # (its own thread draws: the CPU of the calls into it would say nothing of that)
        run(open_bar, close_bar, {CHURN}, library_costs=False)
    print(json.dumps({{"finished": True}}), file=sys.__stdout__)
    """)

#: Each subject's child program, and the package it needs (None: twirly itself).
SUBJECTS: dict[str, tuple[str, str | None]] = {
    "twirly": (TWIRLY, None),
    "rich": (RICH, "rich"),
    "enlighten": (ENLIGHTEN, "enlighten"),
    "tqdm": (TQDM, "tqdm"),
    "alive-progress": (ALIVE, "alive_progress"),
}

GATHER = textwrap.dedent("""\
    import asyncio, io, json, random, sys, time
    import twirly
    random.seed(1)
    DELAYS = [random.uniform(0, 0.5) for _ in range(10_000)]

    async def fetch(delay):
        await asyncio.sleep(delay)
        return delay

    async def bare():
        return await asyncio.gather(*(fetch(d) for d in DELAYS))

    async def grouped():
        async with twirly.group("Fetching") as g:
            return await g.gather(*(fetch(d) for d in DELAYS))

    out = {}
    for name, main in (("bare", bare), ("group", grouped), ("bare", bare), ("group", grouped)):
        start = time.monotonic()
        asyncio.run(main())
        out.setdefault(name, []).append(time.monotonic() - start)
    print(json.dumps({name: min(times) for name, times in out.items()}), file=sys.__stdout__)
    """)

UPDATE_AND_MEMORY = textwrap.dedent("""\
    import asyncio, gc, io, json, statistics, sys, threading, time
    import twirly
    from twirly._group import TaskRow

    def per_store(row):
        samples = []
        for _ in range(50):
            start = time.perf_counter_ns()
            for _ in range(1000):
                row.text = "40%"
            samples.append((time.perf_counter_ns() - start) / 1000)
        return statistics.median(samples)

    def held(group):
        # What the group keeps: its task records alive, and its own containers.
        records = sum(isinstance(o, TaskRow) for o in gc.get_objects())
        containers = sum(
            sys.getsizeof(x) for x in (group._pending, group._kids, group._shown)
        )
        return records, containers

    async def main():
        result = {}
        async with twirly.group("x", stream=sys.stderr, heartbeat=0) as g:
            async def in_task():
                result["task_ns"] = per_store(twirly.current())
            await g.track(in_task())
            def in_thread():
                with g.task("thread") as row:
                    result["thread_ns"] = per_store(row)
            thread = threading.Thread(target=in_thread)
            thread.start()
            thread.join()
            async def quick(n):
                await asyncio.sleep(0)
            results = await g.gather(*(quick(n) for n in range(100_000)))
            del results
            gc.collect()
            await asyncio.sleep(0.3)  # (a few frames: the display lets go of what ended)
            result["records"], result["containers"] = held(g)
        return result

    print(json.dumps(asyncio.run(main())), file=sys.__stdout__)
    """)

SYNC_BEGIN, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"
#: A cursor position query, and the reply a terminal of 24 rows would give from its last row.
POSITION_QUERY, POSITION_REPLY = b"\x1b[6n", b"\x1b[24;1R"


class Run:
    """What a child wrote to its terminal: the bytes, when each read arrived (on the monotonic
    clock, shared by every process on the machine), and how many cursor position queries it
    sent; its JSON result, or None when it did not finish in time."""

    def __init__(self) -> None:
        self.result: dict[str, Any] | None = None
        self.finished = False
        self.data = bytearray()
        self.reads: list[tuple[float, int]] = []
        self.queries = 0
        self.seconds = 0.0

    def bytes_between(self, marks: list[float]) -> list[int]:
        """The bytes read between each pair of consecutive marks."""
        sizes = [0] * max(len(marks) - 1, 0)
        step = 0
        for when, size in self.reads:
            while step < len(sizes) and when >= marks[step + 1]:
                step += 1
            if step >= len(sizes):
                break
            if when >= marks[step]:
                sizes[step] += size
        return sizes


def run_on_pty(code: str, args: list[str], timeout: float, *, answer: bool = True) -> Run:
    """Run ``code`` with its stdin and stderr (the display) on a pty of 80×24; this process
    drains the other end and, like a terminal, answers cursor position queries (unless
    ``answer`` is false). Other queries go unanswered: blessed (under enlighten) sends a few
    when it starts, and waits about a second for them, before any step."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = src_env()  # (a person's terminal, with bytecode cached as after an install)
    run = Run()
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    done = threading.Event()

    def drain() -> None:
        while not done.is_set():
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                run.reads.append((time.monotonic(), len(chunk)))
                run.data.extend(chunk)
                queries = chunk.count(POSITION_QUERY)
                run.queries += queries
                if answer and queries:
                    os.write(master, POSITION_REPLY * queries)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    else:
        run.finished = True
        time.sleep(0.2)
    run.seconds = time.monotonic() - began
    done.set()
    reader.join(1)
    os.close(master)
    for line in out.decode().splitlines():
        result = json.loads(line)
        if "finished" not in result:
            run.result = result
    return run


def _frame_sizes(data: bytes) -> list[int]:
    """The bytes of each of twirly's multi-row frames (its synchronized updates)."""
    sizes: list[int] = []
    start = data.find(SYNC_BEGIN)
    while start >= 0:
        end = data.find(SYNC_END, start)
        if end < 0:
            break
        sizes.append(end + len(SYNC_END) - start)
        start = data.find(SYNC_BEGIN, end)
    return sizes


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)] if ordered else float("nan")


def installed(subject: str) -> bool:
    module = SUBJECTS[subject][1]
    return module is None or importlib.util.find_spec(module) is not None


def frames(subject: str, count: int, seconds: float, timeout: float) -> dict[str, Any]:
    """Bytes and CPU per 80 ms step (and per frame, for twirly) for ``count`` tasks in
    flight, or why it could not run."""
    code = SUBJECTS[subject][0]
    run = run_on_pty(code, [str(count), str(seconds), subject], timeout=timeout)
    row: dict[str, Any] = {"subject": subject, "tasks": count}
    if run.result is None:
        if run.finished:
            row["error"] = "exited without a result"
        else:
            row["error"] = f"did not finish in {timeout:.0f} s"
        row["queries"] = run.queries
        return row
    result = run.result
    costs = [cost * 1000 for cost in result["costs"]]
    marks: list[float] = result["marks"]
    steps = len(marks) - 1
    step_bytes = [float(size) for size in run.bytes_between(marks)]
    row.update(
        wall=run.seconds,
        started=result["started"],
        steps=steps,
        step_bytes_p50=_percentile(step_bytes, 0.5),
        step_bytes_p99=_percentile(step_bytes, 0.99),
        step_cpu_ms=result["cpu"] * 1000 / max(steps, 1),
        draws=len(costs),
        cpu_ms_p50=_percentile(costs, 0.5) if costs else None,
        cpu_ms_mean=statistics.fmean(costs) if costs else None,
        queries=run.queries,
    )
    if not run.finished:
        row["note"] = f"closing its {count:,} tasks afterwards did not finish in {timeout:.0f} s"
    if subject == "twirly":
        sizes = [float(size) for size in _frame_sizes(bytes(run.data))]
        row.update(
            frames=len(sizes),
            bytes_p50=_percentile(sizes, 0.5),
            bytes_p99=_percentile(sizes, 0.99),
        )
    return row


#: The enlighten program of the note this benchmark checks: three counters, five updates
#: each, on a terminal that never answers the cursor position query.
UNANSWERED = textwrap.dedent("""\
    import json, sys, time
    import enlighten
    manager = enlighten.Manager(stream=sys.__stderr__)
    start = time.monotonic()
    counters = [manager.counter(total=5, desc=f"bar {n}", min_delta=0) for n in range(3)]
    for _ in range(5):
        for counter in counters:
            counter.update()
    seconds = time.monotonic() - start
    manager.stop()
    print(json.dumps({"seconds": seconds}), file=sys.__stdout__)
    """)


def unanswered() -> dict[str, Any]:
    """enlighten when the terminal does not answer: how long 15 updates took."""
    run = run_on_pty(UNANSWERED, [], timeout=120, answer=False)
    return {
        "seconds": run.result["seconds"] if run.result else None,
        "queries": run.queries,
    }


def _plain(code: str) -> dict[str, Any]:
    env = src_env()
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _machine(note: str) -> dict[str, Any]:
    machine = describe()
    for name in ("tqdm", "enlighten", "blessed"):
        try:
            machine["versions"][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    machine["note"] = note
    return machine


def measure(*, smoke: bool, timeout: float, note: str = "") -> dict[str, Any]:
    machine = _machine(note)
    counts = [100, 1_000] if smoke else [100, 1_000, 10_000, 100_000]
    seconds = 1.5 if smoke else 4.0
    rows = []
    failed: dict[str, int] = {}  # a peer that did not finish at a size is not run at larger ones
    for count in counts:
        for subject in SUBJECTS:
            if not installed(subject):
                rows.append({"subject": subject, "tasks": count, "error": "not installed"})
            elif subject != "twirly" and smoke and count > 100:
                rows.append({"subject": subject, "tasks": count, "error": "not run (smoke)"})
            elif subject in failed:
                rows.append(
                    {
                        "subject": subject,
                        "tasks": count,
                        "error": f"not run (did not finish at {failed[subject]:,})",
                    }
                )
            else:
                row = frames(subject, count, seconds, timeout + seconds)
                if "error" in row:
                    failed[subject] = count
                rows.append(row)
    results: dict[str, Any] = {
        "machine": machine,
        "frames": rows,
        "seconds": seconds,
        "timeout": timeout,
    }
    if not smoke:
        results["gather"] = _plain(GATHER)
        if installed("enlighten"):
            results["unanswered"] = unanswered()
    results["updates"] = run_on_pty(UPDATE_AND_MEMORY, [], timeout=300).result
    return results


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def table(results: dict[str, Any]) -> str:
    rows = results["frames"]
    twirly = {r["tasks"]: r for r in rows if r["subject"] == "twirly" and "error" not in r}
    lines = []
    machine = results.get("machine")
    if machine:
        versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
        lines += [
            f"Measured {machine['date']} on {machine['cpu']} ({machine['nproc']} cores, load "
            f"{machine['load_average_at_start']} at the start), Python {machine['python']}, "
            f"twirly {machine['commit']}; {versions}."
            + (f" {machine['note']}" if machine.get("note") else ""),
            "",
            f"Each run: {results['seconds']:g} s of 80 ms steps after all its tasks started; "
            f"a child not done {results['timeout'] + results['seconds']:g} s after it started "
            f"is stopped.",
            "",
        ]
    lines += [
        "| tasks in flight | library | steps | bytes/step p50 | p99 | × twirly "
        "| process CPU/step (ms) | × twirly | library CPU p50 (ms) | mean |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = LABELS.get(row["subject"], row["subject"])
        if "error" in row:
            lines.append(f"| {row['tasks']:,} | {name} | {row['error']} | | | | | | | |")
            continue
        base = twirly.get(row["tasks"])
        bytes_ratio = cpu_ratio = "–"
        if base is not None and row["subject"] != "twirly":
            if base["step_bytes_p50"]:
                bytes_ratio = f"{row['step_bytes_p50'] / base['step_bytes_p50']:,.1f}"
            if base["step_cpu_ms"]:
                cpu_ratio = f"{row['step_cpu_ms'] / base['step_cpu_ms']:,.1f}"
        lines.append(
            f"| {row['tasks']:,} | {name} | {row['steps']:,} | {row['step_bytes_p50']:,.0f} "
            f"| {row['step_bytes_p99']:,.0f} | {bytes_ratio} | {row['step_cpu_ms']:.2f} "
            f"| {cpu_ratio} | {_ms(row['cpu_ms_p50'])} | {_ms(row['cpu_ms_mean'])} |"
        )
    for row in rows:
        if "note" in row:
            name = LABELS.get(row["subject"], row["subject"])
            lines.append("")
            lines.append(f"{name} at {row['tasks']:,} tasks: {row['note']}.")
    lines += [
        "",
        "twirly's own frames (each one synchronized update), against the targets:",
        "",
        "| tasks in flight | frames | bytes/frame p50 | p99 | CPU/frame p50 (ms) | mean |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for count, row in twirly.items():
        lines.append(
            f"| {count:,} | {row['frames']:,} | {row['bytes_p50']:,.0f} | {row['bytes_p99']:,.0f} "
            f"| {_ms(row['cpu_ms_p50'])} | {_ms(row['cpu_ms_mean'])} |"
        )
    queries = {r["subject"]: r["queries"] for r in rows if r.get("queries")}
    if queries:
        lines.append("")
        lines.append(
            "Cursor position queries answered (largest run): "
            + ", ".join(
                f"{subject} {max(r.get('queries', 0) for r in rows if r['subject'] == subject):,}"
                for subject in queries
            )
            + "."
        )
    unanswered_run = results.get("unanswered")
    if unanswered_run and unanswered_run["seconds"] is not None:
        lines.append("")
        lines.append(
            f"enlighten on a terminal that does not answer: 3 counters × 5 updates took "
            f"{unanswered_run['seconds']:.1f} s ({unanswered_run['queries']} cursor position "
            f"queries in the whole program, its start included)."
        )
    gather = results.get("gather")
    if gather:
        lines.append("")
        lines.append(
            f"10,000 tasks: `asyncio.gather` {gather['bare']:.2f} s, `g.gather` "
            f"{gather['group']:.2f} s (+{gather['group'] - gather['bare']:.2f} s)."
        )
    updates = results["updates"]
    lines.append("")
    lines.append(
        f"`row.text = ...`: {updates['task_ns']:.0f} ns from a task, {updates['thread_ns']:.0f} ns "
        f"from a worker thread. After 100,000 tasks have finished on a terminal, "
        f"the task records alive number {updates['records']} and the group's queues take "
        f"{updates['containers']:,} bytes."
    )
    return "\n".join(lines)


#: How the table names each subject: what it draws for the work.
LABELS = {
    "twirly": "twirly",
    "rich": "rich `Progress`, a task per item",
    "enlighten": "enlighten, a counter per item",
    "tqdm": "tqdm, a bar per item (`position=`)",
    "alive-progress": "alive-progress, one bar for all (no row per item)",
}


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for subject in SUBJECTS:
        rows = [r for r in results["frames"] if r["subject"] == subject and "error" not in r]
        if not rows:
            continue
        tasks = [r["tasks"] for r in rows]
        left.plot(tasks, [r["step_bytes_p50"] for r in rows], marker="o", label=subject)
        right.plot(tasks, [r["step_cpu_ms"] for r in rows], marker="o", label=subject)
    for axis, title in (
        (left, "bytes per 80 ms step (p50)"),
        (right, "process CPU per 80 ms step, ms"),
    ):
        axis.set_xscale("log")
        # (symmetric: a step that wrote nothing, 0 bytes, still has a place)
        axis.set_yscale("symlog", linthresh=1)
        axis.set_ylim(bottom=0)
        axis.set_xlabel("tasks in flight")
        axis.set_title(title)
    # (one legend below both plots, clear of the lines)
    handles, labels = left.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(labels))
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    figure.savefig(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.group", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a short run (CI)")
    parser.add_argument("--out", type=Path, default=None, help="write group.{json,md,png} here")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds a child may take beyond its measured steps (default 60)",
    )
    parser.add_argument(
        "--note", default="", help="a sentence about the run for the results (a busy machine)"
    )
    args = parser.parse_args(argv)
    results = measure(smoke=args.smoke, timeout=args.timeout, note=args.note)
    text = table(results)
    print(text)
    if args.out is not None or not args.smoke:
        out = args.out or RESULTS
        out.mkdir(parents=True, exist_ok=True)
        (out / "group.json").write_text(json.dumps(results, indent=2) + "\n")
        (out / "group.md").write_text(text + "\n")
        plot(results, out / "group.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
