"""The book's programs in ``examples/``, each run in a real pseudo-terminal.

What a person sees: the spinner turning while the work runs (or, in the book's experiment,
frozen on its first frame), then the answer on a clean screen with the cursor back.
"""

from __future__ import annotations

import re
import sys

import pytest

from tests.support.ptyrun import ROOT, PtyProcess, clean_env
from twirly.styles import get_style

EXAMPLES = ROOT / "examples"
GLYPHS = [frame.strip() for frame in get_style("dots").frames]
# A third of the book's prime's trial divisions: still a good half second of pure Python.
PRIME = 1_000_000_000_000_037
PRIME_VERDICT = f"{PRIME:_d} is prime"


def glyphs_in(output: bytes) -> set[str]:
    """The spinner frames that appear in ``output`` (the programs print no braille of their own)."""
    text = output.decode("utf-8", "replace")
    return {glyph for glyph in GLYPHS if glyph in text}


def run_example(name: str, answer: str) -> tuple[PtyProcess, bytes]:
    """Run ``examples/name`` to the end; return it with the bytes written before ``answer``."""
    p = PtyProcess(
        [sys.executable, str(EXAMPLES / name)],
        env=clean_env({"SLOW_SECONDS": "0.6", "PRIME_NUMBER": str(PRIME)}),
    )
    p.read_until("thinking!")
    assert not p.screen().cursor_visible, "the cursor is hidden while the spinner runs"
    assert p.wait() == 0, bytes(p.output)
    output = bytes(p.output)
    assert answer.encode() in output, output
    return p, output[: output.index(answer.encode())]


def assert_answer_on_clean_screen(p: PtyProcess, answer: str) -> None:
    screen = p.screen()
    assert screen.cursor_visible
    lines = [line for line in screen.text_lines if line]
    assert lines[-1] == answer, screen.text
    assert lines[0].startswith("spinner object: <twirly.Spinner 'thinking!'"), screen.text
    assert not glyphs_in(screen.text.encode()), f"a spinner frame was left:\n{screen.text}"


@pytest.mark.parametrize(
    ("name", "answer", "driver"),
    [
        ("spinner_async.py", "Answer: 42", "asyncio"),
        ("spinner_thread.py", "Answer: 42", "thread"),
        ("spinner_proc.py", "Answer: 42", "process"),
        ("spinner_prime_async_nap.py", PRIME_VERDICT, None),
        ("spinner_prime_thread.py", PRIME_VERDICT, "thread"),
        ("spinner_prime_proc.py", PRIME_VERDICT, "process"),
    ],
)
def test_example_spins_while_waiting_then_shows_the_answer(
    name: str, answer: str, driver: str | None
) -> None:
    p, while_waiting = run_example(name, answer)
    with p:
        seen = glyphs_in(while_waiting)
        assert len(seen) >= 3, f"the spinner did not turn: {while_waiting!r}"
        assert_answer_on_clean_screen(p, answer)
        if driver is not None:
            assert f"running> ({driver})" in p.screen().text


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("spinner_async_experiment.py", "Answer: 42"),
        ("spinner_prime_async_broken.py", PRIME_VERDICT),
    ],
)
def test_blocked_event_loop_freezes_the_asyncio_spinner(name: str, answer: str) -> None:
    p, while_waiting = run_example(name, answer)
    with p:
        # The first frame is drawn when the spinner starts; the Task that would draw the
        # next ones never runs while the coroutine blocks the loop.
        assert glyphs_in(while_waiting) == {GLYPHS[0]}, while_waiting
        assert f"{GLYPHS[0]} thinking!".encode() in while_waiting
        assert_answer_on_clean_screen(p, answer)


def test_the_watchdog_keeps_the_spinner_turning_and_names_the_blocking_line() -> None:
    p, while_waiting = run_example("spinner_async_watchdog.py", "Answer: 42")
    with p:
        assert len(glyphs_in(while_waiting)) >= 3, while_waiting  # it kept turning
        assert "⚠ event loop blocked 0.".encode() in while_waiting  # the live label
        assert b"slow() spinner_async_watchdog.py:25" in while_waiting
        screen = p.screen()
        assert screen.cursor_visible
        # (the block began when the spinner did: the step that started it never awaited)
        assert re.search(
            r"  ~0\.[67] s  slow\(\)  spinner_async_watchdog\.py:25  time\.sleep\(SLOW_SECONDS\)",
            screen.text,
        ), screen.text
        assert re.search(r"blocked 0\.[67] s in slow\(\) at line 25", screen.text)
        assert not glyphs_in(screen.text.encode())


def test_prime_examples_take_the_number_to_check_from_the_command_line() -> None:
    argv = [sys.executable, str(EXAMPLES / "spinner_prime_thread.py"), "1000001"]
    with PtyProcess(argv, env=clean_env()) as p:
        assert p.wait() == 0
        assert "1_000_001 is not prime" in p.screen().text


@pytest.mark.parametrize("name", ["spinner_async.py", "spinner_thread.py", "spinner_proc.py"])
def test_example_with_stdout_redirected_keeps_the_spinner_on_the_terminal(name: str) -> None:
    # `python spinner_async.py > answer.txt`: the spinner draws on stderr, the terminal;
    # everything the program prints goes to the file, untouched.
    argv = [sys.executable, str(EXAMPLES / name)]
    with PtyProcess(argv, env=clean_env({"SLOW_SECONDS": "0.6"}), stdout_pipe=True) as p:
        assert p.wait() == 0
        assert len(glyphs_in(bytes(p.output))) >= 3, bytes(p.output)
        assert p.screen().text == "", "the terminal is left clean"
        assert p.screen().cursor_visible
        printed = bytes(p.stdout_data).decode().splitlines()
        assert printed[0].startswith("spinner object: <twirly.Spinner 'thinking!'")
        assert printed[1:] == ["Answer: 42"]
        assert "\x1b" not in "".join(printed)
