"""Property tests of a group's display under random sequences of tasks starting and ending,
text updates, lines written above, resizes and frames: what a person sees always holds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.group.screen import Display
from twirly._group import TaskRow

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("start"), st.integers(0, 3)),  # how many levels of parents
        st.tuples(st.just("end"), st.integers(0, 10_000), st.sampled_from(["ok", "failed"])),
        st.tuples(st.just("text"), st.integers(0, 10_000), st.text("ab%/ ", max_size=30)),
        st.tuples(st.just("write")),
        st.tuples(st.just("columns"), st.integers(10, 100)),
        st.tuples(st.just("tick"), st.sampled_from([0.0, 0.05, 0.08, 0.3, 1.5])),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, lines=st.integers(2, 16), show_after=st.sampled_from([0.0, 0.2]))
def test_the_display_always_fits_and_nothing_written_is_lost(
    ops: list[tuple[object, ...]], lines: int, show_after: float
) -> None:
    display = Display(60, lines)
    written: list[str] = []
    failed: list[str] = []
    tasks: list[TaskRow] = []
    counter = 0
    with display.group("W", show_after=show_after) as g:
        for op in ops:
            kind = op[0]
            running = [task for task in tasks if task.status == "running"]
            if kind == "start":
                parent = running[-1] if running and op[1] else None
                counter += 1
                task = g._new(f"t{counter}", parent, None)
                g._begin(task)
                tasks.append(task)
            elif kind == "end" and running:
                task = running[int(op[1]) % len(running)]  # type: ignore[call-overload]
                if op[2] == "ok":
                    task.ok()
                else:
                    task.fail("x")
                    failed.append(f"✖ {task.path}: x")
            elif kind == "text" and running:
                running[int(op[1]) % len(running)].text = str(op[2])  # type: ignore[call-overload]
            elif kind == "write":
                line = f"line {len(written)}"
                written.append(line)
                g.write(line)
            elif kind == "columns":
                display.resize(int(op[1]), lines)  # type: ignore[call-overload]
            elif kind == "tick":
                display.tick(float(op[1]))  # type: ignore[arg-type]
                _check_live(display, lines)
        display.tick()
        display.tick()
        _check_live(display, lines)
        for task in tasks:
            task.ok()
    everything = display.everything()
    for line in written + failed:
        assert everything.count(line) == 1, line
    # Failures and written lines keep their order: each producer's lines in order.
    positions = [everything.index(line) for line in written]
    assert positions == sorted(positions)
    if display.screen.columns >= 40:  # (narrower, the final line wraps as printed text does)
        assert everything[-1].startswith("W  ")
    assert not display.screen.cursor.hidden


def _check_live(display: Display, lines: int) -> None:
    columns = display.screen.columns
    used = display.used
    screen = display.screen
    # The cursor parks on the block's top row, column 0; the block ends with the summary.
    top = screen.cursor.y
    assert screen.cursor.x == 0
    block = display.lines[top:]
    while block and not block[-1]:
        block.pop()
    assert 1 <= len(block) <= max(lines - 1, 1)
    assert block[-1][2:].startswith("W")
    assert all(len(line) < columns for line in used)
    assert screen.cursor.hidden
