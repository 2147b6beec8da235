"""Other output while a spinner runs: ``print()`` and ``logging`` lines go above the spinner.

While a terminal has spinner rows, ``sys.stdout`` and ``sys.stderr`` (when they write to the
same terminal) are replaced by :class:`LineProxy` objects, and ``logging`` stream handlers that
hold the original streams are pointed at the proxies. A proxy gathers each thread's text into
whole lines and hands them to the terminal, which writes them above the rows: a line is never
torn by a frame and arrives exactly once, in order per thread. When the last row goes, the
originals are put back (the very same objects) and a proxy still held somewhere becomes a
plain pass-through.

Output that never passes through ``sys.stdout`` (a subprocess, ``os.write(1, ...)``, a C
extension, a forked child) is taken where it really goes: :class:`Descriptors` points fd 1
and/or fd 2, while they are the rows' terminal, at a pseudo-terminal of twirly's (so children
still see a terminal and keep their colours) and hands what arrives there, in whole lines, to
the same path above the rows.
"""

from __future__ import annotations

import _thread
import io
import os
import sys

from twirly.output import device_of, same_device

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Iterable, Sequence
    from threading import Thread
    from typing import IO, Any, Protocol, TextIO, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

    class Terminal(Protocol):
        """What the capture asks of the terminal it feeds (not the class: no import cycle)."""

        def write_lines(
            self,
            lines: Sequence[str],
            *,
            raw: bool = False,
            stream: TextIO | None = None,
            errors: str | None = None,
            owner: int | None = None,
        ) -> None:
            """Write whole lines above the rows (``owner``: the writing thread)."""

        def write_partial(
            self, text: str, *, stream: TextIO | None = None, owner: int | None = None
        ) -> None:
            """Show an unfinished line (``owner``: the writing thread)."""

        def program_line(self, line: str, stream: TextIO | None, owner: int) -> None:
            """One whole line of the program's."""

        def flush_lines(self) -> None:
            """The program flushed a stream: lines queued for the next frame, now."""

        def step_aside(self, prompt: str = "") -> None:
            """Someone is about to ask the person something."""

        def come_back(self) -> None:
            """The question was answered."""

        def step_aside_for_a_password(self) -> None:
            """getpass is about to write its prompt, with echo off."""


__all__ = ["Capture", "Descriptors", "LineProxy"]

#: What ``functools.wraps`` copies from the function it wraps (``__type_params__`` exists
#: from Python 3.12 on); functools itself is not loaded before a first spinner's first frame.
_COPIED = (
    "__module__",
    "__name__",
    "__qualname__",
    "__doc__",
    "__annotations__",
    "__type_params__",
)


def _wraps(original: Callable[..., Any]) -> Callable[[F], F]:
    """``functools.wraps(original)`` written out: the wrapper takes the original's name,
    docstring and attributes, and ``__wrapped__`` leads to it."""

    def wrap(wrapper: F) -> F:
        for name in _COPIED:
            try:
                value = getattr(original, name)
            except AttributeError:
                continue
            setattr(wrapper, name, value)
        wrapper.__dict__.update(getattr(original, "__dict__", {}))
        setattr(wrapper, "__wrapped__", original)  # noqa: B010  (F does not declare it)
        return wrapper

    return wrap


class LineProxy:
    """Stands in for ``sys.stdout``/``sys.stderr`` while spinner rows are on screen."""

    def __init__(self, original: TextIO) -> None:
        self._original = original
        self._terminal: Terminal | None = None
        self._partial: dict[int, str] = {}
        self._dangling = False  # an unfinished line was handed to the original at detach
        # Re-entrant: a signal handler (twirly's restore on SIGTERM) may run in the main thread
        # while it is inside write(), and must be able to detach the proxy.
        self._lock = _thread.RLock()

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
        if text.__class__ is not str and not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        thread = _thread.get_ident()
        # The common cases of a print(): its parts before the newline, then the newline.
        if "\n" not in text:
            with self._lock:
                terminal = self._terminal
                if terminal is not None:
                    partial = self._partial
                    partial[thread] = partial.get(thread, "") + text
                    return len(text)
                return self._original.write(text)
        if text == "\n":
            with self._lock:
                terminal = self._terminal
                if terminal is not None:
                    line = self._partial.pop(thread, "")
            if terminal is not None:
                terminal.program_line(line, self._original, thread)
                return 1
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
            terminal.write_lines(head.split("\n"), raw=True, stream=self._original, owner=thread)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each string in ``lines``, as :meth:`write` does."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Show this thread's unfinished line now (a prompt before ``input()``, say), or the
        lines waiting for the next frame."""
        with self._lock:
            terminal = self._terminal
            if terminal is None:
                self._original.flush()
                return
            pending = self._partial.pop(_thread.get_ident(), "")
        if pending:
            terminal.write_partial(pending, stream=self._original, owner=_thread.get_ident())
        else:
            terminal.flush_lines()  # (what a flush promises: on the terminal now)

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
        return same_device(a.fileno(), b.fileno())
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
    # A lock held by another thread at fork() would stay held forever in the child; and the
    # parent's kept captures are the parent's to hand on.
    for proxy in _proxies.values():
        proxy._lock = _thread.RLock()
    _kept.clear()


os.register_at_fork(after_in_child=_reset_after_fork)


class Capture:
    """The swap of ``sys.stdout``/``sys.stderr`` and logging handlers for one terminal."""

    def __init__(self, terminal: Terminal, stream: TextIO) -> None:
        self._proxies: dict[str, LineProxy] = {}
        self._handlers: list[tuple[Any, Any, LineProxy]] = []
        self._input: tuple[Callable[..., str], Callable[..., str]] | None = None
        self._getpass: tuple[Any, Callable[..., str], Callable[..., str]] | None = None
        self._raw_input: tuple[Any, Callable[..., str], Callable[..., str]] | None = None
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
        # any proxy, right onto the spinner row. So while rows are shown, input() first has
        # the rows step aside (erased, cursor shown, fd 1/2 back), asks, and then the rows are
        # drawn again below the answered prompt. getpass() the same, when it is imported (a
        # copy bound earlier is caught by the terminal's watch on its modes).
        import builtins

        original = builtins.input

        @_wraps(original)
        def paused_input(prompt: object = "") -> str:
            terminal.step_aside()
            try:
                return original(prompt)
            finally:
                terminal.come_back()

        builtins.input = paused_input
        self._input = (original, paused_input)
        getpass: Any = sys.modules.get("getpass")
        if getpass is not None:
            original_getpass = getpass.getpass

            @_wraps(original_getpass)
            def paused_getpass(*args: Any, **kwargs: Any) -> str:
                terminal.step_aside()
                try:
                    return str(original_getpass(*args, **kwargs))
                finally:
                    terminal.come_back()

            getpass.getpass = paused_getpass
            self._getpass = (getpass, original_getpass, paused_getpass)
            self._pause_around_the_password(getpass, terminal)

    def _pause_around_the_password(self, getpass: Any, terminal: Terminal) -> None:
        # A getpass() bound before the spinner started (`from getpass import getpass`) is
        # not the wrapper above, but it asks through the module's _raw_input, looked up at
        # each call: the rows step aside there, before its prompt is written, with echo
        # left as getpass set it (off). Without this, only the terminal's watch could see
        # it, a frame late: the process driver's child would draw over the prompt first.
        # The watch brings the rows back once getpass has returned (and ended its line).
        original = getattr(getpass, "_raw_input", None)
        if not callable(original):
            return

        @_wraps(original)
        def paused_raw_input(*args: Any, **kwargs: Any) -> str:
            terminal.step_aside_for_a_password()
            return str(original(*args, **kwargs))

        getpass._raw_input = paused_raw_input
        self._raw_input = (getpass, original, paused_raw_input)

    def restore(self) -> None:
        """Put every original back (the proxies become pass-throughs)."""
        if self._input is not None:
            import builtins

            original, paused_input = self._input
            if builtins.input is paused_input:
                builtins.input = original
            self._input = None
        if self._getpass is not None:
            module, original_getpass, paused_getpass = self._getpass
            if module.getpass is paused_getpass:
                module.getpass = original_getpass
            self._getpass = None
        if self._raw_input is not None:
            module, original_raw_input, paused_raw_input = self._raw_input
            if module._raw_input is paused_raw_input:
                module._raw_input = original_raw_input
            self._raw_input = None
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


_READ_SIZE = 65536
#: Bytes of an unfinished line kept whole: past this, a line that never ends (a progress bar
#: redrawn with "\r" for an hour) keeps only what follows its last "\r".
_TAIL_LIMIT = 1 << 16
_NOTIFY_RETRY = 0.05  # seconds: the reader keeps reading while the terminal's lock is busy


def _same_terminal(fd: int, real: int) -> bool:
    return os.isatty(fd) and same_device(fd, real)


#: The process a kept capture is handed on to at the program's exit (see Descriptors.hand_on):
#: the capture's master end as its stdin and the terminal as its stdout, read and written
#: until the last child has closed the capture (EIO) or the terminal has gone.
_HAND_ON = """\
import os
os.set_blocking(0, True)
while True:
    try:
        data = os.read(0, 65536)
    except OSError:
        break
    if not data:
        break
    try:
        while data:
            data = data[os.write(1, data):]
    except OSError:
        break
"""

#: Captures children kept after their spinner stopped (see Descriptors.close), handed on at
#: the program's exit (by a hook registered once), and the processes they were handed to.
_kept: list[Descriptors] = []
_hand_on_registered = False
_handed_on: list[subprocess.Popen[bytes]] = []  # (kept: they run on after us, on purpose)


def _kept_at_exit(descriptors: Descriptors) -> None:
    global _hand_on_registered
    if not _hand_on_registered:
        import atexit

        atexit.register(_hand_on_kept)
        _hand_on_registered = True
    _kept.append(descriptors)


def _not_kept(descriptors: Descriptors) -> None:
    try:
        _kept.remove(descriptors)
    except ValueError:
        pass


def _hand_on_kept() -> None:
    for descriptors in list(_kept):
        try:
            descriptors.hand_on()
        except Exception:  # (at the exit: the others are still handed on)
            pass


def _close_all(fds: Iterable[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


class Descriptors:
    """fd 1 and/or fd 2 redirected into a pseudo-terminal of twirly's while rows are shown.

    :attr:`fd` is a private duplicate of the real terminal, for the terminal's own writes. A
    reader thread reads what arrives and calls ``notify`` (the terminal tries its lock and
    takes the whole :meth:`lines`); the terminal also takes them itself before it writes a
    line of its own, so both kinds stay in order. All reading happens under one lock.
    """

    def __init__(self, real: int, targets: Sequence[int], encoding: str) -> None:
        self._targets = tuple(targets)
        self._encoding = encoding
        self._lock = _thread.RLock()  # (re-entrant, as LineProxy's: a signal's restore)
        #: What arrived and is not taken yet (the reader adds to it, under the lock; read
        #: without it, its length says whether anything waits).
        self.pending = bytearray()
        self._closed = False
        self._redirected = False
        self._reader: Thread | None = None  # closes the descriptors at its end
        self._notify: Callable[[], bool] | None = None  # what the reader calls (start_reading)
        self._orphans: Callable[[list[str], str], None] | None = None  # (see close)
        self._hangup = False
        self._size = (0, 0)
        #: Hand on every byte at once, not whole lines (while someone else's prompt or a
        #: full-screen child has the terminal: its drawing must not wait for a newline).
        self.passthrough = False
        opened: list[int] = []
        try:
            self.fd = os.dup(real)
            opened.append(self.fd)
            self._saved: dict[int, int] = {}
            for target in self._targets:
                self._saved[target] = os.dup(target)
                opened.append(self._saved[target])
            self._master, self._slave = os.openpty()
            opened += (self._master, self._slave)
            self._wake_r, self._wake_w = os.pipe()
            opened += (self._wake_r, self._wake_w)
            os.set_blocking(self._master, False)
            device = device_of(self._slave)
        except OSError:
            _close_all(opened)
            raise
        self._own = opened
        # Read through a file object: where nothing waits it answers None, where os.read
        # raises an exception (the check before each line of a burst: half its cost).
        self._file = io.FileIO(self._master, "rb", closefd=False)
        self._chunk = bytearray(_READ_SIZE)
        #: The capture's device, as terminal_for tells devices apart.
        self.device = device
        import termios

        self._real = self.fd
        self._keyboard = 0 if _same_terminal(0, real) else None
        self._lent: list[Any] | None = None  # the real terminal's modes while a child has keys
        self._line_modes = 0
        try:
            # The same modes as the real terminal: a child sees what it would see there.
            modes = termios.tcgetattr(real)
            termios.tcsetattr(self._slave, termios.TCSANOW, modes)
            self._line_modes = modes[3] & (termios.ECHO | termios.ICANON)
        except termios.error:
            pass

    @classmethod
    def start(cls, real: int, encoding: str, notify: Callable[[], bool]) -> Descriptors | None:
        """Capture fd 1 and fd 2 where they write to the terminal ``real`` writes to (None
        when neither does, or when a pseudo-terminal cannot be had)."""
        targets = [fd for fd in (1, 2) if _same_terminal(fd, real)]
        if not targets:
            return None
        try:
            capture = cls(real, targets, encoding)
        except OSError:
            return None
        for stream in (sys.__stdout__, sys.__stderr__):
            # Text written before the rows came goes out before them.
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass
        capture.redirect()
        capture._notify = notify
        return capture

    def start_reading(self) -> None:
        """Start the reader thread (once; the terminal asks after drawing its first frame,
        which then need not wait for ``threading`` to load). Until then what arrives waits in
        the capture, and the terminal takes it before each of its writes."""
        notify, self._notify = self._notify, None
        if notify is None or self._closed:
            return
        import threading

        reader = threading.Thread(
            target=self._read_loop, args=(notify,), name="twirly-capture", daemon=True
        )
        try:
            reader.start()
            self._reader = reader
        except RuntimeError:
            pass  # no thread: the terminal still takes the lines before each of its writes

    def redirect(self) -> None:
        """Point the descriptors at the capture (again, after :meth:`pause`)."""
        if self._redirected or self._closed:
            return
        try:
            for target in self._targets:
                os.dup2(self._slave, target)
        except OSError:
            return
        self._redirected = True

    def pause(self) -> None:
        """Put the real descriptors back for a while (a prompt waits for the person)."""
        if not self._redirected:
            return
        for target, saved in self._saved.items():
            try:
                os.dup2(saved, target)
            except OSError:
                pass
        self._redirected = False

    def follow_size(self, columns: int, lines: int) -> None:
        """Give the capture the real terminal's size (children ask it for their layout)."""
        if (columns, lines) == self._size or self._closed:
            return
        resized = self._size != (0, 0)
        self._size = (columns, lines)
        import termios

        try:
            # (termios's own call, not fcntl's ioctl with a struct: neither module need load
            # before a first spinner's first frame)
            termios.tcsetwinsize(self._slave, (lines, columns))
        except (termios.error, OSError):
            return
        if resized:
            self._tell_of_the_size()

    def _tell_of_the_size(self) -> None:
        # A child that lays out on the capture, its terminal (less, vim, a progress bar),
        # may have heard of the resize from the real terminal and asked the capture, which
        # still had the old size. The capture is nobody's controlling terminal: the kernel
        # tells nobody when its size changes. So the real terminal's foreground group hears
        # again, as from a terminal, when it is ours: twirly's process and its children,
        # who heard the first time too (a signal ignored unless listened for). (After a
        # resize, not before a first frame: the signal module's load costs nothing there.)
        import signal

        try:
            group = os.getpgrp()
            if os.tcgetpgrp(self._real) == group:
                os.killpg(group, signal.SIGWINCH)
        except OSError:
            pass

    def lines(self) -> list[str]:
        """The whole lines that arrived; an unfinished rest waits for its end."""
        return self._take(tail=False)[0]

    def waiting(self) -> bool:
        """True when something arrived that is not taken yet (one read, never waits). A read,
        not a poll: a pseudo-terminal hands what its slave end was given to the reading end
        a moment later, on a kernel worker, and only a read waits for that hand-over; a poll
        right after a child's write may not see it yet."""
        with self._lock:
            self._read()
            return bool(self.pending)

    def unfinished(self) -> int:
        """How many bytes of an unfinished line wait here (no read: what arrived so far)."""
        with self._lock:
            pending = self.pending
            return len(pending) - pending.rfind(b"\n") - 1

    def take(self) -> tuple[list[str], str]:
        """The whole lines that arrived, and the unfinished rest (taken too)."""
        return self._take(tail=True)

    # -- a child that takes the capture for its terminal (less, vim, a raw-mode prompt) --------

    def child_wants_keys(self) -> bool:
        """True while a child has turned echo or line mode off on the capture: it reads keys
        from it (less opens the terminal its stderr names), so the person's keys must reach
        it there."""
        if not self._line_modes or self._keyboard is None or self._closed:
            return False
        import termios

        try:
            flags: int = termios.tcgetattr(self._slave)[3]
        except termios.error:
            return False
        return flags & self._line_modes != self._line_modes

    def modes_fd(self) -> int | None:
        """The descriptor whose modes :meth:`child_wants_keys` reads (None: it reads none)."""
        if not self._line_modes or self._keyboard is None or self._closed:
            return None
        return self._slave

    def idle(self) -> bool:
        """True when nothing waits here for a frame to act on: no byte arrived that is not
        taken (no unfinished line a child may be prompting with), no keyboard lent, no
        bytes passed through for someone else's prompt."""
        return not (self.pending or self._lent is not None or self.passthrough or self._closed)

    @property
    def lending(self) -> bool:
        """True while the person's keys go to a child through the capture."""
        return self._lent is not None

    def lend_keyboard(self) -> None:
        """Give the real terminal the child's modes and pass the person's keys on to it."""
        import termios

        try:
            first = self._lent is None
            if first:
                self._lent = termios.tcgetattr(self._real)
            wanted = termios.tcgetattr(self._slave)
            if termios.tcgetattr(self._real) != wanted:
                termios.tcsetattr(self._real, termios.TCSANOW, wanted)
        except termios.error:
            return
        if first:
            try:
                os.write(self._wake_w, b"k")  # the reader listens to the keyboard from now on
            except OSError:
                pass

    def take_keyboard_back(self) -> None:
        """The real terminal's own modes again; keys are the program's again."""
        lent, self._lent = self._lent, None
        if lent is not None:
            import termios

            try:
                termios.tcsetattr(self._real, termios.TCSANOW, lent)
            except termios.error:
                pass

    def take_all(self) -> str:
        """Everything that arrived, as it came."""
        with self._lock:
            self._read()
            data = bytes(self.pending)
            self.pending.clear()
        return data.decode(self._encoding, "surrogateescape")

    def close(self, orphans: Callable[[list[str], str], None]) -> tuple[list[str], str]:
        """Put the real descriptors back for good and take everything that arrived.

        A child still holding the capture (a server started in the background) keeps it:
        what it writes later goes to ``orphans`` (whole lines; its unfinished last line once
        the last such child has closed it), and only then is the capture closed. Closed at
        once, it would make their writes fail (EIO).
        """
        self.take_keyboard_back()
        self.pause()
        lines, rest = self._take(tail=True)
        reader = self._reader
        with self._lock:
            held = reader is not None and self._held_by_others()
            if held:
                self._orphans = orphans
                _kept_at_exit(self)
            else:
                self._closed = True
            if reader is not None and not held:
                # Under the lock: the reader closes everything as it ends, under the lock too,
                # so the pipe is still ours here (a reader only just started may find the
                # capture closed before it waits at all).
                try:
                    os.write(self._wake_w, b"x")
                except OSError:
                    pass
        if held:
            return lines, rest
        if reader is not None:
            # Waited for, so the descriptors are closed when the spinner has stopped. It ends
            # at once, or within one retry if it was waiting for the terminal's lock.
            reader.join(timeout=4 * _NOTIFY_RETRY)
        else:
            _close_all(self._own)
        return lines, rest

    def hand_on(self) -> None:
        """At the program's exit, for a capture children keep (see close): what arrived is
        passed on, and what they write from now on reaches the terminal through a small
        process of its own, as it would have without twirly (this reader ends with the
        program). That process ends when the last of them has closed the capture."""
        with self._lock:
            if self._closed or self._orphans is None:
                return
            orphans, reader = self._orphans, self._reader
            # (ends of our own, of the capture's master and of the terminal: the reader closes
            # its own as it ends, and the last master closed would hang the capture up under
            # the children)
            master, terminal = os.dup(self._master), os.dup(self.fd)
            self._closed = True
            try:
                os.write(self._wake_w, b"x")
            except OSError:
                pass
        try:
            if reader is not None:  # (it may be passing lines on: theirs come first)
                reader.join(timeout=4 * _NOTIFY_RETRY)
            with self._lock:
                self._read_from(io.FileIO(master, "rb", closefd=False))
                lines, rest = self._take(tail=True)
            if lines or rest:
                orphans(lines, rest)
            if sys.executable and not getattr(sys, "frozen", False):  # (not an app of its own)
                import subprocess

                handed = subprocess.Popen(
                    [sys.executable, "-I", "-S", "-c", _HAND_ON],
                    stdin=master,
                    stdout=terminal,
                    stderr=subprocess.DEVNULL,
                )
                _handed_on.append(handed)  # (no warning that it still runs: see _handed_on)
        except (OSError, ValueError):
            pass  # (the rest is lost, as before: no process could be started)
        finally:
            os.close(master)
            os.close(terminal)

    def _held_by_others(self) -> bool:
        # Under the lock. Without our own end of the capture, a read reports the hang-up
        # (EIO) unless someone else still has one.
        _close_all([self._slave])
        self._own.remove(self._slave)
        self._slave = -1
        try:
            data = os.read(self._master, _READ_SIZE)
        except BlockingIOError:
            return True
        except OSError:
            return False
        self.pending += data
        return True

    def forget(self) -> None:
        """In a forked child: the parent reads the capture, and the child's own writes to fd
        1 and 2 still go there, so they come out above the parent's rows."""
        self._closed = True
        _close_all(self._own)

    def _take(self, *, tail: bool, last: bool = False) -> tuple[list[str], str]:
        with self._lock:
            self._read()
            if last:
                self._closed = True
            pending = self.pending
            end = pending.rfind(b"\n")
            whole = bytes(pending[:end]) if end >= 0 else None
            if tail:
                rest = bytes(pending[end + 1 :])
                pending.clear()
            else:
                rest = b""
                del pending[: end + 1]
        lines = [] if whole is None else [self._decode(line) for line in whole.split(b"\n")]
        return lines, self._decode(rest, ending=False)

    def _decode(self, data: bytes, *, ending: bool = True) -> str:
        # The terminal's own translation of "\n" (ONLCR) is undone; the line path adds it back.
        if ending and data.endswith(b"\r"):
            data = data[:-1]
        return data.decode(self._encoding, "surrogateescape")

    def _read(self) -> None:
        # Under self._lock.
        if not self._closed:
            self._read_from(self._file)

    def _read_from(self, file: io.FileIO) -> None:
        # Under self._lock: what waits on ``file`` (the capture's master end, which does not
        # block; the reader's, or one of hand_on's own), added to what is pending.
        pending, chunk = self.pending, self._chunk
        while True:
            try:
                count = file.readinto(chunk)
            except OSError:
                self._hangup = True  # (EIO) nobody has the capture open any more
                break
            if not count:
                break  # (None: nothing more now; 0: the end)
            pending += chunk[:count]
        if len(pending) > _TAIL_LIMIT and b"\n" not in pending:
            del pending[: pending.rfind(b"\r") + 1]

    def _read_loop(self, notify: Callable[[], bool]) -> None:
        from twirly.guards import leave_signals_to_the_main_thread

        leave_signals_to_the_main_thread()
        import select

        from twirly.echo import not_a_reader

        not_a_reader(_thread.get_native_id())
        waiting = False
        try:
            while True:
                wait = _NOTIFY_RETRY if waiting else None
                keyboard = self._keyboard if self._lent is not None else None
                watched = [self._master, self._wake_r]
                if keyboard is not None:
                    watched.append(keyboard)
                ready = select.select(watched, [], [], wait)[0]
                if self._wake_r in ready:
                    os.read(self._wake_r, 64)
                if keyboard is not None and keyboard in ready and self._lent is not None:
                    try:
                        os.write(self._master, os.read(keyboard, 4096))  # the child reads it
                    except OSError:
                        pass
                with self._lock:
                    if self._closed:
                        break
                    self._read()
                    waiting = b"\n" in self.pending or bool(self.passthrough and self.pending)
                    orphans, done = self._orphans, self._hangup
                if orphans is not None:
                    lines, rest = self._take(tail=done)
                    if lines or rest:
                        orphans(lines, rest)
                    if done:
                        break
                elif waiting:
                    waiting = not notify()
        except (OSError, ValueError):
            pass
        finally:
            not_a_reader(_thread.get_native_id(), ends=True)
            with self._lock:
                self._closed = True
                _close_all(self._own)
            _not_kept(self)  # (nothing left to hand on at the exit)
