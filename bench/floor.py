"""What a frame of twirly's thread spinner costs over the least a frame can cost:
``python -m bench.floor``.

Four programs, each on its own 80×24 pseudo-terminal with its main thread asleep, take turns
``--runs`` times; each reports its process CPU time over a window divided by the frames it
drew in it. Each runs as a program in a terminal tab does: in a session of its own, with the
pseudo-terminal as its controlling terminal and its process group in front, so twirly turns
the keyboard's echo off and watches for a thread that reads it, as it does for a person:

- ``book``: the book's thread spinner (a thread that prints the glyph and the text, then
  waits on an ``Event`` for the next frame);
- ``twirly``: ``twirly.Spinner`` with its thread driver, as shipped;
- ``twirly, nothing watched``: the same with the watching of others turned off, as in the
  process driver's drawing child (``twirly.terminal.leave_others_alone()``: no capture of
  fd 1/2, no watch for prompts, echo left on), so none of their per-frame checks;
- ``floor``: the same spinner with its terminal's frame (``Terminal.tick``) cut down to the
  least any frame is: the terminal's lock, the time, one write of a glyph and ``\\r`` made
  beforehand, the next deadline;
- ``floor + guards``: the floor and the three system calls that let a frame be written
  safely, made as twirly's steady frames make them (:mod:`twirly.steady`): the keyboard's
  modes (someone else's prompt) and the size (a resize), each one ``ioctl`` into a buffer
  made once, and whether the terminal can take the frame without blocking (a reader stopped
  with Ctrl-S), one ``poll``.

So the table splits what twirly adds to the book's frame into the price of a thread clock
and a lock (``floor``), of the three guards, and of the rest of the frame: its other checks
(the capture's modes, for a child's pager; a program's thread reading the keyboard; late
signals; queued lines) and its bookkeeping. The least of the runs is the cost itself; on a
shared virtual machine a run's figure moves by 2× with what the neighbours do.

``--instructions`` counts instead the instructions the process runs per frame, in user space,
under ``valgrind --tool=callgrind``: nearly the same count on every run, whatever else the
machine does (within about 15 %: the frames counted include the few that do more, such as a
full look for a reader of the keyboard every 8th frame or a garbage collection). The
kernel's work in the system calls is not counted, nor a cold cache's cost, which is most
of a frame's CPU time on a virtual machine. Each program runs twice, with windows of 2 and
6 s; the count per frame is the difference over the difference in frames, so that
starting and stopping cancel out.

``--asyncio`` measures the asyncio spinners the same way, each on a loop whose coroutine
sleeps: the book's (a Task that draws, then awaits ``asyncio.sleep``), twirly's as shipped
(with its watchdog, whose alarm the clock pushes forward at each frame), and twirly's
without its watchdog; ``book, asyncio`` is their yardstick.

``--pages`` counts instead the distinct memory pages (4 KB) a frame touches. On a virtual
machine that is what a frame's CPU time follows: a thread woken every 80 ms finds its memory
cold, and each distinct page it touches costs a few µs to bring back; and the count is nearly
the same from round to round (about ±2 %), where CPU time moves by 2×. Each program draws on
its pty for 2 s, then, ``--runs`` times (40 by default), its pages' referenced bits are cleared
(``/proc/PID/clear_refs``) and, one frame interval later, the pages referenced since are summed
(``/proc/PID/smaps``). The split by mapping tells code from data: ``libpython`` (the
interpreter's code), ``[anon]`` (Python's object arenas, and the threads' stacks), ``[heap]``
(``malloc``'s), ``libc``, the others. The median is a steady frame; the mean adds the
heavier frames that come now and then (twirly's full look for a reader of the keyboard every
8th frame, a garbage collection), and is what the CPU time follows. A kernel that samples
the memory's use itself (DAMON, on some virtual machines: a ``kdamond`` thread) marks pages
as referenced behind this count's back now and then; those rounds stand out (the most),
and a run where they are many reads high throughout: compare runs made close together.
Linux only.

``--pages --process`` counts the process spinners' pages the same way, the program's and its
children's added up: the book's (a ``multiprocessing.Process`` draws while the program
sleeps) and twirly's process driver (its drawing child, and the program's clock, which
forwards text changes to it).

``--smoke`` (CI): 1 run of each, 0.4 s windows (with ``--pages``, 3 rounds after 1 s).
"""

from __future__ import annotations

import argparse
import contextlib
import mmap
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench.session import (
    ROOT,
    end_group,
    make_controlling_tty,
    run_child,
    set_size,
    src_env,
)

#: The programs measured; each prints ``{"cpu_us": ...}`` on its stdout.
CHILD = textwrap.dedent(r"""
    import fcntl, itertools, json, os, select, sys, termios, threading, time
    variant, warmup, window = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    report = int(sys.argv[4])
    GLYPHS = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
    frames = [0]
    on_asyncio = variant.endswith("asyncio") or variant.endswith("no watchdog")

    def mark():
        return time.process_time(), frames[0]

    def measured(since):
        cpu, count = time.process_time() - since[0], frames[0] - since[1]
        return {"cpu_us": cpu * 1e6 / max(count, 1), "frames": count}

    if not variant.startswith("book"):
        from twirly import Spinner
        from twirly.terminal import Terminal

        shipped = Terminal.tick
        made = [f"{glyph}\r".encode() for glyph in GLYPHS]
        polls = {}  # (as twirly asks whether the terminal takes a frame: a poll made once)
        modes, size = bytearray(64), bytearray(8)

        def tick(self):
            frames[0] += 1
            if variant.startswith("twirly"):
                return shipped(self)
            with self._lock:
                now = self.now()
                fd = self._output.fd
                if variant == "floor + guards":
                    fcntl.ioctl(fd, termios.TCGETS, modes, True)
                    fcntl.ioctl(fd, termios.TIOCGWINSZ, size, True)
                    if fd not in polls:
                        polls[fd] = select.poll()
                        polls[fd].register(fd, select.POLLOUT)
                    polls[fd].poll(0)
                os.write(fd, made[int(now / 0.08) % len(made)])
                return 0.08 - now % 0.08

        Terminal.tick = tick
    if on_asyncio:
        import asyncio

        async def spin_a_while():
            if variant == "book, asyncio":
                async def spin(msg):
                    for char in itertools.cycle(GLYPHS):
                        print(f"\r{char} {msg}", end="", flush=True, file=sys.stderr)
                        frames[0] += 1
                        await asyncio.sleep(0.08)

                stop = asyncio.get_running_loop().create_task(spin("working")).cancel
            else:
                watchdog = not variant.endswith("no watchdog")
                spinner = Spinner("working", driver="asyncio", watchdog=watchdog)
                spinner.start()
                stop = spinner.stop
            await asyncio.sleep(warmup)
            since = mark()
            await asyncio.sleep(window)
            result = measured(since)
            stop()
            return result

        result = asyncio.run(spin_a_while())
    elif variant.endswith("process"):  # (--pages only: its frames are counted elsewhere)
        if variant == "book, process":
            import multiprocessing

            def spin_apart(msg, done):
                for char in itertools.cycle(GLYPHS):
                    print(f"\r{char} {msg}", end="", flush=True, file=sys.stderr)
                    if done.wait(0.08):
                        break

            done = multiprocessing.Event()
            worker = multiprocessing.Process(target=spin_apart, args=("working", done))
            worker.start()

            def stop():
                done.set()
                worker.join()
        else:
            spinner = Spinner("working", driver="process")
            spinner.start()
            stop = spinner.stop
    else:
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
            if variant == "twirly, nothing watched":
                from twirly.terminal import leave_others_alone

                leave_others_alone()
            spinner = Spinner("working", driver="thread")
            spinner.start()
            stop = spinner.stop
    if not on_asyncio:  # (the measured window of the thread and process spinners)
        time.sleep(warmup)
        since = mark()
        time.sleep(window)
        result = measured(since)
        stop()
    os.write(report, json.dumps(result).encode() + b"\n")
""")

VARIANTS = ("book", "twirly", "twirly, nothing watched", "floor", "floor + guards")
#: The asyncio spinners (``--asyncio``): the book's Task, twirly's clock with its watchdog (as
#: shipped) and without.
ASYNCIO_VARIANTS = ("book, asyncio", "twirly, asyncio", "twirly, asyncio, no watchdog")
#: The process spinners (``--pages --process``): the book's (a ``multiprocessing.Process``
#: that draws while the parent sleeps) and twirly's process driver; the pages of the program
#: and its children are counted together.
PROCESS_VARIANTS = ("book, process", "twirly, process")


def run(
    variant: str, warmup: float, window: float, tool: Sequence[str] = ()
) -> tuple[dict[str, float], bytes]:
    """One run of ``variant`` (under ``tool``, if any) on a pty that is its controlling
    terminal: its report, and what it wrote on the terminal."""
    argv = [*tool, sys.executable, "-c", CHILD, variant, str(warmup), str(window), "{fd}"]
    session = run_child(argv, timeout=120 + 20 * window, env=src_env())
    if not session.reports:
        raise RuntimeError(f"{variant}: the program did not report (status {session.returncode})")
    return session.reports[-1], bytes(session.output)


def measure(variant: str, warmup: float, window: float) -> float:
    """Microseconds of process CPU per frame of one run of ``variant``."""
    return float(run(variant, warmup, window)[0]["cpu_us"])


def instructions(variant: str) -> float:
    """User-space instructions per frame of ``variant`` (callgrind's count, see above)."""
    counts = []
    with tempfile.TemporaryDirectory() as temporary:
        for window in (2.0, 6.0):
            out = Path(temporary) / f"callgrind.{window}"
            tool = ["valgrind", "-q", "--tool=callgrind", f"--callgrind-out-file={out}"]
            frames = run(variant, 3.0, window, tool)[0]["frames"]
            found = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
            if found is None:
                raise RuntimeError(f"{variant}: callgrind counted nothing")
            counts.append((frames, int(found.group(1))))
    (frames_a, count_a), (frames_b, count_b) = counts
    return (count_b - count_a) / max(frames_b - frames_a, 1)


#: A frame's interval (s): the window of one round of ``--pages``.
FRAME = 0.08
#: How ``--pages`` groups the mappings of ``/proc/PID/smaps``.
KINDS = ("libpython", "[anon]", "[heap]", "libc", "others")


@contextlib.contextmanager
def spinning(variant: str, seconds: float) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``variant`` drawing for up to ``seconds`` on a pty that is its controlling terminal, as
    in :func:`run`: the process and the pty's master (to be drained). Killed, with its
    session, when the block ends."""
    master, slave = os.openpty()
    set_size(slave)
    report = os.open(os.devnull, os.O_WRONLY)  # (the report, never reached: killed before)
    argv = [sys.executable, "-c", CHILD, variant, "0", str(seconds), str(report)]
    try:
        proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=src_env(),
            cwd=ROOT,
            start_new_session=True,
            pass_fds=(report,),
            preexec_fn=make_controlling_tty,  # noqa: PLW1509 - the harness starts no threads
        )
    finally:
        os.close(slave)
        os.close(report)
    try:
        yield proc, master
    finally:
        end_group(proc)
        os.close(master)


def drain(master: int, seconds: float) -> None:
    """Read and drop what the program writes on its pty for ``seconds``."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if select.select([master], [], [], left)[0]:
            try:
                os.read(master, 1 << 16)
            except OSError:  # EIO: the program has closed its terminal (ended)
                return


def referenced(pid: int) -> Counter[str]:
    """Pages of ``pid`` referenced since its bits were last cleared, by kind of mapping."""
    found: Counter[str] = Counter()
    kind = "others"
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):
                fields = line.split(maxsplit=5)
                kind = _kind(fields[5].strip() if len(fields) > 5 else "")
            elif line.startswith("Referenced:"):
                found[kind] += int(line.split()[1]) * 1024 // mmap.PAGESIZE
    return found


def _kind(path: str) -> str:
    name = os.path.basename(path)
    if not path or name in ("[anon]", "[heap]"):
        return name or "[anon]"
    if name.startswith(("libpython", "python")):  # (the executable, for a static build)
        return "libpython"
    if name.startswith(("libc.so", "libc-")):
        return "libc"
    return "others"


def family(pid: int) -> list[int]:
    """``pid`` and the processes it started, and theirs."""
    found, left = [], [pid]
    while left:
        parent = left.pop()
        found.append(parent)
        with contextlib.suppress(OSError):
            for thread in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{thread}/children") as children:
                    left.extend(int(child) for child in children.read().split())
    return found


def pages(variant: str, rounds: int, warmup: float) -> list[Counter[str]]:
    """The distinct pages ``variant`` touches in each of ``rounds`` frame intervals (after
    ``warmup`` seconds of drawing), by kind of mapping (see above): the program's and its
    children's (the process spinners' drawing children), added up."""
    touched = []
    with spinning(variant, 60 + warmup + rounds) as (proc, master):
        drain(master, warmup)
        processes = family(proc.pid)
        for _ in range(rounds):
            for pid in processes:
                Path(f"/proc/{pid}/clear_refs").write_text("1")
            drain(master, FRAME)
            if proc.poll() is not None:
                raise RuntimeError(f"{variant}: the program ended (status {proc.returncode})")
            found: Counter[str] = Counter()
            for pid in processes:
                found.update(referenced(pid))
            touched.append(found)
    return touched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a short run (CI)")
    parser.add_argument(
        "--runs", type=int, help="runs of each, taking turns (5); with --pages, rounds (40)"
    )
    parser.add_argument(
        "--window", type=float, default=4.0, help="seconds measured a run (not with --pages)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--instructions", action="store_true", help="count instructions (valgrind) instead"
    )
    mode.add_argument(
        "--pages", action="store_true", help="count distinct pages touched a frame instead"
    )
    parser.add_argument(
        "--asyncio", action="store_true", help="the asyncio spinners instead (see above)"
    )
    parser.add_argument(
        "--process",
        action="store_true",
        help="with --pages: the process spinners, each program with its children",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=VARIANTS + ASYNCIO_VARIANTS + PROCESS_VARIANTS,
        help="these programs only",
    )
    args = parser.parse_args(argv)
    if args.process and (args.asyncio or not args.pages):
        parser.error("--process goes with --pages, and not with --asyncio")
    kinds = PROCESS_VARIANTS if args.process else ASYNCIO_VARIANTS if args.asyncio else VARIANTS
    variants = tuple(args.only or kinds)
    if args.instructions:
        return _count(args.smoke, variants)
    if args.pages:
        rounds = 3 if args.smoke else 40 if args.runs is None else args.runs
        if rounds < 1:
            parser.error("--runs must be 1 or more")
        return _pages(variants, rounds, 1.0 if args.smoke else 2.0, kinds[0])
    runs, window = (1, 0.4) if args.smoke else (5 if args.runs is None else args.runs, args.window)
    if runs < 1 or window <= 0:
        parser.error("--runs must be 1 or more, --window more than 0")
    spent: dict[str, list[float]] = {variant: [] for variant in variants}
    for _ in range(runs):
        for variant in variants:
            spent[variant].append(measure(variant, 0.5, window))
    book = spent.get("book, asyncio" if args.asyncio else "book") or next(iter(spent.values()))
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


def _count(smoke: bool, variants: tuple[str, ...]) -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing counted", file=sys.stderr)
        return 1
    for variant in variants:  # (once, unmeasured: bytecode compiled and cached)
        run(variant, 0.1, 0.1)
    if smoke:
        return 0
    counted = {variant: instructions(variant) for variant in variants}
    print("User-space instructions per frame (callgrind; windows of 2 and 6 s, differenced)")
    print("(80×24 pseudo-terminal, its controlling terminal, main thread asleep)")
    print()
    print("| program | instructions | / book's |")
    print("|---|---|---|")
    for variant, count in counted.items():
        book = counted.get("book, asyncio" if "asyncio" in variant else "book")
        ratio = f"{count / book:.2f}" if book else ""
        print(f"| {variant} | {count:,.0f} | {ratio} |")
    return 0


def _pages(variants: tuple[str, ...], rounds: int, warmup: float, yardstick: str) -> int:
    clear_refs = "/proc/self/clear_refs"
    if not os.access(clear_refs, os.W_OK):
        print(
            f"bench.floor --pages: {clear_refs} is missing or not writable (Linux only)",
            file=sys.stderr,
        )
        return 2
    touched = {variant: pages(variant, rounds, warmup) for variant in variants}
    totals = {
        variant: [sum(found.values()) for found in founds] for variant, founds in touched.items()
    }
    book = totals.get(yardstick)
    print(
        f"Distinct memory pages ({mmap.PAGESIZE // 1024} KB) touched in a frame interval: "
        f"{rounds} rounds of {FRAME:g} s, after {warmup:g} s of drawing"
    )
    print("(80×24 pseudo-terminal, its controlling terminal, main thread asleep)")
    print()
    print("| program | least | median | mean | most | median / book's | mean / book's |")
    print("|---|---|---|---|---|---|---|")
    for variant, counts in totals.items():
        median, mean = statistics.median(counts), statistics.fmean(counts)
        ratios = (
            f"{median / statistics.median(book):.2f} | {mean / statistics.fmean(book):.2f}"
            if book
            else " | "
        )
        print(
            f"| {variant} | {min(counts)} | {median:.0f} | {mean:.0f} | {max(counts)} | {ratios} |"
        )
    print()
    print("By mapping, median pages a frame interval:")
    print()
    print(f"| program | {' | '.join(KINDS)} |")
    print(f"|---|{'---|' * len(KINDS)}")
    for variant, founds in touched.items():
        split = (statistics.median(found[kind] for found in founds) for kind in KINDS)
        print(f"| {variant} | {' | '.join(f'{median:.0f}' for median in split)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
