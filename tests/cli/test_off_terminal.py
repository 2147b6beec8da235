"""Off a terminal (pipes, CI, TERM=dumb): no escape bytes, the text once, the final line once."""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.cli.cli_support import TWIRLY, twirly_in_pty, twirly_piped
from tests.support.ptyrun import clean_env


def test_pipes_get_the_text_once_and_the_final_line_once() -> None:
    result = twirly_piped("-t", "Building", "--", "sh", "-c", "echo data")
    assert result.returncode == 0
    assert result.stderr == "Building\n✔ Building\n"
    assert result.stdout == "data\n"  # stdout redirected: the command's data, passed on


def test_pipes_get_the_output_replayed_on_failure() -> None:
    script = "echo out-line; echo err-line >&2; exit 5"
    result = twirly_piped("-t", "t", "--", "sh", "-c", script)
    assert result.returncode == 5
    assert result.stdout == "out-line\n"
    assert result.stderr == "t\nerr-line\n✖ t (exit status 5)\n"


def test_show_output_passes_output_through_pipes_as_it_is() -> None:
    script = r"printf '\033[1mbold\033[0m\n'; echo err-line >&2"
    result = twirly_piped("--show-output", "-t", "t", "--", "sh", "-c", script)
    assert result.returncode == 0
    assert result.stdout == "\x1b[1mbold\x1b[0m\n"  # the command's bytes, untouched
    assert result.stderr == "t\nerr-line\n✔ t\n"


def test_stdin_pipe_is_passed_through() -> None:
    result = twirly_piped("--show-output", "-t", "t", "--", "tr", "a-z", "A-Z", stdin="abc\n")
    assert result.stdout == "ABC\n"


def test_ci_environment_on_a_terminal_prints_no_escape_bytes() -> None:
    with twirly_in_pty("-t", "t", "--", "sh", "-c", "exit 1", env={"CI": "true"}) as proc:
        assert proc.wait() == 1
        assert proc.output.decode() == "t\r\n✖ t (exit status 1)\r\n"


def test_ci_with_force_color_colours_the_final_line_only() -> None:
    env = {"CI": "true", "FORCE_COLOR": "1"}
    with twirly_in_pty("-t", "t", "--", "sh", "-c", "exit 1", env=env) as proc:
        assert proc.wait() == 1
        assert proc.output.decode() == "t\r\n\x1b[31m✖\x1b[0m t (exit status 1)\r\n"


def test_dumb_terminal_prints_no_escape_bytes() -> None:
    with twirly_in_pty("--show-output", "-t", "t", "--", "echo", "hi", env={"TERM": "dumb"}) as p:
        assert p.wait() == 0
        assert b"\x1b" not in p.output
        assert p.output.decode() == "t\r\nhi\r\nOK t\r\n"


def test_timeout_off_a_terminal() -> None:
    result = twirly_piped("--timeout", "0.2", "-t", "t", "--", "sleep", "5")
    assert result.returncode == 124
    assert result.stderr == "t\n✖ t (timed out after 0.2s)\n"


def test_the_command_sees_a_pipe_where_twirly_writes_to_one() -> None:
    script = "test -t 1 || echo out-not-a-tty; test -t 2 || echo err-not-a-tty >&2"
    result = twirly_piped("--show-output", "-t", "t", "--", "sh", "-c", script)
    assert result.stdout == "out-not-a-tty\n"
    assert result.stderr == "t\nerr-not-a-tty\n✔ t\n"


def test_colours_meant_for_a_terminal_do_not_reach_a_redirected_stdout() -> None:
    script = r"test -t 1 && printf '\033[31mred\033[0m\n' || echo plain; test -t 2 && echo tty >&2"
    with twirly_in_pty("--show-output", "-t", "t", "--", "sh", "-c", script, stdout_pipe=True) as p:
        assert p.wait() == 0
        assert p.stdout_data == b"plain\n"
        assert p.screen().text == "tty\n✔ t"


def _shell(pipeline: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", pipeline],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=15,
        check=False,
    )


def test_a_reader_that_goes_away_stops_the_command_as_without_twirly() -> None:
    # `yes` never ends on its own: only SIGPIPE, passed on by twirly, ends it.
    result = _shell(f"{' '.join(TWIRLY)} --show-output -t t -- yes | head -2")
    assert result.stdout == "y\ny\n"
    assert result.stderr == "t\nℹ t (its reader stopped reading)\n"  # (no failure mark)
    assert "Traceback" not in result.stderr


def test_a_command_killed_by_sigpipe_ends_with_its_status_and_no_failure_mark() -> None:
    # Its reader stopped reading (a pager quit early inside it): as a shell reports nothing,
    # the final line is no failure; the status is still the command's, 128 + SIGPIPE.
    kill = "import os, signal; print('x', file=open(2, 'w', closefd=False)); "
    kill += "signal.signal(signal.SIGPIPE, signal.SIG_DFL); os.kill(os.getpid(), signal.SIGPIPE)"
    result = twirly_piped("-t", "t", "--", sys.executable, "-c", kill)
    assert result.returncode == 128 + signal.SIGPIPE
    assert result.stderr == "t\nℹ t (its reader stopped reading)\n"  # (its stderr: not replayed)


def test_styles_into_a_pipe_that_closes_early_prints_no_traceback() -> None:
    result = _shell(f"{' '.join(TWIRLY)} styles | head -1")
    assert result.stdout.startswith("dots ")
    assert result.stderr == ""
