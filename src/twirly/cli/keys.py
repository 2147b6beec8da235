"""The person's keystrokes, forwarded to the command while it waits at a prompt.

Only while a prompt is shown does twirly read the keyboard: type-ahead meant for the shell
after twirly is left alone the rest of the time. During a prompt the terminal stops echoing
and stops collecting lines, so every key goes to the command at once and the command's own
terminal decides what is echoed (a password is not). Ctrl-C still interrupts twirly, which
passes it on to the command.

The rest of the time, while the spinner is shown on the keyboard's own terminal, the keys are
not echoed either (:meth:`Keyboard.hush`, see twirly.echo): a key typed there would print over
the spinner's row, and Enter would move it down. The terminal keeps collecting them: at the
first prompt they go to the command, else they stay for whoever reads the terminal next.
"""

from __future__ import annotations

import os
from typing import Any

from twirly.echo import Echo

__all__ = ["Keyboard"]


class Keyboard:
    """twirly's terminal input: stdin when it is a terminal, else ``/dev/tty`` if there is one."""

    def __init__(self, stdin_is_tty: bool, echo: Echo | None = None) -> None:
        self._stdin_is_tty = stdin_is_tty
        self._echo = echo  # the echo of stdin, off while the spinner is shown and no key taken
        self.fd: int | None = None
        self._owned = False
        self._saved: list[Any] | None = None
        self._raw = False

    def open(self) -> int | None:
        """Start taking keys one by one; the descriptor to read them from (None: no keyboard)."""
        import termios

        # Echo stays off until the keys are taken one by one (a key typed in between would
        # be echoed here, then again by the command's terminal); the modes saved below to
        # put back are the person's own.
        person = self._echo.hand_over() if self._echo is not None else None
        if self.fd is None:
            if self._stdin_is_tty:
                self.fd = 0
            else:
                try:
                    self.fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
                    self._owned = True
                except OSError:
                    return None
        if self._saved is None:
            try:
                saved = termios.tcgetattr(self.fd) if person is None else person
                attrs = termios.tcgetattr(self.fd)
                attrs[3] &= ~(termios.ICANON | termios.ECHO)
                attrs[6][termios.VMIN] = 1
                attrs[6][termios.VTIME] = 0
                termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
                self._saved = saved
            except (termios.error, OSError):
                if person is not None:  # (echo back on, as the person had it)
                    try:
                        termios.tcsetattr(self.fd, termios.TCSANOW, person)
                    except (termios.error, OSError):
                        pass
                return None
        return self.fd

    def raw(self, output: tuple[int, int] = (0, 0)) -> int | None:
        """Take every byte as it comes, nothing done to it: a full-screen program's keys
        (Ctrl-C and Ctrl-Z included, for its own terminal to handle) and the terminal's
        answers to its questions. ``output`` is (mask, flags): the output flags the program
        changed on its own terminal, changed here the same way, so it draws as it would
        without twirly."""
        import termios

        fd = self.open()
        if fd is None:
            return None
        try:
            attrs = termios.tcgetattr(fd)
            attrs[0] &= ~(
                termios.BRKINT
                | termios.ICRNL
                | termios.INLCR
                | termios.IGNCR
                | termios.ISTRIP
                | termios.IXON
            )
            attrs[3] &= ~(termios.ICANON | termios.ECHO | termios.ISIG | termios.IEXTEN)
            mask, flags = output
            attrs[1] = (attrs[1] & ~mask) | (flags & mask)
            attrs[6][termios.VMIN] = 1
            attrs[6][termios.VTIME] = 0
            termios.tcsetattr(fd, termios.TCSADRAIN, attrs)
            self._raw = True
        except (termios.error, OSError):
            return None
        return fd

    def unraw(self) -> None:
        """Back to taking keys for a prompt (no echo, no lines), as before :meth:`raw`."""
        import termios

        if not self._raw or self._saved is None or self.fd is None:
            return
        self._raw = False
        attrs: list[Any] = list(self._saved)
        attrs[6] = list(attrs[6])
        attrs[3] &= ~(termios.ICANON | termios.ECHO)
        attrs[6][termios.VMIN] = 1
        attrs[6][termios.VTIME] = 0
        try:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, attrs)
        except (termios.error, OSError):
            pass

    def read(self) -> bytes:
        """The keys typed so far (empty when there are none)."""
        if self.fd is None:
            return b""
        try:
            return os.read(self.fd, 4096)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            return b""

    def hush(self) -> None:
        """While no key is taken: stop echoing keys typed at stdin, the spinner's terminal
        (lines are still collected). Given back by :meth:`open`, :meth:`release`."""
        if self._echo is not None and self._saved is None:
            self._echo.turn_off()

    def behind(self) -> bool:
        """Is echo to go off once twirly is in front of the terminal again (it was hushed
        while twirly ran behind it: continued by ``bg``)? Nothing says when that is (bash's
        ``fg`` sends no signal to a job already running): the caller hushes again now and
        then while this is true."""
        return self._echo is not None and self._saved is None and self._echo.behind

    def modes_are_ours(self) -> bool:
        """Did twirly set the terminal's modes as they are now (keys taken for the command,
        or echo turned off while the spinner is shown), rather than someone else (a pager
        in a pipeline after twirly)?"""
        if self.fd is not None:
            return True
        echo = self._echo
        return echo is not None and echo.off and not echo.someone_else_set()

    def release(self) -> None:
        """Give the terminal its modes back (lines and echo) and stop taking keys."""
        import termios

        if self._echo is not None:
            self._echo.give_back()

        if self._saved is not None and self.fd is not None:
            try:
                termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            except (termios.error, OSError):
                pass
        self._saved = None
        self._raw = False

    def close(self) -> None:
        """Release the terminal and close ``/dev/tty`` if it was opened here."""
        self.release()
        if self._owned and self.fd is not None:
            os.close(self.fd)
        self.fd = None
        self._owned = False
