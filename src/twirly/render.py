"""Pure text functions: neutralise untrusted text, measure it in display columns, truncate it.

Nothing here does I/O or reads a clock. Text shown by a spinner often comes from file names,
servers or user input, so every control character and escape sequence is turned into a
visible, harmless spelling (``\\x1b``, ``\\x07``, ``\\u202e``) before it reaches a terminal:
no window title, clipboard write or screen clear can ride in on a file name.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
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

# No `re` here: importing it (with the `enum` it needs) costs several milliseconds, more than
# a first frame may. str.isprintable(), str.splitlines() and str.translate() do the same work
# in C; every character rewritten below is one str.isprintable() refuses, so printable text
# (most text, accented or not) is returned after a single look.

#: Characters that end a line: in spinner text they become a space, in ``write()`` they split
#: (exactly the ones str.splitlines() splits on; "\r\n" counts as one).
_LINE_BREAKS: Final = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

#: Characters a terminal may act on, or that reorder what is shown (bidirectional overrides,
#: the "Trojan Source" characters): C0 and C1 controls, DEL, bidi controls; and lone
#: surrogates (see _spell_surrogates).
_UNSAFE_RANGES: Final = (
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0x61C, 0x61C),
    (0x200E, 0x200F),
    (0x202A, 0x202E),
    (0x2066, 0x2069),
)

_spellings: dict[int, str] | None = None


def _spelling_table() -> dict[int, str]:
    """str.translate's table: each unsafe character to its visible spelling, breaks and tabs
    to a space. Built on the first text that needs it, whole before it is shared."""
    global _spellings
    if _spellings is None:
        table = {
            code: f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
            for low, high in _UNSAFE_RANGES
            for code in range(low, high + 1)
        }
        table.update(dict.fromkeys(map(ord, _LINE_BREAKS + "\t"), " "))
        _spellings = table
    return _spellings


def _spell_surrogates(text: str) -> str:
    # Lone surrogates (a file name read with surrogateescape) are 2,048 code points: spelled
    # here rather than in the table, which they would make ten times longer to build.
    return "".join(f"\\u{ord(char):04x}" if "\ud800" <= char <= "\udfff" else char for char in text)


def _spell(text: str) -> str:
    safe = text.translate(_spelling_table())
    try:
        safe.encode("utf-8")  # fails only on a lone surrogate
    except UnicodeEncodeError:
        return _spell_surrogates(safe)
    return safe


def _lines(text: str) -> list[str]:
    lines = text.splitlines()
    if not text or text[-1] in _LINE_BREAKS:
        lines.append("")  # splitlines() drops what follows a last break; the line is there
    return lines


def unsafe_characters(text: str) -> bool:
    """True when ``text`` holds a character that :func:`sanitize` would rewrite."""
    return not text.isprintable() and sanitize(text) != text


def sanitize(text: str) -> str:
    """One safe line: line breaks become spaces, tabs a space, other controls visible escapes."""
    if text.isprintable():
        return text
    # Joined in C first: most text that is not printable only has line breaks.
    line = " ".join(_lines(text))
    return line if line.isprintable() else _spell(line)


def split_lines(text: str) -> list[str]:
    """Safe lines from text that may hold line breaks; one final line break is dropped."""
    if text.endswith(("\r\n", "\n", "\r")):
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    return [line if line.isprintable() else _spell(line) for line in _lines(text)]


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
_narrow_chars: frozenset[str] | None = None


def _narrow(text: str) -> bool:
    """True when every character takes exactly one column (so width == len)."""
    if text.isascii():
        return True
    if len(text) == 1:  # a glyph, an ellipsis: a few comparisons
        code = ord(text)
        return any(first <= code <= last for first, last in NARROW_RANGES)
    # Other text is looked up in the set of every narrow character, built (~0.2 ms) on the
    # first such text rather than with the first frame.
    global _narrow_chars
    if _narrow_chars is None:
        _narrow_chars = frozenset().union(
            *[map(chr, range(first, last + 1)) for first, last in NARROW_RANGES]
        )
    return _narrow_chars.issuperset(text)


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
    if _narrow(text) and (len(text) <= width or _narrow(ellipsis)):
        if len(text) <= width:
            return text, len(text)  # (the ellipsis, unused, need not be measured)
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
