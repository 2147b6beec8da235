"""Ctrl-Z under a real shell with job control: the terminal stays usable while stopped."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.ptyrun import PtyProcess, clean_env

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.mark.parametrize("driver", ["thread", "process"])
def test_ctrl_z_erases_the_row_shows_the_cursor_and_fg_brings_it_back(
    driver: str, tmp_path: Path
) -> None:
    script = tmp_path / "work.py"
    script.write_text(
        textwrap.dedent(f"""
        import time, twirly
        with twirly.spinner("spinning text", driver={driver!r}):
            print("READY", flush=True)
            time.sleep(2)
        print("FINISHED")
        """)
    )
    env = clean_env({"PS1": "$ ", "HISTFILE": "/dev/null"})
    with PtyProcess(["bash", "--norc", "--noprofile", "-i"], env=env) as shell:
        shell.read_until("$ ")
        shell.type(f"{sys.executable} {script}\r")
        shell.read_until("READY")
        shell.read_for(0.4)
        shell.type("\x1a")  # Ctrl-Z: the shell puts the job in the background, stopped
        shell.read_until("Stopped")
        shell.read_for(0.3)
        stopped = shell.screen()
        assert stopped.cursor_visible
        assert not any("spinning text" in line for line in stopped.text_lines), shell.output
        shell.type("fg\r")
        shell.read_until("FINISHED", timeout=15)
        shell.read_for(0.2)
        final = shell.screen()
        assert final.cursor_visible
        assert not any("spinning text" in line for line in final.text_lines), shell.output
        assert b"spinning text" in shell.output.split(b"fg")[-1]  # drawn again after fg
        shell.type("exit\r")
        shell.wait()
