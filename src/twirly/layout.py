"""Which rows are shown, in what order, when there are more than the screen can hold. Pure.

The model is the rows themselves (:class:`~twirly.state.Row`): each has a kind (a spinner, a
static line, or a summary of the others), a parent (a row nested under another sits right
under it, indented) and a start time. The layout turns them into the list of rows to draw,
top to bottom, and says how many are not shown; :class:`~twirly.block.Block` diffs what it
draws. Its cost is in the rows it returns, never in all rows: a display of 100,000 rows lays
out the screen's worth.

The rule, in order:
- a screen of ``height`` rows shows at most ``height - 1`` (the cursor must reach the top
  row); summary rows are always shown, last;
- the other rows in tree order: each row, then its children, depth first;
- when they do not all fit, the first ones in that order (the oldest: rows are added as they
  start), and a last line counts the rest, unless a summary row is there to count them.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from twirly.state import Row

    #: One row to draw: the row and how deep it is nested (0 at the top level).
    Shown = tuple[Row, int]

__all__ = ["layout", "tree_order"]


def tree_order(
    top: Mapping[int, Row], children: Mapping[int, Mapping[int, Row]]
) -> Iterator[Shown]:
    """The rows depth first, each followed by its children; lazily, so that taking the first
    rows costs only those rows."""
    stack: list[tuple[Iterator[Row], int]] = [(iter(top.values()), 0)]
    while stack:
        rows, depth = stack[-1]
        row = next(rows, None)
        if row is None:
            stack.pop()
            continue
        yield row, depth
        below = children.get(id(row))
        if below:
            stack.append((iter(below.values()), depth + 1))


def layout(
    top: Mapping[int, Row],
    children: Mapping[int, Mapping[int, Row]],
    pinned: Mapping[int, Row],
    count: int,
    height: int,
) -> tuple[list[Shown], int]:
    """The rows to draw on a screen of ``height`` rows (0: unknown, no limit), and how many
    of the ``count`` rows in ``top`` and ``children`` are left out.

    The rows drawn are those left in, then the ``pinned`` (summary) rows. When rows are left
    out and no summary row is there to count them, the caller draws a line that does, in the
    last row before the summaries: the list then leaves that row free.
    """
    summaries: list[Shown] = [(row, 0) for row in pinned.values()]
    if height <= 0:
        return [*tree_order(top, children), *summaries], 0
    room = max(max(height - 1, 1) - len(summaries), 0)
    if count <= room:
        return [*tree_order(top, children), *summaries], 0
    take = room if summaries else max(room - 1, 0)
    shown: list[Shown] = []
    if take:
        for item in tree_order(top, children):
            shown.append(item)
            if len(shown) == take:
                break
    return [*shown, *summaries], count - len(shown)
