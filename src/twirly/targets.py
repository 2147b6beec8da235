"""Draw targets: where a terminal's rows end up, behind one small protocol.

The :class:`~twirly.terminal.Terminal` decides *when* (its lock, its clock, other people's
output and prompts, signals); a target decides *how* the rows reach the screen:

- :class:`LocalTarget`: the :class:`~twirly.block.Block`'s minimal-diff bytes, written to an
  :class:`~twirly.output.Output` (a descriptor, a text stream, or
  :class:`~twirly.output.Memory` for tests);
- :class:`ChildTarget`: a child process draws (the process driver): the rows' model goes to
  it over a pipe, so the program may hold the GIL as long as it likes;
- :class:`PlainTarget`: off a terminal, no rows at all: a row's text once when it starts and
  its final line once when it ends, without an escape byte.

Every call comes under the terminal's lock. A child target answers False when its child has
gone: the terminal then draws locally, from the same block, from scratch.
"""

from __future__ import annotations

from twirly.render import sanitize

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Protocol

    from twirly.block import Block
    from twirly.child import ChildLink
    from twirly.output import Output
    from twirly.state import Row
else:
    Protocol = object  # (the protocol below documents; nothing checks it at run time)

__all__ = ["ChildTarget", "LocalTarget", "PlainTarget", "Target"]

Size = tuple[int, int]


class Target(Protocol):
    """What a terminal asks of the place its rows are drawn (under its lock).

    Each method returns False when the target cannot do it any more (a child that has
    gone): the terminal then does it with a local target instead.
    """

    def add(self, row: Row, now: float, size: Size) -> bool:
        """Show a new row at the bottom (with its first frame)."""

    def remove(self, row: Row, final: str | None, now: float, size: Size) -> bool:
        """Take a row away, leaving ``final`` as a persistent line; done when it returns."""

    def frame(self, now: float, size: Size, *, draw: bool) -> float | None:
        """Bring the rows up to date at ``now`` (if ``draw``); seconds until the next call."""

    def above(
        self, lines: Sequence[str], errors: str, now: float, size: Size, owner: int | None = None
    ) -> bool:
        """Write whole lines above the rows (``owner``: the thread that wrote them, if known:
        an unfinished line of another thread's is not completed by them)."""

    def partial(self, text: str, owner: int | None = None) -> bool:
        """Show an unfinished line (a prompt): frames wait until a line completes it."""

    def step_aside(self) -> bool:
        """Someone else's prompt is on the top row: erase the rows from the cursor on."""

    def come_back(self, now: float, size: Size) -> bool:
        """The prompt was answered: draw every row afresh from the cursor's line."""

    def hold(self, *, aside: bool) -> bool:
        """The program is being stopped (Ctrl-Z): erase the rows, show the cursor."""

    def release(self, now: float, size: Size) -> bool:
        """The program continues: draw the rows again."""

    def clear(self) -> bool:
        """Emergency: erase every row and show the cursor."""


class LocalTarget:
    """The block's bytes, written here."""

    __slots__ = ("block", "output")

    def __init__(self, block: Block, output: Output) -> None:
        self.block = block
        self.output = output

    def add(self, row: Row, now: float, size: Size) -> bool:
        self.output.write(self.block.add(row, now, *size))
        return True

    def remove(self, row: Row, final: str | None, now: float, size: Size) -> bool:
        self.output.write(self.block.remove(row, final, now, *size))
        return True

    def frame(self, now: float, size: Size, *, draw: bool) -> float | None:
        if draw and not self.block.suspended and self.output.writable():
            self.output.write(self.block.frame(now, *size))
        return self.block.next_deadline(now) - now

    def above(
        self, lines: Sequence[str], errors: str, now: float, size: Size, owner: int | None = None
    ) -> bool:
        self.output.write(self.block.above(lines, now, *size, owner), errors)
        return True

    def partial(self, text: str, owner: int | None = None) -> bool:
        self.output.write(self.block.suspend(text, owner))  # with no rows: just the text
        return True

    def step_aside(self) -> bool:
        self.output.write(self.block.step_aside())
        return True

    def come_back(self, now: float, size: Size) -> bool:
        self.output.write(self.block.restart(now, *size))
        return True

    def hold(self, *, aside: bool) -> bool:
        self.output.write(self.block.step_aside() if aside else self.block.hide())
        return True

    def release(self, now: float, size: Size) -> bool:
        if not self.block.suspended:
            redraw = self.block.frame(now, *size)
            self.output.write((self.block.modes + redraw) if redraw else "")
        return True

    def clear(self) -> bool:
        self.output.write(self.block.clear())
        return True


class ChildTarget:
    """A child process draws the rows; the block here keeps their model (what the child
    shows), so that drawing can come back here from scratch if the child goes away."""

    __slots__ = ("block", "link")

    def __init__(self, block: Block, link: ChildLink) -> None:
        self.block = block
        self.link = link

    @property
    def alive(self) -> bool:
        """False once the child has gone."""
        return self.link.alive

    @property
    def replies(self) -> int:
        """The descriptor the child answers on (see ChildLink.replies)."""
        return self.link.replies

    def add(self, row: Row, now: float, size: Size) -> bool:
        self.block.add(row, now, *size)  # (the model only: the child draws)
        return self.link.add(row)

    def remove(self, row: Row, final: str | None, now: float, size: Size) -> bool:
        if not self.link.remove(row, final):
            return False
        self.block.remove(row, final, now, *size)
        return True

    def frame(self, now: float, size: Size, *, draw: bool) -> float | None:
        # The child keeps its own rhythm: the text changes made here go to it at its pace.
        return self.link.interval()

    def above(
        self, lines: Sequence[str], errors: str, now: float, size: Size, owner: int | None = None
    ) -> bool:
        return self.link.lines(lines, errors, owner)

    def partial(self, text: str, owner: int | None = None) -> bool:
        return self.link.partial(text, owner)

    def step_aside(self) -> bool:
        return self.link.hold(aside=True)

    def come_back(self, now: float, size: Size) -> bool:
        return self.link.release()

    def hold(self, *, aside: bool) -> bool:
        return self.link.hold(aside=aside)

    def release(self, now: float, size: Size) -> bool:
        return self.link.release()

    def clear(self) -> bool:
        return self.link.shutdown()

    def close(self) -> None:
        """Let the child go and wait for it to exit."""
        self.link.close()


class PlainTarget:
    """Off a terminal: each row's text once, each final line once, as plain lines."""

    __slots__ = ("output",)

    def __init__(self, output: Output) -> None:
        self.output = output

    def add(self, row: Row, now: float, size: Size) -> bool:
        self.output.write(sanitize(row.text) + "\n" if row.text else "")
        return True

    def remove(self, row: Row, final: str | None, now: float, size: Size) -> bool:
        self.output.write(final + "\n" if final is not None else "")
        return True
