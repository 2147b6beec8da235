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
import sys
import threading
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from twirly.terminal import Terminal

__all__ = ["Capture", "LineProxy"]


class LineProxy:
    """Stands in for ``sys.stdout``/``sys.stderr`` while spinner rows are on screen."""

    def __init__(self, original: TextIO, terminal: Terminal) -> None:
        self._original = original
        self._terminal: Terminal | None = terminal
        self._partial: dict[int, str] = {}
        self._lock = threading.Lock()

    @property
    def original(self) -> TextIO:
        """The stream this proxy stands in for."""
        return self._original

    def write(self, text: str) -> int:
        """Hold text until a line is complete, then send the whole line above the spinner."""
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        terminal = self._terminal
        if terminal is None:
            return self._original.write(text)
        thread = threading.get_ident()
        with self._lock:
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
        terminal = self._terminal
        if terminal is None:
            self._original.flush()
            return
        with self._lock:
            pending = self._partial.pop(threading.get_ident(), "")
        if pending:
            terminal.write_partial(pending, stream=self._original)

    def detach_terminal(self) -> list[str]:
        """Become a pass-through; return the unfinished lines of every thread, in order."""
        with self._lock:
            self._terminal = None
            pending = list(self._partial.values())
            self._partial.clear()
        return pending

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
    import os

    try:
        return os.path.samestat(os.fstat(a.fileno()), os.fstat(b.fileno()))
    except (OSError, ValueError, AttributeError):
        return False


class Capture:
    """The swap of ``sys.stdout``/``sys.stderr`` and logging handlers for one terminal."""

    def __init__(self, terminal: Terminal, stream: TextIO) -> None:
        self._proxies: dict[str, LineProxy] = {}
        self._handlers: list[tuple[Any, Any, LineProxy]] = []
        self._input: tuple[Callable[..., str], Callable[..., str]] | None = None
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if isinstance(current, LineProxy) or not _same_file(current, stream):
                continue
            proxy = LineProxy(current, terminal)
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

    def restore(self) -> list[tuple[TextIO, str]]:
        """Put every original back; return the unfinished lines left in the proxies."""
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
        leftovers: list[tuple[TextIO, str]] = []
        for name, proxy in self._proxies.items():
            if getattr(sys, name) is proxy:
                setattr(sys, name, proxy.original)
            leftovers.extend((proxy.original, text) for text in proxy.detach_terminal())
        self._proxies.clear()
        return leftovers
