"""Many tasks on one display, side by side with rich: ``python -m bench.group [--smoke]``.

Each measurement runs in a fresh interpreter drawing on a pseudo-terminal of 80×24 whose
other end this process drains (and keeps, to count bytes):

- frames: N tasks in flight at once, of which 5 end and 5 new ones start every 80 ms (the
  same change per frame whatever N), for a few seconds: the bytes each frame writes
  (twirly's multi-row frames are one synchronized update, ESC[?2026h … ESC[?2026l; rich's
  refreshes are counted the same way, by its writes) and the CPU time each frame costs in
  the thread that draws it (time.thread_time around the draw: the display's own cost, not
  the program's tasks);
- gather: 10,000 tasks under ``g.gather`` against bare ``asyncio.gather``;
- a text update: ``twirly.current().text = ...`` from a task and from a worker thread;
- memory: the task records still alive, and the size of the group's queues, after 100,000
  tasks have finished.

The targets (issue "Many tasks on one display"): bytes per frame p50 <= 300 and p99 <= 2,400,
at 10^5 no more than 1.15 x (p50) of 10^3; CPU per frame <= 2 ms, at 10^5 no more than 1.5 x
of 10^3; a text update <= 1 µs; only failures and shown rows kept after 10^5 tasks (<= 2 MB);
gather within bare + 0.3 s.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
SRC = Path(__file__).resolve().parents[1] / "src"

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
            end = time.monotonic() + SECONDS
            while time.monotonic() < end:
                await asyncio.sleep(0.08)
                for _ in range(CHURN):
                    done, _ = running.pop(random.randrange(len(running)))
                    done.set()
                    start()
            for done, _ in running:
                done.set()
            await asyncio.gather(*(future for _, future in running))
        return started

    started = asyncio.run(main())
    print(json.dumps({{"costs": costs, "started": started}}), file=sys.__stdout__)
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
            end = time.monotonic() + SECONDS
            while time.monotonic() < end:
                await asyncio.sleep(0.08)
                for _ in range(CHURN):
                    done, _ = running.pop(random.randrange(len(running)))
                    done.set()
                    start()
            for done, _ in running:
                done.set()
            await asyncio.gather(*(future for _, future in running))
        return started

    started = asyncio.run(main())
    print(json.dumps({{"costs": costs, "started": started}}), file=sys.__stdout__)
    """)

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


def _run_on_pty(code: str, args: list[str], timeout: float) -> tuple[dict[str, Any] | None, bytes]:
    """Run ``code`` with its stderr (the display) on a pty of 80×24; its JSON and the bytes."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, PYTHONPATH=str(SRC), TERM="xterm-256color", LANG="C.UTF-8")
    env.pop("CI", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    data = bytearray()
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
                data.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        done.set()
        return None, bytes(data)
    time.sleep(0.2)
    done.set()
    reader.join(1)
    os.close(master)
    lines = out.decode().strip().splitlines()
    return (json.loads(lines[-1]) if lines else None), bytes(data)


def _frame_sizes(data: bytes, subject: str) -> list[int]:
    """The bytes of each of twirly's multi-row frames (its synchronized updates). rich's
    refreshes have no such mark: the caller shares its bytes out over its refreshes."""
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


def frames(subject: str, count: int, seconds: float) -> dict[str, Any]:
    """Bytes and CPU per frame for ``count`` tasks in flight, or why it could not run."""
    code = TWIRLY if subject == "twirly" else RICH
    start = time.monotonic()
    result, data = _run_on_pty(code, [str(count), str(seconds), subject], timeout=60 + seconds)
    if result is None:
        return {"subject": subject, "tasks": count, "error": "did not finish within 60 s"}
    costs = [cost * 1000 for cost in result["costs"]]
    sizes = _frame_sizes(data, subject) if subject == "twirly" else []
    if not sizes:  # (rich: the bytes of all its refreshes, shared out evenly)
        sizes = [len(data) / max(len(costs), 1)] * max(len(costs), 1)
    return {
        "subject": subject,
        "tasks": count,
        "wall": time.monotonic() - start,
        "started": result["started"],
        "frames": len(costs),
        "bytes_p50": _percentile([float(s) for s in sizes], 0.5),
        "bytes_p99": _percentile([float(s) for s in sizes], 0.99),
        "cpu_ms_p50": _percentile(costs, 0.5),
        "cpu_ms_mean": statistics.fmean(costs) if costs else float("nan"),
    }


def _plain(code: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(SRC))
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


def measure(*, smoke: bool) -> dict[str, Any]:
    counts = [100, 1_000] if smoke else [100, 1_000, 10_000, 100_000]
    seconds = 1.5 if smoke else 4.0
    rows = []
    for count in counts:
        rows.append(frames("twirly", count, seconds))
        if count <= (100 if smoke else 10_000):
            rows.append(frames("rich", count, seconds))
        else:
            rows.append({"subject": "rich", "tasks": count, "error": "not run (minutes at 10^4)"})
    results: dict[str, Any] = {"frames": rows}
    if not smoke:
        results["gather"] = _plain(GATHER)
    updates, _ = _run_on_pty(UPDATE_AND_MEMORY, [], timeout=300)
    results["updates"] = updates
    return results


def table(results: dict[str, Any]) -> str:
    lines = [
        "| tasks in flight | library | frames | bytes/frame p50 | p99 | CPU/frame p50 (ms) "
        "| mean |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in results["frames"]:
        if "error" in row:
            lines.append(f"| {row['tasks']:,} | {row['subject']} | {row['error']} | | | | |")
            continue
        lines.append(
            f"| {row['tasks']:,} | {row['subject']} | {row['frames']:,} | {row['bytes_p50']:,.0f} "
            f"| {row['bytes_p99']:,.0f} | {row['cpu_ms_p50']:.3f} | {row['cpu_ms_mean']:.3f} |"
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
        f"{updates['records']} task records are alive and the group's queues take "
        f"{updates['containers']:,} bytes."
    )
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for subject in ("twirly", "rich"):
        rows = [r for r in results["frames"] if r["subject"] == subject and "error" not in r]
        if not rows:
            continue
        tasks = [r["tasks"] for r in rows]
        left.plot(tasks, [r["bytes_p50"] for r in rows], marker="o", label=subject)
        right.plot(tasks, [r["cpu_ms_p50"] for r in rows], marker="o", label=subject)
    for axis, title in ((left, "bytes per frame (p50)"), (right, "CPU per frame, ms (p50)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("tasks in flight")
        axis.set_title(title)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.group", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a short run (CI)")
    parser.add_argument("--out", type=Path, default=None, help="write group.{json,md,png} here")
    args = parser.parse_args(argv)
    results = measure(smoke=args.smoke)
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
