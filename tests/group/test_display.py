"""What a group shows on a terminal, frame by frame, on a virtual terminal and an injected
clock: which tasks get rows, the summary row, failure lines, sizes, and the bytes a frame
costs."""

from __future__ import annotations

import re

import pytest

import twirly
from tests.group.screen import FRAME, Display
from tests.support.frames import OWN_SEQUENCES
from twirly._group import Group, TaskRow

SYNC_BEGIN, SYNC_END = "\x1b[?2026h", "\x1b[?2026l"
GLYPHS = set("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")


def _start(group: Group, title: str, parent: TaskRow | None = None) -> TaskRow:
    task = group._new(title, parent, None)
    group._begin(task)
    return task


def _glyphless(line: str) -> str:
    return line[2:] if line[:1] in GLYPHS else line


def test_the_summary_row_is_last_and_counts_with_digit_grouping() -> None:
    display = Display()
    g = display.group("Downloading", show_after=0)
    with g:
        tasks = [_start(g, f"u{n}") for n in range(1_500)]
        for task in tasks[:1_234]:
            task.ok()
        tasks[1_234].fail("nope")
        display.run(1.0)
        summary = display.used[-1]
        assert summary[0] in GLYPHS
        assert _glyphless(summary) == (
            "Downloading  265 running · 1,234 done · 1 failed · +243 not shown · 0:01"
        )
    # At exit: the summary stays, without a glyph, and the cursor shows.
    assert display.used[-1] == "Downloading  265 running · 1,234 done · 1 failed · 0:01"
    assert not display.screen.cursor.hidden


def test_counts_that_are_zero_are_left_out_but_done_and_failed() -> None:
    display = Display(100)
    with display.group("B") as g:
        display.tick()
        assert _glyphless(display.used[-1]) == "B  0 done · 0 failed · 0:00"
        a, b, c = _start(g, "a"), _start(g, "b"), _start(g, "c")
        a.skip()
        b._group._end(b, "cancelled")  # type: ignore[union-attr]
        display.tick()
        assert _glyphless(display.used[-1]) == (
            "B  1 running · 0 done · 0 failed · 1 cancelled · 1 skipped · +1 not shown · 0:00"
        )
        c.ok()


def test_a_task_gets_a_row_only_after_show_after() -> None:
    display = Display()
    with display.group(show_after=0.5) as g:
        slow = _start(g, "slow")
        display.run(0.2)
        quick = _start(g, "quick")
        display.tick()
        quick.ok()  # (ended in a frame: never a row)
        display.tick()
        assert display.clock.now - 1000.0 < 0.5
        assert not any("slow" in line or "quick" in line for line in display.used[:-1])
        display.run(0.2)
        assert display.used[0].startswith(("⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"))
        assert "slow" in display.used[0]
        assert all("quick" not in line for line in display.everything())
        slow.ok()


def test_the_oldest_running_tasks_get_the_rows_and_the_rest_are_counted() -> None:
    display = Display(80, 8)
    with display.group(show_after=0) as g:
        tasks = [_start(g, f"t{n}") for n in range(20)]
        display.tick()
        rows = display.used
        assert len(rows) == 7  # the screen less one
        assert [_glyphless(line).split()[0] for line in rows[:-1]] == [f"t{n}" for n in range(6)]
        assert "+14 not shown" in rows[-1]
        # A freed row goes to the next task; the other rows stay where they are.
        tasks[2].ok()
        display.tick()
        names = [_glyphless(line).split()[0] for line in display.used[:-1]]
        assert names == ["t0", "t1", "t6", "t3", "t4", "t5"]
        for task in tasks:
            task.ok()


def test_a_failure_is_printed_above_the_block_once_with_its_path() -> None:
    display = Display()
    with display.group(show_after=0) as g:
        parent = _start(g, "build")
        child = _start(g, "compile", parent)
        grandchild = _start(g, "cc main.c", child)
        display.tick()
        g._end(grandchild, "failed", exc=ValueError("syntax error"))
        display.tick()
        display.run(0.5)
        line = "✖ build › compile › cc main.c: ValueError: syntax error"
        assert display.everything().count(line) == 1
        assert display.used[0] == line
        child.ok()
        parent.ok()
    assert display.everything().count(line) == 1


def test_persist_all_leaves_every_line_in_completion_order() -> None:
    display = Display()
    with display.group(persist="all") as g:
        tasks = [_start(g, name) for name in ("a", "b", "c", "d")]
        tasks[2].ok("3.1 MB")
        tasks[0].fail("boom")
        tasks[3].warn("slow")
        tasks[1].skip("cached")
        display.tick()
    assert display.used == [
        "✔ c  3.1 MB",
        "✖ a: boom",
        "⚠ d: slow",
        "↷ b: cached",
        "Work  2 done · 1 failed · 1 skipped · 0:00",  # (a warning is done, and stays)
    ]


def test_persist_none_leaves_only_the_summary() -> None:
    display = Display()
    with display.group(persist="none") as g:
        _start(g, "a").fail("boom")
        _start(g, "b").ok()
        display.tick()
    assert display.used == ["Work  1 done · 1 failed · 0:00"]


def test_children_rows_sit_under_their_parent_indented_and_go_with_it() -> None:
    display = Display()
    with display.group(show_after=0) as g:
        parent = _start(g, "build")
        _start(g, "other")
        child = _start(g, "compile", parent)
        display.tick()
        names = [line.strip() for line in display.used[:-1]]
        assert [_glyphless(name).split()[0] for name in names] == ["build", "compile", "other"]
        assert display.used[1].startswith("  ")
        child.ok()
        parent.ok()
        display.tick()
        assert [_glyphless(line).split()[0] for line in display.used[:-1]] == ["other"]


def test_a_task_text_shows_on_its_row_at_the_next_frame() -> None:
    display = Display()
    with display.group(show_after=0) as g:
        task = _start(g, "a.bin")
        display.tick()
        task.text = "40%"
        assert "40%" not in display.used[0]  # (a store: no I/O)
        display.tick()
        assert _glyphless(display.used[0]).startswith("a.bin  40%")
        task.ok()


@pytest.mark.parametrize(("columns", "lines"), [(80, 24), (40, 10), (20, 5), (19, 5), (10, 1)])
def test_the_block_fits_the_screen_at_every_size(columns: int, lines: int) -> None:
    display = Display(columns, lines)
    with display.group(show_after=0) as g:
        for n in range(50):
            _start(g, f"task number {n} with a long title")
        for _ in range(3):
            display.tick()
            used = display.used
            assert len(used) <= max(lines - 1, 1)
            assert all(len(line) < columns for line in used) or columns == 1
            if columns < 20:
                assert len(used) == 1  # the summary alone
            assert "Work" in used[-1]


def test_resizes_are_followed_within_two_frames() -> None:
    display = Display(80, 24)
    with display.group(show_after=0) as g:
        for n in range(50):
            _start(g, f"t{n}")
        display.tick()
        assert len(display.used) == 23
        display.resize(60, 10)
        display.tick()
        display.tick()
        assert len(display.used) == 9
        assert "Work" in display.used[-1]
        assert all(len(line) < 60 for line in display.used)
        display.resize(100, 30)
        display.tick()
        display.tick()
        assert len(display.used) == 29
        assert "Work" in display.used[-1]


def test_max_rows_caps_the_block() -> None:
    display = Display(80, 24)
    with display.group(show_after=0, max_rows=5) as g:
        for n in range(50):
            _start(g, f"t{n}")
        display.tick()
        assert len(display.used) == 5


def test_a_frame_writes_only_the_rows_that_changed_and_an_idle_frame_nothing() -> None:
    display = Display(80, 24)
    with display.group(show_after=0) as g:
        tasks = [_start(g, f"t{n}") for n in range(100)]
        display.tick()
        display.tick()
        # Nothing due: no byte.
        assert display.tick(0.0) == ""
        # A text changes on one row: that row's text, the glyphs, between sync brackets.
        tasks[3].text = "halfway"
        out = display.tick()
        assert out.startswith(SYNC_BEGIN)
        assert out.endswith(SYNC_END)
        assert "halfway" in out
        assert "t5" not in out  # (rows whose text did not change: their glyph only)
        assert "\x1b[J" not in out  # nothing erased
        for task in tasks:
            task.ok()


def test_the_cost_of_a_frame_does_not_grow_with_the_number_of_tasks() -> None:
    sizes = {}
    for count in (100, 100_000):
        display = Display(80, 24)
        with display.group(show_after=0) as g:
            tasks = [_start(g, f"t{n}") for n in range(count)]
            display.tick()
            frames = []
            for step in range(50):
                tasks[step].ok()
                tasks[step + 30].text = f"{step}%"
                frames.append(len(display.tick().encode()))
            sizes[count] = sorted(frames)[len(frames) // 2]
            for task in tasks:
                task.ok()
    assert sizes[100_000] <= sizes[100] * 1.15


def test_after_many_finished_tasks_the_group_keeps_no_record_of_them() -> None:
    display = Display()
    with display.group(show_after=0) as g:
        long = _start(g, "long")
        display.tick()
        for n in range(100_000):
            _start(g, f"t{n}").ok()
            if n % 10_000 == 0:
                display.tick()
        display.tick()
        assert len(g._pending) <= 2 * 1 + 1024
        assert len(g._shown) == 1
        long.ok()


def test_print_lines_and_group_lines_come_above_in_order() -> None:
    display = Display()
    with display.group(show_after=0) as g:
        task = _start(g, "a")
        display.tick()
        task.fail("first")
        g.write("second")  # (the queued failure line comes out before it)
        display.tick()
        assert display.used[:2] == ["✖ a: first", "second"]


def test_a_late_update_after_the_group_closed_does_nothing() -> None:
    display = Display()
    with display.group() as g:
        task = _start(g, "a")
    before = list(display.frames)
    task.text = "late"
    task.ok()
    task.fail("later")
    assert display.frames == before
    assert g.counts["running"] == 1  # (as it was when the group closed)


def test_untrusted_titles_are_shown_visibly_not_interpreted() -> None:
    display = Display()
    with display.group(show_after=0) as g:
        task = _start(g, "evil\x1b[2Jtitle\nnext")
        task.text = "\x1b]0;pwned\x07"
        display.tick()
        task.fail("\x1b[31mred")
        display.tick()
    data = "".join(display.frames)
    assert not OWN_SEQUENCES.sub("", data).count("\x1b")
    assert any(line.startswith("✖ evil") for line in display.everything())


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"persist": "some"}, ValueError, "persist must be one of"),
        ({"show_after": -1}, ValueError, "show_after"),
        ({"show_after": "1"}, TypeError, "show_after"),
        ({"show_after": float("inf")}, ValueError, "show_after must be a number of seconds >= 0"),
        ({"show_after": None}, TypeError, "show_after must be a number of seconds, not None"),
        ({"heartbeat": float("inf")}, ValueError, "heartbeat must be a number of seconds >= 0"),
        ({"limit": 0}, ValueError, r"limit must be at least 1 \(or None\), not 0"),
        ({"limit": -1}, ValueError, r"limit must be at least 1 \(or None\), not -1"),
        ({"limit": 2.5}, TypeError, "limit"),
        ({"heartbeat": float("nan")}, ValueError, "heartbeat"),
        ({"max_rows": -3}, ValueError, r"max_rows must be at least 1 \(or None\), not -3"),
        ({"max_rows": True}, TypeError, "max_rows"),
        ({"style": 3}, TypeError, "style"),
    ],
)
def test_bad_arguments_are_named_before_anything_is_drawn(
    options: dict[str, object], error: type[Exception], match: str
) -> None:
    display = Display()
    with pytest.raises(error, match=match):
        display.group(**options)
    assert display.frames == []


@pytest.mark.parametrize("show_after", [float("inf"), float("nan"), -0.5, None, "1", True])
def test_show_after_is_checked_as_a_spinner_checks_it(show_after: object) -> None:
    with pytest.raises((TypeError, ValueError)) as by_spinner:
        twirly.spinner("x", show_after=show_after)  # type: ignore[arg-type]
    with pytest.raises(type(by_spinner.value)) as by_group:
        Display().group(show_after=show_after)
    assert str(by_group.value) == str(by_spinner.value)
    assert "or None" not in str(by_group.value)  # (None is refused: the message says so)


def test_a_title_that_is_not_text_is_an_error() -> None:
    display = Display()
    with pytest.raises(TypeError, match="title must be str"):
        display.group(42)  # type: ignore[arg-type]
    with display.group() as g, pytest.raises(TypeError, match="title must be str"):
        g.task(b"bytes")  # type: ignore[arg-type]


def test_the_frame_time_is_the_style_pace() -> None:
    display = Display()
    with display.group(show_after=0) as g:
        task = _start(g, "a")
        delays = []
        for _ in range(10):
            display.clock.now += FRAME
            delay = display.terminal.tick()
            assert delay is not None
            delays.append(delay)
        assert max(delays) <= FRAME + 1e-6
        task.ok()


def test_a_long_title_is_cut_before_the_counts_are() -> None:
    display = Display(50, 10)
    with display.group("Downloading every file of the whole archive") as g:
        _start(g, "a")
        display.tick()
        summary = _glyphless(display.used[-1])
        # The title is cut to 8 columns, "+1 not shown" goes, the time stays.
        assert summary == "Downloa…  1 running · 0 done · 0 failed · 0:00"
        assert len(display.used[-1]) < 50


def test_a_nested_step_takes_the_next_free_row_under_its_parent() -> None:
    display = Display(60, 6)  # four task rows and the summary
    with display.group(show_after=0) as g:
        tasks = [_start(g, f"t{n}") for n in range(10)]
        display.tick()
        child = _start(g, "step", tasks[0])
        display.tick()
        assert all("step" not in line for line in display.used)  # (no free row yet)
        tasks[3].ok()
        display.tick()
        names = [line.strip() for line in display.used[:-1]]
        assert [_glyphless(name).split()[0] for name in names] == ["t0", "step", "t1", "t2"]
        child.ok()
        for task in tasks:
            task.ok()


def test_a_title_with_control_characters_is_measured_as_shown() -> None:
    # "\x07" is shown as four visible characters: the summary cuts the title, not the counts.
    display = Display(60)
    g = display.group("Build" + "\x07" * 8, show_after=0)
    with g:
        for n in range(3):
            _start(g, f"t{n}")
        display.run(0.5)
        summary = display.used[-1]
    assert re.search(r"3 running · 0 done · 0 failed · 0:00$", summary), summary
    assert "\\x07" in summary


@pytest.mark.parametrize("columns", [10, 12, 14, 16, 19])
def test_a_narrow_screen_cuts_the_summary_once(columns: int) -> None:
    display = Display(columns, 5)
    g = display.group("Downloading", show_after=0)
    with g:
        for n in range(3):
            _start(g, f"t{n}")
        display.run(0.5)
        summary = display.used[-1]
    assert summary.count("…") == 1, summary
    assert len(summary) < columns


def test_every_frame_of_a_group_is_one_synchronized_update() -> None:
    # Also a frame that changes the summary row alone (no task has a row yet).
    display = Display(80, 24)
    with display.group(show_after=60) as g:
        _start(g, "slow")
        display.tick()
        frames = [display.tick() for _ in range(5)]
    assert all(frames), frames
    for frame in frames:
        assert frame.startswith(SYNC_BEGIN), frame
        assert frame.endswith(SYNC_END), frame
