"""Clocks: the one thing that differs between the three drivers is who waits for the next frame.

A clock's whole job is "call ``terminal.tick()``, wait the delay it returns or until told to
stop, repeat". It never formats text; the terminal never knows which clock ticks it.
"""

from __future__ import annotations

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal, Protocol

    DriverName = Literal["asyncio", "thread", "process"]

    class Clock(Protocol):
        """Ticks a terminal until stopped."""

        def start(self) -> None:
            """Begin ticking (the first frame is already on screen)."""

        def stop(self) -> None:
            """Stop ticking now, without waiting for the current frame's deadline."""


__all__ = ["DRIVERS"]

DRIVERS: tuple[DriverName, ...] = ("asyncio", "thread", "process")
