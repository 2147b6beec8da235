"""What a command's output says it is doing: finishing lines, redrawing progress, waiting for
an answer, or taking the whole screen.

Pure: bytes in, facts out; no I/O and no clock (the session reads the clock and the OS). Three
questions are answered here:

- :func:`classify_tail`: what the unfinished end of a line is. Only visible text can be a
  prompt; escape sequences alone (``ESC[0m`` after the last newline, as pip and rich write)
  and lines redrawn with ``\\r`` (curl, wget, rsync, docker, pip's bars) are not.
- :class:`ScreenScanner`: whether the command takes the screen (alternate screen, questions
  only a real terminal can answer, keypad mode, cursor addressing), across reads that may
  split an escape sequence anywhere.
- :class:`ShownLine`: what a terminal shows of a line as it is written and redrawn (text after
  ``\\r`` overwrites, it does not replace), for the rows under the spinner.
"""

from __future__ import annotations

import codecs
import enum
import functools
from typing import TYPE_CHECKING, Final, NamedTuple

if TYPE_CHECKING:
    import re

__all__ = [
    "ScreenScanner",
    "ScreenSignal",
    "ShownLine",
    "Tail",
    "classify_tail",
    "shown_text",
    "shows_text",
    "visible_text",
]


class Tail(enum.Enum):
    """What follows the last newline of a source's output."""

    NONE = "none"  # nothing: the output ends a line
    STYLING = "styling"  # escape sequences only (colours reset, cursor shown): nothing to read
    PROGRESS = "progress"  # a line redrawn in place with carriage returns
    TEXT = "text"  # visible text waiting for the rest of its line: maybe a prompt


# One escape sequence: CSI (ESC [ params intermediates final), OSC (ESC ] ... BEL or ST),
# DCS/APC/PM/SOS strings (ESC P/_/^/X ... ST), charset designations (ESC ( B), or a
# two-byte escape (ESC =, ESC 7, ...). The 8-bit CSI (0x9b) is not used by the programs
# that matter here and is left alone: it is also a UTF-8 continuation byte.
_SEQUENCE_SOURCE: Final = (
    rb"\x1b(?:"
    rb"\[[0-?]*[ -/]*[@-~]"
    rb"|\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|[P_^X][^\x1b]*\x1b\\"
    rb"|[()*+\-./][ -~]"
    rb"|[ -/]*[0-OQ-WYZ\\`-~]"
    rb")"
)
# Where a sequence may still be unfinished at the end of a read: an ESC and what may follow.
_UNFINISHED_SOURCE: Final = (
    rb"\x1b(?:"
    rb"\[[0-?]*[ -/]*"
    rb"|\][^\x07\x1b]*\x1b?"
    rb"|[P_^X][^\x1b]*\x1b?"
    rb"|[()*+\-./]"
    rb"|[ -/]*"
    rb")\Z"
)


class _Patterns(NamedTuple):
    sequence: re.Pattern[bytes]
    unfinished: re.Pattern[bytes]
    csi: re.Pattern[bytes]
    osc_query: re.Pattern[bytes]


@functools.cache
def _patterns() -> _Patterns:
    """Compiled on first use: a command that writes no escape sequence never pays for it."""
    import re

    return _Patterns(
        re.compile(_SEQUENCE_SOURCE),
        re.compile(_UNFINISHED_SOURCE),
        re.compile(_CSI_SOURCE),
        re.compile(_OSC_QUERY_SOURCE),
    )


# Bytes that move the cursor or ring the bell without showing anything.
_INVISIBLE: Final = bytes(range(0x20)).replace(b"\r", b"").replace(b"\t", b"") + b"\x7f"


def visible_text(data: bytes) -> bytes:
    """``data`` without escape sequences and control bytes (tabs and ``\\r`` kept)."""
    if b"\x1b" in data:
        patterns = _patterns()
        data = patterns.sequence.sub(b"", data)
        data = patterns.unfinished.sub(b"", data)
        data = data.replace(b"\x1b", b"")
    return data.translate(None, _INVISIBLE)


def shows_text(data: bytes) -> bool:
    """Does ``data`` show anything on screen? (Not when it holds only styling, cursor
    moves, modes, carriage returns and blanks: pip's closing ``ESC[0m``, less's last
    ``\\r ESC[K``.)"""
    return bool(visible_text(data).strip(b" \t\r"))


def classify_tail(tail: bytes) -> Tail:
    """What the unfinished end of the output (the bytes after its last newline) is."""
    if not tail:
        return Tail.NONE
    text = visible_text(tail)
    if b"\r" in text:
        # Redrawn in place: a progress line, whatever it shows now. (A prompt that follows
        # progress starts a line of its own, or is recognised by the OS's evidence.)
        return Tail.PROGRESS
    if not text.strip(b" \t"):
        return Tail.STYLING
    return Tail.TEXT


class ScreenSignal(enum.Enum):
    """Something in the output that only makes sense on the whole, real terminal."""

    ALTERNATE_SCREEN = "alternate screen"
    MAIN_SCREEN = "main screen"  # the alternate screen is left
    QUERY = "query"  # the terminal is asked something and must answer
    KEYPAD = "keypad"  # application keypad / cursor keys: the program reads raw keys
    ADDRESSING = "addressing"  # the cursor is put at a place on the screen, or it is cleared


# CSI final bytes and private modes that mean the program draws the whole screen.
_ALTERNATE_MODES: Final = frozenset({b"1049", b"47", b"1047"})
_KEYPAD_MODES: Final = frozenset({b"1"})  # DECCKM: application cursor keys
_ADDRESSING_FINALS: Final = frozenset({b"H", b"f", b"d"})  # CUP, HVP, VPA
# Questions: device attributes (primary, secondary, tertiary), cursor position, status.
_QUERIES: Final = frozenset(
    {(p, b"c") for p in (b"", b"0", b">", b">0", b"=", b"=0")}
    | {(p, b"n") for p in (b"5", b"6", b"?6")}
)


def _is_query(params: bytes, intermediates: bytes, final: bytes) -> bool:
    if final == b"p" and intermediates == b"$":
        return True  # DECRQM: is mode N set?
    if final == b"q" and params.startswith(b">"):
        return True  # XTVERSION
    return not intermediates and (params, final) in _QUERIES


def _csi_signals(params: bytes, intermediates: bytes, final: bytes) -> list[ScreenSignal]:
    """The signals of one CSI sequence."""
    if _is_query(params, intermediates, final):
        return [ScreenSignal.QUERY]
    if intermediates:
        return []
    if final in _ADDRESSING_FINALS or (final == b"J" and params in {b"2", b"3"}):
        return [ScreenSignal.ADDRESSING]  # the cursor put somewhere, or the screen cleared
    if final not in {b"h", b"l"} or not params.startswith(b"?"):
        return []
    modes = params[1:].split(b";")
    signals = []
    if any(mode in _ALTERNATE_MODES for mode in modes):
        alternate = ScreenSignal.ALTERNATE_SCREEN
        signals.append(alternate if final == b"h" else ScreenSignal.MAIN_SCREEN)
    if final == b"h" and any(mode in _KEYPAD_MODES for mode in modes):
        signals.append(ScreenSignal.KEYPAD)
    return signals


_CSI_SOURCE: Final = rb"\x1b\[([0-?]*)([ -/]*)([@-~])"
_OSC_QUERY_SOURCE: Final = rb"\x1b\](?:1[0-9]|4;\d+|[0-9]+);\?(?:\x07|\x1b\\)"


class ScreenScanner:
    """Finds :class:`ScreenSignal` in a stream of output read in pieces.

    An escape sequence split between two reads is kept until the rest arrives, so the
    signals are the same however the output is cut.
    """

    __slots__ = ("_carry",)

    def __init__(self) -> None:
        self._carry = b""

    def feed(self, data: bytes) -> list[ScreenSignal]:
        """The signals in ``data``, in order (those of a sequence finished by ``data`` too)."""
        data = self._carry + data
        self._carry = b""
        if b"\x1b" not in data:
            return []
        signals: list[ScreenSignal] = []
        end = 0
        patterns = _patterns()
        for match in patterns.sequence.finditer(data):
            end = match.end()
            sequence = match.group()
            second = sequence[1:2]
            if second == b"[":
                csi = patterns.csi.fullmatch(sequence)
                if csi is not None:
                    signals += _csi_signals(*csi.groups())
            elif second == b"]":
                if patterns.osc_query.fullmatch(sequence):
                    signals.append(ScreenSignal.QUERY)  # a colour asked for
            elif sequence == b"\x1b=":
                signals.append(ScreenSignal.KEYPAD)
        self._carry = _unfinished_end(data, end)
        return signals


_CARRY_MAX: Final = 4096  # a longer "sequence" is not one: it is dropped, not kept forever


def _unfinished_end(data: bytes, start: int) -> bytes:
    """The escape sequence begun after ``start`` and not finished by the end of ``data``."""
    at = data.find(b"\x1b", start)
    while at >= 0:
        if len(data) - at <= _CARRY_MAX and _patterns().unfinished.fullmatch(data, at):
            return data[at:]
        at = data.find(b"\x1b", at + 1)
    return b""


# -- one line as a terminal shows it ------------------------------------------------------------

#: Columns of a line that are kept; what is written further on is not (a wider line would wrap
#: on a terminal, and a row under the spinner is cut to the screen's width anyway).
LINE_COLUMNS: Final = 1024
_TAB: Final = 4  # columns between tab stops (tail rows have always expanded tabs to 4)
# One token of a line: a run of text, a CSI sequence (its parameters, intermediates and final
# byte apart), another complete escape sequence, one unfinished at the end, a control character.
_TOKEN_SOURCE: Final = (
    r"(?P<text>[^\x00-\x1f\x7f]+)"
    r"|(?P<csi>\x1b\[(?P<params>[0-?]*)(?P<inter>[ -/]*)(?P<final>[@-~]))"
    rf"|(?P<sequence>{_SEQUENCE_SOURCE.decode()})"
    rf"|(?P<unfinished>{_UNFINISHED_SOURCE.decode()})"
    r"|(?P<control>[\x00-\x1f\x7f])"
)


@functools.cache
def _token() -> re.Pattern[str]:
    import re

    return re.compile(_TOKEN_SOURCE)


class ShownLine:
    """What a terminal shows of one line, fed the line's output as it comes.

    A one-line model of the sequences progress meters and spinners redraw with: text
    overwrites from the cursor (it does not clear the rest of the line); ``\\r`` takes the
    cursor to column 0, backspace one column back, a tab to the next stop; ``ESC[nC``,
    ``ESC[nD`` and ``ESC[nG`` move it; ``ESC[K`` (and ``ESC[J``) erase to the end of the line,
    ``ESC[1K`` up to the cursor, ``ESC[2K`` all of it. Every other escape sequence and
    control character shows nothing (colours are not kept). Wide characters take two
    columns. At most :data:`LINE_COLUMNS` columns are kept, and an unfinished escape sequence
    is kept until the rest of it comes (up to 4 KiB), so the cost is bounded by the line.
    """

    __slots__ = ("_carry", "_cells", "_column", "_decoder")

    def __init__(self) -> None:
        self._cells: list[str] = []  # one per column; "" is the right half of a wide character
        self._column = 0
        self._carry = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    @property
    def text(self) -> str:
        """What the line shows now."""
        return "".join(self._cells)

    def feed(self, data: bytes) -> None:
        """Take more of the line's bytes (UTF-8; a character split between two reads is
        kept until the rest comes)."""
        self.write(self._decoder.decode(data))

    def write(self, text: str) -> None:
        """Take more of the line, as text."""
        text, self._carry = self._carry + text, ""
        for token in _token().finditer(text):
            kind = token.lastgroup
            if kind == "text":
                self._put_text(token.group())
            elif kind == "csi":
                self._csi(token["params"], token["inter"], token["final"])
            elif kind == "unfinished":
                if len(token.group()) <= _CARRY_MAX:
                    self._carry = token.group()
            elif kind == "control":
                self._control(token.group())

    def _control(self, char: str) -> None:
        if char == "\r":
            self._column = 0
        elif char == "\b":
            self._column = max(self._column - 1, 0)
        elif char == "\t":
            self._column = min((self._column // _TAB + 1) * _TAB, LINE_COLUMNS)

    def _csi(self, params: str, intermediates: str, final: str) -> None:
        if intermediates or final not in "CDGKJ" or not (params.isdigit() or not params):
            return  # (not one of ours; ``ESC[?25l``, colours: nothing to show)
        count = int(params) if params else 0
        if final == "C":
            self._column = min(self._column + max(count, 1), LINE_COLUMNS)
        elif final == "D":
            self._column = max(self._column - max(count, 1), 0)
        elif final == "G":
            self._column = min(max(count, 1) - 1, LINE_COLUMNS)
        else:  # K, and J (the screen below: of this line, the same part as K)
            self._erase(count)

    def _erase(self, how: int) -> None:
        cells, column = self._cells, self._column
        if how == 0:
            self._cut(column)
            del cells[column:]
        elif how == 1:
            self._cut(column + 1)
            cells[: column + 1] = " " * min(column + 1, len(cells))
        else:
            cells.clear()

    def _cut(self, column: int) -> None:
        """A wide character an edit begins or ends inside of is blanked, both halves."""
        cells = self._cells
        if 0 < column < len(cells) and cells[column] == "":
            cells[column - 1 : column + 1] = "  "

    def _put_text(self, run: str) -> None:
        if run.isascii():
            self._put(list(run))
            return
        from twirly.render import display_width

        for char in run:
            width = display_width(char)
            if width == 0:
                self._combine(char)
            else:
                self._put([char, ""] if width == 2 else [char])

    def _put(self, chars: list[str]) -> None:
        cells, column = self._cells, self._column
        end = min(column + len(chars), LINE_COLUMNS)
        self._column = end
        if end <= column:
            return
        if len(cells) < column:
            cells.extend(" " * (column - len(cells)))
        self._cut(column)
        self._cut(end)
        cells[column:end] = chars[: end - column]

    def _combine(self, mark: str) -> None:
        """A zero-width character joins the one before the cursor."""
        at = min(self._column, len(self._cells)) - 1
        if at > 0 and self._cells[at] == "":
            at -= 1  # (the right half of a wide character: the mark joins the character)
        if at >= 0:
            self._cells[at] += mark


def shown_text(line: str) -> str:
    """What a terminal shows of one line of output (see :class:`ShownLine`)."""
    shown = ShownLine()
    shown.write(line)
    return shown.text
