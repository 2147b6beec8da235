"""Lines in a burst: written together, the rows redrawn once a frame, nothing reordered or
lost — in real pseudo-terminals, with print(), logging, os.write() and subprocesses."""

from __future__ import annotations

import re
import sys
import textwrap

import pytest

from tests.support.ptyrun import PtyProcess, clean_env


def _run(code: str) -> PtyProcess:
    return PtyProcess([sys.executable, "-c", textwrap.dedent(code)], env=clean_env(), rows=24)


def _lines(output: bytes) -> list[str]:
    """The program's lines in the order they reached the terminal (rows and escapes out)."""
    text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", output).decode()
    return [line.rstrip("\r").split("\r")[-1] for line in text.split("\n")]


def test_a_burst_of_lines_redraws_the_rows_once_a_frame_and_keeps_every_line() -> None:
    code = """\
        import time, twirly
        with twirly.spinner("burst row") as sp:
            start = time.monotonic()
            for i in range(20_000):
                print(f"line {i}")
            took = time.monotonic() - start
        print(f"TOOK {took:.6f}", flush=True)
    """
    _assert_a_burst(code)


def _assert_a_burst(code: str) -> None:
    """``code`` writes ``line 0`` to ``line 19999`` under a row that reads ``burst row``, and
    then prints how long that took (``TOOK``)."""
    with _run(code) as p:
        assert p.wait(timeout=120) == 0
    output = bytes(p.output)
    took = float(re.search(rb"TOOK ([0-9.]+)", output).group(1))  # type: ignore[union-attr]
    lines = [line for line in _lines(output) if line.startswith("line ")]
    assert lines == [f"line {i}" for i in range(20_000)]  # every line, in order, whole
    redraws = output.count(b"burst row")
    # A redraw or two a frame (80 ms: the frame's own, and the line that opens the next
    # window) while the burst lasts, and a few around it: not one a line.
    assert redraws <= 2 * took / 0.08 + 10, (redraws, took)


def test_lines_written_past_python_keep_their_place_in_a_burst() -> None:
    code = """\
        import os, subprocess, sys, twirly
        with twirly.spinner("mixed row"):
            for i in range(300):
                print(f"print {i}")
                os.write(1, f"fd {i}\\n".encode())
                sys.stderr.write(f"stderr {i}\\n")
                if i % 50 == 0:
                    subprocess.run(["echo", f"child {i}"], check=True)
    """
    with _run(code) as p:
        assert p.wait(timeout=60) == 0
    expected: list[str] = []
    for i in range(300):
        expected += [f"print {i}", f"fd {i}", f"stderr {i}"]
        if i % 50 == 0:
            expected.append(f"child {i}")
    lines = [line for line in _lines(bytes(p.output)) if line and "mixed row" not in line]
    assert lines == expected


def test_a_line_in_a_burst_is_shown_within_a_frame_while_the_program_goes_on() -> None:
    # The last line of a burst waits for the next frame, not for the next line.
    code = """\
        import sys, time, twirly
        with twirly.spinner("waiting row"):
            for i in range(50):
                print(f"early {i}")
            print("LAST", flush=True)
            time.sleep(30)
    """
    with _run(code) as p:
        p.read_until("LAST", timeout=5)
        p.read_until("waiting row")
        assert "LAST" in p.screen().text


@pytest.mark.parametrize("how", ["sys.stdout.flush()", "print('last', flush=True)", "logging"])
def test_every_line_is_on_the_terminal_once_the_program_flushes(how: str) -> None:
    # Lines in a burst wait for the next frame, as in any buffered stream; a flush writes
    # them at once, so a program that flushes and ends by os._exit() (as multiprocessing's
    # children do) loses none. A logging handler flushes after each record.
    if how == "logging":
        write, flush = "logging.info(f'line {i}')", ""
    else:
        write, flush = "print(f'line {i}')", how
    code = f"""\
        import logging, os, sys, twirly
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
        twirly.spinner("exit row").start()
        for i in range(5_000):
            {write}
        {flush}
        os._exit(0)
    """
    with _run(code) as p:
        assert p.wait(timeout=60) == 0
    output = bytes(p.output)
    lines = [line for line in _lines(output) if line.startswith("line ")]
    assert lines == [f"line {i}" for i in range(5_000)]
    if how == "logging":  # (each record flushed, yet the rows redrawn about once a frame)
        assert output.count(b"exit row") < 1_000


@pytest.mark.parametrize("writer", ["spinner", "group"])
def test_lines_written_through_twirly_in_a_burst_redraw_the_rows_once_a_frame(
    writer: str,
) -> None:
    code = f"""\
        import time, twirly
        if {writer!r} == "spinner":
            display = twirly.spinner("burst row")
        else:
            display = twirly.group("burst row", show_after=0)
        with display as d:
            if {writer!r} == "group":
                d.task("a task row").__enter__()
            start = time.monotonic()
            for i in range(20_000):
                d.write(f"line {{i}}")
            took = time.monotonic() - start
        print(f"TOOK {{took:.6f}}", flush=True)
    """
    _assert_a_burst(code)
