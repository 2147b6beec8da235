"""The public API, used in-process: arguments, life cycle, decorators, asyncio semantics."""

from __future__ import annotations

import asyncio
import inspect
import io
import threading

import pytest

import twirly
from twirly.styles import ASCII_STYLE, get_style, style_names


class Recorder(io.StringIO):
    """A stream that is not a terminal, with an encoding like a real one."""

    def __init__(self, encoding: str = "utf-8") -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


def test_public_names_are_pinned() -> None:
    assert sorted(twirly.__all__) == [
        "Group",
        "Spinner",
        "Style",
        "TaskGroup",
        "TaskRow",
        "__version__",
        "current",
        "group",
        "spin",
        "spinner",
        "step",
        "style_names",
        "track",
    ]
    for name in twirly.__all__:
        assert getattr(twirly, name) is not None
    assert twirly.spinner is twirly.Spinner
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = twirly.nope  # type: ignore[attr-defined]


def test_off_a_terminal_text_once_then_final_line_once() -> None:
    out = Recorder()
    with twirly.spinner("thinking!", stream=out) as sp:
        sp.text = "almost there"
        sp.write("a log line")
        sp.ok("done")
    assert out.getvalue() == "thinking!\na log line\n✔ done\n"


def test_leaving_normally_without_a_status_prints_nothing_more() -> None:
    out = Recorder()
    with twirly.spinner("thinking!", stream=out):
        pass
    assert out.getvalue() == "thinking!\n"


@pytest.mark.parametrize(
    ("method", "symbol"), [("ok", "✔"), ("fail", "✖"), ("warn", "⚠"), ("info", "ℹ")]
)
def test_final_symbols(method: str, symbol: str) -> None:
    out = Recorder()
    sp = twirly.spinner("task", stream=out).start()
    getattr(sp, method)()
    assert out.getvalue().splitlines()[-1] == f"{symbol} task"


def test_ascii_fallbacks_for_a_stream_that_cannot_show_unicode() -> None:
    out = Recorder("ascii")
    sp = twirly.spinner("task", stream=out)
    assert sp.style == ASCII_STYLE
    assert sp.style.frames == ("\\", "|", "/", "-")
    with sp:
        sp.fail("oops")
    assert out.getvalue().splitlines()[-1] == "FAIL oops"


def test_an_exception_marks_the_spinner_failed_and_propagates_untouched() -> None:
    out = Recorder()
    error = ValueError("boom")
    with pytest.raises(ValueError, match="boom") as caught, twirly.spinner("work", stream=out):
        raise error
    assert caught.value is error
    assert out.getvalue().splitlines()[-1] == "✖ work"


def test_a_status_set_inside_the_block_is_kept_when_an_exception_escapes() -> None:
    out = Recorder()
    with pytest.raises(KeyError), twirly.spinner("work", stream=out) as sp:
        sp.warn("half done")
        raise KeyError("x")
    assert out.getvalue().splitlines()[-1] == "⚠ half done"


def test_stop_is_idempotent_and_start_returns_the_spinner() -> None:
    out = Recorder()
    sp = twirly.spinner("x", stream=out)
    assert sp.start() is sp
    sp.stop()
    sp.stop()
    assert not sp.running


def test_thread_driver_leaves_no_thread_behind() -> None:
    before = threading.active_count()
    sp = twirly.spinner("x", stream=Recorder(), animate=True, driver="thread").start()
    assert threading.active_count() == before + 1
    sp.stop()
    assert threading.active_count() == before


def test_animating_on_a_non_tty_stream_when_told() -> None:
    out = Recorder()
    sp = twirly.spinner("x", stream=out, animate=True, driver="thread").start()
    sp.stop()
    assert out.getvalue().startswith("\x1b[?25l\x1b[?7l⠋ x\r")  # cursor hidden, no wrap
    assert out.getvalue().endswith("\x1b[?7h\x1b[?25h")  # both given back


def test_decorated_functions_keep_name_docstring_and_signature() -> None:
    out = Recorder()

    @twirly.spinner("loading", stream=out)
    def load(path: str, *, retries: int = 3) -> str:
        """Load a thing."""
        return path * retries

    @twirly.spinner("fetching", stream=out)
    async def fetch(url: str) -> str:
        """Fetch a thing."""
        return url

    assert load.__name__ == "load"
    assert load.__doc__ == "Load a thing."
    assert list(inspect.signature(load).parameters) == ["path", "retries"]
    assert inspect.signature(load) == inspect.signature(load.__wrapped__)  # type: ignore[attr-defined]
    assert inspect.iscoroutinefunction(fetch)
    assert fetch.__name__ == "fetch"
    assert inspect.signature(fetch) == inspect.signature(fetch.__wrapped__)  # type: ignore[attr-defined]
    assert load("ab", retries=2) == "abab"
    assert load("c") == "ccc"  # a fresh spinner on every call
    assert asyncio.run(fetch("u")) == "u"
    assert out.getvalue() == "loading\nloading\nfetching\n"


def test_spin_returns_the_result_and_marks_ok() -> None:
    out = Recorder()

    async def slow() -> int:
        await asyncio.sleep(0)
        return 42

    assert asyncio.run(twirly.spin(slow(), "thinking!", stream=out)) == 42
    assert out.getvalue() == "thinking!\n✔ thinking!\n"


def test_spin_marks_failure_and_reraises() -> None:
    out = Recorder()

    async def broken() -> None:
        raise RuntimeError("nope")

    with pytest.raises(RuntimeError, match="nope"):
        asyncio.run(twirly.spin(broken(), "trying", stream=out))
    assert out.getvalue() == "trying\n✖ trying\n"


# -- asyncio semantics --------------------------------------------------------------------


def _animated() -> twirly.Spinner:
    return twirly.spinner("x", stream=Recorder(), animate=True)


def test_async_with_runs_a_task_on_the_running_loop_and_leaves_nothing_pending() -> None:
    async def main() -> None:
        async with _animated() as sp:
            names = {task.get_name() for task in asyncio.all_tasks()}
            assert "twirly-spinner" in names
            assert sp.driver == "asyncio"
            await asyncio.sleep(0.01)
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())


def test_asyncio_timeout_behaves_as_without_the_spinner() -> None:
    async def main() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.02), _animated():
                await asyncio.sleep(10)
        assert asyncio.all_tasks() == {asyncio.current_task()}
        assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]

    asyncio.run(main())


def test_task_cancel_is_never_swallowed() -> None:
    async def worker() -> None:
        async with _animated():
            await asyncio.sleep(10)

    async def main() -> None:
        task = asyncio.create_task(worker())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())


def test_task_group_sees_the_original_error() -> None:
    async def failing() -> None:
        async with _animated():
            await asyncio.sleep(0.01)
            raise ValueError("in group")

    async def sleeper() -> None:
        async with _animated():
            await asyncio.sleep(10)

    async def main() -> None:
        with pytest.raises(ExceptionGroup) as caught:
            async with asyncio.TaskGroup() as group:
                group.create_task(failing())
                group.create_task(sleeper())
        assert [type(e) for e in caught.value.exceptions] == [ValueError]
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())


def _only_the_caller_is_left() -> None:
    assert asyncio.all_tasks() == {asyncio.current_task()}


@pytest.mark.parametrize("ending", ["ok", "fail", "warn", "info", "stop"])
def test_async_with_leaves_nothing_pending_when_the_spinner_is_finished_inside(
    ending: str,
) -> None:
    async def main() -> None:
        async with _animated() as sp:
            await asyncio.sleep(0.01)
            getattr(sp, ending)()
        _only_the_caller_is_left()
        assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]

    asyncio.run(main())


def test_spin_leaves_nothing_pending() -> None:
    async def work() -> int:
        await asyncio.sleep(0.01)
        return 7

    async def main() -> None:
        assert await twirly.spin(work(), "x", stream=Recorder(), animate=True) == 7
        _only_the_caller_is_left()

        async def broken() -> None:
            await asyncio.sleep(0.01)
            raise ValueError("no")

        with pytest.raises(ValueError, match="no"):
            await twirly.spin(broken(), "x", stream=Recorder(), animate=True)
        _only_the_caller_is_left()

    asyncio.run(main())


def test_async_with_leaves_nothing_pending_after_an_exception_inside_a_finished_spinner() -> None:
    async def main() -> None:
        with pytest.raises(KeyError):
            async with _animated() as sp:
                await asyncio.sleep(0.01)
                sp.warn()
                raise KeyError("late")
        _only_the_caller_is_left()

    asyncio.run(main())


def test_timeout_after_ok_inside_behaves_as_without_the_spinner() -> None:
    async def main() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.02), _animated() as sp:
                sp.ok()
                await asyncio.sleep(10)
        _only_the_caller_is_left()
        assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]

    asyncio.run(main())


def test_a_cancel_arriving_while_the_spinner_ends_is_delivered_and_nothing_is_left() -> None:
    # The cancellation is requested inside the block and lands on the first await after it,
    # which is the spinner's own wait for its Task: it must still reach the caller, once, and
    # the spinner's Task must be gone by then.
    seen: list[int] = []

    async def worker() -> None:
        async with _animated() as sp:
            await asyncio.sleep(0.01)
            sp.ok()
            asyncio.current_task().cancel()  # type: ignore[union-attr]
        seen.append(1)  # never reached: the cancellation is raised at the block's end

    async def main() -> None:
        task = asyncio.create_task(worker())
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        assert seen == []
        _only_the_caller_is_left()

    asyncio.run(main())


def test_driver_none_picks_thread_outside_and_asyncio_inside_a_loop() -> None:
    sp = twirly.spinner("x", stream=Recorder(), animate=True).start()
    assert sp.driver == "thread"
    sp.stop()

    async def main() -> str | None:
        inner = twirly.spinner("x", stream=Recorder(), animate=True).start()
        inner.stop()
        return inner.driver

    assert asyncio.run(main()) == "asyncio"


def test_asyncio_driver_without_a_loop_is_a_clear_error_before_drawing() -> None:
    out = Recorder()
    with pytest.raises(RuntimeError, match="running event loop"):
        twirly.spinner("x", stream=out, driver="asyncio").start()
    assert out.getvalue() == ""


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "names"),
    [
        ({"text": None}, TypeError, "text"),
        ({"text": b"bytes"}, TypeError, "text"),
        ({"text": 42}, TypeError, "text"),
        ({"style": "dotz"}, ValueError, "did you mean 'dots'"),
        ({"style": 3}, TypeError, "style"),
        ({"driver": "fiber"}, ValueError, "driver"),
        ({"stream": 5}, TypeError, "stream"),
        ({"timer": "yes"}, TypeError, "timer"),
        ({"animate": "no"}, TypeError, "animate"),
    ],
)
def test_bad_arguments_fail_at_construction_naming_the_argument(
    kwargs: dict[str, object], error: type[Exception], names: str
) -> None:
    text = kwargs.pop("text", "ok")
    with pytest.raises(error, match=names):
        twirly.spinner(text, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("frames", "interval", "error", "names"),
    [
        ([], 0.1, ValueError, "frames"),
        (["a", ""], 0.1, ValueError, "frames"),
        ([1, 2], 0.1, TypeError, "frames"),
        (b"ab", 0.1, TypeError, "frames"),
        (["\x1b[2J"], 0.1, ValueError, "frames"),
        (["-"], 0, ValueError, "interval"),
        (["-"], -1, ValueError, "interval"),
        (["-"], float("nan"), ValueError, "interval"),
        (["-"], float("inf"), ValueError, "interval"),
        (["-"], "fast", TypeError, "interval"),
        (["-"], True, TypeError, "interval"),
    ],
)
def test_bad_styles_fail_naming_the_argument(
    frames: object, interval: object, error: type[Exception], names: str
) -> None:
    with pytest.raises(error, match=names):
        twirly.Style(frames, interval)  # type: ignore[arg-type]


def test_text_must_stay_a_string() -> None:
    sp = twirly.spinner("x", stream=Recorder())
    with pytest.raises(TypeError, match="text must be str"):
        sp.text = None  # type: ignore[assignment]
    with pytest.raises(TypeError, match="text must be str"):
        sp.write(b"x")  # type: ignore[arg-type]


# -- styles -------------------------------------------------------------------------------


def test_catalogue_has_the_cli_spinners_styles_with_padded_frames() -> None:
    names = style_names()
    assert len(names) >= 90
    assert {"dots", "line", "moon", "earth", "weather", "ascii"} <= set(names)
    weather = get_style("weather")
    widths = {len(frame.encode("utf-16-le")) for frame in weather.frames}
    assert weather.width == 3
    assert len(widths) >= 1
    from twirly.render import display_width

    assert {display_width(frame) for frame in weather.frames} == {3}


def test_default_style_is_dots_and_custom_styles_work() -> None:
    sp = twirly.spinner("x", stream=Recorder())
    assert sp.style.name == "dots"
    assert sp.style.interval == pytest.approx(0.08)
    custom = twirly.Style(frames=["-", "+"], interval=0.1)
    assert twirly.spinner("x", style=custom, stream=Recorder()).style is custom
