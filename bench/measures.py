"""Each measurement, seen from the harness: run children, turn what they did into figures."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

from bench import frames, rows
from bench.plan import Plan
from bench.session import Session, child_argv, run_child
from bench.subjects import Subject

Progress = Callable[[str], None]
LOADS = ("sleep", "python", "gil")


def _child(subject: str, scenario: str, params: dict[str, Any], timeout: float) -> Session:
    session = run_child(child_argv(subject, scenario, params), timeout=timeout)
    if session.returncode != 0 or not any(r.get("kind") == "done" for r in session.reports):
        raise RuntimeError(
            f"{subject} {scenario} failed ({session.returncode}): {session.output[-600:]!r}"
        )
    return session


def import_times(subjects: Sequence[Subject], plan: Plan, progress: Progress) -> dict[str, float]:
    """Milliseconds each import statement adds to a bare interpreter (medians, interleaved)."""
    import sys

    statements = {"bare": "pass", "import twirly": "import twirly"}
    statements.update({s.import_statement: s.import_statement for s in subjects})
    runs: dict[str, list[float]] = {key: [] for key in statements}
    progress(f"import times: {plan.import_runs} rounds of {len(statements)} interpreters")
    for round_ in range(plan.import_runs + 1):
        for key, statement in statements.items():
            session = run_child([sys.executable, "-c", statement], timeout=30, report_fd=False)
            if session.returncode != 0:
                raise RuntimeError(f"{statement!r} failed: {session.output[-600:]!r}")
            if round_:  # the first round writes the bytecode caches
                runs[key].append(session.ended - session.started)
    bare = statistics.median(runs.pop("bare"))
    return {key: (statistics.median(times) - bare) * 1000 for key, times in runs.items()}


FIRST_FRAME = "import twirly; twirly.spinner('x').start()"
# A bare interpreter's first byte on the terminal (`os` is loaded at start-up anyway): the
# same event as a first frame, where `python -c pass` would only give the time to exit.
BARE_FIRST_BYTE = "import os; os.write(1, b'x')"


def first_frame(plan: Plan, progress: Progress) -> dict[str, Any]:
    """Milliseconds from starting ``python -c`` to the first frame on its pty, over bare.

    The first frame is the first chunk that shows the spinner's text (``x``); bare is the
    same interpreter writing ``x`` itself. Medians of interleaved runs, the first round
    only warming the bytecode caches.
    """
    import sys

    statements = {"twirly": FIRST_FRAME, "bare": BARE_FIRST_BYTE}
    runs: dict[str, list[float]] = {key: [] for key in statements}
    progress(f"time to first frame: {plan.first_frame_runs} rounds")
    for round_ in range(plan.first_frame_runs + 1):
        for key, statement in statements.items():
            session = run_child([sys.executable, "-c", statement], timeout=30, report_fd=False)
            shown = frames.first_showing(session.chunks, b"x")
            if session.returncode != 0 or shown is None:
                raise RuntimeError(f"{statement!r} drew nothing: {session.output[-600:]!r}")
            if round_:
                runs[key].append((shown - session.started) * 1000)
    twirly_ms, bare_ms = statistics.median(runs["twirly"]), statistics.median(runs["bare"])
    return {
        "statement": FIRST_FRAME,
        "twirly_ms": twirly_ms,
        "bare_ms": bare_ms,
        "over_bare_ms": twirly_ms - bare_ms,
        "runs": len(runs["twirly"]),
        "all_ms": runs,
    }


def many_rows(plan: Plan, progress: Progress) -> dict[str, dict[str, Any]]:
    """N thread spinners on one terminal, for each N of the plan (keys: N as text)."""
    found: dict[str, dict[str, Any]] = {}
    for count in plan.rows_counts:
        try:
            found[str(count)] = rows_run(count, plan, progress)
        except RuntimeError as error:  # a crash at some N leaves the other rows
            found[str(count)] = {"count": count, "started": 0, "error": str(error)[:300]}
    return found


def rows_run(count: int, plan: Plan, progress: Progress) -> dict[str, Any]:
    """One session of :func:`bench.child.rows`: how many started, and the window's figures."""
    params = {
        "count": count,
        "spread": plan.rows_spread,
        "cap": plan.rows_cap,
        "settle": plan.rows_settle,
        "window": plan.rows_window,
        "seed": 10,
    }
    progress(f"many rows: {count:,} thread spinners (start cap {plan.rows_cap:g} s)")
    watch = rows.ThreadWatch()
    # The window itself stretches when the child's main thread waits for the GIL.
    budget = plan.rows_spread + plan.rows_cap + plan.rows_settle + plan.rows_window * 10 + 30
    session = run_child(
        child_argv("twirly-thread", "rows", params), timeout=budget, watch=watch, give_up=True
    )
    found: dict[str, Any] = {
        "count": count,
        "started": rows.started_count(session.reports),
        "start_s": rows.start_seconds(session.reports),
        "threads": watch.most,
        "timed_out": session.timed_out,
    }
    try:
        start, end = session.mark("start"), session.mark("end")
    except LookupError:
        if not session.timed_out and session.returncode != 0:
            raise RuntimeError(
                f"{count} rows failed ({session.returncode}): {session.output[-600:]!r}"
            ) from None
        return found  # gave up before the window: only the start count is known
    master = sum(len(data) for t, data in session.chunks if start["t"] <= t <= end["t"])
    found.update(rows.window_figures(start, end, master))
    return found


def spin_params(plan: Plan, load: str, gil_size: int) -> dict[str, Any]:
    window = {"sleep": plan.sleep_window, "python": plan.python_window}.get(load, 0.0)
    return {
        "warmup": plan.warmup,
        "window": window,
        "load": load,
        "gil_size": gil_size,
        "cooldown": 0.3,
    }


def spin_run(subject: str, params: dict[str, Any]) -> dict[str, Any]:
    """One spin scenario: frames, bytes and CPU inside the measured window."""
    session = _child(subject, "spin", params, timeout=30 + params["window"] * 3)
    start, end = session.mark("start"), session.mark("end")
    all_frames = frames.bursts(session.chunks)
    if params["load"] == "gil":
        shown = frames.spanning(all_frames, start["t"], end["t"])
    else:
        shown = frames.inside(all_frames, start["t"], end["t"])
    span = end["t"] - start["t"]
    size = sum(frame.size for frame in shown)
    count = len(shown)
    return {
        "gaps": frames.gaps(shown),
        "frames": count,
        "seconds": span,
        "bytes": size,
        "cpu_ns": end["cpu"] - start["cpu"],
        "bytes_per_frame": size / count if count else float("nan"),
        "cpu_us_per_frame": (end["cpu"] - start["cpu"]) / 1000 / count if count else float("nan"),
        "core_pct": (end["cpu"] - start["cpu"]) / 1e9 / span * 100 if span else float("nan"),
    }


def spin_all(
    subjects: Sequence[Subject], plan: Plan, gil_size: int, progress: Progress
) -> dict[str, dict[str, dict[str, Any]]]:
    """Every subject under every load, ``spin_repeats`` times, interleaved across subjects."""
    out: dict[str, dict[str, dict[str, Any]]] = {s.name: {} for s in subjects}
    for load in LOADS:
        params = spin_params(plan, load, gil_size)
        runs: dict[str, list[dict[str, Any]]] = {s.name: [] for s in subjects}
        for repeat in range(plan.spin_repeats):
            for subject in subjects:
                progress(f"frames, {load} load: {subject.name} ({repeat + 1}/{plan.spin_repeats})")
                runs[subject.name].append(spin_run(subject.name, params))
        for name, found in runs.items():
            out[name][load] = _merge_runs(found)
    return out


def _merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    gaps = [gap for run in runs for gap in run["gaps"]]
    merged = {
        key: statistics.median(run[key] for run in runs)
        for key in ("bytes_per_frame", "cpu_us_per_frame", "core_pct")
    }
    seconds = sum(run["seconds"] for run in runs)
    merged["bytes_per_s"] = sum(run["bytes"] for run in runs) / seconds if seconds else 0.0
    merged["frames_per_s"] = sum(run["frames"] for run in runs) / seconds if seconds else 0.0
    merged["window_s"] = statistics.median(run["seconds"] for run in runs)
    merged["gaps_ms"] = [gap * 1000 for gap in gaps]
    merged["gap_ms"] = frames.summary(merged["gaps_ms"])
    return merged


def stop_latency(subject: Subject, plan: Plan) -> dict[str, float]:
    """Milliseconds ``stop()`` takes (median, 90th percentile, maximum, every run)."""
    params = {"reps": plan.stop_reps, "settle": 0.15}
    session = _child(subject.name, "stop", params, timeout=60 + plan.stop_reps)
    took = [t * 1000 for t in session.result()["stop_s"]]
    return {
        "median": statistics.median(took),
        "p90": frames.percentile(took, 0.9),
        "max": max(took),
        "all": took,
    }


def slowdown(subject: Subject, plan: Plan, chunk_s: float) -> dict[str, float]:
    """How much longer the same pure-Python work takes with the spinner turning (percent)."""
    chunks = max(int(plan.slowdown_work / chunk_s), 1)
    params = {"pairs": plan.slowdown_pairs, "chunks": chunks, "settle": 0.15}
    session = _child(subject.name, "slowdown", params, timeout=60 + plan.slowdown_pairs * 2)
    pairs = session.result()["pairs"]
    ratios = [spinning / alone for alone, spinning in pairs]
    return {
        "median_pct": (statistics.median(ratios) - 1) * 100,
        "mean_pct": (statistics.fmean(ratios) - 1) * 100,
        "pairs": len(ratios),
    }


def text_update(subject: Subject, plan: Plan) -> float:
    """Nanoseconds per text update while spinning (median of the repeats)."""
    params = {"number": plan.text_number, "repeat": plan.text_repeat}
    # alive-progress takes ~20 µs an update: ~30 s on a quiet machine, several times that on
    # a busy one.
    session = _child(subject.name, "text", params, timeout=300)
    return float(statistics.median(session.result()["text_update_s"])) * 1e9


def not_a_terminal(subject: Subject, plan: Plan) -> dict[str, int]:
    """What reaches a pipe: bytes, lines, escape-sequence bytes, carriage returns."""
    params = {"seconds": plan.pipe_seconds}
    session = run_child(child_argv(subject.name, "pipe", params), timeout=60, on_pty=False)
    if session.returncode != 0:
        raise RuntimeError(f"{subject.name} pipe failed: {session.output[-600:]!r}")
    data = session.output
    return {
        "bytes": len(data),
        "lines": data.count(b"\n"),
        "escape_bytes": frames.escape_bytes(data),
        "carriage_returns": data.count(b"\r"),
    }
