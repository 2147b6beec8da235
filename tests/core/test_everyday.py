"""What peers' users reach for first: colour, prefix and suffix, a style changed while
spinning, pause and hidden, quiet, show_after — on the block, on a terminal in memory with
a clock the test moves, and end to end in real pseudo-terminals."""

from __future__ import annotations

import io
import sys
import textwrap
import threading
import time
from pathlib import Path

import pyte
import pytest

import twirly
from tests.support.ptyrun import PtyProcess, clean_env
from twirly.block import Block
from twirly.colors import Color, color_depth, parse_color
from twirly.output import Memory
from twirly.state import Capabilities, Row
from twirly.styles import get_style
from twirly.terminal import Terminal

DOTS = get_style("dots")


# -- colours ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "depth", "sgr"),
    [
        ("cyan", 16, "\x1b[36m"),
        ("bright_red", 16, "\x1b[91m"),
        ("Bright-Red", 16, "\x1b[91m"),
        ("gray", 256, "\x1b[90m"),
        (208, 256, "\x1b[38;5;208m"),
        (208, 16, "\x1b[33m"),  # orange: the nearest of the 16 is (dark) yellow
        ("#ff8700", 1 << 24, "\x1b[38;2;255;135;0m"),
        ("#ff8700", 256, "\x1b[38;5;208m"),
        ("#0f0", 16, "\x1b[92m"),
        ("#808080", 256, "\x1b[38;5;244m"),
    ],
)
def test_a_colour_is_written_with_the_colours_the_terminal_has(
    given: str | int, depth: int, sgr: str
) -> None:
    assert parse_color(given).sgr(depth) == sgr


@pytest.mark.parametrize(
    ("env", "depth"),
    [
        ({"TERM": "xterm"}, 16),
        ({"TERM": "xterm-256color"}, 256),
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, 1 << 24),
        ({"TERM": "xterm-direct"}, 1 << 24),
        ({"TERM": "xterm-256color", "FORCE_COLOR": "1"}, 16),
        ({"TERM": "dumb", "FORCE_COLOR": "3"}, 1 << 24),
    ],
)
def test_the_colour_depth_is_what_the_terminal_declares(env: dict[str, str], depth: int) -> None:
    assert color_depth(env) == depth


def test_an_unknown_colour_name_is_an_error_naming_the_argument_with_close_names() -> None:
    with pytest.raises(ValueError, match=r"color: unknown colour 'cyna'; did you mean 'cyan'"):
        twirly.spinner("x", color="cyna")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (True, TypeError),
        (1.5, TypeError),
        (["red"], TypeError),
        (256, ValueError),
        (-1, ValueError),
        ("#12345", ValueError),
        ("#gggggg", ValueError),
        ("", ValueError),
    ],
)
def test_a_bad_colour_fails_at_construction(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="color"):
        twirly.spinner("x", color=value)  # type: ignore[arg-type]


def test_colours_compare_by_what_they_show() -> None:
    assert parse_color("#00cdcd") == Color("x", index=None, rgb=(0, 205, 205))
    assert parse_color(6) == parse_color("cyan")


# -- the block: prefix, suffix, colour, a new style --------------------------------------------


def _screen(columns: int = 40, lines: int = 5) -> tuple[pyte.Screen, pyte.Stream]:
    screen = pyte.Screen(columns, lines)
    return screen, pyte.Stream(screen)


def _row(text: str, *, prefix: str = "", suffix: str = "", color: str = "") -> Row:
    row = Row(text, DOTS.frames, DOTS.width, DOTS.interval, 0.0, ident=1)
    row.prefix, row.prefix_width, row.suffix, row.color = prefix, len(prefix), suffix, color
    return row


def test_prefix_before_the_glyph_and_suffix_after_the_text() -> None:
    screen, stream = _screen()
    block = Block(unicode=True)
    stream.feed(block.add(_row("loading", prefix="[db]", suffix="(3 left)"), 0.0, 40))
    assert screen.display[0].rstrip() == "[db] ⠋ loading (3 left)"


def test_the_suffix_is_kept_when_the_text_is_cut() -> None:
    screen, stream = _screen(columns=30)
    block = Block(unicode=True)
    stream.feed(block.add(_row("a very long text " * 4, suffix="[42%]"), 0.0, 30))
    line = screen.display[0].rstrip()
    assert line.endswith("… [42%]"), line
    assert len(line) <= 29


def test_a_frame_steps_over_an_unchanged_prefix() -> None:
    screen, stream = _screen()
    block = Block(unicode=True)
    stream.feed(block.add(_row("work", prefix="[database]"), 0.0, 40))
    frame = block.frame(DOTS.interval, 40)
    assert frame == "\x1b[11C⠙\r"  # past "[database] ", then only the glyph
    stream.feed(frame)
    assert screen.display[0].rstrip() == "[database] ⠙ work"


def test_a_coloured_glyph_is_coloured_alone() -> None:
    screen, stream = _screen()
    block = Block(unicode=True)
    stream.feed(block.add(_row("work", color="\x1b[36m"), 0.0, 40))
    assert screen.buffer[0][0].fg == "cyan"
    assert screen.buffer[0][2].fg == "default"  # the text keeps the terminal's colour
    frame = block.frame(DOTS.interval, 40)
    assert frame == "\x1b[36m⠙\x1b[39m\r"


def test_a_new_style_while_spinning_redraws_the_row_where_its_text_moves() -> None:
    screen, stream = _screen()
    block = Block(unicode=True)
    row = _row("moving text")
    stream.feed(block.add(row, 0.0, 40))
    wide = get_style("arc")  # another width would do; the text must follow the glyph
    stars = twirly.Style(["<*>", "<+>"], 0.1)
    row.interval, row.frame_width, row.frames = stars.interval, stars.width, stars.frames
    stream.feed(block.frame(0.1, 40))
    assert screen.display[0].rstrip() == "<+> moving text"
    row.interval, row.frame_width, row.frames = wide.interval, wide.width, wide.frames
    stream.feed(block.frame(0.2, 40))
    assert screen.display[0].rstrip() in {f"{frame} moving text" for frame in wide.frames}


def test_a_style_changed_from_another_thread_never_breaks_a_frame() -> None:
    # The frames are read once per frame: a shorter tuple swapped in meanwhile is never
    # indexed with the longer one's position.
    block = Block(unicode=True)
    row = _row("race")
    block.add(row, 0.0, 40)
    long, short = twirly.Style([str(n) for n in range(10)], 0.01), twirly.Style(["a"], 0.01)
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            for style in (long, short):
                row.frames = style.frames

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        for n in range(20_000):
            block.frame(n * 0.01, 40)
    finally:
        stop.set()
        swapper.join()


# -- a terminal in memory: pause and resume ---------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _terminal() -> tuple[Terminal, pyte.Screen, _Clock]:
    screen, stream = _screen(40, 6)
    clock = _Clock()
    output = Memory(40, 6, feed=stream.feed)
    caps = Capabilities(animate=True, color=False, unicode=True)
    return Terminal(io.StringIO(), caps, clock=clock, output=output), screen, clock


def test_a_paused_terminal_shows_no_rows_and_the_cursor_until_resumed() -> None:
    terminal, screen, clock = _terminal()
    row = _row("busy")
    terminal.attach(row)
    assert screen.display[0].startswith("⠋ busy")
    assert screen.cursor.hidden
    terminal.pause()
    terminal.pause()  # (two pauses: two resumes)
    assert screen.display[0].strip() == ""
    assert not screen.cursor.hidden
    terminal.write_lines(["while paused"])
    clock.now += 1
    terminal.tick()
    assert "busy" not in "\n".join(screen.display)
    terminal.resume()
    terminal.tick()
    assert "busy" not in "\n".join(screen.display)
    terminal.resume()
    assert [line.rstrip()[1:] for line in screen.display[:2]] == ["hile paused", " busy"]
    assert screen.cursor.hidden
    terminal.detach(row, None)
    assert not screen.cursor.hidden


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "name"),
    [
        ({"show_after": -1}, ValueError, "show_after"),
        ({"show_after": "1"}, TypeError, "show_after"),
        ({"show_after": float("nan")}, ValueError, "show_after"),
        ({"show_after": True}, TypeError, "show_after"),
        ({"prefix": 3}, TypeError, "prefix"),
        ({"suffix": None}, TypeError, "suffix"),
        ({"prefix": "two\nlines"}, ValueError, "prefix"),
        ({"quiet": 1}, TypeError, "quiet"),
        ({"quiet": "yes"}, TypeError, "quiet"),
    ],
)
def test_bad_new_arguments_fail_at_construction_naming_the_argument(
    options: dict[str, object], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        twirly.spinner("x", **options)  # type: ignore[arg-type]


def test_the_new_settings_read_back() -> None:
    sp = twirly.spinner("x", color="cyan", prefix="[a]", suffix="b", quiet=True)
    assert sp.color == parse_color("cyan")
    assert (sp.prefix, sp.suffix, sp.quiet) == ("[a]", "b", True)
    sp.style = "line"
    assert sp.style.name == "line"
    sp.color = None
    assert sp.color is None
    with pytest.raises(ValueError, match="nosuchstyle"):
        sp.style = "nosuchstyle"


# -- end to end, in real pseudo-terminals -----------------------------------------------------
# The programs wait for the test by files appearing in a directory (typing would be echoed by
# the terminal), polled with sleeps that let an asyncio loop turn.

_PREAMBLE = """\
import asyncio, os, sys, time, twirly
HERE = sys.argv[1]
def wait(name):
    while not os.path.exists(os.path.join(HERE, name)):
        time.sleep(0.01)
async def await_(name):
    while not os.path.exists(os.path.join(HERE, name)):
        await asyncio.sleep(0.01)
"""


def _wrap(body: str, driver: str = "thread") -> str:
    """``body`` as main()'s (a coroutine for the asyncio driver, where ``{with}`` is ``async
    with`` and ``{wait}`` awaits)."""
    asynchronous = driver == "asyncio"
    body = textwrap.dedent(body).format(
        driver=driver,
        enter="async with" if asynchronous else "with",
        wait="await await_" if asynchronous else "wait",
    )
    body = textwrap.indent(body, "    ")
    if asynchronous:
        return f"{_PREAMBLE}async def main():\n{body}asyncio.run(main())\n"
    return f"{_PREAMBLE}def main():\n{body}main()\n"


class _Run:
    def __init__(self, body: str, here: Path, driver: str = "thread", **env: str) -> None:
        self.here = here
        code = _wrap(body, driver)
        self.p = PtyProcess([sys.executable, "-c", code, str(here)], env=clean_env(env))

    def go(self, name: str) -> None:
        (self.here / name).touch()

    def __enter__(self) -> PtyProcess:
        return self.p

    def __exit__(self, *exc: object) -> None:
        self.p.close()


def test_colour_prefix_and_suffix_on_a_real_terminal(tmp_path: Path) -> None:
    body = """\
        with twirly.spinner("loading", color="#00ffff", prefix="[db]", suffix="(2 left)") as sp:
            print("READY", flush=True)
            wait("one")
            sp.style = "line"
            sp.color = "red"
            print("CHANGED", flush=True)
            wait("two")
            sp.ok("loaded")
    """
    run = _Run(body, tmp_path, COLORTERM="truecolor")
    with run as p:
        p.read_until("READY")
        p.read_until("(2 left)")
        assert "\x1b[38;2;0;255;255m" in p.output.decode()
        assert "[db] ⠋ loading (2 left)" in p.screen().text_lines
        run.go("one")
        p.read_until("CHANGED")
        p.read_until(b"\x1b[31m")
        (line,) = [line for line in p.screen().text_lines if "loading" in line]
        assert line[5] in get_style("line").frames, line
        assert line.startswith("[db] "), line
        assert line.endswith(" loading (2 left)"), line
        run.go("two")
        assert p.wait() == 0
    assert "[db] ✔ loaded (2 left)" in p.screen().text_lines


def test_no_colour_with_no_color(tmp_path: Path) -> None:
    body = """\
        with twirly.spinner("plain", color="cyan"):
            print("READY", flush=True)
            time.sleep(0.3)
    """
    with _Run(body, tmp_path, NO_COLOR="1") as p:
        assert p.wait() == 0
    assert b"plain" in p.output
    assert b"\x1b[36m" not in p.output


@pytest.mark.parametrize("driver", ["thread", "asyncio", "process"])
def test_show_after_writes_nothing_for_work_that_ends_sooner(driver: str, tmp_path: Path) -> None:
    body = """\
        print("BEFORE", flush=True)
        {enter} twirly.spinner("quick", driver={driver!r}, show_after=5):
            pass
        print("AFTER", flush=True)
    """
    with _Run(body, tmp_path, driver) as p:
        assert p.wait() == 0
    assert p.output.decode() == "BEFORE\r\nAFTER\r\n"


@pytest.mark.parametrize("driver", ["thread", "asyncio", "process"])
def test_show_after_shows_work_that_goes_on(driver: str, tmp_path: Path) -> None:
    body = """\
        {enter} twirly.spinner("slow work", driver={driver!r}, show_after=0.05) as sp:
            print("READY", flush=True)
            {wait}("done")
            sp.ok()
    """
    run = _Run(body, tmp_path, driver)
    with run as p:
        p.read_until("READY")
        p.read_until("slow work")  # (drawn once the delay has passed)
        run.go("done")
        assert p.wait() == 0
    assert "✔ slow work" in p.screen().text_lines


def test_show_after_off_a_terminal_prints_nothing_for_work_that_ends_sooner() -> None:
    stream = io.StringIO()
    with twirly.spinner("quick", stream=stream, show_after=5):
        pass
    assert stream.getvalue() == ""
    with twirly.spinner("quick", stream=stream, show_after=5) as sp:
        sp.ok("done anyway")  # (a final line asked for is written)
    assert stream.getvalue() == "OK done anyway\n"


def test_quiet_writes_no_byte_to_any_stream(tmp_path: Path) -> None:
    body = """\
        print("BEFORE", flush=True)
        with twirly.spinner("a", quiet=True) as sp:
            sp.text = "b"
        with twirly.spinner("c", quiet=True) as sp:
            sp.ok("done")
        try:
            with twirly.spinner("d", quiet=True, timer=True):
                raise RuntimeError("x")
        except RuntimeError:
            pass
        twirly.spinner("e", quiet=True).fail()
        print("AFTER", flush=True)
    """
    with _Run(body, tmp_path) as p:
        assert p.wait() == 0
    assert p.output.decode() == "BEFORE\r\nAFTER\r\n"


def test_twirly_quiet_in_the_environment_silences_every_spinner(tmp_path: Path) -> None:
    body = """\
        with twirly.spinner("a") as sp:
            sp.ok("done")
        print("AFTER", flush=True)
    """
    with _Run(body, tmp_path, TWIRLY_QUIET="1") as p:
        assert p.wait() == 0
    assert p.output.decode() == "AFTER\r\n"


@pytest.mark.parametrize("driver", ["thread", "asyncio", "process"])
def test_hidden_erases_the_rows_and_shows_the_cursor_then_draws_them_again(
    driver: str, tmp_path: Path
) -> None:
    body = """\
        {enter} twirly.spinner("behind", driver={driver!r}) as sp:
            print("READY", flush=True)
            {wait}("hide")
            with sp.hidden():
                print("HIDDEN", flush=True)
                {wait}("show")
            print("SHOWN", flush=True)
            {wait}("end")
    """
    run = _Run(body, tmp_path, driver)
    with run as p:
        p.read_until("READY")
        p.read_until("behind")
        assert not p.screen().cursor_visible
        run.go("hide")
        p.read_until("HIDDEN")
        screen = p.screen()
        assert screen.text_lines[:2] == ["READY", "HIDDEN"], screen.text
        assert "behind" not in screen.text, screen.text
        assert screen.cursor_visible
        run.go("show")
        p.read_until("SHOWN")
        deadline = time.monotonic() + 10
        while not p.screen().text_lines[3].endswith(" behind"):
            assert time.monotonic() < deadline, p.screen().text
            p.read_for(0.02)
        lines = p.screen().text_lines
        assert lines[:3] == ["READY", "HIDDEN", "SHOWN"]
        assert lines[3].endswith(" behind")
        assert not p.screen().cursor_visible
        run.go("end")
        assert p.wait() == 0
    assert p.screen().cursor_visible
    assert "behind" not in p.screen().text


def test_a_quiet_group_writes_no_byte(tmp_path: Path) -> None:
    body = """\
        import concurrent.futures
        print("BEFORE", flush=True)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            with twirly.group("Work", show_after=0) as g:
                list(g.map(pool, abs, range(50)))
                g.submit(pool, int, "x")
        print("AFTER", flush=True)
    """
    with _Run(body, tmp_path, TWIRLY_QUIET="1") as p:
        assert p.wait() == 0
    assert p.output.decode() == "BEFORE\r\nAFTER\r\n"
    with pytest.raises(TypeError, match="quiet"):
        twirly.group("x", quiet="no")  # type: ignore[arg-type]
