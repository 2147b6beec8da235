"""Clocks: the one thing that differs between the three drivers is who waits for the next frame.

A clock's whole job is "call ``terminal.tick()``, wait the delay it returns or until told to
stop, repeat". It never formats text; the terminal never knows which clock ticks it. A
terminal has at most one clock, whatever the number of its rows: the terminal starts it with
its first row and stops it with its last (see :class:`~twirly.terminal.Terminal`).

Each clock says when it last ticked and from which thread, for whoever watches over it.
"""

from __future__ import annotations

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal, Protocol

    DriverName = Literal["asyncio", "thread", "process"]

    class Clock(Protocol):
        """Ticks a terminal until stopped."""

        @property
        def last_tick(self) -> float:
            """When the clock last called ``tick()`` (``time.monotonic()``; 0 before)."""

        @property
        def thread_id(self) -> int | None:
            """The thread that ticks (``threading.get_ident()``; None before it starts)."""

        @property
        def alive(self) -> bool:
            """True until the clock has stopped ticking for good."""

        def start(self) -> None:
            """Begin ticking (the first frame is already on screen)."""

        def stop(self, *, join: bool = True) -> None:
            """Stop ticking now, without waiting for the current frame's deadline;
            ``join``: also wait (briefly) until the clock has let go, where it can."""


__all__ = ["DRIVERS"]

DRIVERS: tuple[DriverName, ...] = ("asyncio", "thread", "process")
