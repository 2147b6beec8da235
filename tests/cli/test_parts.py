"""The CLI's pure parts: option parsing and the recording of output, without a terminal."""

from __future__ import annotations

import pytest

from twirly.cli import output
from twirly.cli.activity import shown_text
from twirly.cli.options import UsageError, parse
from twirly.cli.output import Recording


def test_defaults() -> None:
    options = parse(["--", "make", "-j4"], version="0", env={})
    assert options.command == ("make", "-j4")
    assert options.text == "make -j4"
    assert options.style == "dots"
    assert (options.timer, options.show_output, options.tail) == (False, False, 0)
    assert (options.timeout, options.success, options.failure) == (None, None, None)
    assert options.stream == "stderr"


def test_every_option_from_the_environment() -> None:
    env = {
        "TWIRLY_TEXT": "T",
        "TWIRLY_STYLE": "line",
        "TWIRLY_TIMER": "yes",
        "TWIRLY_SHOW_OUTPUT": "on",
        "TWIRLY_TAIL": "3",
        "TWIRLY_TIMEOUT": "2.5",
        "TWIRLY_SUCCESS": "S",
        "TWIRLY_FAILURE": "F",
        "TWIRLY_STREAM": "stdout",
    }
    options = parse(["--", "true"], version="0", env=env)
    assert options.text == "T"
    assert options.style == "line"
    assert options.timer
    assert options.show_output
    assert options.tail == 3
    assert options.timeout == 2.5
    assert (options.success, options.failure, options.stream) == ("S", "F", "stdout")


def test_command_line_wins_and_false_flags_stay_off() -> None:
    env = {"TWIRLY_TEXT": "env", "TWIRLY_TIMER": "0", "TWIRLY_TAIL": "9"}
    options = parse(["-t", "arg", "--tail", "2", "--", "true"], version="0", env=env)
    assert (options.text, options.timer, options.tail) == ("arg", False, 2)


def test_shell_runs_through_the_users_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELL", "/bin/zsh")
    options = parse(["--shell", "a | b"], version="0", env={})
    assert options.command == ("/bin/zsh", "-c", "a | b")
    assert options.text == "a | b"


def test_the_command_may_come_without_a_separator() -> None:
    assert parse(["-t", "x", "make", "-j4"], version="0", env={}).command == ("make", "-j4")


@pytest.mark.parametrize("value", ["-1", "101", "two", "1.5"])
def test_bad_tail_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError, match="--tail must be"):
        parse(["--tail", value, "--", "true"], version="0", env={})


@pytest.mark.parametrize("value", ["0", "-2", "inf", "nan", "soon"])
def test_bad_timeout_is_a_usage_error_naming_the_variable(value: str) -> None:
    with pytest.raises(UsageError, match="TWIRLY_TIMEOUT must be"):
        parse(["--", "true"], version="0", env={"TWIRLY_TIMEOUT": value})


class _Sink:
    def __init__(self) -> None:
        self.data: list[tuple[str, bytes]] = []


class _Stream:
    def __init__(self, name: str, sink: _Sink) -> None:
        self.name, self.sink = name, sink

    def raw(self, data: bytes) -> None:
        self.sink.data.append((self.name, data))


@pytest.mark.parametrize("spill_at", [1 << 30, 10])
def test_recording_replays_everything_in_order_to_its_stream(
    monkeypatch: pytest.MonkeyPatch, spill_at: int
) -> None:
    monkeypatch.setattr(output, "_SPILL_AT", spill_at)
    recording = Recording()
    chunks = [(1, b"out one\n"), (2, b"err\n"), (1, b"out two, longer than ten bytes"), (2, b"x")]
    for source, data in chunks:
        recording.add(source, data)
    sink = _Sink()
    streams = {1: _Stream("stdout", sink), 2: _Stream("stderr", sink)}
    recording.replay(streams)  # type: ignore[arg-type]
    assert sink.data == [("stdout" if s == 1 else "stderr", d) for s, d in chunks]
    assert recording.unfinished() == 2
    recording.close()


def test_an_empty_recording() -> None:
    recording = Recording()
    assert not recording
    assert recording.unfinished() is None


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("\x1b[1;31mred\x1b[0m plain", "red plain"),
        ("10%\r50%\r100%", "100%"),
        ("\x1b]0;window title\x07text", "text"),
        ("a\tb", "a   b"),
    ],
)
def test_tail_rows_show_what_a_terminal_would_leave_visible(line: str, shown: str) -> None:
    assert shown_text(line) == shown


def test_everything_after_the_separator_belongs_to_the_command() -> None:
    assert parse(["--", "echo", "--help"], version="0", env={}).command == ("echo", "--help")
    assert parse(["--", "-dash-named"], version="0", env={}).command == ("-dash-named",)
    assert parse(["--", "a", "--", "b"], version="0", env={}).command == ("a", "--", "b")


def test_twirly_title_is_read_like_twirly_text() -> None:
    assert parse(["--", "true"], version="0", env={"TWIRLY_TITLE": "T"}).text == "T"
    env = {"TWIRLY_TITLE": "T", "TWIRLY_TEXT": "X"}
    assert parse(["--", "true"], version="0", env=env).text == "X"
