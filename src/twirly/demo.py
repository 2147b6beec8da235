"""``twirly demo``: chapter 19 of *Fluent Python* ("Spinner with Coroutines"), replayed.

The same ``slow()`` (a pretend computation answering 42) runs under the three clocks, an
asyncio event loop, a thread and a child process, and the spinner turns in each. Then the book's
experiment: a coroutine that calls ``time.sleep`` blocks the event loop, and the asyncio
spinner freezes on its first frame. Then the same experiment with twirly's watchdog (on by
default; the experiment turned it off): the spinner keeps turning, and the blocking line is
named, live and in a summary. Last, where the lesson leads: many coroutines on one display,
a :func:`twirly.group` of pretend downloads, a few of them failing.

The book's replay takes about ten seconds (``TWIRLY_DEMO_SECONDS`` sets that), and the group
three tenths as long again. Off a terminal there is no animation, only the lines.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import sys
import time
from collections.abc import Callable

import twirly

__all__ = ["main"]

TOTAL_SECONDS_VARIABLE = "TWIRLY_DEMO_SECONDS"
DEFAULT_TOTAL_SECONDS = 10.0
ANSWER = 42

WHY_IT_FROZE = (
    "The spinner froze: the event loop, the library and your coroutines all run in one "
    "thread, so a coroutine that blocks without awaiting (here time.sleep) stops the loop, "
    "and the spinner's frames with it. Await asyncio.sleep instead, or hand blocking work to a "
    "thread."
)
MANY_TASKS = (
    "And where the lesson leads: many coroutines on one event loop, on one display. "
    "twirly.group gives rows to the downloads that run longest, counts the rest, and "
    "prints each failure above the rows as it happens."
)
#: The group's length, as a share of the book's replay.
GROUP_SHARE = 0.3
DOWNLOADS = 600
FAILING = frozenset({97, 311, 523})
MAX_LINE = 72  # columns: short lines read better, and the demo's text never wraps mid-word


def total_seconds(environ: dict[str, str] | os._Environ[str]) -> float:
    """The length of the whole demo: ``TWIRLY_DEMO_SECONDS``, or ten seconds."""
    raw = environ.get(TOTAL_SECONDS_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_TOTAL_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{TOTAL_SECONDS_VARIABLE} must be a number of seconds, not {raw!r}")
    return seconds


# -- the four runs of slow() ---------------------------------------------------------------


async def _asyncio_run(seconds: float) -> int:
    async def slow() -> int:
        await asyncio.sleep(seconds)  # hands the loop back: it keeps drawing the spinner
        return ANSWER

    async with twirly.spinner("thinking!"):
        return await slow()


def _blocking_slow(seconds: float) -> int:
    time.sleep(seconds)
    return ANSWER


def _thread_run(seconds: float) -> int:
    with twirly.spinner("thinking!"):
        return _blocking_slow(seconds)


def _process_run(seconds: float) -> int:
    with twirly.spinner("thinking!", driver="process"):
        return _blocking_slow(seconds)


async def _experiment_run(seconds: float) -> int:
    async def slow() -> int:
        time.sleep(seconds)  # the book's experiment: blocks the event loop, on purpose
        return ANSWER

    async with twirly.spinner("thinking! (watch it freeze)", watchdog=False):
        return await slow()


async def _watchdog_run(seconds: float) -> int:
    async def slow() -> int:
        time.sleep(seconds)  # the same mistake: the watchdog draws and says where it is
        return ANSWER

    async with twirly.spinner("thinking! (watchdog on)"):
        return await slow()


Step = tuple[str, Callable[[float], int]]

STEPS: tuple[Step, ...] = (
    (
        "asyncio: the event loop turns it while slow() awaits",
        lambda seconds: asyncio.run(_asyncio_run(seconds)),
    ),
    ("thread: a daemon thread turns it while slow() blocks in time.sleep()", _thread_run),
    ("process: a child process turns it while slow() blocks this one", _process_run),
    (
        "the experiment: slow() is a coroutine that calls time.sleep()",
        lambda seconds: asyncio.run(_experiment_run(seconds)),
    ),
    (
        "the same experiment with twirly's watchdog, on by default",
        lambda seconds: asyncio.run(_watchdog_run(seconds)),
    ),
)

WHAT_THE_WATCHDOG_DID = (
    "The watchdog is a thread beside the spinner's Task: when a tick is late it draws the "
    "frames itself and looks at the loop thread's stack, so the spinner kept turning and the "
    "line that blocked the loop is named above."
)


# -- many tasks on one display ------------------------------------------------------------


async def _download(number: int, seconds: float, rng: random.Random) -> int:
    """A pretend download of ``seconds`` at most, in four chunks; some fail halfway."""
    row = twirly.current()
    # Most end in a blink; one in twenty takes (nearly) the whole time, and those get rows.
    share = rng.uniform(0.8, 1.0) if number % 20 == 7 else rng.random() ** 3
    size = rng.randint(50, 5_000)
    for chunk in range(4):
        row.text = f"{chunk * 25:2d}% of {size:,} kB"
        await asyncio.sleep(share * seconds / 4)
        if number in FAILING and chunk == 1:
            raise ConnectionResetError("reset by peer")
    return size


async def _group_run(seconds: float) -> list[int | BaseException]:
    rng = random.Random(42)
    names = [f"mirror.example/{number:03d}.tgz" for number in range(DOWNLOADS)]
    async with twirly.group("Downloading") as g:
        return await g.gather(
            *(_download(number, seconds, rng) for number in range(DOWNLOADS)),
            titles=names,
            return_exceptions=True,
        )


def many_tasks(seconds: float) -> None:
    """The group: ``DOWNLOADS`` pretend downloads, ``seconds`` long, then what came of them."""
    _say()
    _say(MANY_TASKS)
    results = asyncio.run(_group_run(seconds))
    failed = sum(isinstance(result, BaseException) for result in results)
    _say(f"{len(results) - failed:,} downloaded, {failed} failed")


# -- the replay ----------------------------------------------------------------------------


def _say(text: str = "", indent: str = "") -> None:
    """Print ``text`` wrapped to the terminal (72 columns at most), continuing after ``indent``."""
    import shutil
    import textwrap

    width = min(shutil.get_terminal_size().columns, MAX_LINE)
    print(textwrap.fill(text, width, subsequent_indent=indent) if text else "", flush=True)


def replay(seconds: float) -> None:
    """Run the steps, ``seconds`` in all, printing what each one shows."""
    _say("twirly demo: Fluent Python, chapter 19, 'Spinner with Coroutines'")
    per_step = seconds / len(STEPS)
    for number, (title, run) in enumerate(STEPS, start=1):
        _say()
        _say(f"{number}/{len(STEPS)} {title}", indent="    ")
        _say(f"Answer: {run(per_step)}")
        if run is STEPS[3][1]:
            _say()
            _say(WHY_IT_FROZE)
    _say()
    _say(WHAT_THE_WATCHDOG_DID)
    many_tasks(seconds * GROUP_SHARE)


def main() -> int:
    """Replay the chapter; return the exit status (2: a bad ``TWIRLY_DEMO_SECONDS``)."""
    try:
        seconds = total_seconds(os.environ)
    except ValueError as error:
        print(f"twirly demo: {error}", file=sys.stderr)
        return 2
    try:
        replay(seconds)
    except KeyboardInterrupt:
        return 130  # the spinners have already put the screen back; no traceback for Ctrl-C
    except BrokenPipeError:
        # `twirly demo | head`: the reader has gone; keep the interpreter's exit flush quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1
    return 0
