"""What a command's output says it is doing: line tails and the signals of a full-screen program."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twirly.cli.activity import ScreenScanner, ScreenSignal, Tail, classify_tail, visible_text

ALT, MAIN = ScreenSignal.ALTERNATE_SCREEN, ScreenSignal.MAIN_SCREEN
QUERY, KEYPAD, ADDRESSING = ScreenSignal.QUERY, ScreenSignal.KEYPAD, ScreenSignal.ADDRESSING


@pytest.mark.parametrize(
    ("tail", "kind"),
    [
        (b"", Tail.NONE),
        (b"\x1b[0m", Tail.STYLING),  # pip and rich reset colours after the last newline
        (b"\x1b[?25h", Tail.STYLING),  # the cursor shown again
        (b"\x1b[0m\x1b[?25h\x1b[2K", Tail.STYLING),
        (b"\x1b]0;title\x07", Tail.STYLING),  # a window title
        (b"   ", Tail.STYLING),
        (b"\x07", Tail.STYLING),
        (b"\r10%", Tail.PROGRESS),  # curl, wget, rsync: the line starts again
        (b"30%\r", Tail.PROGRESS),
        (b"\r\x1b[2K\x1b[32m  45%\x1b[0m", Tail.PROGRESS),
        (b"Name: ", Tail.TEXT),
        (b"\x1b[1mPassword:\x1b[0m ", Tail.TEXT),
        (b"tests/test_slow.py ..", Tail.TEXT),
        (b"Continue? [y/N] ", Tail.TEXT),
    ],
)
def test_a_tail_is_classified_by_what_a_person_would_see(tail: bytes, kind: Tail) -> None:
    assert classify_tail(tail) is kind


def test_visible_text_drops_escape_sequences_and_controls() -> None:
    data = b"\x1b[31mred\x1b[0m \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x08!"
    assert visible_text(data) == b"red link!"


@given(st.binary(max_size=40))
def test_styling_wrapped_around_any_text_keeps_its_kind(text: bytes) -> None:
    plain = classify_tail(text.replace(b"\x1b", b""))
    styled = classify_tail(b"\x1b[1m" + text.replace(b"\x1b", b"") + b"\x1b[0m\x1b[?25h")
    assert styled is plain or (plain is Tail.NONE and styled is Tail.STYLING)


@given(st.text(alphabet="abc:? ", min_size=1, max_size=20))
def test_a_carriage_return_anywhere_makes_a_progress_line(text: str) -> None:
    cut = len(text) // 2
    assert classify_tail(f"{text[:cut]}\r{text[cut:]}".encode()) is Tail.PROGRESS


@pytest.mark.parametrize(
    ("data", "signals"),
    [
        (b"\x1b[?1049h", [ALT]),  # vim, less, htop
        (b"\x1b[?47h", [ALT]),
        (b"\x1b[?1047h", [ALT]),
        (b"\x1b[?1049l", [MAIN]),
        (b"\x1b[?1049h\x1b[?1h\x1b=", [ALT, KEYPAD, KEYPAD]),  # less without -X
        (b"\x1b[6n", [QUERY]),  # where is the cursor?
        (b"\x1b[c", [QUERY]),  # device attributes
        (b"\x1b[0c", [QUERY]),
        (b"\x1b[>c", [QUERY]),
        (b"\x1b[?2026$p", [QUERY]),  # DECRQM
        (b"\x1b[>q", [QUERY]),  # XTVERSION
        (b"\x1b]11;?\x07", [QUERY]),  # the background colour
        (b"\x1b]10;?\x1b\\", [QUERY]),
        (b"\x1b[H", [ADDRESSING]),
        (b"\x1b[12;1H", [ADDRESSING]),
        (b"\x1b[2J", [ADDRESSING]),
        # What progress bars and colours write: nothing of the sort.
        (b"\x1b[0m\x1b[?25l\r\x1b[2K\x1b[1A\x1b[K\x1b[32m", []),
        (b"\x1b]0;title\x07\x1b[?2004h\x1b[?25h", []),
        (b"\x1b]11;rgb:0000/0000/0000\x07", []),  # an answer, not a question
        (b"plain text", []),
    ],
)
def test_screen_signals_are_found(data: bytes, signals: list[ScreenSignal]) -> None:
    assert ScreenScanner().feed(data) == signals


VIM_START = (
    b"\x1b[?1049h\x1b[22;0;0t\x1b[>4;2m\x1b[?1h\x1b=\x1b[?2004h\x1b[1;24r\x1b[?12h\x1b[?12l"
    b"\x1b[22;2t\x1b[22;1t\x1b[27m\x1b[23m\x1b[29m\x1b[m\x1b[H\x1b[2J\x1b[?25l\x1b[24;1H"
    b'"file" 0L, 0B\x1b[2;1H\x1b[?2026$p\x1b[>c\x1b]10;?\x07\x1b]11;?\x07'
)


def test_a_sequence_split_between_reads_is_found_once_whatever_the_cut() -> None:
    whole = ScreenScanner().feed(VIM_START)
    assert whole[:3] == [ALT, KEYPAD, KEYPAD]
    assert whole.count(QUERY) == 4
    for cut in range(len(VIM_START) + 1):
        scanner = ScreenScanner()
        assert scanner.feed(VIM_START[:cut]) + scanner.feed(VIM_START[cut:]) == whole


@given(st.lists(st.integers(0, len(VIM_START)), max_size=8))
def test_any_number_of_cuts_gives_the_same_signals(cuts: list[int]) -> None:
    scanner = ScreenScanner()
    found: list[ScreenSignal] = []
    start = 0
    for cut in sorted(cuts):
        found += scanner.feed(VIM_START[start:cut])
        start = cut
    found += scanner.feed(VIM_START[start:])
    assert found == ScreenScanner().feed(VIM_START)


def test_an_escape_that_never_finishes_is_not_kept_for_ever() -> None:
    scanner = ScreenScanner()
    assert scanner.feed(b"\x1b]0;" + b"x" * 10_000) == []
    assert scanner.feed(b"\x1b[?1049h") == [ALT]
