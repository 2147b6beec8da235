"""Escape injection: hostile text in the spinner text, ``write()`` lines and final messages.

A file name or a server's message can carry bytes a terminal obeys (set the title, write the
clipboard, clear the screen, move the cursor). None of them may reach the terminal raw: the
person sees a visible spelling instead, and twirly's own sequences are the only ones written.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.hostile.programs import DRIVERS, FakeTerminal, foreign_controls, spinning, start
from tests.support.ptyrun import PtyProcess, clean_env, screen_of
from twirly import spinner

#: (name, hostile text, a harmless part of it that must stay visible).
CORPUS = [
    ("osc0-title", "\x1b]0;pwned title\x07", "pwned title"),
    ("osc2-title-st", "\x1b]2;other title\x1b\\", "other title"),
    ("osc52-clipboard", "\x1b]52;c;cm0gLXJmIH4=\x07", "cm0gLXJmIH4="),
    ("osc8-hyperlink", "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\", "evil.example"),
    ("csi-clear-screen", "\x1b[2J\x1b[3J", "[2J"),
    ("csi-clear-line", "\x1b[2K\x1b[1K", "[2K"),
    ("csi-home", "\x1b[H", "[H"),
    ("cursor-moves", "\x1b[5A\x1b[10C\x1b[2;3H\x1b[s\x1b[u", "[5A"),
    ("save-restore", "\x1b7saved\x1b8", "saved"),
    ("alt-screen", "\x1b[?1049h", "[?1049h"),
    ("hide-cursor", "\x1b[?25l", "[?25l"),
    ("reset", "\x1bc", "x1bc"),
    ("sgr", "\x1b[31;1;5mred\x1b[0m", "red"),
    ("report-request", "\x1b[6n\x1b[21t\x1b[c", "[6n"),
    ("dcs", "\x1bP1$qm\x1b\\", "1$qm"),
    ("apc", "\x1b_application\x1b\\", "application"),
    ("pm", "\x1b^privacy\x1b\\", "privacy"),
    ("sos", "\x1bXstart of string\x1b\\", "start of string"),
    ("c1-csi", "\x9b2J", "2J"),
    ("c1-osc", "\x9d0;c1 title\x9c", "c1 title"),
    ("c1-dcs", "\x90q\x9c", "x90"),
    ("c1-all", "".join(map(chr, range(0x80, 0xA0))), "x9f"),
    ("nul", "a\x00b", "a\\x00b"),
    ("bel", "ring\x07", "ring"),
    ("backspace", "abc\x08\x08\x08xyz", "abc"),
    ("cr", "visible\roverwritten", "visible"),
    ("lf", "first\nsecond", "second"),
    ("crlf", "one\r\ntwo", "two"),
    ("del", "del\x7fete", "del"),
    ("shift-out", "\x0egraphics\x0f", "graphics"),
    ("vt-ff", "v\x0bf\x0cend", "end"),
    ("all-c0", "".join(map(chr, range(0x20))), "x1f"),
    ("lone-surrogates", "\ud800 \udfff \udc9b", "ud800"),
    ("bidi-override", "file\u202etxt.exe", "exe"),
    ("unicode-line-breaks", "a\x85b\u2028c\u2029d", "d"),
    ("nested", "\x1b\x1b[[2J\x1b]]0;\x07\x07", "[2J"),
]

IDS = [name for name, _, _ in CORPUS]
HOSTILE = [(text, shown) for _, text, shown in CORPUS]
#: Everything a terminal may act on, or bytes from C1 and surrogates, after rendering.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e]")


def _drawn(run: object) -> str:
    stream = FakeTerminal()
    run(stream)  # type: ignore[operator]
    return stream.getvalue()


def _assert_harmless(data: str, shown: str, *, cols: int = 200) -> list[str]:
    assert not foreign_controls(data), foreign_controls(data)
    screen = screen_of(data, rows=10, cols=cols)
    assert screen.title == ""  # no window title was set
    assert screen.icon_name == ""
    assert screen.cursor_visible
    lines = screen.text_lines
    for line in lines:
        assert not _UNSAFE.search(line), line
    assert any(shown in line for line in lines), (shown, lines)
    return [line for line in lines if line]


@pytest.mark.parametrize(("text", "shown"), HOSTILE, ids=IDS)
def test_hostile_spinner_text_is_shown_not_obeyed(
    text: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # the width of a terminal with no descriptor
    seen: list[str] = []

    def run(stream: FakeTerminal) -> None:
        with spinner(text, stream=stream, animate=True) as sp:
            seen.append(stream.getvalue())
            sp.text = "x" + text  # a text change goes through the same door

    data = _drawn(run)
    # Judge the first frame, while the row is on screen.
    lines = _assert_harmless(seen[0] + "\x1b[?25h", shown, cols=400)
    assert len(lines) == 1  # line breaks in a spinner's text never open a new row
    assert not foreign_controls(data)


@pytest.mark.parametrize(("text", "shown"), HOSTILE, ids=IDS)
def test_hostile_write_lines_are_shown_not_obeyed(text: str, shown: str) -> None:
    def run(stream: FakeTerminal) -> None:
        with spinner("spinning", stream=stream, animate=True) as sp:
            sp.write(text)

    lines = _assert_harmless(_drawn(run), shown)
    assert "spinning" not in "".join(lines)


@pytest.mark.parametrize(("text", "shown"), HOSTILE, ids=IDS)
@pytest.mark.parametrize("status", ["ok", "fail", "warn", "info"])
def test_hostile_final_messages_are_shown_not_obeyed(text: str, shown: str, status: str) -> None:
    def run(stream: FakeTerminal) -> None:
        with spinner("spinning", stream=stream, animate=True) as sp:
            getattr(sp, status)(text)

    lines = _assert_harmless(_drawn(run), shown, cols=400)
    assert len(lines) == 1


@pytest.mark.parametrize(("text", "shown"), HOSTILE, ids=IDS)
def test_hostile_text_off_a_terminal_is_plain_too(text: str, shown: str) -> None:
    def run(stream: FakeTerminal) -> None:
        stream.isatty = lambda: False  # type: ignore[method-assign]
        sp = spinner(text, stream=stream)
        sp.start()
        sp.write(text)
        sp.fail(text)

    data = _drawn(run)
    assert "\x1b" not in data
    _assert_harmless(data, shown, cols=400)


_PROGRAM_BODY = """
CORPUS = {corpus!r}
for text in CORPUS:
    sp.text = text
    PAUSE(0.02)
sp.text = " ".join(CORPUS)
PAUSE(0.3)
for text in CORPUS:
    sp.write(text)
PAUSE(0.1)
sp.fail(" | ".join(CORPUS))
"""


def _program(driver: str) -> str:
    corpus = [text for text, _ in HOSTILE]
    code = spinning(_PROGRAM_BODY.format(corpus=corpus), driver, text=corpus[0])
    return code.encode("ascii", "backslashreplace").decode()


@pytest.mark.parametrize("driver", DRIVERS)
def test_the_whole_corpus_through_a_real_terminal(driver: str) -> None:
    with start(_program(driver), rows=120, cols=2000) as p:
        assert p.wait() == 0, bytes(p.output)[-500:]
        data = bytes(p.output)
        assert not foreign_controls(data), foreign_controls(data)[:5]
        screen = p.screen()
        assert screen.title == ""
        assert screen.cursor_visible
        lines = [line for line in screen.text_lines if line]
        for _, shown in HOSTILE:
            assert any(shown in line for line in lines), shown
        if driver == "asyncio" and lines[-1].startswith("  "):
            # The writes blocked the loop long enough for the watchdog's summary to follow.
            lines = lines[: next(i for i, line in enumerate(lines) if line.startswith("⚠ event"))]
        assert lines[-1].startswith("✖ \\x1b]0;pwned title\\x07 | ")


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_no_c1_byte_reaches_a_single_byte_terminal(encoding: str) -> None:
    # On a Latin-1 terminal, U+009B would be the byte 0x9B: a one-byte CSI.
    env = clean_env({"PYTHONIOENCODING": encoding})
    with start(_program("thread"), rows=120, cols=2000, env=env) as p:
        assert p.wait() == 0
        data = bytes(p.output)
        assert not re.search(rb"[\x80-\x9f]", data)
        assert not foreign_controls(data.decode("latin-1"))


def test_the_whole_corpus_through_a_pipe_has_no_escape_byte() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _program("thread")],
        capture_output=True,
        env=clean_env(),
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert b"\x1b" not in result.stderr
    assert not foreign_controls(result.stderr)
    lines = result.stderr.decode().splitlines()
    assert lines[0] == "\\x1b]0;pwned title\\x07"
    assert lines[-1].startswith("✖ \\x1b]0;pwned title\\x07 | ")


@pytest.mark.parametrize("outcome", ["true", "false"])
def test_the_command_line_tools_texts_are_neutralised_too(outcome: str) -> None:
    # --text, --success and --failure often come from a script's variables.
    hostile = "\x1b]0;pwned title\x07\x1b[2J\x9b31m\x1b]52;c;QQ==\x07"
    argv = [
        sys.executable, "-m", "twirly",
        "--text", "build " + hostile, "--success", "ok " + hostile, "--failure", "bad " + hostile,
        "--tail", "2", "--",
        "sh", "-c", "printf 'tail \\033]0;title\\007 line\\n'; sleep 0.3; " + outcome,
    ]  # fmt: skip
    with PtyProcess(argv, cols=200) as p:
        p.wait()
        data = bytes(p.output)
        screen = p.screen()
        # A failed command's output is replayed as the command wrote it (its own title
        # sequence included): that is the command's output, not twirly's text.
        assert screen.title == ("" if outcome == "true" else "title")
        assert screen.cursor_visible
        lines = [line for line in screen.text_lines if line]
        word = "ok" if outcome == "true" else "bad"
        shown = f"{word} \\x1b]0;pwned title\\x07\\x1b[2J\\x9b31m\\x1b]52;c;QQ==\\x07"
        assert any(line.endswith(shown) for line in lines), lines
        assert b"\x1b]0;pwned" not in data
        assert b"\x1b]52" not in data
        assert "\x9b" not in data.decode("utf-8", "replace")
