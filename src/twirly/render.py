"""Pure text functions: neutralise untrusted text, measure it in display columns, truncate it.

Nothing here does I/O or reads a clock. Text shown by a spinner often comes from file names,
servers or user input, so every control character and escape sequence is turned into a
visible, harmless spelling (``\\x1b``, ``\\x07``, ``\\u202e``) before it reaches a terminal:
no window title, clipboard write or screen clear can ride in on a file name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final

__all__ = [
    "display_width",
    "fit",
    "format_elapsed",
    "sanitize",
    "split_lines",
    "unsafe_characters",
]

#: Characters that end a line: in spinner text they become a space, in ``write()`` they split.
_LINE_BREAK: Final = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")

#: Characters a terminal may act on, or that reorder what is shown (bidirectional overrides,
#: the "Trojan Source" characters): C0 and C1 controls, DEL, lone surrogates, bidi controls.
_UNSAFE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _spell(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\t":
        return " "
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def unsafe_characters(text: str) -> bool:
    """True when ``text`` holds a character that :func:`sanitize` would rewrite."""
    return not (text.isascii() and text.isprintable()) and (
        _UNSAFE.search(text) is not None or _LINE_BREAK.search(text) is not None
    )


def sanitize(text: str) -> str:
    """One safe line: line breaks become spaces, tabs a space, other controls visible escapes."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_spell, _LINE_BREAK.sub(" ", text))


def split_lines(text: str) -> list[str]:
    """Safe lines from text that may hold line breaks; one final line break is dropped."""
    if text.endswith(("\r\n", "\n", "\r")):
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    return [_UNSAFE.sub(_spell, line) for line in _LINE_BREAK.split(text)]


#: Characters that are one column wide and never combine, on every terminal: Latin, Greek and
#: Cyrillic letters, punctuation (the ellipsis), arrows, box drawing, blocks and Braille
#: (the default ``dots`` style). Text made only of these is measured by ``len()``, so the
#: common case never pays for importing wcwidth (tens of milliseconds). A test checks the
#: ranges against wcwidth itself.
NARROW_RANGES: Final = (
    (0x20, 0x7E),
    (0xA0, 0x2FF),
    (0x370, 0x3FF),
    (0x400, 0x482),
    (0x2010, 0x2027),
    (0x2190, 0x21FF),
    (0x2500, 0x259F),
    (0x2800, 0x28FF),
)
_NARROW: Final = re.compile(
    "[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in NARROW_RANGES) + "]*"
)


def _narrow(text: str) -> bool:
    """True when every character takes exactly one column (so width == len)."""
    return text.isascii() or _NARROW.fullmatch(text) is not None


_wcswidth: Callable[[str], int] | None = None
_graphemes: Callable[[str], Iterator[str]] | None = None


def _load_wcwidth() -> tuple[Callable[[str], int], Callable[[str], Iterator[str]]]:
    # wcwidth costs ~12 ms to import: load it on the first non-ASCII text, not with twirly.
    global _wcswidth, _graphemes
    if _wcswidth is None or _graphemes is None:
        import wcwidth

        _wcswidth = wcwidth.wcswidth
        _graphemes = getattr(wcwidth, "iter_graphemes", None) or _char_clusters
    return _wcswidth, _graphemes


def _char_clusters(text: str) -> Iterator[str]:
    """Approximate grapheme clusters for older wcwidth: zero-width marks join the one before."""
    import wcwidth

    cluster = ""
    for char in text:
        joins = cluster and (wcwidth.wcwidth(char) == 0 or cluster.endswith("\u200d"))
        if cluster and not joins:
            yield cluster
            cluster = ""
        cluster += char
    if cluster:
        yield cluster


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (CJK and emoji 2, combining marks 0)."""
    if _narrow(text):
        return len(text)
    wcswidth, _ = _load_wcwidth()
    width = wcswidth(text)
    return width if width >= 0 else sum(max(wcswidth(c), 0) for c in text)


def fit(text: str, width: int, ellipsis: str = "…") -> tuple[str, int]:
    """``text`` cut to at most ``width`` columns, ending with ``ellipsis`` when cut.

    Returns the text and the columns it takes. A cluster (a letter and its combining marks,
    an emoji sequence) is never split, and a wide character that would straddle the edge is
    left out rather than half drawn.
    """
    if width <= 0:
        # No column to fill; text that takes none (zero-width characters) still fits whole,
        # as it would at any width.
        return (text, 0) if width == 0 and display_width(text) == 0 else ("", 0)
    if _narrow(text) and _narrow(ellipsis):
        if len(text) <= width:
            return text, len(text)
        keep = max(width - len(ellipsis), 0)
        cut = text[:keep] + ellipsis[: width - keep]
        return cut, len(cut)
    full = display_width(text)
    if full <= width:
        return text, full
    ellipsis_width = display_width(ellipsis)
    if ellipsis_width > width:
        ellipsis, ellipsis_width = "", 0
    wcswidth, graphemes = _load_wcwidth()
    budget = width - ellipsis_width
    used = 0
    parts: list[str] = []
    for cluster in graphemes(text):
        cols = max(wcswidth(cluster), 0)
        if used + cols > budget:
            break
        parts.append(cluster)
        used += cols
    return "".join(parts) + ellipsis, used + ellipsis_width


def format_elapsed(seconds: float, *, precise: bool = False) -> str:
    """Elapsed time as people read it: ``7s``, ``2.4s``, ``1m 05s``, ``1h 02m 03s``."""
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.1f}s" if precise else f"{int(seconds)}s"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s"
