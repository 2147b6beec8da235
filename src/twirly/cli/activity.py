"""What a command's output says it is doing: finishing lines, redrawing progress, waiting for
an answer, or taking the whole screen.

Pure: bytes in, facts out; no I/O and no clock (the session reads the clock and the OS). Two
questions are answered here:

- :func:`classify_tail`: what the unfinished end of a line is. Only visible text can be a
  prompt; escape sequences alone (``ESC[0m`` after the last newline, as pip and rich write)
  and lines redrawn with ``\\r`` (curl, wget, rsync, docker, pip's bars) are not.
- :class:`ScreenScanner`: whether the command takes the screen (alternate screen, questions
  only a real terminal can answer, keypad mode, cursor addressing), across reads that may
  split an escape sequence anywhere.
"""

from __future__ import annotations

import enum
import functools
from typing import TYPE_CHECKING, Final, NamedTuple

if TYPE_CHECKING:
    import re

__all__ = ["ScreenScanner", "ScreenSignal", "Tail", "classify_tail", "shows_text", "visible_text"]


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
