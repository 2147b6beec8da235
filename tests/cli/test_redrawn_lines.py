"""A line redrawn in place shows under the spinner as a terminal shows it: text after a bare
``\\r`` overwrites what is under it (a spinner that redraws only its glyph keeps its text),
``ESC[nC`` skips columns, ``ESC[K`` erases; with --tail and with --show-output's live line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from tests.cli.cli_support import GLYPHS, TWIRLY, twirly_in_pty
from tests.support.ptyrun import PtyProcess, Screen

#: Waits, then ends: the test lets it end by making the file named by $STOP.
UNTIL_STOPPED = 'while [ ! -e "$STOP" ]; do sleep 0.02; done'

#: The program from the report: a twirly spinner of its own, which after its first frame
#: rewrites only its glyph and a carriage return.
SPINNING_PROGRAM = """
import os, time, twirly
with twirly.spinner("Downloading data") as sp:
    while not os.path.exists(os.environ["STOP"]):
        time.sleep(0.02)
    sp.ok("downloaded")
"""


def _under_the_spinner(screen: Screen) -> list[str]:
    """The rows below the spinner's row (the first one) that show something."""
    return [line for line in screen.text_lines[1:] if line]


def _redrawn_glyph_row(screen: Screen) -> bool:
    """A row under the spinner starts with a glyph the inner spinner drew after its first."""
    return any(row[2:3] in GLYPHS[1:] for row in _under_the_spinner(screen))


def _settled(proc: PtyProcess, shows: Callable[[Screen], bool]) -> list[str]:
    """Once ``shows(screen)``, the rows under the spinner after the spinner's next frame (the
    frame that showed it has been written whole by then)."""
    screen = proc.read_until_screen(shows)
    glyph = screen.text_lines[0][:1]
    screen = proc.read_until_screen(lambda s: s.text_lines[0][:1] not in ("", glyph))
    return _under_the_spinner(screen)


def test_tail_shows_a_spinner_that_redraws_only_its_glyph_with_its_text(tmp_path: Path) -> None:
    env = {"STOP": str(tmp_path / "stop")}
    command = (sys.executable, "-c", SPINNING_PROGRAM)
    with twirly_in_pty("--tail", "3", "-t", "Fetching", "--", *command, env=env) as proc:
        rows = _settled(proc, _redrawn_glyph_row)
        assert len(rows) == 1, rows
        assert rows[0][2:3] in GLYPHS
        assert rows[0][3:] == " Downloading data"
        (tmp_path / "stop").touch()
        assert proc.wait() == 0
        assert proc.screen().text == "✔ Fetching"


def _progress_redrawn(screen: Screen) -> bool:
    return any("5" in row for row in _under_the_spinner(screen))


# printf's %% is a per cent sign; \r and \033[2C: back to column 0, then two columns on.
PROGRESS = r'printf "progress 10%%  items"; printf "\r\033[2C5"; ' + UNTIL_STOPPED


def test_show_output_live_line_overwrites_after_a_carriage_return(tmp_path: Path) -> None:
    env = {"STOP": str(tmp_path / "stop")}
    with twirly_in_pty("--show-output", "-t", "t", "--", "sh", "-c", PROGRESS, env=env) as proc:
        assert _settled(proc, _progress_redrawn) == ["  pr5gress 10%  items"]
        (tmp_path / "stop").touch()
        assert proc.wait() == 0
        assert proc.screen().text == "pr5gress 10%  items\n✔ t"


def test_tail_row_overwrites_after_a_carriage_return(tmp_path: Path) -> None:
    env = {"STOP": str(tmp_path / "stop")}
    with twirly_in_pty("--tail", "2", "-t", "t", "--", "sh", "-c", PROGRESS, env=env) as proc:
        assert _settled(proc, _progress_redrawn) == ["  pr5gress 10%  items"]
        (tmp_path / "stop").touch()
        assert proc.wait() == 0


def test_twirly_under_twirly_with_show_output_shows_the_inner_spinner_live(
    tmp_path: Path,
) -> None:
    env = {"STOP": str(tmp_path / "stop")}
    inner = (*TWIRLY, "-t", "inner", "--", "sh", "-c", UNTIL_STOPPED)
    with twirly_in_pty("--show-output", "-t", "outer", "--", *inner, env=env) as proc:
        rows = _settled(proc, _redrawn_glyph_row)
        assert len(rows) == 1, rows
        assert rows[0][2:3] in GLYPHS
        assert rows[0][3:] == " inner"
        (tmp_path / "stop").touch()
        assert proc.wait() == 0
        assert proc.screen().text == "✔ inner\n✔ outer"


# 1,000 redraws of the last column (8 bytes each): more than the 4 KiB of redraws a line keeps.
LONG_REDRAWN = (
    'printf "Downloading data  "; i=0; while [ $i -lt 1000 ]; do '
    r'printf "\r\033[17C%d" $((i % 10)); i=$((i + 1)); done; '
    r'printf "\r\033[17CX"; '  # (the last redraw)
    f"{UNTIL_STOPPED}; echo"
)


def test_a_long_redrawn_line_still_shows_its_start_live_and_when_it_ends(tmp_path: Path) -> None:
    env = {"STOP": str(tmp_path / "stop")}
    command = ("sh", "-c", LONG_REDRAWN)
    with twirly_in_pty("--show-output", "-t", "t", "--", *command, env=env) as proc:
        assert _settled(proc, lambda s: any("X" in row for row in _under_the_spinner(s))) == [
            "  Downloading data X"
        ]
        (tmp_path / "stop").touch()
        assert proc.wait() == 0
        assert proc.screen().text == "Downloading data X\n✔ t"
