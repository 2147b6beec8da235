"""What a frame of twirly's thread spinner costs over the least a frame can cost:
``python -m bench.floor``.

Four programs, each on its own 80×24 pseudo-terminal with its main thread asleep, take turns
``--runs`` times; each reports its process CPU time over a window divided by the frames it
drew in it:

- ``book``: the book's thread spinner (a thread that prints the glyph and the text, then
  waits on an ``Event`` for the next frame);
- ``twirly``: ``twirly.Spinner`` with its thread driver, as shipped;
- ``floor``: the same spinner with its terminal's frame (``Terminal.tick``) cut down to the
  least any frame is: the terminal's lock, the time, one write of a glyph and ``\\r`` made
  beforehand, the next deadline;
- ``floor + guards``: the floor and the three system calls that let a frame be written
  safely: the keyboard's modes (someone else's prompt), the size (a resize) and whether the
  terminal can take the frame without blocking (a reader stopped with Ctrl-S).

So the table splits what twirly adds to the book's frame into the price of a thread clock
and a lock (``floor``), of the three guards, and of the rest of the frame path: its other
checks (a program's thread reading the keyboard, a child process's prompt or pager, late
signals, echo after ``bg``) and its general bookkeeping. The least of the runs is the cost
itself; on a shared virtual machine a run's figure moves by 2× with what the neighbours do.

``--smoke`` (CI): 1 run of each, 0.4 s windows.
"""

from __future__ import annotations

import argparse
import statistics
import textwrap

from bench.group import run_on_pty

#: The programs measured; each prints ``{"cpu_us": ...}`` on its stdout.
CHILD = textwrap.dedent(r"""
    import itertools, json, os, select, sys, termios, threading, time
    variant, warmup, window = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    GLYPHS = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
    frames = [0]
    if variant == "book":
        done = threading.Event()

        def spin(msg):
            for char in itertools.cycle(GLYPHS):
                status = f"\r{char} {msg}"
                print(status, end="", flush=True, file=sys.stderr)
                frames[0] += 1
                if done.wait(0.08):
                    break
            print("\r" + " " * len(status) + "\r", end="", flush=True, file=sys.stderr)

        worker = threading.Thread(target=spin, args=("working",))
        worker.start()

        def stop():
            done.set()
            worker.join()
    else:
        from twirly import Spinner
        from twirly.terminal import Terminal

        shipped = Terminal.tick
        made = [f"{glyph}\r".encode() for glyph in GLYPHS]
        polls = {}  # (as twirly asks whether the terminal takes a frame: a poll made once)

        def tick(self):
            frames[0] += 1
            if variant == "twirly":
                return shipped(self)
            with self._lock:
                now = self.now()
                fd = self._output.fd
                if variant == "floor + guards":
                    termios.tcgetattr(fd)
                    os.get_terminal_size(fd)
                    if fd not in polls:
                        polls[fd] = select.poll()
                        polls[fd].register(fd, select.POLLOUT)
                    polls[fd].poll(0)
                os.write(fd, made[int(now / 0.08) % len(made)])
                return 0.08 - now % 0.08

        Terminal.tick = tick
        spinner = Spinner("working", driver="thread")
        spinner.start()
        stop = spinner.stop
    time.sleep(warmup)
    cpu, count = time.process_time(), frames[0]
    time.sleep(window)
    cpu, count = time.process_time() - cpu, frames[0] - count
    stop()
    print(json.dumps({"cpu_us": cpu * 1e6 / max(count, 1), "frames": count}), flush=True)
""")

VARIANTS = ("book", "twirly", "floor", "floor + guards")


def measure(variant: str, warmup: float, window: float) -> float:
    """Microseconds of process CPU per frame of one run of ``variant``."""
    run = run_on_pty(CHILD, [variant, str(warmup), str(window)], timeout=60 + window)
    if run.result is None:
        raise RuntimeError(f"{variant}: the program did not finish")
    return float(run.result["cpu_us"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a short run (CI)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each, taking turns")
    parser.add_argument("--window", type=float, default=4.0, help="seconds measured a run")
    args = parser.parse_args(argv)
    runs, window = (1, 0.4) if args.smoke else (args.runs, args.window)
    if runs < 1 or window <= 0:
        parser.error("--runs must be 1 or more, --window more than 0")
    spent: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    for _ in range(runs):
        for variant in VARIANTS:
            spent[variant].append(measure(variant, 0.5, window))
    book = spent["book"]
    print(f"Process CPU per frame, µs: {runs} runs of each, taking turns, {window:g} s windows")
    print("(80×24 pseudo-terminal, main thread asleep, a frame every 80 ms)")
    print()
    print("| program | least | median | least / book's | median / book's | runs |")
    print("|---|---|---|---|---|---|")
    for variant, values in spent.items():
        least, median = min(values), statistics.median(values)
        shown = ", ".join(f"{value:.0f}" for value in values)
        print(
            f"| {variant} | {least:.0f} | {median:.0f} | {least / min(book):.2f} "
            f"| {median / statistics.median(book):.2f} | {shown} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
