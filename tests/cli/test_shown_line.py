"""What a terminal shows of a line redrawn in place: the model behind --tail's rows and
--show-output's live line, checked by hand and against pyte, a terminal written by others."""

from __future__ import annotations

import pyte
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twirly.cli.activity import LINE_COLUMNS, ShownLine, shown_text


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        # Text after \r overwrites what is under it, no more.
        ("progress 10%  items\r\x1b[2C5", "pr5gress 10%  items"),
        ("⠋ Downloading data\r⠙\r⠹", "⠹ Downloading data"),  # a spinner redrawing its glyph
        ("10%\r50%\r100%", "100%"),
        ("downloading 100%\r\x1b[Kdone", "done"),  # erase to the end of the line
        ("downloading 100%\r\x1b[0Kdone", "done"),
        ("downloading\r\x1b[2K", ""),  # the whole line
        ("abcdef\x1b[3D\x1b[1K!", "   !ef"),  # up to the cursor, then the cursor's column
        ("50%\b\b\b75%", "75%"),  # backspace
        ("abc\b\b\bxyz\b", "xyz"),
        ("abc\x1b[2GZ", "aZc"),  # to a column
        ("a\x1b[5Cb", "a     b"),  # forward past the end: blanks once text comes
        ("a\x1b[5C", "a"),
        ("row\r\x1b[C\x1b[J", "r"),  # twirly's own: erase below, of this line the rest
        ("\x1b[?25l\x1b[?7l⠋ inner\r⠙", "⠙ inner"),  # modes show nothing
        ("\x1b[1;31mred\x1b[0m plain", "red plain"),  # colours are not kept
        ("\x1b]0;window title\x07text", "text"),
        ("a\tb", "a   b"),
        ("bell\x07!", "bell!"),
        ("漢字abc\rX", "X 字abc"),  # half a wide character is no character
        ("漢字\x1b[3GX", "漢X "),  # (its other half a blank)
        ("e\u0301\u0301x", "e\u0301\u0301x"),  # a combining mark joins the one before
    ],
)
def test_a_line_shows_what_a_terminal_would(line: str, shown: str) -> None:
    assert shown_text(line) == shown


def test_a_line_fed_in_pieces_shows_the_same_whatever_the_cut() -> None:
    data = "⠋ Downloading\x1b[32m data\x1b[0m\r\x1b[2C✔\x1b]0;t\x07".encode()
    whole = shown_text(data.decode())
    assert whole == "⠋ ✔ownloading data"
    for cut in range(len(data) + 1):
        line = ShownLine()
        line.feed(data[:cut])
        line.feed(data[cut:])
        assert line.text == whole, cut


def test_a_line_is_kept_to_its_first_columns() -> None:
    line = ShownLine()
    line.write("x" * (LINE_COLUMNS + 500))
    assert line.text == "x" * LINE_COLUMNS
    line.write("\r\x1b[99999Cy\x1b[99999Dz")
    assert line.text == "z" + "x" * (LINE_COLUMNS - 1)


def test_an_escape_that_never_finishes_is_not_kept_for_ever() -> None:
    line = ShownLine()
    line.feed(b"\x1b]0;" + b"x" * 10_000)
    line.feed(b"shown")
    assert line.text == "shown"


# Pieces a progress meter writes; tabs are left out (pyte's stops are 8 columns apart, a tail
# row's 4), and so are wide characters (pyte leaves half of one when it is written over).
_PIECES = st.one_of(
    st.text(alphabet="ab %|#=>⠋⠙", min_size=1, max_size=8),
    st.sampled_from(["\r", "\b", "\x1b[K", "\x1b[0K", "\x1b[1K", "\x1b[2K", "\x1b[J"]),
    st.sampled_from(["\x1b[32m", "\x1b[0m", "\x1b[?25l", "\x1b]0;title\x07", "\x07"]),
    st.builds(
        "\x1b[{}{}".format, st.sampled_from(["", "0", "1", "3", "12"]), st.sampled_from("CDG")
    ),
)


@given(st.lists(_PIECES, max_size=20))
def test_a_line_shows_what_pyte_shows(pieces: list[str]) -> None:
    line = "".join(pieces)
    screen = pyte.Screen(400, 2)
    pyte.Stream(screen).feed(line)
    assert shown_text(line).rstrip() == screen.display[0].rstrip()
