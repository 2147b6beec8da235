"""Typed keys while rows are shown: echo off, so keystrokes neither print nor move the rows.

A key typed at a terminal in its usual (canonical, echoing) mode is written back to the
screen by the kernel at once, wherever the cursor is: over the spinner's row, and a typed
Enter moves every row down a line. While rows are shown on the terminal that is also the
program's standard input, and nobody reads it, :class:`Echo` turns ``ECHO`` off and nothing
else: canonical mode stays, so the kernel still collects what was typed, and the program's
next read gets it, as it would have without twirly. Nothing is flushed (no ``TCSAFLUSH``).

The modes are put back exactly as found whenever someone is about to read (``input()``,
``getpass()``), when the program stops (Ctrl-Z), and when the last row goes, by whatever
path (see :mod:`twirly.guards`). Only a process in the terminal's foreground process group
touches them: a background job that set a terminal's modes would be stopped by ``SIGTTOU``
(and would change modes that belong to the job in front). A job continued behind the
terminal (``bg``) leaves them to the shell, and turns echo off again at its first frame back
in front (``fg``).
"""

from __future__ import annotations

import _thread
import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Echo"]

#: System calls that read from a descriptor given as their first argument (Linux), by
#: machine: read, pread64, readv, preadv.
_READS = {"x86_64": frozenset({0, 17, 19, 295}), "aarch64": frozenset({63, 65, 67, 69})}
#: /dev/tty as ``device_of`` sees it (``getpass`` reads there): the controlling terminal.
_CONTROLLING = (os.makedev(5, 0),)
#: twirly's own threads that never wait for the keyboard, by native id: not asked about
#: before each frame (see :func:`not_a_reader`).
_not_readers: set[str] = set()


def not_a_reader(native_id: int, *, ends: bool = False) -> None:
    """From one of twirly's own threads that never waits for the keyboard (the capture's
    reader, which reads keys only once ``select`` found some there; the watchdog): leave it
    out when looking for a reader of the keyboard (three system calls a frame). ``ends``: the
    thread ends, and its id may be a reader's again."""
    if ends:
        _not_readers.discard(str(native_id))
    else:
        _not_readers.add(str(native_id))


def in_front(fd: int, *, unknown: bool = False) -> bool:
    """Is the process group in front of the terminal on ``fd`` ours (a job in the background
    is not)? ``unknown``: the answer where the system cannot say (not our terminal)."""
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return unknown


def _set(fd: int, attrs: list[Any]) -> bool:
    """``tcsetattr`` now (never a flush), with ``SIGTTOU`` blocked in this thread: should the
    job have gone to the background since it was asked, the call is not what stops it."""
    import termios

    if TYPE_CHECKING:
        import signal
    else:  # (as twirly.guards: the signal module's enums cost a first spinner milliseconds)
        try:
            import _signal as signal
        except ImportError:  # an interpreter without it
            import signal

    sigttou: int | None = getattr(signal, "SIGTTOU", None)
    masked = False
    if sigttou is not None and hasattr(signal, "pthread_sigmask"):
        try:
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, {sigttou})
            masked = True
        except (OSError, ValueError):
            pass
    try:
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        return True
    except (termios.error, OSError):
        return False
    finally:
        if masked:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class Echo:
    """The echo of one terminal's keyboard (the program's standard input), turned off while
    rows are shown and given back as found."""

    __slots__ = (
        "_asks",
        "_device",
        "_found",
        "_ours",
        "_quick",
        "_threads",
        "_waiting",
        "behind",
        "fd",
    )

    def __init__(self, fd: int, found: list[Any]) -> None:
        from twirly.output import device_of

        self.fd = fd
        self._device = device_of(fd)
        self._found = found  # the modes as the person had them
        self._ours: list[Any] | None = None  # the modes we set, while they are ours
        #: True while echo is to go off as soon as the program is in front of the terminal
        #: again: it was asked while the program ran behind it (continued by ``bg``). Whoever
        #: draws the rows asks again at each frame, since nothing else says when the program
        #: is in front again: bash's ``fg`` sends no signal to a job that runs already.
        self.behind = False
        # The process's threads as last listed, and their count then (see _thread_ids).
        self._threads: tuple[int, list[str]] | None = None
        # Threads last found waiting in something other than a read of the keyboard, with
        # their CPU time then (taken before the system call was read: a thread that ran in
        # between has more by now, and is asked again).
        self._waiting: dict[str, int] = {}
        # After a full look that found no reader: the thread that looked, the number of
        # threads Python had started, quick looks left, and each other thread's CPU clock
        # and time (see unread).
        self._quick: list[Any] | None = None
        # What the quick look calls, held here: it runs at every steady frame, which reads
        # no module's names (each is memory the clock's thread finds cold: see twirly.steady).
        self._asks = (sys.modules, _thread.get_ident, _thread._count, time.clock_gettime_ns)

    @classmethod
    def of(cls, output: int | None, keyboard: int = 0) -> Echo | None:
        """The echo of ``keyboard`` when it is a terminal, the same one rows are drawn on
        through ``output``, that echoes typed keys, in canonical mode, and has this process
        in front; None otherwise (nothing to do, or nothing that may be done)."""
        if output is None:
            return None
        try:
            import termios
        except ImportError:
            return None
        from twirly.output import same_device

        try:
            if not os.isatty(keyboard) or not same_device(keyboard, output):
                return None
            found = termios.tcgetattr(keyboard)
        except (termios.error, OSError):
            return None
        wanted = termios.ECHO | termios.ICANON
        if found[3] & wanted != wanted or not in_front(keyboard):
            return None
        return cls(keyboard, found)

    @property
    def off(self) -> bool:
        """True while echo is off by our doing."""
        return self._ours is not None

    def turn_off(self) -> None:
        """Stop echoing typed keys (only in front of the terminal; canonical mode stays).
        Again after the program was stopped and continued, when the shell has put the
        person's modes back; never over modes someone else set."""
        self.behind = not in_front(self.fd)
        if self.behind:
            return
        import termios

        ours = [*self._found[:6], list(self._found[6])]
        ours[3] &= ~(termios.ECHO | termios.ECHONL)
        try:
            now = termios.tcgetattr(self.fd)
        except (termios.error, OSError):
            return
        if now == ours or (now == self._found and _set(self.fd, ours)):
            self._ours = ours

    def give_back(self) -> None:
        """Put the modes back exactly as found: unless someone else set modes of their own
        since echo was turned off here (those are theirs, and stay), or the program is no
        longer in front of the terminal (a job-control shell that took the terminal back
        has set its own modes: they are left alone, and given back when in front again).

        Modes of someone else's keep ours counted as ours: whoever set them saved the modes
        in force first, most often, and puts them back when done (a key read in raw mode,
        a pager, the 3.13 REPL around each line it reads). Ours are given back the next
        time this is asked while they are in force again (the person's own, put back by
        whoever saved those, leave nothing to give back)."""
        self.behind = False
        ours = self._ours
        if ours is None or not in_front(self.fd):
            return
        import termios

        try:
            now = termios.tcgetattr(self.fd)
        except (termios.error, OSError):
            return
        if now == ours:
            self._ours = None
            _set(self.fd, self._found)
        elif now == self._found:
            self._ours = None  # (the person's own, put back by whoever saved them)

    def hand_over(self) -> list[Any] | None:
        """For someone about to set modes of their own on the same terminal now (the command
        line taking keys one by one): the person's modes, to put back later, with echo left
        off meanwhile and no longer counted as ours (None: echo is not off by our doing)."""
        ours = self._ours
        if ours is None:
            return None
        import termios

        try:
            if termios.tcgetattr(self.fd) != ours:
                return None
        except (termios.error, OSError):
            return None
        self._ours = None
        return [*self._found[:6], list(self._found[6])]

    def someone_else_set(self) -> bool:
        """True while echo is off here and the terminal's modes are no longer the ones set
        (a program that took its keyboard: raw keys, a password prompt with its own modes)."""
        return self._now() not in (None, self._ours)

    def lent_out(self) -> bool:
        """True while echo is off here and someone else's modes are in force: neither the
        ones set here nor the person's as found (someone who saved those before echo went
        off, and has put them back)."""
        return self._now() not in (None, self._ours, self._found)

    def undone(self) -> bool:
        """True while echo is off here in name only: the person's modes are in force again,
        put back by someone who saved them before echo went off, then set modes of their
        own (a key read in raw mode between two frames)."""
        return self._ours is not None and self._now() == self._found

    def _now(self) -> list[Any] | None:
        # The modes in force, while echo is off here (None otherwise, or when unknown).
        if self._ours is None:
            return None
        import termios

        try:
            return termios.tcgetattr(self.fd)
        except (termios.error, OSError):
            return None

    @property
    def stty_words(self) -> str:
        """What ``stty`` is told to give back the modes turned off here."""
        import termios

        return "echo echonl" if self._found[3] & termios.ECHONL else "echo"

    def reader(self) -> str | None:
        """Who reads the keyboard now: ``"password"`` (a thread in ``getpass``, which turned
        echo off itself), ``"line"`` (a thread blocked reading it: ``sys.stdin.readline()``),
        or None (nobody, or the system cannot say)."""
        if "getpass" in sys.modules:  # (no thread is in getpass before it is imported)
            for frame in sys._current_frames().values():
                # (getpass's own file: not the program's my_getpass.py)
                if os.path.basename(frame.f_code.co_filename) == "getpass.py":
                    return "password"
        return "line" if self._read_waits() else None

    def _read_waits(self) -> bool:
        # Linux says which system call each thread waits in, and on which descriptor. Asked
        # before every frame, so: a thread that has not run since it was last found waiting
        # elsewhere waits there still, and is not asked again (its CPU clock, one system
        # call, says whether it ran); the others are asked with one bare open, read and close
        # (Python's open() makes nine system calls of it); and the threads are listed again
        # only when their number changed or one of them has gone.
        self._quick = None
        reads = _reads_here()
        if not reads:
            return False
        import threading

        me = str(threading.current_thread().native_id)  # (cached: no gettid per frame)
        for fresh in (False, True):
            threads = self._thread_ids(fresh)
            if threads is None:
                return False
            found = self._look_at(threads, me, reads)
            if found is not None:
                return found
        return False

    def _look_at(self, threads: list[str], me: str, reads: frozenset[int]) -> bool | None:
        """Does one of ``threads`` (but ``me`` and twirly's own) wait to read the keyboard?
        None: one of them has gone (list them again: another may have come meanwhile). When
        none does, the quick look of the next frames is prepared (see unread)."""
        gone = False
        waiting, self._waiting = self._waiting, {}
        clocks: list[tuple[int, int]] | None = []
        for tid in threads:
            if tid == me or tid in _not_readers:
                continue
            ran = _cpu_time(tid)  # (before its system call is read: see _waiting)
            if ran is not None and waiting.get(tid) == ran:
                self._waiting[tid] = ran
            elif (fields := _syscall_of(tid)) is None:
                gone = True
                continue
            elif self._reads_keyboard(fields, reads):
                return True  # (the keyboard is the controlling terminal: it is in front)
            elif ran is not None:
                self._waiting[tid] = ran
            if ran is None:
                clocks = None
            elif clocks is not None:
                clocks.append((_clock_of(tid), ran))
        if gone:
            return None
        if clocks is not None:
            self._quick = [_thread.get_ident(), _thread._count(), _QUICK_FRAMES, clocks]
        return False

    def unread(self) -> bool:
        """The quick look of the frames between two full ones (see :data:`_QUICK_FRAMES`):
        True when nobody can have begun to read the keyboard since the last full look, which
        found nobody: it was made by this same thread, ``getpass`` is not loaded, Python has
        started no thread since, and no other thread has run (each one's CPU clock, one
        system call). False: ask :meth:`reader`."""
        quick = self._quick
        if quick is None or not quick[2]:
            return False
        modules, ident, started, cpu_time = self._asks
        if "getpass" in modules or quick[0] != ident() or quick[1] != started():
            return False
        try:
            for clock, ran in quick[3]:
                if cpu_time(clock) != ran:
                    return False
        except OSError:  # (a thread has gone)
            return False
        quick[2] -= 1
        return True

    def _reads_keyboard(self, fields: list[bytes], reads: frozenset[int]) -> bool:
        """Do ``fields`` (of a thread's ``syscall`` file) say it waits to read the keyboard?"""
        fd = _read_from(fields, reads)
        return fd is not None and (fd == self.fd or self._is_keyboard(fd))

    def _is_keyboard(self, fd: int) -> bool:
        from twirly.output import device_of

        return device_of(fd) in (self._device, _CONTROLLING)

    def _thread_ids(self, fresh: bool) -> list[str] | None:
        """The process's threads (their ids), listed again when ``fresh`` or when their
        number changed since the last listing: the task directory's link count is 2 plus the
        number of threads (one ``stat``, against five system calls for a listing). Where the
        count does not agree with a listing, every call lists."""
        try:
            count = os.stat("/proc/self/task").st_nlink
        except OSError:
            return None
        known = self._threads
        if known is not None and known[0] == count and not fresh:
            return known[1]
        try:
            threads = os.listdir("/proc/self/task")
        except OSError:
            return None
        self._threads = (count, threads) if count == len(threads) + 2 else None
        return threads


#: Frames in a row that look for a reader of the keyboard the quick way (see Echo.unread)
#: after a full look: a full look every 8th frame. The quick way does not count the threads
#: a library started outside Python, so such a thread that waits to read the keyboard is
#: found within 8 frames, not at the next one.
_QUICK_FRAMES = 7

#: How many of the program's child processes (and theirs) are asked at most, and how deep.
_CHILDREN_ASKED = 32
_CHILD_DEPTH = 3


def child_reads(
    devices: frozenset[int],
    writers: frozenset[int] = frozenset(),
    *,
    newer: tuple[frozenset[int], float] | None = None,
) -> bool | None:
    """Is a child process of the program (or a child's child) blocked reading a terminal
    whose device is in ``devices`` (``st_rdev``)? A ``subprocess`` that asks something
    (``input()``, a shell's ``read -p``) waits there, its prompt written to fd 1 or 2: with
    ``writers``, only a child whose fd 1 or 2 is one of those devices (twirly's capture)
    counts (one in a terminal of its own, reading its own ``/dev/tty``, does not).
    ``newer``: other such devices, and a time since boot (``CLOCK_BOOTTIME`` seconds): a
    child whose fd 1 or 2 is one of those counts too if it started since.

    Asked only when an unfinished line has waited in the capture for a while (see
    :class:`~twirly.terminal.Terminal`): a handful of reads in ``/proc`` then. None: the
    system cannot say (no ``/proc``, or a kernel that does not list children)."""
    reads = _reads_here()
    if not reads:
        return None
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return None
    level: list[str] = []
    for tid in tasks:
        children = _children_of(f"/proc/self/task/{tid}/children")
        if children is None and not os.path.exists(f"/proc/self/task/{tid}"):
            continue  # (that thread has just ended)
        if children is None:
            return None  # (a kernel that does not list children)
        level += children
    asked = 0
    for _ in range(_CHILD_DEPTH):
        deeper: list[str] = []
        for pid in level:
            if asked >= _CHILDREN_ASKED:
                return False
            asked += 1
            fields = _syscall_of(pid, f"/proc/{pid}/syscall")
            reading = fields is not None and _reads_device(pid, fields, reads, devices)
            if reading and _asks_here(pid, writers, newer):
                return True
            deeper += _children_of(f"/proc/{pid}/task/{pid}/children") or []
        level = deeper
    return False


def _proc_file(path: str, size: int) -> bytes | None:
    """Up to ``size`` bytes of a file of ``/proc``, with one bare open, read and close
    (Python's open() makes nine system calls of it), holding the GIL once a clock has loaded
    the way to (:mod:`twirly.held`). None: it cannot be opened (a thread or process gone, a
    kernel without it); b"": it could not be read."""
    from twirly.held import reader

    read = reader()
    if read is not None:
        return read(path, size)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.read(fd, size)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _children_of(path: str) -> list[str] | None:
    """The ids listed in a ``children`` file of ``/proc`` (None: it cannot be read: a
    kernel without them, or a process gone meanwhile)."""
    data = _proc_file(path, 4096)
    return None if data is None else data.decode("ascii", "replace").split()


def _asks_here(
    pid: str, writers: frozenset[int], newer: tuple[frozenset[int], float] | None
) -> bool:
    """Does process ``pid``, reading a terminal, write where a prompt of its own would be
    seen here (see :func:`child_reads`)?"""
    if not writers or _writes_to(pid, writers):
        return True
    if newer is None or not _writes_to(pid, newer[0]):
        return False
    started = _started(pid)
    return started is not None and started >= newer[1]


def _started(pid: str) -> float | None:
    """When process ``pid`` started, in seconds since boot (None: it cannot be told)."""
    data = _proc_file(f"/proc/{pid}/stat", 1024)
    if not data:
        return None
    fields = data.rsplit(b")", 1)[-1].split()  # (after the command's name, which may hold any)
    try:
        return int(fields[19]) / os.sysconf("SC_CLK_TCK")  # (field 22: starttime, ticks)
    except (ValueError, IndexError, OSError):
        return None


def _writes_to(pid: str, devices: frozenset[int]) -> bool:
    """Is process ``pid``'s fd 1 or 2 one of ``devices``?"""
    for fd in (1, 2):
        try:
            if os.stat(f"/proc/{pid}/fd/{fd}").st_rdev in devices:
                return True
        except OSError:
            continue
    return False


def _reads_device(
    pid: str, fields: list[bytes], reads: frozenset[int], devices: frozenset[int]
) -> bool:
    """Do ``fields`` (of process ``pid``'s ``syscall`` file) say it waits to read one of
    ``devices``?"""
    fd = _read_from(fields, reads)
    if fd is None:
        return False
    try:
        target = os.stat(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return False
    import stat

    return stat.S_ISCHR(target.st_mode) and target.st_rdev in devices


def _read_from(fields: list[bytes], reads: frozenset[int]) -> int | None:
    """The descriptor a ``syscall`` file's ``fields`` say is being read (None: no read)."""
    if len(fields) < 2 or not fields[0].isdigit() or int(fields[0]) not in reads:
        return None
    try:
        return int(fields[1], 16)
    except ValueError:
        return None


def _syscall_of(tid: str, path: str = "") -> list[bytes] | None:
    """The fields of ``/proc/self/task/<tid>/syscall``, or of ``path`` (None: the thread
    has gone)."""
    data = _proc_file(path or f"/proc/self/task/{tid}/syscall", 512)
    return None if data is None else data.split()


def _clock_of(tid: str) -> int:
    """The CPU clock of this process's thread ``tid``: Linux numbers each thread's after its
    id (as ``pthread_getcpuclockid`` does), for any thread of the process, not only
    Python's."""
    return ((~int(tid)) << 3) | _THREAD_SCHED_CLOCK


def _cpu_time(tid: str) -> int | None:
    """The CPU time of this process's thread ``tid`` so far, in nanoseconds (None: gone, or
    not to be told). Linux numbers each thread's CPU clock after its id (as
    ``pthread_getcpuclockid`` does), for any thread of the process, not only Python's."""
    try:
        return time.clock_gettime_ns(_clock_of(tid))
    except (OSError, ValueError, OverflowError):
        return None


#: The low bits of a thread's CPU clock id on Linux: per thread (4), scheduler time (2).
_THREAD_SCHED_CLOCK = 4 | 2

_machine_reads: frozenset[int] | None = None


def _reads_here() -> frozenset[int]:
    """The read system calls of this machine (empty where they are not known), found once:
    ``os.uname()`` is a system call."""
    global _machine_reads
    if _machine_reads is None:
        _machine_reads = _READS.get(os.uname().machine, frozenset())
    return _machine_reads
