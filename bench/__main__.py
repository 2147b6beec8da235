"""``python -m bench [--smoke] [--only NAME ...] [--no-peers] [--out DIR]``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import command_line, loads, measures, plot, report
from bench.machine import describe
from bench.plan import FULL, SMOKE, Plan
from bench.session import normal_priority, prefer_harness
from bench.subjects import SUBJECTS, Subject, available
from bench.targets import evaluate

RESULTS = Path(__file__).resolve().parent / "results"


def _progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a quick run, twirly only (CI)")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer libraries")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="measure these subjects only")
    parser.add_argument("--skip-cli", action="store_true", help="do not measure the command line")
    parser.add_argument(
        "--skip-rows", action="store_true", help="do not measure many spinners on one terminal"
    )
    parser.add_argument("--out", type=Path, help="where to write latest.{json,md} and the plot")
    return parser.parse_args(argv)


def _calibrate(plan: Plan, notes: list[str]) -> dict[str, Any]:
    """Size the GIL-holding call for this machine, and check that it really holds the GIL."""
    size = loads.calibrate_gil_call(plan.gil_seconds)
    check = loads.calibrate_gil_call(0.5)
    share = loads.gil_share_of_other_thread(check)
    notes.append(
        f"GIL-holding call: one `re` search of {size} characters (~{plan.gil_seconds:g} s); "
        f"a pure-Python thread got {share * 100:.1f} % of its idle progress during it."
    )
    return {"size": size, "seconds": plan.gil_seconds, "other_thread_share": share}


def run(plan: Plan, subjects: list[Subject], with_cli: bool, with_rows: bool) -> dict[str, Any]:
    """Every measurement, in one dict ready for JSON."""
    names = [s.name for s in subjects]
    notes: list[str] = []
    results: dict[str, Any] = {"machine": describe(), "plan": plan.as_dict(), "subjects": names}
    results["import_statements"] = {s.name: s.import_statement for s in subjects}
    results["gil_call"] = _calibrate(plan, notes)
    chunk_s = loads.chunk_seconds()
    results["chunk_ms"] = chunk_s * 1000
    # After the calibration: that is CPU-bound, and must not run ahead of everything else.
    results["machine"]["harness_priority"] = prefer_harness()
    results["import_ms"] = measures.import_times(subjects, plan, _progress)
    if any(s.family == "twirly" for s in subjects):
        results["first_frame"] = measures.first_frame(plan, _progress)
    results["spin"] = measures.spin_all(subjects, plan, results["gil_call"]["size"], _progress)
    for key, measure in (
        ("stop_ms", lambda s: measures.stop_latency(s, plan)),
        ("slowdown", lambda s: measures.slowdown(s, plan, chunk_s)),
        ("text_ns", lambda s: measures.text_update(s, plan)),
        ("pipe", lambda s: measures.not_a_terminal(s, plan)),
    ):
        results[key] = {}
        for subject in subjects:
            _progress(f"{key}: {subject.name}")
            try:
                results[key][subject.name] = measure(subject)
            except (RuntimeError, TimeoutError) as error:
                # One library failing one measurement (or too slow for a busy machine) leaves
                # a blank in the table, not a lost run.
                results[key][subject.name] = None
                notes.append(f"{key}: {subject.name} not measured ({str(error)[:200]})")
    normal_priority()  # ten thousand threads must not wait behind a real-time reader
    if with_rows:
        results["rows"] = measures.many_rows(plan, _progress)
    if with_cli:
        _progress("command line")
        results["cli"] = command_line.measure(plan)
    notes.append(
        "asyncio driver: the loads run in a coroutine that awaits `asyncio.sleep(0)` after each "
        "~1 ms chunk of work; a coroutine that never awaits freezes it, as in the book."
    )
    results["notes"] = notes
    return results


def _write(results: dict[str, Any], text: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "latest.md").write_text(text)
    if plot.frame_gaps(results, out / "frame-gaps.png"):
        print(f"wrote {out / 'frame-gaps.png'}")
    print(f"wrote {out / 'latest.json'} and {out / 'latest.md'}")


def _counted_to_a_frame(found: dict[str, Any]) -> bool:
    """Did the counted writes account for the bytes that reached the terminal in the window,
    within 10 %, or within a frame at each end of it? A frame written just before a mark can
    reach the harness just after it: in a short window of a lone spinner's 4-byte frames
    (the smoke run's), one frame is more than a tenth of the bytes."""
    master = found["bytes_per_s"] * found["seconds"]
    counted = found["counted_share"] * master
    return abs(counted - master) <= max(0.1 * master, 2 * found["bytes_per_frame"])


def _sane(results: dict[str, Any]) -> list[str]:
    """Signs that the harness (not the library's speed) is broken: the smoke run's checks."""
    problems = []
    for name, loads_ in results["spin"].items():
        for load, found in loads_.items():
            if load == "sleep" and name != "twirly-asyncio" and found["frames_per_s"] < 1:
                problems.append(f"{name}: no frames seen while the main thread slept")
            if load == "sleep" and not found["gaps_ms"]:
                problems.append(f"{name}: no frame gaps measured")
    one = results.get("rows", {}).get("1")
    if one is not None:
        if one["started"] != 1 or not one.get("frames_per_s"):
            problems.append("many rows: one spinner alone did not start or draw")
        elif not _counted_to_a_frame(one):
            problems.append(
                f"many rows: {one['counted_share']:.0%} of the terminal's bytes came through "
                "counted writes (frames are miscounted)"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    plan = SMOKE if args.smoke else FULL
    peers = not (args.smoke or args.no_peers)
    subjects = available(args.only, peers=peers)
    if args.smoke and not args.only:  # CI's quick run: one baseline (the others: full run)
        subjects = [s for s in subjects if s.family != "baseline" or s.name == "book-thread"]
    if not subjects:
        known = ", ".join(s.name for s in SUBJECTS)
        print(f"nothing to measure (installed subjects among: {known})", file=sys.stderr)
        return 2
    started = time.monotonic()
    with_rows = not args.skip_rows and any(s.name == "twirly-thread" for s in subjects)
    results = run(plan, subjects, with_cli=not args.skip_cli, with_rows=with_rows)
    results["machine"]["seconds"] = round(time.monotonic() - started, 1)
    results["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    verdicts = evaluate(results)
    results["targets"] = [v.as_dict() for v in verdicts]
    text = report.markdown(results, verdicts)
    print(text)
    out = args.out or (None if args.smoke else RESULTS)
    if out is not None:
        _write(results, text, out)
    problems = _sane(results)
    for problem in problems:
        print(f"harness problem: {problem}", file=sys.stderr)
    print(f"took {results['machine']['seconds']} s", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
