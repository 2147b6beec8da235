"""The notebook draw target, with a recorded cell and an injected clock (no kernel, no sleep).

What a person sees in a notebook is the cell's list of outputs: text from streams, and display
outputs that are updated in place. :class:`Cell` records that list as a front end keeps it.
"""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from twirly import notebook
from twirly.block import final_line
from twirly.notebook import MIN_UPDATE, NotebookTarget, NotebookTerminal, row_text
from twirly.state import Row


class Cell:
    """A cell's outputs as a front end shows them: ["display", text] or ["stream", text]."""

    def __init__(self) -> None:
        self.outputs: list[list[str]] = []
        self.messages = 0

    def show(self, text: str) -> object:
        self.outputs.append(["display", text])
        self.messages += 1
        return len(self.outputs) - 1

    def update(self, handle: object, text: str) -> None:
        assert isinstance(handle, int)
        self.outputs[handle][1] = text
        self.messages += 1

    def visible(self) -> list[list[str]]:
        """What takes room on screen: empty display outputs show nothing."""
        return [output for output in self.outputs if output != ["display", ""]]


class Stream:
    """The kernel's stdout: what is written becomes stream output of the cell."""

    encoding = "utf-8"

    def __init__(self, cell: Cell) -> None:
        self._cell = cell

    def write(self, text: str) -> int:
        outputs = self._cell.outputs
        if outputs and outputs[-1][0] == "stream":
            outputs[-1][1] += text  # the front end joins consecutive stream text
        else:
            outputs.append(["stream", text])
        return len(text)

    def flush(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _row(text: str, started: float = 100.0, *, timer: bool = False, ident: int = 1) -> Row:
    return Row(text, ("a", "b", "c", "d"), 1, 0.08, started, timer=timer, ident=ident)


Setup = tuple[NotebookTerminal, Cell, Stream, Clock]


@pytest.fixture
def setup() -> Setup:
    cell, clock = Cell(), Clock()
    stream = Stream(cell)
    target = NotebookTarget(cell, clock)
    terminal = NotebookTerminal(stream, target, streams=lambda: [stream], clock=clock)  # type: ignore[arg-type]
    return terminal, cell, stream, clock


def test_a_row_is_shown_at_once_as_text(setup: Setup) -> None:
    terminal, cell, _, _ = setup
    terminal.attach(_row("working"))
    assert cell.outputs == [["display", "a working"]]
    assert terminal.animates
    assert not terminal.caps.color


def test_updates_are_sent_at_most_ten_a_second_and_only_when_changed(setup: Setup) -> None:
    terminal, cell, _, clock = setup
    terminal.attach(_row("working"))
    sent = cell.messages
    clock.now += 0.09  # the glyph changed at 0.08, but the last update was 0.09 s ago
    delay = terminal.tick()
    assert cell.messages == sent
    assert delay == pytest.approx(MIN_UPDATE - 0.09)
    clock.now += delay or 0
    terminal.tick()
    assert cell.messages == sent + 1
    assert cell.outputs == [["display", "b working"]]
    # Over ten simulated seconds, never more than ten updates a second.
    start = cell.messages
    end = clock.now + 10
    while clock.now < end:
        clock.now += terminal.tick() or 0
    assert cell.messages - start <= 10 * 10 + 1


def test_a_text_change_shows_on_the_next_update(setup: Setup) -> None:
    terminal, cell, _, clock = setup
    row = _row("first")
    terminal.attach(row)
    row.text = "second"
    clock.now += 0.1
    terminal.tick()
    assert cell.outputs == [["display", "b second"]]


def test_the_final_line_is_left_where_the_row_was(setup: Setup) -> None:
    terminal, cell, _, _ = setup
    row = _row("working")
    terminal.attach(row)
    final = final_line("ok", "done", unicode=True, color=terminal.caps.color)
    terminal.detach(row, final)
    assert cell.outputs == [["display", "✔ done"]]
    assert terminal.tick() is None


def test_a_stopped_row_leaves_nothing(setup: Setup) -> None:
    terminal, cell, _, _ = setup
    row = _row("working")
    terminal.attach(row)
    terminal.detach(row, None)
    assert cell.visible() == []


def test_printed_lines_stay_above_the_rows_in_order(setup: Setup) -> None:
    terminal, cell, stream, clock = setup
    row = _row("working")
    terminal.attach(row)
    print("one", file=stream)  # through the stream's write, as print() in a cell
    stream.write("two\n")
    clock.now += 0.1
    terminal.tick()
    assert cell.visible() == [["stream", "one\ntwo\n"], ["display", "b working"]]
    stream.write("three\n")
    terminal.detach(row, "✔ done")
    assert cell.visible() == [
        ["stream", "one\ntwo\n"],
        ["stream", "three\n"],
        ["display", "✔ done"],
    ]


def test_an_unfinished_printed_line_is_not_split_by_the_rows(setup: Setup) -> None:
    terminal, cell, stream, clock = setup
    terminal.attach(_row("working"))
    stream.write("progress: ")
    clock.now += 0.1
    terminal.tick()
    stream.write("50%\n")
    assert cell.visible() == [["display", "b working"], ["stream", "progress: 50%\n"]]
    clock.now += 0.1
    terminal.tick()
    assert cell.visible() == [["stream", "progress: 50%\n"], ["display", "c working"]]


def test_write_goes_above_the_rows(setup: Setup) -> None:
    terminal, cell, _, clock = setup
    terminal.attach(_row("working"))
    terminal.write_lines(["from write()"])
    clock.now += 0.1
    terminal.tick()
    assert cell.visible() == [["stream", "from write()\n"], ["display", "b working"]]


def test_the_stream_is_given_back_untouched(setup: Setup) -> None:
    terminal, _, stream, _ = setup
    row = _row("working")
    terminal.attach(row)
    assert "write" in vars(stream)
    terminal.detach(row, None)
    assert "write" not in vars(stream)


def test_two_rows_share_one_output_and_a_final_line_stays_above_the_other(setup: Setup) -> None:
    terminal, cell, _, _ = setup
    first, second = _row("first", ident=1), _row("second", ident=2)
    terminal.attach(first)
    terminal.attach(second)
    assert cell.visible() == [["display", "a first\na second"]]
    terminal.detach(first, "✔ first")
    assert cell.visible() == [["display", "✔ first"], ["display", "a second"]]
    terminal.detach(second, "✖ second")
    assert cell.visible() == [["display", "✔ first"], ["display", "✖ second"]]


def test_the_process_driver_ticks_from_a_thread_here(setup: Setup) -> None:
    terminal, _, _, _ = setup
    row = _row("working")
    assert terminal.attach(row, driver="process") == "thread"
    assert not terminal.remote
    ticker = terminal.ticker
    assert ticker is not None
    assert ticker.alive
    terminal.detach(row, None)
    assert terminal.ticker is None
    assert not ticker.alive


def test_restore_leaves_no_live_output(setup: Setup) -> None:
    terminal, cell, stream, _ = setup
    terminal.attach(_row("working"))
    terminal.restore()
    terminal.restore()
    assert cell.visible() == []
    assert "write" not in vars(stream)


# -- rows as text ---------------------------------------------------------------------------


def test_row_text_is_sanitised() -> None:
    text = row_text(_row("evil \x1b]0;title\x07 \u202e"), 100.0, 80)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert text == "a evil \\x1b]0;title\\x07 \\u202e"


def test_row_text_is_cut_to_the_width_and_keeps_the_timer() -> None:
    row = _row("x" * 100, timer=True)
    assert row_text(row, 103.5, 20) == "d " + "x" * 12 + "… (3s)"
    assert row_text(row, 100.0, 1) == "a"


# -- detection ------------------------------------------------------------------------------


def test_an_ipython_that_is_not_a_kernel_is_not_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert not notebook.in_kernel()

    class TerminalInteractiveShell:
        pass

    fake.get_ipython = TerminalInteractiveShell  # type: ignore[attr-defined]
    assert not notebook.in_kernel()
    assert notebook.notebook_terminal(sys.stderr, None) is None


def test_a_plain_program_never_imports_ipython_or_the_notebook_module() -> None:
    code = (
        "import sys, twirly\n"
        "with twirly.spinner('x', animate=True, stream=open('/dev/null', 'w')):\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('IPython', 'twirly.notebook'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == "[]\n"


def test_a_group_shows_its_rows_and_summary_in_the_live_output(setup: Setup) -> None:
    from twirly._group import Group

    terminal, cell, _, clock = setup
    with Group("Fetch", terminal=terminal, show_after=0) as g:
        tasks = []
        for name in ("a", "b", "c"):
            task = g._new(name, None, None)
            g._begin(task)
            tasks.append(task)
        tasks[0].text = "40%"
        clock.now += 0.2
        terminal.tick()
        live = cell.outputs[-1]
        assert live[0] == "display"
        lines = live[1].splitlines()
        assert [line[2:] for line in lines] == [
            "a  40% (0s)",
            "b (0s)",
            "c (0s)",
            "Fetch  3 running · 0 done · 0 failed · 0:00",
        ]
        tasks[1].fail("boom")
        tasks[0].ok()
        tasks[2].ok()
        clock.now += 0.2
        terminal.tick()
    texts = [text for _, text in cell.visible()]
    assert "✖ b: boom\n" in texts
    assert texts[-1] == "Fetch  2 done · 1 failed · 0:00"
