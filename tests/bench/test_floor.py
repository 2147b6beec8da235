"""``bench.floor``: each of its programs draws frames on its pseudo-terminal and reports a cost."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from bench.floor import ASYNCIO_VARIANTS, VARIANTS, family, main, run


def test_every_program_draws_frames_and_reports_its_cost_per_frame() -> None:
    for variant in VARIANTS + ASYNCIO_VARIANTS:
        report, output = run(variant, 0.1, 0.4)
        assert report["frames"] >= 3, (variant, report)
        assert report["cpu_us"] > 0, (variant, report)
        # Every program turns the glyph on the terminal (from wherever in the cycle it starts).
        turned = {glyph for glyph in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏" if glyph.encode() in output}
        assert len(turned) >= 3, (variant, output)


@pytest.mark.skipif(
    not os.access("/proc/self/clear_refs", os.W_OK), reason="no writable /proc/PID/clear_refs"
)
@pytest.mark.parametrize(
    ("flags", "programs"),
    [
        ([], ["book", "twirly"]),
        (["--asyncio"], ["book, asyncio", "twirly, asyncio"]),
        (["--process"], ["book, process", "twirly, process"]),
    ],
)
def test_pages_counts_the_pages_each_program_touches_in_a_frame(
    flags: list[str], programs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--pages", "--smoke", *flags, "--only", *programs]) == 0
    table = capsys.readouterr().out.split("By mapping")[0]
    rows = {
        cells[0]: cells[1:]
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith(("| program", "|---"))
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }
    assert list(rows) == programs, table
    for program, (least, median, mean, most, *ratios) in rows.items():
        # (a round may find nothing drawn under load: none ran in its 80 ms; most did)
        assert 0 <= int(least) <= float(median) <= int(most), (program, table)
        assert float(median) > 0, (program, table)
        assert int(least) <= float(mean) <= int(most), (program, table)
        assert all(float(ratio) > 0 for ratio in ratios), (program, table)
    assert rows[programs[0]][4:] == ["1.00", "1.00"], table


def test_pages_and_instructions_do_not_go_together(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--pages", "--instructions"])
    assert exit_.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_the_process_spinners_are_counted_by_pages_only(capsys: pytest.CaptureFixture[str]) -> None:
    # (their frames are drawn by another process: the program's CPU per frame says nothing)
    with pytest.raises(SystemExit) as exit_:
        main(["--process"])
    assert exit_.value.code == 2
    assert "--process goes with --pages" in capsys.readouterr().err


def test_a_programs_family_is_it_its_children_and_theirs() -> None:
    grandchild = (
        "import subprocess, sys; "
        "subprocess.run([sys.executable, '-c', 'import sys; sys.stdin.read()'])"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", grandchild], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    try:
        found: list[int] = []
        for _ in range(200):  # (until the grandchild has started: up to 10 s)
            found = family(child.pid)
            if len(found) == 2:
                break
            time.sleep(0.05)
        assert found[0] == child.pid, found
        assert len(found) == 2, found
        assert child.pid in family(os.getpid())
    finally:
        child.kill()
        assert child.stdin is not None
        child.stdin.close()  # (the grandchild's read ends: it reads the same pipe)
        child.wait()
