"""The README's figures for ``twirly.track`` and print bursts are those of the measurement of
record, ``bench/results/track.md``: quoted in the prose, the comparison table and the
Benchmarks section, they must change together when the benchmark is run again."""

from __future__ import annotations

import re

import pytest

from tests.support.ptyrun import ROOT

TRACK = (ROOT / "bench" / "results" / "track.md").read_text(encoding="utf-8").strip()


@pytest.fixture
def readme() -> str:
    """The README with its lines joined: a figure may be wrapped anywhere in a paragraph."""
    return " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())


def _row(table_row: str) -> list[str]:
    """The cells of the measurement's row that starts with ``table_row``."""
    found = re.search(rf"^\| {re.escape(table_row)} \|(.*)\|$", TRACK, re.MULTILINE)
    assert found is not None, f"no row {table_row!r} in bench/results/track.md"
    return [cell.strip() for cell in found.group(1).split("|")]


def _figure(pattern: str) -> str:
    """The figure ``pattern``'s one group finds in the measurement."""
    found = re.search(pattern, TRACK)
    assert found is not None, f"{pattern!r} not in bench/results/track.md"
    return found.group(1)


def test_the_benchmarks_section_holds_the_measurement_as_committed() -> None:
    assert TRACK in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_cost_an_item_is_the_measured_one(readme: str) -> None:
    bare, twirly, tqdm, rich = _row("bare"), _row("twirly"), _row("tqdm"), _row("rich")
    assert (
        f"added {twirly[1]} ns an item to the bare loop's {bare[0]}, where tqdm added {tqdm[1]} "
        f"and `rich.progress.track` {rich[1]};"
    ) in readme
    ratio = _figure(r"twirly's cost an item is ([\d.]+) × tqdm's")
    assert f"{ratio} × tqdm's cost an item over 10⁷ items" in readme  # (the comparison table)
    assert f"(at most tqdm's cost; {ratio} × in this run" in readme


def test_the_bytes_of_a_frame_are_the_measured_ones(readme: str) -> None:
    written = _figure(r"twirly's frames: (\d+) bytes written \(median")
    changed = _figure(r"(\d+) bytes changed from the previous frame's text")
    expected = f"a frame wrote {written} bytes (median) where its text had changed by {changed}."
    assert expected in readme


def test_print_bursts_run_at_the_measured_share_of_the_speed(readme: str) -> None:
    share = _row("twirly spinner")[2]
    assert f"runs at {share} of its speed without one" in readme
    assert f"| {share} of its speed without a spinner" in readme  # (the comparison table)
    # The figure from before the burst work is given twice: the same both times.
    before = re.findall(r"\(([\d–]+ %) before", readme)
    assert len(before) == 2, before
    assert len(set(before)) == 1, before
