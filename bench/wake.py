"""What a clock's thread spends to wake once: ``python -m bench.wake``.

A thread waits ``--waits`` times for ``--interval`` seconds (nobody sets what it waits on,
so each wait ends by its timeout, as a clock's wait between two frames does), and its CPU
time is divided by the waits: with ``threading.Event.wait`` (the book's thread spinner, and
twirly's thread clock before) and with :class:`twirly.flag.StopFlag` (a lock's timed
acquire, twirly's thread clock and watchdog now). The two alternate, ``--runs`` times each.
Reported: the least and the median of each, and their ratios. On a shared virtual machine a
run's figure moves by 3× with what the neighbours do: the least is the cost of the wait
itself, the median what a run met. Nothing is drawn: it measures the wait alone.

``--smoke`` (CI): 2 runs of 5 waits of 10 ms.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

from twirly.flag import StopFlag


def _cpu_per_wait(wait: Callable[[float], object], waits: int, interval: float) -> float:
    """Microseconds of the waiting thread's CPU time per wait."""
    spent: list[float] = []

    def body() -> None:
        start = time.thread_time()
        for _ in range(waits):
            wait(interval)
        spent.append(time.thread_time() - start)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return spent[0] / waits * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wake", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a short run (CI)")
    parser.add_argument("--runs", type=int, default=8, help="runs of each, alternated")
    parser.add_argument("--waits", type=int, default=60, help="waits a run")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds a wait")
    args = parser.parse_args(argv)
    runs, waits, interval = args.runs, args.waits, args.interval
    if args.smoke:
        runs, waits, interval = 2, 5, 0.01
    if runs < 1 or waits < 1 or interval <= 0:
        parser.error("--runs and --waits must be 1 or more, --interval more than 0")
    kinds: dict[str, Callable[[float], object]] = {
        "threading.Event.wait": threading.Event().wait,
        "twirly StopFlag.wait": StopFlag().wait,
    }
    spent: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(runs):
        for name, wait in kinds.items():
            spent[name].append(_cpu_per_wait(wait, waits, interval))
    print(f"CPU per wake-up, µs: {runs} alternated runs of {waits} waits of")
    print(f"{interval * 1000:g} ms each, in one thread")
    print()
    print("| wait | least | median | runs |")
    print("|---|---|---|---|")
    for name, values in spent.items():
        shown = ", ".join(f"{value:.0f}" for value in values)
        print(f"| {name} | {min(values):.1f} | {statistics.median(values):.1f} | {shown} |")
    event, flag = spent["threading.Event.wait"], spent["twirly StopFlag.wait"]
    print()
    print(
        f"StopFlag / Event: {min(flag) / min(event):.2f} (least), "
        f"{statistics.median(flag) / statistics.median(event):.2f} (median)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
