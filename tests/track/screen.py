"""Spinners (not only groups) on the virtual terminal of tests/group/screen.py.

A spinner finds its terminal through ``terminal_for(stream)``: :meth:`SpinnerDisplay.install`
makes that return the display's terminal for a stream of the display's own, so
``twirly.spinner(..., **display.options)`` and ``twirly.track(..., **display.options)`` draw
there. No clock ticks it but the test (``display.tick()``), at the time the test sets.
"""

from __future__ import annotations

import io

import pytest

import twirly._spinner
import twirly.terminal
from tests.group.screen import Display
from twirly.state import Capabilities
from twirly.terminal import Terminal


class Utf8Stream(io.StringIO):
    """A stream that says it is UTF-8 (so spinners keep their Unicode style)."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


class SpinnerDisplay(Display):
    """A :class:`Display` that spinners started with ``**options`` are drawn on."""

    def __init__(self, columns: int = 80, lines: int = 24, *, unicode: bool = True) -> None:
        super().__init__(columns, lines)
        self.stream_for_spinners = Utf8Stream()
        terminal = self.terminal
        if not unicode:
            terminal.caps = Capabilities(animate=True, color=False, unicode=False)
            terminal._block._ellipsis = "..."
        terminal._keep_ticking = lambda: None  # type: ignore[method-assign]  # (the test ticks)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> SpinnerDisplay:
        """Spinners on :attr:`options`' stream find this display's terminal."""
        original = twirly.terminal.terminal_for

        def terminal_for(
            stream: object = None, *, animate: bool | None = None, quiet: bool = False
        ) -> Terminal:
            if stream is self.stream_for_spinners and not quiet:
                return self.terminal
            return original(stream, animate=animate, quiet=quiet)  # type: ignore[arg-type]

        monkeypatch.setattr(twirly.terminal, "terminal_for", terminal_for)
        monkeypatch.setattr(twirly._spinner, "terminal_for", terminal_for)
        return self

    @property
    def options(self) -> dict[str, object]:
        return {"stream": self.stream_for_spinners, "animate": True}
