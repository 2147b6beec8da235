"""Spinner styles: a :class:`Style` is frames plus an interval; the catalogue holds named ones.

The catalogue is cli-spinners' data (MIT, see ``data/LICENSE-cli-spinners``), read lazily on the
first lookup by name so that ``import twirly`` never pays for parsing it.
"""

from __future__ import annotations

from twirly.render import display_width, unsafe_characters

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Final

__all__ = [
    "ASCII_STYLE",
    "DEFAULT_STYLE",
    "DOTS_STYLE",
    "MIN_INTERVAL",
    "Style",
    "get_style",
    "style_names",
]

DEFAULT_STYLE: Final = "dots"

#: Frames are drawn at most this often, in seconds, whatever a style asks (the catalogue's
#: fastest is 0.017): faster cannot be seen, and the clock would spin instead of sleeping.
MIN_INTERVAL: Final = 0.01


class Style:
    """Frames drawn one after another, ``interval`` seconds apart.

    Frames are measured in display columns (a CJK character or an emoji is two) and padded
    with spaces to a common width, so the text beside the glyph never moves.
    """

    __slots__ = ("_ascii", "_frames", "_interval", "_name", "_width")

    def __init__(self, frames: Iterable[str], interval: float = 0.1, *, name: str = "") -> None:
        if isinstance(frames, bytes | bytearray):
            raise TypeError("frames must be strings, not bytes")
        try:
            items = list(frames)
        except TypeError:
            raise TypeError(
                f"frames must be an iterable of str, not {type(frames).__name__}"
            ) from None
        if not items:
            raise ValueError("frames must not be empty")
        for index, frame in enumerate(items):
            if not isinstance(frame, str):
                raise TypeError(f"frames[{index}] must be str, not {type(frame).__name__}")
            if not frame:
                raise ValueError(f"frames[{index}] is an empty string")
            if unsafe_characters(frame):
                raise ValueError(f"frames[{index}] contains control characters: {frame!r}")
        if isinstance(interval, bool) or not isinstance(interval, int | float):
            raise TypeError(f"interval must be a number of seconds, not {type(interval).__name__}")
        if not 0 < interval < float("inf"):  # (also refuses NaN; no math import for isfinite)
            raise ValueError(f"interval must be a positive number of seconds, not {interval!r}")
        if not isinstance(name, str):
            raise TypeError(f"name must be str, not {type(name).__name__}")
        widths = [display_width(frame) for frame in items]
        self._width = max(widths)
        self._frames = tuple(
            f + " " * (self._width - w) for f, w in zip(items, widths, strict=True)
        )
        self._interval = float(interval)
        self._name = name
        self._ascii = all(frame.isascii() for frame in self._frames)

    @property
    def frames(self) -> tuple[str, ...]:
        """The frames, padded to a common display width."""
        return self._frames

    @property
    def interval(self) -> float:
        """Seconds between two frames."""
        return self._interval

    @property
    def width(self) -> int:
        """Display columns taken by every frame."""
        return self._width

    @property
    def name(self) -> str:
        """The catalogue name, or ``""`` for a custom style."""
        return self._name

    @property
    def is_ascii(self) -> bool:
        """True when every frame is plain ASCII (safe on any terminal and encoding)."""
        return self._ascii

    def can_encode(self, encoding: str) -> bool:
        """True when every frame can be written in ``encoding``."""
        try:
            for frame in self._frames:
                frame.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return False
        return True

    def __repr__(self) -> str:
        label = f"name={self._name!r}, " if self._name else ""
        return f"Style({label}frames={list(self._frames)!r}, interval={self._interval!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Style):
            return NotImplemented
        return (self._frames, self._interval) == (other._frames, other._interval)

    def __hash__(self) -> int:
        return hash((self._frames, self._interval))


#: The book's spinner (Fluent Python, chapter 19): safe on every terminal and encoding.
ASCII_STYLE: Final = Style("\\|/-", 0.1, name="ascii")


#: The default, built in so that a first spinner need not parse the catalogue (same data).
DOTS_STYLE: Final = Style("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏", 0.08, name="dots")


#: The catalogue once read, and each style once made (plain dicts rather than
#: ``functools.cache``: functools is not loaded before a first spinner's first frame).
_read: list[dict[str, tuple[list[str], int]]] = []
_made: dict[str, Style] = {}


def _catalogue() -> dict[str, tuple[list[str], int]]:
    if _read:
        return _read[0]
    import json
    import os

    path = os.path.join(os.path.dirname(__file__), "data", "spinners.json")
    with open(path, encoding="utf-8") as file:
        raw = json.load(file)
    _read[:] = [{name: (spec["frames"], spec["interval"]) for name, spec in raw.items()}]
    return _read[0]


def style_names() -> list[str]:
    """Every style name: the cli-spinners catalogue plus twirly's ``ascii``."""
    return [*_catalogue(), ASCII_STYLE.name]


def get_style(name: str) -> Style:
    """The named style; ``ValueError`` suggests close names when there is none."""
    made = _made.get(name)
    if made is None:
        made = _made[name] = _make_style(name)
    return made


def _make_style(name: str) -> Style:
    if name == ASCII_STYLE.name:
        return ASCII_STYLE
    if name == DOTS_STYLE.name:
        return DOTS_STYLE
    try:
        frames, interval_ms = _catalogue()[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, style_names(), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"unknown style {name!r}{hint} (see `twirly styles` for the catalogue)"
        ) from None
    return Style(frames, interval_ms / 1000, name=name)
