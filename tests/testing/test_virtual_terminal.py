"""twirly.testing.VirtualTerminal: a user's unchanged code draws on it; it gives back
everything it borrowed."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import pytest

import twirly
import twirly.testing
from twirly import terminal as terminals
from twirly.styles import get_style
from twirly.testing import VirtualTerminal

DOTS = get_style("dots").frames
FRAME = 0.08  # the dots style's interval


@pytest.fixture
def vt() -> Iterator[VirtualTerminal]:
    """The fixture the module's docstring shows."""
    with VirtualTerminal(columns=60, lines=10) as terminal:
        yield terminal


def test_public_names_are_pinned() -> None:
    assert twirly.testing.__all__ == ["Cursor", "VirtualTerminal"]


def test_a_spinner_on_the_default_stream_draws_on_it(vt: VirtualTerminal) -> None:
    with twirly.spinner("Working"):
        assert vt.lines[0] == f"{DOTS[0]} Working"
        assert not vt.cursor_visible
    assert vt.lines[0] == ""
    assert vt.cursor_visible
    assert vt.cursor == (0, 0)


def test_ok_leaves_its_line_and_the_cursor_below(vt: VirtualTerminal) -> None:
    with twirly.spinner("Counting") as sp:
        vt.advance(0.25)
        sp.ok("Counted")
    assert vt.screen_text == "✔ Counted"
    assert vt.cursor == (0, 1)
    assert (vt.cursor.column, vt.cursor.line) == (0, 1)
    assert vt.cursor_visible


def test_print_inside_goes_above_the_row(vt: VirtualTerminal) -> None:
    with twirly.spinner("Copying"):
        print("copied a.txt")
        print("copied b.txt", file=sys.stderr)
        vt.advance(FRAME)
        assert vt.lines[:3] == ["copied a.txt", "copied b.txt", f"{DOTS[1]} Copying"]
    assert vt.screen_text == "copied a.txt\ncopied b.txt"
    assert vt.output.startswith("\x1b[?25l")  # the bytes as written: the cursor hidden first


def test_logging_configured_inside_goes_above_the_row() -> None:
    logger = logging.getLogger("tests.vt")
    with VirtualTerminal() as vt:
        handler = logging.StreamHandler()  # (on sys.stderr: the virtual terminal's stream)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger.addHandler(handler)
        try:
            with twirly.spinner("Syncing"):
                logger.warning("slow mirror")
                vt.advance(FRAME)
                assert vt.lines[:2] == ["WARNING slow mirror", f"{DOTS[1]} Syncing"]
        finally:
            logger.removeHandler(handler)


def test_under_a_fixture_the_first_spinner_takes_the_streams_back_from_pytest(
    vt: VirtualTerminal,
) -> None:
    # pytest put its own sys.stdout in place after the fixture entered the terminal.
    assert sys.stdout is not vt.stream
    with twirly.spinner("Taking"):
        assert sys.stdout is not vt.stream  # (a proxy of it while the row is shown)
        print("inside")
        vt.advance(FRAME)
        assert vt.lines[:2] == ["inside", f"{DOTS[1]} Taking"]
    assert sys.stdout is vt.stream


def test_advance_draws_each_frame_due_and_nothing_else(vt: VirtualTerminal) -> None:
    with twirly.spinner("Waiting"):
        before = len(vt.writes)
        vt.advance(10 * FRAME)
        frames = vt.writes[before:]
        assert frames == [f"{DOTS[n % len(DOTS)]}\r" for n in range(1, 11)]
        assert vt.now == pytest.approx(10 * FRAME)
        vt.advance(FRAME / 2)  # no frame is due yet
        assert len(vt.writes) == before + 10


def test_the_same_code_draws_the_same_bytes_every_time() -> None:
    def run() -> str:
        with VirtualTerminal() as vt:
            with twirly.spinner("Again", timer=True) as sp:
                for n in range(7):
                    vt.advance(0.37)
                    sp.text = f"Again {n}"
            return vt.output

    assert run() == run()


def test_a_text_change_is_drawn_at_the_next_advance(vt: VirtualTerminal) -> None:
    threads = threading.active_count()
    with twirly.spinner("One") as sp:
        assert threading.active_count() == threads  # no clock of twirly's runs
        sp.text = "Two"
        assert vt.lines[0] == f"{DOTS[0]} One"  # no clock runs: nothing is drawn meanwhile
        vt.advance(0)
        assert vt.lines[0] == f"{DOTS[0]} Two"


def test_group_rows_and_the_summary(vt: VirtualTerminal) -> None:
    with twirly.group("Building") as g:
        libcore, docs = Future[None](), Future[None]()
        g.watch(libcore, title="libcore")
        g.watch(docs, title="docs")
        vt.advance(1.0)
        assert [line[2:] for line in vt.lines[:2]] == ["libcore (1s)", "docs (1s)"]
        assert {line[0] for line in vt.lines[:2]} < set(DOTS)
        assert re.fullmatch(r". Building  2 running · 0 done · 0 failed · 0:01", vt.lines[2])
        libcore.set_result(None)
        docs.set_exception(RuntimeError("2 broken links"))
        vt.advance(FRAME)
        assert vt.lines[0] == "✖ docs: RuntimeError: 2 broken links"
        assert re.fullmatch(r". Building  1 done · 1 failed · 0:01", vt.lines[1]), vt.lines
    assert vt.lines[:2] == [
        "✖ docs: RuntimeError: 2 broken links",
        "Building  1 done · 1 failed · 0:01",
    ]


def test_asyncio_spinner_with_the_manual_clock(vt: VirtualTerminal) -> None:
    async def work() -> None:
        async with twirly.spinner("Fetching") as sp:
            vt.advance(3 * FRAME)
            assert vt.lines[0] == f"{DOTS[3]} Fetching"
            sp.ok("Fetched")

    asyncio.run(work())
    assert vt.screen_text == "✔ Fetched"


def _run(driver: str, body: Callable[[], None]) -> None:
    """``body`` under a spinner's driver: in a coroutine for asyncio, else as it is."""
    if driver != "asyncio":
        body()
        return

    async def in_a_coroutine() -> None:
        body()

    asyncio.run(in_a_coroutine())


DRIVERS = ["thread", "asyncio", "process"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_show_after_waits_for_the_manual_clock_and_shows_nothing_for_quick_work(
    driver: str, vt: VirtualTerminal
) -> None:
    threads = threading.active_count()

    def quick() -> None:
        with twirly.spinner("Quick", driver=driver, show_after=0.2):  # type: ignore[arg-type]
            assert threading.active_count() == threads  # (no timer of real time waits)
            vt.advance(0.19)
        vt.advance(1.0)  # nor later

    _run(driver, quick)
    assert vt.output == ""
    assert vt.cursor_visible


@pytest.mark.parametrize("driver", DRIVERS)
def test_show_after_shows_slow_work_when_the_manual_clock_passes_it(
    driver: str, vt: VirtualTerminal
) -> None:
    def slow() -> None:
        with twirly.spinner(
            "Slow",
            driver=driver,
            show_after=0.2,
            timer=True,  # type: ignore[arg-type]
        ) as sp:
            vt.advance(0.19)
            assert vt.output == ""
            vt.advance(0.01 + 2.5 * FRAME)
            # Shown at 0.2, its own first frame then, then one frame per interval.
            assert vt.writes[1:] == [f"{DOTS[1]}\r", f"{DOTS[2]}\r"]
            assert vt.lines[0] == f"{DOTS[2]} Slow (0s)"
            vt.advance(0.6)  # a second since it started (not since it was shown)
            assert vt.lines[0].endswith(" Slow (1s)")
            assert sp.elapsed == pytest.approx(1.0)
            sp.ok()

    _run(driver, slow)
    assert vt.screen_text == "✔ Slow (1.0s)"


def test_show_after_in_one_advance_that_goes_past_it(vt: VirtualTerminal) -> None:
    with twirly.spinner("Slow", show_after=0.2):
        vt.advance(0.2 + 3 * FRAME)
        assert vt.writes[1:] == [f"{DOTS[n]}\r" for n in (1, 2, 3)]
    with twirly.spinner("Stopped first", show_after=0.2):
        pass
    vt.advance(1.0)
    assert "Stopped first" not in vt.output


def test_resize_fits_the_next_frame(vt: VirtualTerminal) -> None:
    with twirly.spinner("x" * 50):
        assert vt.lines[0] == f"{DOTS[0]} " + "x" * 50
        vt.resize(20, 5)
        assert vt.size == (20, 5)
        vt.advance(FRAME)
        assert len(vt.lines) == 5
        assert len(vt.lines[0]) < 20, vt.lines
        assert vt.lines[0].startswith(f"{DOTS[1]} xxx")


def test_lines_scrolled_off_the_top_are_kept_in_the_history() -> None:
    with VirtualTerminal(columns=40, lines=4) as vt, twirly.spinner("Scrolling"):
        for n in range(10):
            print(f"line {n}")
    assert vt.history == [f"line {n}" for n in range(7)]
    assert vt.lines == ["line 7", "line 8", "line 9", ""]
    assert vt.all_lines == [f"line {n}" for n in range(10)]


def test_declared_capabilities_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")  # (a real stream would not animate in CI)
    monkeypatch.setenv("TERM", "xterm-256color")  # (... and would show Unicode)
    with VirtualTerminal(unicode=False) as vt, twirly.spinner("Plain") as sp:
        assert sp.style.name == "ascii"
        assert vt.lines[0] == "\\ Plain"  # (the ASCII style)
        sp.ok("Done")
    assert vt.screen_text == "OK Done"


@pytest.mark.parametrize("term", ["dumb", "linux"])
def test_declared_unicode_whatever_term_says(term: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", term)  # (a real stream would get the ASCII style and symbols)
    monkeypatch.setenv("LANG", "C")
    with VirtualTerminal() as vt:
        with twirly.spinner("Fancy") as sp:
            assert sp.style.name == "dots"
            vt.advance(FRAME)
            assert vt.lines[0] == f"{DOTS[1]} Fancy"
            sp.ok("Done")
        with twirly.group("Group", show_after=0) as g, g.task("step"):
            vt.advance(FRAME)
            assert vt.lines[1:3] == [
                f"{DOTS[1]} step (0s)",
                f"{DOTS[1]} Group  1 running · 0 done · 0 failed · 0:00",
            ]
    assert vt.lines[0] == "✔ Done"


def test_spinners_and_groups_made_before_the_terminal_is_entered_show_what_it_declares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERM", "dumb")
    sp = twirly.spinner("Made early")
    early = twirly.group("Early group", show_after=0)
    assert sp.style.name == "ascii"  # (what the process's own stderr would show)
    with VirtualTerminal() as vt:
        with sp:
            assert sp.style.name == "dots"  # (the glyphs are chosen again on starting)
            assert vt.lines[0] == f"{DOTS[0]} Made early"
        with early as g, g.task("step"):
            vt.advance(FRAME)
            assert vt.lines[:2] == [
                f"{DOTS[1]} step (0s)",
                f"{DOTS[1]} Early group  1 running · 0 done · 0 failed · 0:00",
            ]


def test_off_a_terminal_spinners_print_plain_lines() -> None:
    with VirtualTerminal(tty=False) as vt:
        with twirly.spinner("Copying") as sp:
            print("copied a.txt")
            sp.ok("Copied")
        assert vt.screen_text == "Copying\ncopied a.txt\n✔ Copied"
        assert "\x1b" not in vt.output


def test_animate_false_prints_plain_lines_on_a_virtual_terminal_too(vt: VirtualTerminal) -> None:
    with twirly.spinner("Quiet", animate=False):
        pass
    assert vt.screen_text == "Quiet"
    assert "\x1b" not in vt.output


def test_real_time_turns_the_spinner_by_itself() -> None:
    with VirtualTerminal(clock="real") as vt:
        with twirly.spinner("Turning"):
            vt.wait_for(lambda vt: vt.lines[0].startswith(DOTS[2]), timeout=10)
        assert vt.screen_text == ""
    with pytest.raises(RuntimeError, match="clock='manual'"):
        vt.advance(1.0)


def test_wait_for_names_what_never_came() -> None:
    with VirtualTerminal() as vt:
        print("something else")
        with pytest.raises(TimeoutError, match="'never'\nsomething else"):
            vt.wait_for("never", timeout=0.05)


def test_a_thread_writing_wakes_wait_for() -> None:
    with VirtualTerminal(clock="real") as vt:
        writer = threading.Thread(target=print, args=("from a thread",))
        writer.start()
        vt.wait_for("from a thread")
        writer.join()


def _borrowed() -> tuple[object, ...]:
    return (
        sys.stdout,
        sys.stderr,
        dict(terminals._virtual),
        dict(terminals._terminals),
        threading.active_count(),
    )


def test_everything_is_put_back_after_an_exception() -> None:
    before = _borrowed()
    with pytest.raises(ZeroDivisionError), VirtualTerminal() as vt:
        sp = twirly.spinner("Left running")
        sp.start()  # (never stopped: the exception leaves it behind)
        assert sys.stdout is not before[0]
        1 / 0  # noqa: B018
    assert _borrowed() == before
    assert vt.screen_text == ""  # the row was erased
    assert vt.cursor_visible
    sp.stop()  # (later, harmless)


def test_everything_is_put_back_with_the_real_clock_too() -> None:
    before = _borrowed()
    with pytest.raises(KeyboardInterrupt), VirtualTerminal(clock="real") as vt:
        twirly.spinner("Left running").start()
        vt.wait_for(lambda vt: vt.lines[0].startswith(DOTS[1]), timeout=10)
        raise KeyboardInterrupt
    deadline_threads = before[4]
    assert _borrowed()[:4] == before[:4]
    assert threading.active_count() <= deadline_threads + 1  # (a clock thread may be ending)
    assert vt.cursor_visible


def test_a_virtual_terminal_is_used_once() -> None:
    vt = VirtualTerminal()
    with vt:
        pass
    with pytest.raises(RuntimeError, match="entered once"), vt:
        pass


def test_writes_after_leaving_go_nowhere() -> None:
    with VirtualTerminal() as vt:
        stream = sys.stdout
    stream.write("late\n")
    assert vt.output == ""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"columns": 0}, "columns must be a whole number >= 1, not 0"),
        ({"lines": 2.5}, "lines must be a whole number >= 1, not 2.5"),
        ({"clock": "fake"}, "clock must be 'manual' or 'real', not 'fake'"),
        ({"history": -1}, "history must be"),
    ],
)
def test_bad_arguments_are_named(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        VirtualTerminal(**options)  # type: ignore[arg-type]


@pytest.mark.timeout(10)  # (an advance to a time never reached once drew forever)
@pytest.mark.parametrize(
    "seconds", [float("nan"), float("inf"), -1, -0.5, pytest.param(10**400, id="10**400")]
)
def test_advance_refuses_a_time_the_clock_cannot_reach(vt: VirtualTerminal, seconds: float) -> None:
    with twirly.spinner("Waiting"):
        message = "seconds must be a finite number >= 0, not "
        with pytest.raises(ValueError, match=re.escape(message)):
            vt.advance(seconds)
        assert vt.now == 0.0
        vt.advance(FRAME)  # (the clock still works)
        assert vt.lines[0] == f"{DOTS[1]} Waiting"


@pytest.mark.parametrize(("seconds", "kind"), [("1", "str"), (None, "NoneType"), (True, "bool")])
def test_advance_wants_a_number(vt: VirtualTerminal, seconds: object, kind: str) -> None:
    with pytest.raises(TypeError, match=f"seconds must be a number of seconds, not {kind}"):
        vt.advance(seconds)  # type: ignore[arg-type]


@pytest.mark.timeout(10)  # (an infinite timeout once waited forever for what never came)
@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), -1])
def test_wait_for_refuses_a_timeout_that_never_ends(timeout: float) -> None:
    with VirtualTerminal(clock="real") as vt:
        message = "timeout must be a finite number >= 0, not "
        with pytest.raises(ValueError, match=re.escape(message)):
            vt.wait_for("never", timeout=timeout)
        with pytest.raises(TypeError, match="timeout must be a number of seconds, not NoneType"):
            vt.wait_for("never", timeout=None)  # type: ignore[arg-type]


def test_wait_for_wants_text_or_a_function() -> None:
    with VirtualTerminal(clock="real") as vt:
        message = "expected must be a str or a function of the terminal, not int"
        with pytest.raises(TypeError, match=message):
            vt.wait_for(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((float("nan"), 10), "columns must be a whole number >= 1, not nan"),
        ((40, float("inf")), "lines must be a whole number >= 1, not inf"),
        ((True, 10), "columns must be a whole number >= 1, not True"),
        ((40, 0), "lines must be a whole number >= 1, not 0"),
    ],
)
def test_sizes_must_be_whole_numbers(size: tuple[object, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        VirtualTerminal(*size)  # type: ignore[arg-type]
    with VirtualTerminal() as vt, pytest.raises(ValueError, match=re.escape(message)):
        vt.resize(*size)  # type: ignore[arg-type]
    assert vt.size == (80, 24)


def test_unicode_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="unicode must be True or False"):
        VirtualTerminal(unicode="yes")  # type: ignore[arg-type]


def test_without_pyte_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyte", None)  # (import pyte raises ImportError)
    with pytest.raises(ImportError, match=re.escape("pip install 'twirly[testing]'")):
        VirtualTerminal()


def test_screens_replays_every_screen_in_order(vt: VirtualTerminal) -> None:
    with twirly.spinner("Step") as sp:
        vt.advance(FRAME)
        vt.resize(30, 4)
        sp.text = "Step two"
        vt.advance(0)
        sp.ok("Stepped")
    screens = list(vt.screens())
    assert len(screens) == len(vt.writes)
    tops = [lines[0] for lines in screens]
    assert tops == [f"{DOTS[0]} Step", f"{DOTS[1]} Step", f"{DOTS[1]} Step two", "✔ Stepped"]
    assert [len(lines) for lines in screens] == [10, 10, 4, 4]  # (the fixture: 10 lines)
    assert screens[-1] == vt.lines


@pytest.mark.parametrize("color", [True, False])
def test_colour_is_what_the_terminal_declares(color: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # The environment, ignored: no colour where the terminal declares colour, true colour
    # where it declares none.
    monkeypatch.setenv("NO_COLOR" if color else "FORCE_COLOR", "1")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.setenv("TERM", "xterm-256color")
    with VirtualTerminal(color=color) as vt, twirly.spinner("Tinted", color="cyan"):
        glyph, text = vt.screen.buffer[0][0], vt.screen.buffer[0][2]
        assert (glyph.data, text.data) == (DOTS[0], "T")
        assert glyph.fg == ("cyan" if color else "default")
        assert text.fg == "default"


@pytest.mark.parametrize(
    "env",
    [{"COLORTERM": "truecolor"}, {"TERM": "xterm-256color"}, {"FORCE_COLOR": "3"}],
    ids=["COLORTERM=truecolor", "TERM=xterm-256color", "FORCE_COLOR=3"],
)
def test_colour_comes_in_the_16_colours_declared_whatever_the_environment_says(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with VirtualTerminal(color=True) as vt:
        for color in (208, "#ff8700"):
            with twirly.spinner("Orange", color=color):
                assert vt.screen.buffer[0][0].fg == "brown"  # (pyte's name for SGR 33)
    assert "\x1b[38;" not in vt.output  # (no 256-colour or RGB sequence)


def test_a_virtual_terminal_inside_another() -> None:
    with VirtualTerminal() as outer:
        print("outer")
        with VirtualTerminal(columns=40, lines=5) as inner, twirly.spinner("Inner") as sp:
            sp.ok("Inner done")
        assert sys.stdout is outer.stream
        with twirly.spinner("Outer") as sp:
            sp.ok("Outer done")
    assert inner.screen_text == "✔ Inner done"
    assert outer.screen_text == "outer\n✔ Outer done"
    assert repr(inner) == "<VirtualTerminal 40x5 clock=manual tty=True>"
