"""Leave the terminal as it was found: at exit, on SIGTERM, SIGHUP, Ctrl-Z, after ``fork``.

While any terminal has rows, an ``atexit`` hook and handlers for SIGTERM and SIGHUP are in
place. A handler restores every terminal (rows erased, cursor shown, streams put back), then
lets the signal do what it would have done without twirly: call the handler that was there
before, or end the process by the same signal so the parent sees the usual status. Ctrl-C
needs nothing extra: Python turns it into ``KeyboardInterrupt``, which leaves every ``with``.

Python sets signal handlers from the main thread only. When the first row comes from another
thread (a worker, an executor, an event loop run in a thread), a *watcher* stands in for the
handlers until the main thread runs twirly code (:mod:`twirly.watcher`: a small process that
puts the terminal back if the program dies without saying goodbye). Where not even a watcher
can be had, :func:`activate` says so, and the rows are drawn without hiding the cursor or
turning autowrap off.
"""

from __future__ import annotations

import _thread
import atexit
import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    import select
    import signal
    from types import FrameType
    from typing import Any, Protocol

    from twirly.watcher import Watcher

    class Guarded(Protocol):
        """What the guards ask of a terminal with rows."""

        @property
        def fd(self) -> int | None:
            """The descriptor the rows are drawn on (None: none, the stream has no fd)."""

        @property
        def echo_words(self) -> str:
            """The ``stty`` words that turn the keyboard's echo back on ("": it stays on)."""

        def restore(self) -> None:
            """Erase the rows, show the cursor, put the streams back (idempotent)."""

        def hold(self, *, aside: bool = False) -> None:
            """Ctrl-Z: leave the terminal usable and draw nothing until released (``aside``:
            erase the rows from the cursor on only, see _parent_in_the_job)."""

        def release_hold(self) -> None:
            """The program continues: draw again."""

else:
    # The signal module wraps _signal's functions to return enums, and importing it costs a
    # first spinner the `enum` module (milliseconds). _signal (already loaded by every
    # interpreter) has the same functions and constants, with plain numbers for SIG_DFL and
    # SIG_IGN; equal to the enums, and signal.getsignal() still shows them as enums.
    try:
        import _signal as signal
    except ImportError:  # an interpreter without it
        import signal

__all__ = [
    "activate",
    "deactivate",
    "leave_signals_to_the_main_thread",
    "leave_signals_to_the_program",
    "nudge_late_signals",
    "quiet",
    "restore_all",
    "retry",
    "wakeup_fd",
]

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_SIGTSTP: int | None = getattr(signal, "SIGTSTP", None)

_active: list[Guarded] = []
#: Watchers standing in for the signal handlers (see twirly.watcher), by terminal.
_watchers: dict[Guarded, Watcher] = {}
_previous: dict[int, Any] = {}
_lock = _thread.RLock()  # (re-entrant: a signal's restore may interrupt activate())
_atexit_registered = False


def restore_all() -> None:
    """Restore every terminal that has rows (idempotent)."""
    for terminal in list(_active):
        terminal.restore()


#: Signals the kernel raises in the thread that caused them: never blocked.
_SYNCHRONOUS = frozenset(
    getattr(signal, name)
    for name in ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGABRT", "SIGSYS", "SIGTRAP")
    if hasattr(signal, name)
)


def leave_signals_to_the_main_thread() -> None:
    """Block asynchronous signals in the calling thread (one of twirly's own).

    Python runs signal handlers only in the main thread, and a signal the kernel hands to
    another thread does not interrupt the main thread's wait: with the main thread in
    ``time.sleep(30)``, a SIGTERM taken by a spinner's clock thread would run its handler
    (twirly's restore, the program's own, the default death) only 30 s later, while the
    spinner kept spinning. Blocked here, such a signal can only go to a thread that waits
    for it, the main one.
    """
    if not hasattr(signal, "pthread_sigmask"):
        return
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals() - _SYNCHRONOUS)
    except (OSError, ValueError):
        pass


#: The pipe set as Python's wakeup descriptor while the handlers are in place ([read, write]).
_wakeup: list[int] = []
#: A poll of its read end (one system call, no lists to build: asked at every frame).
_wakeup_poll: list[select.poll] = []
#: Guarded signals that arrived (by the wakeup pipe) and whose handler has not run: since when.
_arrived: dict[int, float] = {}
_NUDGE_AFTER = 0.05  # seconds a handler may take to run before the main thread is woken


def _drain_wakeup() -> bytes:
    if not _wakeup:
        return b""
    try:
        return os.read(_wakeup[0], 256)
    except OSError:
        return b""


def _signal_waits() -> bool:
    """Is a signal's number waiting on the wake-up pipe? The poll is shared by the clocks of
    every terminal, each under its own lock: one that is busy in another thread (a poll
    refuses a second caller at once) counts as nothing waiting, since that thread sees it."""
    polls = _wakeup_poll[:1]  # (taken once: the listening may stop meanwhile)
    try:
        return bool(polls and polls[0].poll(0))
    except (RuntimeError, OSError, ValueError):
        return False


def wakeup_fd() -> int | None:
    """The read end of the wake-up pipe the guards listen on (None: they do not)."""
    return _wakeup[0] if _wakeup else None


def signals() -> tuple[dict[int, float], list[int]]:
    """What :func:`quiet` asks, for a frame that asks it without a call (see twirly.steady):
    the guarded signals arrived whose handlers have not run, and the wake-up pipe's ends
    (empty: none). Both are changed in place, never replaced."""
    return _arrived, _wakeup


def quiet(wakeup: int | None) -> bool:
    """True when no guarded signal waits for its handler, and the guards listen on the
    wake-up pipe ``wakeup`` (None: on none). For a frame that polls that pipe itself (see
    twirly.steady): while this holds, :func:`nudge_late_signals` has nothing to do unless
    the pipe has a signal's number."""
    return not _arrived and (_wakeup[0] if _wakeup else None) == wakeup


def nudge_late_signals() -> None:
    """From a clock's frame: wake the main thread for a guarded signal whose handler has not
    run yet.

    CPython checks for signals on its way into a blocking call, not during it: a signal that
    arrives just before the main thread blocks in ``time.sleep(30)`` (after its last check,
    say while it waits to hand the GIL to a clock thread) runs its handler only when the sleep
    ends, and meanwhile the spinner spins on as if SIGTERM had not been sent. Sent again to
    the main thread itself, the signal interrupts the sleep and the handler runs.
    """
    # Most frames find the pipe empty: asked first without a read failing with EAGAIN (an
    # exception on every frame of every spinner).
    if not _arrived and not _signal_waits():
        return
    now = time.monotonic()
    for signum in set(_drain_wakeup()):
        if signum in _SIGNALS:
            _arrived.setdefault(signum, now)
    if not _arrived:
        return
    import threading

    main = threading.main_thread()
    if threading.current_thread() is main or main.ident is None:
        return
    for signum, since in list(_arrived.items()):
        if signal.getsignal(signum) is not _on_signal:
            _arrived.pop(signum, None)  # handled (or no longer ours)
        elif now - since >= _NUDGE_AFTER:
            _arrived[signum] = now
            try:
                signal.pthread_kill(main.ident, signum)
            except (OSError, ValueError):
                _arrived.pop(signum, None)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _drain_wakeup()
    _arrived.clear()
    # Read the previous handler first: restoring the last terminal uninstalls these
    # handlers, which forgets it.
    previous = _previous.pop(signum, signal.SIG_DFL)
    restore_all()
    signal.signal(signum, previous)
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:
        os.kill(os.getpid(), signum)


def _on_stop(signum: int, frame: FrameType | None) -> None:
    # Ctrl-Z: leave the terminal usable while the program is stopped (rows erased, cursor
    # shown), stop as the terminal asked, and draw the rows again once continued (`fg`).
    # Each terminal's lock is held meanwhile, so no clock draws over the shell's prompt.
    held = list(_active)
    aside = _parent_in_the_job()
    for terminal in held:
        terminal.hold(aside=aside)
    try:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)  # the process stops here until SIGCONT
    finally:
        if signum in _previous:
            signal.signal(signum, _on_stop)
        for terminal in held:
            terminal.release_hold()


def _parent_in_the_job() -> bool:
    """Is the parent in this process's group: a program run by ``uv run``, ``make``, a
    script? Ctrl-Z stops that parent at once, and the shell then says the job stopped and
    prints its prompt, maybe before this process's handler has run. Then the rows are erased
    from the cursor on (as for someone else's prompt, see Block.step_aside): all of them if
    the cursor still stands on them, nothing of a prompt written since."""
    try:
        return os.getpgid(os.getppid()) == os.getpgrp()
    except OSError:  # (the parent has gone, or is in another session)
        return False


#: The program handles the guarded signals and restores the terminal itself (the command
#: line): twirly sets no handlers and starts no watcher (see leave_signals_to_the_program).
_program_handles = False


def leave_signals_to_the_program() -> None:
    """For a program that handles SIGINT, SIGTERM, SIGHUP and SIGTSTP itself, with handlers
    in place before its first row, and restores the terminal on them (the command line):
    twirly's guards set no handlers of their own, so none stands in front of the program's
    for an instant after the first row is drawn. The exit hook stays."""
    global _program_handles
    _program_handles = True


def _install() -> bool:
    """Put the handlers in place; False when this thread cannot (it is not the main one)."""
    if _program_handles:
        return True
    if not _in_main_thread():
        return False
    for signum in _SIGNALS:
        if signum in _previous:
            continue
        current = signal.getsignal(signum)
        if current in (signal.SIG_IGN, None):
            continue  # ignored on purpose (nohup) or set outside Python: leave it
        _previous[signum] = current
        signal.signal(signum, _on_signal)
    # Job control only where the program leaves it to the default (a shell, an editor that
    # handles SIGTSTP itself, keeps its own).
    stop = _SIGTSTP
    if stop is not None and stop not in _previous and signal.getsignal(stop) == signal.SIG_DFL:
        _previous[stop] = signal.SIG_DFL
        signal.signal(stop, _on_stop)
    if not _wakeup and any(signal.getsignal(signum) is _on_signal for signum in _SIGNALS):
        _listen_for_late_signals()
    return True


def _listen_for_late_signals() -> None:
    # Python writes each signal's number to its wakeup descriptor as the signal arrives; the
    # clocks read it (see nudge_late_signals). Only where nobody listens already: an event
    # loop's own wakeup descriptor ends its wait by itself.
    read, write = os.pipe()
    try:
        os.set_blocking(read, False)
        os.set_blocking(write, False)
        previous = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    except (OSError, ValueError):
        previous = None
    if previous != -1:
        if previous is not None:
            signal.set_wakeup_fd(previous)
        os.close(read)
        os.close(write)
        return
    import select

    poll = select.poll()
    poll.register(read, select.POLLIN)
    _wakeup[:] = [read, write]
    _wakeup_poll[:] = [poll]


def _stop_listening() -> None:
    if not _wakeup:
        return
    read, write = _wakeup
    _wakeup.clear()
    _wakeup_poll.clear()
    _arrived.clear()
    try:
        current = signal.set_wakeup_fd(-1)
    except ValueError:
        return  # (a thread that cannot: the descriptors stay, as if someone else's were set)
    if current != write:
        # Someone set theirs since and may put ours back later: keep our pipe open (unread,
        # non-blocking) rather than leave them a descriptor number that may be reused.
        signal.set_wakeup_fd(current)
        return
    os.close(read)
    os.close(write)


def _in_main_thread() -> bool:
    if "threading" not in sys.modules and not _thread._count():
        # No thread has been started: this is the main one. (A first spinner's first frame
        # does not wait for threading to load: milliseconds, with functools and collections.)
        return True
    import threading

    return threading.current_thread() is threading.main_thread()


def _uninstall() -> None:
    if not _in_main_thread():
        return
    for signum, previous in list(_previous.items()):
        if signal.getsignal(signum) in (_on_signal, _on_stop):
            signal.signal(signum, previous)
        del _previous[signum]
    _stop_listening()


def activate(terminal: Guarded) -> bool:
    """``terminal`` has rows now: guard it.

    False when nothing could undo a terminal mode should SIGTERM or SIGHUP end the process (no
    handlers, and no watcher could be started): then draw without setting any.
    """
    global _atexit_registered
    with _lock:
        if terminal not in _active:
            _active.append(terminal)
        if not _atexit_registered:
            atexit.register(_at_exit)
            _atexit_registered = True
        if _install():
            _dismiss_watchers()  # (a watcher stood in for the handlers until now)
            return True
        if _handled() or terminal in _watchers:
            return True
        from twirly.watcher import Watcher

        watcher = Watcher.start(terminal.fd, getattr(terminal, "echo_words", ""))
        if watcher is None:
            return False
        _watchers[terminal] = watcher
        return True


def retry() -> None:
    """Twirly code runs in this thread: if it is the main one and a watcher stands in for the
    signal handlers (the first row came from another thread), put the handlers in place now."""
    if not _watchers or not _in_main_thread():
        return
    with _lock:
        if _active and _install():
            _dismiss_watchers()


def deactivate(terminal: Guarded) -> None:
    """``terminal`` has no rows left."""
    with _lock:
        if terminal in _active:
            _active.remove(terminal)
        watcher = _watchers.pop(terminal, None)
        idle = not _active
    if watcher is not None:
        watcher.dismiss()
    if idle:
        _uninstall()


def _handled() -> bool:
    # Our handlers run on every guarded signal that would end the process (they were put in
    # place by a row drawn from the main thread earlier).
    return all(signal.getsignal(signum) in (_on_signal, signal.SIG_IGN) for signum in _SIGNALS)


def _at_exit() -> None:
    restore_all()
    _dismiss_watchers()  # a normal exit: whatever happened, the watchers stay silent


def _dismiss_watchers() -> None:
    with _lock:
        watchers = list(_watchers.values())
        _watchers.clear()
    for watcher in watchers:
        watcher.dismiss()


def _after_fork_in_child() -> None:
    global _lock
    _lock = _thread.RLock()
    _active.clear()
    # The parent's watchers watch the parent: our copies of their pipes close silently (the
    # parent's stay open, so they see nothing), and they are not ours to reap.
    for watcher in _watchers.values():
        watcher.forget()
    _watchers.clear()
    # The pipe is shared with the parent, which would take our signals for its own.
    _stop_listening()


os.register_at_fork(after_in_child=_after_fork_in_child)
