"""Progress over an iterable, and print bursts, beside tqdm and rich: ``python -m bench.track``.

Each measurement runs in a fresh interpreter whose stdout and stderr are a pseudo-terminal
of 80×24 that this process drains; the child writes its figures to a file named on its
command line.

- per item: ``for x in twirly.track(range(N))`` against ``tqdm(range(N))``,
  ``rich.progress.track(range(N))`` and the bare loop, N = 10^7 (best of three runs each,
  in turns): nanoseconds an item, and what the tracking adds to the bare loop's. Also each
  library's refreshes during those runs and the bytes each wrote, and for twirly what
  changed from one frame's text to the next (the glyph and the text from its first changed
  character on): the least a frame could write without moving the cursor within the text.
- print bursts: ``print()`` of 100,000 lines of 20-odd characters with nothing drawn, under a
  twirly spinner, under a tqdm bar (its ``tqdm.write``) and under rich's ``Progress`` (which
  takes ``print()`` over): lines a second, and the share of the speed with nothing drawn
  (best of three; once where a run takes a minute or more). It measures whatever the core
  does with a burst of lines.

Targets (issue "everyday API"): twirly's cost an item at most tqdm's, a frame no more bytes
than what changed, print bursts under a spinner at >= 50 % of the speed without one.
``--smoke`` (CI): 10^5 items, 10^4 lines, one run each, the peers only if installed.
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
import tempfile
import termios
import textwrap
import threading
from fcntl import ioctl
from pathlib import Path
from typing import Any

from bench.machine import describe
from bench.session import src_env

RESULTS = Path(__file__).resolve().parent / "results"

#: The child's preamble: its arguments, and where its figures go.
COMMON = textwrap.dedent("""\
    import json, sys, time
    N, OUT = int(sys.argv[1]), sys.argv[2]

    def report(**figures):
        with open(OUT, "w") as file:
            json.dump(figures, file)

    class Counting:
        # A stream that counts the writes and bytes passed on to the real one.
        def __init__(self, real):
            self.real, self.writes, self.bytes = real, 0, 0
        def write(self, text):
            self.writes += 1
            self.bytes += len(text.encode())
            return self.real.write(text)
        def flush(self):
            self.real.flush()
        def isatty(self):
            return True
        def fileno(self):
            return self.real.fileno()
        @property
        def encoding(self):
            return self.real.encoding
    """)

LOOPS = {
    "bare": textwrap.dedent("""\
        start = time.perf_counter()
        for x in range(N):
            pass
        seconds = time.perf_counter() - start
        report(seconds=seconds, refreshes=0, bytes=0)
        """),
    "twirly": textwrap.dedent("""\
        import twirly
        from twirly.output import Output
        from twirly.terminal import Terminal
        written, frames, changed = [0], [], []
        write, tick = Output.write, Terminal.tick

        def counted_write(self, text, errors="replace"):
            written[0] += len(text.encode(self.encoding, errors))
            return write(self, text, errors)

        last = [""]

        def counted_tick(self):
            before = written[0]
            try:
                return tick(self)
            finally:
                rows = self.rows
                if written[0] > before and rows:
                    text, old = rows[0].text, last[0]
                    same = 0
                    for a, b in zip(old, text):
                        if a != b:
                            break
                        same += 1
                    glyph = len(rows[0].frames[0].encode())
                    changed.append(glyph + len(text[same:].encode()))
                    frames.append(written[0] - before)
                    last[0] = text

        Output.write, Terminal.tick = counted_write, counted_tick
        start = time.perf_counter()
        for x in twirly.track(range(N), "Hashing"):
            pass
        seconds = time.perf_counter() - start
        report(seconds=seconds, refreshes=len(frames), bytes=written[0], frames=frames,
               changed=changed)
        """),
    "tqdm": textwrap.dedent("""\
        from tqdm import tqdm
        stream = Counting(sys.stderr)
        start = time.perf_counter()
        for x in tqdm(range(N), desc="Hashing", file=stream):
            pass
        seconds = time.perf_counter() - start
        report(seconds=seconds, refreshes=stream.writes, bytes=stream.bytes)
        """),
    "rich": textwrap.dedent("""\
        from rich.console import Console
        from rich.live import Live
        from rich.progress import track
        stream = Counting(sys.stderr)
        refreshes = [0]
        refresh = Live.refresh
        def counted(self):
            refreshes[0] += 1
            return refresh(self)
        Live.refresh = counted
        console = Console(file=stream, force_terminal=True, width=80, height=24)
        start = time.perf_counter()
        for x in track(range(N), description="Hashing", console=console):
            pass
        seconds = time.perf_counter() - start
        report(seconds=seconds, refreshes=refreshes[0], bytes=stream.bytes)
        """),
}

PRINTS = {
    "nothing drawn": textwrap.dedent("""\
        start = time.perf_counter()
        for i in range(N):
            print(f"line {i} of the burst")
        sys.stdout.flush()
        report(seconds=time.perf_counter() - start)
        """),
    "twirly spinner": textwrap.dedent("""\
        from twirly import spinner
        start = time.perf_counter()
        with spinner("Working"):
            for i in range(N):
                print(f"line {i} of the burst")
        sys.stdout.flush()
        report(seconds=time.perf_counter() - start)
        """),
    "tqdm.write": textwrap.dedent("""\
        from tqdm import tqdm
        start = time.perf_counter()
        with tqdm(total=N, desc="Working") as bar:
            for i in range(N):
                tqdm.write(f"line {i} of the burst")
        sys.stdout.flush()
        report(seconds=time.perf_counter() - start)
        """),
    "rich Progress": textwrap.dedent("""\
        from rich.progress import Progress
        start = time.perf_counter()
        with Progress() as progress:
            progress.add_task("Working", total=N)
            for i in range(N):
                print(f"line {i} of the burst")
        sys.stdout.flush()
        report(seconds=time.perf_counter() - start)
        """),
}

#: Seconds of a first run past which a measurement is not run again.
SLOW = 60.0

#: Which library each measurement needs (the bare loop and print need none).
NEEDS = {"tqdm": "tqdm", "rich": "rich", "tqdm.write": "tqdm", "rich Progress": "rich"}


def _installed(name: str) -> bool:
    module = NEEDS.get(name)
    return module is None or importlib.util.find_spec(module) is not None


def _run(code: str, count: int, timeout: float = 600) -> dict[str, Any]:
    """Run ``code`` on a fresh pty of 80×24 (stdout and stderr); the figures it reported."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = src_env()  # (a person's terminal, with bytecode cached as after an install)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "figures.json"
        proc = subprocess.Popen(
            [sys.executable, "-c", COMMON + code, str(count), str(out)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
        )
        os.close(slave)
        received = [0]
        finished = threading.Event()

        def drain() -> None:  # (a person's terminal reads as fast as it is written to)
            while True:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    try:
                        chunk = os.read(master, 1 << 16)
                    except OSError:
                        return
                    if not chunk:
                        return
                    received[0] += len(chunk)
                elif finished.is_set():
                    return

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        try:
            status = proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            finished.set()
            reader.join(5)
            os.close(master)
        if status != 0 or not out.exists():
            return {"error": f"exit status {status}"}
        figures: dict[str, Any] = json.loads(out.read_text())
        figures["received"] = received[0]
        return figures


def _in_turns(table: dict[str, str], count: int, runs: int) -> dict[str, dict[str, Any]]:
    """Each measurement ``runs`` times, in turns (so a busy spell of the machine does not
    fall on one library only)."""
    names = [name for name in table if _installed(name)]
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for turn in range(runs):
        for name in names:
            if turn and float(found[name][0].get("seconds", SLOW)) >= SLOW:
                continue  # (minutes a run: once is enough to compare)
            found[name].append(_run(table[name], count))
    best: dict[str, dict[str, Any]] = {}
    for name, results in found.items():
        good = [r for r in results if "error" not in r]
        if not good:
            best[name] = results[0]
            continue
        chosen = min(good, key=lambda r: float(r["seconds"]))
        chosen["all_seconds"] = [r["seconds"] for r in good]
        best[name] = chosen
    return best


def measure(*, smoke: bool) -> dict[str, Any]:
    items = 10**5 if smoke else 10**7
    lines = 10**4 if smoke else 10**5
    runs = 1 if smoke else 3
    loops = _in_turns(LOOPS, items, runs)
    prints = _in_turns(PRINTS, lines, runs)
    return {
        "machine": describe(),
        "items": items,
        "lines": lines,
        "runs": runs,
        "loops": loops,
        "prints": prints,
    }


def _per_item(results: dict[str, Any]) -> list[str]:
    items = results["items"]
    loops = results["loops"]
    bare = loops.get("bare", {}).get("seconds")
    lines = [
        f"Per item, {items:,} items (best of {results['runs']}):",
        "",
        "| library | ns/item | added to the bare loop (ns/item) | refreshes | bytes written "
        "| bytes/refresh |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in loops.items():
        if "error" in row:
            lines.append(f"| {name} | {row['error']} | | | | |")
            continue
        ns = row["seconds"] / items * 1e9
        added = "" if bare is None or name == "bare" else f"{ns - bare / items * 1e9:.1f}"
        refreshes = row["refreshes"]
        per = f"{row['bytes'] / refreshes:,.0f}" if refreshes else ""
        lines.append(f"| {name} | {ns:.1f} | {added} | {refreshes:,} | {row['bytes']:,} | {per} |")
    twirly, tqdm = loops.get("twirly", {}), loops.get("tqdm", {})
    if "seconds" in twirly and "seconds" in tqdm and bare is not None:
        ratio = (twirly["seconds"] - bare) / max(tqdm["seconds"] - bare, 1e-9)
        lines += ["", f"twirly's cost an item is {ratio:.2f} × tqdm's (target: at most 1)."]
    frames, changed = twirly.get("frames"), twirly.get("changed")
    if frames and changed:
        over = [written - least for written, least in zip(frames, changed, strict=True)]
        lines += [
            "",
            f"twirly's frames: {statistics.median(frames):.0f} bytes written (median; "
            f"max {max(frames)}), {statistics.median(changed):.0f} bytes changed from the "
            f"previous frame's text (the glyph and the text from the first changed character "
            f"on); written less changed: median {statistics.median(over):+.0f}, max "
            f"{max(over):+d} bytes (the cursor moves over the unchanged start and the "
            f"carriage return).",
        ]
    return lines


def _bursts(results: dict[str, Any]) -> list[str]:
    count = results["lines"]
    prints = results["prints"]
    alone = prints.get("nothing drawn", {}).get("seconds")
    lines = [
        f"`print()` of {count:,} lines on the terminal (best of {results['runs']}, or of "
        f"the runs made where one took {SLOW:.0f} s or more):",
        "",
        "| under | seconds | lines/s | share of the speed with nothing drawn |",
        "|---|---:|---:|---:|",
    ]
    for name, row in prints.items():
        if "error" in row:
            lines.append(f"| {name} | {row['error']} | | |")
            continue
        share = "" if alone is None else f"{alone / row['seconds'] * 100:.0f} %"
        lines.append(f"| {name} | {row['seconds']:.3f} | {count / row['seconds']:,.0f} | {share} |")
    lines += ["", "Target: under a twirly spinner, >= 50 % of the speed with nothing drawn."]
    return lines


def table(results: dict[str, Any]) -> str:
    machine = results["machine"]
    head = (
        f"Measured {machine['date']} on {machine['cpu']} ({machine['nproc']} cores, load "
        f"{machine['load_average_at_start']} at the start), Python {machine['python']}, "
        f"twirly {machine['commit']}."
    )
    return "\n".join([head, "", *_per_item(results), "", *_bursts(results)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.track", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a short run (CI)")
    parser.add_argument("--out", type=Path, default=None, help="write track.{json,md} here")
    args = parser.parse_args(argv)
    results = measure(smoke=args.smoke)
    text = table(results)
    print(text)
    if args.out is not None or not args.smoke:
        out = args.out or RESULTS
        out.mkdir(parents=True, exist_ok=True)
        (out / "track.json").write_text(json.dumps(results, indent=2) + "\n")
        (out / "track.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
