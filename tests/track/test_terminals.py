"""End to end: a tracked loop in a real pseudo-terminal, in a pipe, in CI; what it imports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_first_frame_imports import LIST_MODULES, NOT_NEEDED
from tests.support.frames import read_screen_until
from tests.support.ptyrun import PtyProcess, clean_env

#: Takes 100 items; at the 51st (50 done), waits until the test has seen it on the screen.
PROGRAM = """
import os, sys, time
import twirly
flag, driver = sys.argv[1], (sys.argv[2:] or [None])[0]
for item in twirly.track(range(100), "Hashing", driver=driver):
    if item == 50:
        while not os.path.exists(flag):
            time.sleep(0.01)
print("after the loop", flush=True)
"""

FINAL = re.compile(r"✔ Hashing  100/100 · [0-9.,kMG]+/s · 0:\d\d$")


@pytest.mark.parametrize("driver", ["thread", "process"])
def test_on_a_terminal_the_count_turns_then_a_final_line_stays(tmp_path: Path, driver: str) -> None:
    flag = tmp_path / "seen"
    with PtyProcess([sys.executable, "-c", PROGRAM, str(flag), driver]) as p:
        live = re.compile(r". Hashing  50/100 · 50% · [0-9.,kMG]+/s · [0-9:]+ left")
        read_screen_until(p, lambda rows: any(map(live.fullmatch, rows)), "the count at 50")
        flag.touch()
        assert p.wait() == 0
        screen = p.screen()
    lines = screen.text_lines
    assert FINAL.match(lines[0]), lines
    assert lines[1] == "after the loop"
    assert screen.cursor_visible


@pytest.mark.parametrize("where", ["pipe", "CI"])
def test_off_a_terminal_nothing_per_item_and_a_final_line(tmp_path: Path, where: str) -> None:
    flag = tmp_path / "seen"
    flag.touch()
    argv = [sys.executable, "-c", PROGRAM, str(flag)]
    if where == "pipe":
        done = subprocess.run(argv, capture_output=True, env=clean_env(), check=True)
        err = done.stderr.decode()
    else:
        with PtyProcess(argv, env=clean_env({"CI": "true"})) as p:
            assert p.wait() == 0
            err = p.output.decode().replace("\r\n", "\n").replace("after the loop\n", "")
    assert "\x1b" not in err
    first, final = err.splitlines()
    assert first == "Hashing"  # (the text when the loop starts, as a spinner prints it)
    assert FINAL.match(final), err


def test_a_first_tracked_loop_imports_no_typing_re_or_enum() -> None:
    bare = subprocess.run(
        [sys.executable, "-c", LIST_MODULES], capture_output=True, env=clean_env(), check=True
    )
    already = set(bare.stdout.decode().split())
    code = f'import twirly\nfor _ in twirly.track(range(3), "x"): pass\n{LIST_MODULES}'
    with PtyProcess([sys.executable, "-c", code], stdout_pipe=True) as p:
        assert p.wait() == 0
        assert "✔ x  3/3 · " in p.screen().text
        loaded = set(p.stdout_data.decode().split())
    assert "twirly._track" in loaded
    assert sorted((loaded - already).intersection(NOT_NEEDED)) == []
