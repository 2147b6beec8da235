"""Other output while a spinner runs: ``print()`` and ``logging`` lines go above the spinner.

While a terminal has spinner rows, ``sys.stdout`` and ``sys.stderr`` (when they write to the
same terminal) are replaced by :class:`LineProxy` objects, and ``logging`` stream handlers that
hold the original streams are pointed at the proxies. A proxy gathers each thread's text into
whole lines and hands them to the terminal, which writes them above the rows: a line is never
torn by a frame and arrives exactly once, in order per thread. When the last row goes, the
originals are put back (the very same objects) and a proxy still held somewhere becomes a
plain pass-through.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from twirly.terminal import Terminal

__all__ = ["Capture", "LineProxy"]


class LineProxy:
    """Stands in for ``sys.stdout``/``sys.stderr`` while spinner rows are on screen."""

    def __init__(self, original: TextIO) -> None:
        self._original = original
        self._terminal: Terminal | None = None
        self._partial: dict[int, str] = {}
        self._dangling = False  # an unfinished line was handed to the original at detach
        self._lock = threading.Lock()

    def attach(self, terminal: Terminal) -> bool:
        """Send whole lines to ``terminal`` from now on. True when the original may hold an
        unfinished line (the cursor is not at the start of a row)."""
        with self._lock:
            self._terminal = terminal
            dangling, self._dangling = self._dangling, False
            return dangling

    @property
    def original(self) -> TextIO:
        """The stream this proxy stands in for."""
        return self._original

    def write(self, text: str) -> int:
        """Hold text until a line is complete, then send the whole line above the spinner."""
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        thread = threading.get_ident()
        with self._lock:
            terminal = self._terminal
            if terminal is None:
                # Passed through under the lock, so a spinner cannot appear mid-write.
                if "\n" in text:
                    self._dangling = False
                return self._original.write(text)
            pending = self._partial.pop(thread, "") + text
            head, newline, tail = pending.rpartition("\n")
            if tail:
                self._partial[thread] = tail
        if newline:
            terminal.write_lines(head.split("\n"), raw=True, stream=self._original)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each string in ``lines``, as :meth:`write` does."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Show this thread's unfinished line now (a prompt before ``input()``, say)."""
        with self._lock:
            terminal = self._terminal
            if terminal is None:
                self._original.flush()
                return
            pending = self._partial.pop(threading.get_ident(), "")
        if pending:
            terminal.write_partial(pending, stream=self._original)

    def detach(self) -> None:
        """Become a pass-through. Each thread's unfinished line goes to the original stream,
        unflushed, as without twirly: the rest of it may still come, and the thread's later
        writes (to the original, now) must follow it."""
        with self._lock:
            self._terminal = None
            pending, self._partial = list(self._partial.values()), {}
            if pending:
                self._dangling = True
                try:
                    self._original.write("".join(pending))
                except (OSError, ValueError):
                    pass

    def isatty(self) -> bool:
        """The original stream's answer."""
        return self._original.isatty()

    def fileno(self) -> int:
        """The original stream's descriptor (subprocesses inherit the real terminal)."""
        return self._original.fileno()

    def __getattr__(self, name: str) -> Any:
        # encoding, errors, buffer, name, mode, readable, ...: the original's.
        return getattr(self._original, name)

    def __repr__(self) -> str:
        return f"<twirly LineProxy for {self._original!r}>"


def _same_file(a: IO[Any] | None, b: IO[Any]) -> bool:
    if a is None:
        return False
    if a is b:
        return True
    try:
        return os.path.samestat(os.fstat(a.fileno()), os.fstat(b.fileno()))
    except (OSError, ValueError, AttributeError):
        return False


#: One proxy per original stream, for the life of the program: a thread that fetched
#: ``sys.stdout`` while no spinner ran and writes after one started still reaches the spinner's
#: terminal, because it holds the very proxy the new spinner attaches to.
_proxies: dict[int, LineProxy] = {}


def _proxy_for(original: TextIO) -> LineProxy:
    proxy = _proxies.get(id(original))
    if proxy is None or proxy.original is not original:
        proxy = _proxies[id(original)] = LineProxy(original)
    return proxy


def _reset_after_fork() -> None:
    # A lock held by another thread at fork() would stay held forever in the child.
    for proxy in _proxies.values():
        proxy._lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


class Capture:
    """The swap of ``sys.stdout``/``sys.stderr`` and logging handlers for one terminal."""

    def __init__(self, terminal: Terminal, stream: TextIO) -> None:
        self._proxies: dict[str, LineProxy] = {}
        self._handlers: list[tuple[Any, Any, LineProxy]] = []
        self._input: tuple[Callable[..., str], Callable[..., str]] | None = None
        #: Originals that may hold a line a thread left unfinished when the last spinner
        #: stopped: the new rows must start below it.
        self.dangling: list[TextIO] = []
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if isinstance(current, LineProxy) or not _same_file(current, stream):
                continue
            proxy = _proxy_for(current)
            if proxy.attach(terminal):
                self.dangling.append(current)
            self._proxies[name] = proxy
            setattr(sys, name, proxy)
        self._redirect_logging()
        if "stdout" in self._proxies:
            self._pause_around_input(terminal)

    def _redirect_logging(self) -> None:
        # Only if the program uses logging: importing it ourselves would cost ~6 ms.
        logging = sys.modules.get("logging")
        if logging is None or not self._proxies:
            return
        by_original = {id(p.original): p for p in self._proxies.values()}
        loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        for logger in loggers:
            for handler in getattr(logger, "handlers", ()):
                stream = getattr(handler, "stream", None)
                proxy = by_original.get(id(stream))
                if proxy is not None and isinstance(handler, logging.StreamHandler):
                    handler.acquire()
                    try:
                        handler.stream = proxy
                    finally:
                        handler.release()
                    self._handlers.append((handler, stream, proxy))

    def _pause_around_input(self, terminal: Terminal) -> None:
        # input() on a terminal writes its prompt straight to the descriptor (readline), past
        # any proxy, right onto the spinner row. So while rows are shown, input() shows the
        # prompt through the terminal (which erases the rows), reads the answer, and then the
        # rows are drawn again below the answered prompt.
        import builtins

        original = builtins.input

        @functools.wraps(original)
        def paused_input(prompt: object = "") -> str:
            terminal.write_partial(str(prompt))
            try:
                return original()
            finally:
                terminal.write_lines([])

        builtins.input = paused_input
        self._input = (original, paused_input)

    def restore(self) -> None:
        """Put every original back (the proxies become pass-throughs)."""
        if self._input is not None:
            import builtins

            original, paused_input = self._input
            if builtins.input is paused_input:
                builtins.input = original
            self._input = None
        for handler, original, proxy in self._handlers:
            # Without the handler's lock: this runs under the terminal's lock, and a thread in
            # the handler's emit() holds its lock while it waits for ours. One attribute store
            # is atomic, and the proxy passes late writes through to the original.
            if handler.stream is proxy:
                handler.stream = original
        self._handlers.clear()
        for name, proxy in self._proxies.items():
            if getattr(sys, name) is proxy:
                setattr(sys, name, proxy.original)
            proxy.detach()
        self._proxies.clear()
