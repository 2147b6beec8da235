"""``twirly demo``: the book's chapter replayed, on a terminal and off one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ptyrun import PtyProcess, clean_env
from twirly.demo import DEFAULT_TOTAL_SECONDS, WHAT_THE_WATCHDOG_DID, WHY_IT_FROZE, total_seconds
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
    """The output of each step, from its heading to the next one."""
    text = output.decode("utf-8", "replace")
    starts = [text.index(f"{number}/{STEPS} ") for number in range(1, STEPS + 1)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def test_demo_spins_under_three_clocks_then_freezes_on_a_blocked_loop() -> None:
    with PtyProcess([sys.executable, "-m", "twirly", "demo"], env=clean_env(SHORT), rows=40) as p:
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

        screen = p.screen()
        assert screen.cursor_visible
        assert not glyphs_in(screen.text), screen.text
        assert "thinking!" not in screen.text, "a spinner line was left on the screen"
        assert screen.text_lines.count("Answer: 42") == STEPS, screen.text
        summary = [line for line in screen.text_lines if line.startswith("  ~0.")]
        assert len(summary) == 1
        assert "slow()  demo.py:" in summary[0]
        assert "time.sleep(seconds)" in summary[0]
        assert words(screen.text).endswith(words(WHAT_THE_WATCHDOG_DID)), screen.text
        demo_lines = [line for line in screen.text_lines if not line.startswith(("⚠", "  "))]
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
    assert words(out).endswith(words(WHAT_THE_WATCHDOG_DID)), out
    # Each spinner prints its text once when it starts, and nothing when it is cleared (a
    # block of 0.04 s is too short for the watchdog to record).
    assert done.stderr.decode().splitlines() == [
        "thinking!",
        "thinking!",
        "thinking!",
        "thinking! (watch it freeze)",
        "thinking! (watchdog on)",
    ]


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
