"""The group and watchdog benchmarks' own arithmetic (their runs are in `.ci/run`'s smoke
step): frames found by their synchronized-update brackets, tables that say what was not run."""

from __future__ import annotations

from bench.group import _frame_sizes, _percentile, table
from bench.watchdog import table as watchdog_table


def test_a_frame_is_one_synchronized_update() -> None:
    data = b"x\x1b[?2026habc\x1b[?2026l\r\x1b[?2026h12345\x1b[?2026l\x1b[?2026hcut"
    assert _frame_sizes(data) == [3 + 16, 5 + 16]  # (an unfinished one is left out)


def test_percentiles_of_nothing_are_not_a_number() -> None:
    assert _percentile([], 0.5) != _percentile([], 0.5)
    assert _percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_the_group_table_says_what_could_not_run() -> None:
    results = {
        "frames": [
            {
                "subject": "twirly",
                "tasks": 100,
                "steps": 49,
                "step_bytes_p50": 246.0,
                "step_bytes_p99": 598.0,
                "step_cpu_ms": 1.6,
                "frames": 10,
                "bytes_p50": 250.0,
                "bytes_p99": 900.0,
                "cpu_ms_p50": 0.5,
                "cpu_ms_mean": 0.6,
            },
            {
                "subject": "rich",
                "tasks": 100,
                "steps": 6,
                "step_bytes_p50": 492.0,
                "step_bytes_p99": 9000.0,
                "step_cpu_ms": 16.0,
                "cpu_ms_p50": 5.0,
                "cpu_ms_mean": 6.0,
            },
            {"subject": "rich", "tasks": 100_000, "error": "did not finish in 64 s"},
        ],
        "updates": {"task_ns": 40.0, "thread_ns": 45.0, "records": 1, "containers": 2688},
    }
    text = table(results)
    assert "| 100 | twirly | 49 | 246 | 598 | – | 1.60 | – | 0.500 | 0.600 |" in text
    assert "| 492 | 9,000 | 2.0 | 16.00 | 10.0 |" in text  # rich's bytes and CPU × twirly's
    assert "| 100,000 | rich `Progress`, a task per item | did not finish in 64 s |" in text
    assert "| 100 | 10 | 250 | 900 | 0.500 | 0.600 |" in text  # twirly's own frames
    assert "40 ns from a task" in text


def test_the_watchdog_table_gives_ratios_to_the_spinner_alone() -> None:
    rates = {"bare": 110.0, "spinner": 100.0, "watchdog": 99.0, "debug": 70.0}
    results = {
        "rounds": 1,
        "seconds": 0.5,
        "steps_per_second": rates,
        "slowdown_vs_spinner": {name: 100.0 / rate for name, rate in rates.items()},
        "watchdog_cpu_share": 0.0005,
    }
    text = watchdog_table(results)
    assert "| spinner + watchdog | 99 | 1.010 |" in text
    assert "0.050 % of wall time" in text
