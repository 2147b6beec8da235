"""Options, the environment, usage errors, --help, --version and ``twirly styles``."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest

import twirly
from tests.cli.cli_support import twirly_in_pty, twirly_piped
from twirly.styles import get_style


def test_command_not_found_is_127_with_a_message_naming_it() -> None:
    result = twirly_piped("--", "no-such-command-anywhere")
    assert result.returncode == 127
    assert result.stderr == "twirly: no-such-command-anywhere: command not found\n"


def test_command_not_executable_is_126_with_a_message_naming_it(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("echo hi\n")
    script.chmod(stat.S_IRUSR)
    result = twirly_piped("--", str(script))
    assert result.returncode == 126
    assert result.stderr == f"twirly: {script}: permission denied\n"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["-s", "dotz", "--", "true"], {}, "unknown style 'dotz'; did you mean 'dots'"),
        (["--bogus", "--", "true"], {}, "unrecognized arguments: --bogus"),
        (["--tail", "x", "--", "true"], {}, "--tail must be a whole number"),
        (["--timeout", "-1", "--", "true"], {}, "--timeout must be a positive number"),
        (["--stream", "stdin", "--", "true"], {}, "--stream must be stdout or stderr"),
        (["--", "true"], {"TWIRLY_TIMEOUT": "soon"}, "TWIRLY_TIMEOUT must be a positive"),
        (["--", "true"], {"TWIRLY_SHOW_OUTPUT": "maybe"}, "TWIRLY_SHOW_OUTPUT must be true"),
        ([], {}, "no command given"),
        (["--shell", "true", "--", "true"], {}, "either --shell 'CMD' or -- COMMAND"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(
    args: list[str], env: dict[str, str], message: str
) -> None:
    result = twirly_piped(*args, env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "usage: twirly" in result.stderr


def test_every_option_can_come_from_the_environment() -> None:
    env = {
        "TWIRLY_TEXT": "From env",
        "TWIRLY_SHOW_OUTPUT": "1",
        "TWIRLY_FAILURE": "Env failure",
        "TWIRLY_STREAM": "stdout",
        "TWIRLY_STYLE": "line",
    }
    result = twirly_piped("--", "sh", "-c", "echo shown; exit 1", env=env)
    assert result.returncode == 1
    assert result.stdout == "From env\nshown\n✖ Env failure\n"
    assert result.stderr == ""


def test_the_command_line_wins_over_the_environment() -> None:
    result = twirly_piped("--text", "From args", "--", "true", env={"TWIRLY_TEXT": "From env"})
    assert result.stderr == "From args\n✔ From args\n"


def test_title_is_an_alias_of_text() -> None:
    assert twirly_piped("--title", "Titled", "--", "true").stderr == "Titled\n✔ Titled\n"


def test_help_shows_usage_and_examples() -> None:
    result = twirly_piped("--help")
    assert result.returncode == 0
    assert "twirly [OPTIONS] -- COMMAND [ARGS...]" in result.stdout
    assert "examples:" in result.stdout
    for option in ("--text", "--title", "--style", "--timer", "--show-output", "--tail"):
        assert option in result.stdout
    for option in ("--timeout", "--success", "--failure", "--stream", "--shell"):
        assert option in result.stdout


def test_version() -> None:
    result = twirly_piped("--version")
    assert result.returncode == 0
    assert result.stdout == f"twirly {twirly.__version__}\n"


def test_styles_off_a_terminal_lists_names_and_frames() -> None:
    result = twirly_piped("styles")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(twirly.style_names())
    assert lines[0].split()[0] == "dots"
    assert "⠋ ⠙ ⠹" in lines[0]


def test_styles_animates_the_catalogue_with_names() -> None:
    with twirly_in_pty("styles", rows=12) as proc:
        proc.read_until(twirly.style_names()[9])  # the last of the first page
        proc.read_until("\r")
        lines = [line for line in proc.screen().text_lines if line]
        assert len(lines) == 10  # a screenful, with room to spare
        assert lines[0].split()[1:] == ["dots", f"[1/{-(-len(twirly.style_names()) // 10)}]"]
        assert lines[1].split()[1] == "dots2"
        assert not proc.screen().cursor_visible
        proc.send_signal(signal.SIGINT)
        assert proc.wait() == 130
        assert proc.screen().cursor_visible
        # Ctrl-C ended the show: the page is left as lines, as the whole catalogue would be.
        listed = [line.split() for line in proc.screen().text_lines if " ms " in line]
        assert [words[0] for words in listed] == twirly.style_names()[:10]


def test_styles_leaves_each_page_as_lines_to_read_and_pick_from() -> None:
    with twirly_in_pty("styles", "dots", "line", rows=12) as proc:
        proc.read_until("2 styles; use one with")
        assert proc.wait() == 0
        lines = [line for line in proc.screen().text_lines if line]
    dots, line = get_style("dots"), get_style("line")
    assert lines == [
        f"dots    80 ms  {' '.join(dots.frames)}",
        f"line   130 ms  {' '.join(line.frames)}",
        "2 styles; use one with: twirly --style NAME -- COMMAND",
    ]


def test_styles_with_an_unknown_name_is_a_usage_error() -> None:
    result = twirly_piped("styles", "dotz")
    assert result.returncode == 2
    assert "unknown style 'dotz'" in result.stderr


def test_environment_is_passed_to_the_command() -> None:
    result = twirly_piped("--show-output", "--", "sh", "-c", "echo $MARKER", env={"MARKER": "m1"})
    assert result.stdout == "m1\n"
    assert os.environ.get("MARKER") != "m1"
