"""A command that takes the screen (less, vim, git's pager, top) gets the real terminal, whole.

Such a program draws the screen itself, reads raw keys and asks the terminal questions that
only the terminal can answer; twirly's line path and prompt path would garble all three. The
signs that it has taken the screen come from its output (:class:`~twirly.cli.activity.
ScreenScanner`: the alternate screen, questions, keypad mode, cursor addressing) and from its
terminal's modes: a program that turns off canonical mode on its terminal reads keys one by
one (``less`` run by ``git log`` with ``LESS=FRX`` uses neither the alternate screen nor keypad
mode, but it does that).

While it has the screen, the spinner's rows are erased and frames wait (as for Ctrl-Z);
twirly's terminal is raw; every byte of the command's output goes to the terminal unchanged,
and every byte from the terminal (keys, and answers such as ``ESC[?62;22c``) goes to the
command's terminal (see :mod:`twirly.cli.modes`: the pty it reads them from). It gives the
screen back when it has left the alternate screen and its terminal is canonical again (or it
has ended); then twirly's modes are restored and the rows are drawn again below whatever the
program left.

The modes are looked at when output comes, and every 0.1 s: what the program wrote just
before it gave the screen back (its last frame, the echo of its last key) may be read just
after. Such output still goes with the full screen (see :meth:`FullScreen.on_output`), and the
screen is given back once nothing more is waiting to be read.
"""

from __future__ import annotations

from collections.abc import Callable

from twirly.cli import evidence
from twirly.cli.activity import ScreenScanner, ScreenSignal, shows_text, visible_text
from twirly.cli.keys import Keyboard
from twirly.cli.modes import SharedModes
from twirly.terminal import Terminal

__all__ = ["FullScreen"]

_TAKES = frozenset(
    {
        ScreenSignal.ALTERNATE_SCREEN,
        ScreenSignal.QUERY,
        ScreenSignal.KEYPAD,
        ScreenSignal.ADDRESSING,
    }
)


def _only_drawing(data: bytes) -> bool:
    """True for output with no text and no new line: moves, erasures and modes only."""
    return bool(data) and b"\n" not in data and not shows_text(data)


def _ends_within_a_line(data: bytes) -> bool:
    """Does ``data`` stop in the middle of a line of text (a frame cut by a write's size)?"""
    return shows_text(data.rpartition(b"\n")[2])


#: Signals of a program taking the screen anew (the next one, `vim a; vim b`): never the
#: last drawing of the one that gave it back.
_ENTERS = frozenset({ScreenSignal.ALTERNATE_SCREEN, ScreenSignal.QUERY, ScreenSignal.KEYPAD})
_SWITCHES = frozenset({ScreenSignal.ALTERNATE_SCREEN, ScreenSignal.MAIN_SCREEN})


class FullScreen:
    """Whether the command has the screen, and the hand-over in both directions."""

    def __init__(
        self,
        modes: SharedModes,
        terminal: Terminal,
        keyboard: Keyboard,
        prepare: Callable[[], None],
        settle: Callable[[int], None],
        *,
        oflag: int = 0,
    ) -> None:
        self._modes = modes  # our sides of the command's ptys, and where its keys go
        self._oflag = oflag  # the output flags the command's ptys started with
        self._terminal = terminal
        self._keyboard = keyboard
        self._prepare = prepare
        self._settle = settle
        self._scanners: dict[int, ScreenScanner] = {}
        self._alternate = False
        self._line = b""  # the main screen's last line as the program left it
        self._keys_to = -1  # where the last keys went
        self._cut: int | None = None  # the pty whose drawing stopped within a line
        self._closing = False  # the screen is given back after the output being passed
        self.active = False

    def scan(self, fd: int, data: bytes) -> list[ScreenSignal]:
        """The signals in ``data``, read from ``fd`` (sequences split between reads too)."""
        scanner = self._scanners.get(fd)
        if scanner is None:
            scanner = self._scanners[fd] = ScreenScanner()
        return scanner.feed(data)

    def takes(self, signals: list[ScreenSignal]) -> bool:
        """Would output with ``signals`` take the screen (it does not have it yet)?"""
        return not self.active and bool(_TAKES.intersection(signals) or not self._canonical())

    def on_output(self, signals: list[ScreenSignal], fd: int, data: bytes = b"") -> bool:
        """Take note of ``data``, with ``signals``, read from ``fd``; True when it belongs to
        the full screen (the caller passes it on unchanged, and does not record it)."""
        # The modes are judged before this output's own signals: the sequence that leaves
        # the alternate screen must still reach the terminal.
        if self.active and self.given_back():
            if self._last_drawing(signals, fd, data):
                self._closing = True  # given back once nothing more waits to be read
                self._note_cut(signals, fd, data)
                return True
            self._give_back(fd)
        if self.takes(signals):
            self.enter()
        for signal in signals:
            if signal is ScreenSignal.ALTERNATE_SCREEN:
                self._alternate = True
            elif signal is ScreenSignal.MAIN_SCREEN:
                self._alternate = False
                self._line = b""  # the cursor is back where it was before: column 0
        if self.active:
            self._note_cut(signals, fd, data)
        return self.active

    def _last_drawing(self, signals: list[ScreenSignal], fd: int, data: bytes) -> bool:
        """Is ``data``, read from ``fd`` once the modes say the screen is given back, what
        the program wrote while it had it? Then it still goes with the full screen.

        The echo of the last keys, made while they were read one by one (`read -n1`); the
        program's last drawing without a line of text (less's ``\\r ESC[K`` over its prompt,
        keypad mode off); a frame drawn by cursor addressing (top writes its last frame, then
        gives the keys back, then moves below it), and the rest of a line such a frame was
        cut in (top's frame comes in writes of 2 KB). Lines that only show text are the next
        command's (`vim a; echo done`), and so is what takes the screen anew."""
        if fd == self._keys_to:
            return True
        if _ENTERS.intersection(signals):
            return False
        return _only_drawing(data) or ScreenSignal.ADDRESSING in signals or fd == self._cut

    def _note_cut(self, signals: list[ScreenSignal], fd: int, data: bytes) -> None:
        """Note whether the next read of ``fd`` goes on with this drawing: a frame drawn by
        cursor addressing on the main screen, cut within a line."""
        drawn = ScreenSignal.ADDRESSING in signals or fd == self._cut
        switched = bool(_SWITCHES.intersection(signals))
        cut = drawn and not switched and not self._alternate and _ends_within_a_line(data)
        self._cut = fd if cut else None

    def passed(self, data: bytes) -> bool:
        """``data`` went to the terminal: where does the main screen's cursor stand now?
        True when the screen has been given back after it."""
        if not self._alternate:
            self._line = (self._line + data).rpartition(b"\n")[2][-1024:]
        if self._closing and not self._more_to_read():
            self.leave()
            return True
        return False

    def _more_to_read(self) -> bool:
        """Is output of the command waiting to be read (the rest of its last drawing)?"""
        import select

        waiting = select.poll()
        for fd in self._modes.ptys:
            waiting.register(fd, select.POLLIN)
        return any(events & select.POLLIN for _, events in waiting.poll(0))

    def take_if_keys_are_raw(self) -> bool:
        """A command reading keys one by one has the screen, even before it draws: True if
        it has just been handed over."""
        if self.active or self._canonical():
            return False
        self.enter()
        return True

    def look(self) -> bool:
        """Has the command given the screen back (nothing written)? Leave if so."""
        if self.active and self.given_back():
            self._give_back(-1)
            return True
        return False

    def _give_back(self, fd: int) -> None:
        """The modes say the screen is given back: what the command wrote before that is
        read first (from the ptys other than ``fd``, the one being read), then the terminal
        is taken back if that has not done it already.

        The echo of a key read one by one is written to our side of the pty before the
        command can read the key (the kernel echoes, then wakes the reader), so it was on
        its way before the modes changed; but it may not be readable yet when the
        command's next line, written on another pty, is: a read of the pty waits for it."""
        self._settle(fd)
        if self.active:
            self.leave()

    def _canonical(self) -> bool:
        return self._keyboard_of() is None

    def _keyboard_of(self) -> tuple[int, evidence.TtyModes] | None:
        """The pty the command reads keys from one by one (not canonical), and the modes it
        set for that."""
        return self._modes.keyboard()

    def key_target(self) -> int:
        """Where keys and the terminal's answers go: the pty the command reads keys from one
        by one, else its controlling terminal."""
        found = self._keyboard_of()
        self._keys_to = self._modes.tty if found is None else found[0]
        return self._keys_to

    def given_back(self) -> bool:
        """Has the command left the alternate screen and gone back to reading lines?"""
        return not self._alternate and self._canonical()

    def enter(self) -> int | None:
        """Hand the terminal over; the keyboard's descriptor (None: no keyboard)."""
        self.active = True
        self._line = b""  # the rows are erased: the cursor is at column 0
        self._cut = None
        self._prepare()  # lines already on their way are written before the rows go
        self._terminal.write_partial("")  # rows erased, cursor shown, frames paused
        found = self._keyboard_of()
        modes = evidence.tty_modes(self._modes.tty) if found is None else found[1]
        if modes is None:
            return self._keyboard.raw()
        return self._keyboard.raw((modes.oflag ^ self._oflag, modes.oflag))

    def leave(self) -> None:
        """Take the terminal back: its modes restored, the rows drawn again."""
        self.active = False
        self._closing = False
        self._keys_to = -1
        self._cut = None
        self._keyboard.unraw()
        if self._alternate:  # it ended without leaving the alternate screen
            self._terminal.write_partial("\x1b[?1049l")
            self._alternate = False
        # Rows start at column 0: after text the program left unfinished (a REPL's prompt
        # when it ends), on the next line.
        left = visible_text(self._line).rpartition(b"\r")[2].strip()
        self._line = b""
        self._terminal.write_lines([""] if left else [])
