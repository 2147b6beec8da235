"""What the operating system says about the command: its terminal's modes, and who is blocked
reading what.

Output alone cannot tell a prompt from a pause; the kernel can. A command that waits for an
answer sits in ``read()`` on its terminal (seen in ``/proc/PID/syscall`` on Linux; the command
is twirly's descendant, so reading it is allowed), and a password prompt turns echo off. Each
question answers ``True``, ``False`` or ``None`` (the OS does not say: another platform, a
process blocked in ``poll``, no ``/proc``), and the caller falls back on timing only for None.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = [
    "TtyModes",
    "blocked_reading",
    "group_members",
    "modes_of",
    "pipe_drained",
    "pipe_readers",
    "stat_fields",
    "tty_modes",
]


class TtyModes(NamedTuple):
    """The modes a command set on its terminal (read through our side of the pty)."""

    canonical: bool  # lines are collected and edited by the kernel (ICANON)
    echo: bool  # typed keys are shown (ECHO)
    oflag: int  # output processing (OPOST, ONLCR, ...)


def modes_of(attrs: list[Any]) -> TtyModes:
    """The modes in ``attrs``, a list as ``termios.tcgetattr`` returns it."""
    import termios

    lflag = attrs[3]
    return TtyModes(bool(lflag & termios.ICANON), bool(lflag & termios.ECHO), attrs[1])


def tty_modes(master: int) -> TtyModes | None:
    """The modes of the pty whose master side is ``master`` (None: cannot be read)."""
    import termios

    try:
        attrs = termios.tcgetattr(master)
    except (termios.error, OSError):
        return None
    return modes_of(attrs)


# System call numbers: the reads that take a descriptor as their first argument, and the
# waits whose descriptors cannot be seen from /proc (a process waiting there may be waiting
# for the terminal, or not).
_CALLS = {
    "x86_64": ({0, 17, 19, 295}, {7, 23, 232, 270, 271, 281, 441}),
    "aarch64": ({63, 65, 67, 69}, {22, 72, 73, 441}),
}


_PASSING = frozenset({errno.ENOENT, errno.ESRCH, errno.EAGAIN, errno.EINTR})


def stat_fields(pid: str) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command's name (the state first; None: no
    such process, or no ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            raw = file.read()
    except OSError:
        return None
    return raw.rpartition(b")")[2].decode("ascii", "replace").split()


def group_members(group: int) -> list[int] | None:
    """The live processes of process group ``group`` (None: no ``/proc`` to ask)."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    members = []
    for name in names:
        if not name.isdigit():
            continue
        fields = stat_fields(name)
        if fields is not None and len(fields) > 2 and fields[0] != "Z" and fields[2] == str(group):
            members.append(int(name))
    return members


def _target(pid: int, fd: int) -> os.stat_result | None:
    try:
        return os.stat(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None


def _blocked_on(pid: int, same: Callable[[os.stat_result], bool]) -> bool | None:
    """Is ``pid`` blocked reading a descriptor for which ``same(stat)`` is true?"""
    calls = _CALLS.get(os.uname().machine)
    if calls is None:
        return None
    reads, waits = calls
    try:
        with open(f"/proc/{pid}/syscall", "rb") as file:
            fields = file.read().split()
    except OSError as error:
        # Gone, or between fork and exec (the kernel answers EAGAIN then): not reading now,
        # and asked again at the next look. Anything else: the OS will not say.
        return False if error.errno in _PASSING else None
    if not fields or fields[0] == b"running" or not fields[0].lstrip(b"-").isdigit():
        return False
    number = int(fields[0])
    if number in reads and len(fields) > 1:
        target = _target(pid, int(fields[1], 16))
        return target is not None and same(target)
    if number in waits:
        return None
    return False


def blocked_reading(master: int, ptys: frozenset[int]) -> bool | None:
    """Is a process of the pty's foreground group blocked reading one of the command's
    ptys (their devices: ``ptys``)?

    True for a command waiting at a prompt; False for one that is busy or asleep elsewhere.
    """
    try:
        group = os.tcgetpgrp(master)
    except OSError:
        return None
    members = group_members(group)
    if not members:
        return None
    # /dev/tty (5, 0 on Linux) is the controlling terminal of whoever opens it: for a
    # process of this pty's foreground group, the pty (getpass and sudo read there).
    devices = ptys | {os.makedev(5, 0)}
    answer: bool | None = False
    for pid in members:
        blocked = _blocked_on(pid, lambda st: stat.S_ISCHR(st.st_mode) and st.st_rdev in devices)
        if blocked:
            return True
        if blocked is None:
            answer = None
    return answer


def pipe_readers(fd: int, terminal: int) -> list[int] | None:
    """The processes of twirly's process group (its shell pipeline) that read the pipe on
    ``fd`` and write to the terminal on ``terminal`` (None: cannot be known)."""
    try:
        pipe = os.fstat(fd)
        device = os.fstat(terminal).st_rdev
    except OSError:
        return None
    members = group_members(os.getpgrp())
    if members is None:
        return None
    readers = []
    for pid in members:
        if pid == os.getpid():
            continue
        out = _target(pid, 1)
        if out is None or out.st_rdev != device or not _reads_pipe(pid, pipe):
            continue
        readers.append(pid)
    return readers


def _reads_pipe(pid: int, pipe: os.stat_result) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for name in fds:
        target = _target(pid, int(name))
        if target is None or (target.st_dev, target.st_ino) != (pipe.st_dev, pipe.st_ino):
            continue
        try:
            with open(f"/proc/{pid}/fdinfo/{name}", "rb") as file:
                info = file.read()
        except OSError:
            continue
        for line in info.splitlines():
            if line.startswith(b"flags:") and int(line.split()[1], 8) & os.O_ACCMODE == 0:
                return True
    return False


def _still_there(pid: int) -> bool:
    """Is ``pid`` a process that may still write (not gone, not a zombie)?"""
    fields = stat_fields(str(pid))
    return fields is not None and fields[0] != "Z"


def pipe_drained(readers: list[int], fd: int) -> bool | None:
    """Have ``readers`` taken everything from the pipe on ``fd`` (our write end) and gone
    back to waiting for more? Then what they made of it is on their terminal already."""
    import fcntl
    import struct
    import termios

    there = [pid for pid in readers if _still_there(pid)]
    if readers and not there:
        return True  # they have all gone (``| head -1``): they write nothing more
    try:
        waiting = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except OSError:
        return None
    if waiting:
        return False
    try:
        pipe = os.fstat(fd)
    except OSError:
        return None
    answer: bool | None = True
    for pid in there:
        blocked = _blocked_on(pid, lambda st: (st.st_dev, st.st_ino) == (pipe.st_dev, pipe.st_ino))
        if blocked is False:
            return False
        if blocked is None:
            answer = None
    return answer
