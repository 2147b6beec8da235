"""Where bytes go: one descriptor written whole, or a text stream; silent once nobody reads.

:class:`Output` is the lowest layer of the one writer (:class:`~twirly.terminal.Terminal`
decides *what* to write and holds the lock; this decides *how*): it writes every byte of a
line even on a descriptor someone made non-blocking, tells whether a frame can be written
without blocking (frames are skipped rather than stall a program behind a stopped reader),
and goes quiet for good when the reader has gone away.
"""

from __future__ import annotations

import os

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

__all__ = ["NOWHERE", "Output", "fileno", "isatty"]


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


class Output:
    """Writes to a descriptor (``fd``) when there is one, else through the text stream."""

    __slots__ = ("dead", "encoding", "fd", "stream")

    def __init__(self, stream: TextIO, fd: int | None) -> None:
        self.stream = stream
        self.fd = fd
        self.encoding: str = getattr(stream, "encoding", None) or "utf-8"
        self.dead = False

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
            data = memoryview(text.encode(self.encoding, errors))
            while data:
                try:
                    written = os.write(self.fd, data)
                except BlockingIOError:
                    # Someone made the descriptor non-blocking: wait for room, never drop.
                    import select

                    select.select([], [self.fd], [], 1.0)
                    continue
                data = data[written:]
        except (OSError, ValueError):
            self.go_dead()

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
        if self.fd is None:
            return True
        import select

        try:
            return bool(select.select([], [self.fd], [], 0)[1])
        except (OSError, ValueError):
            return False

    def flush_first(self, stream: TextIO | None) -> None:
        """Flush text someone wrote to the stream objects directly, so it comes out first."""
        for candidate in (stream, self.stream):
            if candidate is not None:
                try:
                    candidate.flush()
                except (OSError, ValueError):
                    pass
