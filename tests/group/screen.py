"""A group on a virtual terminal with a clock the test moves: what a person would see."""

from __future__ import annotations

import io

import pyte

from twirly._group import Group
from twirly.output import Memory
from twirly.state import Capabilities
from twirly.terminal import Terminal

CAPS = Capabilities(animate=True, color=False, unicode=True)
#: A frame's worth of time for the default style (dots: 80 ms).
FRAME = 0.08


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Display:
    """A terminal in memory, fed into a pyte screen (with its scrollback), and its clock."""

    def __init__(self, columns: int = 80, lines: int = 24) -> None:
        self.screen = pyte.HistoryScreen(columns, lines, history=10_000)
        self.stream = pyte.Stream(self.screen)
        self.clock = FakeClock()
        self.frames: list[str] = []
        self.output = Memory(columns, lines, feed=self._feed)
        self.terminal = Terminal(io.StringIO(), CAPS, clock=self.clock, output=self.output)

    def _feed(self, text: str) -> None:
        self.frames.append(text)
        self.stream.feed(text)

    def group(self, title: str = "Work", **options: object) -> Group:
        return Group(title, terminal=self.terminal, **options)  # type: ignore[arg-type]

    def resize(self, columns: int, lines: int) -> None:
        self.output.columns, self.output.lines = columns, lines
        self.screen.resize(lines, columns)

    def tick(self, seconds: float = FRAME) -> str:
        """Move the clock on and draw a frame; what the frame wrote."""
        self.clock.now += seconds
        before = len(self.frames)
        self.terminal.tick()
        return "".join(self.frames[before:])

    def run(self, seconds: float) -> None:
        end = self.clock.now + seconds
        while self.clock.now < end:
            self.tick()

    @property
    def lines(self) -> list[str]:
        """The screen's rows, right-trimmed."""
        return [line.rstrip() for line in self.screen.display]

    @property
    def used(self) -> list[str]:
        """The screen's rows down to the last one with text."""
        lines = self.lines
        while lines and not lines[-1]:
            lines.pop()
        return lines

    @property
    def history(self) -> list[str]:
        """Rows scrolled off the top, oldest first."""
        return [
            "".join(line[x].data for x in range(self.screen.columns)).rstrip()
            for line in self.screen.history.top
        ]

    def everything(self) -> list[str]:
        """The scrollback, then the screen."""
        return self.history + self.used
