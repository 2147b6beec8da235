"""The live block: spinner rows at the bottom of a terminal, and the bytes that update them.

:class:`Block` is pure: it is told the time and the terminal width and returns the text to
write; it remembers what it drew so that each frame writes only what changed. The terminal
module writes what it returns; tests feed it straight into a virtual terminal.

The cursor invariant: between two writes the cursor sits at column 0 of the block's top row,
hidden. A frame where only one glyph changes is then ``glyph + "\\r"`` (2-4 bytes); a resize
erases from the top row down (which also removes the rows a reflowing terminal made of a
line that got too long) and redraws; lines written above the block go where the block was,
and the block is redrawn below them.
"""

from __future__ import annotations

from twirly.layout import layout
from twirly.render import display_width, fit, format_elapsed, sanitize
from twirly.state import SLACK, SYMBOLS, Row, next_step, steps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Final, NamedTuple

    from twirly.layout import Shown
    from twirly.state import Status
else:
    from twirly.records import NamedTuple  # typing's, without importing typing

__all__ = ["HIDE_CURSOR", "ROWS_MODE", "SHOW_CURSOR", "Block", "final_line"]

HIDE_CURSOR: Final = "\x1b[?25l"
SHOW_CURSOR: Final = "\x1b[?25h"
# Autowrap (DECAWM) is off while rows are shown: a row drawn for a width the terminal lost an
# instant before (a resize racing a frame, or a child process drawing) is clipped at the
# margin instead of wrapping onto a row below, so the cursor never leaves the block. The
# program's own lines, written above the rows, wrap as usual.
_WRAP: Final = "\x1b[?7h"
_NO_WRAP: Final = "\x1b[?7l"
#: What the terminal is set to while rows are shown.
ROWS_MODE: Final = HIDE_CURSOR + _NO_WRAP
_NORMAL_MODE: Final = _WRAP + SHOW_CURSOR
_ERASE_LINE_END: Final = "\x1b[K"
_ERASE_DOWN: Final = "\x1b[J"
# The block's rows, erased from its top row down. From column 0 (the cursor belongs there, but
# the terminal may have echoed "^C" since, or someone else's output moved it along the row),
# and not with a bare ESC [ J there: tmux takes that, in the screen's top-left corner, for
# "clear the screen" and scrolls the whole screen into its history first (scroll-on-clear),
# so a block on the top row left a copy of its rows in the scrollback at every resize and
# every line written above it. So the top row is erased alone, the rest from column 1 on.
_ERASE_ROWS: Final = "\r" + _ERASE_LINE_END + "\x1b[C" + _ERASE_DOWN + "\r"
# DEC mode 2026: terminals that know it show a multi-step redraw at once; others ignore it.
_SYNC_BEGIN: Final = "\x1b[?2026h"
_SYNC_END: Final = "\x1b[?2026l"
_SAVE_CURSOR: Final = "\x1b7"
_RESTORE_CURSOR: Final = "\x1b8"
#: The longest wait between two frames, whatever the rows: a text change (a plain store, no
#: I/O) on rows that never change by themselves is still shown within this.
IDLE_FRAME: Final = 1.0


class _Image(NamedTuple):
    """What one row looks like on screen: what stands before the glyph (an indent, a prefix),
    the glyph cell (with its colour), the rest, and the columns in all."""

    lead: str
    glyph: str
    body: str
    width: int
    at: int = 0  # the column the body starts at


class _Body(NamedTuple):
    """A row's rendered text, with what it was rendered from."""

    raw: str
    safe: str
    width: int
    suffix: str
    body: str
    cols: int


def _up(rows: int) -> str:
    return f"\x1b[{rows}A" if rows > 1 else ("\x1b[A" if rows == 1 else "")


def _down(rows: int) -> str:
    """Down ``rows`` rows that are on screen, with a cursor move (ESC [ n B) that stops at
    the last line where a line feed would scroll: a frame drawn for a height the terminal
    lost an instant before (tmux shrinks its screen up to a quarter of a second before the
    program can read the new size) then writes over the last line instead of pushing the
    rows above it into the scrollback."""
    return f"\x1b[{rows}B" if rows > 1 else ("\x1b[B" if rows == 1 else "")


def _changed_part(old: str, new: str) -> str:
    """What brings a row's text from ``old`` to ``new``, the cursor just after the glyph:
    a long enough unchanged start (in ASCII, one column a character) is stepped over with
    one cursor move rather than written again (a counter or a timer that ticks)."""
    same = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        same += 1
    if same < _STEP_OVER or not new[:same].isascii():
        return new
    return f"\x1b[{same}C{new[same:]}"


#: Columns of unchanged text worth one cursor move (ESC [ n C: four or five bytes).
_STEP_OVER: Final = 8
#: Back to the terminal's own foreground colour after a coloured glyph.
_PLAIN: Final = "\x1b[39m"


def _over(lead: str) -> str:
    """What takes the cursor past ``lead`` already on screen: a cursor move where that is
    shorter than writing it again (ASCII: one column a character)."""
    if len(lead) > 4 and lead.isascii():
        return f"\x1b[{len(lead)}C"
    return lead


def _update(old: _Image | None, new: _Image) -> str:
    """What turns row ``old`` on screen into ``new``, from the row's column 0 and back."""
    if old is None:
        return new.lead + new.glyph + new.body + "\r"
    if old.at != new.at:  # (a new style or prefix moved the text along: all of it again)
        return new.lead + new.glyph + new.body + _ERASE_LINE_END + "\r"
    lead = _over(new.lead) if new.lead and old.lead == new.lead else new.lead
    if old.body == new.body:
        return lead + new.glyph + "\r"
    erase = _ERASE_LINE_END if old.width > new.width else ""
    return lead + new.glyph + _changed_part(old.body, new.body) + erase + "\r"


def _swapped(rows: dict[int, Row], old: Row, new: Row) -> dict[int, Row]:
    """``rows`` in the same order, with ``new`` in ``old``'s place."""
    key = id(old)
    return {(id(new) if k == key else k): (new if k == key else r) for k, r in rows.items()}


def final_line(
    status: Status, text: str, *, unicode: bool, color: bool, elapsed: float | None = None
) -> str:
    """The persistent line left by ``ok``/``fail``/``warn``/``info``: a symbol, then the text."""
    glyph, ascii_glyph, sgr = SYMBOLS[status]
    symbol = glyph if unicode else ascii_glyph
    if color:
        symbol = f"\x1b[{sgr}m{symbol}\x1b[0m"
    line = f"{symbol} {sanitize(text)}" if text else symbol
    if elapsed is not None:
        line += f" ({format_elapsed(elapsed, precise=True)})"
    return line


def _rows_taken(text: str, width: int) -> int:
    """How many screen rows ``text`` takes from the start of a row, autowrapped at
    ``width`` columns (0: not known, the text holds escapes or other controls)."""
    if not text or width <= 0 or not text.isprintable():
        return 0
    cols = len(text) if text.isascii() else display_width(text)
    return max(1, -(-cols // width))


def _off_column_0(text: str) -> bool:
    """Does the cursor stand past column 0 after ``text`` (an unfinished line)? Not when
    all it has after its last carriage return is styling and modes (pip's ``ESC[0m``)."""
    text = text.rpartition("\r")[2]
    index, end = 0, len(text)
    while index < end:
        char = text[index]
        index += 1
        if char == "\x1b" and index < end:
            kind = text[index]
            index += 1
            if kind == "[":  # CSI: parameters up to a final byte
                while index < end and not "\x40" <= text[index] <= "\x7e":
                    index += 1
                index += 1
            elif kind in "]PX^_":  # OSC, DCS, SOS, PM, APC: a string up to BEL or ST
                while index < end and text[index] not in "\x07\x1b":
                    index += 1
                index += 2 if text[index : index + 1] == "\x1b" else 1
            elif " " <= kind <= "/":  # intermediates, then a final byte (ESC ( B)
                while index < end and " " <= text[index] <= "/":
                    index += 1
                index += 1
        elif char.isprintable():
            return True
    return False


class _Turns:
    """One row's images glyph by glyph, made as the frames come, while its text, its look
    and the screen's size stay what they were: then a frame needs nothing rendered, only the
    next glyph (for a row that turns on its own, without a timer, whose text changes every
    second). Any change to the block drops it. The steady frame turns them (see
    twirly.steady: Steady.frame reads them, and ``Block._drawn``, directly)."""

    __slots__ = (
        "color",
        "columns",
        "frames",
        "images",
        "interval",
        "lines",
        "moves",
        "note",
        "prefix",
        "row",
        "shown",
        "slack",
        "suffix",
        "text",
    )

    def __init__(self, row: Row, columns: int, lines: int) -> None:
        self.row = row
        #: The style's interval the images turn at (a new one: see Steady.frame), and
        #: state.SLACK, held here for Steady.frame.
        self.interval = row.interval
        self.slack = SLACK
        self.columns, self.lines = columns, lines
        self.text = row.text
        self.frames = row.frames
        self.color, self.prefix = row.color, row.prefix
        self.suffix, self.note = row.suffix, row.note
        self.images: list[_Image | None] = [None] * len(self.frames)
        #: What turns another of these images on screen into each one (the same from any:
        #: they differ only by the glyph), once a frame has written it.
        self.moves: list[str | None] = [None] * len(self.frames)
        self.shown = -1  # which of the images is on screen (-1: none of them)

    def fit(self, row: Row) -> bool:
        """Are these the images of ``row`` as it is now? (By identity: a text or look set
        anew, even to the same, makes the images anew. Steady.frame asks the same, written
        out.)"""
        return (
            row.text is self.text
            and row.frames is self.frames
            and row.color is self.color
            and row.prefix is self.prefix
            and row.suffix is self.suffix
            and row.note is self.note
        )


class Block:
    """Rows drawn at the bottom of one terminal, and what is on screen for each."""

    __slots__ = (
        "_bodies",
        "_children",
        "_drawn",
        "_ellipsis",
        "_epoch",
        "_height",
        "_lifted",
        "_modes",
        "_partial",
        "_pinned",
        "_rows",
        "_stale",
        "_suspended",
        "_top",
        "_turns",
        "_width",
    )

    def __init__(self, *, unicode: bool) -> None:
        # By identity, in order: taking one row out of thousands costs the same as out of one.
        self._rows: dict[int, Row] = {}  # every row
        self._top: dict[int, Row] = {}  # rows with no parent here, but summaries
        self._children: dict[int, dict[int, Row]] = {}  # by the parent's identity
        self._pinned: dict[int, Row] = {}  # summary rows: always shown, last
        self._epoch = 0.0  # the start of the frame grid: the first row's arrival
        self._drawn: list[_Image] = []
        self._bodies: dict[int, _Body] = {}
        self._width = 0
        self._height = 0
        self._stale = False
        # Rows erased (see lift): the next frame draws them again.
        self._lifted = False
        self._suspended = False
        # While suspended: the unfinished line on screen, and whose (a thread's identity;
        # None: anyone's line completes it).
        self._partial: tuple[str, int | None] = ("", None)
        self._modes = ROWS_MODE
        self._ellipsis = "…" if unicode else "..."
        self._turns: _Turns | None = None  # (see frame)

    @property
    def rows(self) -> tuple[Row, ...]:
        """The rows, top to bottom."""
        return tuple(self._rows.values())

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, row: Row) -> bool:
        return self._rows.get(id(row)) is row

    @property
    def modes(self) -> str:
        """What the terminal is set to while rows are shown (nothing where it could not be
        put back)."""
        return self._modes

    def set_modes(self, allowed: bool) -> None:
        """Whether rows are shown with the cursor hidden and autowrap off (not where nothing
        could put the terminal back should a signal end the process: see twirly.guards)."""
        self._modes = ROWS_MODE if allowed else ""

    @property
    def suspended(self) -> bool:
        """True while an unfinished line of the program's output stands where the block was."""
        return self._suspended

    # -- rendering -------------------------------------------------------------------------

    def _body(self, row: Row, room: int, suffix: str, raw: str | None = None) -> tuple[str, int]:
        """The text part of a row and its columns in ``room`` columns, rendered again only
        when the text, the room, the suffix, the timer or the note changed: most frames only
        turn the glyph. The suffix and the timer are kept and the text cut to make room for
        them; the note (the watchdog's label) only gets the room the text leaves. ``raw``:
        the text to render (the row's own, read once, by default)."""
        if raw is None:
            raw = row.text
        note = row.note
        if row.suffix:
            suffix = f" {row.suffix}{suffix}"
        key = f"{suffix}\x00{note}" if note else suffix
        cached = self._bodies.get(row.ident)
        if cached is not None and cached.raw is raw:
            if cached.width == room and cached.suffix == key:
                return cached.body, cached.cols
            safe = cached.safe
        else:
            safe = sanitize(raw)  # once per distinct text, not once per frame
        extra = len(suffix) if suffix.isascii() else display_width(suffix)
        body, cols = fit(f" {safe}" if safe else "", room - extra, self._ellipsis)
        if cols + extra <= room:
            body, cols = body + suffix, cols + extra
        if note and room - cols > len(self._ellipsis) + 1:
            cut, used = fit(note, room - cols, self._ellipsis)
            body, cols = body + cut, cols + used
        self._bodies[row.ident] = _Body(raw, safe, room, key, body, cols)
        return body, cols

    def _image(
        self, row: Row, depth: int, now: float, width: int, text: str | None = None
    ) -> _Image:
        frames = row.frames  # (once: a new style may be set meanwhile from another thread)
        glyph = frames[steps(now - row.origin, row.interval) % len(frames)]
        lead = ""
        lead_cols = 0
        if depth or row.prefix:
            # Nested under the row above: indented; a prefix stands before the glyph.
            lead = "  " * depth + (f"{row.prefix} " if row.prefix else "")
            lead_cols = 2 * depth + (row.prefix_width + 1 if row.prefix else 0)
        if width <= lead_cols + row.frame_width:
            cut, cols = fit(lead + glyph, width, "")
            return _Image("", cut, "", cols)
        if row.color:
            glyph = f"{row.color}{glyph}{_PLAIN}"
        suffix = f" ({format_elapsed(now - row.started)})" if row.timer else ""
        body, cols = self._body(row, width - lead_cols - row.frame_width, suffix, text)
        at = lead_cols + row.frame_width
        return _Image(lead, glyph, body, at + cols, at)

    def _visible(self, height: int) -> tuple[list[Shown], int]:
        """The rows shown on a screen of ``height`` rows, and how many more are not (see
        :func:`~twirly.layout.layout`)."""
        rows = self._rows
        flat = not self._children and not self._pinned
        if flat and (height <= 0 or len(rows) < max(height - 1, 1)):
            return [(row, 0) for row in rows.values()], 0  # (the common case, at once)
        count = len(rows) - len(self._pinned)
        return layout(self._top, self._children, self._pinned, count, height)

    @property
    def hidden(self) -> int:
        """How many rows the last frame left out (a summary row may say so)."""
        return self._visible(self._height)[1]

    def _images(self, now: float, width: int, height: int) -> list[_Image]:
        """What each visible row shows (the cost is in the rows shown, not in all rows).

        No row reaches the last column: a terminal that reflows lines on a resize (tmux)
        takes a full line for one that goes on below, and joins it with the next row.
        """
        width = max(width - 1, 1)
        shown, hidden = self._visible(height)
        images = [self._image(row, depth, now, width) for row, depth in shown]
        if hidden and not self._pinned:
            summary, cols = fit(f"{self._ellipsis} {hidden} more", width, self._ellipsis)
            images.append(_Image("", "", summary, cols))
        return images

    def _draw_all(self, now: float, width: int, height: int) -> str:
        """Every row from scratch onto erased rows; cursor back to the top row."""
        images = self._images(now, width, height)
        self._drawn = list(images)
        self._width, self._height = width, height
        self._stale = False
        self._turns = None
        if not images:
            return ""
        body = "\r\n".join(image.lead + image.glyph + image.body for image in images)
        return f"{body}\r{_up(len(images) - 1)}"

    # -- what changes the block ------------------------------------------------------------

    def add(self, row: Row, now: float, width: int, height: int = 0) -> str:
        """Append ``row`` at the bottom and draw it (hiding the cursor for the first row)."""
        first = not self._rows
        self.put(row, now, height)
        return (self._modes if first else "") + self.frame(now, width, height)

    def put(self, row: Row, now: float, height: int = 0) -> None:
        """Append ``row`` at the bottom without drawing: the next frame shows it (a group adds
        and takes away many rows between two frames, and the frame draws what changed)."""
        if not self._rows:
            self._epoch = now
        self._align(row, now, height)
        self._rows[id(row)] = row
        self._turns = None
        parent = row.parent
        if row.kind == "summary":
            self._pinned[id(row)] = row
        elif parent is not None and id(parent) in self._rows:
            self._children.setdefault(id(parent), {})[id(row)] = row
        else:
            self._top[id(row)] = row

    def _align(self, row: Row, now: float, height: int) -> None:
        # The row's glyph turns on the block's frame grid: its first frame lasts until the
        # grid's next frame has passed by a whole interval.
        step = min(row.cadence, self._step(height))
        if step != float("inf"):
            origin = self._epoch + steps(now - self._epoch, step) * step
            row.origin = origin if origin >= now else origin + step

    def discard(self, row: Row) -> None:
        """Take ``row`` out without drawing (the next frame shows the block without it)."""
        if row in self:
            self._take_out(row)
            self._bodies.pop(row.ident, None)

    def replace(self, old: Row, new: Row, now: float, height: int = 0) -> None:
        """Put ``new`` where ``old`` was, without drawing: the next frame rewrites that row
        alone. (A top-level row without children; otherwise ``new`` goes at the bottom.)"""
        key = id(old)
        if self._top.get(key) is not old or key in self._children or new.parent is not None:
            self.discard(old)
            self.put(new, now, height)
            return
        self._align(new, now, height)
        self._bodies.pop(old.ident, None)
        self._turns = None
        self._rows = _swapped(self._rows, old, new)
        self._top = _swapped(self._top, old, new)

    def _take_out(self, row: Row) -> None:
        key = id(row)
        del self._rows[key]
        self._turns = None
        if self._pinned.pop(key, None) is None and self._top.pop(key, None) is None:
            parent = row.parent
            siblings = self._children.get(id(parent)) if parent is not None else None
            if siblings is not None:
                siblings.pop(key, None)
                if not siblings:
                    del self._children[id(parent)]
        orphans = self._children.pop(key, None)
        if orphans:
            self._top.update(orphans)  # (their parent went first: they stay, at the top level)

    def frame(self, now: float, width: int, height: int = 0) -> str:
        """Bring the screen up to date at ``now``: only what changed since the last write.

        ``height`` is the screen's number of rows (0: unknown, no limit).
        """
        resized = (width, height) != (self._width, self._height)
        if (
            len(self._drawn) == 1
            and len(self._rows) == 1
            and not (resized or self._stale or self._pinned)
            and (height <= 0 or height > 2)
        ):
            return self._one_row(next(iter(self._rows.values())), now, width, height)
        self._turns = None  # (the general path: the images are the frame's own)
        if self._stale or (resized and self._drawn):
            modes = self._modes if self._lifted else ""  # (no wrapping again: see lift)
            self._lifted = False
            redraw = self._draw_all(now, width, height)
            return _SYNC_BEGIN + modes + _ERASE_ROWS + redraw + _SYNC_END
        self._width, self._height = width, height
        images = self._images(now, width, height)
        drawn = self._drawn
        out: list[str] = []
        growing = len(images) > max(len(drawn), 1)
        if growing:
            # New rows below: lines are made for them first, from the top row down with line
            # feeds (the screen scrolls as it must) and back up by their count, which is
            # exact: a line feed never stops at the last line. Every row is on screen then.
            made = len(images) - 1
            out.append("\n" * made + _up(made))
        at = 0
        changed = 0
        for index, image in enumerate(images):
            old = drawn[index] if index < len(drawn) else None
            if image == old:
                continue
            changed += 1
            if index > at:
                out.append(_down(index - at))
                at = index
            out.append(_update(old, image))
        if len(images) < len(drawn):
            # Rows went away: erase from the first row no longer used down (never the top
            # row from its column 0 with ESC [ J: see _ERASE_ROWS).
            changed += 1
            if images:
                end = len(images)
                out.append(_down(end - at) + _ERASE_DOWN)
                at = end
            else:
                out.append(_ERASE_ROWS)
        self._drawn = images
        if at:
            # Down over rows on screen, then back to the top row's start (DECSC, DECRC):
            # exact even where a move down stopped at the last line of a screen that has
            # just become shorter. From column 0 (the terminal may have echoed "^C" on the
            # top row since, or someone else's output moved the cursor along it).
            out.insert(1 if growing else 0, "\r" + _SAVE_CURSOR)
            out.append(_RESTORE_CURSOR)
        if changed > 1 or (changed and self._pinned):
            # More than one row changes, or a group's display (a summary row): shown at once
            # where the terminal can (mode 2026).
            return _SYNC_BEGIN + "".join(out) + _SYNC_END
        return "".join(out)

    def _one_row(self, row: Row, now: float, width: int, height: int) -> str:
        """:meth:`frame` for one row on screen, as drawn, with nothing to lay out (the common
        case: one spinner): what the general path comes to, without its lists and loop; and
        while the row only turns, its images made once per glyph (see ``_Turns``)."""
        room = max(width - 1, 1)
        if row.timer or len(row.frames) < 2 or row.interval > IDLE_FRAME:
            self._turns = None  # (its images are not what is on screen any more)
            image = self._image(row, 0, now, room)
            before = self._drawn[0]
            if image == before:
                return ""
            self._drawn = [image]
            return _update(before, image)
        turns = self._turns
        if turns is None or turns.row is not row or not turns.fit(row):
            turns = self._turns = _Turns(row, width, height)
        turns.interval = row.interval  # (a new interval, same glyphs: the same images)
        images = turns.images
        index = steps(now - row.origin, row.interval) % len(images)
        made = images[index]
        image = made if made is not None else self._image(row, 0, now, room, turns.text)
        # Kept only while the row is as the record says: another thread may have set a new
        # look (or a text, then the old one again) while the image was being made.
        kept = made is not None or turns.fit(row)
        if made is None and kept:
            images[index] = image
        before = self._drawn[0]
        shown, turns.shown = turns.shown, (index if kept else -1)
        if image is before or image == before:
            return ""
        self._drawn = [image]
        text = _update(before, image)
        if kept and shown >= 0 and before is images[shown]:
            turns.moves[index] = text  # (from another of its images: see _Turns.moves)
        return text

    def above(
        self,
        lines: Iterable[str],
        now: float,
        width: int,
        height: int = 0,
        owner: int | None = None,
    ) -> str:
        """Write whole ``lines`` where the block is and redraw the block below them.

        After :meth:`suspend`, the first line completes the unfinished one on screen, unless
        both are known to come from different writers (``owner``: a thread's identity): the
        lines then go above the unfinished line, which is written again below them.
        """
        text = "".join(f"{line}\r\n" for line in lines)
        if not self._rows:
            return text
        if self._suspended and owner is not None and text:
            partial, writer = self._partial
            tall = _rows_taken(partial, width) if writer not in (None, owner) else 0
            if tall:
                # Back to the start of the unfinished line, erase from there, the lines, and
                # the unfinished line again, the cursor after it (still waiting for its end).
                up = f"\x1b[{tall - 1}A" if tall > 1 else ""
                return _SYNC_BEGIN + "\r" + up + _ERASE_DOWN + text + partial + _SYNC_END
        if text and self._modes:
            text = _WRAP + text + _NO_WRAP
        erase, resume = (_ERASE_DOWN, self._modes) if self._suspended else (_ERASE_ROWS, "")
        if self._lifted:
            resume = self._modes  # (autowrap was left on for the lines: see lift)
            self._lifted = False
        self._suspended = False
        self._partial = ("", None)
        redraw = self._draw_all(now, width, height)
        return _SYNC_BEGIN + erase + text + resume + redraw + _SYNC_END

    def lift(self, lines: Iterable[str]) -> str:
        """Erase the rows and write whole ``lines`` where they were, leaving them erased until
        the next frame draws them again (or the last row goes: nothing written meanwhile
        lands on a row). Not while suspended: see :meth:`above`."""
        text = "".join(f"{line}\r\n" for line in lines)
        if not self._rows or self._lifted:
            return text  # (autowrap is on while the rows are lifted)
        self._lifted = True
        self._stale = True
        return _ERASE_ROWS + (_WRAP if self._modes else "") + text

    @property
    def lifted(self) -> bool:
        """True while the rows are erased (see :meth:`lift`)."""
        return self._lifted and bool(self._rows)

    def suspend(self, partial: str, owner: int | None = None, *, erase: bool = True) -> str:
        """Erase the rows and show ``partial`` (a prompt, say) with the cursor after it;
        ``owner``: whose line it is (a thread's identity), if known. Without ``erase``, the
        rows are left as they are: someone else has written below them since, and the cursor
        is on their line now (a shell's prompt after it reported the program stopped).

        Frames wait until :meth:`above` completes the line or :meth:`remove` ends the block.
        """
        if not self._rows:
            return partial
        if self._suspended:
            shown, writer = self._partial
            self._partial = (shown + partial, writer if writer == owner else None)
            return partial
        self._suspended = True
        self._lifted = False
        self._partial = (partial, owner)
        return (_ERASE_ROWS if erase else "") + _NORMAL_MODE + partial

    def remove(self, row: Row, final: str | None, now: float, width: int, height: int = 0) -> str:
        """Take ``row`` out, leaving ``final`` as a persistent line if given (on a line of its
        own: after an unfinished line of the program's, on the next)."""
        self._take_out(row)
        self._bodies.pop(row.ident, None)
        lines = [final] if final is not None else []
        if lines and self._suspended and _off_column_0(self._partial[0]):
            lines.insert(0, "")  # (ends the unfinished line, as the program's next would)
        if not self._rows:
            erase = self._erase()
            self._suspended = self._lifted = False
            self._partial = ("", None)
            self._drawn = []
            return erase + _WRAP + "".join(f"{line}\r\n" for line in lines) + SHOW_CURSOR
        return self.above(lines, now, width, height)

    def clear(self) -> str:
        """Erase every row and show the cursor: the terminal as it was before the block."""
        if not self._rows:
            return ""
        erase = self._erase()
        self._rows.clear()
        self._top.clear()
        self._children.clear()
        self._pinned.clear()
        self._drawn.clear()
        self._bodies.clear()
        self._turns = None
        self._suspended = self._lifted = False
        self._partial = ("", None)
        return erase + _NORMAL_MODE

    def hide(self) -> str:
        """Erase the rows and show the cursor for a while (the program is being stopped,
        Ctrl-Z); the next frame draws them all again."""
        if not self._rows or self._suspended:
            return ""
        self._stale = True
        self._lifted = False
        return _ERASE_ROWS + _NORMAL_MODE

    def redraw_later(self) -> None:
        """After :meth:`hide`: the rows stay erased, and the next frame draws them again with
        the terminal set as rows want it (the program goes on behind the terminal, ``bg``,
        where that frame first asks whether the shell reads a line there)."""
        if self._rows and not self._suspended:
            self._stale = True
            self._lifted = True  # (erased, autowrap on, the cursor shown: see lift)

    def step_aside(self) -> str:
        """Erase what is left of the rows from the cursor on and show it: someone else wrote a
        prompt over the top row (getpass, a REPL), which must stay. The next frame after
        :meth:`restart` draws the rows afresh."""
        if not self._rows or self._suspended:
            return ""
        self._stale = True
        lifted, self._lifted = self._lifted, False
        # One row drawn: its line from the cursor on is all there is to erase, and the erase
        # stays on it. (ESC [ J with the cursor still in the screen's top-left corner, the
        # prompt not written yet, is "clear the screen" to tmux, which first scrolls the
        # screen into its history: a copy of the row in the scrollback. See _ERASE_ROWS.)
        # Lifted, the rows are not on the screen: nothing is erased (see _erase).
        erase = "" if lifted else _ERASE_LINE_END if len(self._drawn) <= 1 else _ERASE_DOWN
        return erase + _NORMAL_MODE

    def _erase(self) -> str:
        # Suspended, the cursor stands after the program's unfinished line (the rows are gone).
        # Lifted, the rows are gone too (see lift, redraw_later), and the cursor may stand
        # after a shell's prompt (`bg`): nothing is erased.
        if self._suspended:
            return _ERASE_DOWN
        return "" if self._lifted else _ERASE_ROWS

    def restart(self, now: float, width: int, height: int = 0) -> str:
        """Draw every row afresh from the cursor's line, after the screen was someone else's
        for a while (a prompt was answered there)."""
        self._suspended = self._lifted = False
        self._partial = ("", None)
        if not self._rows:
            return ""
        self._stale = True
        return self._modes + self.frame(now, width, height)

    def forget_screen(self) -> None:
        """Assume only the invariant: the next frame erases the rows and redraws them all."""
        self._stale = bool(self._rows)

    def _step(self, height: int) -> float:
        """The frame grid's step: how often the fastest row shown changes by itself."""
        if len(self._rows) == 1:
            # The common case, without a generator: ~15 µs of CPU per frame when cold (bench/).
            return next(iter(self._rows.values())).cadence
        return min((row.cadence for row, _ in self._visible(height)[0]), default=float("inf"))

    def frame_step(self) -> float:
        """How often frames come: the fastest shown row's pace, a second at the most."""
        return min(self._step(self._height), IDLE_FRAME)

    def next_deadline(self, now: float) -> float:
        """When the next frame is due: the next point of one frame grid for all the rows
        (``inf`` when there are no rows).

        However many rows there are and whenever they started, the block wakes at most once
        per frame of its fastest visible row: rows past the screen's last and rows that never
        change by themselves do not count. Strictly after ``now``, on a whole number of steps
        from the grid's start, so that a clock never re-ticks at once.
        """
        if not self._rows:
            return float("inf")
        if len(self._rows) == 1:
            row = next(iter(self._rows.values()))
            if row.cadence <= IDLE_FRAME:
                return row.next_change(now)
        step = min(self._step(self._height), IDLE_FRAME)
        return next_step(self._epoch, step, now)
