"""The watchdog: keeps an asyncio spinner turning while its event loop is blocked, and says
who blocked it.

The book's lesson is that a coroutine that does not await freezes every coroutine on the
loop, the spinner's own clock included. The watchdog is a thread beside that clock. While the
loop is healthy it sleeps on an alarm the clock pushes forward at each tick
(:mod:`twirly.alarm`: no loop callback, no wake-up of the loop or of the watchdog, no
patching, no tracing); where there is no alarm it looks now and then. When a tick is half an
interval late (looking now and then, for a style faster than that, when the glyph has stood
still for :data:`STILL` seconds), the watchdog draws the frames itself, and at each one
samples the loop thread's stack (``sys._current_frames``; file, line and names are copied at
once, no frame is kept); when the tick comes back, what the samples agree on is the block's
record.

Three parts:

- :class:`Detector`: a pure state machine (told the times and the samples; no thread, no
  clock), which classifies a block and writes the live label;
- :func:`sample`: one look at the loop thread's stack;
- :class:`Watchdog`: the thread that ties them to a terminal and an asyncio clock.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import CodeType

from twirly.alarm import interval_of
from twirly.flag import StopFlag
from twirly.render import display_width, sanitize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Final, Literal, NamedTuple

    from twirly.alarm import Alarm
    from twirly.drivers.asyncio import AsyncioClock
    from twirly.terminal import Terminal

    Kind = Literal["blocked", "busy", "stalled", "gil"]
    State = Literal["blocked", "parked", "paused"]
else:
    from twirly.records import NamedTuple

__all__ = [
    "Detector",
    "Record",
    "Sample",
    "Settings",
    "Watchdog",
    "configure",
    "next_look",
    "summary_lines",
]

_CO_COROUTINE: Final = 0x80 | 0x100 | 0x200  # coroutine, iterable coroutine, async generator
#: Modules whose frames in the loop thread mean someone asks the person something.
_PROMPTS: Final = ("bdb.py", "pdb.py", "cmd.py", "code.py", "getpass.py")


class Settings(NamedTuple):
    """The watchdog's thresholds."""

    takeover: float = 0.5  # of the frame interval: late by this much, the watchdog draws
    record: float = 0.25  # seconds: a block this long is recorded
    show: float = 0.5  # seconds: a block this long is shown on the spinner's line


_settings = Settings()

#: The loop thread's share of the wall time spent on the CPU, from which a while the
#: watchdog could not run counts as a C call holding the GIL in the loop thread. A stopped
#: process, or a loop thread waiting for another thread's GIL, spends next to none; a thread
#: that holds the GIL spends all it is given, which on a busy machine (other processes
#: running on every core) can be well under half.
_GIL_SHARE: Final = 0.2

#: Seconds: where the watchdog has no alarm (see :mod:`twirly.alarm`) and looks now and
#: then, the glyph stands still no longer than this before it looks. For a fast style (dots:
#: 80 ms a frame) it looks every other frame, not at each one: half the wake-ups while the
#: loop is healthy, where each costs the loop a switch of the GIL. (Under the quarter of a
#: second a glyph may stand still, with time left to draw.)
STILL: Final = 0.2

#: Whether a watchdog sleeps on an alarm where it can (False: it looks now and then).
_use_alarm = True

#: Seconds: the longest a watchdog with an alarm sleeps without looking (should the alarm
#: ever fail to go off: a look costs about 0.2 ms of CPU with a busy loop).
_ALARM_PATIENCE: Final = 10.0


def next_look(
    last: float, due: float, takeover: float, still: float = STILL
) -> tuple[float, float]:
    """When a healthy watchdog looks next, and the frame interval, for a clock that last
    ticked at ``last`` (0: not yet) and is due at ``due``: once the tick is ``takeover`` of an
    interval late, and for a fast style no sooner than ``still`` after the last tick (0 with
    an alarm: looking costs nothing until the alarm goes off)."""
    interval = interval_of(last, due)
    look = due + interval * takeover
    return (max(look, last + still) if last else look), interval


def configure(*, takeover: float = 0.5, record: float = 0.25, show: float = 0.5) -> None:
    """Set the watchdog's thresholds for spinners started from now on: ``takeover`` (a
    fraction of the frame interval a tick may be late before the watchdog draws), ``record``
    (seconds a block must last to be recorded), ``show`` (seconds before the live label)."""
    global _settings
    values = {"takeover": takeover, "record": record, "show": show}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name} must be a number, not {type(value).__name__}")
        if not 0 < value < float("inf"):
            raise ValueError(f"{name} must be a number > 0, not {value!r}")
    _settings = Settings(float(takeover), float(record), float(show))


def enabled(asked: object) -> bool:
    """Whether a spinner gets a watchdog: ``watchdog=`` (True, False, None: the default,
    on unless ``TWIRLY_WATCHDOG=0``)."""
    if asked is not None and not isinstance(asked, bool):
        raise TypeError(f"watchdog must be True, False or None, not {type(asked).__name__}")
    if asked is not None:
        return asked
    setting = os.environ.get("TWIRLY_WATCHDOG", "").strip().lower()
    return setting not in {"0", "false", "no", "off"}


class Site(NamedTuple):
    """A place in the code: function, file, line."""

    function: str
    filename: str
    lineno: int

    def __str__(self) -> str:
        return f"{self.function}() {os.path.basename(self.filename)}:{self.lineno}"


class Sample(NamedTuple):
    """One look at the loop thread: ``blocked`` (a step of a coroutine runs: ``site`` is
    the innermost line of the program's own code, ``caller`` the one that called it),
    ``parked`` (the loop waits for something, or runs its own machinery), ``paused``
    (someone is asked something: a debugger, ``input()``)."""

    state: State
    site: Site | None = None
    caller: Site | None = None
    task: str | None = None


class Record(NamedTuple):
    """A recorded block of the event loop (what ``spinner.blocks`` holds)."""

    duration: float  # seconds (approximate: to half a frame interval)
    kind: Kind  # blocked | busy | stalled | gil
    function: str | None
    filename: str | None
    lineno: int | None
    task: str | None
    samples: int  # looks taken during the block
    agreeing: int  # of which named the same site (and task)
    line: str = ""  # the source text of the line
    called_from: Site | None = None


class Detector:
    """The watchdog's judgement, pure: times and samples in, a live label and records out.

    ``begin`` when a tick is late; ``add`` each sample; ``frozen`` when the watchdog itself
    could not run for a while (the process was stopped, or a thread held the GIL);
    ``label`` while it lasts; ``end`` when the loop ticks again.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = _settings if settings is None else settings
        self.start: float | None = None
        self.since = 0.0
        self._sites: dict[tuple[Site, str | None], int] = {}
        self._callers: dict[Site, Site | None] = {}
        self._tasks: set[str | None] = set()
        self._parked = 0
        self._blocked = 0
        self._paused = False
        self._frozen: Literal["gil", "stalled"] | None = None
        self._frozen_at: Sample | None = None
        self._excused = False

    @property
    def active(self) -> bool:
        """True between ``begin`` and ``end``."""
        return self.start is not None

    @property
    def paused(self) -> bool:
        """True when the last sample found someone asking the person something."""
        return self._paused

    def begin(self, last_tick: float, due: float) -> None:
        """The tick due at ``due`` did not come; the loop last ticked at ``last_tick``. The
        block began between the two: it is dated from the middle (off by half an interval
        at most)."""
        self.start = (last_tick + due) / 2 if last_tick else due
        # (the label counts from the last tick: that long, nothing ran on the loop)
        self.since = last_tick or due
        self._sites.clear()
        self._callers.clear()
        self._tasks.clear()
        self._parked = self._blocked = 0
        self._paused = False
        self._frozen = None
        self._frozen_at = None
        self._excused = False

    def excuse(self) -> None:
        """The person stopped the program meanwhile (Ctrl-Z): not a block to report."""
        self._excused = True

    def add(self, sample: Sample) -> None:
        """Fold one sample in (only its strings and numbers are kept)."""
        self._paused = sample.state == "paused"
        if sample.state != "blocked" or sample.site is None:
            if sample.state == "parked":
                self._parked += 1
            return
        self._blocked += 1
        key = (sample.site, sample.task)
        self._sites[key] = self._sites.get(key, 0) + 1
        self._callers.setdefault(sample.site, sample.caller)
        self._tasks.add(sample.task)

    def frozen(self, busy_share: float, sample: Sample) -> None:
        """The watchdog could not run for a while. ``busy_share``: the loop thread's CPU
        time over that while's wall time (it held the GIL in a long C call: near 1; the
        process was stopped, or another thread held the GIL: near 0); ``sample``: the loop
        thread right after (the call's line, if it is still there)."""
        if self._frozen == "stalled":
            return
        if busy_share >= _GIL_SHARE:
            # (the first look that found the call's line is kept: later looks of the same
            # block may find the loop thread gone on)
            after = sample if sample.state == "blocked" else self._frozen_at
            self._frozen, self._frozen_at = "gil", after
        else:
            self._frozen, self._frozen_at = "stalled", None

    def kind(self) -> Kind:
        """What the block is, from what was seen so far."""
        if self._frozen is not None:
            return self._frozen
        if not self._blocked or self._parked > self._blocked:
            return "stalled" if self._parked or not self._blocked else "blocked"
        top = max(self._sites.values())
        # (More than half: two samples at two sites name neither.)
        return "blocked" if top * 2 > self._blocked else "busy"

    def _dominant(self) -> tuple[Site | None, str | None, int]:
        if self._frozen == "gil" and self._frozen_at is not None:
            return self._frozen_at.site, self._frozen_at.task, 1
        if not self._sites:
            return None, None, 0
        (site, task), count = max(self._sites.items(), key=lambda item: item[1])
        return site, task, count

    def label(self, now: float) -> str:
        """The live label, after the spinner's text ("" before ``show`` seconds)."""
        if self.start is None or self._paused or self._excused:
            return ""
        start = self.since
        if now - start < self.settings.show:
            return ""
        kind = self.kind()
        if kind == "busy":
            return "⚠ event loop busy"
        if kind == "stalled":
            return "⚠ process stalled"
        label = f"⚠ event loop blocked {now - start:.1f} s"
        site = self._dominant()[0]
        return f"{label} · {site}" if site is not None else label

    def end(self, at: float) -> Record | None:
        """The loop ticked again at ``at``: the block's record, if it lasted ``record``
        seconds or more (and nobody was being asked something)."""
        start, self.start = self.start, None
        if start is None or self._paused or self._excused:
            return None
        duration = max(at - start, 0.0)
        if duration < self.settings.record:
            return None
        kind = self.kind()
        site, task, agreeing = self._dominant()
        samples = self._blocked + self._parked
        if kind in ("busy", "stalled"):
            site, task, agreeing = None, None, 0
        if kind == "gil":
            samples = agreeing = 1
        return Record(
            duration=duration,
            kind=kind,
            function=site.function if site else None,
            filename=site.filename if site else None,
            lineno=site.lineno if site else None,
            task=task,
            samples=samples,
            agreeing=agreeing,
            called_from=self._callers.get(site) if site else None,
        )


# -- the sampler -----------------------------------------------------------------------------

_library: tuple[str, ...] | None = None


def _library_paths() -> tuple[str, ...]:
    """Where the standard library, installed packages and twirly itself live."""
    global _library
    if _library is None:
        found = {os.path.dirname(os.path.abspath(__file__))}
        stdlib = getattr(os, "__file__", None)
        site = sys.modules.get("site")  # (imported as Python starts, but for ``-S``)
        if stdlib and site is not None and hasattr(site, "getsitepackages"):
            found.add(os.path.dirname(stdlib))
            found.update(site.getsitepackages())
        else:
            import sysconfig

            paths = sysconfig.get_paths()
            keys = ("stdlib", "platstdlib", "purelib", "platlib")
            found.update(paths[key] for key in keys if key in paths)
        _library = tuple(os.path.join(os.path.realpath(path), "") for path in found) + tuple(
            os.path.join(path, "") for path in found
        )
    return _library


def _is_program(filename: str) -> bool:
    """True for a file of the program (not the standard library, a package, or twirly;
    ``<string>`` and ``<stdin>`` are the program's, ``<frozen ...>`` modules are not, and
    twirly's demo is a program)."""
    if filename.endswith(_DEMO):
        return True
    return not filename.startswith(("<frozen", *_library_paths()))


_DEMO = os.path.join("twirly", "demo.py")


def boundary_here() -> frozenset[CodeType]:
    """From inside a coroutine: the code of the frame that runs coroutine steps on this loop
    (asyncio's ``Handle._run``; under uvloop, the first Python frame below the loop).

    A stack with frames above it is running a step of some coroutine; a stack without it is
    the loop's own machinery, waiting or scheduling.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and not frame.f_code.co_flags & _CO_COROUTINE:
        frame = frame.f_back  # (twirly's own synchronous frames)
    while frame is not None and frame.f_code.co_flags & _CO_COROUTINE:
        frame = frame.f_back
    codes = frozenset() if frame is None else frozenset({frame.f_code})
    del frame
    return codes


def sample(thread_id: int, boundary: frozenset[CodeType], loop: object = None) -> Sample:
    """One look at the thread ``thread_id``'s stack; ``loop``, if given, names its task."""
    frames = sys._current_frames()
    frame = frames.get(thread_id)
    del frames
    above: list[tuple[str, str, int]] = []
    found = False
    while frame is not None:
        code = frame.f_code
        if code in boundary:
            found = True
            break
        name = code.co_qualname.rpartition("<locals>.")[2]  # (a nested function: its own name)
        above.append((name, code.co_filename, frame.f_lineno or code.co_firstlineno))
        frame = frame.f_back
    del frame
    if any(os.path.basename(name) in _PROMPTS and not _is_program(name) for _, name, _ in above):
        return Sample("paused")
    if not found or not above:
        return Sample("parked")
    program = [Site(*entry) for entry in above if _is_program(entry[1])]
    if not program:
        return Sample("parked")  # (the loop's or twirly's own code, between two steps)
    return Sample("blocked", program[0], program[1] if len(program) > 1 else None, _task_name(loop))


def _task_name(loop: object) -> str | None:
    asyncio = sys.modules.get("asyncio")
    if loop is None or asyncio is None:
        return None
    try:
        task = asyncio.current_task(loop)
    except Exception:
        return None
    return task.get_name() if task is not None else None


# -- the thread -------------------------------------------------------------------------------


class Watchdog:
    """A thread that watches one asyncio clock of a terminal (see the module's doc)."""

    def __init__(
        self,
        terminal: Terminal,
        clock: AsyncioClock,
        boundary: frozenset[CodeType],
        settings: Settings | None = None,
    ) -> None:
        self._terminal = terminal
        self._clock = clock
        self._boundary = boundary
        self.detector = Detector(settings or _settings)
        self._stop = StopFlag()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[Record], None]] = []
        self._guard = threading.Lock()  # the detector, between this thread and a closer
        # When this thread should next wake, the loop thread's CPU time at ``since``, and
        # the tick it waits for (woken, cpu, since, last, due, interval): to tell, later,
        # whether it was let run, and how busy the loop's thread was meanwhile.
        self._mark = (0.0, 0.0, 0.0, 0.0, 0.0, 0.1)
        self._alarm: Alarm | None = None  # (made by start(): this thread sleeps on it)
        self._holds = terminal.holds  # (Ctrl-Z stops the terminal's rows: not a block)
        self._cpu_clock: int | None = None  # the loop thread's CPU clock, once it runs
        self._block = (-1, 0.0)  # the ticks and the due time of the tick a block missed
        #: When a spinner on the loop began to stop (see stopping), until close_block.
        self._stopping: float | None = None

    def listen(self, listener: Callable[[Record], None]) -> None:
        """Call ``listener(record)`` for each block recorded from now on."""
        self._listeners.append(listener)

    def start(self) -> None:
        """From the loop's thread, as its clock starts: the alarm is set now (the loop may
        block before this thread first runs: a C call holding the GIL at once), then the
        thread starts."""
        clock = self._clock
        if clock.thread_id is not None and hasattr(time, "pthread_getcpuclockid"):
            try:
                self._cpu_clock = time.pthread_getcpuclockid(clock.thread_id)
            except OSError:
                pass
        # (Found here, not as the thread first looks: finding them reads files, letting go
        # of the GIL, and the loop thread must not run on past the line that blocked it.)
        _library_paths()
        self._alarm = self._set_alarm()
        self._thread = threading.Thread(target=self._run, name="twirly-watchdog", daemon=True)
        try:
            self._thread.start()
        except RuntimeError:  # (no new thread at the interpreter's shutdown)
            self._thread = None
            alarm, self._alarm = self._alarm, None
            if alarm is not None:
                clock.alarm = None
                alarm.close()
            raise

    def stop(self, *, join: bool = False) -> None:
        """Stop watching (idempotent); ``join``: wait for the thread to end."""
        self._stop.set()
        alarm = self._alarm
        if alarm is not None:
            self._clock.alarm = None
            alarm.set(0.0)  # (now: the thread sleeps on it)
        thread = self._thread
        if join and thread is not None and thread is not threading.current_thread():
            thread.join(1.0)

    def stopping(self) -> None:
        """A spinner on the loop begins to stop, before it waits for the terminal's lock
        (see :meth:`close_block`, which it then calls): what the loop thread does from now
        on is twirly's stop, not the program's, and is neither sampled nor counted."""
        if self._stopping is None:
            self._stopping = time.monotonic()

    @property
    def alive(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def _run(self) -> None:
        from twirly.echo import not_a_reader

        me = threading.get_native_id()
        not_a_reader(me)
        try:
            self._look_on()
        finally:
            not_a_reader(me, ends=True)
            alarm, self._alarm = self._alarm, None
            if alarm is not None:
                if self._clock.alarm is alarm:
                    self._clock.alarm = None
                alarm.close()

    def _set_alarm(self) -> Alarm | None:
        """An alarm the clock pushes forward at each tick (None: look now and then). Only
        where the loop thread's CPU time can be read: the alarm's notes of it are that."""
        if self._cpu_clock is None or not _use_alarm:
            return None
        from twirly.alarm import create

        share = self.detector.settings.takeover
        alarm = create(share)
        if alarm is None:
            return None
        clock = self._clock
        alarm.cpu, alarm.since = self._cpu(), clock.last_tick
        alarm.set(next_look(clock.last_tick, clock.due, share, 0.0)[0])
        clock.alarm = alarm
        return alarm

    def _look_on(self) -> None:
        clock, stop = self._clock, self._stop
        settings = self.detector.settings
        alarm = self._alarm  # (set by start(), in the loop's thread)
        while not stop.is_set():
            due, last, ticks = clock.due, clock.last_tick, clock.ticks
            clock.longest = 0.0
            if alarm is not None:
                if not self._wait_on(alarm, last, due, ticks):
                    return
                alarm = self._alarm  # (None once its timer failed)
                continue
            look, interval = next_look(last, due, settings.takeover)
            wait = look - time.monotonic()
            woken, cpu = time.monotonic() + max(wait, 0.0), self._cpu()
            self._mark = (woken, cpu, woken, last, due, interval)
            if wait > 0 and stop.wait(wait):
                return
            if not clock.alive:
                return
            if clock.ticks == ticks:
                self._watch(last, due, interval, ticks, woken=woken, cpu=cpu, since=woken)
            elif self._overdue(time.monotonic(), woken, interval) and (
                clock.longest >= settings.record
            ):
                # (Late here with the loop on time is only this thread kept from the GIL by
                # a loop that takes it back at once: no block.)
                now = time.monotonic()
                ended = min(due + clock.longest, now)
                self._frozen_meanwhile(last, due, ended, self._busy(now, woken, cpu))

    def _wait_on(self, alarm: Alarm, last: float, due: float, ticks: int) -> bool:
        """Sleep on ``alarm`` until the tick due at ``due`` is late, then watch the block;
        False when this thread is done (stopped, or the clock has)."""
        clock, settings = self._clock, self.detector.settings
        look, interval = next_look(last, due, settings.takeover, 0.0)
        if not alarm.set(look):  # (the timer failed: look now and then instead)
            clock.alarm, self._alarm = None, None
            alarm.close()
            return True
        if clock.ticks != ticks:
            return True  # (it ticked meanwhile: its push stands, not this one)
        if self._stop.is_set():
            return False  # (stop() fired the alarm before this set it again)
        if time.monotonic() < look:
            # (Not when already late: this thread may not have run for a while, a C call
            # holding the GIL since before it first waited; a wait lets go of the GIL.)
            alarm.wait(_ALARM_PATIENCE)
        # The first look at once, before anything that lets go of the GIL: after a C call
        # that held it, the loop thread is waiting for it now, still on the call's line.
        first = sample(clock.thread_id or 0, self._boundary, clock.loop)
        late = clock.ticks == ticks
        if not late and first.state == "blocked":
            # It ticked while this thread slept, each tick pushing the alarm on, and a step
            # of the program runs now (the tick is over): late for the tick due now?
            ticks, last, due = clock.ticks, clock.last_tick, clock.due
            look, interval = next_look(last, due, settings.takeover, 0.0)
            late = time.monotonic() >= look
        if self._stop.is_set() or not clock.alive:
            return False
        if late:
            # (the loop thread's CPU time at its last tick: the base for _busy)
            woken, since, cpu = alarm.at, alarm.since, alarm.cpu
            self._watch(last, due, interval, ticks, woken=woken, cpu=cpu, since=since, first=first)
        else:
            # It ticked before this thread looked. Had this thread been let run, it would
            # have seen a tick this late live: it was kept from the GIL (from its very start,
            # maybe: the alarm was set before it first ran).
            worst = alarm.worst
            if worst - settings.takeover * interval > max(settings.record, 2 * interval):
                last, due = alarm.worst_gap
                self._frozen_meanwhile(last, due, due + worst, alarm.worst_busy)
        alarm.drain()  # (gone off: read, so that the next wait sleeps)
        alarm.forget_worst()  # (counted from here on: the ticks since were watched)
        return True

    def _frozen_meanwhile(self, last: float, due: float, ended: float, busy: float) -> None:
        """The loop ticked again before this thread could run at all, after a tick due at
        ``due`` came at ``ended``: something held the whole process (a C call holding the
        GIL, SIGSTOP), and the loop thread was ``busy`` that share of the time. Say so, once."""
        clock = self._clock
        took = sample(clock.thread_id or 0, self._boundary, clock.loop)
        with self._terminal._lock:  # (as in _watch: the rows hear of it before they go)
            with self._guard:
                self.detector.begin(last, due)
                self.detector.frozen(busy, took)
                self._excuse_a_stop()
                # Ended when the late tick came (this thread may have woken later still).
                record = self.detector.end(ended)
            if record is not None:
                record = self._report(record)
        if record is not None:
            self.log(record)

    def _excuse_a_stop(self) -> None:
        # Under the guard: the person stopped the program (Ctrl-Z) since the last look.
        holds = self._terminal.holds
        if holds != self._holds:
            self._holds = holds
            if self.detector.active:
                self.detector.excuse()

    def _overdue(self, now: float, woken: float, interval: float) -> bool:
        """True when this thread woke long after it should have: it was not let run."""
        return now - woken > max(self.detector.settings.record, 2 * interval)

    def _busy(self, now: float, since: float, cpu: float) -> float:
        """The loop thread's CPU time since ``since`` (when it was ``cpu``) over the wall time
        (about 1: it held the GIL; about 0: the process was stopped, or another thread held
        it)."""
        return (self._cpu() - cpu) / max(now - since, 1e-9)

    def _cpu(self) -> float:
        """The loop thread's CPU time (the process's where a thread's cannot be read)."""
        clock_id = self._cpu_clock
        if clock_id is not None:
            try:
                return time.clock_gettime(clock_id)
            except OSError:
                self._cpu_clock = None
        return time.process_time()

    def _watch(
        self,
        last: float,
        due: float,
        interval: float,
        ticks: int,
        *,
        woken: float,
        cpu: float,
        since: float,
        first: Sample | None = None,
    ) -> None:
        """The loop missed its tick: draw and sample until it ticks again. ``woken`` is when
        this thread should have woken (a thread that wakes long after its time was not let
        run), ``cpu`` the loop thread's CPU time at ``since``; ``first``: a sample taken the
        moment this thread woke."""
        clock, stop, detector = self._clock, self._stop, self.detector
        thread_id = clock.thread_id
        if thread_id is None:
            return
        with self._guard:
            detector.begin(last, due)
            self._block = (ticks, due)
            self._mark = (woken, cpu, since, last, due, interval)
        loop = clock.loop
        warm = False
        while clock.ticks == ticks and clock.alive and not stop.is_set():
            now = time.monotonic()
            took = sample(thread_id, self._boundary, loop) if first is None else first
            first = None
            if self._terminal.asking:
                took = Sample("paused")  # (input() or getpass() waits for the person)
            with self._guard:
                if not detector.active:
                    break  # (closed by the spinner that stopped meanwhile)
                if self._overdue(now, woken, interval):
                    detector.frozen(self._busy(now, since, cpu), took)
                self._excuse_a_stop()
                if self._stopping is None:  # (else the loop thread is in a spinner's stop)
                    detector.add(took)
                label = "" if detector.paused else detector.label(now)
            # (Paused, the frame draws nothing while the rows are aside, but follows the
            # size for a pager that has the screen, and brings the rows back once answered.)
            delay = self._draw(label)
            if not warm:
                # The label's signs are not ASCII: measuring them loads wcwidth (tens of
                # ms), done after the first frame, not when the label is due.
                display_width("⚠ ·")
                warm = True
            # The next frame when it is due (and the label the moment it is), at the latest
            # an interval from now.
            wait = interval if delay is None else min(max(delay, 0.005), interval)
            show = detector.since + detector.settings.show
            if not label and show > now:
                wait = min(wait, max(show - time.monotonic(), 0.005))
            woken, cpu = time.monotonic() + wait, self._cpu()
            since = woken
            self._mark = (woken, cpu, since, last, due, interval)
            if stop.wait(wait):
                break
        self._draw("")
        # Under the terminal's lock, from the block's end to its report: a spinner that stops
        # meanwhile (its row detached, under that lock) either finds the block still open and
        # reports it itself (close_block), or hears of it before its row goes.
        with self._terminal._lock:
            with self._guard:
                # Ended with the late tick (the latest one may have come later still, if this
                # thread was slow to look).
                late = clock.ticks != ticks
                ended = min(due + clock.longest, clock.last_tick) if late else None
                record = detector.end(ended or time.monotonic()) if detector.active else None
            if stop.is_set():
                record = None  # (the spinner has gone, with its summary)
            if record is not None:
                record = self._report(record)
        if record is not None:
            self.log(record)

    def close_block(self) -> Record | None:
        """A spinner on the loop stops while the loop is late (the block ended in the very
        step that stops it): record the block now, up to the moment the stop began (see
        :meth:`stopping`), and tell the rows. If
        this thread could not even run meanwhile (a C call held the GIL), say that, without a
        site. Returns the record for the caller to :meth:`log` once it has let go of the
        terminal's lock (a spinner stopping holds it here)."""
        now = time.monotonic()
        # (The block ends where the stop began: waiting for the terminal's lock, with
        # another thread holding it, is twirly's, not the program's.)
        stopping, self._stopping = self._stopping, None
        if stopping is not None:
            now = min(now, stopping)
        # (the terminal's lock first, as when this thread ends a block: see _watch)
        with self._terminal._lock:
            with self._guard:
                detector = self.detector
                woken, cpu, since, last, due, interval = self._mark
                alarm = self._alarm
                if alarm is not None and not detector.active:
                    # (this thread sleeps on the alarm, which the clock keeps up to date)
                    last, due = self._clock.last_tick, self._clock.due
                    woken, cpu, since = alarm.at, alarm.cpu, alarm.since
                    interval = interval_of(last, due)
                missed = now - self._clock.last_tick - interval  # (how late the loop is now)
                if woken and self._overdue(now, woken, interval) and missed >= interval:
                    if not detector.active:
                        detector.begin(last, due)
                        self._block = (self._clock.ticks, due)  # (the tick it misses now)
                    detector.frozen(self._busy(now, since, cpu), Sample("blocked"))
                self._excuse_a_stop()
                ended = now
                ticks, late_due = self._block
                if detector.active and self._clock.ticks != ticks:
                    # The loop ticked again before this thread looked: it ended with that tick.
                    ended = min(late_due + self._clock.longest, self._clock.last_tick, now)
                record = detector.end(ended) if detector.active else None
            if record is not None:
                record = self._report(record)
        return record

    def _draw(self, label: str) -> float | None:
        """Draw the frame due, with ``label`` on the rows of the loop; the delay until the
        next frame (None: nothing drawn)."""
        terminal = self._terminal
        with terminal._lock:
            if self._stop.is_set() and label:
                return None
            rows = terminal.rows_on(self._clock.loop)
            if not terminal.caps.animate:
                return None
            note = f" {sanitize(label)}" if label else ""
            for row in rows:
                row.note = note
            return terminal.tick() if rows else None

    def _report(self, record: Record) -> Record:
        """Tell the listeners and the rows of the loop of ``record`` (under the terminal's
        lock, so that rows detached meanwhile hear of it first); returned with its line of
        code, for :meth:`_log` once that lock is let go."""
        if record.filename and record.lineno:
            import linecache

            line = linecache.getline(record.filename, record.lineno).strip()
            code, hash_, _ = line.partition("  #")  # (an inline comment is not the code)
            record = record._replace(line=code.rstrip() if hash_ and code else line)
        for listener in list(self._listeners):
            listener(record)
        self._terminal.report_block(self._clock.loop, record)
        return record

    @staticmethod
    def log(record: Record) -> None:
        """One WARNING on the ``twirly.watchdog`` logger (outside the terminal's lock: the
        program's handlers take locks of their own, and may write where twirly captures)."""
        import logging

        logger = logging.getLogger("twirly.watchdog")
        if not logger.handlers:
            # A library's logger: records reach the program's handlers if it has any, and
            # nothing is printed by logging's last resort when it has none (the spinner's
            # own summary says it).
            logger.addHandler(logging.NullHandler())
        logger.warning(
            "event loop %s %s",
            record.kind,
            summary_lines([record])[1].strip(),
            extra={"twirly_block": record},
        )


def _seconds(value: float) -> str:
    return f"~{value:.1f} s"


def summary_lines(blocks: Iterable[Record]) -> list[str]:
    """The end summary: a headline, then one line per block."""
    blocks = list(blocks)
    if not blocks:
        return []
    total = sum(block.duration for block in blocks)
    longest = max(block.duration for block in blocks)
    kinds = {block.kind for block in blocks}
    what = "blocked" if kinds <= {"blocked", "gil"} else "slowed"
    times = "1 time" if len(blocks) == 1 else f"{len(blocks)} times"
    lines = [
        f"⚠ event loop {what} {times}, {_seconds(total)} in total (longest {_seconds(longest)})"
    ]
    for block in blocks:
        parts = [_seconds(block.duration)]
        if block.kind in ("busy", "stalled"):
            parts.append("event loop busy" if block.kind == "busy" else "process stalled")
        else:
            if block.function is not None and block.filename is not None:
                parts.append(f"{block.function}()")
                parts.append(f"{os.path.basename(block.filename)}:{block.lineno}")
            if block.line:
                parts.append(block.line)
            if block.kind == "gil":
                parts.append("GIL held (no thread could run; driver='process' keeps turning)")
            tail = f"{block.agreeing}/{block.samples} samples"
            parts.append(f"task {block.task} · {tail}" if block.task else tail)
        lines.append("  " + "  ".join(parts))
        if block.called_from is not None and block.kind not in ("busy", "stalled"):
            lines.append(f"      called from {block.called_from}")
    return lines


# -- for the facades (a spinner, a group) ----------------------------------------------------

#: What a row's watchdog needs: where the loop's steps begin, and whom to tell of a block.
Watch = tuple[frozenset["CodeType"], "Callable[[Record], None]"]


def watch_here(asked: bool | None, on_block: Callable[[Record], None]) -> Watch | None:
    """For an asyncio spinner or group opened in this coroutine: what its watchdog needs
    (None when it is off: ``watchdog=False`` or ``TWIRLY_WATCHDOG=0``)."""
    if not enabled(asked):
        return None
    boundary = boundary_here()
    return (boundary, on_block) if boundary else None


#: Seconds between the ticks of a clock that draws nothing (a watchdog's heartbeat).
_HEARTBEAT = 0.1


def heartbeat(terminal: Terminal, watch: Watch) -> AsyncioClock:
    """Off a terminal no clock draws, but a watchdog needs ticks to miss: a clock on the loop
    that only ticks, watched like any (it records blocks and draws nothing)."""
    from twirly.drivers.asyncio import AsyncioClock

    clock = AsyncioClock(lambda: _HEARTBEAT, lambda: None)
    clock.heartbeat = True
    boundary, on_block = watch
    clock.watchdog = Watchdog(terminal, clock, boundary)
    clock.watchdog.listen(on_block)
    clock.start(_HEARTBEAT)
    return clock


def finish(terminal: Terminal, clocks: Iterable[object], blocks: list[Record]) -> None:
    """A spinner or group stops: its heartbeat clocks record what they saw and stop, and
    the blocks recorded while it ran are summed up after its final line."""
    for clock in clocks:
        watchdog = getattr(clock, "watchdog", None)
        if getattr(clock, "heartbeat", False) and watchdog is not None:
            record = watchdog.close_block()
            if record is not None:
                watchdog.log(record)
            clock.stop(join=False)  # type: ignore[attr-defined]
    if blocks:
        terminal.write_lines(summary_lines(blocks))
