"""Property tests of a group's display under random sequences of tasks starting and ending,
text updates, lines written above, resizes and frames: what a person sees always holds."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.group.screen import Display
from twirly._group import Group, TaskRow

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("start"), st.integers(0, 3)),  # how many levels of parents
        st.tuples(st.just("end"), st.integers(0, 10_000), st.sampled_from(["ok", "failed"])),
        st.tuples(st.just("text"), st.integers(0, 10_000), st.text("ab%/ ", max_size=30)),
        st.tuples(st.just("write")),
        st.tuples(st.just("end all"), st.sampled_from(["ok", "failed"])),
        st.tuples(st.just("columns"), st.integers(10, 100)),
        st.tuples(st.just("tick"), st.sampled_from([0.0, 0.05, 0.08, 0.3, 1.5])),
    ),
    max_size=60,
)


class _Run:
    """A group on a virtual terminal, driven one operation at a time."""

    def __init__(self, display: Display, group: Group) -> None:
        self.display = display
        self.group = group
        self.written: list[str] = []
        self.failed: list[str] = []
        self.tasks: list[TaskRow] = []

    def running(self) -> list[TaskRow]:
        return [task for task in self.tasks if task.status == "running"]

    def end(self, task: TaskRow, how: object) -> None:
        if how == "ok":
            task.ok()
        else:
            task.fail("x")
            self.failed.append(f"✖ {task.path}: x")

    def apply(self, op: tuple[Any, ...], lines: int) -> None:
        kind, running = op[0], self.running()
        if kind == "start":
            parent = running[-1] if running and op[1] else None
            task = self.group._new(f"t{len(self.tasks) + 1}", parent, None)
            self.group._begin(task)
            self.tasks.append(task)
        elif kind == "end" and running:
            self.end(running[op[1] % len(running)], op[2])
        elif kind == "end all":
            for task in reversed(running):
                self.end(task, op[1])
        elif kind == "text" and running:
            running[op[1] % len(running)].text = op[2]
        elif kind == "write":
            self.written.append(f"line {len(self.written)}")
            self.group.write(self.written[-1])
        elif kind == "columns":
            self.display.resize(op[1], lines)
        elif kind == "tick":
            self.display.tick(op[1])
            _check_live(self.display, lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, lines=st.integers(2, 16), show_after=st.sampled_from([0.0, 0.2]))
# The block shrinks: a row goes and none takes its place.
@example(
    ops=[("start", 0), ("tick", 0.08), ("end", 0, "ok"), ("tick", 0.08)], lines=8, show_after=0
)
def test_the_display_always_fits_and_nothing_written_is_lost(
    ops: list[tuple[Any, ...]], lines: int, show_after: float
) -> None:
    display = Display(60, lines)
    with display.group("W", show_after=show_after) as g:
        run = _Run(display, g)
        for op in ops:
            run.apply(op, lines)
        display.tick()
        display.tick()
        _check_live(display, lines)
        for task in run.tasks:
            task.ok()
    everything = display.everything()
    # (A line wider than the screen was when it was written wraps, as printed text does.)
    narrowest = min([60, *(op[1] for op in ops if op[0] == "columns")])
    fitting = [line for line in run.written + run.failed if len(line) < narrowest]
    for line in fitting:
        assert everything.count(line) == 1, line
    # Lines written above keep their order.
    positions = [everything.index(line) for line in run.written if line in fitting]
    assert positions == sorted(positions)
    if display.screen.columns >= 40:  # (narrower, the final line wraps as printed text does)
        assert everything[-1].startswith("W  ")
    assert not display.screen.cursor.hidden


def _check_live(display: Display, lines: int) -> None:
    columns = display.screen.columns
    screen = display.screen
    # The cursor parks on the block's top row, column 0; the block ends with the summary.
    top = screen.cursor.y
    assert screen.cursor.x == 0
    block = display.lines[top:]
    while block and not block[-1]:
        block.pop()
    assert 1 <= len(block) <= max(lines - 1, 1)
    assert block[-1][2:].startswith("W")
    # One summary on screen: no row left behind when the block shrank or moved.
    assert sum(line[2:].startswith("W") for line in display.lines) == 1
    assert all(len(line) < columns for line in block)
    assert screen.cursor.hidden
