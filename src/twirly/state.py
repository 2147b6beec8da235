"""The model: what one spinner row shows, and what the output stream can do. Plain data."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Final, Literal, NamedTuple

    Status = Literal["ok", "fail", "warn", "info"]
else:
    from twirly.records import NamedTuple  # typing's, without importing typing

__all__ = ["SYMBOLS", "Capabilities", "Row"]

#: Final-line symbols: (unicode, ascii fallback, SGR colour).
SYMBOLS: Final[Mapping[str, tuple[str, str, str]]] = {
    "ok": ("✔", "OK", "32"),
    "fail": ("✖", "FAIL", "31"),
    "warn": ("⚠", "WARN", "33"),
    "info": ("ℹ", "INFO", "34"),
}


class Row:
    """One spinner line. ``text`` is written by the user's thread and read by the clock.

    Plain attribute writes are atomic in CPython, so the only cost of a text update is the
    store itself; the clock notices the change on its next frame. (No dataclass: importing
    ``dataclasses`` pulls in ``inspect``, several milliseconds on a first spinner.)
    """

    __slots__ = ("frame_width", "frames", "ident", "interval", "started", "text", "timer")

    def __init__(
        self,
        text: str,
        frames: tuple[str, ...],
        frame_width: int,
        interval: float,
        started: float,
        *,
        timer: bool = False,
        ident: int = 0,
    ) -> None:
        self.text = text
        self.frames = frames
        self.frame_width = frame_width
        self.interval = interval
        self.started = started
        self.timer = timer
        self.ident = ident

    def __repr__(self) -> str:
        return f"Row(ident={self.ident}, text={self.text!r})"

    def frame_index(self, now: float) -> int:
        """Which frame is due at ``now`` (time-based, so a late frame never slows the rhythm)."""
        return int((now - self.started) / self.interval) % len(self.frames)

    def next_change(self, now: float) -> float:
        """When the glyph next changes, or the timer's second ticks over if sooner."""
        ticks = int((now - self.started) / self.interval) + 1
        due = self.started + ticks * self.interval
        if self.timer:
            due = min(due, self.started + int(now - self.started) + 1)
        return due


def _truthy(value: str | None) -> bool | None:
    if value is None or value.strip() == "":
        return None
    return value.strip().lower() not in {"0", "false", "no", "off"}


class Capabilities(NamedTuple):
    """Three separate decisions about one stream: animate it, colour it, use Unicode on it."""

    animate: bool
    color: bool
    unicode: bool

    @classmethod
    def detect(
        cls,
        *,
        isatty: bool,
        encoding: str | None,
        env: Mapping[str, str] | None = None,
        animate: bool | None = None,
    ) -> Capabilities:
        """Decide from the stream and the environment.

        - animate: a terminal, not ``TERM=dumb``, not ``CI``; ``animate=`` or ``TWIRLY_ANIMATE``
          override. ``NO_COLOR`` and ``FORCE_COLOR`` never change it.
        - colour: ``NO_COLOR`` turns it off, ``FORCE_COLOR`` on, else the same as animating
          would be without an override (no escape byte in a pipe, a file or a CI log).
        - unicode: the encoding is UTF-8 and the terminal is not the Linux console or dumb.
        """
        env = os.environ if env is None else env
        term = env.get("TERM", "")
        if animate is None:
            animate = _truthy(env.get("TWIRLY_ANIMATE"))
        # A CI log is read like a file even when a pseudo-terminal records it.
        interactive = isatty and term != "dumb" and _truthy(env.get("CI")) is not True
        if animate is None:
            animate = interactive
        if env.get("NO_COLOR"):
            color = False
        elif _truthy(env.get("FORCE_COLOR")):
            color = True
        else:
            color = interactive
        normalized = (encoding or "").lower().replace("_", "-")
        utf8 = normalized in {"utf-8", "utf8", "utf-8-sig"}
        unicode = utf8 and term not in {"linux", "dumb"}
        return cls(animate=animate, color=color, unicode=unicode)
