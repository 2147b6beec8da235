"""The pure text functions: sanitising, display width, truncation, elapsed time."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twirly.render import display_width, fit, format_elapsed, sanitize, split_lines

HOSTILE = [
    "\x1b]0;owned\x07",  # OSC 0: window title
    "\x1b]52;c;ZWNobyBoaQ==\x07",  # OSC 52: clipboard write
    "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",  # OSC 8: hyperlink
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1bP+q\x1b\\",  # DCS
    "\x9b31m",  # C1 CSI as a code point
    "\x00\x07\x08\x7f",
    "a\ud800b",  # lone surrogate
    "\u202eevil",  # right-to-left override
]


def _controls(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in {"Cc", "Cs"}]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_sanitize_leaves_no_control_character(hostile: str) -> None:
    safe = sanitize(f"file {hostile} name")
    assert _controls(safe) == []
    assert "\u202e" not in safe
    assert safe.startswith("file ")
    assert safe.endswith(" name")


def test_sanitize_spells_escapes_visibly() -> None:
    assert sanitize("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert sanitize("bell\x07") == "bell\\x07"
    assert sanitize("c1\x9b") == "c1\\x9b"
    assert sanitize("rtl\u202e") == "rtl\\u202e"


def test_line_breaks_never_break_the_spinner_line() -> None:
    assert sanitize("one\ntwo\r\nthree\rfour") == "one two three four"
    assert sanitize("tab\there") == "tab here"


def test_plain_text_is_returned_as_is() -> None:
    text = "compiling 42 files"
    assert sanitize(text) is text


def test_write_splits_lines_and_drops_one_final_newline() -> None:
    assert split_lines("a\nb\n") == ["a", "b"]
    assert split_lines("a\r\nb") == ["a", "b"]
    assert split_lines("") == [""]
    assert split_lines("x\x1b[31m") == ["x\\x1b[31m"]


def test_display_width_counts_columns() -> None:
    assert display_width("abc") == 3
    assert display_width("中文") == 4
    assert display_width("e\u0301") == 1  # combining acute
    assert display_width("👍🏽") == 2
    assert display_width("❤️") == 2  # with VS16


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("hello world", 5, "hell…"),
        ("hello", 5, "hello"),
        ("中文字", 5, "中文…"),
        ("中文字", 4, "中…"),
        ("ab中", 3, "ab…"),
        ("e\u0301e\u0301e\u0301", 2, "e\u0301…"),
        ("abc", 0, ""),
        ("abc", 1, "…"),
    ],
)
def test_fit_truncates_by_columns_with_an_ellipsis(text: str, width: int, expected: str) -> None:
    assert fit(text, width)[0] == expected


def test_fit_ascii_ellipsis() -> None:
    assert fit("hello world", 6, "...") == ("hel...", 6)


@given(st.text(), st.integers(min_value=0, max_value=200))
def test_fit_never_exceeds_the_width(text: str, width: int) -> None:
    safe = sanitize(text)
    cut, cols = fit(safe, width)
    assert cols == display_width(cut)
    assert cols <= width
    if display_width(safe) <= width:
        assert cut == safe


@given(st.text())
def test_sanitize_output_is_always_safe_and_stable(text: str) -> None:
    safe = sanitize(text)
    assert _controls(safe) == []
    assert sanitize(safe) == safe
    safe.encode("utf-8")  # no lone surrogates left


@pytest.mark.parametrize(
    ("seconds", "precise", "shown"),
    [
        (7.9, False, "7s"),
        (2.44, True, "2.4s"),
        (65, False, "1m 05s"),
        (3723, False, "1h 02m 03s"),
        (-1, False, "0s"),
    ],
)
def test_elapsed_time_reads_naturally(seconds: float, precise: bool, shown: str) -> None:
    assert format_elapsed(seconds, precise=precise) == shown


def test_the_narrow_fast_path_agrees_with_wcwidth() -> None:
    import wcwidth

    from twirly.render import NARROW_RANGES

    for low, high in NARROW_RANGES:
        for code in range(low, high + 1):
            assert wcwidth.wcswidth(chr(code)) == 1, hex(code)


def test_the_default_style_and_plain_text_never_import_wcwidth() -> None:
    import subprocess
    import sys

    code = (
        "import io, sys, twirly; "
        "sp = twirly.spinner('thinking…', stream=io.StringIO(), animate=True).start(); sp.stop(); "
        "print('wcwidth' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert result.stdout.decode().strip() == "False"
