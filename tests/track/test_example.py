"""examples/track_words.py in a real pseudo-terminal, and piped."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.support.frames import read_screen_until
from tests.support.ptyrun import ROOT, PtyProcess, clean_env

EXAMPLE = ROOT / "examples" / "track_words.py"
SMALL = {"TRACK_LINES": "20000", "TRACK_PAUSE": "0.01"}  # (the second pass: 2 s or more)
RATE = r"[0-9.,kMG]+/s"


def test_the_example_counts_live_then_leaves_two_final_lines() -> None:
    live = re.compile(rf". Finding the longest line \(at 10,000\)  1\d,\d\d\d · {RATE} · 0:\d\d")
    with PtyProcess([sys.executable, str(EXAMPLE)], env=clean_env(SMALL)) as p:
        read_screen_until(p, lambda rows: any(map(live.fullmatch, rows)), "the live count")
        assert p.wait() == 0
        lines = p.screen().text_lines
    assert re.fullmatch(rf"✔ Counting words  20,000/20,000 · {RATE} · 0:\d\d", lines[0])
    assert re.fullmatch(r"[\d,]+ words", lines[1])
    assert re.fullmatch(
        rf"✔ Finding the longest line \(at 20,000\)  20,000 · {RATE} · 0:\d\d", lines[2]
    )
    assert re.fullmatch(r"longest line: \d+ characters", lines[3])


def test_the_example_piped_prints_no_count_per_item() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, env=clean_env(SMALL), check=True
    )
    errors = done.stderr.decode().splitlines()
    assert errors[0] == "Counting words"
    assert errors[1].startswith("✔ Counting words  20,000/20,000 · ")
    assert errors[2] == "Finding the longest line"
    assert errors[3].startswith("✔ Finding the longest line (at 20,000)  20,000 · ")
    assert len(errors) == 4
    assert done.stdout.decode().splitlines()[1].startswith("longest line: ")
