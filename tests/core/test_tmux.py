"""In tmux: a real terminal that reflows lines on resize and keeps a scrollback.

pyte cuts rows on a resize and has no scrollback to speak of; tmux re-wraps a long row into
several lines, and takes an erase of the whole screen from its top-left corner as "clear
the screen", scrolling what was there into its history first (scroll-on-clear). What a
person scrolls back through after a spinner is read with ``capture-pane -S -``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.ptyrun import clean_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

LONG = "a long text that takes most of a wide terminal's row, seventy columns"


class Tmux:
    """One tmux server of its own, running one program in a 100x30 window.

    The program is given ``STOP``, the name of a file the test creates when it should end;
    ``then`` runs in the pane after it.
    """

    def __init__(self, code: str, folder: Path, then: str = "exec sleep 600") -> None:
        self.socket = f"twirly-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.stop = folder / "stop"
        program = folder / "program.py"
        program.write_text(f"STOP = {str(self.stop)!r}\n{code}")
        command = f"{shlex.quote(sys.executable)} {shlex.quote(str(program))}; {then}"
        self.run("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", command)

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        return done.stdout

    def screen(self) -> list[str]:
        """The visible rows."""
        return self.run("capture-pane", "-p").splitlines()

    def everything(self) -> list[str]:
        """The scrollback and the screen, as a person scrolling up reads them."""
        return [line for line in self.run("capture-pane", "-p", "-S", "-").splitlines() if line]

    def wait_for(self, seen: Callable[[list[str]], bool], what: str) -> None:
        """Poll the screen until ``seen`` says yes (the program draws on its own clock)."""
        deadline = time.monotonic() + 20
        while not seen(self.screen()):
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {what}: {self.screen()!r}")
            time.sleep(0.02)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


@pytest.fixture
def tmux_run(tmp_path: Path) -> Iterator[Callable[..., Tmux]]:
    servers: list[Tmux] = []

    def start(code: str, then: str = "exec sleep 600") -> Tmux:
        server = Tmux(code, tmp_path, then)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _row_at(width: int) -> Callable[[list[str]], bool]:
    """The spinner row on screen, drawn for a terminal ``width`` columns wide."""

    def seen(rows: list[str]) -> bool:
        row = [line for line in rows if "a long text" in line]
        if len(row) != 1 or not row[0].endswith("s)"):
            return False
        whole = LONG in row[0]
        return whole if width > len(LONG) + 10 else not whole and len(row[0]) <= width

    return seen


def _ended(rows: list[str]) -> bool:
    return "after" in rows


_TIMER_UNTIL_STOP = f"""
import os, time, twirly
print("before", flush=True)
with twirly.spinner({LONG!r}, timer=True):
    while not os.path.exists(STOP):
        time.sleep(0.02)
print("after", flush=True)
"""


def test_a_resize_leaves_no_stale_row_in_the_scrollback(
    tmux_run: Callable[[str], Tmux],
) -> None:
    tmux = tmux_run(_TIMER_UNTIL_STOP)
    tmux.wait_for(_row_at(100), "the row at 100 columns")
    tmux.run("resize-window", "-x", "40")  # tmux re-wraps the row into two lines
    tmux.wait_for(_row_at(40), "the row redrawn for 40 columns")
    tmux.run("resize-window", "-x", "100")
    tmux.wait_for(_row_at(100), "the row redrawn for 100 columns")
    tmux.stop.touch()
    tmux.wait_for(_ended, "the program's end")
    assert tmux.everything() == ["before", "after"]


_LINES_ABOVE = f"""
import os, time, twirly
with twirly.spinner({LONG!r}) as sp:
    print("READY", flush=True)
    for i in range(3):
        print(f"line {{i}}", flush=True)
    while not os.path.exists(STOP):
        time.sleep(0.02)
print("after", flush=True)
"""


def test_lines_written_above_a_block_on_the_top_row_leave_no_row_in_the_scrollback(
    tmux_run: Callable[[str], Tmux],
) -> None:
    # The block starts in the screen's top-left corner, where an erase of the rows looks to
    # tmux like a clear of the whole screen.
    tmux = tmux_run(_LINES_ABOVE)
    tmux.wait_for(lambda rows: "line 2" in rows and rows[4].endswith(LONG), "the lines and the row")
    tmux.stop.touch()
    tmux.wait_for(_ended, "the program's end")
    assert tmux.everything() == ["READY", "line 0", "line 1", "line 2", "after"]


_WORKER_UNTIL_KILLED = """
import os, threading, time, twirly
def work():
    with twirly.spinner("spinning text"):
        with open(STOP + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(STOP + ".tmp", STOP + ".pid")
        time.sleep(60)
worker = threading.Thread(target=work)
worker.start()
worker.join()
"""


def test_sigterm_gives_the_shell_back_whole_when_the_first_spinner_came_from_a_worker(
    tmux_run: Callable[..., Tmux],
) -> None:
    # Python lets only the main thread set signal handlers; twirly's watcher process puts
    # the terminal back instead. What the person then types at the shell must wrap again.
    tmux = tmux_run(_WORKER_UNTIL_KILLED, then="PS1='$ ' exec sh")
    pid = Path(str(tmux.stop) + ".pid")
    tmux.wait_for(lambda rows: pid.exists() and any("spinning text" in r for r in rows), "it")
    assert _flags(tmux) == "cursor 0 wrap 0"
    os.kill(int(pid.read_text()), signal.SIGTERM)
    deadline = time.monotonic() + 20
    while _flags(tmux) != "cursor 1 wrap 1":
        assert time.monotonic() < deadline, _flags(tmux)
        time.sleep(0.02)
    tmux.wait_for(lambda rows: "$" in rows, "the shell's prompt")  # (not erased by the watcher)
    assert not any("spinning text" in row for row in tmux.screen())
    tmux.run("send-keys", "echo " + "w" * 150, "Enter")
    tmux.wait_for(lambda rows: "w" * 50 in rows, "the echoed line wrapped onto a second row")
    assert "w" * 100 in tmux.screen()


def _flags(tmux: Tmux) -> str:
    return tmux.run("display-message", "-p", "cursor #{cursor_flag} wrap #{wrap_flag}").strip()


_PASSWORD_ON_THE_TOP_ROW = """
import getpass, twirly
with twirly.spinner("spinning text"):
    secret = getpass.getpass("Password: ")
print(f"got {len(secret)}", flush=True)
print("after", flush=True)
"""


def test_a_password_prompt_over_a_spinner_on_the_top_row_leaves_no_row_in_the_scrollback(
    tmux_run: Callable[[str], Tmux],
) -> None:
    # The row steps aside before getpass writes its prompt, the cursor still in the screen's
    # top-left corner: an erase of the screen from there would be tmux's "clear the screen",
    # which scrolls the row into its history first.
    tmux = tmux_run(_PASSWORD_ON_THE_TOP_ROW)
    tmux.wait_for(lambda rows: rows[0].startswith("Password:"), "the prompt")
    tmux.run("send-keys", "terces", "Enter")
    tmux.wait_for(_ended, "the program's end")
    assert tmux.everything() == ["Password:", "got 6", "after"]
