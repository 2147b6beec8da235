"""Colours for a spinner's glyph: a name, a 256-colour index or ``#rrggbb``, written with as
many colours as the terminal declares.

A colour is checked when it is given (a clear error naming the argument, with close names
for a misspelt one) and turned into an SGR sequence when a spinner starts on a terminal:
true colour where ``COLORTERM`` says so, 256 colours where ``TERM`` does, the 16 standard
colours otherwise, each converted to the nearest one the terminal can show. Whether to
colour at all is the terminal's decision (``NO_COLOR``, ``FORCE_COLOR``, a pipe: see
:class:`twirly.state.Capabilities`).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Final

    #: A colour as given: a name, a 256-colour index, or "#rrggbb".
    ColorSpec = str | int

__all__ = ["RESET", "Color", "color_depth", "parse_color"]

#: Back to the terminal's own foreground colour (other attributes are left alone).
RESET: Final = "\x1b[39m"

_NAMES: Final = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
#: Name -> index among the 16 standard colours (8-15: the bright ones).
NAMES: Final[Mapping[str, int]] = {
    **{name: index for index, name in enumerate(_NAMES)},
    **{f"bright_{name}": index + 8 for index, name in enumerate(_NAMES)},
    "gray": 8,
    "grey": 8,
}

# The 16 standard colours as xterm draws them, to find the nearest for a 16-colour terminal.
_PALETTE: Final = (
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
)
_CUBE: Final = (0, 95, 135, 175, 215, 255)  # the 6 levels of the 256-colour cube

#: How many colours a terminal shows: 16, 256, or true colour (2**24).
DEPTHS: Final = (16, 256, 1 << 24)


def color_depth(env: Mapping[str, str] | None = None) -> int:
    """How many colours the terminal declares: ``FORCE_COLOR`` 1/2/3 (16, 256, true colour),
    then ``COLORTERM`` (truecolor, 24bit), then ``TERM`` (…-256color, …-direct); 16 else."""
    env = os.environ if env is None else env
    forced = env.get("FORCE_COLOR", "").strip()
    if forced in {"1", "2", "3"}:
        return DEPTHS[int(forced) - 1]
    if env.get("COLORTERM", "").strip().lower() in {"truecolor", "24bit"}:
        return DEPTHS[2]
    term = env.get("TERM", "")
    if term.endswith("-direct"):
        return DEPTHS[2]
    if "256" in term:
        return DEPTHS[1]
    return DEPTHS[0]


def _rgb_of_index(index: int) -> tuple[int, int, int]:
    if index < 16:
        return _PALETTE[index]
    if index < 232:
        index -= 16
        return (_CUBE[index // 36], _CUBE[index // 6 % 6], _CUBE[index % 6])
    level = 8 + 10 * (index - 232)
    return (level, level, level)


def _distance(first: tuple[int, int, int], second: tuple[int, int, int]) -> int:
    return sum((a - b) ** 2 for a, b in zip(first, second, strict=True))


def _nearest16(rgb: tuple[int, int, int]) -> int:
    return min(range(16), key=lambda i: _distance(_PALETTE[i], rgb))


def _nearest256(rgb: tuple[int, int, int]) -> int:
    def level(value: int) -> int:
        return min(range(6), key=lambda i: abs(_CUBE[i] - value))

    r, g, b = (level(value) for value in rgb)
    cube = 16 + 36 * r + 6 * g + b
    gray = 232 + max(0, min(23, round((sum(rgb) / 3 - 8) / 10)))
    return min((cube, gray), key=lambda i: _distance(_rgb_of_index(i), rgb))


class Color:
    """A checked colour: one of the 16 standard ones, a 256-colour index, or an RGB value."""

    __slots__ = ("given", "index", "rgb")

    def __init__(
        self, given: object, *, index: int | None, rgb: tuple[int, int, int] | None
    ) -> None:
        self.given = given
        self.index = index
        self.rgb = rgb

    def __repr__(self) -> str:
        return f"Color({self.given!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Color) and (self.index, self.rgb) == (other.index, other.rgb)

    def __hash__(self) -> int:
        return hash((self.index, self.rgb))

    def sgr(self, depth: int) -> str:
        """The escape sequence that sets this colour on a terminal of ``depth`` colours."""
        index, rgb = self.index, self.rgb
        if rgb is not None:
            if depth >= DEPTHS[2]:
                return f"\x1b[38;2;{rgb[0]};{rgb[1]};{rgb[2]}m"
            index = _nearest256(rgb) if depth >= DEPTHS[1] else _nearest16(rgb)
        assert index is not None
        if index >= 16:
            if depth >= DEPTHS[1]:
                return f"\x1b[38;5;{index}m"
            index = _nearest16(_rgb_of_index(index))
        return f"\x1b[{30 + index}m" if index < 8 else f"\x1b[{90 + index - 8}m"


def parse_color(value: object, name: str = "color") -> Color:
    """Check a colour given as argument ``name``: a name (``"cyan"``, ``"bright_red"``), an
    index 0-255, or ``"#rrggbb"``/``"#rgb"``. An error names the argument."""
    if isinstance(value, Color):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(
            f"{name} must be a colour name, an int 0-255 or '#rrggbb', not {type(value).__name__}"
        )
    if isinstance(value, int):
        if not 0 <= value <= 255:
            raise ValueError(f"{name} must be a 256-colour index 0-255, not {value}")
        return Color(value, index=value, rgb=None)
    text = value.strip().lower().replace("-", "_").replace(" ", "_")
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        if len(digits) == 6 and all(c in "0123456789abcdef" for c in digits):
            rgb = (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
            return Color(value, index=None, rgb=rgb)
        raise ValueError(f"{name} must be '#rrggbb' or '#rgb' in hexadecimal, not {value!r}")
    if text.isdigit():
        return parse_color(int(text), name)
    index = NAMES.get(text.replace("bright", "bright_").replace("__", "_"))
    if index is not None:
        return Color(value, index=index, rgb=None)
    import difflib

    close = difflib.get_close_matches(text, NAMES, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    raise ValueError(
        f"{name}: unknown colour {value!r}{hint} (a name such as 'cyan' or 'bright_red', an "
        "index 0-255, or '#rrggbb')"
    )
