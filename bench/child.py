"""The measured program: ``python -m bench.child SPEC_JSON``, run by the harness on a pty.

It makes one spinner of one library, does what the scenario says, and reports on the
descriptor named in the spec, one JSON object per line: marks (``time.monotonic()``, the same
clock the harness stamps pty bytes with; the CPU time of the whole process tree) and results.
Scenarios are coroutines: run by ``asyncio.run`` for the asyncio driver, and stepped by hand
(they never suspend) for every other subject, so no event loop exists there.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import timeit
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from bench.adapters import make
from bench.loads import gil_call, python_chunk

TEXT = "Working on it"
ASYNCIO_SUBJECTS = ("twirly-asyncio", "book-asyncio")  # run inside asyncio.run


class Pace:
    """How a scenario waits: real awaits under asyncio, plain blocking calls otherwise."""

    def __init__(self, use_asyncio: bool) -> None:
        self.use_asyncio = use_asyncio

    async def sleep(self, seconds: float) -> None:
        if self.use_asyncio:
            import asyncio

            await asyncio.sleep(seconds)
        else:
            time.sleep(seconds)

    async def checkpoint(self) -> None:
        """Let the event loop run other tasks (the spinner's); nothing without a loop."""
        if self.use_asyncio:
            import asyncio

            await asyncio.sleep(0)


def tree_cpu_ns(pid: int) -> int:
    """CPU time (ns) of process ``pid``, its threads and every live descendant."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tasks:
        try:
            total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except (OSError, ValueError, IndexError):
            continue
        total += sum(tree_cpu_ns(int(child)) for child in children)
    return total


class Reporter:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def send(self, **fields: Any) -> None:
        data = (json.dumps(fields) + "\n").encode()
        while data:
            data = data[os.write(self._fd, data) :]

    def mark(self, name: str) -> None:
        self.send(kind="mark", name=name, t=time.monotonic(), cpu=tree_cpu_ns(os.getpid()))


async def python_load(pace: Pace, seconds: float) -> int:
    """Pure-Python work in ~1 ms chunks for ``seconds``; a checkpoint between chunks."""
    chunks = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        python_chunk()
        chunks += 1
        await pace.checkpoint()
    return chunks


async def spin(subject: str, pace: Pace, report: Reporter, params: dict[str, Any]) -> None:
    """Spin through a warm-up, then a measured window under the load the spec names."""
    handle = make(subject, TEXT)
    handle.start()
    await pace.sleep(params["warmup"])
    load = params["load"]
    report.mark("start")
    if load == "sleep":
        await pace.sleep(params["window"])
    elif load == "python":
        await python_load(pace, params["window"])
    else:
        gil_call(params["gil_size"])
    report.mark("end")
    await pace.sleep(params["cooldown"])
    handle.stop()


async def stop_latency(subject: str, pace: Pace, report: Reporter, params: dict[str, Any]) -> None:
    """Time ``stop()`` many times, each at a random phase of the frame."""
    took = []
    rng = random.Random(4)
    for _ in range(params["reps"]):
        handle = make(subject, TEXT)
        handle.start()
        await pace.sleep(params["settle"] + rng.uniform(0, 0.08))
        start = time.perf_counter()
        handle.stop()
        took.append(time.perf_counter() - start)
        await pace.sleep(0.01)
    report.send(kind="result", stop_s=took)


async def timed_work(pace: Pace, chunks: int) -> float:
    start = time.perf_counter()
    for _ in range(chunks):
        python_chunk()
        await pace.checkpoint()
    return time.perf_counter() - start


async def slowdown(subject: str, pace: Pace, report: Reporter, params: dict[str, Any]) -> None:
    """Run the same work without and with the spinner, in interleaved pairs (ABBA order)."""
    chunks, settle = params["chunks"], params["settle"]
    pairs = []
    await timed_work(pace, chunks)  # warm up
    for index in range(params["pairs"]):
        timings: dict[str, float] = {}
        for spinning in (False, True) if index % 2 == 0 else (True, False):
            if spinning:
                handle = make(subject, TEXT)
                handle.start()
                await pace.sleep(settle)
                timings["with"] = await timed_work(pace, chunks)
                handle.stop()
            else:
                await pace.sleep(settle)
                timings["without"] = await timed_work(pace, chunks)
        pairs.append([timings["without"], timings["with"]])
    report.send(kind="result", pairs=pairs)


async def text_update(subject: str, pace: Pace, report: Reporter, params: dict[str, Any]) -> None:
    """Time the library's own way of changing the text, while the spinner turns."""
    handle = make(subject, TEXT)
    handle.start()
    await pace.sleep(0.2)
    namespace = {"target": handle.target(), "a": "Reading the index", "b": "Writing the index"}
    timer = timeit.Timer(handle.text_statement, globals=namespace)
    number = params["number"]
    per_update = []
    for _ in range(params["repeat"]):
        per_update.append(timer.timeit(number) / number / 2)  # two updates per statement
        await pace.checkpoint()
    handle.stop()
    report.send(kind="result", text_update_s=per_update)


async def pipe(subject: str, pace: Pace, report: Reporter, params: dict[str, Any]) -> None:
    """Start, change the text, finish with a success line: output goes to a pipe."""
    handle = make(subject, TEXT)
    handle.start()
    await pace.sleep(params["seconds"] / 2)
    target = handle.target()
    namespace = {"target": target, "a": "Still working", "b": "Still working"}
    exec(handle.text_statement, namespace)
    await pace.sleep(params["seconds"] / 2)
    handle.finish_ok("Done")
    report.send(kind="result")


async def rows(subject: str, pace: Pace, report: Reporter, params: dict[str, Any]) -> None:
    """Many spinners on this one terminal, started at random times, then a measured window.

    Starting stops at the time cap (the child says how many it started, as it goes, so a
    harness that has to give up still knows). Nothing is stopped: ten thousand ``stop()``
    calls are not what is measured, and the harness ends the whole session anyway.
    """
    from bench.rows import TerminalWrites, snapshot, start_offsets

    writes = TerminalWrites(0)
    writes.install()  # before the library is imported, whatever it keeps of os.write
    count = params["count"]
    handles = []
    began = last_report = time.monotonic()
    for index, offset in enumerate(start_offsets(count, params["spread"], params["seed"])):
        now = time.monotonic()
        if now - began > params["cap"]:
            break
        if now - last_report >= 0.25:
            report.send(kind="progress", started=len(handles), t=now)
            last_report = now
        if began + offset > now:
            await pace.sleep(began + offset - now)
        handle = make(subject, f"task {index + 1} of {count}")
        handle.start()
        handles.append(handle)
    took = time.monotonic() - began
    report.send(kind="started", started=len(handles), of=count, seconds=took)
    await pace.sleep(params["settle"])
    report.send(kind="mark", name="start", **snapshot(writes))
    await pace.sleep(params["window"])
    report.send(kind="mark", name="end", **snapshot(writes))
    report.send(kind="done")
    os._exit(0)


SCENARIOS: dict[str, Callable[[str, Pace, Reporter, dict[str, Any]], Coroutine[Any, Any, None]]] = {
    "spin": spin,
    "stop": stop_latency,
    "slowdown": slowdown,
    "text": text_update,
    "pipe": pipe,
    "rows": rows,
}


def run_without_loop(coroutine: Awaitable[None]) -> None:
    """Step a coroutine that never suspends to its end, with no event loop at all."""
    step = coroutine.__await__()
    try:
        next(step)
    except StopIteration:
        return
    raise RuntimeError("a scenario suspended without an event loop")


def main() -> None:
    spec = json.loads(sys.argv[1])
    subject, scenario = spec["subject"], spec["scenario"]
    report = Reporter(int(spec["fd"]))
    use_asyncio = subject in ASYNCIO_SUBJECTS
    coroutine = SCENARIOS[scenario](subject, Pace(use_asyncio), report, spec["params"])
    if use_asyncio:
        import asyncio

        asyncio.run(coroutine)
    else:
        run_without_loop(coroutine)
    report.send(kind="done")


if __name__ == "__main__":
    main()
