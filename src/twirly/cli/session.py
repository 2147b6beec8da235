"""One run of a command under the spinner: its output, signals, the timeout and prompts.

Everything happens on the main thread around one ``poll``: the command's three ptys, a
wake-up pipe for signals, and the keyboard while a prompt is shown. The spinner's own clock
(a thread) draws the frames; output reaches the screen only through the terminal's line path,
so a frame never tears a line.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

from twirly.cli import evidence
from twirly.cli.activity import ShownLine, Tail, classify_tail, shown_text, shows_text
from twirly.cli.downstream import MODES_LOOK, Downstream
from twirly.cli.fullscreen import FullScreen
from twirly.cli.inbox import SignalInbox
from twirly.cli.keys import Keyboard
from twirly.cli.launch import Child, resize
from twirly.cli.modes import SharedModes
from twirly.cli.options import Options
from twirly.cli.output import Destination, LiveLine, Recording, TailRows
from twirly.echo import Echo
from twirly.terminal import Terminal

__all__ = ["Outcome", "Session"]

GRACE = 2.0  # seconds a command has to stop after a forwarded signal, before SIGKILL
QUIET = 0.3  # seconds of silence after visible text before it is taken for a prompt, when
# the OS cannot say whether the command is reading its terminal (see twirly.cli.evidence)
LOOK = 0.05  # seconds after an unfinished line before the OS is asked if it is a prompt
LOOK_AGAIN = 0.2  # ... and between two questions while the line stays unfinished
FULL_SCREEN_LOOK = 0.1  # seconds between looks at a full-screen command's terminal modes
FRONT_LOOK = 0.1  # seconds between looks at whether twirly is in front again (after `bg`)
INTERRUPT_ENDS = 1.0  # seconds within which a command ends of a Ctrl-C typed at its screen
PROGRESS_KEEP = 4096  # a redrawn line longer than this keeps what it shows, and its last redraw
DRAIN_IDLE = 0.05  # after the command exits: seconds without output that end the run
DRAIN_MAX = 1.0  # ... and the most output from its leftovers that is waited for
READERS_MAX = 2.0  # seconds the final line waits for a pipeline reader's last line
READ_SIZE = 1 << 16
BATCH = 1 << 18  # bytes read from one pty before they are passed on in one block
PENDING_MAX = 1 << 16  # an unfinished line longer than this is passed on as a line

TTY = 0  # the source number of the command's controlling terminal (1 and 2: stdout, stderr)
_REASONS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated", signal.SIGHUP: "hung up"}


def _stop_self() -> None:
    """Stop as Ctrl-Z stops any program, by SIGTSTP (its default action): the shell sees a
    job stopped by SIGTSTP (``$?`` 148), not by SIGSTOP (147)."""
    previous = signal.signal(signal.SIGTSTP, signal.SIG_DFL)
    try:
        os.kill(os.getpid(), signal.SIGTSTP)  # (stopped here until SIGCONT)
    finally:
        signal.signal(signal.SIGTSTP, previous)


def _stop_reported_already() -> bool:
    """Has the shell reported twirly's job stopped without twirly (it waits on twirly's
    parent, a subshell or a script around twirly, which Ctrl-Z stopped too)? Then the shell
    continues the job with SIGCONT whether or not twirly stops itself. Read from the parent's
    state where ``/proc`` has it; elsewhere, from whether the shell took the terminal back."""
    parent = evidence.stat_fields(str(os.getppid()))
    if parent:
        return parent[0] in ("T", "t")
    for fd in (0, 2, 1):
        try:
            return os.tcgetpgrp(fd) != os.getpgrp()
        except OSError:
            continue  # (not the controlling terminal)
    return False


class Outcome:
    """How the run ended: twirly's exit status, and why when the command did not succeed;
    ``signal``: the signal twirly ends by, as the command did (Ctrl-C: a shell's loop or
    list stops only for a program killed by SIGINT), or None. ``cut_short``: the command
    stopped because its reader did (SIGPIPE: ``| head``, a pager quit early), the way a
    pipeline ends in a shell, which reports no failure for it."""

    __slots__ = ("cut_short", "reason", "signal", "status")

    def __init__(
        self, status: int, reason: str | None, signal: int | None = None, *, cut_short: bool = False
    ) -> None:
        self.status = status
        self.reason = reason
        self.signal = signal
        self.cut_short = cut_short


class _Source:
    """One pty of the command and the unfinished line read from it."""

    __slots__ = ("dest", "fd", "last", "line", "pending", "shown")

    def __init__(self, fd: int, dest: Destination, line: ShownLine | None) -> None:
        self.fd = fd
        self.dest = dest
        self.pending = b""
        self.shown = 0  # bytes of ``pending`` already on screen (a prompt)
        self.last = 0.0
        # What ``pending`` shows on a terminal, kept only for a row that shows it (--tail,
        # or --show-output's live line): fed as output comes, so a line redrawn for hours
        # costs what each redraw brings.
        self.line = line

    def unshown(self) -> bytes:
        return self.pending[self.shown :]

    def start_line(self, rest: bytes) -> None:
        """A line ended: ``rest`` starts the next one."""
        self.pending, self.shown = rest, 0
        if self.line is not None:
            self.line = ShownLine()
            self.line.feed(rest)

    def line_text(self) -> str:
        """What the unfinished line shows now (on a terminal, after its redraws)."""
        return self.line.text if self.line is not None else ""


class Session:
    """Run ``child`` to its end under ``spinner``; :meth:`run` returns the :class:`Outcome`."""

    def __init__(
        self,
        child: Child,
        options: Options,
        *,
        destinations: dict[int, Destination],
        tail: TailRows | None,
        inbox: SignalInbox,
        terminal: Terminal,
        live: LiveLine | None = None,
        data_out: bool = False,
    ) -> None:
        self._child = child
        self._terminal = terminal
        self._inbox = inbox
        self._options = options
        streams = {child.tty: TTY, child.out: 1, child.err: 2}
        shows_lines = tail is not None or (live is not None and options.show_output)
        self._sources = {
            fd: _Source(
                fd, destinations[number], ShownLine() if shows_lines and number != TTY else None
            )
            for fd, number in streams.items()
        }
        self._kind = streams
        self._open = dict(self._kind)  # the ptys still open
        self._closed: set[int] = set()  # our ends already closed
        self._tail = tail
        self._live = live
        # twirly's stdout is a file or a pipe: the command's stdout is data, passed on as it is.
        self._data_out = data_out
        self._downstream = (
            Downstream(terminal) if data_out and Downstream.needed(terminal) else None
        )
        self._look_at = 0.0  # when the OS may be asked again whether a line is a prompt
        self.recording = Recording()
        echo = Echo.of(terminal.fd) if terminal.animates and child.stdin_is_tty else None
        self._keyboard = Keyboard(child.stdin_is_tty, echo)
        self._keys_polled: int | None = None  # the keyboard's descriptor, if polled
        self._asked = False  # a prompt was shown: keys go to the command from then on
        self._early = False  # reading the other ptys before the command takes the screen
        outputs = tuple(fd for fd in (child.out, child.err) if os.isatty(fd))
        # A command may read keys from its stderr, with the modes set there: less opens the
        # terminal its stderr is on, and `vim -` reads keys from stderr.
        own = (child.err,) if child.err in outputs else ()
        self._modes = SharedModes(child.tty, outputs, own=own)
        self._full = FullScreen(
            self._modes,
            terminal,
            self._keyboard,
            self._before_full_screen,
            self._settle,
            oflag=child.tty_oflag,
        )
        self._poll = select.poll()
        self._prompting = False
        self._status: int | None = None
        self._received: int | None = None
        self._interrupt_at: float | None = None  # when the last keys ended with Ctrl-C
        self._timed_out = False
        self._kill_at: float | None = None
        self._exited_at: float | None = None
        self._child_changed = True
        self._screen_partial: Destination | None = None

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Pass output on until the command has ended and its ptys are drained."""
        timeout = self._options.timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            for fd in self._sources:
                self._poll.register(fd, select.POLLIN)
            self._poll.register(self._inbox.fd, select.POLLIN)
            self._take_signals()  # any that came while the command was starting
            self._keyboard.hush()  # (keys typed now would print over the spinner)
            while not self._finished():
                self._step(deadline)
            if self._full.active:
                self._full.leave()  # it ended with the screen: the terminal is taken back
        except BaseException:
            self._signal_group(signal.SIGKILL)  # whatever went wrong, the command goes too
            raise
        finally:
            self._keyboard.close()
        self._flush_pending()
        self._reap_leftovers()
        self._wait_for_the_readers()
        self._wait_for_the_screen()
        return self._outcome()

    def _finished(self) -> bool:
        if self._exited_at is None:
            return False
        return not self._open or time.monotonic() - self._exited_at > DRAIN_MAX

    def _step(self, deadline: float | None) -> None:
        timers = [t for t in (deadline, self._kill_at, self._prompt_due()) if t is not None]
        if self._downstream is not None and (due := self._downstream.due()) is not None:
            timers.append(due)
        if self._full.active:
            timers.append(time.monotonic() + FULL_SCREEN_LOOK)
        if self._exited_at is not None:
            timers.append(time.monotonic() + DRAIN_IDLE)
        if self._keyboard.behind():
            timers.append(time.monotonic() + FRONT_LOOK)
        wait = max(min(timers) - time.monotonic(), 0.0) * 1000 + 1 if timers else None
        events = self._poll.poll(wait)
        for fd, _ in events:
            if fd == self._inbox.fd:
                self._take_signals()
            elif fd == self._keyboard.fd:
                self._forward_keys()
            else:
                self._read(fd)
        if not events or self._child_changed:
            self._check_child()
            if self._exited_at is not None and not events:
                self._open.clear()  # quiet after the end: leftovers keep the ptys open
        if timers:
            self._on_timers(deadline, time.monotonic())

    def _on_timers(self, deadline: float | None, now: float) -> None:
        if deadline is not None and now >= deadline and not self._timed_out:
            self._timed_out = True
            self._terminate(signal.SIGTERM)
        if self._kill_at is not None and now >= self._kill_at:
            self._kill_at = None
            self._signal_group(signal.SIGKILL)
        due_prompt = self._prompt_due()
        if due_prompt is not None and now >= due_prompt:
            self._decide_prompt(now)
        self._look_downstream(now)
        if self._full.look():
            self._after_full_screen()
        if self._keyboard.behind() and not self._prompting and not self._full.active:
            self._keyboard.hush()  # (in front again after `bg`, then `fg`: echo off again)
            if not self._keyboard.behind():
                self._terminal.write_lines([])  # the spinner again, below the shell's lines

    def _look_downstream(self, now: float) -> None:
        downstream = self._downstream
        due = None if downstream is None else downstream.due()
        if downstream is None or due is None or now < due:
            return
        # Both looks are taken (``|``): the pager's screen and the readers' progress.
        ours = self._keyboard.modes_are_ours()  # twirly's own keyboard set the modes
        back = downstream.look_at_modes(now, ours) | downstream.look(now)
        if back and not self._prompting:
            self._terminal.write_lines([])  # the readers are done: the rows come back

    def _wait_for_the_readers(self) -> None:
        """The final line comes after what the pipeline's readers make of the last data
        (``| cat``: its last line), not before; for at most READERS_MAX seconds."""
        downstream = self._downstream
        if downstream is None:
            return
        waiting = select.poll()
        waiting.register(self._inbox.fd, select.POLLIN)
        give_up = time.monotonic() + READERS_MAX
        while (due := downstream.finishing()) is not None:
            now = time.monotonic()
            if now >= give_up:
                return
            woken = waiting.poll(max(min(due, give_up) - now, 0.0) * 1000 + 1)
            if woken and _REASONS.keys() & set(self._inbox.take()):
                return  # told to go (Ctrl-C, a hang-up): the reader's line is no reason to stay
            downstream.look(time.monotonic())

    def _wait_for_the_screen(self) -> None:
        """A pager down the pipe has the screen: the final line waits until it is given back
        (the pager quits), or twirly is told to go. Ctrl-C is the pager's (it aborts a search
        there), not a reason to write over its screen."""
        downstream = self._downstream
        if downstream is None or not downstream.taken:
            return
        # The pager waits for the end of its input before it offers to quit: it is sent
        # now (what remains to write goes to stderr, the terminal).
        self._sources[self._child.out].dest.drain()  # (data is written at once: raw)
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
        waiting = select.poll()
        waiting.register(self._inbox.fd, select.POLLIN)
        while downstream.screen_taken():
            woken = waiting.poll(MODES_LOOK * 1000)
            if woken and {signal.SIGTERM, signal.SIGHUP}.intersection(self._inbox.take()):
                return

    def _check_child(self) -> None:
        # Only on SIGCHLD, a closed pty or a quiet moment: not a system call per read.
        self._child_changed = False
        if self._status is not None:
            return
        try:
            pid, status = os.waitpid(self._child.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self._child.pid, 0
        if pid:
            self._status = status
            self._exited_at = time.monotonic()

    # -- output -----------------------------------------------------------------------------

    def _read(self, fd: int) -> None:
        chunks: list[bytes] = []
        size = 0
        while size < BATCH:
            try:
                data = os.read(fd, READ_SIZE)
            except BlockingIOError:
                break
            except OSError:
                data = b""  # EIO: every copy of the pty's other end is closed
            if not data:
                self._close_source(fd)
                break
            chunks.append(data)
            size += len(data)
        if chunks:
            self._on_output(self._sources[fd], b"".join(chunks))

    def _hang_up(self, fd: int) -> None:
        """Nobody reads this stream any more: the command finds out as it would without twirly
        (SIGPIPE, or EIO on a pty), rather than running on for nobody."""
        self._close_source(fd)
        if fd not in self._closed:
            os.close(fd)
            self._closed.add(fd)

    def _close_source(self, fd: int) -> None:
        if self._open.pop(fd, None) is not None:
            self._poll.unregister(fd)
            self._child_changed = True

    def _on_output(self, source: _Source, data: bytes) -> None:
        number = self._kind[source.fd]
        if number == 1 and self._data_out:
            self._pass_data(source, data)
            return
        signals = self._full.scan(source.fd, data)
        if self._full.takes(signals) and not self._early:
            self._read_others(source.fd)
        was_full = self._full.active
        if self._full.on_output(signals, source.fd, data):
            if not was_full:
                self._on_full_screen()
            source.dest.raw(data)  # drawing: not recorded, replaying it would be garbage
            if self._full.passed(data):
                self._after_full_screen()
            return
        if was_full:
            self._after_full_screen()
        if number != TTY and not self._options.show_output:
            self.recording.add(number, data)
        source.last = time.monotonic()
        cut = data.rfind(b"\n")
        if cut >= 0:
            self._pass_on(source, number, data[:cut], data[cut + 1 :])
            return
        source.pending += data
        if source.line is not None:
            source.line.feed(data)
        self._look_at = 0.0
        if self._tail is not None and number != TTY:
            self._tail.unfinished(source.line_text())
        if self._prompting:
            self._show_partial(source)
            return
        self._redrawn(source, number)
        if len(source.pending) > PENDING_MAX:
            whole = source.pending
            source.start_line(b"")
            self._pass_on(source, number, whole, b"")

    def _redrawn(self, source: _Source, number: int) -> None:
        """A line redrawn in place (progress) shows live under the spinner, if output is
        shown. Once it gets long, what it shows before its last redraw takes the place of
        the redraws (plain text: colours go), and the last redraw is kept as it came; a
        redraw overwrites only what it writes over, so what the line shows stays the same."""
        if classify_tail(source.pending) is not Tail.PROGRESS or source.shown:
            return
        if len(source.pending) > PROGRESS_KEEP:
            cut = source.pending.rfind(b"\r", 0, len(source.pending) - 1)
            if cut > 0:
                before = shown_text(source.pending[:cut].decode("utf-8", "replace"))
                source.pending = before.encode() + source.pending[cut:]
        if self._live is not None and number != TTY and self._options.show_output:
            self._live.show(source.line_text())

    def _pass_data(self, source: _Source, data: bytes) -> None:
        """Byte for byte, at once, whatever --show-output says: binary data, an unfinished
        last line and all (``twirly -- curl -s URL > page.html``). It was redirected on
        purpose, so it is neither hidden nor replayed."""
        if self._downstream is not None:
            self._downstream.before_write(time.monotonic(), data)
        source.dest.raw(data)
        if not source.dest.alive:
            self._hang_up(source.fd)

    def _pass_on(self, source: _Source, number: int, head: bytes, rest: bytes) -> None:
        """Lines are complete up to ``head``; ``rest`` starts the next unfinished one."""
        live = number == TTY or self._options.show_output
        if self._live is not None:
            self._live.clear()
        if live or self._prompting:
            # Hidden output shows only the line that finishes the prompt.
            shown = head if live else head.partition(b"\n")[0]
            source.dest.lines(source.unshown() + shown)
            if not source.dest.alive and number != TTY:
                self._hang_up(source.fd)
            self._screen_partial = None
            self._prompting = False  # a finished line ends the prompt: the spinner returns
        if self._tail is not None and number != TTY:
            self._tail.add(source.pending + head)
        source.start_line(rest)
        if self._tail is not None and number != TTY and rest:
            self._tail.unfinished(source.line_text())
        if self._prompting and rest:
            self._show_partial(source)
        elif rest:
            self._redrawn(source, number)

    def _show_partial(self, source: _Source) -> None:
        source.dest.partial(source.unshown())
        source.shown = len(source.pending)
        self._screen_partial = source.dest

    def _flush_pending(self) -> None:
        """At the end: finish a prompt left on screen; show unfinished lines that are due."""
        for source in self._sources.values():
            if source.unshown() and (self._options.show_output or self._kind[source.fd] == TTY):
                if shows_text(source.unshown()):
                    source.dest.lines(source.unshown())
                    self._screen_partial = None
                else:
                    # Styling only (pip ends with ESC[0m): it reaches the terminal, with no
                    # line of its own.
                    source.dest.partial(source.unshown())
        if self._screen_partial is not None:
            self._screen_partial.lines(b"")
            self._screen_partial = None

    # -- prompts ----------------------------------------------------------------------------

    def _prompt_due(self) -> float | None:
        """When to decide next whether an unfinished line is a prompt (None: no such line)."""
        if self._prompting or self._exited_at is not None or self._full.active:
            return None
        due = None
        for fd, source in self._sources.items():
            waiting = source.unshown()
            if not waiting:
                continue
            if self._kind[fd] == TTY and classify_tail(waiting) is Tail.TEXT:
                at = source.last  # text for the person's eyes only: a prompt at once
            else:
                at = max(source.last + LOOK, self._look_at)
            due = at if due is None else min(due, at)
        return due

    def _decide_prompt(self, now: float) -> None:
        """Is the command waiting for an answer? The OS says so when it can: a process of the
        command's foreground group blocked reading its terminal. Only text can be a prompt
        without that evidence; styling and redrawn progress lines never are."""
        self._look_at = now + LOOK_AGAIN
        kinds = {fd: classify_tail(s.unshown()) for fd, s in self._sources.items() if s.unshown()}
        if any(self._kind[fd] == TTY and kind is Tail.TEXT for fd, kind in kinds.items()):
            self._start_prompt()
            return
        if not kinds:
            return
        if self._full.take_if_keys_are_raw():
            self._on_full_screen()  # it reads keys, not an answer to this line: no prompt
            return
        reading = evidence.blocked_reading(self._child.tty, self._child.devices)
        if reading is None:
            quiet = all(now - s.last >= QUIET for s in self._sources.values() if s.unshown())
            reading = quiet and Tail.TEXT in kinds.values()
        if reading:
            self._start_prompt()

    def _start_prompt(self) -> None:
        self._prompting = True
        self._asked = True
        if self._live is not None:
            self._live.clear()
        # Keys go to the command before the prompt shows: an answer typed at once must not
        # be echoed by twirly's terminal (it may be a password). From the first prompt on,
        # keys keep going to the command: one that has asked once may read again unasked.
        self._poll_keys(self._keyboard.open())
        for source in sorted(self._sources.values(), key=lambda s: s.last):
            if source.unshown():
                self._show_partial(source)

    def _poll_keys(self, fd: int | None) -> None:
        if fd is not None and self._keys_polled is None:
            self._poll.register(fd, select.POLLIN)
            self._keys_polled = fd

    def _stop_keys(self) -> None:
        if self._keys_polled is not None:
            self._poll.unregister(self._keys_polled)
            self._keys_polled = None
        self._keyboard.close()
        if not self._prompting and not self._full.active:
            self._keyboard.hush()  # the spinner is shown again, and nobody reads

    # -- a full screen ----------------------------------------------------------------------

    def _read_others(self, fd: int) -> None:
        """Read what the ptys other than ``fd`` already hold, before the screen changes hands:
        it was written before (``git commit`` writes a hint, then starts the editor), and is
        handled as it would have been had it been read first."""
        self._early = True
        try:
            for other in list(self._open):
                if other != fd:
                    self._read(other)
        finally:
            self._early = False

    def _settle(self, fd: int) -> None:
        """The command has given the screen back: what it wrote before (the echo of the key
        that answered `read -n1`) is read from the ptys other than ``fd`` first, and goes
        with the full screen."""
        if not self._early:
            self._read_others(fd)

    def _before_full_screen(self) -> None:
        """The command takes the screen: what twirly has on its way is written first."""
        self._sources[self._child.out].dest.drain()
        if self._live is not None:
            self._live.clear()

    def _on_full_screen(self) -> None:
        self._prompting = False
        self._screen_partial = None
        for source in self._sources.values():
            source.start_line(b"")  # drawn over by the program, or hidden
        self._poll_keys(self._keyboard.fd)

    def _after_full_screen(self) -> None:
        """The screen is given back: late answers of the terminal still go to the command
        (not to the shell after twirly); keys go on to it only if it has asked before."""
        if self._keys_polled is not None and select.select([self._keys_polled], [], [], 0)[0]:
            self._forward_keys()
        if not self._asked:
            self._stop_keys()

    def _forward_keys(self) -> None:
        keys = self._keyboard.read()
        if not keys:  # the terminal has gone
            self._stop_keys()
            return
        target = self._full.key_target() if self._full.active else self._child.tty
        try:
            os.write(target, keys)
        except OSError:
            # Its input queue is full (or gone): drop the keys, as a terminal does, rather
            # than stop passing on its output while waiting for it to read.
            pass
        # Ctrl-C typed at a full-screen command is its terminal's to turn into SIGINT (or
        # not): if it was the last key before the command died of SIGINT, twirly was
        # interrupted (a command that caught it and exited, `watch`, ends as it says).
        typed = self._full.active and target == self._child.tty and self._modes.interrupts(keys)
        self._interrupt_at = time.monotonic() if typed else None

    # -- signals ----------------------------------------------------------------------------

    def _take_signals(self) -> None:
        taken = self._inbox.take()
        # A stop and a continue taken together came in that order, whatever the list says:
        # Python runs the handlers of signals that came before it could run any in the order
        # of their numbers (SIGCONT's before SIGTSTP's), and `fg` typed before twirly could
        # handle Ctrl-Z is what makes them come together.
        for signum in taken:
            if signum == signal.SIGCHLD:
                self._child_changed = True
            elif signum == signal.SIGWINCH:
                resize(self._child)
            elif signum == signal.SIGTSTP:
                self._suspend(continued=signal.SIGCONT in taken)
            elif signum == signal.SIGCONT and signal.SIGTSTP not in taken:
                self._continued()
            elif signum in _REASONS:
                if self._received is not None and signum == signal.SIGINT:
                    self._signal_group(signal.SIGKILL)  # a second Ctrl-C: stop now
                self._received = self._received or signum
                self._terminate(signum)

    def _continued(self) -> None:
        """Continued (``fg``) after a stop that did not go through :meth:`_suspend` (SIGSTOP,
        or a stop before twirly could handle Ctrl-Z): the shell set its own modes meanwhile,
        so echo goes off again and the spinner is drawn again, as after a Ctrl-Z of its own.
        (After one, it is only drawn again: the modes are twirly's already.)"""
        if self._prompting or self._full.active:
            return
        self._keyboard.hush()
        if not self._keyboard.behind():
            self._terminal.write_lines([])

    def _suspend(self, *, continued: bool = False) -> None:
        """Ctrl-Z: stop the command and twirly, the terminal as it was; carry on when continued.

        The shell may report the job stopped, and continue it, before twirly stops itself
        here (a job whose first process stops at once: a subshell around twirly): twirly then
        does not stop, which would be for good (``continued``, or SIGCONT came meanwhile)."""
        self._signal_group(signal.SIGSTOP)
        keys = self._keyboard.fd is not None
        self._keyboard.release()
        continued = continued or self._inbox.came(signal.SIGCONT)
        reported = not continued and _stop_reported_already()
        if continued or reported:
            # The shell has had the terminal since Ctrl-Z: its "Stopped" line and its prompt
            # (and after `fg`, the job's name) are below the row, the cursor on the last of
            # them. Erasing the row from there would wipe the shell's line: the row is left
            # as it is, and drawn afresh below the shell's lines once continued.
            self._terminal.leave_rows()
        else:
            self._terminal.write_partial("")  # spinner rows erased, cursor shown, frames paused
            continued = self._inbox.came(signal.SIGCONT)
            reported = not continued and _stop_reported_already()
        if continued:
            pass
        elif reported:
            # The shell reported the job stopped before twirly got here (a subshell around
            # twirly stopped at once), and continues it with SIGCONT (`fg`, `bg`), maybe
            # before twirly could stop itself, which would then be for good: the shell
            # waits on the subshell, not on twirly. twirly waits for that SIGCONT instead,
            # stopped in all but name (the command stopped, nothing drawn).
            self._inbox.wait_for(signal.SIGCONT)
        else:
            _stop_self()
            if not self._inbox.came(signal.SIGCONT):
                # Not stopped: the kernel ignores SIGTSTP in a process group no shell looks
                # after (orphaned: twirly started with setsid, say). SIGSTOP always stops.
                os.kill(os.getpid(), signal.SIGSTOP)
        # Here again after SIGCONT (`fg` or `bg`).
        if keys:
            self._keyboard.open()
        elif not self._prompting and not self._full.active:
            self._keyboard.hush()  # (only in front of the terminal again: `fg`, not `bg`)
        # Behind the terminal (`bg`) the spinner waits, erased, rather than draw over the
        # shell's prompt; it is drawn again once twirly is in front (see _on_timers).
        if not self._prompting and not self._keyboard.behind():
            self._terminal.write_lines([])  # the spinner is drawn again, below the shell's lines
        self._signal_group(signal.SIGCONT)

    def _terminate(self, signum: int) -> None:
        self._signal_group(signum)
        if signum != signal.SIGKILL and self._kill_at is None:
            self._kill_at = time.monotonic() + GRACE

    def _signal_group(self, signum: int) -> None:
        try:
            os.killpg(self._child.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def _reap_leftovers(self) -> None:
        # Whatever is left of the command's process group goes with twirly: killed after a
        # timeout or an interrupt, hung up (as a closing terminal would) after a normal end.
        stopped = self._timed_out or self._received is not None
        self._signal_group(signal.SIGKILL if stopped else signal.SIGHUP)
        for fd in self._sources.keys() - self._closed:
            os.close(fd)
        self._closed.update(self._sources)
        if self._status is None:
            _, self._status = os.waitpid(self._child.pid, 0)

    # -- the result -------------------------------------------------------------------------

    @property
    def at_row_start(self) -> bool:
        """Is the cursor where twirly keeps it (column 0 of the spinner's row), rather than
        after a prompt or a pipeline reader's output?"""
        return not self._prompting and (self._downstream is None or not self._downstream.hidden)

    def _interrupted_by_a_key(self, status: int) -> bool:
        """Did a Ctrl-C typed at a full-screen command end it? It was the last key, the
        command ended within a moment of it, and not well: it died of SIGINT, or exited
        with a failure (Python's curses programs, after a KeyboardInterrupt). One that caught
        it and exited 0 (`watch`), or went on for a while, tells its own outcome."""
        typed, ended = self._interrupt_at, self._exited_at
        if typed is None or ended is None or ended - typed > INTERRUPT_ENDS:
            return False
        if os.WIFSIGNALED(status):
            return os.WTERMSIG(status) == signal.SIGINT
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0

    def _outcome(self) -> Outcome:
        status = self._status or 0
        received = self._received
        if received is None and self._interrupted_by_a_key(status):
            received = signal.SIGINT
        if received is not None:
            # Killed by the signal it was sent (by twirly, or by its terminal for a Ctrl-C
            # typed at a full screen), or by SIGKILL after it (a second Ctrl-C or the grace
            # period): twirly goes the same way. A command that handled the signal and exited
            # is not: the shell carries on after it, as it would without twirly.
            killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) in (received, signal.SIGKILL)
            reason = _REASONS[signal.Signals(received)]
            return Outcome(128 + received, reason, received if killed else None)
        if self._timed_out:
            return Outcome(124, f"timed out after {self._options.timeout:g}s")
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            if number == signal.SIGPIPE:
                return Outcome(128 + number, "its reader stopped reading", cut_short=True)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            return Outcome(128 + number, f"killed by {name}")
        code = os.waitstatus_to_exitcode(status)
        return Outcome(code, None if code == 0 else f"exit status {code}")
