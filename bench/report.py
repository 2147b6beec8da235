"""Tables of one run's results: figures per library, twirly/peer ratios, targets."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from bench.targets import Verdict

Getter = Callable[[dict[str, Any], str], float | None]


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _spin(load: str, *path: str) -> Getter:
    def get(results: dict[str, Any], subject: str) -> float | None:
        node: Any = results.get("spin", {}).get(subject, {}).get(load)
        for key in path:
            if node is None:
                return None
            node = node.get(key)
        return node if isinstance(node, int | float) else None

    return get


def _at(section: str, *path: str) -> Getter:
    def get(results: dict[str, Any], subject: str) -> float | None:
        node: Any = results.get(section, {}).get(subject)
        for key in path:
            if node is None:
                return None
            node = node.get(key)
        return node if isinstance(node, int | float) else None

    return get


def _import(results: dict[str, Any], subject: str) -> float | None:
    statement = results.get("import_statements", {}).get(subject)
    value: float | None = results.get("import_ms", {}).get(statement)
    return value


def _bare_twirly(results: dict[str, Any], subject: str) -> float | None:
    if not subject.startswith("twirly"):
        return None
    value: float | None = results.get("import_ms", {}).get("import twirly")
    return value


ROWS: list[tuple[str, Getter]] = [
    ("import, ms over bare interpreter", _import),
    ("`import twirly` alone, ms over bare", _bare_twirly),
    ("CPU per frame, µs (main thread asleep)", _spin("sleep", "cpu_us_per_frame")),
    ("CPU, % of a core (main thread asleep)", _spin("sleep", "core_pct")),
    ("bytes per frame", _spin("sleep", "bytes_per_frame")),
    ("bytes per second", _spin("sleep", "bytes_per_s")),
    ("frames per second", _spin("sleep", "frames_per_s")),
    ("gap median, ms (asleep)", _spin("sleep", "gap_ms", "median")),
    ("gap p99, ms (asleep)", _spin("sleep", "gap_ms", "p99")),
    ("gap max, ms (asleep)", _spin("sleep", "gap_ms", "max")),
    ("gap median, ms (pure-Python load)", _spin("python", "gap_ms", "median")),
    ("gap p99, ms (pure-Python load)", _spin("python", "gap_ms", "p99")),
    ("gap max, ms (pure-Python load)", _spin("python", "gap_ms", "max")),
    ("GIL-holding C call, s (median)", _spin("gil", "window_s")),
    ("gap median, ms (GIL-holding C call)", _spin("gil", "gap_ms", "median")),
    ("gap max, ms (GIL-holding C call)", _spin("gil", "gap_ms", "max")),
    ("stop median, ms", _at("stop_ms", "median")),
    ("stop p90, ms", _at("stop_ms", "p90")),
    ("stop max, ms", _at("stop_ms", "max")),
    ("slowdown of the work, % (median of pairs)", _at("slowdown", "median_pct")),
    ("text update, ns", lambda r, s: r.get("text_ns", {}).get(s)),
    ("to a pipe: bytes", _at("pipe", "bytes")),
    ("to a pipe: lines", _at("pipe", "lines")),
    ("to a pipe: escape bytes", _at("pipe", "escape_bytes")),
    ("to a pipe: carriage returns", _at("pipe", "carriage_returns")),
]

# Ratio rows: (label, getter, twirly driver compared). Lower is better for every one.
RATIO_ROWS: list[tuple[str, Getter, str]] = [
    ("import time", _import, "twirly-thread"),
    ("CPU per frame", _spin("sleep", "cpu_us_per_frame"), "twirly-thread"),
    ("bytes per frame", _spin("sleep", "bytes_per_frame"), "twirly-thread"),
    ("gap median, pure-Python load", _spin("python", "gap_ms", "median"), "twirly-thread"),
    (
        "gap max, GIL-holding C call",
        _spin("gil", "gap_ms", "max"),
        "twirly-process",
    ),
    ("stop median", _at("stop_ms", "median"), "twirly-thread"),
    ("text update", lambda r, s: r.get("text_ns", {}).get(s), "twirly-thread"),
]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def figures_table(results: dict[str, Any]) -> str:
    """One row per figure, one column per library (medians unless named otherwise)."""
    subjects = results["subjects"]
    rows = [[label, *(_fmt(get(results, s)) for s in subjects)] for label, get in ROWS]
    return _table(["", *subjects], rows)


def ratios_table(results: dict[str, Any]) -> str:
    """twirly / peer for the headline figures (below 1: twirly is lower, i.e. better)."""
    others = [s for s in results["subjects"] if not s.startswith("twirly")]
    rows = []
    for label, get, driver in RATIO_ROWS:
        mine = get(results, driver)
        cells = []
        for other in others:
            theirs = get(results, other)
            ok = mine is not None and theirs not in (None, 0)
            cells.append(_fmt(mine / theirs) if ok else "–")  # type: ignore[operator]
        rows.append([f"{label} ({driver.removeprefix('twirly-')})", *cells])
    return _table(["twirly / peer", *others], rows)


BOOK_OF = {"thread": "book-thread", "asyncio": "book-asyncio", "process": "book-process"}


def _times(pct: float | None) -> str:
    return "–" if pct is None else f"×{1 + pct / 100:.3f}"


def book_table(results: dict[str, Any]) -> str:
    """Each twirly driver beside the book's naive spinner of the same kind (same run)."""
    cpu = _spin("sleep", "cpu_us_per_frame")
    slow = _at("slowdown", "median_pct")
    rows = []
    for kind, book in BOOK_OF.items():
        mine, theirs = cpu(results, f"twirly-{kind}"), cpu(results, book)
        ok = mine is not None and theirs not in (None, 0)
        rows.append(
            [
                kind,
                _fmt(mine),
                _fmt(theirs),
                _fmt(mine / theirs) if ok else "–",  # type: ignore[operator]
                _times(slow(results, f"twirly-{kind}")),
                _times(slow(results, book)),
            ]
        )
    header = [
        "driver",
        "twirly CPU/frame, µs",
        "book CPU/frame, µs",
        "twirly / book",
        "twirly: work takes",
        "book: work takes",
    ]
    return _table(header, rows)


def _count(value: Any) -> str:
    return "–" if value is None else f"{value:,}"


def rows_table(results: dict[str, Any]) -> str:
    """Many thread spinners on one terminal: one row per N."""
    many = results.get("rows") or {}
    lines = []
    for key, found in many.items():
        started = f"{_count(found['started'])} of {_count(found['count'])}"
        if found.get("start_s") is not None:
            started += f" in {found['start_s']:.1f} s"
        lines.append(
            [
                _count(int(key)),
                started,
                _count(found.get("threads")),
                _fmt(found.get("wakeups_per_s")),
                _fmt(found.get("preempted_per_s")),
                _fmt(found.get("cpu_s_per_s")),
                _fmt(found.get("frames_per_s")),
                _fmt(found.get("bytes_per_frame")),
            ]
        )
    header = [
        "thread spinners",
        "started (within the cap)",
        "threads (max)",
        "wake-ups/s",
        "preempted/s",
        "CPU s/s",
        "frames/s",
        "bytes/frame",
    ]
    return _table(header, lines)


def first_frame_lines(results: dict[str, Any]) -> str:
    """Time to the first frame, beside every measured import statement (ms over bare)."""
    first = results.get("first_frame")
    if not first:
        return "Time to first frame: not measured."
    rows = [[f'`python -c "{first["statement"]}"`: first frame', _fmt(first["over_bare_ms"])]]
    imports = results.get("import_ms", {})
    rows += [[f"`{statement}`: import", _fmt(ms)] for statement, ms in imports.items()]
    return _table(["on a pty, ms over a bare interpreter (medians)", "ms"], rows)


def targets_table(verdicts: Sequence[Verdict]) -> str:
    return _table(
        ["target", "measured", "result"], [[v.target, v.measured, v.mark] for v in verdicts]
    )


def cli_lines(cli: dict[str, Any] | None) -> str:
    if not cli or not cli.get("available"):
        return f"Command line: {(cli or {}).get('why', 'not measured')}."
    up, out = cli["startup"], cli["throughput"]
    return (
        f"Command line: `twirly -- true` {up['twirly_ms']:.1f} ms against `true` "
        f"{up['bare_ms']:.1f} ms ({up['over_bare_ms']:.1f} ms over bare); "
        f"`--show-output` of {out['megabytes']} MB: {out['twirly_mb_s']:.0f} MB/s against "
        f"`| cat` {out['cat_mb_s']:.0f} MB/s ({out['share_of_cat'] * 100:.0f} %)."
    )


def machine_line(machine: dict[str, Any]) -> str:
    return (
        f"{machine['date']}, {machine['cpu']} × {machine['nproc']}, Python {machine['python']}, "
        f"Linux {machine['kernel']}, twirly {machine['commit']}; load average "
        f"{machine.get('load_average_at_start', '?')} at the start, "
        f"{machine.get('load_average_at_end', '?')} at the end; {machine.get('seconds', '?')} s"
    )


def markdown(results: dict[str, Any], verdicts: Sequence[Verdict]) -> str:
    """The whole report, as the README shows it."""
    notes = results.get("notes", [])
    parts = [
        f"Run: {machine_line(results['machine'])}. Plan: {results['plan']['name']}.",
        figures_table(results),
        ratios_table(results),
        book_table(results),
        first_frame_lines(results),
        rows_table(results) if results.get("rows") else "Many rows: not measured.",
        cli_lines(results.get("cli")),
        targets_table(verdicts),
    ]
    if notes:
        parts.append("\n".join(f"- {note}" for note in notes))
    return "\n\n".join(parts) + "\n"
