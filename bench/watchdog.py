"""What the watchdog costs while the event loop is healthy, side by side with asyncio's debug
mode on the same work: ``python -m bench.watchdog [--smoke] [--out DIR]``.

The work: five tasks that each compute for about a millisecond of pure Python, then await a
millisecond's timer, over and over (a CPU-and-await load, as a busy server's). Each variant
runs in a fresh interpreter, in turns, several times; the table gives the median rate of
each and its time for the same work relative to the spinner without a watchdog, and the
watchdog thread's CPU time as a share of the wall time. Targets: spinner + watchdog /
spinner alone <= 1.01; watchdog thread CPU <= 0.1 % of wall time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from bench.session import src_env

RESULTS = Path(__file__).resolve().parent / "results"

WORK = textwrap.dedent("""\
    import asyncio, json, os, sys, threading, time
    VARIANT, SECONDS = sys.argv[1], float(sys.argv[2])

    def compute():
        total = 0
        for n in range(2_000):  # about a millisecond of pure Python
            total += n * n
        return total

    async def worker(end):
        steps = 0
        while time.monotonic() < end:
            compute()
            await asyncio.sleep(0.001)  # (an await that waits: I/O, a timer)
            steps += 1
        return steps

    async def work():
        end = time.monotonic() + SECONDS
        return sum(await asyncio.gather(*(worker(end) for _ in range(5))))

    async def main():
        if VARIANT in ("bare", "debug"):
            return await work(), None
        import twirly
        devnull = open(os.devnull, "w")
        watchdog = VARIANT == "watchdog"
        async with twirly.spinner("working", stream=devnull, animate=True, watchdog=watchdog):
            threads = [t for t in threading.enumerate() if t.name == "twirly-watchdog"]
            cpu = None
            if threads:
                # The thread's CPU over the second half of the run: what it costs once the
                # program runs, not its one-time start (imports, the first look at a stack).
                clock = time.pthread_getcpuclockid(threads[0].ident)
                async def half():
                    await asyncio.sleep(SECONDS / 2)
                    return time.clock_gettime(clock), time.monotonic()
                marked = asyncio.ensure_future(half())
            steps = await work()
            if threads:
                (cpu_mid, wall_mid) = marked.result()
                cpu = (time.clock_gettime(clock) - cpu_mid, time.monotonic() - wall_mid)
        return steps, cpu

    start = time.monotonic()
    steps, cpu = asyncio.run(main(), debug=VARIANT == "debug")
    wall = time.monotonic() - start
    print(json.dumps({"variant": VARIANT, "steps": steps, "wall": wall, "watchdog_cpu": cpu}))
    """)

VARIANTS = ("bare", "spinner", "watchdog", "debug")


def _run(variant: str, seconds: float) -> dict[str, Any]:
    env = src_env()
    done = subprocess.run(
        [sys.executable, "-c", WORK, variant, str(seconds)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(rounds: int, seconds: float) -> dict[str, Any]:
    """Steps per second of the work under each variant, in turns; the watchdog's CPU."""
    rates: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    shares: list[float] = []
    for _ in range(rounds):
        for variant in VARIANTS:
            result = _run(variant, seconds)
            rates[variant].append(result["steps"] / seconds)
            if result["watchdog_cpu"] is not None:
                cpu, wall = result["watchdog_cpu"]
                shares.append(cpu / wall)
    medians = {variant: statistics.median(values) for variant, values in rates.items()}
    base = medians["spinner"]
    return {
        "rounds": rounds,
        "seconds": seconds,
        "steps_per_second": medians,
        # Slowdown: the time the same work takes, relative to the spinner without a watchdog.
        "slowdown_vs_spinner": {variant: base / rate for variant, rate in medians.items()},
        "watchdog_cpu_share": statistics.median(shares) if shares else None,
    }


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    names = {
        "bare": "no spinner",
        "spinner": "spinner, watchdog off",
        "watchdog": "spinner + watchdog",
        "debug": "no spinner, asyncio debug mode",
    }
    rows = [
        "| variant | steps/s (median) | time for the same work vs spinner alone |",
        "|---|---:|---:|",
    ]
    for variant in VARIANTS:
        rate = results["steps_per_second"][variant]
        ratio = results["slowdown_vs_spinner"][variant]
        rows.append(f"| {names[variant]} | {rate:,.0f} | {ratio:.3f} |")
    share = results["watchdog_cpu_share"]
    shown = "n/a" if share is None else f"{share * 100:.3f} %"
    rows.append("")
    rows.append(
        f"Watchdog thread CPU while the loop is healthy: {shown} of wall time (the second "
        "half of each run: after its one-time start)."
    )
    rows.append(
        f"({results['rounds']} rounds of {results['seconds']:g} s per variant, in turns, "
        "each in a fresh interpreter.)"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.watchdog", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one short round (CI)")
    parser.add_argument("--out", type=Path, default=None, help="write watchdog.{json,md} here")
    args = parser.parse_args(argv)
    results = measure(1, 0.5) if args.smoke else measure(12, 2.0)
    text = table(results)
    print(text)
    if args.out is not None or not args.smoke:
        out = args.out or RESULTS
        out.mkdir(parents=True, exist_ok=True)
        (out / "watchdog.json").write_text(json.dumps(results, indent=2) + "\n")
        (out / "watchdog.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
