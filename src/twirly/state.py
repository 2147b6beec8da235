"""The model: what one spinner row shows, and what the output stream can do. Plain data."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Final, Literal, NamedTuple

    Status = Literal["ok", "fail", "warn", "info"]
    #: What a row is: a spinner, a static line, or a summary of the others (shown last).
    Kind = Literal["spinner", "line", "summary"]
else:
    from twirly.records import NamedTuple  # typing's, without importing typing

__all__ = ["SLACK", "SYMBOLS", "Capabilities", "Row", "next_step", "steps"]

#: Final-line symbols: (unicode, ascii fallback, SGR colour).
SYMBOLS: Final[Mapping[str, tuple[str, str, str]]] = {
    "ok": ("✔", "OK", "32"),
    "fail": ("✖", "FAIL", "31"),
    "warn": ("⚠", "WARN", "33"),
    "info": ("ℹ", "INFO", "34"),
}


#: Seconds of slack when a time is compared with a frame boundary computed in floats: a
#: clock woken exactly at a boundary must see the new frame, never the one before.
SLACK: Final = 1e-9


def steps(elapsed: float, step: float) -> int:
    """How many whole ``step``s fit in ``elapsed`` (a boundary counts as reached)."""
    return int((elapsed + SLACK) / step)


def next_step(origin: float, step: float, now: float) -> float:
    """The first boundary ``origin + k * step`` strictly after ``now`` (k an integer)."""
    count = steps(now - origin, step) + 1
    due = origin + count * step
    while due <= now:  # (floats: never a deadline that has already passed)
        count += 1
        due = origin + count * step
    return due


class Row:
    """One spinner line. ``text`` is written by the user's thread and read by the clock.

    Plain attribute writes are atomic in CPython, so the only cost of a text update is the
    store itself; the clock notices the change on its next frame. (No dataclass: importing
    ``dataclasses`` pulls in ``inspect``, several milliseconds on a first spinner.)

    ``origin`` is where the glyph's rhythm starts: the frame grid of the terminal the row is
    shown on, at or before ``started``, so that every row's glyph turns on the same frames.
    """

    __slots__ = (
        "color",
        "frame_width",
        "frames",
        "ident",
        "interval",
        "kind",
        "note",
        "origin",
        "parent",
        "prefix",
        "prefix_width",
        "started",
        "suffix",
        "text",
        "timer",
    )

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
        origin: float | None = None,
        kind: Kind = "spinner",
        parent: Row | None = None,
    ) -> None:
        self.text = text
        self.frames = frames
        self.frame_width = frame_width
        self.interval = interval
        self.started = started
        self.origin = started if origin is None else origin
        self.timer = timer
        self.ident = ident
        self.kind = kind
        self.parent = parent
        # Shown after the text (and its timer), cut after the text is: the watchdog's label.
        self.note = ""
        # The glyph's colour (an SGR sequence, "" for none), and what stands before the glyph
        # and after the text (already made safe to print; the prefix's width in columns).
        self.color = ""
        self.prefix = ""
        self.prefix_width = 0
        self.suffix = ""

    @classmethod
    def line(cls, text: str, started: float, *, parent: Row | None = None) -> Row:
        """A static row: text under a blank glyph column, lined up with spinners' text."""
        return cls(text, (" ",), 1, float("inf"), started, kind="line", parent=parent)

    def __repr__(self) -> str:
        return f"Row(ident={self.ident}, text={self.text!r})"

    def frame_index(self, now: float) -> int:
        """Which frame is due at ``now`` (time-based, so a late frame never slows the rhythm)."""
        return steps(now - self.origin, self.interval) % len(self.frames)

    @property
    def cadence(self) -> float:
        """How often the row's look changes by itself: its interval, a second for a timer
        (whichever is sooner), never for a one-frame row without a timer."""
        every = self.interval if len(self.frames) > 1 else float("inf")
        return min(every, 1.0) if self.timer else every

    def next_change(self, now: float) -> float:
        """When the glyph next changes, or the timer's second ticks over if sooner; always
        strictly after ``now``."""
        due = next_step(self.origin, self.interval, now)
        if self.timer:
            due = min(due, next_step(self.started, 1.0, now))
        return due


def _truthy(value: str | None) -> bool | None:
    if value is None or value.strip() == "":
        return None
    return value.strip().lower() not in {"0", "false", "no", "off"}


#: Terminals whose terminfo entry has no colours, by the ``TERM`` they set: the DEC ones, and
#: the monochrome variants of others (``xterm-mono``, ``…-m``).
_MONOCHROME: Final = frozenset({"vt52", "vt100", "vt102", "vt220", "vt320", "vt420", "ansi-mono"})


def _monochrome(term: str) -> bool:
    return term in _MONOCHROME or term.endswith(("-mono", "-m"))


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
        - colour: ``NO_COLOR`` turns it off; ``FORCE_COLOR`` turns it on, or off when it is
          ``0`` (as chalk's ``FORCE_COLOR=0``; also ``false``, ``no``, ``off``; empty is
          unset, as an empty ``NO_COLOR`` is); else the same as animating
          would be without an override (no escape byte in a pipe, a file or a CI log), and
          never on a terminal that declares itself monochrome (``vt100``, ``xterm-mono``).
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
        forced = _truthy(env.get("FORCE_COLOR"))
        if env.get("NO_COLOR"):
            color = False
        elif forced is not None:
            color = forced
        else:
            color = interactive and not _monochrome(term)
        normalized = (encoding or "").lower().replace("_", "-")
        utf8 = normalized in {"utf-8", "utf8", "utf-8-sig"}
        unicode = utf8 and term not in {"linux", "dumb"}
        return cls(animate=animate, color=color, unicode=unicode)
