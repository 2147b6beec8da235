"""The issue's targets, checked against one run's results."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench.adapters import INTERVAL

INTERVAL_MS = INTERVAL * 1000
DRIVERS = ("twirly-thread", "twirly-asyncio", "twirly-process")


@dataclass
class Verdict:
    """One target: what it asks, what was measured, and whether it holds (None: not measured)."""

    target: str
    measured: str
    passed: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "measured": self.measured, "passed": self.passed}

    @property
    def mark(self) -> str:
        return {True: "pass", False: "FAIL", None: "n/a"}[self.passed]


def _check(target: str, value: float | None, ok: Callable[[float], bool], unit: str) -> Verdict:
    if value is None or math.isnan(value):
        return Verdict(target, "not measured", None)
    return Verdict(target, f"{value:.3g} {unit}", ok(value))


def _spin(results: dict[str, Any], subject: str, load: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = results.get("spin", {}).get(subject, {}).get(load)
    return found


def evaluate(results: dict[str, Any]) -> list[Verdict]:
    """Every target the run has figures for."""
    imports = results.get("import_ms", {})
    verdicts = [
        _check(
            "`import twirly` ≤ 5 ms over a bare interpreter",
            imports.get("import twirly"),
            lambda v: v <= 5,
            "ms",
        ),
        _check(
            "`from twirly import Spinner` (what a program runs) ≤ 5 ms over a bare interpreter",
            imports.get("from twirly import Spinner"),
            lambda v: v <= 5,
            "ms",
        ),
    ]
    first = results.get("first_frame")
    verdicts.append(
        _check(
            "`import twirly; twirly.spinner('x').start()`: first frame ≤ 5 ms over bare",
            first["over_bare_ms"] if first else None,
            lambda v: v <= 5,
            "ms",
        )
    )
    for driver in DRIVERS:
        sleep = _spin(results, driver, "sleep")
        if sleep is None:
            continue
        # The book's spinner of the same kind; the thread one where that was not measured.
        kind = driver.removeprefix("twirly-")
        book_name = f"book-{kind}" if _spin(results, f"book-{kind}", "sleep") else "book-thread"
        book = _spin(results, book_name, "sleep")
        verdicts.append(
            _check(
                f"{driver}: ≤ 6 bytes per glyph-only frame",
                sleep["bytes_per_frame"],
                lambda v: v <= 6,
                "B",
            )
        )
        if book is not None:
            ceiling = book["cpu_us_per_frame"]
            verdicts.append(
                _check(
                    f"{driver}: CPU per frame ≤ {book_name} ({ceiling:.0f} µs)",
                    sleep["cpu_us_per_frame"],
                    partial(operator.ge, ceiling),
                    "µs",
                )
            )
    verdicts += _stop_and_gap_verdicts(results)
    verdicts += _work_verdicts(results)
    verdicts += _rows_verdicts(results.get("rows") or {})
    verdicts += _cli_verdicts(results.get("cli"))
    return verdicts


def _rows_verdicts(many: dict[str, dict[str, Any]]) -> list[Verdict]:
    """The issue's "flat as rows are added", per N; compared with one spinner where relative."""
    verdicts = []
    rate = 1 / INTERVAL  # frames per second of the style every row uses
    one = many.get("1", {})
    for key, found in many.items():
        n = f"{int(key):,} rows"
        verdicts.append(
            Verdict(
                f"{n}: every spinner started within the cap",
                f"{found['started']:,} of {found['count']:,}",
                found["started"] == found["count"],
            )
        )
        # One frame more or less is a rounding of the window, not a frame too many.
        slack = 1 / found["seconds"] if found.get("seconds") else 0.0
        verdicts.append(
            _check(
                f"{n}: wake-ups ≤ 1.25 per frame of the style ({rate * 1.25:g}/s)",
                found.get("wakeups_per_s"),
                lambda v, s=slack: v <= rate * 1.25 + s,
                "/s",
            )
        )
        verdicts.append(
            _check(
                f"{n}: frames ≤ the style's rate ({rate:g}/s)",
                found.get("frames_per_s"),
                lambda v, s=slack: v <= rate + s,
                "/s",
            )
        )
        if key != "1" and one.get("threads"):
            verdicts.append(
                _check(
                    f"{n}: no more threads than with one spinner ({one['threads']})",
                    found.get("threads"),
                    partial(operator.ge, one["threads"]),
                    "threads",
                )
            )
    ten, thousand = many.get("10", {}), many.get("1000", {})
    if ten.get("cpu_s_per_s") and thousand.get("cpu_s_per_s") is not None:
        verdicts.append(
            _check(
                "CPU per second at 1,000 rows ≤ 2 × at 10 rows",
                thousand["cpu_s_per_s"] / ten["cpu_s_per_s"],
                lambda v: v <= 2,
                "×",
            )
        )
    return verdicts


def _stop_and_gap_verdicts(results: dict[str, Any]) -> list[Verdict]:
    verdicts = []
    for driver, limit in (("twirly-thread", 1.0), ("twirly-asyncio", 1.0), ("twirly-process", 5.0)):
        stop = results.get("stop_ms", {}).get(driver)
        if stop is not None:
            verdict = _check(
                f"{driver}: stop ≤ {limit:g} ms (median)",
                stop["median"],
                partial(operator.ge, limit),
                "ms",
            )
            verdict.measured += f" (p90 {stop['p90']:.3g}, max {stop['max']:.3g})"
            verdicts.append(verdict)
    python = _spin(results, "twirly-thread", "python")
    if python is not None:
        verdicts.append(
            _check(
                f"twirly-thread: median gap under pure-Python load ≤ 1.05 × {INTERVAL_MS:g} ms",
                python["gap_ms"]["median"] / INTERVAL_MS,
                lambda v: v <= 1.05,
                "× interval",
            )
        )
    gil = _spin(results, "twirly-process", "gil")
    if gil is not None:
        verdicts.append(
            _check(
                f"twirly-process: max gap during the GIL-holding C call ≤ 1.5 × {INTERVAL_MS:g} ms",
                gil["gap_ms"]["max"] / INTERVAL_MS,
                lambda v: v <= 1.5,
                "× interval",
            )
        )
    return verdicts


def _work_verdicts(results: dict[str, Any]) -> list[Verdict]:
    verdicts = []
    for driver in DRIVERS:
        text = results.get("text_ns", {}).get(driver)
        if text is not None:
            verdicts.append(
                _check(f"{driver}: text update ≤ 100 ns", text, lambda v: v <= 100, "ns")
            )
        slow = results.get("slowdown", {}).get(driver)
        if slow is not None:
            verdicts.append(
                _check(
                    f"{driver}: slowdown of the work ≤ 1 %",
                    slow["median_pct"],
                    lambda v: v <= 1,
                    "%",
                )
            )
        pipe = results.get("pipe", {}).get(driver)
        if pipe is not None:
            verdicts.append(
                Verdict(
                    f"{driver}: to a pipe, ≤ 2 lines and no escape bytes",
                    f"{pipe['lines']} lines, {pipe['escape_bytes']} escape bytes",
                    pipe["lines"] <= 2 and pipe["escape_bytes"] == 0,
                )
            )
    return verdicts


def _cli_verdicts(cli: dict[str, Any] | None) -> list[Verdict]:
    startup_target = "`twirly -- true` ≤ 50 ms over bare `true`"
    output_target = "`twirly --show-output` throughput ≥ 50 % of `| cat`"
    if not cli or not cli.get("available"):
        why = (cli or {}).get("why", "not measured")
        return [Verdict(startup_target, why, None), Verdict(output_target, why, None)]
    return [
        _check(startup_target, cli["startup"]["over_bare_ms"], lambda v: v <= 50, "ms"),
        _check(output_target, cli["throughput"]["share_of_cat"] * 100, lambda v: v >= 50, "%"),
    ]
