"""The report's new tables and the issue's targets for many rows, from made-up results."""

from __future__ import annotations

from typing import Any

from bench.report import book_table, first_frame_lines, rows_table
from bench.targets import evaluate


def _rows(count: int, started: int, **figures: float) -> dict[str, Any]:
    found: dict[str, Any] = {"count": count, "started": started, "threads": started + 2}
    found["start_s"] = 30.2 if started < count else 0.9
    found.update(figures)
    return found


RESULTS: dict[str, Any] = {
    "rows": {
        "1": _rows(1, 1, seconds=3.0, wakeups_per_s=13.0, frames_per_s=12.6, cpu_s_per_s=0.002),
        "10": _rows(10, 10, seconds=3.0, wakeups_per_s=3754.0, frames_per_s=74.0, cpu_s_per_s=0.08),
        "1000": _rows(
            1000,
            347,
            seconds=3.0,
            wakeups_per_s=6345.0,
            frames_per_s=62.0,
            cpu_s_per_s=0.76,
            bytes_per_frame=30.5,
        ),
        "10000": {"count": 10_000, "started": 290, "start_s": None, "threads": 300},
    },
    "spin": {
        "twirly-thread": {"sleep": {"cpu_us_per_frame": 225.0, "bytes_per_frame": 4.0}},
        "book-thread": {"sleep": {"cpu_us_per_frame": 150.0, "bytes_per_frame": 4.0}},
        "twirly-asyncio": {"sleep": {"cpu_us_per_frame": 309.0, "bytes_per_frame": 4.0}},
    },
    "slowdown": {"twirly-thread": {"median_pct": -1.1}, "twirly-asyncio": {"median_pct": 6.4}},
    "first_frame": {
        "statement": "import twirly; twirly.spinner('x').start()",
        "over_bare_ms": 38.2,
    },
    "import_ms": {"from twirly import Spinner": 15.2, "from yaspin import yaspin": 23.5},
}


def test_the_rows_table_says_how_many_started_and_leaves_the_unmeasured_blank() -> None:
    lines = rows_table(RESULTS).splitlines()
    assert lines[2].startswith("| 1 | 1 of 1 in 0.9 s | 3 | 13.0 |")
    assert "| 1,000 | 347 of 1,000 in 30.2 s | 349 | 6,345 |" in lines[4]
    assert lines[4].endswith("| 62.0 | 30.5 |")
    assert lines[5] == "| 10,000 | 290 of 10,000 | 300 | – | – | – | – | – |"


def test_each_driver_is_set_beside_the_book_spinner_of_its_kind() -> None:
    lines = book_table(RESULTS).splitlines()
    assert lines[2] == "| thread | 225 | 150 | 1.50 | ×0.989 | – |"
    assert lines[3] == "| asyncio | 309 | – | – | ×1.064 | – |"  # no book-asyncio run
    assert lines[4] == "| process | – | – | – | – | – |"


def test_the_first_frame_stands_beside_the_import_times() -> None:
    text = first_frame_lines(RESULTS)
    assert "twirly.spinner('x').start()\"`: first frame | 38.2 |" in text
    assert "| `from yaspin import yaspin`: import | 23.5 |" in text


def test_many_rows_targets() -> None:
    verdicts = {v.target: v for v in evaluate(RESULTS)}
    started = {t: v.passed for t, v in verdicts.items() if "started within the cap" in t}
    assert started == {
        "1 rows: every spinner started within the cap": True,
        "10 rows: every spinner started within the cap": True,
        "1,000 rows: every spinner started within the cap": False,
        "10,000 rows: every spinner started within the cap": False,
    }
    assert verdicts["1 rows: wake-ups ≤ 1.25 per frame of the style (15.625/s)"].passed
    # 12.6 frames in a 3 s window: one frame over 12.5/s is the window's rounding.
    assert verdicts["1 rows: frames ≤ the style's rate (12.5/s)"].passed
    assert verdicts["10 rows: frames ≤ the style's rate (12.5/s)"].passed is False
    assert verdicts["10 rows: no more threads than with one spinner (3)"].passed is False
    assert verdicts["10,000 rows: frames ≤ the style's rate (12.5/s)"].passed is None
    assert verdicts["CPU per second at 1,000 rows ≤ 2 × at 10 rows"].measured == "9.5 ×"
    first = "`import twirly; twirly.spinner('x').start()`: first frame ≤ 5 ms over bare"
    assert verdicts[first].passed is False
    # asyncio has no book spinner of its kind in this run: the thread one is the ceiling.
    assert "twirly-asyncio: CPU per frame ≤ book-thread (150 µs)" in verdicts
