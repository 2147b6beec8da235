"""Environments a spinner must read correctly: dumb terminals, CI, colour switches, locales."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.hostile.programs import DRIVERS, OWN_SEQUENCES, foreign_controls, spinning, start
from tests.support.ptyrun import PtyProcess, clean_env

WORK = """
PAUSE(0.3)
sp.write("written café")
sp.ok("done café")
"""
TEXT = "spinning café ☕"


def _run_in_pty(env: dict[str, str], driver: str = "thread") -> PtyProcess:
    code = spinning(WORK, driver, text=TEXT, after="print('END')\n")
    # An ASCII command line (non-ASCII only as escapes in string literals), so that it can be
    # read whatever the locale.
    code = code.encode("ascii", "backslashreplace").decode()
    with start(code, env=env) as p:
        assert p.wait() == 0, bytes(p.output)
        return p


def _animated(output: bytes) -> bool:
    """True when a frame was redrawn in place (a carriage return not ending a line)."""
    return b"\r" in output.replace(b"\r\n", b"")


@pytest.mark.parametrize("driver", DRIVERS)
def test_term_dumb_prints_plain_lines_once(driver: str) -> None:
    p = _run_in_pty(clean_env({"TERM": "dumb"}), driver)
    assert b"\x1b" not in p.output
    assert not _animated(bytes(p.output))
    assert p.screen().text_lines[:4] == [TEXT, "written café", "OK done café", "END"]


def test_term_unset_still_leaves_a_clean_screen() -> None:
    env = clean_env()
    del env["TERM"]
    p = _run_in_pty(env)
    assert not foreign_controls(p.output)
    assert p.screen().cursor_visible
    lines = [line for line in p.screen().text_lines if line]
    assert lines[-3:] == ["written café", "✔ done café", "END"]
    assert sum(TEXT in line for line in lines) <= 1  # at most the once-printed start line


@pytest.mark.parametrize("driver", DRIVERS)
def test_no_color_animates_without_any_colour(driver: str) -> None:
    p = _run_in_pty(clean_env({"NO_COLOR": "1"}), driver)
    assert _animated(bytes(p.output))
    assert b"m" not in b"".join(
        m.group().encode() for m in OWN_SEQUENCES.finditer(bytes(p.output).decode())
    )
    assert p.screen().text_lines[:3] == ["written café", "✔ done café", "END"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_ci_prints_plain_lines_once_even_on_a_terminal(driver: str) -> None:
    p = _run_in_pty(clean_env({"CI": "true"}), driver)
    assert not _animated(bytes(p.output))
    assert b"\x1b[?25l" not in p.output
    assert p.screen().text_lines[:4] == [TEXT, "written café", "✔ done café", "END"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_force_color_with_a_pipe_colours_but_never_animates(driver: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", spinning(WORK, driver, text=TEXT)],
        capture_output=True,
        env=clean_env({"FORCE_COLOR": "1"}),
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    expected = f"{TEXT}\nwritten café\n\x1b[32m✔\x1b[0m done café\n"
    assert result.stderr.decode() == expected


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_c_locale_without_utf8_mode_falls_back_to_ascii(driver: str) -> None:
    # LC_ALL=C and UTF-8 mode off: the terminal's encoding is ASCII.
    env = clean_env({"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"})
    p = _run_in_pty(env, driver)
    assert bytes(p.output).isascii()
    assert not foreign_controls(p.output)
    assert p.screen().text_lines[:3] == ["written caf?", "OK done caf?", "END"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_lang_c_with_python_defaults_keeps_working(driver: str) -> None:
    p = _run_in_pty(clean_env({"LANG": "C", "LC_ALL": "C"}), driver)
    assert not foreign_controls(p.output)
    assert p.screen().text_lines[:3] == ["written café", "✔ done café", "END"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_pythonioencoding_ascii_on_a_terminal(driver: str) -> None:
    p = _run_in_pty(clean_env({"PYTHONIOENCODING": "ascii"}), driver)
    assert bytes(p.output).isascii()
    assert p.screen().text_lines[:3] == ["written caf?", "OK done caf?", "END"]


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("name", ["stdout", "stderr"])
def test_pythonioencoding_ascii_on_a_pipe_loses_no_line(driver: str, name: str) -> None:
    code = spinning(WORK, driver, text=TEXT, options=f"stream=sys.{name}")
    code += f"print('END', file=sys.{name})\n"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env=clean_env({"PYTHONIOENCODING": "ascii"}),
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output = getattr(result, name).decode("ascii")
    # Each character the encoding lacks is replaced (how depends on the stream's error
    # policy: "?" or a backslash escape); no line is lost, and the program's own output follows.
    lines = output.splitlines()
    assert len(lines) == 4, lines
    starts = ["spinning caf", "written caf", "OK done caf", "END"]
    for line, beginning in zip(lines, starts, strict=True):
        assert line.startswith(beginning)
