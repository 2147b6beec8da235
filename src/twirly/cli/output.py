"""Where the command's output goes: above the spinner, straight to a stream, into a recording.

Output moves as bytes and is decoded only when it must share a terminal with the spinner, in
blocks of whole lines (one decode and one write per block, never per line), so streaming
stays close to ``cat``'s speed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, TextIO

from twirly import output
from twirly.state import Row

if TYPE_CHECKING:
    from twirly.terminal import Terminal

__all__ = ["Destination", "LiveLine", "Recording", "TailRows", "Writer"]

_SPILL_AT = 16 * 1024 * 1024  # bytes kept in memory before the recording moves to a file


def write_all(fd: int, data: bytes) -> bool:
    """Write every byte of ``data`` to ``fd``; False when the reader has gone away."""
    try:
        output.write_all(fd, data)
    except OSError:
        return False
    return True


class Writer:
    """A thread that writes output while the main thread reads more.

    Reading the command's pty and writing to twirly's terminal then overlap instead of
    taking turns: 100 MB pass through about 1.5 times faster than from one thread.
    """

    def __init__(self) -> None:
        import queue
        import threading

        self._jobs: queue.Queue[tuple[Callable[[bytes], None], bytes] | None] = queue.Queue(8)
        self._thread = threading.Thread(target=self._work, name="twirly-output", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        broken = False
        while (job := self._jobs.get()) is not None:
            if not broken:  # else keep taking jobs: a full queue would stop the reader for good
                write, data = job
                try:
                    write(data)
                except Exception:
                    broken = True
            self._jobs.task_done()

    def submit(self, write: Callable[[bytes], None], data: bytes) -> None:
        """Have ``write(data)`` called after every job submitted before it."""
        self._jobs.put((write, data))

    def drain(self) -> None:
        """Wait until everything submitted so far has been written."""
        self._jobs.join()

    def close(self) -> None:
        """Wait until everything submitted has been written."""
        self._jobs.put(None)
        self._thread.join()


class Destination:
    """One of twirly's output streams, as seen from the command's output."""

    def __init__(
        self, stream: TextIO, fd: int, terminal: Terminal, writer: Writer | None = None
    ) -> None:
        self.stream = stream
        self.fd = fd
        self._terminal = terminal
        self._shared = terminal.animates and output.same_device(fd, terminal.fd)
        self._encoding = terminal.encoding
        self._alive = True
        self._writer = writer
        self._crlf = self._shared and not _adds_carriage_returns(fd)

    @property
    def alive(self) -> bool:
        """False once the reader has gone away (``| head`` has read enough)."""
        return self._alive

    def lines(self, data: bytes) -> None:
        """Write ``data`` (whole lines, without the last newline) and a newline."""
        if self._writer is not None:
            self._writer.submit(self._write_lines, data)
        else:
            self._write_lines(data)

    def partial(self, data: bytes) -> None:
        """Write an unfinished line (a prompt): the spinner pauses until a line completes it."""
        if self._writer is not None:
            self._writer.submit(self._write_partial, data)
        else:
            self._write_partial(data)

    def _write_lines(self, data: bytes) -> None:
        if not self._alive:
            return
        if self._shared and self._terminal.rows:
            # One "line" holding many, so the whole block costs one write.
            text = data.decode(self._encoding, "surrogateescape")
            if self._crlf:
                text = text.replace("\n", "\r\n")
            self._terminal.write_lines(
                [text], raw=True, stream=self.stream, errors="surrogateescape"
            )
        else:
            self._alive = write_all(self.fd, data + b"\n")

    def _write_partial(self, data: bytes) -> None:
        if not self._alive or not data:
            return
        if self._shared and self._terminal.rows:
            text = data.decode(self._encoding, "replace")
            self._terminal.write_partial(text, stream=self.stream)
        else:
            self._alive = write_all(self.fd, data)

    def drain(self) -> None:
        """Wait until the lines and prompts handed over so far have been written."""
        if self._writer is not None:
            self._writer.drain()

    def raw(self, data: bytes) -> None:
        """Write ``data`` as it is, at once (a replay, data for a file, a full screen)."""
        if self._alive and data:
            self._alive = write_all(self.fd, data)


def _adds_carriage_returns(fd: int) -> bool:
    """Does the terminal on ``fd`` turn "\\n" into "\\r\\n" itself (as terminals usually do)?"""
    import termios

    try:
        flags = termios.tcgetattr(fd)[1]
    except (termios.error, OSError):
        return False
    return bool(flags & termios.OPOST and flags & termios.ONLCR)


#: Bytes of an unfinished line kept to tell whether it shows anything.
_TAIL_KEPT = 256


class Recording:
    """All of the command's output, in order, for a replay when it fails."""

    def __init__(self) -> None:
        self._chunks: list[tuple[int, bytes]] = []
        self._size = 0
        self._file: IO[bytes] | None = None
        self._last: tuple[int, int] | None = None  # (source, byte) of the last output
        self._tails: dict[int, bytes] = {}  # each source's bytes after its last newline

    def add(self, source: int, data: bytes) -> None:
        """Keep ``data``, which came from the command's descriptor ``source`` (1 or 2)."""
        self._last = (source, data[-1])
        cut = data.rfind(b"\n")
        tail = data[cut + 1 :] if cut >= 0 else self._tails.get(source, b"") + data
        self._tails[source] = tail[-_TAIL_KEPT:]
        if self._file is not None:
            self._file.write(b"%d %d\n" % (source, len(data)) + data)
            return
        self._chunks.append((source, data))
        self._size += len(data)
        if self._size > _SPILL_AT:
            self._spill()

    def _spill(self) -> None:
        import tempfile

        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        for source, data in self._chunks:
            self._file.write(b"%d %d\n" % (source, len(data)) + data)
        self._chunks.clear()

    def __bool__(self) -> bool:
        return self._last is not None

    def unfinished(self) -> int | None:
        """The source whose unfinished line ends the output (None: it ends a line, or what
        follows its last line shows nothing: pip's closing ``ESC[0m``)."""
        if self._last is None or self._last[1] == 10:
            return None
        source = self._last[0]
        from twirly.cli.activity import shows_text

        return source if shows_text(self._tails.get(source, b"")) else None

    def replay(self, destinations: dict[int, Destination]) -> None:
        """Write everything again, each chunk to the stream it came from."""
        if self._file is None:
            for source, data in self._chunks:
                destinations[source].raw(data)
            return
        self._file.seek(0)
        while header := self._file.readline():
            source, size = map(int, header.split())
            destinations[source].raw(self._file.read(size))

    def close(self) -> None:
        """Let go of the memory or the file."""
        self._chunks.clear()
        if self._file is not None:
            self._file.close()
            self._file = None


class TailRows:
    """The last lines of output, live under the spinner, one row each.

    An unfinished line (a progress bar redrawn with carriage returns) shows as the last row
    until it is finished: the session keeps what it shows (an
    :class:`~twirly.cli.activity.ShownLine`, fed as output comes).
    """

    def __init__(self, terminal: Terminal, count: int) -> None:
        self._terminal = terminal
        self._lines: deque[str] = deque(maxlen=count)
        self._partial = ""
        self._rows: list[Row] = []
        self._count = count

    def add(self, data: bytes) -> None:
        """Take whole lines of output (without the last newline): each shows what a terminal
        would leave visible of it (text after ``\\r`` overwrites; colours are not kept)."""
        from twirly.cli.activity import shown_text

        pieces = data.rsplit(b"\n", self._count)[-self._count :]
        for piece in pieces:
            self._lines.append(shown_text(piece.decode("utf-8", "replace")))
        self._partial = ""
        self._show()

    def unfinished(self, text: str) -> None:
        """Show what the line being written now shows so far."""
        self._partial = text
        self._show()

    def _show(self) -> None:
        texts = list(self._lines)
        if self._partial:
            texts = [*texts, self._partial][-self._count :]
        while len(self._rows) < len(texts):
            row = Row.line("", self._terminal.now())
            row.ident = self._terminal.new_ident()
            self._terminal.attach(row)
            self._rows.append(row)
        for row, text in zip(self._rows, texts, strict=False):
            row.text = text

    def close(self) -> None:
        """Take the rows away."""
        for row in self._rows:
            self._terminal.detach(row, None)
        self._rows.clear()


class LiveLine:
    """A line being redrawn in place (a progress bar), live in a row under the spinner.

    With ``--show-output`` lines are written above the spinner once finished; one that is
    redrawn with carriage returns would otherwise not be seen until it ends. The row goes
    when the line is finished (then it is written above, as it ended) or a prompt starts.
    """

    def __init__(self, terminal: Terminal) -> None:
        self._terminal = terminal
        self._row: Row | None = None

    def show(self, text: str) -> None:
        """Show ``text``: what the line shows now."""
        if self._row is None:
            self._row = Row.line(text, self._terminal.now())
            self._row.ident = self._terminal.new_ident()
            self._terminal.attach(self._row)
        else:
            self._row.text = text

    def clear(self) -> None:
        """Take the row away."""
        if self._row is not None:
            self._terminal.detach(self._row, None)
            self._row = None
