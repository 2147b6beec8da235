"""The layout: which rows a screen shows, in what order, with nesting and summary rows."""

from __future__ import annotations

import pyte
from hypothesis import given
from hypothesis import strategies as st

from twirly.block import Block
from twirly.layout import layout, tree_order
from twirly.state import Row

FRAMES = ("a", "b")


def _row(text: str, *, parent: Row | None = None, kind: str = "spinner") -> Row:
    return Row(text, FRAMES, 1, 0.1, 0.0, parent=parent, kind=kind)  # type: ignore[arg-type]


def _model(
    parents: list[int | None],
) -> tuple[dict[int, Row], dict[int, dict[int, Row]], list[Row]]:
    """Rows made in order; row i nests under row ``parents[i]`` (an earlier one) or none."""
    rows: list[Row] = []
    top: dict[int, Row] = {}
    children: dict[int, dict[int, Row]] = {}
    for index, parent_index in enumerate(parents):
        parent = rows[parent_index] if parent_index is not None else None
        row = _row(str(index), parent=parent)
        rows.append(row)
        if parent is None:
            top[id(row)] = row
        else:
            children.setdefault(id(parent), {})[id(row)] = row
    return top, children, rows


@st.composite
def trees(draw: st.DrawFn) -> list[int | None]:
    size = draw(st.integers(0, 40))
    return [
        draw(st.one_of(st.none(), st.integers(0, index - 1))) if index else None
        for index in range(size)
    ]


@given(parents=trees(), height=st.integers(0, 30), summaries=st.integers(0, 2))
def test_the_layout_fits_the_screen_keeps_tree_order_and_counts_the_rest(
    parents: list[int | None], height: int, summaries: int
) -> None:
    top, children, rows = _model(parents)
    pinned = {id(r): r for r in (_row(f"summary {i}", kind="summary") for i in range(summaries))}
    shown, hidden = layout(top, children, pinned, len(rows), height)
    drawn = [row for row, _ in shown]
    # Summary rows are always there, last.
    assert drawn[len(drawn) - summaries :] == list(pinned.values())
    others = shown[: len(shown) - summaries]
    # The rows shown are the first ones in tree order, each right after its parent.
    assert others == list(tree_order(top, children))[: len(others)]
    for row, depth in others:
        if row.parent is not None:
            parent_depth = next(d for r, d in others if r is row.parent)
            assert depth == parent_depth + 1
    assert len(others) + hidden == len(rows)
    if height > 0:
        counting_line = 1 if hidden and not pinned else 0
        assert len(shown) + counting_line <= max(height - 1, 1) or (len(others) == 0)
    else:
        assert hidden == 0


def test_a_nested_row_sits_under_its_parent_indented() -> None:
    block = Block(unicode=True)
    screen = pyte.Screen(30, 10)
    stream = pyte.Stream(screen)
    build = _row("build")
    other = _row("other")
    stream.feed(block.add(build, 0.0, 30, 10))
    stream.feed(block.add(other, 0.0, 30, 10))
    stream.feed(block.add(_row("compile", parent=build), 0.0, 30, 10))
    assert screen.display[:3] == [
        "a build".ljust(30),
        "  a compile".ljust(30),
        "a other".ljust(30),
    ]


def test_a_summary_row_is_always_last_and_counts_what_is_not_shown() -> None:
    block = Block(unicode=True)
    screen = pyte.Screen(30, 5)
    stream = pyte.Stream(screen)
    summary = _row("summary", kind="summary")
    stream.feed(block.add(summary, 0.0, 30, 5))
    for index in range(10):
        stream.feed(block.add(_row(f"task {index}"), 0.0, 30, 5))
    assert [line.rstrip() for line in screen.display] == [
        "a task 0",
        "a task 1",
        "a task 2",
        "a summary",
        "",
    ]
    assert block.hidden == 7  # for the summary to say (no "… N more" line of the block's own)


def test_a_static_line_never_sets_the_pace() -> None:
    line = Row.line("output tail", 0.0)
    assert line.cadence == float("inf")
    assert line.frames == (" ",)
    assert line.next_change(5.0) > 5.0
