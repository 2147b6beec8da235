"""In a Jupyter notebook, run by a real kernel: a spinner is a live output that ends as its
final line in the saved notebook, under ``with``, ``async with`` and ``await twirly.spin``.

The notebook is built with nbformat and executed with nbclient on ipykernel's kernel, started
from this very interpreter (so it imports this checkout's twirly). Every message the kernel
sends for a cell is counted, so "the output was updated while the cell ran" is checked on
what a front end receives, not on twirly's own word.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

_MISSING = "needs the notebook dependency group (uv sync --group notebook): {} is not installed"
nbformat = pytest.importorskip("nbformat", reason=_MISSING.format("nbformat"))
nbclient = pytest.importorskip("nbclient", reason=_MISSING.format("nbclient"))
pytest.importorskip("ipykernel", reason=_MISSING.format("ipykernel"))

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

_SETUP = """\
import asyncio, sys, time
import twirly, twirly.notebook

def _target():
    return twirly.notebook.notebook_terminal(sys.stderr, None).target

def updated(count):
    # Wait (blocking the cell, as real work would) until the live output was sent `count`
    # more updates: the clock ticks on its own, whatever the cell does.
    target = _target()
    goal, deadline = target.updates + count, time.monotonic() + 30
    while target.updates < goal and time.monotonic() < deadline:
        time.sleep(0.01)

async def updated_async(count):
    target = _target()
    goal, deadline = target.updates + count, time.monotonic() + 30
    while target.updates < goal and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
"""

_CELLS = {
    "with": """\
        with twirly.spinner("thread spin") as sp:
            updated(4)
            sp.ok("thread done")
        print("driver:", sp.driver)
        """,
    "print": """\
        with twirly.spinner("printing spin") as sp:
            print("first print")
            updated(2)
            print("second print")
            updated(2)
            sp.fail("printing failed")
        """,
    "async with": """\
        async with twirly.spinner("async \\x1b[2Jspin") as sp:
            print("async print")
            await updated_async(4)
            sp.warn()
        print("driver:", sp.driver)
        """,
    "spin": """\
        result = await twirly.spin(updated_async(3), "spin call")
        """,
    "animate": """\
        with twirly.spinner("asked to animate", animate=True) as sp:
            updated(2)
            sp.info("animated")
        """,
    "plain": """\
        with twirly.spinner("told not to animate", animate=False) as sp:
            pass
        """,
    "group": """\
        async def fetch(n):
            twirly.current().text = "half"
            await updated_async(2)
            if n == 2:
                raise ValueError("no")
            return n

        async with twirly.group("Fetching", show_after=0) as g:
            results = await g.gather(*(fetch(n) for n in range(4)), return_exceptions=True)
        print(results[:2])
        """,
}


class _CountingClient(nbclient.NotebookClient):  # type: ignore[misc,name-defined]
    """Records every message of every cell as the kernel sent it."""

    messages: list[tuple[int, str, dict[str, Any]]]

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        self.messages.append((cell_index, msg["msg_type"], json.loads(json.dumps(msg["content"]))))
        return super().process_message(msg, cell, cell_index)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[Any]]:
    """The notebook after a run, by cell name, and the messages, by cell name."""
    kernels = tmp_path_factory.mktemp("kernels")
    (kernels / "twirly-test").mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "language": "python",
        "display_name": "twirly test kernel",
    }
    (kernels / "twirly-test" / "kernel.json").write_text(json.dumps(spec))
    manager = KernelManager(
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]), kernel_name="twirly-test"
    )
    names = list(_CELLS)
    cells = [nbformat.v4.new_code_cell(_SETUP)]
    cells += [nbformat.v4.new_code_cell(textwrap.dedent(_CELLS[name])) for name in names]
    notebook = nbformat.v4.new_notebook(cells=cells)
    client = _CountingClient(notebook, km=manager, timeout=120, allow_errors=False)
    client.messages = []
    env = {key: value for key, value in os.environ.items() if key != "TWIRLY_ANIMATE"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2] / "src"), *sys.path])
    client.execute(env=env)
    saved = nbformat.reads(nbformat.writes(notebook), as_version=4)  # what a file would hold
    outputs = {name: saved.cells[index + 1].outputs for index, name in enumerate(names)}
    messages = {
        name: [(kind, content) for cell, kind, content in client.messages if cell == index + 1]
        for index, name in enumerate(names)
    }
    return outputs, messages  # type: ignore[return-value]


def _texts(outputs: list[Any]) -> list[tuple[str, str]]:
    """Each output as (kind, text): "display" for display outputs, the stream's name else."""
    found = []
    for output in outputs:
        if output.output_type == "stream":
            found.append((output.name, output.text))
        else:
            found.append(("display", output.data.get("text/plain", "")))
    return found


def _live_updates(messages: list[Any]) -> int:
    return sum(1 for kind, _ in messages if kind == "update_display_data")


def test_with_leaves_its_final_line_after_a_live_output(executed: Any) -> None:
    outputs, messages = executed
    texts = _texts(outputs["with"])
    assert texts == [("display", "✔ thread done"), ("stdout", "driver: thread\n")]
    # The front end saw the row turn: the display was updated in place, more than once.
    assert _live_updates(messages["with"]) >= 3


def test_print_inside_stays_above_the_rows_in_order(executed: Any) -> None:
    outputs, messages = executed
    texts = [entry for entry in _texts(outputs["print"]) if entry != ("display", "")]
    assert texts == [
        ("stdout", "first print\n"),
        ("stdout", "second print\n"),
        ("display", "✖ printing failed"),
    ]
    assert _live_updates(messages["print"]) >= 2


def test_async_with_ticks_on_the_kernels_running_loop(executed: Any) -> None:
    outputs, messages = executed
    texts = [entry for entry in _texts(outputs["async with"]) if entry != ("display", "")]
    # The untrusted escape sequence is shown, never sent.
    assert texts == [
        ("stdout", "async print\n"),
        ("display", "⚠ async \\x1b[2Jspin"),
        ("stdout", "driver: asyncio\n"),
    ]
    assert _live_updates(messages["async with"]) >= 3


def test_await_spin_leaves_the_ok_line(executed: Any) -> None:
    outputs, messages = executed
    assert _texts(outputs["spin"]) == [("display", "✔ spin call")]
    assert _live_updates(messages["spin"]) >= 2


def test_animate_true_draws_in_the_cell_not_on_the_kernels_descriptor(executed: Any) -> None:
    outputs, _ = executed
    assert _texts(outputs["animate"]) == [("display", "ℹ animated")]


def test_animate_false_prints_lines_once(executed: Any) -> None:
    outputs, messages = executed
    assert [kind for kind, _ in _texts(outputs["plain"])] == ["stderr"]
    assert "told not to animate" in outputs["plain"][0].text
    assert not any(kind.endswith("display_data") for kind, _ in messages["plain"])


def test_a_group_draws_its_rows_live_and_leaves_failures_and_the_summary(executed: Any) -> None:
    outputs, messages = executed
    texts = [entry for entry in _texts(outputs["group"]) if entry != ("display", "")]
    assert texts[0] == ("stderr", "✖ fetch: ValueError: no\n")
    assert texts[1][0] == "display"
    assert texts[1][1].startswith("Fetching  3 done · 1 failed · 0:0")
    assert texts[2] == ("stdout", "[0, 1]\n")
    # While it ran, the live output showed the tasks' rows above the summary.
    live = [content for kind, content in messages["group"] if kind == "update_display_data"]
    shown = [content["data"]["text/plain"] for content in live]
    assert any("fetch  half" in text and "Fetching" in text for text in shown)


def test_no_frame_and_no_escape_byte_is_left_in_the_saved_notebook(executed: Any) -> None:
    outputs, _ = executed
    for name, cell in outputs.items():
        if name == "plain":
            continue  # lines printed once keep the colour the kernel asks for (FORCE_COLOR)
        for kind, text in _texts(cell):
            assert "\x1b" not in text, (name, text)
            if kind == "display":
                # A live output ends as the final line (a group's summary, without a glyph)
                # or empty, never as a frame.
                final = text[:1] in tuple("✔✖⚠ℹ") or text.startswith("Fetching  ")
                assert text == "" or final, (name, text)
