"""Running a command on a terminal: exit status, output hidden, streamed, tailed, replayed."""

from __future__ import annotations

import re
import time

from tests.cli.cli_support import GLYPHS, spinner_rows, twirly_in_pty


def test_success_leaves_a_check_line_and_hides_the_output() -> None:
    with twirly_in_pty("-t", "Building", "--", "sh", "-c", "echo secret-output") as proc:
        assert proc.wait() == 0
        screen = proc.screen()
    assert screen.text == "✔ Building"
    assert screen.cursor_visible


def test_exit_status_is_the_commands_and_its_output_is_replayed() -> None:
    script = "echo to-stdout; echo to-stderr >&2; exit 3"
    with twirly_in_pty("-t", "Deploying", "--", "sh", "-c", script) as proc:
        assert proc.wait() == 3
        lines = proc.screen().text_lines
    assert lines[:3] == ["to-stdout", "to-stderr", "✖ Deploying (exit status 3)"]


def test_replay_goes_to_the_stream_the_output_came_from() -> None:
    script = "echo to-stdout; echo to-stderr >&2; exit 1"
    with twirly_in_pty("-t", "t", "--", "sh", "-c", script, stdout_pipe=True) as proc:
        assert proc.wait() == 1
        assert proc.stdout_data == b"to-stdout\n"
        text = proc.screen().text
    assert text == "to-stderr\n✖ t (exit status 1)"


def test_status_is_128_plus_n_when_the_command_dies_of_signal_n() -> None:
    with twirly_in_pty("-t", "job", "--", "sh", "-c", "kill -KILL $$") as proc:
        assert proc.wait() == 128 + 9
        assert "✖ job (killed by SIGKILL)" in proc.screen().text


def test_default_text_is_the_command_line() -> None:
    with twirly_in_pty("--", "sh", "-c", "exit 0") as proc:
        assert proc.wait() == 0
        assert proc.screen().text == "✔ sh -c 'exit 0'"


def test_spinner_turns_while_the_command_runs() -> None:
    with twirly_in_pty("-t", "Waiting", "--", "sleep", "5") as proc:
        proc.read_until("Waiting")
        first = proc.screen().text
        proc.read_until(GLYPHS[2])
        assert first.startswith(GLYPHS[0])
        assert first.endswith(" Waiting")
        assert not proc.screen().cursor_visible


def test_show_output_streams_lines_above_the_spinner() -> None:
    script = "echo one; echo two >&2; sleep 5"
    with twirly_in_pty("--show-output", "-t", "Working", "--", "sh", "-c", script) as proc:
        proc.read_until("two")
        # (Lines that come together lift the row until the next frame draws it again.)
        screen = proc.read_until_screen(lambda s: "Working" in s.text.partition("two")[2])
        lines = [line for line in screen.text_lines if line]
        assert lines[:2] == ["one", "two"]
        assert lines[2][0] in GLYPHS
        assert lines[2].endswith(" Working")


def test_show_output_keeps_the_commands_colours() -> None:
    script = r"test -t 1 && printf '\033[31mred\033[0m plain\n'"
    with twirly_in_pty("--show-output", "--", "sh", "-c", script) as proc:
        assert proc.wait() == 0
        screen = proc.screen()
    assert screen.text_lines[0] == "red plain"
    assert screen.buffer[0][0].fg == "red"
    assert screen.buffer[0][4].fg == "default"


def test_show_output_prints_nothing_twice_on_failure() -> None:
    with twirly_in_pty("--show-output", "-t", "t", "--", "sh", "-c", "echo once; exit 2") as proc:
        assert proc.wait() == 2
        assert proc.screen().text == "once\n✖ t (exit status 2)"


def test_output_without_a_last_newline_is_not_lost() -> None:
    with twirly_in_pty("--show-output", "-t", "t", "--", "printf", "a\\nb") as proc:
        assert proc.wait() == 0
        assert proc.screen().text == "a\nb\n✔ t"


def test_tail_keeps_the_last_lines_live_under_the_spinner() -> None:
    script = "for i in 1 2 3 4 5; do echo line-$i; done; sleep 5"
    with twirly_in_pty("--tail", "2", "-t", "Compiling", "--", "sh", "-c", script) as proc:
        proc.read_until("line-5")
        lines = [line for line in proc.screen().text_lines if line]
        assert spinner_rows(lines) == [lines[0]]
        assert lines[0].endswith("Compiling")
        assert lines[1:] == ["  line-4", "  line-5"]


def test_tail_rows_go_and_everything_is_replayed_on_failure() -> None:
    script = "for i in 1 2 3; do echo line-$i; done; exit 1"
    with twirly_in_pty("--tail", "1", "-t", "t", "--", "sh", "-c", script) as proc:
        assert proc.wait() == 1
        assert proc.screen().text == "line-1\nline-2\nline-3\n✖ t (exit status 1)"


def test_timer_shows_the_elapsed_time_in_the_final_line() -> None:
    with twirly_in_pty("--timer", "-t", "t", "--", "true") as proc:
        assert proc.wait() == 0
        assert re.fullmatch(r"✔ t \(\d+(\.\d+)?s\)", proc.screen().text)


def test_success_and_failure_texts_replace_the_final_line() -> None:
    with twirly_in_pty("--success", "All good", "--", "true") as proc:
        assert proc.wait() == 0
        assert proc.screen().text == "✔ All good"
    with twirly_in_pty("--failure", "Broken", "--", "false") as proc:
        assert proc.wait() == 1
        assert proc.screen().text == "✖ Broken"


def test_spinner_on_stdout_with_stream_option() -> None:
    with twirly_in_pty("--stream", "stdout", "-t", "t", "--", "true", stdout_pipe=True) as proc:
        assert proc.wait() == 0
        assert proc.stdout_data.decode() == "t\n✔ t\n"  # not a terminal: start and end lines


def test_shell_option_runs_pipelines() -> None:
    with twirly_in_pty("--show-output", "-t", "t", "--shell", "echo abc | tr a-c x-z") as proc:
        assert proc.wait() == 0
        assert proc.screen().text == "xyz\n✔ t"


def test_command_sees_terminals_of_the_same_size() -> None:
    script = "stty size; test -t 0 && test -t 1 && test -t 2 && echo ttys"
    with twirly_in_pty("--show-output", "-t", "t", "--", "sh", "-c", script, rows=30, cols=70) as p:
        assert p.wait() == 0
        assert p.screen().text_lines[:2] == ["30 70", "ttys"]


def test_show_output_passes_the_commands_bytes_through_unchanged() -> None:
    # Invalid UTF-8 and a tab arrive as the command wrote them, whatever they are.
    with twirly_in_pty("--show-output", "-t", "t", "--", "printf", "a\\377b\\tc\\303\\251\\n") as p:
        assert p.wait() == 0
        assert b"a\xffb\tc\xc3\xa9\r" in p.output


def test_tail_shows_a_progress_line_as_it_is_redrawn() -> None:
    script = r"echo starting; printf 'progress 10%%\r'; printf 'progress 50%%\r'; sleep 5"
    with twirly_in_pty("--tail", "2", "-t", "Fetching", "--", "sh", "-c", script) as proc:
        proc.read_until("Fetching")
        deadline = time.monotonic() + 5
        while "progress 50%" not in proc.screen().text:
            assert time.monotonic() < deadline, proc.screen().text
            proc.read_for(0.05)
        lines = [line for line in proc.screen().text_lines if line]
        assert lines[1:] == ["  starting", "  progress 50%"]


def test_quiet_writes_nothing_of_its_own_on_success() -> None:
    with twirly_in_pty("-q", "-t", "Building", "--", "sh", "-c", "echo hidden-output") as proc:
        assert proc.wait() == 0
    assert bytes(proc.output) == b""


def test_quiet_from_the_environment_still_streams_and_replays_the_commands_output() -> None:
    script = "echo shown; sleep 0.2; echo also-shown; exit 2"
    env = {"TWIRLY_QUIET": "1"}
    with twirly_in_pty("--show-output", "--", "sh", "-c", script, env=env) as proc:
        assert proc.wait() == 2
        text = proc.screen().text
    assert text == "shown\nalso-shown"
    assert b"\x1b" not in bytes(proc.output)
    with twirly_in_pty("-t", "t", "--", "sh", "-c", script, env=env) as proc:
        assert proc.wait() == 2
        text = proc.screen().text
    assert text == "shown\nalso-shown"  # replayed on failure, without a final line
