"""The facade: :class:`Spinner` as a context manager (sync and async), decorator and object.

A spinner is a :class:`~twirly.state.Row` on a :class:`~twirly.terminal.Terminal`, ticked by a
clock from :mod:`twirly.drivers`. (The module is private because ``twirly.spinner`` is the
public name of the class, and a submodule of that name would shadow it.) Everything here is
about life cycle and arguments; what is drawn is decided by the block, and only the terminal
writes.
"""

from __future__ import annotations

import _thread
import sys

from twirly.drivers import DRIVERS
from twirly.render import split_lines
from twirly.state import Row
from twirly.styles import ASCII_STYLE, DEFAULT_STYLE, MIN_INTERVAL, Style, get_style
from twirly.terminal import Terminal, quiet_from_env, shows_unicode, terminal_for

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterable, Awaitable, Callable, Coroutine, Iterable
    from types import TracebackType
    from typing import Any, Literal, TextIO, TypeVar, overload

    from twirly._track import Tracked
    from twirly.colors import Color, ColorSpec
    from twirly.drivers import Clock, DriverName
    from twirly.state import Status
    from twirly.watchdog import Record

    T = TypeVar("T")
    F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["Spinner", "spin"]

_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE, without importing inspect


def _check_text(value: object, name: str = "text") -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    return value


def _check_affix(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    if "\n" in value or "\r" in value:
        raise ValueError(f"{name} must be one line, not {value!r}")
    return value


def _check_delay(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not 0 <= value < float("inf"):  # (also refuses NaN)
        raise ValueError(f"{name} must be a number of seconds >= 0, not {value!r}")
    return float(value)


def _check_style(style: object) -> Style:
    """The style asked for: a :class:`Style`, or the one a name stands for."""
    if isinstance(style, Style):
        return style
    if isinstance(style, str):
        return get_style(style)
    raise TypeError(f"style must be a style name or a twirly.Style, not {type(style).__name__}")


def _fit_style(style: Style, unicode: bool, encoding: str) -> Style:
    """``style`` where its frames can be shown (Unicode allowed, every frame encodable in
    ``encoding``), else the ASCII style."""
    if style.is_ascii or (unicode and style.can_encode(encoding)):
        return style
    return ASCII_STYLE


def _style_for(style: Style, stream: TextIO | None, terminal: Terminal | None) -> Style:
    """``style`` fitted to ``terminal`` once there is one; before, to the terminal ``stream``
    would get (a virtual terminal's declaration included)."""
    if terminal is not None:
        return _fit_style(style, terminal.caps.unicode, terminal.encoding)
    return _fit_style(style, *shows_unicode(stream))


def _running_loop() -> object | None:
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None  # nobody imported asyncio, so no loop can be running
    loop: object | None = asyncio.events._get_running_loop()
    return loop


def _in_kernel() -> bool:
    # A notebook cell's plain `with` runs while the kernel's own loop waits for it: that loop
    # is running, but only a thread can tick.
    if "IPython" not in sys.modules:
        return False
    from twirly.notebook import in_kernel

    return in_kernel()


class Spinner:
    """A spinner: ``with``, ``async with``, a decorator, or ``start()``/``stop()``."""

    def __init__(
        self,
        text: str = "",
        *,
        style: str | Style = DEFAULT_STYLE,
        driver: DriverName | None = None,
        stream: TextIO | None = None,
        timer: bool = False,
        animate: bool | None = None,
        watchdog: bool | None = None,
        color: ColorSpec | Color | None = None,
        prefix: str = "",
        suffix: str = "",
        show_after: float = 0.0,
        quiet: bool | None = None,
    ) -> None:
        _check_text(text)
        if driver is not None and driver not in DRIVERS:
            raise ValueError(
                f"driver must be one of {', '.join(map(repr, DRIVERS))} or None, not {driver!r}"
            )
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise TypeError(f"stream must have a write() method, not {type(stream).__name__}")
        if not isinstance(timer, bool):
            raise TypeError(f"timer must be True or False, not {type(timer).__name__}")
        if animate is not None and not isinstance(animate, bool):
            raise TypeError(f"animate must be True, False or None, not {type(animate).__name__}")
        if watchdog is not None and not isinstance(watchdog, bool):
            raise TypeError(f"watchdog must be True, False or None, not {type(watchdog).__name__}")
        if quiet is not None and not isinstance(quiet, bool):
            raise TypeError(f"quiet must be True, False or None, not {type(quiet).__name__}")
        self._color: Color | None = None
        if color is not None:
            from twirly.colors import parse_color

            self._color = parse_color(color, "color")
        self._show_after = _check_delay(show_after, "show_after")
        self._quiet = quiet
        self._watchdog = watchdog
        #: The blocks of the event loop recorded while an asyncio spinner ran (its watchdog).
        self.blocks: list[Record] = []
        #: The style asked for, and the one shown: the same, or the ASCII style where the
        #: terminal cannot show it (decided again at each start, on the terminal shown on).
        self._chosen_style = _check_style(style)
        self._style = _style_for(self._chosen_style, stream, None)
        self._style_arg = style
        self._driver = driver
        self._stream = stream
        self._timer = timer
        self._animate = animate
        style = self._style
        interval = max(style.interval, MIN_INTERVAL)  # the style's pace, never a busy clock
        self._row = Row(text, style.frames, style.width, interval, 0.0, timer=timer)
        self.prefix = prefix
        self.suffix = suffix
        self._lock = _thread.allocate_lock()  # (threading's Lock: threading loads after)
        self._terminal: Terminal | None = None
        # The asyncio clocks stop() ended, until ``async with`` has awaited them.
        self._ending: list[Clock] = []
        self._running = False
        # The final line: its mark, its text, and whether the program asked for it (ok(),
        # fail(), ...) rather than twirly (spin's ✔, an exception's ✖, track's lines).
        self._final: tuple[Status, str, bool] | None = None
        self._used_driver: DriverName | None = None
        self._paused = False
        # Before ``show_after`` has passed: the timer (a thread's, or the loop's) that shows
        # the row, and the driver it will be shown with.
        self._waiting: Any = None
        self._shown = False
        self._was_shown = False  # (in its last run, whether it is still running or not)

    # -- attributes -------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The text beside the glyph; assign to change it (no I/O: the next frame shows it)."""
        return self._row.text

    @text.setter
    def text(self, value: str) -> None:
        if value.__class__ is not str and not isinstance(value, str):
            raise TypeError(f"text must be str, not {type(value).__name__}")
        self._row.text = value

    @property
    def style(self) -> Style:
        """The style in use (an ASCII one where the stream cannot show the chosen one);
        assign a style name or a :class:`twirly.Style` to change it, also while spinning."""
        return self._style

    @style.setter
    def style(self, value: str | Style) -> None:
        chosen = _check_style(value)
        self._chosen_style, self._style_arg = chosen, value
        self._use_style(_style_for(chosen, self._stream, self._terminal))

    def _use_style(self, style: Style) -> None:
        self._style = style
        row = self._row
        # The frames last: a clock reading them meanwhile sees a whole old or new look.
        row.interval = max(style.interval, MIN_INTERVAL)
        row.frame_width = style.width
        row.frames = style.frames

    @property
    def color(self) -> Color | None:
        """The glyph's colour (None: the terminal's own); assign a colour name, an index
        0-255 or ``"#rrggbb"`` to change it, also while spinning."""
        return self._color

    @color.setter
    def color(self, value: ColorSpec | Color | None) -> None:
        if value is None:
            self._color = None
        else:
            from twirly.colors import parse_color

            self._color = parse_color(value, "color")
        terminal = self._terminal
        self._row.color = _sgr(self._color, terminal) if terminal is not None else ""

    @property
    def prefix(self) -> str:
        """Text before the glyph (assign to change it)."""
        return self._prefix

    @prefix.setter
    def prefix(self, value: str) -> None:
        from twirly.render import display_width, sanitize

        self._prefix = _check_affix(value, "prefix")
        safe = sanitize(value)
        self._row.prefix_width = display_width(safe)
        self._row.prefix = safe

    @property
    def suffix(self) -> str:
        """Text after the text, kept when the text is cut to fit (assign to change it)."""
        return self._suffix

    @suffix.setter
    def suffix(self, value: str) -> None:
        from twirly.render import sanitize

        self._suffix = _check_affix(value, "suffix")
        self._row.suffix = sanitize(value)

    @property
    def quiet(self) -> bool:
        """True when nothing at all is written (``quiet=True``, or ``TWIRLY_QUIET=1``)."""
        return self._quiet if self._quiet is not None else quiet_from_env()

    @property
    def driver(self) -> DriverName | None:
        """The driver ticking this spinner while it runs (the one asked for, before)."""
        return self._used_driver or self._driver

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._running

    @property
    def elapsed(self) -> float:
        """Seconds since ``start()`` (0 before)."""
        terminal = self._terminal
        if terminal is None:  # (not started: a test's clock may well start at 0.0)
            return 0.0
        return terminal.now() - self._row.started

    # -- life cycle -------------------------------------------------------------------------

    def _pick_driver(self, in_async_with: bool) -> DriverName:
        if self._driver is not None:
            return self._driver
        if in_async_with:
            return "asyncio"
        return "thread" if _running_loop() is None or _in_kernel() else "asyncio"

    def start(self) -> Spinner:
        """Show the spinner now (first frame included) and start its clock. Returns self."""
        return self._start(in_async_with=False)

    def _start(self, *, in_async_with: bool) -> Spinner:
        with self._lock:
            if self._running:
                return self
            driver = self._pick_driver(in_async_with)
            if driver == "asyncio" and _running_loop() is None:
                raise RuntimeError(
                    "driver='asyncio' needs a running event loop: use `async with` inside a "
                    "coroutine, or driver='thread'"
                )
            terminal = self._terminal_now()
            # The terminal has the last word on the glyphs: it may not be the one guessed
            # when the spinner was made (a virtual terminal entered since, or left).
            self._use_style(_style_for(self._chosen_style, self._stream, terminal))
            row = self._row
            row.started = terminal.now()
            row.ident = terminal.new_ident()
            self._final = None
            self.blocks = []
            self._terminal = terminal
            self._running = True
            self._used_driver = driver
            if self._show_after > 0 and not self.quiet:
                self._show_later(driver)
            else:
                self._show(driver)
            return self

    def _terminal_now(self) -> Terminal:
        return terminal_for(self._stream, animate=self._animate, quiet=self.quiet)

    def _show(self, driver: DriverName) -> None:
        # Under the lock: put the row on the terminal, and have its clock tick it.
        terminal = self._terminal
        assert terminal is not None
        self._shown = self._was_shown = True
        row = self._row
        row.color = _sgr(self._color, terminal)
        watch = None
        if driver == "asyncio" and not self.quiet:
            from twirly.watchdog import watch_here

            watch = watch_here(self._watchdog, self.blocks.append)
        # The terminal's one clock ticks every row; the driver says which clock it is.
        used = terminal.attach(row, driver=driver, on_orphaned=self.stop, watch=watch)
        if watch is not None and not terminal.animates:
            from twirly.watchdog import heartbeat

            self._ending.append(heartbeat(terminal, watch))
        self._used_driver = used or driver
        if self._paused:
            terminal.pause()

    def _show_later(self, driver: DriverName) -> None:
        # Nothing is written before ``show_after`` has passed on the terminal's clock: work
        # that ends sooner shows nothing at all. An asyncio spinner is shown by its loop, the
        # others by a timer.
        self._shown = self._was_shown = False
        terminal = self._terminal
        assert terminal is not None
        on_loop = driver == "asyncio"
        self._waiting = terminal.call_later(self._show_after, self._show_now, on_loop=on_loop)

    def _show_now(self) -> None:
        with self._lock:
            self._waiting = None
            if self._running and not self._shown and self._used_driver is not None:
                self._show(self._used_driver)

    def stop(self) -> None:
        """Stop and clear the line (or leave the final line if ``ok``/``fail``/... was called).

        Idempotent, safe from any thread, and immediate: it does not wait for a frame.
        """
        with self._lock:
            if not self._running:
                return
            self._running = False
            terminal = self._terminal
            waiting, self._waiting = self._waiting, None
            shown, self._shown = self._shown, False
            paused, self._paused = self._paused, False
        if waiting is not None:
            waiting.cancel()
        if terminal is not None and not shown:
            # Ended before it was shown (show_after): nothing was written, and only a final
            # line the program asked for is, with ok(), fail(), ...; not one of twirly's own.
            final = self._final
            line = self._final_line(terminal) if final is not None and final[2] else None
            if line is not None:
                terminal.write_lines([line])
            return
        if terminal is not None:
            if paused:
                terminal.resume()
            self._ending += terminal.detach(self._row, self._final_line(terminal))
            if self._ending or self.blocks:
                from twirly.watchdog import finish

                finish(terminal, self._ending, self.blocks)

    def _final_line(self, terminal: Terminal) -> str | None:
        if self._final is None:
            return None
        from twirly.block import final_line

        status, text, _ = self._final
        elapsed = terminal.now() - self._row.started if self._timer else None
        caps = terminal.caps
        if self._suffix:
            text = f"{text} {self._suffix}" if text else self._suffix
        line = final_line(status, text, unicode=caps.unicode, color=caps.color, elapsed=elapsed)
        return f"{self._row.prefix} {line}" if self._prefix else line

    def _finish(self, status: Status, text: str | None, *, asked: bool = True) -> None:
        """Stop with a final line; ``asked``: by the program (ok(), fail(), ...), which writes
        it even if the spinner was never shown, rather than by twirly itself."""
        final = self._row.text if text is None else _check_text(text)
        self._final = (status, final, asked)
        if self._running:
            self.stop()
        elif not asked and self._terminal is not None and not self._was_shown:
            self._final = None  # (stopped before it was shown: twirly's line is not written)
        else:
            terminal = self._terminal_now()
            line = self._final_line(terminal)
            self._final = None
            if line is not None:
                terminal.write_lines([line])

    def ok(self, text: str | None = None) -> None:
        """Stop, leaving ``✔ text`` (the spinner's own text if none is given)."""
        self._finish("ok", text)

    def fail(self, text: str | None = None) -> None:
        """Stop, leaving ``✖ text``."""
        self._finish("fail", text)

    def warn(self, text: str | None = None) -> None:
        """Stop, leaving ``⚠ text``."""
        self._finish("warn", text)

    def info(self, text: str | None = None) -> None:
        """Stop, leaving ``ℹ text``."""
        self._finish("info", text)

    def write(self, text: str) -> None:
        """Write ``text`` as whole lines above the spinner (thread-safe, never torn). The
        lines are the program's: a quiet spinner writes them too, as plain lines."""
        lines = split_lines(_check_text(text))
        terminal = self._terminal if self._running and not self.quiet else None
        if terminal is None:
            terminal = terminal_for(self._stream, animate=self._animate)
        terminal.write_lines(lines)

    def track(
        self, iterable: Iterable[T] | AsyncIterable[T], *, total: int | None = None
    ) -> Tracked[T]:
        """Count a loop's items on this spinner: ``for item in sp.track(items)`` (or ``async
        for``) shows ``text  3,412/10,000 · 34% · 812/s · 0:08 left`` while the spinner runs,
        and leaves the final count in its text for ``ok()``/``fail()`` (the spinner goes on:
        its ``with`` or ``stop()`` ends it). ``total``: as for :func:`twirly.track`."""
        from twirly._track import track_on

        return track_on(self, iterable, total)

    # -- pause ---------------------------------------------------------------------------------

    def pause(self) -> None:
        """Erase the rows and show the cursor until :meth:`resume` (the program's own moment
        with the person: a prompt, a pager, an editor). Lines written meanwhile stay where
        they are written. Idempotent; the clock goes on, so the timer keeps counting."""
        with self._lock:
            if self._paused:
                return
            self._paused = True
            terminal = self._terminal if self._running and self._shown else None
        if terminal is not None:
            terminal.pause()

    def resume(self) -> None:
        """Draw the rows again, on the cursor's line, after :meth:`pause`. Idempotent."""
        with self._lock:
            if not self._paused:
                return
            self._paused = False
            terminal = self._terminal if self._running and self._shown else None
        if terminal is not None:
            terminal.resume()

    @property
    def paused(self) -> bool:
        """True between :meth:`pause` and :meth:`resume`."""
        return self._paused

    def hidden(self) -> _Hidden:
        """``with sp.hidden():`` the rows are erased and the cursor shown inside the block,
        and drawn again after it, whatever the exit (:meth:`pause` and :meth:`resume`)."""
        return _Hidden(self)

    # -- with / async with ---------------------------------------------------------------------

    def __enter__(self) -> Spinner:
        return self._start(in_async_with=False)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self._leave(exc)
        return False

    async def __aenter__(self) -> Spinner:
        return self._start(in_async_with=True)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self._leave(exc)
        # stop() ran here or earlier (ok()/fail()/... inside the block): either way the clock
        # it cancelled is kept in _ending, so the Task can be awaited whatever the exit.
        ending, self._ending = self._ending, []
        for clock in ending:
            aclose = getattr(clock, "aclose", None)
            if aclose is not None:
                # Leave nothing pending: the cancelled Task ends on the loop's next turn, and
                # we wait for that turn. A cancellation delivered meanwhile propagates as usual.
                await aclose()
        return False

    def _leave(self, exc: BaseException | None) -> None:
        if exc is None or _is_clean_exit(exc):
            self.stop()
        elif self._final is None:
            self._finish("fail", None, asked=False)
        else:
            self.stop()

    # -- decorator ---------------------------------------------------------------------------

    def _fresh(self) -> Spinner:
        return Spinner(
            self._row.text,
            style=self._style_arg,
            driver=self._driver,
            stream=self._stream,
            timer=self._timer,
            animate=self._animate,
            watchdog=self._watchdog,
            color=self._color,
            prefix=self._prefix,
            suffix=self._suffix,
            show_after=self._show_after,
            quiet=self._quiet,
        )

    def __call__(self, func: F) -> F:
        """Decorate ``func`` (``def`` or ``async def``): each call runs under a fresh spinner."""
        if not callable(func):
            raise TypeError(f"a spinner decorates a function, not {type(func).__name__}")
        import functools

        if _is_coroutine_function(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                async with self._fresh():
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]  # (wraps(func) keeps F's face)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"<twirly.Spinner {self._row.text!r} style={self._style.name or 'custom'} {state}>"


class _Hidden:
    """What :meth:`Spinner.hidden` returns: a pause for the length of a ``with`` block."""

    __slots__ = ("_spinner", "_was_paused")

    def __init__(self, spinner: Spinner) -> None:
        self._spinner = spinner
        self._was_paused = False

    def __enter__(self) -> Spinner:
        self._was_paused = self._spinner.paused
        self._spinner.pause()
        return self._spinner

    def __exit__(self, *exc_info: object) -> None:
        if not self._was_paused:  # (a hidden() inside a pause() leaves it paused)
            self._spinner.resume()

    async def __aenter__(self) -> Spinner:
        return self.__enter__()

    async def __aexit__(self, *exc_info: object) -> None:
        self.__exit__(*exc_info)


def _sgr(color: Color | None, terminal: Terminal) -> str:
    """The escape sequence for ``color`` on ``terminal`` ("" where it shows no colour)."""
    if color is None or not terminal.caps.color:
        return ""
    return color.sgr(terminal.color_depth)


def _is_clean_exit(exc: BaseException) -> bool:
    if isinstance(exc, GeneratorExit):
        return True
    return isinstance(exc, SystemExit) and exc.code in (None, 0)


def _is_coroutine_function(func: Callable[..., Any]) -> bool:
    code = getattr(func, "__code__", None)
    if code is not None:
        return bool(code.co_flags & _CO_COROUTINE) or bool(
            getattr(func, "_is_coroutine_marker", False)
        )
    import inspect

    return inspect.iscoroutinefunction(func)


if TYPE_CHECKING:

    @overload
    async def spin(awaitable: Coroutine[Any, Any, T], text: str = ..., **options: Any) -> T: ...
    @overload
    async def spin(awaitable: Awaitable[T], text: str = ..., **options: Any) -> T: ...


async def spin(awaitable: Awaitable[T], text: str = "", **options: Any) -> T:
    """Await ``awaitable`` under a spinner; ``✔ text`` when it returns, ``✖ text`` if it raises.

    ``options`` are :class:`Spinner`'s keyword arguments. Returns the awaitable's result.
    """
    if not hasattr(awaitable, "__await__"):
        raise TypeError(f"spin() needs an awaitable, not {type(awaitable).__name__}")
    try:
        spinner = Spinner(text, **options)
    except (TypeError, ValueError):
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()  # never leave a "coroutine was never awaited" warning behind
        raise
    async with spinner:
        result = await awaitable
        spinner._finish("ok", None, asked=False)  # (none if the spinner was never shown)
    return result
