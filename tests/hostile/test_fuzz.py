"""Property-based tests over the sanitiser, the measure and the block, with hostile text.

The block is driven through random sequences of rows added and removed, text changes, frames
and lines written above, on a virtual terminal; after every step the screen must equal a
model of what should be there, and no byte the terminal would obey may have been written
other than twirly's own sequences.
"""

from __future__ import annotations

import re
import unicodedata

import pyte
import wcwidth
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.hostile.programs import OWN_SEQUENCES, expected_row, foreign_controls
from tests.support.ptyrun import Screen
from twirly.block import Block, final_line
from twirly.render import display_width, fit, format_elapsed, sanitize, split_lines
from twirly.state import Row
from twirly.styles import get_style

DOTS = get_style("dots")

#: Pieces of hostile text: controls of every kind, escape starters, line breaks, surrogates,
#: bidi overrides, wide and combining characters (a mark always follows a letter, as in text).
PIECES = [
    *"abcxyz019 -_/.[];",
    *"\x00\x07\x08\t\n\x0b\x0c\r\x1b\x7f\x85\x90\x9b\x9c\x9d\u2028\u202e\u2066",
    "\ud800",
    "\udfff",
    "\x1b[2J",
    "\x1b]0;t\x07",
    "\x1b]52;c;QQ==\x1b\\",
    "\r\n",
    "漢",
    "字",
    "한",
    "🙂",
    "é",
    "e\u0301",
    "o\u0302\u0303",
    "ש",
    "م",
]
HOSTILE = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
#: For the screen model: pyte wraps a combining mark that follows a character drawn in the
#: last column onto the next row (terminals attach it to that character), so the screen
#: model uses precomposed letters; the width tests cover combining marks at the edge.
DRAWN = st.lists(
    st.sampled_from([p for p in PIECES if not any(unicodedata.combining(c) for c in p)]),
    max_size=40,
).map("".join)
ANY_TEXT = st.text(max_size=60)

#: Controls, surrogates and the bidirectional controls that reorder what is shown.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


@given(ANY_TEXT | HOSTILE)
def test_sanitized_text_holds_nothing_a_terminal_obeys(text: str) -> None:
    safe = sanitize(text)
    assert not _UNSAFE.search(safe)
    assert sanitize(safe) == safe  # stable: sanitising twice changes nothing
    if not _UNSAFE.search(text) and not _LINE_BREAKS.search(text):
        assert safe == text  # harmless text is left alone


@given(ANY_TEXT | HOSTILE)
def test_split_lines_gives_safe_lines_and_loses_no_visible_character(text: str) -> None:
    lines = split_lines(text)
    assert lines
    for line in lines:
        assert not _UNSAFE.search(line)
    # Every harmless character is still there, in order (controls became visible spellings).
    shown = iter("".join(lines))
    harmless = (c for c in text if not _UNSAFE.search(c) and not _LINE_BREAKS.search(c))
    assert all(char in shown for char in harmless if char != "\t")


@given(ANY_TEXT | HOSTILE, st.integers(min_value=0, max_value=120))
# Text that takes no column fits in none: it is kept whole at width 0, as at any width.
@example("\u200b", 0)
@example("e\u0301", 1)
@example("", 0)
def test_fit_is_never_wider_than_asked_and_keeps_a_prefix(text: str, width: int) -> None:
    safe = sanitize(text)
    cut, cols = fit(safe, width)
    assert cols == display_width(cut)
    assert cols <= width
    if display_width(safe) <= width:
        assert cut == safe
    else:
        assert safe.startswith(cut.removesuffix("…"))


# -- the block on a virtual terminal, against a model -----------------------------------------


def _wrapped(line: str, cols: int) -> list[str]:
    """The rows a terminal fills with ``line``, wrapping as pyte does: only when the cursor
    has passed the last column (a wide character in the last column is cut, not moved)."""
    rows, col = [""], 0
    for char in line:
        width = wcwidth.wcwidth(char)
        if width <= 0:
            rows[-1] += char  # a combining mark joins the character before it
            continue
        if col >= cols:
            rows.append("")
            col = 0
        rows[-1] += char
        col = min(col + width, cols)
    return rows


def _model_row(row: Row, now: float, cols: int) -> str:
    if not row.timer or cols <= row.frame_width + 1:
        return expected_row(row, now, cols)
    cols -= 1  # (a row never reaches the last column)
    glyph = row.frames[row.frame_index(now)]
    text = sanitize(row.text)
    suffix = f" ({format_elapsed(now - row.started)})"
    room = cols - row.frame_width
    body, used = fit(f" {text}" if text else "", room - len(suffix), "…")
    if used + len(suffix) <= room:
        body += suffix
    return glyph + body


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).rstrip()


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), DRAWN, st.booleans()),
        st.tuples(st.just("text"), st.integers(0, 3), DRAWN),
        st.tuples(st.just("frame"), st.floats(0.0, 0.5)),
        st.tuples(st.just("write"), DRAWN),
        st.tuples(st.just("remove"), st.integers(0, 3), st.sampled_from([None, "ok", "fail"])),
    ),
    max_size=14,
)


class _Model:
    """The block, the screen it draws on, and what a person should see there."""

    def __init__(self, cols: int) -> None:
        self.cols = cols
        self.block = Block(unicode=True)
        self.screen = Screen(cols, 150)
        self.stream = pyte.Stream(self.screen)
        self.printed: list[str] = []  # rows of persistent lines, top to bottom
        self.rows: list[Row] = []
        self.now = 0.0
        self.idents = 0

    def feed(self, out: str) -> None:
        assert not foreign_controls(out), (foreign_controls(out), out)
        self.stream.feed(out)

    def apply(self, op: tuple[object, ...]) -> None:
        kind = op[0]
        if kind == "add":
            self.idents += 1
            row = Row(str(op[1]), DOTS.frames, DOTS.width, DOTS.interval, self.now)
            row.timer, row.ident = bool(op[2]), self.idents
            self.rows.append(row)
            self.feed(self.block.add(row, self.now, self.cols))
        elif kind == "text" and self.rows:
            self.rows[int(op[1]) % len(self.rows)].text = str(op[2])
        elif kind == "frame":
            self.now += float(op[1])  # type: ignore[arg-type]
            self.feed(self.block.frame(self.now, self.cols))
        elif kind == "write":
            lines = split_lines(str(op[1]))
            self.feed(self.block.above(lines, self.now, self.cols))
            for line in lines:
                self.printed += _wrapped(line, self.cols)
        elif kind == "remove" and self.rows:
            row = self.rows.pop(int(op[1]) % len(self.rows))
            status = op[2]
            final = None
            if status is not None:
                final = final_line(status, row.text, unicode=True, color=False)  # type: ignore[arg-type]
                self.printed += _wrapped(final, self.cols)
            self.feed(self.block.remove(row, final, self.now, self.cols))

    def _line(self, y: int) -> str:
        """Row ``y`` of the screen as text (pyte's ``display``, for one row: it is faster)."""
        cells = self.screen.buffer[y]
        text, x = "", 0
        while x < self.cols:
            data = cells[x].data
            text += data
            x += 2 if data and wcwidth.wcwidth(data[0]) == 2 else 1
        return text

    def check(self) -> None:
        if self.rows:
            # After a write or removal the block is redrawn: the rows are whole again.
            self.feed(self.block.frame(self.now, self.cols))
        expected = self.printed + [_model_row(row, self.now, self.cols) for row in self.rows]
        shown = [_norm(self._line(y)) for y in range(len(expected) + 2)]
        assert shown[: len(expected)] == [_norm(line) for line in expected]
        assert shown[len(expected) :] == ["", ""]  # nothing below: no row ever wrapped
        assert self.screen.cursor.hidden == bool(self.rows)
        if self.rows:
            assert (self.screen.cursor.y, self.screen.cursor.x) == (len(self.printed), 0)


@settings(max_examples=100, deadline=None)
@given(OPS, st.integers(min_value=1, max_value=70))
def test_the_screen_always_equals_the_model(ops: list[tuple[object, ...]], cols: int) -> None:
    model = _Model(cols)
    for op in ops:
        model.apply(op)
        if len(model.printed) + len(model.rows) + 2 > model.screen.lines:
            break  # the screen would scroll: the model stops here
        model.check()


@settings(max_examples=100, deadline=None)
@given(HOSTILE, st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=8))
def test_resizes_never_leave_a_row_wider_than_the_terminal(text: str, sizes: list[int]) -> None:
    block = Block(unicode=True)
    row = Row(text, DOTS.frames, DOTS.width, DOTS.interval, 0.0, ident=1)
    out = block.add(row, 0.0, sizes[0])
    for step, cols in enumerate(sizes):
        if step:
            out = block.frame(step * 0.05, cols)
        assert not foreign_controls(out)
        drawn = OWN_SEQUENCES.sub("", out).replace("\r", "")
        assert display_width(drawn) <= cols
        assert "\n" not in drawn
