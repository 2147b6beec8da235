"""Where bytes go: one descriptor written whole, or a text stream; silent once nobody reads.

:class:`Output` is the lowest layer of the one writer (:class:`~twirly.terminal.Terminal`
decides *what* to write and holds the lock; this decides *how*): it writes every byte of a
line even on a descriptor someone made non-blocking, tells whether a frame can be written
without blocking (frames are skipped rather than stall a program behind a stopped reader),
and goes quiet for good when the reader has gone away.
"""

from __future__ import annotations

import os
import sys

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

__all__ = [
    "NOWHERE",
    "Memory",
    "Output",
    "device_of",
    "fileno",
    "isatty",
    "same_device",
    "write_all",
]


class _Nowhere:
    """The stream of a program with no ``sys.stderr`` (pythonw, ``2>&-``): output is dropped
    silently, as ``print()`` does when its stream is None."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


NOWHERE: TextIO = _Nowhere()  # type: ignore[assignment]  # (has all that twirly calls)


def fileno(stream: TextIO) -> int | None:
    """The stream's descriptor, or None (StringIO, closed, exotic streams)."""
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):
        return None


def isatty(stream: TextIO) -> bool:
    """True when the stream is a terminal; False when it cannot say."""
    try:
        return bool(stream.isatty())
    except (OSError, ValueError, AttributeError):
        return False


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write every byte of ``data`` to ``fd``, even when someone made it non-blocking: wait
    for room rather than drop. ``OSError`` from the descriptor propagates."""
    try:
        written = os.write(fd, data)  # (almost always whole: a frame is a few bytes)
    except BlockingIOError:
        written = 0
    if written >= len(data):
        return
    view = memoryview(data)[written:]
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            import select

            select.select([], [fd], [], 1.0)
            continue
        view = view[written:]


def device_of(fd: int) -> tuple[int, ...] | None:
    """Where ``fd`` writes, as a key: a terminal by its device number (however it was
    opened), anything else by its file (device and inode). None: it cannot be told."""
    import stat

    try:
        info = os.fstat(fd)
    except (OSError, ValueError):
        return None
    if stat.S_ISCHR(info.st_mode) and info.st_rdev:
        return (info.st_rdev,)
    return (info.st_dev, info.st_ino)


def same_device(first: int, second: int | None) -> bool:
    """Do descriptors ``first`` and ``second`` write to the same file or terminal?"""
    if second is None:
        return False
    key = device_of(first)
    return key is not None and key == device_of(second)


def _room_check(fd: int) -> Callable[[], bool]:
    """A check of whether ``fd`` takes a write now without blocking, read as select() reads
    it (room to write, or an error that the write will report; not a descriptor that is not
    open). Asked at every frame: where poll() serves terminals (Linux), a poll made once, one
    system call where select() builds three lists in and out; elsewhere (macOS's poll() does
    not serve terminals) select()."""
    import select

    if not sys.platform.startswith("linux"):
        return lambda: bool(select.select([], [fd], [], 0)[1])
    poll = select.poll()
    poll.register(fd, select.POLLOUT)
    room, closed = select.POLLOUT | select.POLLERR, select.POLLNVAL

    def check() -> bool:
        ready = poll.poll(0)
        return bool(ready) and not ready[0][1] & closed and bool(ready[0][1] & room)

    return check


class Output:
    """Writes to a descriptor (``fd``) when there is one, else through the text stream."""

    __slots__ = ("_poll", "dead", "encoding", "fd", "stream")

    def __init__(self, stream: TextIO, fd: int | None) -> None:
        self.stream = stream
        self.fd = fd
        self.encoding: str = getattr(stream, "encoding", None) or "utf-8"
        self.dead = False
        #: The descriptor :meth:`writable` asks about, and its check (made once: see
        #: :func:`_room_check`).
        self._poll: tuple[int, Callable[[], bool]] | None = None

    def write(self, text: str, errors: str = "replace") -> None:
        """Write ``text`` whole; a terminal or reader that has gone away ends all output."""
        if self.dead or not text:
            return
        try:
            if self.fd is None:
                try:
                    self.stream.write(text)
                except UnicodeEncodeError:
                    # The stream cannot show a character (PYTHONIOENCODING=ascii): show what it
                    # can. Going quiet instead would also mute the program's own output.
                    self.stream.write(text.encode(self.encoding, errors).decode(self.encoding))
                self.stream.flush()
                return
            write_all(self.fd, text.encode(self.encoding, errors))
        except (OSError, ValueError):
            self.go_dead()

    def send(self, data: bytes) -> None:
        """Write ``data``, encoded already, to the descriptor, whole (see :meth:`write`): what
        a steady frame's own write left (see twirly.steady), or its error to report."""
        if self.dead:
            return
        fd = self.fd
        assert fd is not None  # (steady frames are drawn on a descriptor)
        try:
            write_all(fd, data)
        except (OSError, ValueError):
            self.go_dead()

    def size(self) -> tuple[int, int]:
        """Columns and rows of the terminal now (it may have been resized since the last
        frame); off a terminal ``COLUMNS`` (else 80). Rows are 0 when unknown."""
        fd = self.fd
        if fd is not None:
            try:
                columns, lines = os.get_terminal_size(fd)
            except OSError:
                columns, lines = 0, 0
            if columns > 0:
                return columns, max(lines, 0)
        try:
            return max(int(os.environ.get("COLUMNS", "80")), 1), 0
        except ValueError:
            return 80, 0

    def go_dead(self) -> None:
        """Stop writing for good: the reader went away (``| head``) or the terminal hung up.

        A pipe's descriptor is pointed at /dev/null, so that the interpreter's own flush of
        the stream at exit finds nothing to fail on (no ``BrokenPipeError`` message).
        """
        self.dead = True
        fd = fileno(self.stream)
        if fd is not None and not isatty(self.stream):
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, fd)
                os.close(devnull)
            except OSError:
                pass

    def writable(self) -> bool:
        """Can a frame be written now without blocking? If not, the frame is skipped."""
        fd = self.fd
        if fd is None:
            return True
        polled = self._poll
        if polled is None or polled[0] != fd:
            polled = self._poll = (fd, _room_check(fd))
        try:
            return polled[1]()
        except (OSError, ValueError, RuntimeError):  # (a poll busy in another thread)
            return False

    def flush_first(self, stream: TextIO | None) -> None:
        """Flush text someone wrote to the stream objects directly, so it comes out first."""
        for candidate in (stream, self.stream):
            if candidate is not None:
                try:
                    candidate.flush()
                except (OSError, ValueError):
                    pass


class Memory(Output):
    """A terminal in memory: what would be written is kept (and handed to ``feed``, a virtual
    terminal's, say), at a size the owner sets. For tests of everything above the block."""

    __slots__ = ("columns", "feed", "lines", "ready", "written")

    def __init__(
        self, columns: int = 80, lines: int = 24, *, feed: Callable[[str], object] | None = None
    ) -> None:
        super().__init__(NOWHERE, None)
        self.columns, self.lines = columns, lines
        self.feed = feed
        self.ready = True  # False: a frame cannot be written now (a stalled reader)
        self.written: list[str] = []

    def write(self, text: str, errors: str = "replace") -> None:
        """Keep ``text`` (as the real terminal would get it, encoded and decoded)."""
        if self.dead or not text:
            return
        text = text.encode(self.encoding, errors).decode(self.encoding, "surrogateescape")
        self.written.append(text)
        if self.feed is not None:
            self.feed(text)

    def writable(self) -> bool:
        return self.ready

    def size(self) -> tuple[int, int]:
        return self.columns, self.lines

    def go_dead(self) -> None:
        self.dead = True

    def flush_first(self, stream: TextIO | None) -> None:
        pass
