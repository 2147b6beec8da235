"""The block of spinner rows, judged on a virtual terminal (pyte): what a person would see."""

from __future__ import annotations

import re
import unicodedata

import pyte
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.frames import OWN_SEQUENCES
from tests.support.ptyrun import Screen
from twirly.block import HIDE_CURSOR, SHOW_CURSOR, Block
from twirly.render import display_width, fit, sanitize
from twirly.state import Row
from twirly.styles import get_style

DOTS = get_style("dots")


def make_row(text: str, ident: int = 1, *, started: float = 0.0, timer: bool = False) -> Row:
    return Row(text, DOTS.frames, DOTS.width, DOTS.interval, started, timer=timer, ident=ident)


class Terminal:
    """A block wired to a live pyte screen (which can be resized), recording every byte."""

    def __init__(self, cols: int = 40, rows: int = 10) -> None:
        self.block = Block(unicode=True)
        self.rows = rows
        self._screen = Screen(cols, rows)
        self._stream = pyte.Stream(self._screen)
        self.data = ""

    @property
    def cols(self) -> int:
        return int(self._screen.columns)

    @cols.setter
    def cols(self, cols: int) -> None:
        self._screen.resize(self.rows, cols)

    def feed(self, out: str) -> str:
        self.data += out
        self._stream.feed(out)
        return out

    def screen(self) -> Screen:
        return self._screen


def test_first_row_hides_the_cursor_and_draws_glyph_and_text() -> None:
    term = Terminal()
    term.feed(term.block.add(make_row("thinking!"), 0.0, term.cols))
    screen = term.screen()
    assert screen.text_lines[0] == "⠋ thinking!"
    assert not screen.cursor_visible
    assert term.data.startswith(HIDE_CURSOR)


def test_a_glyph_only_frame_writes_the_glyph_and_a_carriage_return() -> None:
    term = Terminal()
    block = term.block
    term.feed(block.add(make_row("thinking!"), 0.0, term.cols))
    out = block.frame(DOTS.interval * 1.01, term.cols)
    assert out == "⠙\r"
    assert 2 <= len(out.encode()) <= 4
    assert block.frame(DOTS.interval * 1.5, term.cols) == ""  # same frame: nothing at all
    term.feed(out)
    assert term.screen().text_lines[0] == "⠙ thinking!"


def test_text_change_rewrites_the_line_and_erases_only_when_shorter() -> None:
    term = Terminal()
    row = make_row("a long piece of text")
    term.feed(term.block.add(row, 0.0, term.cols))
    row.text = "short"
    out = term.feed(term.block.frame(0.01, term.cols))
    assert out.endswith("\x1b[K\r")
    assert term.screen().text_lines[0] == "⠋ short"
    row.text = "a longer text again"
    out = term.feed(term.block.frame(0.02, term.cols))
    assert "\x1b[K" not in out
    assert term.screen().text_lines[0] == "⠋ a longer text again"


def test_long_text_is_truncated_to_the_width_with_an_ellipsis() -> None:
    term = Terminal(cols=12)
    term.feed(term.block.add(make_row("x" * 50), 0.0, term.cols))
    screen = term.screen()
    assert screen.text_lines[0] == "⠋ " + "x" * 8 + "…"  # (the last column stays free)
    assert screen.text_lines[1] == ""


def test_wide_text_never_wraps() -> None:
    term = Terminal(cols=9)
    term.feed(term.block.add(make_row("漢字漢字漢字"), 0.0, term.cols))
    screen = term.screen()
    assert screen.text_lines[0] == "⠋ 漢字…"  # (8 columns of 9: the last stays free)
    assert screen.text_lines[1] == ""


def test_resize_redraws_without_garbage_rows() -> None:
    term = Terminal(cols=40)
    term.feed(term.block.add(make_row("y" * 38), 0.0, 40))
    term.cols = 20  # pyte keeps rows as they were, like terminals that do not reflow
    term.feed(term.block.frame(0.01, 20))
    screen = term.screen()
    assert screen.text_lines[0] == "⠋ " + "y" * 16 + "…"
    assert all(line == "" for line in screen.text_lines[1:])


def test_removing_the_last_row_clears_it_and_shows_the_cursor() -> None:
    term = Terminal()
    row = make_row("thinking!")
    term.feed(term.block.add(row, 0.0, term.cols))
    term.feed(term.block.remove(row, None, 0.1, term.cols))
    screen = term.screen()
    assert screen.text == ""
    assert screen.cursor_visible
    assert term.data.endswith(SHOW_CURSOR)


def test_a_final_line_stays() -> None:
    term = Terminal()
    row = make_row("thinking!")
    term.feed(term.block.add(row, 0.0, term.cols))
    term.feed(term.block.remove(row, "✔ done", 0.1, term.cols))
    assert term.screen().text_lines[:2] == ["✔ done", ""]


@pytest.mark.parametrize("final", ["✖ thinking!", None])
def test_what_the_terminal_echoed_on_the_row_does_not_glue_to_the_final_line(
    final: str | None,
) -> None:
    term = Terminal()
    row = make_row("thinking!")
    term.feed(term.block.add(row, 0.0, term.cols))
    term.feed("^C")  # Ctrl-C: the terminal echoes at the cursor, column 0 of the row
    term.feed(term.block.remove(row, final, 0.1, term.cols))
    assert term.screen().text_lines[0] == (final or "")


def test_a_line_above_starts_at_column_0_after_an_echo() -> None:
    term = Terminal()
    term.feed(term.block.add(make_row("one"), 0.0, term.cols))
    term.feed("^Z")
    term.feed(term.block.above(["log line"], 0.1, term.cols))
    assert term.screen().text_lines[:2] == ["log line", "⠙ one"]


def test_after_someone_elses_prompt_the_rows_start_afresh_on_the_current_line() -> None:
    term = Terminal()
    term.feed(term.block.add(make_row("working"), 0.0, term.cols))
    term.feed("Password: ")  # getpass writes its prompt over the row...
    term.feed(term.block.step_aside())  # ...and the row's rest is erased, the cursor shown
    assert term.screen().text_lines[0] == "Password:"
    assert term.screen().cursor_visible
    term.feed("\r\n")  # the answer (not echoed) and getpass's newline
    term.feed(term.block.restart(0.1, term.cols))
    screen = term.screen()
    assert screen.text_lines[:3] == ["Password:", "⠙ working", ""]
    assert not screen.cursor_visible


def test_lines_go_above_the_rows_which_are_redrawn_below() -> None:
    term = Terminal()
    term.feed(term.block.add(make_row("one"), 0.0, term.cols))
    term.feed(term.block.add(make_row("two", 2), 0.0, term.cols))
    term.feed(term.block.above(["log line 1", "log line 2"], 0.0, term.cols))
    assert term.screen().text_lines[:5] == ["log line 1", "log line 2", "⠋ one", "⠋ two", ""]


def test_lines_in_a_burst_lift_the_rows_until_the_next_frame() -> None:
    term = Terminal()
    term.feed(term.block.add(make_row("one"), 0.0, term.cols))
    term.feed(term.block.add(make_row("two", 2), 0.0, term.cols))
    out = term.feed(term.block.lift(["burst 1"]))
    assert out.endswith("\x1b[?7hburst 1\r\n")  # (autowrap on for the program's line)
    assert term.block.lifted
    assert term.feed(term.block.lift(["burst 2", "burst 3"])) == "burst 2\r\nburst 3\r\n"
    assert term.screen().text_lines[:4] == ["burst 1", "burst 2", "burst 3", ""]
    out = term.feed(term.block.frame(0.01, term.cols))
    assert "\x1b[?7l" in out
    assert not term.block.lifted
    assert term.screen().text_lines[:6] == ["burst 1", "burst 2", "burst 3", "⠋ one", "⠋ two", ""]
    assert not term.screen().cursor_visible


def test_two_rows_update_independently() -> None:
    term = Terminal()
    first, second = make_row("one"), make_row("two", 2, started=DOTS.interval / 2)
    term.feed(term.block.add(first, 0.0, term.cols))
    term.feed(term.block.add(second, DOTS.interval / 2, term.cols))
    second.text = "two, changed"
    term.feed(term.block.frame(DOTS.interval * 1.01, term.cols))
    assert term.screen().text_lines[:3] == ["⠙ one", "⠋ two, changed", ""]
    term.feed(term.block.remove(first, None, DOTS.interval * 1.2, term.cols))
    assert term.screen().text_lines[:2] == ["⠋ two, changed", ""]


def test_suspend_shows_a_partial_line_and_above_completes_it() -> None:
    term = Terminal()
    term.feed(term.block.add(make_row("working"), 0.0, term.cols))
    term.feed(term.block.suspend("Name: "))
    assert term.screen().text_lines[0] == "Name:"
    assert term.screen().cursor_visible
    term.feed(term.block.above(["Ada"], 0.1, term.cols))
    screen = term.screen()
    assert screen.text_lines[:2] == ["Name: Ada", "⠙ working"]
    assert not screen.cursor_visible


@pytest.mark.parametrize("rows", [1, 2])
def test_a_final_line_after_an_unfinished_line_starts_a_line_of_its_own(rows: int) -> None:
    term = Terminal()
    row = make_row("working")
    term.feed(term.block.add(row, 0.0, term.cols))
    if rows == 2:
        term.feed(term.block.add(make_row("other", 2), 0.0, term.cols))
    term.feed(term.block.suspend("Progress: ..."))
    term.feed(term.block.remove(row, "✔ done", 0.1, term.cols))
    lines = term.screen().text_lines
    assert lines[:2] == ["Progress: ...", "✔ done"]
    assert lines[2] == ("" if rows == 1 else "⠙ other")


@pytest.mark.parametrize("styling", ["\x1b[0m", "\x1b(B\x1b[m", "\x1b]0;title\x07"])
def test_a_final_line_after_styling_alone_takes_the_line_it_is_on(styling: str) -> None:
    term = Terminal()
    row = make_row("working")
    term.feed(term.block.add(row, 0.0, term.cols))
    term.feed(term.block.suspend(styling))  # (pip's, tput sgr0's, a title: column 0)
    term.feed(term.block.remove(row, "✔ done", 0.1, term.cols))
    assert term.screen().text_lines[:2] == ["✔ done", ""]


@pytest.mark.parametrize(
    ("partial", "cols"),
    [("partial ", 40), ("a partial line long enough to wrap twice: " * 2, 40), ("x" * 40, 40)],
    ids=["one row", "wrapped", "up to the last column"],
)
def test_another_threads_lines_go_above_an_unfinished_line_which_its_own_completes(
    partial: str, cols: int
) -> None:
    term = Terminal(cols)
    term.feed("earlier output\r\n")  # (not the block's to erase)
    term.feed(term.block.add(make_row("working"), 0.0, term.cols))
    term.feed(term.block.suspend(partial, owner=1))
    term.feed(term.block.above(["from thread 2", "and again"], 0.1, term.cols, owner=2))
    screen = term.screen()
    expected = ["earlier output", "from thread 2", "and again"]
    assert screen.text_lines[:3] == expected, screen.text_lines
    assert "".join(screen.text_lines[3:]).rstrip() == partial.rstrip(), screen.text_lines
    assert screen.cursor_visible
    assert term.block.suspended  # (still waiting for the line's end)
    term.feed(term.block.above(["completed"], 0.2, term.cols, owner=1))
    screen = term.screen()
    lines = [line for line in screen.text_lines if line]
    assert lines[:3] == expected
    assert "".join(lines[3:-1]) == partial + "completed"
    assert lines[-1] == "⠹ working"  # (at 0.2 s: the third frame)
    assert not screen.cursor_visible


def test_an_unfinished_line_of_unknown_width_is_completed_by_any_line() -> None:
    # (Escapes in the unfinished line: its rows on screen are not known, so the next line
    # completes it, as on a terminal without twirly.)
    term = Terminal()
    term.feed(term.block.add(make_row("working"), 0.0, term.cols))
    term.feed(term.block.suspend("\x1b[1mbold:\x1b[0m ", owner=1))
    term.feed(term.block.above(["other"], 0.1, term.cols, owner=2))
    assert term.screen().text_lines[:2] == ["bold: other", "⠙ working"]


def test_timer_shows_whole_seconds_beside_the_text() -> None:
    term = Terminal()
    row = make_row("build", timer=True)
    term.feed(term.block.add(row, 0.0, term.cols))
    term.feed(term.block.frame(3.2, term.cols))
    assert term.screen().text_lines[0].endswith("build (3s)")


# -- properties ------------------------------------------------------------------------------

TEXT = st.lists(
    st.sampled_from([*"abc xyz-_/.", "漢", "字", "é", "e\u0301", "\x1b", "\n", "\x9b"]),
    max_size=60,
).map("".join)


def _expected_row(row: Row, now: float, width: int) -> str:
    width = max(width - 1, 1)  # (a row never reaches the last column)
    glyph = row.frames[row.frame_index(now)]
    if width <= row.frame_width:
        return fit(glyph, width, "")[0].rstrip()
    text = sanitize(row.text)
    body = fit(f" {text}" if text else "", width - row.frame_width)[0]
    return (glyph + body).rstrip()


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), TEXT),
        st.tuples(st.just("text"), TEXT),
        st.tuples(st.just("tick"), st.floats(min_value=0, max_value=2)),
        st.tuples(st.just("resize"), st.integers(min_value=1, max_value=60)),
        st.tuples(st.just("line"), st.text(alphabet="abc ", max_size=20)),
        st.tuples(st.just("burst"), st.text(alphabet="abc ", max_size=20)),
        st.tuples(st.just("remove"), st.booleans()),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(OPS, st.integers(min_value=1, max_value=60))
def test_the_screen_always_equals_the_model(ops: list[tuple[str, object]], cols: int) -> None:
    """Whatever happens, the screen shows the written lines and then exactly the rows."""
    term = Terminal(cols=cols, rows=40)
    block = term.block
    rows: list[Row] = []
    history: list[str] = []
    now, ident = 0.0, 0
    for op, arg in ops:
        if op == "add" and len(rows) < 4:
            ident += 1
            rows.append(make_row(str(arg), ident, started=now))
            term.feed(block.add(rows[-1], now, cols))
        elif op == "text" and rows:
            rows[-1].text = str(arg)
        elif op == "tick":
            now += float(arg)  # type: ignore[arg-type]
        elif op == "resize":
            cols = term.cols = int(arg)  # type: ignore[call-overload]
            history = [h[:cols] for h in history]  # a narrower screen cuts what it shows
        elif op in {"line", "burst"} and rows:
            line = str(arg)[:cols]
            history = [h[:cols] for h in history]
            history.append(line.rstrip())
            if op == "burst":  # (the rows stay erased until the next frame)
                term.feed(block.lift([line]))
                continue
            term.feed(block.above([line], now, cols))
        elif op == "remove" and rows:
            row = rows.pop(0)
            final = f"done {row.ident}"[:cols] if arg else None
            history = [h[:cols] for h in history]
            if final is not None:
                history.append(final)
            term.feed(block.remove(row, final, now, cols))
        term.feed(block.frame(now, cols))
    term.feed(block.frame(now, cols))
    data = term.data
    for match in re.finditer("\x1b", data):
        assert OWN_SEQUENCES.match(data, match.start()), data[match.start() :][:10]
    # Autowrap is off while rows are shown, on once they have gone.
    assert (
        data.rfind("\x1b[?7l") > data.rfind("\x1b[?7h")
        if rows
        else "\x1b[?7l" not in data[data.rfind("\x1b[?7h") :]
    )
    screen = term.screen()
    history = [h[:cols].rstrip() for h in history]
    expected = history + [_expected_row(row, now, cols) for row in rows]
    shown = [unicodedata.normalize("NFC", line) for line in screen.text_lines]
    assert shown[: len(expected)] == [unicodedata.normalize("NFC", e) for e in expected]
    assert all(line == "" for line in screen.text_lines[len(expected) :])
    assert screen.cursor_visible == (not rows)


@given(TEXT, st.integers(min_value=1, max_value=300))
def test_a_row_is_never_wider_than_the_terminal(text: str, cols: int) -> None:
    block = Block(unicode=True)
    out = block.add(make_row(text), 0.0, cols)
    visible = OWN_SEQUENCES.sub("", out).replace("\r", "")
    assert display_width(visible) <= cols


@given(TEXT, st.floats(min_value=0, max_value=10), st.integers(min_value=1, max_value=100))
def test_same_state_same_bytes(text: str, now: float, cols: int) -> None:
    outputs = {Block(unicode=True).add(make_row(text), now, cols) for _ in range(2)}
    assert len(outputs) == 1


@pytest.mark.parametrize("cols", range(1, 301))
def test_every_width_from_1_to_300(cols: int) -> None:
    term = Terminal(cols=cols, rows=4)
    row = make_row("漢字 and a rather long text that will not fit on small terminals " * 3)
    term.feed(term.block.add(row, 0.0, cols))
    term.feed(term.block.frame(0.5, cols))
    lines = term.screen().text_lines
    assert lines[0] == _expected_row(row, 0.5, cols)
    assert lines[1:] == ["", "", ""]


def test_more_rows_than_the_screen_holds_are_counted_not_drawn() -> None:
    term = Terminal(cols=30, rows=4)
    rows = [make_row(f"task {n}", n) for n in range(1, 7)]
    for row in rows:
        term.feed(term.block.add(row, 0.0, 30, 4))
    assert term.screen().text_lines == ["⠋ task 1", "⠋ task 2", "… 4 more", ""]
    for row in rows[:4]:
        term.feed(term.block.remove(row, None, 0.1, 30, 4))
    assert term.screen().text_lines == ["⠙ task 5", "⠙ task 6", "", ""]


def test_a_row_drawn_for_a_width_the_terminal_just_lost_is_clipped_not_wrapped() -> None:
    term = Terminal(cols=40)
    row = make_row("short")
    term.feed(term.block.add(row, 0.0, 40))
    row.text = "z" * 36
    term.cols = 20  # the resize lands between measuring the width and writing the frame
    term.feed(term.block.frame(0.0, 40))  # drawn for the old width: clipped at the margin
    term.feed(term.block.above(["a line"], 0.1, 20))
    screen = term.screen()
    assert screen.text_lines[:3] == ["a line", "⠙ " + "z" * 16 + "…", ""]
    assert screen.text_lines[3:] == [""] * (term.rows - 3)


def test_without_modes_the_rows_never_hide_the_cursor_or_turn_autowrap_off() -> None:
    # Where nothing could put the terminal back should a signal end the process (see
    # twirly.guards), the block sets no mode on the way in, after lines, after a prompt.
    term = Terminal()
    term.block.set_modes(False)
    row = make_row("thinking")
    term.feed(term.block.add(row, 0.0, term.cols))
    term.feed(term.block.above(["a line"], 0.1, term.cols))
    term.feed(term.block.suspend("Name: "))
    term.feed(term.block.above(["Ada"], 0.2, term.cols))
    term.feed(term.block.step_aside())
    term.feed(term.block.restart(0.3, term.cols))
    assert "\x1b[?25l" not in term.data
    assert "\x1b[?7l" not in term.data
    screen = term.screen()
    assert screen.cursor_visible
    assert pyte.modes.DECAWM in screen.mode
    lines = [line for line in screen.text_lines if line]
    assert lines[:2] == ["a line", "Name: Ada"]
    assert lines[2:] == [make_row("thinking").frames[row.frame_index(0.3)] + " thinking"]


def test_hidden_rows_redrawn_later_come_back_at_the_next_frame_with_their_modes() -> None:
    # Ctrl-Z erases the rows and shows the cursor; after `bg` they are not drawn at once but
    # by the next frame, which then sets the modes rows are shown in again.
    term = Terminal()
    row = make_row("thinking")
    term.feed(term.block.add(row, 0.0, term.cols))
    term.feed(term.block.hide())
    assert term.screen().cursor_visible
    assert not any(term.screen().text_lines)
    term.block.redraw_later()
    term.feed(term.block.frame(0.3, term.cols))
    screen = term.screen()
    assert screen.text_lines[0] == make_row("thinking").frames[row.frame_index(0.3)] + " thinking"
    assert not screen.cursor_visible
    assert pyte.modes.DECAWM not in screen.mode


def test_rows_left_to_be_redrawn_later_are_not_erased_again_where_a_prompt_may_stand() -> None:
    # After `bg` the cursor may stand after the shell's new prompt: the rows are gone from the
    # screen already, and neither the last row's end nor a step aside erases anything there.
    for end in ("remove", "step_aside"):
        block = Block(unicode=True)
        row = make_row("thinking")
        block.add(row, 0.0, 80)
        block.hide()
        block.redraw_later()
        written = block.remove(row, "done", 0.3, 80) if end == "remove" else block.step_aside()
        assert "\x1b[K" not in written
        assert "\x1b[J" not in written
        assert "\r" not in written.replace("\r\n", "")


def test_a_frame_drawn_for_a_height_the_terminal_just_lost_scrolls_nothing_away() -> None:
    # tmux shrinks its screen (deleting the lines below the cursor, which rests on the
    # block's top row) up to a quarter of a second before the program can read the new size:
    # the frames drawn meanwhile are for the old height. A line feed on the new last line
    # would scroll the screen and push the rows above it into the scrollback.
    block = Block(unicode=True)
    rows = [make_row(f"task {index}", ident=index) for index in range(6)]
    for row in rows:
        block.add(row, 0.0, 30, 10)
    for row in rows[1:]:
        row.text += " (waiting)"  # (frames that rewrite rows below the top one)
    # What the shorter screen shows: a line of the program's, then the block's top rows.
    screen = pyte.HistoryScreen(30, 4, history=100)
    stream = pyte.Stream(screen)
    stream.feed("the program's line\r\n⠋ task 0\r\n⠋ task 1\r\n⠋ task 2\r\x1b[2A")
    for step in range(1, 4):
        stream.feed(block.frame(step * 0.08, 30, 10))  # (still the old height)
    assert not screen.history.top, "lines were scrolled into the scrollback"
    assert (screen.cursor.y, screen.cursor.x) == (1, 0)  # back on the block's top row
    assert [line.rstrip() for line in screen.display] == [
        "the program's line",
        "⠸ task 0",
        "⠸ task 1 (waiting)",
        "⠸ task 5 (waiting)",  # (every row below the last line was written over it)
    ]


def test_a_frame_for_a_lost_height_that_adds_a_row_comes_back_to_the_top_row() -> None:
    # The same, with a task starting meanwhile: the line feeds for the new row scroll the
    # screen, and the way back must still end on the block's top row (the next frame
    # erases from there: a step too high, and a line of the program's goes with it).
    block = Block(unicode=True)
    rows = [make_row(f"task {index}", ident=index) for index in range(6)]
    for row in rows:
        block.add(row, 0.0, 30, 10)
    screen = pyte.HistoryScreen(30, 8, history=100)
    stream = pyte.Stream(screen)
    stream.feed("p1\r\np2\r\np3\r\np4\r\n⠋ task 0\r\n⠋ task 1\r\n⠋ task 2\r\n⠋ task 3\r\x1b[3A")
    rows[1].text += " (waiting)"
    block.put(make_row("task 6", ident=6), 0.0, 10)
    stream.feed(block.frame(0.0, 30, 10).replace("\n", "\r\n"))  # (a terminal's ONLCR)
    top = screen.cursor.y
    assert screen.cursor.x == 0
    assert screen.display[top].rstrip() == "⠋ task 0"
    assert screen.display[top - 1].rstrip() == "p4"
    history = ["".join(cell.data for cell in line.values()) for line in screen.history.top]
    assert not [line for line in history if "task" in line], history
    stream.feed(block.frame(0.1, 30, 8).replace("\n", "\r\n"))  # (the new height, read)
    assert [line.rstrip() for line in screen.display] == [
        "p4",
        *(f"⠙ task {index}" + (" (waiting)" if index == 1 else "") for index in range(7)),
    ]


def test_a_frame_starts_from_column_0_when_the_cursor_was_moved_along_the_top_row() -> None:
    # The terminal echoed "^C" where the cursor rests: rows further down are still drawn
    # from their column 0, and the cursor goes back to the top row's start.
    block = Block(unicode=True)
    rows = [make_row("top", ident=1), make_row("second", ident=2), make_row("third", ident=3)]
    out = "".join(block.add(row, 0.0, 40, 20) for row in rows)
    screen = pyte.Screen(40, 6)
    stream = pyte.Stream(screen)
    stream.feed(out.replace("\n", "\r\n") + "^C")
    rows[1].text = "second (changed)"
    stream.feed(block.frame(0.0, 40, 20).replace("\n", "\r\n"))
    assert (screen.cursor.y, screen.cursor.x) == (0, 0)
    assert [line.rstrip() for line in screen.display[:3]] == [
        "^Ctop",
        "⠋ second (changed)",
        "⠋ third",
    ]
