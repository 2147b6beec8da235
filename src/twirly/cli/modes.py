"""The command's ptys behave as one terminal where reading keys is concerned.

On a terminal a program's stdin, stdout and stderr are one device: modes set through any of
them govern how keys are read through all of them. Under twirly they are three ptys (see
:mod:`twirly.cli.launch`), and ncurses sets its modes (cbreak or raw, no echo) on its output,
fd 1, while it reads keys from fd 0 (``watch``, ``slabtop``, Python's ``curses``): the keys
would wait on fd 0 for a newline, and Ctrl-C, written to a pty that is nobody's controlling
terminal, would interrupt nothing.

So when the command sets its stdout's pty for reading keys one by one (canonical mode off),
the input side of those modes (input and local flags, control characters: canonical mode,
echo, the keys that make signals, VMIN and VTIME) is copied to its controlling terminal, which
gets its keys (and the terminal's answers); when it reads lines again (``endwin`` restores
its modes through fd 1 too), the controlling terminal's own modes are put back.

Its stderr is another matter: a program that sets modes there mostly reads its keys there too
(less opens the terminal its stderr is on, ``vim -`` reads keys from stderr), so modes set on
stderr stay there, and so do the keys.
"""

from __future__ import annotations

from typing import Any

from twirly.cli.evidence import TtyModes, modes_of

__all__ = ["SharedModes"]

# The input side of a termios list (tcgetattr's order): input flags, local flags, characters.
_INPUT_SIDE = (0, 3, 6)


def _attrs(fd: int) -> list[Any] | None:
    import termios

    try:
        return termios.tcgetattr(fd)
    except (termios.error, OSError):
        return None


def _reads_lines(attrs: list[Any]) -> bool:
    import termios

    return bool(attrs[3] & termios.ICANON)


def _input_side(attrs: list[Any]) -> list[Any]:
    return [attrs[index] for index in _INPUT_SIDE]


def _with_input_side(attrs: list[Any], source: list[Any]) -> list[Any]:
    """``attrs`` with the input side of ``source``."""
    copy = list(attrs)
    for index in _INPUT_SIDE:
        copy[index] = source[index]
    return copy


class SharedModes:
    """Our sides of the command's ptys: where its keys go, with the modes it set for them."""

    def __init__(
        self, tty: int, outputs: tuple[int, ...] = (), *, own: tuple[int, ...] = ()
    ) -> None:
        self.tty = tty  # its controlling terminal
        self.ptys = (tty, *outputs)  # ... then its stdout and stderr where they are ptys
        self._own = frozenset((tty, *own))  # those it reads keys from with the modes set there
        self._source = -1  # the pty whose modes the controlling terminal has (-1: its own)
        self._before: list[Any] = []  # the controlling terminal's modes before the copy
        self._copy: list[Any] = []  # ... and as copied (anything else: the command set them)

    def keyboard(self) -> tuple[int, TtyModes] | None:
        """Where the command's keys go and the modes it set for reading them one by one
        (None: it reads lines on every pty). The controlling terminal is brought in step
        first."""
        attrs = {fd: _attrs(fd) for fd in self.ptys}
        if self._source >= 0:
            self._follow(attrs)
        for fd in self.ptys:
            modes = attrs[fd]
            if modes is None or _reads_lines(modes):
                continue
            if fd == self.tty:
                source = attrs[self._source] if self._source >= 0 else None
                return fd, modes_of(modes if source is None else source)
            tty = attrs[self.tty]
            if fd not in self._own and tty is not None and self._start(fd, modes, tty):
                return self.tty, modes_of(modes)
            return fd, modes_of(modes)
        return None

    def interrupts(self, keys: bytes) -> bool:
        """Do ``keys``, written to the controlling terminal, end with its interrupt key while it
        makes signals of them (ISIG)? The kernel then sends SIGINT to the command."""
        import termios

        attrs = _attrs(self.tty)
        if attrs is None or not attrs[3] & termios.ISIG:
            return False
        key = attrs[6][termios.VINTR]
        return isinstance(key, bytes) and key != b"\0" and keys.endswith(key)

    def _start(self, source: int, modes: list[Any], tty: list[Any]) -> bool:
        """Give the controlling terminal the input side of ``source``'s ``modes``."""
        copied = self._set(_with_input_side(tty, modes))
        if copied is None:
            return False
        self._source, self._before, self._copy = source, tty, copied
        return True

    def _follow(self, attrs: dict[int, list[Any] | None]) -> None:
        """Keep the copy in step with the pty it came from (curses' ``raw()`` after
        ``cbreak()``), and put the controlling terminal's own modes back once the command
        reads lines there again."""
        tty, source = attrs[self.tty], attrs[self._source]
        if tty != self._copy:
            self._source = -1  # the command has set the controlling terminal's modes itself
            return
        if source is None or _reads_lines(source):
            attrs[self.tty] = self._set(self._before)
            self._source = -1
        elif _input_side(source) != _input_side(tty):
            copied = self._set(_with_input_side(tty, source))
            attrs[self.tty] = copied
            if copied is None:
                self._source = -1
            else:
                self._copy = copied

    def _set(self, modes: list[Any]) -> list[Any] | None:
        """Set the controlling terminal's modes; as the kernel then has them (None: gone)."""
        import termios

        try:
            termios.tcsetattr(self.tty, termios.TCSANOW, modes)
        except (termios.error, OSError):
            return None
        return _attrs(self.tty)
