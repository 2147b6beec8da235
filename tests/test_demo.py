"""``twirly demo``: the book's chapter replayed, on a terminal and off one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.frames import live_summary_of, read_screen_until, transcript
from tests.support.ptyrun import PtyProcess, clean_env
from twirly.demo import (
    DEFAULT_TOTAL_SECONDS,
    MANY_TASKS,
    WHAT_THE_WATCHDOG_DID,
    WHY_IT_FROZE,
    total_seconds,
)
from twirly.styles import get_style

GLYPHS = [frame.strip() for frame in get_style("dots").frames]
TWIRLY = Path(sys.executable).with_name("twirly")  # the console script of the installed package
# 0.8 s a step: several frames at 80 ms each, and the watchdog's label (from 0.5 s)
SHORT = {"TWIRLY_DEMO_SECONDS": "4"}
STEPS = 5


def glyphs_in(text: str) -> set[str]:
    return {glyph for glyph in GLYPHS if glyph in text}


def words(text: str) -> str:
    """``text`` with its line breaks and runs of spaces made single spaces (wrapping undone)."""
    return " ".join(text.split())


def steps_of(output: bytes) -> list[str]:
    """The output of each step, from its heading to the next one (the last one to the
    group)."""
    text = output.decode("utf-8", "replace")
    starts = [text.index(f"{number}/{STEPS} ") for number in range(1, STEPS + 1)]
    end = text.find(" ".join(MANY_TASKS.split()[:4]))  # (the group that follows)
    ends = [*starts[1:], end if end >= 0 else len(text)]
    return [text[a:b] for a, b in zip(starts, ends, strict=True)]


def test_demo_spins_under_three_clocks_then_freezes_on_a_blocked_loop() -> None:
    with PtyProcess([sys.executable, "-m", "twirly", "demo"], env=clean_env(SHORT)) as p:
        p.read_until("thinking!")
        assert not p.screen().cursor_visible
        assert p.wait() == 0, bytes(p.output)
        steps = steps_of(bytes(p.output))
        for clock, step in zip(["asyncio", "thread", "process"], steps, strict=False):
            assert step.split(":")[0].endswith(clock), step
            assert len(glyphs_in(step)) >= 3, f"the {clock} spinner did not turn: {step!r}"
        experiment = steps[3]
        assert f"{GLYPHS[0]} thinking! (watch it freeze)" in experiment
        assert glyphs_in(experiment) == {GLYPHS[0]}, f"the spinner turned: {experiment!r}"
        assert words(WHY_IT_FROZE) in words(experiment)
        # The same block with the watchdog: the spinner turns, the line is named.
        watched = steps[4]
        assert len(glyphs_in(watched)) >= 3, f"the watchdog did not draw: {watched!r}"
        assert "⚠ event loop blocked 0." in watched
        assert "· slow() demo.py:" in watched

        assert p.screen().cursor_visible
        # The group that follows pushes the book's part up into the scrollback: read it there.
        lines = transcript(bytes(p.output))
        text = "\n".join(lines)
        assert not glyphs_in(text), text
        assert "thinking!" not in text, "a spinner line was left on the screen"
        assert lines.count("Answer: 42") == STEPS, text
        summary = [line for line in lines if line.startswith("  ~0.")]
        assert len(summary) == 1
        assert "slow()  demo.py:" in summary[0]
        assert "time.sleep(seconds)" in summary[0]
        assert words(WHAT_THE_WATCHDOG_DID) in words(text), text
        demo_lines = [line for line in lines if not line.startswith(("⚠", "  "))]
        assert all(len(line) <= 72 for line in demo_lines), "the demo's lines are wrapped"


def test_demo_off_a_terminal_prints_the_lines_and_no_escape_bytes() -> None:
    done = subprocess.run(
        [str(TWIRLY), "demo"],
        env=clean_env({"TWIRLY_DEMO_SECONDS": "0.2"}),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name, data in [("stdout", done.stdout), ("stderr", done.stderr)]:
        assert b"\x1b" not in data, f"escape bytes on {name}: {data!r}"
        assert b"\r" not in data, f"carriage return on {name}: {data!r}"
    out = done.stdout.decode()
    assert out.count("Answer: 42\n") == STEPS, out
    assert words(WHY_IT_FROZE) in words(out), out
    ending = words(WHAT_THE_WATCHDOG_DID) + " " + words(MANY_TASKS) + GROUP_RESULT
    assert words(out).endswith(ending), out
    # Each spinner prints its text once when it starts, and nothing when it is cleared (a
    # block of 0.04 s is too short for the watchdog to record); the group its title, each
    # failure once, and its summary.
    errors = done.stderr.decode().splitlines()
    assert errors[:5] == [
        "thinking!",
        "thinking!",
        "thinking!",
        "thinking! (watch it freeze)",
        "thinking! (watchdog on)",
    ]
    assert errors[5] == "Downloading"
    assert sorted(errors[6:9]) == FAILURES, errors
    assert re.fullmatch(r"Downloading  597 done · 3 failed · 0:0\d", errors[9]), errors
    assert len(errors) == 10, errors


GROUP_RESULT = " 597 downloaded, 3 failed"
FAILURES = [
    f"✖ mirror.example/{number}.tgz: ConnectionResetError: reset by peer"
    for number in (311, 523, "097")
]
FAILURES.sort()


def test_demo_ends_with_a_group_of_downloads() -> None:
    with PtyProcess([sys.executable, "-m", "twirly", "demo"], env=clean_env(SHORT)) as p:
        p.read_until(MANY_TASKS.split()[-1])
        live = live_summary_of("Downloading")
        # The slow downloads' rows, with the text their tasks set, above the live summary.
        rows = read_screen_until(
            p,
            lambda rows: (
                any(live.match(row) for row in rows)
                and any(re.search(r"\d% of [\d,]+ kB \(\d+s\)$", row) for row in rows)
            ),
            "a download's row and the summary",
        )
        used = [row for row in rows if row]
        assert live.match(used[-1]), "the summary is the last row"
        assert not p.screen().cursor_visible
        assert p.wait() == 0, bytes(p.output)
        lines = transcript(bytes(p.output))
        assert lines[-1] == GROUP_RESULT.strip()
        assert re.fullmatch(r"Downloading  597 done · 3 failed · 0:0\d", lines[-2]), lines
        assert sorted(line for line in lines if line.startswith("✖")) == FAILURES, lines
        assert not any(" kB" in line for line in lines), "a download's row was left behind"
        assert p.screen().cursor_visible


def test_demo_into_a_reader_that_goes_away_ends_without_a_traceback() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "twirly", "demo"],
        env=clean_env({"TWIRLY_DEMO_SECONDS": "0.4"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        assert proc.stdout.readline().startswith(b"twirly demo:")
        proc.stdout.close()  # as `twirly demo | head -1` does
        errors = proc.stderr.read()
        assert proc.wait(timeout=30) in (0, 1)
    assert b"Traceback" not in errors, errors


def test_ctrl_c_ends_the_demo_with_the_cursor_shown() -> None:
    with PtyProcess([sys.executable, "-m", "twirly", "demo"], env=clean_env()) as p:
        p.read_until("thinking!")
        p.type("\x03")
        assert p.wait() == 130
        screen = p.screen()
        assert screen.cursor_visible
        assert "Traceback" not in screen.text, screen.text
        assert not glyphs_in(screen.text), screen.text


def test_bad_demo_seconds_are_refused_naming_the_variable() -> None:
    with PtyProcess(
        [sys.executable, "-m", "twirly", "demo"], env=clean_env({"TWIRLY_DEMO_SECONDS": "soon"})
    ) as p:
        assert p.wait() == 2
        assert "TWIRLY_DEMO_SECONDS must be a number of seconds" in p.screen().text
        assert "not 'soon'" in p.screen().text


@pytest.mark.parametrize(
    ("raw", "seconds"), [("", DEFAULT_TOTAL_SECONDS), (" 4 ", 4.0), ("0", 0.0), ("2.5", 2.5)]
)
def test_demo_seconds_from_the_environment(raw: str, seconds: float) -> None:
    assert total_seconds({"TWIRLY_DEMO_SECONDS": raw}) == seconds


def test_demo_takes_ten_seconds_unless_told_otherwise() -> None:
    assert total_seconds({}) == DEFAULT_TOTAL_SECONDS == 10.0


@pytest.mark.parametrize("raw", ["-1", "nan", "inf", "ten", "1e400"])
def test_demo_seconds_that_are_not_a_duration_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="TWIRLY_DEMO_SECONDS"):
        total_seconds({"TWIRLY_DEMO_SECONDS": raw})
