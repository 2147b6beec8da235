"""One spinner of each measured library behind the same four operations (child side).

Each library is imported only when its spinner is made, so a child pays for one library.
``text_statement`` is what a program writes to change the text while spinning, run by
``timeit`` with the spinner object bound to ``target`` and two strings to ``a`` and ``b``.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Callable
from typing import Any

DOTS = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
INTERVAL = 0.08  # seconds: every library below draws 12.5 frames per second


class BookSpinner:
    """The baseline: *Fluent Python*'s thread spinner, with the same frames and rhythm.

    Rewrites the whole line with ``\\r`` every frame and waits on an ``Event``.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)

    def _spin(self) -> None:
        status = ""
        for frame in itertools.cycle(DOTS):
            status = f"\r{frame} {self.text}"
            print(status, end="", flush=True)
            if self._done.wait(INTERVAL):
                break
        blanks = " " * len(status)
        print(f"\r{blanks}\r", end="", flush=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _book_spin(text: str, done: Any) -> None:
    """The book's drawing loop for the process spinner (module level: the child imports it)."""
    status = ""
    for frame in itertools.cycle(DOTS):
        status = f"\r{frame} {text}"
        print(status, end="", flush=True)
        if done.wait(INTERVAL):
            break
    print(f"\r{' ' * len(status)}\r", end="", flush=True)


class BookProcessSpinner:
    """The book's process spinner: the same loop in a ``multiprocessing.Process``.

    Waits on a ``multiprocessing.Event``; started with the platform's default start method,
    as the book does.
    """

    def __init__(self, text: str) -> None:
        import multiprocessing

        self.text = text
        self._done = multiprocessing.Event()
        self._process = multiprocessing.Process(target=_book_spin, args=(text, self._done))

    def start(self) -> None:
        self._process.start()

    def stop(self) -> None:
        self._done.set()
        self._process.join()


class BookAsyncSpinner:
    """The book's coroutine spinner: a Task that draws, then awaits ``asyncio.sleep``.

    Stopped by cancelling the Task, which clears the line when the cancellation lands.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._task: Any = None

    async def _spin(self) -> None:
        import asyncio

        status = ""
        for frame in itertools.cycle(DOTS):
            status = f"\r{frame} {self.text}"
            print(status, end="", flush=True)
            try:
                await asyncio.sleep(INTERVAL)
            except asyncio.CancelledError:
                break
        print(f"\r{' ' * len(status)}\r", end="", flush=True)

    def start(self) -> None:
        import asyncio

        self._task = asyncio.get_running_loop().create_task(self._spin())

    def stop(self) -> None:
        self._task.cancel()


class Handle:
    """A started-or-not spinner of some library, driven the same way whatever the library.

    ``target()`` is the object a program changes the text on (known once started).
    """

    def __init__(
        self,
        target: Callable[[], Any],
        start: Callable[[], object],
        stop: Callable[[], object],
        finish_ok: Callable[[str], object],
        text_statement: str,
    ) -> None:
        self.target = target
        self.start = start
        self.stop = stop
        self.finish_ok = finish_ok
        self.text_statement = text_statement


def _twirly(text: str, driver: str) -> Handle:
    from twirly import Spinner

    sp = Spinner(text, driver=driver)  # type: ignore[arg-type]
    return Handle(lambda: sp, sp.start, sp.stop, sp.ok, "target.text = a; target.text = b")


def _book(text: str, kind: type[BookSpinner | BookAsyncSpinner | BookProcessSpinner]) -> Handle:
    sp = kind(text)

    def finish_ok(final: str) -> None:
        sp.stop()
        print(f"✔ {final}")

    return Handle(lambda: sp, sp.start, sp.stop, finish_ok, "target.text = a; target.text = b")


def _yaspin(text: str) -> Handle:
    from yaspin import yaspin

    sp = yaspin(text=text)

    def finish_ok(final: str) -> None:
        sp.text = final
        sp.ok("✔")

    return Handle(lambda: sp, sp.start, sp.stop, finish_ok, "target.text = a; target.text = b")


def _halo(text: str) -> Handle:
    from halo import Halo  # type: ignore[import-untyped]

    sp = Halo(text=text, spinner="dots")
    return Handle(lambda: sp, sp.start, sp.stop, sp.succeed, "target.text = a; target.text = b")


def _rich(text: str) -> Handle:
    from rich.console import Console

    console = Console()
    status = console.status(text)

    def finish_ok(final: str) -> None:
        status.stop()
        console.print(f"✔ {final}")

    return Handle(
        lambda: status, status.start, status.stop, finish_ok, "target.update(a); target.update(b)"
    )


class _AliveSpinner:
    """alive-progress in spinner mode (unknown total), which only exists as a context."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bar: Any = None
        self._context: Any = None

    def start(self) -> None:
        from alive_progress import alive_bar

        self._context = alive_bar(None, refresh_secs=INTERVAL)
        self.bar = self._context.__enter__()
        self.bar.text = self.text

    def stop(self) -> None:
        self._context.__exit__(None, None, None)

    def finish_ok(self, final: str) -> None:
        self.bar.text = final
        self.stop()


def _alive(text: str) -> Handle:
    sp = _AliveSpinner(text)
    return Handle(
        lambda: sp.bar, sp.start, sp.stop, sp.finish_ok, "target.text = a; target.text = b"
    )


MAKERS: dict[str, Callable[[str], Handle]] = {
    "twirly-thread": lambda text: _twirly(text, "thread"),
    "twirly-asyncio": lambda text: _twirly(text, "asyncio"),
    "twirly-process": lambda text: _twirly(text, "process"),
    "book-thread": lambda text: _book(text, BookSpinner),
    "book-asyncio": lambda text: _book(text, BookAsyncSpinner),
    "book-process": lambda text: _book(text, BookProcessSpinner),
    "yaspin": _yaspin,
    "halo": _halo,
    "rich": _rich,
    "alive-progress": _alive,
}


def make(name: str, text: str) -> Handle:
    """A spinner of subject ``name`` showing ``text`` (not started)."""
    try:
        return MAKERS[name](text)
    except KeyError:
        sys.exit(f"unknown subject {name!r}")
