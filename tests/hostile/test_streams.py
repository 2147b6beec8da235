"""Output streams that are not a terminal, go away, or stop being read."""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hostile.programs import DRIVERS, assert_clean_screen, spinning, start
from tests.support.ptyrun import PtyProcess, clean_env

WORK = """
PAUSE(0.25)
sp.text = "changed text"
sp.write("a line\\nand another")
PAUSE(0.1)
sp.ok("done")
"""


def _run(code: str, **redirect: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(),
        timeout=30,
        check=False,
        **redirect,  # type: ignore[call-overload]
    )


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("name", ["stdout", "stderr"])
def test_a_pipe_gets_the_text_once_and_the_final_line_once(driver: str, name: str) -> None:
    code = spinning(WORK, driver, options=f"stream=sys.{name}")
    result = _run(code, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert getattr(result, name).decode() == "spinning text\na line\nand another\n✔ done\n"
    assert getattr(result, "stderr" if name == "stdout" else "stdout") == b""


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_file_gets_plain_lines_and_no_escape_bytes(driver: str, tmp_path: Path) -> None:
    target = tmp_path / "log.txt"
    with target.open("wb") as file:
        result = _run(spinning(WORK, driver), stderr=file, stdout=subprocess.PIPE)
    assert result.returncode == 0
    assert target.read_text() == "spinning text\na line\nand another\n✔ done\n"


@pytest.mark.parametrize("driver", DRIVERS)
def test_dev_null_is_fine(driver: str) -> None:
    code = spinning(WORK, driver, after="print('END')\n")
    with open(os.devnull, "wb") as devnull:
        result = _run(code, stderr=devnull, stdout=subprocess.PIPE)
    assert result.returncode == 0
    assert result.stdout == b"END\n"


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("name", ["stdout", "stderr"])
def test_a_reader_that_closes_early_gives_no_traceback(driver: str, name: str) -> None:
    # Only twirly writes to the stream here: a program's own print() to a closed pipe raises
    # BrokenPipeError in the program, as it would without twirly.
    body = """
    for i in range(3000):
        sp.write(f"line {i}")
        sp.text = f"text {i}"
    """
    code = spinning(body, driver, options=f"stream=sys.{name}")
    merge = "2>&1 >/dev/null " if name == "stderr" else ""
    pipeline = (
        f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} {merge}| head -c 10; "
        'exit "${PIPESTATUS[0]}"'
    )
    result = subprocess.run(
        ["bash", "-c", pipeline], capture_output=True, env=clean_env(), timeout=60, check=False
    )
    assert result.stdout == b"spinning t"
    assert b"Traceback" not in result.stderr, result.stderr[-600:]
    assert b"BrokenPipeError" not in result.stderr
    assert result.returncode == 0


def _side_channel(p: PtyProcess, needle: bytes, timeout: float = 20.0) -> None:
    """Wait for ``needle`` on the script's stdout pipe while nobody reads the terminal."""
    assert p.proc.stdout is not None
    fd = p.proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    while needle not in p.stdout_data:
        left = deadline - time.monotonic()
        assert left > 0, f"{needle!r} never came: the program is stuck ({p.stdout_data!r})"
        if select.select([fd], [], [], left)[0]:
            data = os.read(fd, 4096)
            assert data, f"the program ended before {needle!r}: {p.stdout_data!r}"
            p.stdout_data += data


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_terminal_nobody_reads_never_blocks_the_program_on_a_frame(driver: str) -> None:
    # Fill the terminal's buffer through a second, non-blocking descriptor (/dev/tty: fd 2
    # writes into twirly's capture while rows are shown), then keep working
    # while nobody reads: frames are skipped, the work goes on. Then read again: every line
    # written with write() meanwhile arrives.
    before = """
    def fill_terminal():
        fd = os.open("/dev/tty", os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            while True:
                os.write(fd, b"." * 16)
        except BlockingIOError:
            pass
        os.close(fd)
    """
    body = """
    PAUSE(0.2)
    fill_terminal()
    say("FULL")
    for i in range(300):
        sp.text = f"step {i}"
        PAUSE(0.002)
    say("WORKED")
    for i in range(300):
        sp.write(f"kept {i} " + "." * 40)  # (15 KB: more than any room the terminal had)
    say("WRITTEN")
    """
    code = spinning(body, driver, before=before)
    with start(code, rows=1000, cols=60, stdout_pipe=True) as p:
        _side_channel(p, b"FULL")
        _side_channel(p, b"WORKED")
        # (write() may wait for room, or its lines wait in memory for the next frame, at
        # most a frame's worth, as print()'s do: either way none is lost.)
        assert p.wait(timeout=30) == 0
        assert b"WRITTEN" in p.stdout_data
        # The filler dots end mid-row (a foreign write): the first line may follow them.
        lines = [line[line.index("kept") :] for line in p.screen().text_lines if "kept" in line]
        assert lines == [f"kept {i} " + "." * 40 for i in range(300)]
        assert_clean_screen(p, "step")


@pytest.mark.parametrize("driver", DRIVERS)
def test_no_stderr_at_all_is_silence_as_for_print(driver: str) -> None:
    # `2>&-`: Python starts with sys.stderr = None (as pythonw does); print() then stays
    # silent, and so must a spinner.
    code = spinning(WORK, driver, after="print('END', sys.stderr)\n")
    result = subprocess.run(
        ["bash", "-c", f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} 2>&-"],
        stdout=subprocess.PIPE,
        env=clean_env(),
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout == b"END None\n"
