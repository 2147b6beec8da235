"""How long and how often each measurement runs: the full run, and CI's smoke run."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Plan:
    """Sizes of every measurement (seconds unless named otherwise)."""

    name: str
    import_runs: int
    spin_repeats: int  # runs of each spin scenario per subject, interleaved across subjects
    warmup: float
    sleep_window: float
    python_window: float
    gil_seconds: float
    stop_reps: int
    slowdown_pairs: int
    slowdown_work: float  # seconds of work timed in each half of a pair
    text_number: int
    text_repeat: int
    pipe_seconds: float
    cli_runs: int
    cli_megabytes: int
    cli_repeats: int
    first_frame_runs: int
    rows_counts: tuple[int, ...]  # spinners on one terminal, one session each
    rows_spread: float  # they start at random times within this
    rows_cap: float  # no spinner is started after this (the rest are reported as not started)
    rows_settle: float
    rows_window: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


FULL = Plan(
    name="full",
    import_runs=30,
    spin_repeats=3,
    warmup=0.5,
    sleep_window=4.0,
    python_window=3.0,
    gil_seconds=2.0,
    stop_reps=25,
    slowdown_pairs=24,
    slowdown_work=0.1,
    text_number=100_000,
    text_repeat=7,
    pipe_seconds=1.0,
    cli_runs=25,
    cli_megabytes=100,
    cli_repeats=3,
    first_frame_runs=25,
    rows_counts=(1, 10, 1_000, 10_000),
    rows_spread=1.0,
    rows_cap=30.0,
    rows_settle=0.5,
    rows_window=3.0,
)

SMOKE = Plan(
    name="smoke",
    import_runs=3,
    spin_repeats=1,
    warmup=0.2,
    sleep_window=0.6,
    python_window=0.5,
    gil_seconds=0.4,
    stop_reps=3,
    slowdown_pairs=2,
    slowdown_work=0.05,
    text_number=10_000,
    text_repeat=2,
    pipe_seconds=0.3,
    cli_runs=2,
    cli_megabytes=5,
    cli_repeats=1,
    first_frame_runs=3,
    rows_counts=(1, 10),
    rows_spread=0.3,
    rows_cap=10.0,
    rows_settle=0.2,
    rows_window=0.6,
)
