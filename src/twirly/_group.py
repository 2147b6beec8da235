"""Many tasks on one display: :func:`group`, :class:`TaskGroup`, :func:`current`, :func:`step`.

(The module is private because ``twirly.group`` is the public name of the function, and a
submodule of that name would shadow it.)

A group is a model of tasks (each a :class:`TaskRow`: a title, a text, a status, a parent)
with O(1) counters of its top-level tasks (a nested row, a step, is shown but not counted),
and one summary row on a terminal. Only the tasks that have a row on
screen have a :class:`~twirly.state.Row` in the terminal's block: before each frame the group
(a hook of the terminal, under its lock) takes away the rows of tasks that ended, gives the
freed rows to the oldest running tasks that passed ``show_after``, and writes the counts into
the summary row. A frame's cost is in the rows that changed, never in the number of tasks;
a task's text is a plain attribute store; lines for tasks that ended wait in the terminal's
queue and are written together with the next frame.

Off a terminal: no rows; failure lines as they happen, a heartbeat line every ``heartbeat``
seconds, one final summary.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from twirly.block import final_line
from twirly.render import display_width, fit, sanitize, split_lines
from twirly.state import Row
from twirly.styles import DEFAULT_STYLE, MIN_INTERVAL, Style
from twirly.terminal import Terminal, quiet_from_env, terminal_for

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures
    from collections.abc import (
        AsyncIterable,
        AsyncIterator,
        Awaitable,
        Callable,
        Coroutine,
        Iterable,
        Iterator,
        Sequence,
    )
    from types import TracebackType
    from typing import TextIO

    from twirly._track import Tracked
    from twirly.block import Block
    from twirly.drivers import Clock, DriverName
    from twirly.watchdog import Record

T = TypeVar("T")

__all__ = ["Group", "TaskGroup", "TaskRow", "current", "group", "step"]

Persist = Literal["failed", "all", "none"]
Status = Literal[
    "queued", "running", "ok", "failed", "warned", "skipped", "cancelled", "interrupted"
]
_PERSIST = ("failed", "all", "none")
_ENDED = frozenset({"ok", "failed", "warned", "skipped", "cancelled", "interrupted"})
#: How an ended task's line starts: a status of :data:`~twirly.state.SYMBOLS`, or own ones.
_LINE_STATUS: dict[str, Literal["ok", "fail", "warn"]] = {
    "ok": "ok",
    "failed": "fail",
    "warned": "warn",
}
_OWN_SYMBOLS = {
    "skipped": ("↷", "SKIP", "90"),
    "cancelled": ("⊘", "CANCELLED", "90"),
    "interrupted": ("⊘", "INTERRUPTED", "33"),
}
#: Narrower than this, a screen shows the summary row alone.
_MIN_COLUMNS = 20
#: Rows assumed when the terminal does not say how many it has.
_UNKNOWN_HEIGHT = 24

_current: contextvars.ContextVar[TaskRow | None] = contextvars.ContextVar(
    "twirly.current", default=None
)


class TaskRow:
    """One task of a group: what :func:`current` returns inside it.

    ``text`` is a plain attribute: assigning it from any thread or task is a store, and the
    next frame shows it. ``ok``/``fail``/``warn``/``skip`` end the task with that outcome
    (the first outcome wins; a tracked task that returns afterwards keeps it). After its
    group closed, a row is inert: updates are ignored.
    """

    __slots__ = (
        "_counted",
        "_group",
        "_row",
        "_shown_text",
        "_started",
        "_status",
        "_told",
        "_waiting",
        "parent",
        "text",
        "title",
    )

    def __init__(self, group: Group | None, title: str, parent: TaskRow | None) -> None:
        self.title = title
        self.text = ""
        self.parent = parent
        self._group = group
        self._status: Status = "queued"
        self._started = 0.0
        self._row: Row | None = None  # while shown
        self._shown_text: str | None = None
        self._waiting: list[TaskRow] | None = None  # running children waiting for this row
        # The summary counts tasks, not their steps: fixed now, whatever ``parent`` becomes.
        self._counted = parent is None
        # The exception a nested row of this one failed with, its line already printed: the
        # same exception ending this task (propagated out of the step) is not printed again.
        self._told: BaseException | None = None

    @property
    def status(self) -> Status:
        """``queued``, ``running``, or how it ended: ``ok``, ``failed``, ``warned``,
        ``skipped``, ``cancelled``, ``interrupted``."""
        return self._status

    @property
    def group(self) -> Group | None:
        """The group the task belongs to (None for the inert row :func:`current` returns
        outside any task)."""
        return self._group

    @property
    def path(self) -> str:
        """The titles from the outermost task down to this one, joined with ``›``."""
        titles = [self.title]
        parent = self.parent
        while parent is not None:
            titles.append(parent.title)
            parent = parent.parent
        return " › ".join(reversed(titles))

    def ok(self, text: str | None = None) -> None:
        """End the task as done (``text``, if given, is shown after the title)."""
        self._end("ok", text)

    def fail(self, text: str | None = None) -> None:
        """End the task as failed: ``✖ title: text`` is printed above the rows at once."""
        self._end("failed", text)

    def warn(self, text: str | None = None) -> None:
        """End the task as done with a warning: ``⚠ title: text`` stays above the rows."""
        self._end("warned", text)

    def skip(self, text: str | None = None) -> None:
        """End the task as skipped (counted; a line only with ``persist="all"``)."""
        self._end("skipped", text)

    def track(
        self, iterable: Iterable[T] | AsyncIterable[T], *, total: int | None = None
    ) -> Tracked[T]:
        """Count a loop's items in this task's text: ``3,412/10,000 · 34% · 812/s · 0:08
        left`` after its title while its row is shown, the final count once the loop ends
        (the task goes on; its outcome is still its own). ``total``: as for
        :func:`twirly.track`."""
        from twirly._track import track_on

        return track_on(self, iterable, total)

    def _end(self, status: Status, text: str | None) -> None:
        if text is not None and not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        group = self._group
        if group is not None:
            group._end(self, status, text)

    def __repr__(self) -> str:
        return f"<twirly.TaskRow {self.title!r} {self._status}>"


#: What :func:`current` returns outside any tracked task: a row that shows nowhere.
_NOWHERE = TaskRow(None, "", None)


def current() -> TaskRow:
    """The row of the enclosing tracked task or thread (a context variable: it follows
    ``asyncio`` tasks, ``asyncio.to_thread``, ``g.submit`` and ``g.map``).

    Outside any task, an inert row: assigning its text or ending it does nothing, so code
    that reports progress runs the same with and without a group around it.
    """
    row = _current.get()
    return _NOWHERE if row is None else row


def _check_title(title: object, name: str = "title") -> str:
    if not isinstance(title, str):
        raise TypeError(f"{name} must be str, not {type(title).__name__}")
    return title


def _check_number(value: object, name: str, *, whole: bool = False, least: int = 0) -> float:
    # For arguments that may also be None (the caller has let None through): the message
    # says so.
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "an int" if whole else "a number"
        raise TypeError(f"{name} must be {kind} or None, not {type(value).__name__}")
    if whole and not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
    if not value >= least:  # (too small, or NaN)
        bound = f"at least {least} (or None)" if least else "a number >= 0"
        raise ValueError(f"{name} must be {bound}, not {value!r}")
    return float(value)


def _check_parent(parent: object) -> TaskRow:
    if not isinstance(parent, TaskRow):
        raise TypeError(f"parent must be a twirly.TaskRow or None, not {type(parent).__name__}")
    return parent


def _title_of(thing: object) -> str:
    name = getattr(thing, "__qualname__", None) or getattr(thing, "__name__", None)
    if isinstance(name, str):
        return name
    get_name = getattr(thing, "get_name", None)  # an asyncio Task
    if callable(get_name):
        return str(get_name())
    key = getattr(thing, "key", None)  # a dask future
    return str(key) if key is not None else type(thing).__name__


def caps_unicode(terminal: Terminal | None) -> bool:
    """Whether ``terminal``'s stream shows Unicode (True before there is one)."""
    return terminal is None or terminal.caps.unicode


def _clock_text(seconds: float) -> str:
    """Elapsed time as a clock: ``0:42``, ``12:05``, ``1:02:03``."""
    whole = int(max(seconds, 0.0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Group:
    """Many tasks on one display: rows for the tasks that run longest, and a summary row.

    ``with twirly.group(title) as g`` (a thread clock: threads, executors, futures) or
    ``async with`` (an asyncio Task on the running loop, as a spinner).

    - ``persist``: ``"failed"`` leaves failures and warnings above the rows and counts the
      rest; ``"all"`` leaves every task's line as it ends; ``"none"`` only the summary.
    - ``show_after``: seconds a task runs before it gets a row.
    - ``limit``: at most that many tasks run at once; the others wait, counted as queued.
    - ``heartbeat``: off a terminal, a summary line every that many seconds (0: none).
    - ``max_rows``: the most rows the display takes (default: the screen's height less 1).
    - ``watchdog``: under ``async with``, a watchdog keeps the display turning while the
      event loop is blocked and says where (on by default; see :class:`twirly.spinner`).
    - ``quiet``: write nothing at all (also ``TWIRLY_QUIET=1``); ``write()`` lines are the
      program's and are still written.
    """

    def __init__(
        self,
        title: str,
        *,
        persist: Persist = "failed",
        show_after: float = 0.2,
        limit: int | None = None,
        heartbeat: float = 30.0,
        max_rows: int | None = None,
        stream: TextIO | None = None,
        style: str | Style = DEFAULT_STYLE,
        animate: bool | None = None,
        watchdog: bool | None = None,
        terminal: Terminal | None = None,
        quiet: bool | None = None,
    ) -> None:
        """See the class. ``terminal``: draw on this terminal, with no clock of the group's
        own (tests give one with an injected clock and tick it themselves)."""
        from twirly._spinner import _check_delay, _check_style, _style_for

        _check_title(title)
        if persist not in _PERSIST:
            raise ValueError(
                f"persist must be one of {', '.join(map(repr, _PERSIST))}, not {persist!r}"
            )
        # The same rule as a spinner's: finite seconds, the message naming the argument.
        self._show_after = _check_delay(show_after, "show_after")
        if limit is not None:
            _check_number(limit, "limit", whole=True, least=1)
        # (Infinity would reach Event.wait() in the heartbeat's thread, which refuses it.)
        self._heartbeat = _check_delay(heartbeat, "heartbeat")
        if max_rows is not None:
            _check_number(max_rows, "max_rows", whole=True, least=1)
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise TypeError(f"stream must have a write() method, not {type(stream).__name__}")
        if animate is not None and not isinstance(animate, bool):
            raise TypeError(f"animate must be True, False or None, not {type(animate).__name__}")
        if watchdog is not None and not isinstance(watchdog, bool):
            raise TypeError(f"watchdog must be True, False or None, not {type(watchdog).__name__}")
        if quiet is not None and not isinstance(quiet, bool):
            raise TypeError(f"quiet must be True, False or None, not {type(quiet).__name__}")
        self._quiet = quiet
        self._watchdog = watchdog
        #: The blocks of the event loop recorded while an asyncio group was open.
        self.blocks: list[Record] = []
        self.title = title
        self._persist: Persist = persist
        self._limit = limit
        self._max_rows = max_rows
        self._stream = stream
        self._animate = animate
        #: The style asked for, and the one shown (fitted again to the terminal on opening).
        self._chosen_style = _check_style(style)
        self._style = _style_for(self._chosen_style, stream, terminal)
        self._given_terminal = terminal
        self._terminal: Terminal | None = None
        self._lock = threading.Lock()
        self._open = False
        self._closed = False
        self._started = 0.0
        self._summary: Row | None = None
        self._ending: list[Clock] = []
        self._driver: DriverName | None = None
        # The counts, kept as tasks change state (O(1) each).
        self._queued = self._running = self._done = self._failed = 0
        self._cancelled = self._skipped = self._interrupted = 0
        self._running_rows = 0  # running tasks and their steps: what the queues below hold
        # Running tasks without a row, oldest first (ended ones are dropped lazily), and
        # the tasks with a row, in the order they were given one.
        self._pending: deque[TaskRow] = deque()
        self._kids: deque[TaskRow] = deque()  # ... and those whose parent has a row
        self._rows = False  # whether tasks get rows at all (on a terminal)
        self._shown: dict[int, TaskRow] = {}
        self._heart: threading.Event | None = None
        self._heart_thread: threading.Thread | None = None
        self._thread_limit: threading.BoundedSemaphore | None = None
        self._async_limit: asyncio.Semaphore | None = None

    # -- facts ------------------------------------------------------------------------------

    @property
    def counts(self) -> dict[str, int]:
        """How many tasks are in each state now (the group's tasks: nested rows, steps, are
        not counted)."""
        with self._lock:
            return {
                "running": self._running,
                "done": self._done,
                "failed": self._failed,
                "cancelled": self._cancelled,
                "skipped": self._skipped,
                "interrupted": self._interrupted,
                "queued": self._queued,
            }

    @property
    def elapsed(self) -> float:
        """Seconds since the group opened."""
        return self._now() - self._started if self._started else 0.0

    def _now(self) -> float:
        terminal = self._terminal
        return terminal.now() if terminal is not None else time.monotonic()

    def _counts(self, hidden: int = 0) -> list[str]:
        """The counts to show, most important first: running, done and failed (the last two
        even at zero), then the others that are not zero."""
        parts = [f"{self._running:,} running"] if self._running else []
        parts.append(f"{self._done:,} done")
        parts.append(f"{self._failed:,} failed")
        for count, word in (
            (self._cancelled, "cancelled"),
            (self._interrupted, "interrupted"),
            (self._skipped, "skipped"),
            (self._queued, "queued"),
        ):
            if count:
                parts.append(f"{count:,} {word}")
        if hidden:
            parts.append(f"+{hidden:,} not shown")
        return parts

    def _sep(self) -> str:
        """Between two counts: a middle dot, where the stream shows Unicode."""
        return " · " if caps_unicode(self._terminal) else ", "

    def _counts_text(self) -> str:
        return self._sep().join(self._counts())

    def _summary_text(self, now: float, *, hidden: int = 0, width: int = 0) -> str:
        """The summary row's text. On ``width`` columns, what does not fit goes first from
        the title (cut to 8 columns at least), then from the least important counts; the
        time stays."""
        parts = self._counts(hidden)
        clock = _clock_text(now - self._started)
        title = sanitize(self.title)  # (measured as shown: a control character is escaped)
        sep = self._sep()
        if not width:
            return f"{title}  {sep.join(parts)}{sep}{clock}"
        room = width - 1 - (self._style.width + 1)  # (the glyph, a space, a free column)
        tail = 2 + sum(len(part) + 3 for part in parts) + len(clock)
        ellipsis = "…" if sep == " · " else "..."
        whole = title
        if display_width(title) + tail > room:
            title = fit(title, max(room - tail, 8), ellipsis)[0]
        while len(parts) > 3 and display_width(title) + tail > room:
            tail -= len(parts.pop()) + 3
        text = f"{title}  {sep.join(parts)}{sep}{clock}"
        if display_width(text) > room:
            # A screen too narrow for even a cut title and the counts: one cut, at the end
            # (not a cut title, then the row cut again).
            text = fit(f"{whole}  {sep.join(parts)}{sep}{clock}", max(room, 1), ellipsis)[0]
        return text

    # -- opening and closing ---------------------------------------------------------------

    def _open_on(self, driver: DriverName | None) -> None:
        from twirly._spinner import _style_for

        if self._open:
            raise RuntimeError("this group is already open")
        if self._closed:
            raise RuntimeError("a group is opened once: make a new one")
        terminal = self._given_terminal
        if terminal is None:
            quiet = self._quiet if self._quiet is not None else quiet_from_env()
            terminal = terminal_for(self._stream, animate=self._animate, quiet=quiet)
        else:
            driver = None  # (a terminal given by a test: the test ticks it)
        self._terminal = terminal
        self._started = terminal.now()
        self._style = style = _style_for(self._chosen_style, self._stream, terminal)
        interval = max(style.interval, MIN_INTERVAL)
        summary = Row(self.title, style.frames, style.width, interval, self._started)
        summary.kind = "summary"
        summary.ident = terminal.new_ident()
        self._summary = summary
        self._open = True
        self._rows = terminal.animates
        if terminal.animates:
            summary.text = self._summary_text(self._started)
            terminal.queue_lines(())  # (makes the queue now, not from a task's thread)
            terminal.add_hook(self._refresh)
        watch = None
        if driver == "asyncio":
            from twirly.watchdog import heartbeat, watch_here

            watch = watch_here(self._watchdog, self.blocks.append)
            if watch is not None and not terminal.animates:
                self._ending.append(heartbeat(terminal, watch))
        self._driver = terminal.attach(
            summary, driver=driver, on_orphaned=self._orphaned, watch=watch
        )
        if not terminal.animates and self._heartbeat > 0:
            self._heart = threading.Event()
            self._heart_thread = threading.Thread(
                target=self._beat, name="twirly-heartbeat", daemon=True
            )
            self._heart_thread.start()

    def _orphaned(self) -> None:
        self._close(None)

    def _close(self, exc: BaseException | None) -> None:
        with self._lock:
            if not self._open:
                return
            self._open = False
            self._closed = True
        terminal, summary = self._terminal, self._summary
        assert terminal is not None
        assert summary is not None
        heart, thread = self._heart, self._heart_thread
        if heart is not None and thread is not None:
            heart.set()
            if thread is not threading.current_thread():
                thread.join()
        if terminal.animates:
            terminal.remove_hook(self._refresh)
            terminal.edit(self._take_rows_away)
        final = sanitize(self._summary_text(terminal.now()))
        self._ending += terminal.detach(summary, final)
        if self._ending or self.blocks:
            from twirly.watchdog import finish

            finish(terminal, self._ending, self.blocks)

    def _take_rows_away(self, block: Block, now: float, size: tuple[int, int]) -> None:
        with self._lock:
            for task in self._shown.values():
                if task._row is not None:
                    block.discard(task._row)
                    task._row = None
            self._shown.clear()
            self._pending.clear()
            self._kids.clear()

    def __enter__(self) -> Group:
        self._open_on("thread")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self._close(exc)
        return False

    async def __aenter__(self) -> Group:
        self._open_on("asyncio")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self._close(exc)
        ending, self._ending = self._ending, []
        for clock in ending:
            aclose = getattr(clock, "aclose", None)
            if aclose is not None:
                await aclose()  # (no Task of twirly's is left behind)
        return False

    def write(self, text: str) -> None:
        """Write ``text`` as whole lines above the rows (from any thread or task)."""
        lines = split_lines(_check_title(text, "text"))
        terminal = self._terminal
        if terminal is None:
            terminal = terminal_for(self._stream, animate=self._animate)
        terminal.write_lines(lines)

    # -- the model ----------------------------------------------------------------------------

    def _new(self, title: str | None, parent: TaskRow | None, thing: object) -> TaskRow:
        """A queued task (not yet running)."""
        if title is None:
            title = _title_of(thing)
        else:
            _check_title(title)
        if parent is None:
            enclosing = _current.get()
            if enclosing is not None and enclosing._group is self:
                parent = enclosing
        elif _check_parent(parent)._group is not self:
            parent = None  # (another group's task: this group shows it at the top level)
        task = TaskRow(self, title, parent)
        with self._lock:
            if not self._open:
                raise RuntimeError(f"the group {self.title!r} is not open")
            if task._counted:
                self._queued += 1
        return task

    def _begin(self, task: TaskRow) -> None:
        """The task starts running."""
        with self._lock:
            if task._status != "queued":
                return
            task._status = "running"
            if task._counted:
                self._queued -= 1
            if not self._open:
                return
            if task._counted:
                self._running += 1
            self._running_rows += 1
            task._started = self._now()
            if not self._rows:
                return  # (off a terminal no task ever gets a row: nothing to line up)
            parent = task.parent
            shown_parent = parent is not None and parent._row is not None
            (self._kids if shown_parent else self._pending).append(task)

    def _forget(self, task: TaskRow) -> None:
        """A task that never was (its submission failed)."""
        with self._lock:
            if task._status == "queued":
                task._status = "cancelled"
                if task._counted:
                    self._queued -= 1

    def _end(
        self,
        task: TaskRow,
        status: Status,
        text: str | None = None,
        exc: BaseException | None = None,
    ) -> None:
        with self._lock:
            before = task._status
            if before in _ENDED:
                return  # (the first outcome wins)
            task._status = status
            told, task._told = task._told, None
            if not self._open:
                return  # (the group closed: an inert row)
            if task._counted:
                self._count_end(before, status)
            if before == "running":
                self._running_rows -= 1
            parent = task.parent
            failed_by = exc if status == "failed" else None
            if failed_by is not None and parent is not None and parent._status not in _ENDED:
                parent._told = failed_by
            # A task that fails with the exception one of its steps failed with, propagated
            # out of it, already has its line (``✖ task › step: ...``): once is enough.
            repeated = exc is not None and exc is told
            line = None if repeated else self._line_for(task, status, text, exc)
        if line is not None:
            terminal = self._terminal
            assert terminal is not None
            terminal.queue_lines([line])

    def _count_end(self, before: Status, status: Status) -> None:
        """A counted task ended: from running (or queued) to its outcome (under the lock)."""
        if before == "running":
            self._running -= 1
        else:
            self._queued -= 1
        if status in ("ok", "warned"):
            self._done += 1
        elif status == "failed":
            self._failed += 1
        elif status == "cancelled":
            self._cancelled += 1
        elif status == "skipped":
            self._skipped += 1
        else:
            self._interrupted += 1

    def _line_for(
        self, task: TaskRow, status: Status, text: str | None, exc: BaseException | None
    ) -> str | None:
        """The line left above the rows for a task that ended, if one is (under the lock)."""
        persist = self._persist
        if persist == "none":
            return None
        # Counted only, unless it failed or warned; but a row on screen that is cancelled or
        # interrupted says so.
        said = status in ("cancelled", "interrupted") and task._row is not None
        if status not in ("failed", "warned") and persist != "all" and not said:
            return None
        detail = text
        if exc is not None and detail is None:
            message = str(exc)
            detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        if detail is None and status in ("cancelled", "interrupted"):
            detail = status
        body = task.path if caps_unicode(self._terminal) else task.path.replace(" › ", " > ")
        if detail:
            body += f"  {detail}" if status == "ok" else f": {detail}"
        terminal = self._terminal
        assert terminal is not None
        caps = terminal.caps
        if status in _LINE_STATUS:
            return final_line(_LINE_STATUS[status], body, unicode=caps.unicode, color=caps.color)
        glyph, ascii_glyph, sgr = _OWN_SYMBOLS[status]
        symbol = glyph if caps.unicode else ascii_glyph
        if caps.color:
            symbol = f"\x1b[{sgr}m{symbol}\x1b[0m"
        return f"{symbol} {sanitize(body)}"

    # -- what each frame shows ----------------------------------------------------------------

    def _capacity(self, block: Block, size: tuple[int, int]) -> int:
        """How many task rows fit: the block's height cap, less the summary and the rows of
        others on the same terminal."""
        width, height = size
        if width and width < _MIN_COLUMNS:
            return 0
        room = (height if height > 0 else _UNKNOWN_HEIGHT) - 1
        if self._max_rows is not None:
            room = min(room, self._max_rows)
        others = len(block) - len(self._shown) - 1
        return max(room - 1 - others, 0)

    def _refresh(self, block: Block, now: float, size: tuple[int, int]) -> None:
        """Before a frame, under the terminal's lock: rows for the tasks to show, the counts
        in the summary row. Costs the rows that changed (and the screen's rows)."""
        summary = self._summary
        if summary is None or summary not in block:
            return
        with self._lock:
            if not self._open:
                return
            capacity = self._capacity(block, size)
            freed = self._free_rows(block, capacity)
            self._fill_rows(block, now, capacity, freed)
            for task in self._shown.values():
                if task.text is not task._shown_text:
                    self._set_row_text(task)
            # Running tasks without a row (steps are not counted, shown or not).
            hidden = self._running - sum(task._counted for task in self._shown.values())
            summary.text = self._summary_text(now, hidden=max(hidden, 0), width=size[0])

    def _free_rows(self, block: Block, capacity: int) -> list[Row]:
        """Take away the rows of tasks that ended (a parent's with its children's), and the
        youngest rows past ``capacity`` (the screen shrank). Returns top-level rows freed,
        for new tasks to take in place."""
        freed: list[Row] = []
        ended = [task for task in self._shown.values() if task._status != "running"]
        for task in ended:
            if id(task) in self._shown:
                self._hide(block, task, freed)
        while len(self._shown) > capacity:
            youngest = next(reversed(self._shown.values()))
            self._hide(block, youngest, freed)
            if youngest._status == "running":
                self._pending.appendleft(youngest)  # (first in line for a row again)
        return freed

    def _hide(self, block: Block, task: TaskRow, freed: list[Row]) -> None:
        row = task._row
        del self._shown[id(task)]
        task._row = None
        if row is None:
            return
        for child in [t for t in self._shown.values() if t.parent is task]:
            self._hide(block, child, [])
            if child._status == "running":
                self._pending.appendleft(child)
        if row.parent is None:
            freed.append(row)  # (taken away when a new task takes its place, or below)
        else:
            block.discard(row)

    def _fill_rows(self, block: Block, now: float, capacity: int, freed: list[Row]) -> None:
        # Children of tasks on screen first (a nested step shows under its parent), then
        # the oldest of the others; a task that has not run ``show_after`` yet waits.
        ready = now - self._show_after
        for queue in (self._kids, self._pending):
            while len(self._shown) < capacity and queue:
                task = queue[0]
                if task._status != "running":
                    queue.popleft()
                    continue
                if task._started > ready:
                    break  # (the oldest has not run long enough: none has)
                queue.popleft()
                parent = task.parent
                if parent is not None and parent._row is None and parent._status == "running":
                    if parent._waiting is None:
                        parent._waiting = []
                    parent._waiting.append(task)  # (shown when its parent is)
                    continue
                self._show(block, task, now, freed)
                waiting, task._waiting = task._waiting, None
                if waiting:
                    self._kids.extend(t for t in waiting if t._status == "running")
        for row in freed:
            block.discard(row)
        self._kids = self._compacted(self._kids)
        self._pending = self._compacted(self._pending)

    def _compacted(self, queue: deque[TaskRow]) -> deque[TaskRow]:
        # Ended tasks behind a long-running one are dropped, so memory follows what runs.
        if len(queue) > 2 * max(self._running_rows, 1) + 1024:
            return deque(task for task in queue if task._status == "running")
        return queue

    def _show(self, block: Block, task: TaskRow, now: float, freed: list[Row]) -> None:
        terminal = self._terminal
        assert terminal is not None
        style = self._style
        parent_row = task.parent._row if task.parent is not None else None
        row = Row(
            "",
            style.frames,
            style.width,
            max(style.interval, MIN_INTERVAL),
            task._started,
            timer=True,
            ident=terminal.new_ident(),
            parent=parent_row,
        )
        task._row = row
        self._set_row_text(task)
        self._shown[id(task)] = task
        if parent_row is None and freed:
            block.replace(freed.pop(0), row, now)
        else:
            block.put(row, now)

    @staticmethod
    def _set_row_text(task: TaskRow) -> None:
        text = task.text
        task._shown_text = text
        row = task._row
        if row is not None:
            row.text = f"{task.title}  {text}" if text else task.title

    # -- off a terminal ---------------------------------------------------------------------

    def _beat(self) -> None:
        heart, terminal = self._heart, self._terminal
        assert heart is not None
        assert terminal is not None
        while not heart.wait(self._heartbeat):
            with self._lock:
                if not self._open:
                    return
                line = f"[{_clock_text(self._now() - self._started)}] {self._counts_text()}"
            terminal.write_lines([sanitize(line)])

    # -- asyncio ------------------------------------------------------------------------------

    def track(
        self, aw: Awaitable[T], *, title: str | None = None, parent: TaskRow | None = None
    ) -> Coroutine[Any, Any, T]:
        """A coroutine that awaits ``aw`` as a task of this group: its outcome is ``aw``'s
        own (a result, the same exception object, a cancellation), and :func:`current`
        inside it is its row."""
        return self._tracked(aw, title, parent)[1]

    def _tracked(
        self, aw: Awaitable[T], title: str | None, parent: TaskRow | None
    ) -> tuple[TaskRow, Coroutine[Any, Any, T]]:
        if not hasattr(aw, "__await__"):
            raise TypeError(f"track() needs an awaitable, not {type(aw).__name__}")
        try:
            task = self._new(title, parent, aw)
        except BaseException:
            _close_unawaited(aw)
            raise
        return task, self._run(aw, task)

    async def _run(self, aw: Awaitable[T], task: TaskRow) -> T:
        from asyncio import CancelledError  # (asyncio is loaded: a coroutine runs)

        token = _current.set(task)
        try:
            if self._limit is not None and task.parent is None:
                async with self._semaphore():
                    self._begin(task)
                    result = await aw
            else:
                self._begin(task)
                result = await aw
        except CancelledError:
            self._end(task, "cancelled")
            _close_unawaited(aw)
            raise
        except (KeyboardInterrupt, SystemExit):
            self._end(task, "interrupted")
            raise
        except BaseException as exc:
            self._end(task, "failed", exc=exc)
            raise
        finally:
            _current.reset(token)
        self._end(task, "ok")
        return result

    def _semaphore(self) -> asyncio.Semaphore:
        if self._async_limit is None:
            import asyncio

            assert self._limit is not None
            self._async_limit = asyncio.Semaphore(self._limit)
        return self._async_limit

    def _names_for(
        self, aws: Sequence[object], titles: Sequence[str] | None, parent: TaskRow | None
    ) -> list[str | None]:
        """The titles of ``aws`` (for ``gather``, ``as_completed``), every argument checked
        before any of them is tracked; refused, every coroutine given is closed (none is
        left never awaited)."""
        try:
            names = self._titles(len(aws), titles)
            _check_awaitables(aws)
            if parent is not None:
                _check_parent(parent)
            if not self._open:
                raise RuntimeError(f"the group {self.title!r} is not open")
        except BaseException:
            for aw in aws:
                _close_unawaited(aw)
            raise
        return names

    def _titles(self, count: int, titles: Sequence[str] | None) -> list[str | None]:
        if titles is None:
            return [None] * count
        if isinstance(titles, str) or not hasattr(titles, "__len__"):
            raise TypeError(f"titles must be a sequence of str, not {type(titles).__name__}")
        titles = list(titles)
        if len(titles) != count:
            raise ValueError(f"titles has {len(titles)} items for {count} awaitables")
        for title in titles:
            _check_title(title, "each of titles")
        return list(titles)

    def gather(
        self,
        *aws: Awaitable[Any],
        titles: Sequence[str] | None = None,
        return_exceptions: bool = False,
        parent: TaskRow | None = None,
    ) -> asyncio.Future[list[Any]]:
        """:func:`asyncio.gather`, each awaitable a task of this group (results in order;
        ``return_exceptions``; cancelling the gather cancels the tasks). Something that is
        not awaitable is a ``TypeError`` before any of them is tracked or started."""
        import asyncio

        names = self._names_for(aws, titles, parent)
        wrapped: list[Awaitable[Any]] = []
        for aw, name in zip(aws, names, strict=True):
            if asyncio.isfuture(aw):
                wrapped.append(self.watch(aw, title=name, parent=parent))  # (stays itself)
            else:
                wrapped.append(self.track(aw, title=name, parent=parent))
        return asyncio.gather(*wrapped, return_exceptions=return_exceptions)

    def create_task(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        title: str | None = None,
        name: str | None = None,
        context: contextvars.Context | None = None,
        parent: TaskRow | None = None,
    ) -> asyncio.Task[T]:
        """:func:`asyncio.create_task` of a coroutine tracked as a task of this group."""
        import asyncio

        loop = asyncio.get_running_loop()
        return _started(
            lambda tracked: loop.create_task(tracked, name=name, context=context),
            self,
            coro,
            title,
            parent,
        )

    def as_completed(
        self,
        aws: Iterable[Awaitable[T]],
        *,
        titles: Sequence[str] | None = None,
        timeout: float | None = None,
        parent: TaskRow | None = None,
    ) -> _AsCompleted:
        """:func:`asyncio.as_completed` over tasks of this group: ``async for`` yields each
        task as it ends (await it for its result); ``for`` yields awaitables in the order
        they end, as the standard function does. Left early (``break``, the timeout), the
        tasks made here of coroutines are cancelled, since nothing else could await them;
        the tasks and futures given go on, as ``asyncio.as_completed`` leaves them."""
        import asyncio

        items = list(aws)
        names = self._names_for(items, titles, parent)
        futures: list[asyncio.Future[T]] = []
        made: set[asyncio.Future[T]] = set()
        for aw, name in zip(items, names, strict=True):
            if asyncio.isfuture(aw):
                futures.append(self.watch(aw, title=name, parent=parent))
            else:
                future = asyncio.ensure_future(self.track(aw, title=name, parent=parent))
                futures.append(future)
                made.add(future)
        return _AsCompleted(futures, timeout, made)

    # -- threads, executors and any future ---------------------------------------------------

    def submit(
        self,
        executor: concurrent.futures.Executor,
        fn: Callable[..., T],
        /,
        *args: Any,
        title: str | None = None,
        parent: TaskRow | None = None,
        **kwargs: Any,
    ) -> concurrent.futures.Future[T]:
        """``executor.submit(fn, *args, **kwargs)`` as a task of this group: queued until a
        worker takes it, the context variables copied now (:func:`current` in ``fn`` is its
        row). A shut-down executor raises as it would, and nothing is shown."""
        if not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor must have a submit() method, not {type(executor).__name__}")
        if not callable(fn):
            raise TypeError(f"fn must be callable, not {type(fn).__name__}")
        task = self._new(title, parent, fn)
        # A call pickled to a worker process takes neither a context nor a row there: its
        # task runs from its submission until its future is done.
        elsewhere = _in_other_processes(executor)
        try:
            if elsewhere:
                future = executor.submit(fn, *args, **kwargs)
            else:
                context = contextvars.copy_context()
                future = executor.submit(context.run, self._call, task, fn, args, kwargs)
        except BaseException as error:
            self._forget(task)
            _note_refusal(error)
            raise
        if elsewhere:
            self._begin(task)
            future.add_done_callback(lambda done: self._settle(task, done))
        else:
            future.add_done_callback(lambda done: self._unstarted(task, done))
        return future

    def _unstarted(self, task: TaskRow, future: concurrent.futures.Future[Any]) -> None:
        # A call that never started: cancelled before a worker took it, or refused by the
        # executor on the way (another process could not take the context: loky, mpi4py).
        if future.cancelled():
            self._end(task, "cancelled")
        elif task._status == "queued":
            self._settle(task, future)

    def _call(
        self, task: TaskRow, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        token = _current.set(task)
        limit = self._thread_semaphore() if task.parent is None else None
        if limit is not None:
            limit.acquire()
        try:
            self._begin(task)
            result = fn(*args, **kwargs)
        except (KeyboardInterrupt, SystemExit):
            self._end(task, "interrupted")
            raise
        except BaseException as exc:
            self._end(task, "failed", exc=exc)
            raise
        finally:
            if limit is not None:
                limit.release()
            _current.reset(token)
        self._end(task, "ok")
        return result

    def _thread_semaphore(self) -> threading.BoundedSemaphore | None:
        if self._limit is None:
            return None
        with self._lock:
            if self._thread_limit is None:
                self._thread_limit = threading.BoundedSemaphore(self._limit)
            return self._thread_limit

    def map(
        self,
        executor: concurrent.futures.Executor,
        fn: Callable[..., T],
        *iterables: Iterable[Any],
        title: str | Callable[[Any], str] | None = None,
        timeout: float | None = None,
        parent: TaskRow | None = None,
    ) -> Iterator[T]:
        """``executor.map(fn, *iterables)`` with each call a task of this group: all are
        submitted now, results come in order, the first exception is raised when its turn
        comes (and the calls not yet started are cancelled)."""
        if title is not None and not isinstance(title, str) and not callable(title):
            raise TypeError(f"title must be str, a callable or None, not {type(title).__name__}")
        if timeout is not None:
            _check_number(timeout, "timeout")
        futures = []
        for args in zip(*iterables, strict=False):
            name = title(args[0]) if callable(title) else title
            futures.append(self.submit(executor, fn, *args, title=name, parent=parent))
        return _results_in_order(futures, timeout)

    def task(self, title: str, *, parent: TaskRow | None = None) -> _TaskScope:
        """A task that runs as long as a ``with`` block, in any thread: ok when the block
        ends, failed (the exception propagates) when it raises."""
        if parent is not None:
            _check_parent(parent)
        return _TaskScope(self, _check_title(title), parent)

    def watch(self, future: T, *, title: str | None = None, parent: TaskRow | None = None) -> T:
        """Show any future with ``add_done_callback`` (``concurrent.futures``, asyncio,
        ``dask.distributed``, a Ray ``ObjectRef.future()``) as a running task of this group,
        until it is done. Returns the future."""
        add = getattr(future, "add_done_callback", None)
        if not callable(add):
            raise TypeError(
                f"watch() needs a future with add_done_callback(), not {type(future).__name__}"
            )
        task = self._new(title, parent, future)
        self._begin(task)
        add(lambda done: self._settle(task, done))
        return future

    def _settle(self, task: TaskRow, future: Any) -> None:
        try:
            if future.cancelled():
                self._end(task, "cancelled")
                return
            exc = future.exception()
        except BaseException as error:  # (a cancelled asyncio future, a lost dask worker)
            self._end(task, "cancelled" if _is_cancellation(error) else "failed", exc=error)
            return
        if exc is None:
            self._end(task, "ok")
        elif isinstance(exc, KeyboardInterrupt | SystemExit):
            self._end(task, "interrupted")
        else:
            self._end(task, "failed", exc=exc)

    def __repr__(self) -> str:
        state = "open" if self._open else ("closed" if self._closed else "new")
        return f"<twirly.group {self.title!r} {state} {self._counts_text()}>"


def _note_refusal(error: BaseException) -> None:
    # The executor's own exception, as it raised it (a caller may catch BrokenProcessPool),
    # with a note that names the argument.
    if isinstance(error, RuntimeError):
        error.add_note("(the executor given to submit() or map() cannot take the call)")


def _check_awaitables(aws: Iterable[object]) -> None:
    for aw in aws:
        if not hasattr(aw, "__await__"):
            raise TypeError(f"an awaitable is required, not {type(aw).__name__}")


def _in_other_processes(executor: object) -> bool:
    """Does ``executor`` run calls in other processes (pickled there)?"""
    import concurrent.futures

    return isinstance(executor, concurrent.futures.ProcessPoolExecutor)


def _started(
    start: Callable[[Coroutine[Any, Any, T]], asyncio.Task[T]],
    group: Group,
    coro: Coroutine[Any, Any, T],
    title: str | None,
    parent: TaskRow | None,
) -> asyncio.Task[T]:
    """``start(tracked)``, ``tracked`` being ``coro`` as a task of ``group``; where ``start``
    refuses it (a loop closed, a task group shutting down), the task is forgotten and both
    coroutines closed, as the refusal leaves them: no row stays queued, no coroutine is left
    never awaited."""
    task, tracked = group._tracked(coro, title, parent)
    try:
        return start(tracked)
    except BaseException:
        tracked.close()
        _close_unawaited(coro)
        group._forget(task)
        raise


def _close_unawaited(aw: object) -> None:
    # A coroutine that will never run: closed, so that no "never awaited" warning is left.
    close = getattr(aw, "close", None)
    if close is not None and hasattr(aw, "cr_frame"):
        close()


def _results_in_order(
    futures: list[concurrent.futures.Future[T]], timeout: float | None
) -> Iterator[T]:
    end = None if timeout is None else time.monotonic() + timeout
    try:
        futures.reverse()
        while futures:
            future = futures.pop()
            left = None if end is None else end - time.monotonic()
            yield future.result(left)
    finally:
        for future in futures:
            future.cancel()


class _AsCompleted:
    """What :meth:`Group.as_completed` returns: ``async for`` or ``for``."""

    def __init__(
        self,
        futures: list[asyncio.Future[Any]],
        timeout: float | None,
        made: set[asyncio.Future[Any]],
    ) -> None:
        self._futures = futures
        self._timeout = timeout
        self._made = made  # (the tasks made of coroutines: twirly's own)

    def __aiter__(self) -> AsyncIterator[asyncio.Future[Any]]:
        return self._ends()

    async def _ends(self) -> AsyncIterator[asyncio.Future[Any]]:
        import asyncio

        waiting = set(self._futures)
        loop = asyncio.get_running_loop()
        end = None if self._timeout is None else loop.time() + self._timeout
        try:
            while waiting:
                left = None if end is None else end - loop.time()
                if left is not None and left <= 0:
                    raise TimeoutError
                done, waiting = await asyncio.wait(
                    waiting, timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
                if not done:
                    raise TimeoutError
                for future in self._futures:  # (in the order given, among those done)
                    if future in done:
                        yield future
        finally:
            for future in waiting & self._made:
                future.cancel()

    def __iter__(self) -> Iterator[Awaitable[Any]]:
        import asyncio

        return iter(asyncio.as_completed(self._futures, timeout=self._timeout))


class _TaskScope:
    """``with g.task(title) as row:`` (also ``async with``)."""

    def __init__(self, group: Group, title: str, parent: TaskRow | None) -> None:
        self._group = group
        self._title = title
        self._parent = parent
        self._task: TaskRow | None = None
        self._token: contextvars.Token[TaskRow | None] | None = None

    def __enter__(self) -> TaskRow:
        group = self._group
        task = group._new(self._title, self._parent, None)
        group._begin(task)
        self._task = task
        self._token = _current.set(task)
        return task

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        task, token = self._task, self._token
        assert task is not None
        assert token is not None
        _current.reset(token)
        _end_by(self._group, task, exc)
        return False

    async def __aenter__(self) -> TaskRow:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        return self.__exit__(exc_type, exc, tb)


def _is_cancellation(exc: BaseException) -> bool:
    """A cancellation from any framework: asyncio's, concurrent.futures', or a subclass of
    either under its own name (dask's ``FutureCancelledError``), without importing them."""
    return any(cls.__name__ == "CancelledError" for cls in type(exc).__mro__)


def _end_by(group: Group, task: TaskRow, exc: BaseException | None) -> None:
    if exc is None or isinstance(exc, GeneratorExit):
        group._end(task, "ok")
    elif _is_cancellation(exc):
        group._end(task, "cancelled")
    elif isinstance(exc, KeyboardInterrupt | SystemExit):
        group._end(task, "interrupted")
    else:
        group._end(task, "failed", exc=exc)


class _Step:
    """``with twirly.step(title)`` / ``async with``: a row nested under :func:`current`; a
    spinner of its own outside any group."""

    def __init__(self, title: str) -> None:
        self._title = _check_title(title)
        self._scope: _TaskScope | None = None
        self._spinner: Any = None

    def _scope_here(self) -> _TaskScope | None:
        parent = _current.get()
        group = parent._group if parent is not None else None
        if group is None or not group._open:
            return None
        return _TaskScope(group, self._title, parent)

    def __enter__(self) -> Any:
        self._scope = self._scope_here()
        if self._scope is not None:
            return self._scope.__enter__()
        from twirly._spinner import Spinner

        self._spinner = Spinner(self._title)
        return self._spinner.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if self._scope is not None:
            return self._scope.__exit__(exc_type, exc, tb)
        if exc is None and self._spinner.running:
            self._spinner.ok()
        result: Literal[False] = self._spinner.__exit__(exc_type, exc, tb)
        return result

    async def __aenter__(self) -> Any:
        self._scope = self._scope_here()
        if self._scope is not None:
            return self._scope.__enter__()
        from twirly._spinner import Spinner

        self._spinner = Spinner(self._title)
        return await self._spinner.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if self._scope is not None:
            return self._scope.__exit__(exc_type, exc, tb)
        if exc is None and self._spinner.running:
            self._spinner.ok()
        result: Literal[False] = await self._spinner.__aexit__(exc_type, exc, tb)
        return result


def step(title: str) -> _Step:
    """A nested row under the enclosing task (:func:`current`), for ``with`` or ``async
    with``: ok when the block ends, failed when it raises. Outside any group, a spinner
    that leaves ``✔ title``."""
    return _Step(title)


#: ``twirly.group(title, ...)``: the class itself, as ``twirly.spinner`` is.
group = Group


class TaskGroup:
    """:class:`asyncio.TaskGroup` on a display: ``create_task(coro, title=...)``; the first
    failure cancels the others (their rows say so) and ``except*`` receives the original
    exceptions. Keyword arguments are :func:`group`'s."""

    def __init__(self, title: str, **options: Any) -> None:
        self._group = Group(title, **options)
        self._tasks: asyncio.TaskGroup | None = None

    @property
    def group(self) -> Group:
        """The display's group (for ``write``, ``counts``, ``track``...)."""
        return self._group

    async def __aenter__(self) -> TaskGroup:
        import asyncio

        await self._group.__aenter__()
        self._tasks = asyncio.TaskGroup()
        try:
            await self._tasks.__aenter__()
        except BaseException as exc:
            await self._group.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        tasks = self._tasks
        assert tasks is not None
        try:
            await tasks.__aexit__(exc_type, exc, tb)
        except BaseException as error:
            await self._group.__aexit__(type(error), error, error.__traceback__)
            raise
        await self._group.__aexit__(exc_type, exc, tb)
        return None

    def create_task(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        title: str | None = None,
        name: str | None = None,
        context: contextvars.Context | None = None,
        parent: TaskRow | None = None,
    ) -> asyncio.Task[T]:
        """As :meth:`asyncio.TaskGroup.create_task`, the task tracked on the display."""
        tasks = self._tasks
        if tasks is None:
            _close_unawaited(coro)
            raise RuntimeError("TaskGroup has not been entered")
        return _started(
            lambda tracked: tasks.create_task(tracked, name=name, context=context),
            self._group,
            coro,
            title,
            parent,
        )

    def write(self, text: str) -> None:
        """Write ``text`` as whole lines above the rows."""
        self._group.write(text)
