"""Progress over an iterable: :func:`track`, and ``Spinner.track`` / ``TaskRow.track``.

The loop's only work per item is a counter bumped in C: a sync loop is ``yield from
map(itemgetter(1), zip(counter, items))`` (``zip`` takes a number from an ``itertools.count``,
then an item: the counter counts the items asked for), an async loop calls the counter's
``__next__`` before it asks for an item. An item is done once the next one is asked for, or
the items ran out, as tqdm counts: a ``break`` at the 11th item leaves 10. No clock is read and
no text is made per item. Before each frame a hook of the terminal (under its lock, on its
clock's thread) reads the counter, gives the rate its measurement and writes the row's text:
once per frame, whatever the number of items. Off a terminal there are no frames: the text is
made once, at the end.

(The module is private because ``twirly.track`` is the public name of the function, and a
submodule of that name would shadow it.)

How a loop ends decides the line ``track`` leaves:

- the items ran out: ``✔ label  count/total · rate · time``;
- getting the next item raised: ``✖ ...`` with the count so far, and the exception goes on;
- the loop was left early (``break``, ``return``, or an exception raised in the loop's own
  body): ``ℹ ...`` with the count so far. Python tells an iterator the same thing in all
  three cases (it is closed, with no word of why), so none of them is taken for a failure.
  An ``async for`` ends there too, before the program's next line (see :class:`_AsyncLoop`).

These lines are track's own, not the program's: a spinner with ``show_after`` that was never
shown writes none of them.
"""

from __future__ import annotations

from itertools import count
from operator import itemgetter

from twirly.progress import Rate, average, progress_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
    from typing import Any, Generic, Literal, TypeVar

    from twirly._group import TaskRow
    from twirly._spinner import Spinner
    from twirly.block import Block
    from twirly.state import Status
    from twirly.terminal import Terminal

    T = TypeVar("T")
    Ending = Literal["done", "failed", "stopped"]

    class _Generic(Generic[T]):
        pass

else:
    T = None

    class _Generic:
        def __class_getitem__(cls, item: object) -> type:
            return cls


__all__ = ["Tracked", "check_total", "track"]

_second = itemgetter(1)


def _counted(asked: count[int], items: Iterator[T]) -> Iterator[T]:
    """``items``, bumping ``asked`` as each is asked for, before it is fetched. zip asks the
    counter, then the items, and itemgetter keeps the item: all in C, no Python code an item
    (zip reuses its pair once itemgetter has let go of it). ~9 ns an item more than
    ``compress(items, asked)``, which would count an item only once it had been fetched."""
    return map(_second, zip(asked, items, strict=False))


def check_total(total: object) -> int | None:
    """``total`` as given, if it is a whole number >= 0 or None; else an error naming it."""
    if total is None:
        return None
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError(f"total must be an int or None, not {type(total).__name__}")
    if total < 0:
        raise ValueError(f"total must be >= 0 (or None), not {total!r}")
    return total


def _check_iterable(iterable: object) -> None:
    kind = type(iterable)
    if not any(hasattr(kind, name) for name in ("__iter__", "__aiter__", "__getitem__")):
        raise TypeError(f"track() needs an iterable or an async iterable, not {kind.__name__}")


def _length(iterable: object) -> int | None:
    """``len(iterable)`` where it has one that answers with a whole number >= 0."""
    if not hasattr(type(iterable), "__len__"):
        return None
    try:
        length = len(iterable)  # type: ignore[arg-type]
    except Exception:  # (a broken __len__ is no reason not to iterate)
        return None
    return length if length >= 0 else None


class _SpinnerPlace:
    """Where a spinner's progress goes: its row's text, on its terminal."""

    __slots__ = ("spinner",)

    def __init__(self, spinner: Spinner) -> None:
        self.spinner = spinner

    def get(self) -> str:
        return self.spinner._row.text

    def set(self, text: str) -> None:
        self.spinner._row.text = text

    def terminal(self) -> Terminal | None:
        spinner = self.spinner
        return spinner._terminal if spinner.running else None

    def clock(self) -> Callable[[], float]:
        spinner = self.spinner
        terminal = spinner._terminal if spinner.running else None
        return (terminal or spinner._terminal_now()).now


class _TaskPlace:
    """Where a group task's progress goes: its text, shown after its title."""

    __slots__ = ("task",)

    def __init__(self, task: TaskRow) -> None:
        self.task = task

    def get(self) -> str:
        return self.task.text

    def set(self, text: str) -> None:
        task = self.task
        task.text = text
        if task._row is not None:
            from twirly._group import Group

            Group._set_row_text(task)  # (this frame, not the next: the group's hook ran)

    def terminal(self) -> Terminal | None:
        group = self.task.group
        return group._terminal if group is not None and group._rows else None

    def clock(self) -> Callable[[], float]:
        group = self.task.group
        terminal = group._terminal if group is not None else None
        return terminal.now if terminal is not None else _monotonic


class _Progress:
    """One run of a tracked loop: its counter, and its text made at frame time."""

    __slots__ = (
        "asked",
        "label",
        "now",
        "place",
        "rate",
        "shown",
        "started",
        "terminal",
        "total",
        "unicode",
    )

    def __init__(
        self,
        place: _SpinnerPlace | _TaskPlace,
        total: int | None,
        terminal: Terminal | None,
        label: str | None = None,
    ) -> None:
        self.place = place
        self.total = total
        self.terminal = terminal
        # Bumped each time the loop asks for an item, before the item is fetched: an item is
        # done once the next one is asked for, or the items ran out (see done()).
        self.asked = count()
        self.label = place.get() if label is None else label
        self.shown: str | None = None  # the text this run last gave the row
        self.unicode = terminal.caps.unicode if terminal is not None else True
        self.now = place.clock()  # (the terminal's, even off a terminal: a test's clock)
        self.started = self.now()
        self.rate = Rate(self.started)

    def done(self) -> int:
        """Items done: asked for, less the one under way (or the ask that found none left).
        A ``break`` at the 11th item leaves 10 done; a loop of 100 that ran out, 100."""
        return max(int(repr(self.asked)[6:-1]) - 1, 0)  # "count(N)": read without bumping it

    def _text(self, *, final: bool, now: float) -> str:
        current = self.place.get()
        if current is not self.shown:
            self.label = current  # (the program set its own text meanwhile: it is the label)
        done = self.done()
        elapsed = now - self.started
        rate = average(done, elapsed) if final else self.rate.update(done, now)
        text = progress_text(
            self.label, done, self.total, rate, elapsed, unicode=self.unicode, final=final
        )
        self.shown = text
        return text

    def frame(self, block: Block, now: float, size: tuple[int, int]) -> None:
        """The terminal's hook, before each frame (and before the row's first one, if it
        is shown later: ``show_after``): the row's text, made afresh."""
        self.place.set(self._text(final=False, now=now))

    def begin(self) -> None:
        """Show the first text (0 done) and make it again before every frame."""
        terminal = self.terminal
        if terminal is None or not terminal.animates:
            return
        self.shown = progress_text(
            self.label, 0, self.total, None, 0.0, unicode=self.unicode, final=False
        )
        self.place.set(self.shown)
        terminal.add_hook(self.frame, text_only=True)

    def end(self) -> str:
        """Stop making the text at frames; the text of the loop as it ended (now on the row,
        too)."""
        terminal = self.terminal
        if terminal is not None:
            terminal.remove_hook(self.frame)
        text = self._text(final=True, now=self.now())
        self.place.set(text)
        return text


def _monotonic() -> float:
    import time  # (loaded already: threading needs it)

    return time.monotonic()


def _ending(exc: BaseException) -> Ending:
    if isinstance(exc, GeneratorExit):
        return "stopped"
    if isinstance(exc, SystemExit) and exc.code in (None, 0):
        return "stopped"
    return "failed"


class Tracked(_Generic[T]):
    """An iterable that shows how far a loop over it has come (what :func:`track`,
    ``Spinner.track`` and ``TaskRow.track`` return). Iterate it with ``for`` or, over an
    async iterable (or a plain one), ``async for``."""

    __slots__ = ("_iterable", "_label", "_owned", "_place", "_total")

    def __init__(
        self,
        iterable: Iterable[T] | AsyncIterable[T],
        place: _SpinnerPlace | _TaskPlace,
        total: int | None,
        *,
        owned: bool,
    ) -> None:
        _check_iterable(iterable)
        total = check_total(total)
        self._iterable = iterable
        self._place = place
        self._total = _length(iterable) if total is None else total
        self._owned = owned  # a spinner of its own: started and ended with the loop
        self._label = place.get()  # (for a spinner of its own: its text at every start)

    @property
    def total(self) -> int | None:
        """How many items are expected (``total=``, else ``len()`` of the iterable), or
        None."""
        return self._total

    def __length_hint__(self) -> int:
        return self._total if self._total is not None else NotImplemented

    def __iter__(self) -> Iterator[T]:
        iterable = self._iterable
        if not hasattr(type(iterable), "__iter__") and hasattr(type(iterable), "__aiter__"):
            raise TypeError(
                f"{type(iterable).__name__} is an async iterable: use `async for` to track it"
            )
        return self._run(iter(iterable))  # type: ignore[arg-type]

    def _begin(self, label: str | None) -> _Progress:
        place = self._place
        progress = _Progress(place, self._total, place.terminal(), label)
        progress.begin()
        return progress

    def _start(self) -> _Progress:
        place = self._place
        label = None
        if self._owned and isinstance(place, _SpinnerPlace):
            spinner = place.spinner
            label = spinner.text = self._label
            _first_text(spinner, self._total)  # (the first frame already shows the count)
            spinner.start()
        return self._begin(label)

    def _finish(self, progress: _Progress, ending: Ending) -> None:
        text = progress.end()
        place = self._place
        if self._owned and isinstance(place, _SpinnerPlace):
            spinner = place.spinner
            if not spinner.running:
                return  # (its event loop ended it: asyncio.run's end, the loop left behind)
            # Lines of track's own, not the program's: none if the spinner was never shown.
            status: Status = "ok" if ending == "done" else "fail" if ending == "failed" else "info"
            spinner._finish(status, text, asked=False)

    def _run(self, iterator: Iterator[T]) -> Iterator[T]:
        progress = self._start()
        try:
            yield from _counted(progress.asked, iterator)
        except BaseException as exc:
            self._finish(progress, _ending(exc))
            raise
        self._finish(progress, "done")

    def __aiter__(self) -> AsyncIterator[T]:
        iterable = self._iterable
        if hasattr(type(iterable), "__aiter__"):
            return _AsyncLoop(self, aiter(iterable), None)  # type: ignore[arg-type]
        return _AsyncLoop(self, None, iter(iterable))  # type: ignore[arg-type]

    async def _astart(self) -> _Progress:
        place = self._place
        label = None
        if self._owned and isinstance(place, _SpinnerPlace):
            spinner = place.spinner
            label = spinner.text = self._label
            _first_text(spinner, self._total)
            await spinner.__aenter__()  # (an asyncio clock on this loop)
        return self._begin(label)

    async def _afinish(self, progress: _Progress, ending: Ending) -> None:
        self._finish(progress, ending)
        place = self._place
        if self._owned and isinstance(place, _SpinnerPlace):
            await place.spinner.__aexit__(None, None, None)  # (its clock's Task ends here)

    def _abandoned(self, progress: _Progress) -> None:
        """An ``async for`` left (``break``, ``return``, an exception in its body): end now,
        from the loop's thread, without awaiting anything."""
        self._finish(progress, "stopped")
        place = self._place
        if self._owned and isinstance(place, _SpinnerPlace):
            # Its clock's Task was cancelled (stop() does not wait): it ends on the loop's
            # next turn by itself, and asyncio.run's end waits for it if that comes first.
            place.spinner._ending = []

    def __repr__(self) -> str:
        total = "" if self._total is None else f" total={self._total:,}"
        return f"<twirly.Tracked {type(self._iterable).__name__}{total}>"


class _AsyncLoop(_Generic[T]):
    """What ``async for`` iterates over a :class:`Tracked`.

    A class, not an async generator, for the way a loop is left early. A ``break`` drops the
    iterator, and CPython frees it (``__del__``) right there, as it closes a ``for``'s
    generator: the spinner ends before the next line of the program runs. An async generator
    is only closed later, when the event loop next turns (its asyncgen hooks): meanwhile the
    spinner turned above what the program printed after the loop, and a watchdog blamed the
    code after the loop for blocking it. Ending the spinner needs no await: ``stop()`` is
    synchronous on the loop's thread too.
    """

    __slots__ = ("_items", "_over", "_progress", "_source", "_tracked")

    def __init__(
        self,
        tracked: Tracked[T],
        source: AsyncIterator[T] | None,
        plain: Iterator[T] | None,
    ) -> None:
        self._tracked = tracked
        self._source = source  # an async iterable's iterator, or:
        self._items = plain  # a plain iterable's (counted through zip once the loop starts)
        self._progress: _Progress | None = None
        self._over = False

    def __aiter__(self) -> _AsyncLoop[T]:
        return self

    async def __anext__(self) -> T:
        progress = self._progress
        if progress is None:
            if self._over:
                raise StopAsyncIteration
            progress = self._progress = await self._tracked._astart()
            if self._items is not None:
                self._items = _counted(progress.asked, self._items)
        try:
            items = self._items
            if items is not None:
                return next(items)
            next(progress.asked)  # (asked for: the one before is done)
            return await self._source.__anext__()  # type: ignore[union-attr]
        except (StopIteration, StopAsyncIteration):
            await self._end("done")
            raise StopAsyncIteration from None
        except GeneratorExit:
            # The coroutine is being closed (a pending Task collected): nothing may be
            # awaited now, so it ends as a loop left early does.
            self._abandon()
            raise
        except BaseException as exc:
            await self._end(_ending(exc))
            raise

    async def _end(self, ending: Ending) -> None:
        progress, self._progress = self._progress, None
        self._over = True
        if progress is not None:
            await self._tracked._afinish(progress, ending)

    async def aclose(self) -> None:
        """End the loop here, as a ``break`` does (``ℹ`` and the count so far)."""
        await self._end("stopped")

    def __del__(self) -> None:
        self._abandon()

    def _abandon(self) -> None:
        """End without awaiting anything (closed, or collected): as a loop left early."""
        progress, self._progress = self._progress, None
        self._over = True
        if progress is not None:
            self._tracked._abandoned(progress)


def _first_text(spinner: Spinner, total: int | None) -> None:
    """Before a spinner of track's own starts: where it will draw frames, the text of its
    first frame is already the count (off a terminal it prints its label alone)."""
    terminal = spinner._terminal_now()
    if terminal.animates:
        label = spinner.text
        spinner.text = progress_text(label, 0, total, None, 0.0, unicode=terminal.caps.unicode)


def track(
    iterable: Iterable[T] | AsyncIterable[T],
    text: str = "",
    *,
    total: int | None = None,
    **options: Any,
) -> Tracked[T]:
    """Iterate ``iterable`` under a spinner of its own that counts the items.

    ``for item in twirly.track(items, "Hashing")`` shows ``Hashing  3,412/10,000 · 34% ·
    812/s · 0:08 left`` while the loop runs, and leaves ``✔ Hashing  10,000/10,000 · 812/s ·
    0:12`` when the items run out (``✖`` if getting an item raised, ``ℹ`` with the count so
    far if the loop was left early). The total is ``total=`` or else ``len(iterable)``;
    without one: no percentage and no time left. ``async for`` works the same over an async
    iterable. ``options`` are :class:`twirly.Spinner`'s keyword arguments. Off a terminal:
    the text when the loop starts and the final line, nothing in between.

    Arguments are checked now, not when the loop starts.
    """
    from twirly._spinner import Spinner

    _check_iterable(iterable)
    check_total(total)
    spinner = Spinner(text, **options)
    return Tracked(iterable, _SpinnerPlace(spinner), total, owned=True)


def track_on(thing: Spinner | TaskRow, iterable: Any, total: object) -> Tracked[Any]:
    """``Spinner.track`` and ``TaskRow.track``: count on a row that is already there."""
    from twirly._spinner import Spinner

    place = _SpinnerPlace(thing) if isinstance(thing, Spinner) else _TaskPlace(thing)
    return Tracked(iterable, place, total, owned=False)  # type: ignore[arg-type]
