"""The command's ptys behave as one terminal for reading keys: modes it sets on its stdout
apply where it reads keys, and are taken away when it reads lines again."""

from __future__ import annotations

import os
import pty
import termios
import tty
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from twirly.cli.modes import SharedModes


class _Pty(NamedTuple):
    master: int  # twirly's side
    slave: int  # the command's side


@pytest.fixture
def ptys() -> Iterator[tuple[_Pty, _Pty, _Pty]]:
    """The command's controlling terminal, stdout and stderr."""
    opened = [pty.openpty() for _ in range(3)]
    for master, _ in opened:
        os.set_blocking(master, False)
    yield _Pty(*opened[0]), _Pty(*opened[1]), _Pty(*opened[2])
    for pair in opened:
        for fd in pair:
            os.close(fd)


def _shared(tty_: _Pty, out: _Pty, err: _Pty) -> SharedModes:
    return SharedModes(tty_.master, (out.master, err.master), own=(err.master,))


def _lflag(fd: int) -> int:
    return int(termios.tcgetattr(fd)[3])


def _keys_go_to(shared: SharedModes) -> int | None:
    found = shared.keyboard()
    return None if found is None else found[0]


def _read_now(fd: int) -> bytes:
    """What the command reads from ``fd`` at once (nothing: it waits for more)."""
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 64)
    except BlockingIOError:
        return b""
    finally:
        os.set_blocking(fd, True)


def test_keys_go_where_the_command_reads_them_with_the_modes_it_set_on_its_stdout(
    ptys: tuple[_Pty, _Pty, _Pty],
) -> None:
    tty_, out, _ = ptys
    shared = _shared(*ptys)
    assert shared.keyboard() is None  # lines everywhere: nothing is copied
    tty.setcbreak(out.slave)  # curses: cbreak and no echo, set through fd 1
    assert _keys_go_to(shared) == tty_.master
    assert termios.tcgetattr(tty_.slave)[3] == termios.tcgetattr(out.slave)[3]
    os.write(tty_.master, b"x")
    assert _read_now(tty_.slave) == b"x"  # read at once, no newline needed
    assert _read_now(tty_.master) == b""  # and not echoed


def test_the_controlling_terminals_own_modes_come_back_when_the_command_reads_lines(
    ptys: tuple[_Pty, _Pty, _Pty],
) -> None:
    tty_, out, _ = ptys
    shared = _shared(*ptys)
    before = termios.tcgetattr(tty_.slave)
    saved = termios.tcgetattr(out.slave)
    tty.setcbreak(out.slave)
    assert shared.keyboard() is not None
    termios.tcsetattr(out.slave, termios.TCSADRAIN, saved)  # endwin, through fd 1
    assert shared.keyboard() is None
    assert termios.tcgetattr(tty_.slave) == before


def test_the_copy_follows_the_modes_the_command_changes_on_its_stdout(
    ptys: tuple[_Pty, _Pty, _Pty],
) -> None:
    tty_, out, _ = ptys
    shared = _shared(*ptys)
    tty.setcbreak(out.slave)
    shared.keyboard()
    assert _lflag(tty_.slave) & termios.ISIG  # Ctrl-C still interrupts
    tty.setraw(out.slave)  # curses' raw(): Ctrl-C is a key
    shared.keyboard()
    assert not _lflag(tty_.slave) & termios.ISIG


def test_modes_the_command_sets_on_its_controlling_terminal_are_its_own(
    ptys: tuple[_Pty, _Pty, _Pty],
) -> None:
    tty_, out, _ = ptys
    shared = _shared(*ptys)
    saved = termios.tcgetattr(out.slave)
    tty.setcbreak(out.slave)
    shared.keyboard()
    tty.setraw(tty_.slave)  # set by the command itself, after the copy
    ours: list[Any] = termios.tcgetattr(tty_.slave)
    termios.tcsetattr(out.slave, termios.TCSADRAIN, saved)
    assert _keys_go_to(shared) == tty_.master
    assert termios.tcgetattr(tty_.slave) == ours  # not put back over the command's


def test_modes_set_on_stderr_stay_there_with_the_keys(ptys: tuple[_Pty, _Pty, _Pty]) -> None:
    # less reads keys from the terminal of its stderr, and sets its modes there.
    tty_, _, err = ptys
    shared = _shared(*ptys)
    before = termios.tcgetattr(tty_.slave)
    tty.setcbreak(err.slave)
    assert _keys_go_to(shared) == err.master
    assert termios.tcgetattr(tty_.slave) == before


def test_ctrl_c_interrupts_only_where_the_terminal_makes_signals(
    ptys: tuple[_Pty, _Pty, _Pty],
) -> None:
    _, out, _ = ptys
    shared = _shared(*ptys)
    tty.setcbreak(out.slave)
    shared.keyboard()
    assert shared.interrupts(b"\x03")
    assert not shared.interrupts(b"\x03q")  # a key after it
    tty.setraw(out.slave)
    shared.keyboard()
    assert not shared.interrupts(b"\x03")  # a key like any other
