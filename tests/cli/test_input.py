"""Input: prompts are shown and answered through twirly; piped stdin reaches the command."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.cli.cli_support import TWIRLY, twirly_in_pty
from tests.support.ptyrun import PtyProcess, clean_env


def test_a_prompt_pauses_the_spinner_and_takes_the_answer() -> None:
    script = 'echo started; read -p "Name? " name; echo "hello $name"; exit 1'
    with twirly_in_pty("-t", "Asking", "--", "bash", "-c", script) as proc:
        proc.read_until("Name? ")
        screen = proc.screen()
        assert screen.text == "Name?"  # the spinner row gave way to the prompt
        assert screen.cursor_visible
        proc.type("Ada\r")
        assert proc.wait() == 1
        lines = proc.screen().text_lines
    # The answer, then the replay of all the output (the failure), then the final line.
    assert lines[:4] == ["Name? Ada", "started", "Name? hello Ada", "✖ Asking (exit status 1)"]


def test_the_spinner_comes_back_after_the_answer() -> None:
    script = 'read -p "Continue? " yes; echo "got $yes"; sleep 5'
    with twirly_in_pty("-t", "Working", "--", "bash", "-c", script) as proc:
        proc.read_until("Continue? ")
        proc.type("y\r")
        deadline = time.monotonic() + 10
        while proc.output.count(b"\x1b[?25l") < 2:  # the cursor hidden again for the spinner
            assert time.monotonic() < deadline, bytes(proc.output)
            proc.read_for(0.05)
        lines = [line for line in proc.screen().text_lines if line]
        assert lines[0] == "Continue? y"
        assert lines[1].endswith(" Working"), bytes(proc.output)


def test_a_password_prompt_on_the_terminal_does_not_echo() -> None:
    code = "import getpass; print(getpass.getpass('Password: ')[::-1])"
    args = ("--show-output", "-t", "Login", "--", sys.executable, "-c", code)
    with twirly_in_pty(*args) as proc:
        proc.read_until("Password: ")
        proc.type("secret\r")
        assert proc.wait() == 0
        assert proc.screen().text == "Password:\nterces\n✔ Login"


def test_stdin_from_a_pipe_reaches_the_command() -> None:
    pipeline = f"printf 'one\\ntwo\\n' | {' '.join(TWIRLY)} --show-output -t t -- cat"
    with PtyProcess(["sh", "-c", pipeline], env=clean_env()) as proc:
        assert proc.wait() == 0
        assert proc.screen().text == "one\ntwo\n✔ t"


def test_a_command_reading_a_terminal_stdin_sees_end_of_file_when_answered_with_ctrl_d() -> None:
    with twirly_in_pty("--show-output", "-t", "t", "--", "sh", "-c", "printf 'Text: '; cat") as p:
        p.read_until("Text: ")
        p.type("abc\r\x04")
        assert p.wait() == 0
        assert p.screen().text_lines[:2] == ["Text: abc", "abc"]


def test_a_prompt_reaches_the_person_when_stderr_goes_to_a_file(tmp_path: Path) -> None:
    code = "import getpass; getpass.getpass('Password: '); print('in')"
    command = f'{" ".join(TWIRLY)} --show-output -t t -- {sys.executable} -c "{code}"'
    with PtyProcess(["sh", "-c", f"{command} 2>{tmp_path / 'log'}"], env=clean_env()) as proc:
        proc.read_until("Password: ")
        proc.type("x\r")
        assert proc.wait() == 0
        assert proc.screen().text_lines[:2] == ["Password:", "in"]
    assert (tmp_path / "log").read_text() == "t\n✔ t\n"


def test_an_unfinished_line_that_is_not_a_prompt_does_not_stop_the_hiding() -> None:
    # Nothing reads the terminal while the line waits: it is not a prompt, and stays hidden.
    script = "printf 'Downloading... '; sleep 0.5; echo done; echo hidden-line; sleep 0.3"
    with twirly_in_pty("-t", "Fetching", "--", "sh", "-c", script) as proc:
        assert proc.wait() == 0
        assert proc.screen().text == "✔ Fetching"


def test_a_tail_of_escape_sequences_is_not_a_prompt() -> None:
    # pip and rich reset colours after their last newline; what follows stays hidden.
    script = r'printf "step 1\n\033[0m"; sleep 1; echo "step 2 (hidden)"; sleep 0.5'
    with twirly_in_pty("-t", "Installing", "--", "sh", "-c", script) as proc:
        assert proc.wait() == 0
        assert proc.screen().text == "✔ Installing"


@pytest.mark.parametrize(
    ("options", "status", "final"),
    [(["--show-output"], 0, "✔ Installing"), ([], 1, "✖ Installing (exit status 1)")],
    ids=["shown", "replayed-on-failure"],
)
def test_a_closing_escape_after_the_last_line_adds_no_blank_line(
    options: list[str], status: int, final: str
) -> None:
    # pip ends its output with ESC[0m after its last newline: the colours are reset, and the
    # final line comes right below the last line, as a shell's prompt would.
    script = rf'printf "\033[31mred line\n\033[0m"; exit {status}'
    with twirly_in_pty(*options, "-t", "Installing", "--", "sh", "-c", script) as proc:
        assert proc.wait() == status
        screen = proc.screen()
    assert screen.text_lines[:3] == ["red line", final, ""]
    assert screen.buffer[1][2].fg == "default"  # (the colour was reset before the final line)


def test_a_progress_line_redrawn_with_carriage_returns_is_not_a_prompt() -> None:
    loop = r'for i in 1 2 3; do printf "\r%d%%" $((i*30)); sleep 0.5; done'
    script = f"echo start; {loop}; echo; echo end"
    with twirly_in_pty("-t", "Fetching", "--", "sh", "-c", script) as proc:
        assert proc.wait() == 0
        assert proc.screen().text == "✔ Fetching"


def test_a_progress_line_shows_live_under_the_spinner_with_show_output() -> None:
    script = r'echo start; printf "\r30%%"; sleep 0.5; printf "\r60%%"; sleep 30'
    with twirly_in_pty("--show-output", "-t", "Fetching", "--", "sh", "-c", script) as proc:
        proc.read_until("60%")
        deadline = time.monotonic() + 10
        while "60%" not in proc.screen().text:
            assert time.monotonic() < deadline, proc.screen().text
            proc.read_for(0.05)
        lines = [line for line in proc.screen().text_lines if line]
        assert lines[0] == "start"
        assert lines[1].endswith(" Fetching")
        assert lines[2].strip() == "60%"
        assert not proc.screen().cursor_visible  # no prompt: the spinner still owns the row


def test_dots_of_a_slow_test_run_keep_the_spinner_with_show_output(tmp_path: Path) -> None:
    # pytest prints a dot per test on an unfinished line: quiet while a slow test runs, yet
    # nobody is asked anything (the command is not reading its terminal).
    script = "echo collected; printf 'test_slow.py .'; sleep 3; printf '.'; echo; echo passed"
    with twirly_in_pty("--show-output", "-t", "Testing", "--", "sh", "-c", script) as proc:
        proc.read_until("collected")
        first = proc.output.count(b"\r")
        proc.read_for(2.0)
        assert proc.output.count(b"\r") > first + 5  # frames kept coming
        assert not proc.screen().cursor_visible
        assert proc.wait() == 0
        assert proc.screen().text == "collected\ntest_slow.py ..\npassed\n✔ Testing"


def test_a_prompt_on_stdout_is_recognised_as_the_command_reads_its_terminal() -> None:
    code = "import time; print('ready', flush=True); name = input('Your name: '); print(name)"
    with twirly_in_pty("-t", "Asking", "--", sys.executable, "-c", code) as proc:
        proc.read_until("Your name: ")
        assert proc.screen().cursor_visible
        proc.type("Ada\r")
        assert proc.wait() == 0
        assert proc.screen().text == "Your name: Ada\n✔ Asking"
