"""A virtual terminal for tests: run code under a spinner, then read the screen and the bytes.

::

    import twirly
    from twirly.testing import VirtualTerminal

    with VirtualTerminal(columns=60, lines=10) as vt:
        with twirly.spinner("Counting") as sp:     # the program's code, unchanged
            vt.advance(0.25)                        # three frames, drawn at their times
            print("half way")                       # above the row, as on a real terminal
            sp.ok("Counted")
    assert vt.screen_text == "half way\\n✔ Counted"

While a :class:`VirtualTerminal` is entered it stands behind ``sys.stdout`` and
``sys.stderr``: every spinner or group that would draw on either (the default) draws on it,
with the capabilities it declares (Unicode, colour) instead of what the environment says, so a
test sees the same screen on a laptop, in CI and with ``NO_COLOR`` set. ``print()``, logging
configured meanwhile, and anything written to the two streams reach the same screen, in order.

Time is either the test's (``clock="manual"``, the default): no clock of twirly's runs, and
:meth:`VirtualTerminal.advance` moves time on and draws every frame due on the way (a
spinner's ``show_after`` counts on it too: the spinner appears when the clock passes its
delay), so the frames are the same on every run (no watchdog watches an event loop then: it
needs a clock); or real time (``clock="real"``): twirly's own clocks draw as they would on a
real terminal, and :meth:`VirtualTerminal.wait_for` waits for what should appear. Leaving the
``with`` block, normally or by an exception, erases rows left running, stops their clock and
puts the streams back.

Why pyte for the screen (the ``testing`` extra) rather than an emulator of only what twirly
writes: the screen must also show what the program under test writes (its own colours, a
progress bar of another library, wide characters, lines scrolled off the top), and a test is
only worth something if the model of the screen was written by someone else than the code it
judges. pyte is a small, pure-Python VT100 emulator with scrollback, wide-character widths and
cell attributes; it is imported only when a virtual terminal is made.

A pytest fixture::

    import pytest
    from twirly.testing import VirtualTerminal

    @pytest.fixture
    def vt():
        with VirtualTerminal() as terminal:
            yield terminal

pytest's output capture puts its own ``sys.stdout`` and ``sys.stderr`` in place when the test
starts, after the fixture entered the terminal; the terminal takes them back when the first
spinner or group starts. So under a fixture, what is printed before the first spinner, and a
``logging.StreamHandler()`` made before it, go to pytest; enter the terminal in the test itself
(or pass ``vt.stream`` to the handler) to have them on the screen too.

What a virtual terminal cannot show: bytes written to file descriptors 1 and 2 directly (child
processes, ``os.write``) go where the descriptors go, and a spinner asking for
``driver="process"`` is drawn by a thread of the program, since a child process cannot reach
the screen in memory.
"""

from __future__ import annotations

import io
import sys
import threading
import time

from twirly import terminal as _terminals
from twirly.output import Memory
from twirly.state import Capabilities
from twirly.terminal import Terminal

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import ModuleType, TracebackType
    from typing import Literal, NamedTuple, TextIO

    import pyte

    from twirly.drivers import Clock
else:
    from twirly.records import NamedTuple  # typing's, without importing typing

__all__ = ["Cursor", "VirtualTerminal"]

#: Seconds of slack when a frame's deadline is compared with the end of an advance: the
#: deadlines are computed in floats from the row's start, the end from the test's sum.
_SLACK = 1e-9

#: How many colours a virtual terminal with ``color=True`` shows: the 16 standard ones, which
#: every terminal with colour has (a 256-colour index or ``#rrggbb`` is drawn as the nearest
#: of them), whatever ``TERM`` and ``COLORTERM`` say in the process running the tests.
_DEPTH = 16


class Cursor(NamedTuple):
    """Where the cursor is: column and line, from 0 at the top left."""

    column: int
    line: int


class _Stream(io.TextIOBase):
    """What ``sys.stdout`` and ``sys.stderr`` are while a virtual terminal is entered: one
    object for both, as both streams of a program in a terminal write to the same device."""

    def __init__(self, sink: Callable[[str], None], tty: bool) -> None:
        super().__init__()
        self._sink: Callable[[str], None] | None = sink
        self._tty = tty

    encoding = "utf-8"
    errors = "strict"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._tty

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        sink = self._sink
        if sink is not None:  # (after the terminal is closed, a stray write goes nowhere)
            sink(text)
        return len(text)

    def detach_sink(self) -> None:
        self._sink = None


class _Call:
    """A call to make once the manual clock reaches ``when``."""

    __slots__ = ("call", "cancelled", "when")

    def __init__(self, when: float, call: Callable[[], None]) -> None:
        self.when = when
        self.call = call
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class _ManualTerminal(Terminal):
    """A terminal no clock of twirly's ticks: the test draws frames with ``advance``, which
    also makes the calls due meanwhile (a spinner shown after ``show_after``)."""

    def __init__(
        self,
        stream: TextIO,
        caps: Capabilities,
        *,
        clock: Callable[[], float],
        output: Memory,
        color_depth: int,
    ) -> None:
        super().__init__(stream, caps, clock=clock, output=output, color_depth=color_depth)
        self._calls: list[_Call] = []

    def _keep_ticking(self) -> Clock | None:
        self._ticker = None
        return None

    def call_later(self, delay: float, call: Callable[[], None], *, on_loop: bool) -> _Call:
        waiting = _Call(self.now() + delay, call)
        with self._lock:
            self._calls = [*self._calls, waiting]
        return waiting

    def next_call(self) -> float | None:
        """Seconds until the next call to make (None: none)."""
        with self._lock:
            whens = [c.when for c in self._calls if not c.cancelled]
        return min(whens) - self.now() if whens else None

    def drop_calls(self) -> None:
        """Forget the calls not made yet (the virtual terminal is closed)."""
        with self._lock:
            self._calls = []

    def make_calls(self) -> None:
        """Make the calls due by now, in the order of their times (outside the lock: a
        spinner shown takes its own lock, then this one)."""
        now = self.now()
        with self._lock:
            calls = self._calls
            due = sorted((c for c in calls if c.when <= now + _SLACK), key=lambda c: c.when)
            self._calls = [c for c in calls if c.when > now + _SLACK and not c.cancelled]
        for waiting in due:
            if not waiting.cancelled:
                waiting.call()


class VirtualTerminal:
    """A terminal in memory, with a screen, scrollback and cursor, for tests.

    ``columns`` and ``lines``: the size (:meth:`resize` changes it). ``unicode`` and
    ``color``: what the terminal declares it can show (colour: the 16 standard colours), the
    only capabilities a program run under it sees. ``tty``: False for a stream that is not
    a terminal (a pipe, a CI log): spinners then print plain lines, no escape bytes. ``clock``:
    ``"manual"`` (time moves only with :meth:`advance`) or ``"real"``. ``history``: how many
    lines scrolled off the top are kept.

    Use it as a context manager; it can be entered once.
    """

    def __init__(
        self,
        columns: int = 80,
        lines: int = 24,
        *,
        unicode: bool = True,
        color: bool = False,
        tty: bool = True,
        clock: Literal["manual", "real"] = "manual",
        history: int = 10_000,
    ) -> None:
        _check_size(columns, lines)
        for name, value in (("unicode", unicode), ("color", color), ("tty", tty)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False, not {value!r}")
        if clock not in ("manual", "real"):
            raise ValueError(f"clock must be 'manual' or 'real', not {clock!r}")
        if isinstance(history, bool) or not isinstance(history, int) or history < 0:
            raise ValueError(f"history must be a whole number of lines >= 0, not {history!r}")
        self._screen, self._parser = _new_screen(columns, lines, history)
        self._lock = threading.Condition(threading.RLock())
        self._writes: list[str] = []
        #: Where the size changed: before which write, to what (for :meth:`screens`).
        self._resizes: list[tuple[int, int, int]] = []
        self._first_size = (columns, lines, history)
        self._tty = tty
        self._manual = clock == "manual"
        self._now = 0.0
        self._stream = _Stream(self._receive, tty)
        self._memory = Memory(columns, lines, feed=self._receive)
        self._caps = Capabilities(animate=True, color=color, unicode=unicode)
        stream: TextIO = self._stream  # type: ignore[assignment]  # (has all twirly calls)
        self._manual_terminal: _ManualTerminal | None = None
        if self._manual:
            self._manual_terminal = _ManualTerminal(
                stream, self._caps, clock=self._clock, output=self._memory, color_depth=_DEPTH
            )
            self._terminal: Terminal = self._manual_terminal
        else:
            self._terminal = Terminal(stream, self._caps, output=self._memory, color_depth=_DEPTH)
        #: What sys.stdout and sys.stderr were before we took them, to put back.
        self._replaced: tuple[TextIO | None, TextIO | None] = (None, None)
        self._used = self._entered = False

    def __repr__(self) -> str:
        columns, lines = self.size
        clock = "manual" if self._manual else "real"
        return f"<VirtualTerminal {columns}x{lines} clock={clock} tty={self._tty}>"

    # -- entering and leaving ---------------------------------------------------------------

    def __enter__(self) -> VirtualTerminal:
        if self._used:
            raise RuntimeError("a VirtualTerminal can be entered once; make a new one")
        self._used = True
        self._entered = True
        _terminals._virtual.append(self)
        self._take_streams()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Erase rows still shown (their spinners were never stopped), stop their clock and
        put back the ``sys.stdout`` and ``sys.stderr`` it replaced. Idempotent; ``with``
        calls it."""
        if not self._entered:
            return
        self._entered = False
        if self._manual_terminal is not None:
            self._manual_terminal.drop_calls()  # (a spinner never stopped is never shown)
        try:
            if self._terminal.rows:
                self._terminal.restore()  # (it also takes back its capture of the streams)
        finally:
            if self in _terminals._virtual:
                _terminals._virtual.remove(self)
            out, err = self._replaced
            if sys.stdout is self._stream:
                sys.stdout = out
            if sys.stderr is self._stream:
                sys.stderr = err
            self._stream.detach_sink()

    def _take_streams(self) -> None:
        out, err = self._replaced
        if sys.stdout is not self._stream:
            out, sys.stdout = sys.stdout, self.stream
        if sys.stderr is not self._stream:
            err, sys.stderr = sys.stderr, self.stream
        self._replaced = (out, err)

    def _stands_behind(self, stream: TextIO) -> bool:
        # Our stream, or whatever stands in sys.stdout or sys.stderr now: someone may have put
        # other streams there since we were entered (pytest does, between a fixture's setup
        # and the test), and the program means the terminal when it writes to them.
        return stream is self.stream or stream is sys.stdout or stream is sys.stderr

    def _standing_for(self, stream: TextIO) -> Terminal | None:
        # Asked by shows_unicode() when a spinner is made: our terminal, whose capabilities
        # are the ones we declared, taking nothing back yet.
        return self._terminal if self._stands_behind(stream) else None

    def _terminal_for(self, stream: TextIO, animate: bool | None) -> Terminal | None:
        # Asked by terminal_for() when a spinner starts: the terminal for our stream, or for
        # the streams standing in sys.stdout and sys.stderr, which we take back, so that
        # what the program prints under the spinner reaches the screen too.
        if not self._stands_behind(stream):
            return None
        if stream is not self.stream:
            self._take_streams()
        if self._tty if animate is None else animate:
            return self._terminal
        # Off a terminal (or with animate=False): a terminal of plain lines of its own, as
        # on a real stream.
        caps = Capabilities(animate=False, color=False, unicode=self._caps.unicode)
        return Terminal(self.stream, caps, clock=self._terminal.now)  # (our clock, still)

    # -- time -------------------------------------------------------------------------------

    def _clock(self) -> float:
        return self._now

    @property
    def now(self) -> float:
        """The terminal's time in seconds (with the manual clock, 0.0 until ``advance``)."""
        return self._now if self._manual else time.monotonic()

    def advance(self, seconds: float) -> None:
        """Move the manual clock on by ``seconds``, drawing each frame at the time it is due
        (and showing, when their ``show_after`` has passed, the spinners waiting for it),
        then what changed by the end (new text, lines printed meanwhile)."""
        terminal = self._manual_terminal
        if terminal is None:
            raise RuntimeError("advance() needs clock='manual'; with real time, use wait_for()")
        end = self._now + _check_seconds(seconds, "seconds")
        while True:
            terminal.make_calls()  # (a spinner whose show_after has passed is shown now)
            wait = terminal.tick()
            call = terminal.next_call()
            steps = [step for step in (wait, call) if step is not None and step > 0]
            if not steps or self._now + min(steps) > end + _SLACK:
                break
            step = min(steps)
            self._now += step
        self._now = max(self._now, end)
        terminal.make_calls()
        terminal.tick()

    def wait_for(
        self, expected: str | Callable[[VirtualTerminal], bool], timeout: float = 5.0
    ) -> None:
        """Wait until ``expected`` is on the screen (a string: in :attr:`screen_text`; a
        function: it returns True for this terminal). Checked at each write; raises
        ``TimeoutError`` with the screen after ``timeout`` seconds."""
        if not isinstance(expected, str) and not callable(expected):
            raise TypeError(
                f"expected must be a str or a function of the terminal, not "
                f"{type(expected).__name__}"
            )
        timeout = _check_seconds(timeout, "timeout")

        def met() -> bool:
            if isinstance(expected, str):
                return expected in self.screen_text
            return expected(self)

        with self._lock:
            if not self._lock.wait_for(met, timeout):
                raise TimeoutError(
                    f"not on the screen after {timeout} s: {expected!r}\n{self.screen_text}"
                )

    # -- the screen -------------------------------------------------------------------------

    def _receive(self, text: str) -> None:
        # Every write, from twirly or the program, in the order it came.
        with self._lock:
            self._writes.append(text)
            _feed(self._parser, text)
            self._lock.notify_all()

    @property
    def stream(self) -> TextIO:
        """The stream standing for the terminal: ``sys.stdout`` and ``sys.stderr`` while the
        terminal is entered (give it to ``logging.StreamHandler`` or ``stream=``)."""
        return self._stream  # type: ignore[return-value]  # (has all twirly calls)

    @property
    def size(self) -> tuple[int, int]:
        """Columns and lines."""
        return self._memory.columns, self._memory.lines

    def resize(self, columns: int, lines: int) -> None:
        """Change the size, as a person resizing the window would (the next frame fits)."""
        _check_size(columns, lines)
        with self._lock:
            self._memory.columns, self._memory.lines = columns, lines
            self._screen.resize(lines, columns)
            self._resizes.append((len(self._writes), columns, lines))

    @property
    def lines(self) -> list[str]:
        """Every line of the screen, top to bottom, trailing blanks removed."""
        with self._lock:
            return [line.rstrip() for line in self._screen.display]

    @property
    def screen_text(self) -> str:
        """The screen as text: its lines down to the last one with text, joined by newlines."""
        return "\n".join(self.lines).rstrip("\n")

    @property
    def history(self) -> list[str]:
        """Lines scrolled off the top of the screen, oldest first, trailing blanks removed."""
        with self._lock:
            return [_text_of(line, self._screen.columns) for line in self._screen.history.top]

    @property
    def all_lines(self) -> list[str]:
        """The history, then the screen down to its last line with text: the whole session."""
        with self._lock:
            lines = self.lines
            while lines and not lines[-1]:
                lines.pop()
            return self.history + lines

    @property
    def cursor(self) -> Cursor:
        """Where the cursor is: column and line, from 0 at the top left."""
        with self._lock:
            return Cursor(self._screen.cursor.x, self._screen.cursor.y)

    @property
    def cursor_visible(self) -> bool:
        """False while the cursor is hidden (as twirly hides it while rows are shown)."""
        with self._lock:
            return not self._screen.cursor.hidden

    @property
    def screen(self) -> pyte.HistoryScreen:
        """The pyte screen itself, for what the read-outs above leave out (cell colours and
        attributes: ``vt.screen.buffer[line][column].fg``)."""
        return self._screen

    # -- the bytes --------------------------------------------------------------------------

    @property
    def output(self) -> str:
        """Everything written to the terminal, as written (newlines not turned into
        ``\\r\\n``, escape sequences and all)."""
        with self._lock:
            return "".join(self._writes)

    @property
    def writes(self) -> list[str]:
        """Each write as it reached the terminal, in order: twirly writes a frame at once, so
        with the manual clock the writes of one :meth:`advance` are its frames."""
        with self._lock:
            return list(self._writes)

    def screens(self) -> Iterator[list[str]]:
        """The screen's lines after each write, in order, replayed from the start (resizes
        included): every screen a person could have seen, for asserting that some frame
        showed something (``any(... for lines in vt.screens())``)."""
        with self._lock:
            writes, resizes = list(self._writes), list(self._resizes)
        columns, lines, history = self._first_size
        screen, parser = _new_screen(columns, lines, history)
        for index, text in enumerate(writes):
            for before, wide, tall in resizes:
                if before == index:
                    screen.resize(tall, wide)
            _feed(parser, text)
            yield [line.rstrip() for line in screen.display]


def _check_seconds(value: object, name: str) -> float:
    # A time the test gives: a finite number. NaN would compare false with every deadline
    # and infinity would never be reached, and either kept advance() drawing forever.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    try:
        seconds = float(value)
    except OverflowError:  # (an int too large for a float)
        seconds = float("inf")
    if not 0 <= seconds < float("inf"):  # (NaN fails both comparisons)
        raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
    return seconds


def _check_size(columns: int, lines: int) -> None:
    for name, value in (("columns", columns), ("lines", lines)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, not {value!r}")


def _text_of(line: dict[int, pyte.screens.Char], columns: int) -> str:
    return "".join(line[column].data for column in range(columns)).rstrip()


def _new_screen(columns: int, lines: int, history: int) -> tuple[pyte.HistoryScreen, pyte.Stream]:
    emulator = _import_pyte()
    screen = emulator.HistoryScreen(columns, lines, history=history)
    return screen, emulator.Stream(screen)


def _feed(parser: pyte.Stream, text: str) -> None:
    # A terminal's line discipline turns a newline into carriage return and newline (onlcr).
    parser.feed(text.replace("\n", "\r\n"))


def _import_pyte() -> ModuleType:
    try:
        import pyte
    except ImportError as error:
        raise ImportError(
            "twirly.testing.VirtualTerminal draws on pyte, a terminal emulator, which is not "
            "installed: pip install 'twirly[testing]' (or pyte itself)"
        ) from error
    return pyte
