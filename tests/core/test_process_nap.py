"""The process driver's parent sleeps while nothing in it runs: its drawing child watches the
parent's CPU time and wakes the parent's clock when it moves (see ChildLink.nap)."""

from __future__ import annotations

import json
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.support.ptyrun import PtyProcess, clean_env
from twirly.steady import possible

pytestmark = pytest.mark.skipif(not possible(), reason="steady frames are Linux's")

COUNTED = textwrap.dedent(r"""
    import json, sys, time, twirly
    import twirly.terminal as T

    ticks = [0]
    tick = T.Terminal.tick

    def counted(self):
        ticks[0] += 1
        return tick(self)

    T.Terminal.tick = counted
    sp = twirly.Spinner("napping", driver="process")
    sp.start()
    time.sleep(1.0)  # (the child starts, the frames become steady, the clock sleeps)
    before = ticks[0]
    time.sleep(2.0)
    during = ticks[0] - before
    sp.stop()
    with open(sys.argv[1], "w") as f:
        json.dump({"ticks": during}, f)
""")


def test_the_parents_clock_sleeps_while_nothing_in_the_program_runs(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with PtyProcess([sys.executable, "-c", COUNTED, str(report)], env=clean_env()) as p:
        assert p.wait(timeout=30) == 0, bytes(p.output)
    ticks = json.loads(report.read_text())["ticks"]
    # A frame every 80 ms would be 25 ticks in those 2 s; sleeping up to NAP (1 s) at a
    # time, about 2.
    assert ticks < 8, ticks


#: The end of both programs below: the time written to the file named, the text set, and the
#: spinner left to turn for 2 s.
SET_SECOND_TEXT = textwrap.dedent(r"""
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(time.monotonic()))
    sp.text = "second text"
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(2.0)
    sp.stop()
""")

SET_WHILE_ASLEEP = (
    textwrap.dedent(r"""
    import os, sys, time, twirly, twirly.child

    twirly.child.NAP = 60.0  # (only the child's word can wake the parent's clock in time)
    sp = twirly.Spinner("first text", driver="process")
    sp.start()
    time.sleep(1.5)
""")
    + SET_SECOND_TEXT
)


def _second_text_shown(program: str, marker: Path) -> PtyProcess:
    """Run ``program``, which writes the time it sets its spinner's text to "second text"
    into ``marker``; return the session once that text is on screen (asserted: within 1 s,
    a frame or two of the child's, not when the program stops 2 s on) and the program has
    ended well."""
    with PtyProcess([sys.executable, "-c", program, str(marker)], env=clean_env()) as p:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            p.read_for(0.05)
        assert marker.exists(), bytes(p.output)
        since = float(marker.read_text())
        while time.monotonic() < deadline and not any(
            b"second text" in chunk for at, chunk in p.chunks if at > since
        ):
            p.read_for(0.05)
        shown = [at for at, chunk in p.chunks if at > since and b"second text" in chunk]
        assert shown, bytes(p.output)
        assert shown[0] - since < 1.0, shown[0] - since
        assert p.wait(timeout=15) == 0
    return p


def test_a_text_set_while_the_parents_clock_sleeps_is_drawn_at_once(tmp_path: Path) -> None:
    p = _second_text_shown(SET_WHILE_ASLEEP, tmp_path / "set")
    assert p.screen().cursor_visible


SET_AS_IT_FALLS_ASLEEP = (
    textwrap.dedent(r"""
    import os, sys, threading, time, twirly, twirly.child

    twirly.child.NAP = 60.0  # (only the child's word can wake the parent's clock in time)
    napped = threading.Event()
    nap = twirly.child.ChildLink.nap

    def noted(self, others):
        delay = nap(self, others)
        napped.set()
        return delay

    twirly.child.ChildLink.nap = noted
    sp = twirly.Spinner("first text", driver="process")
    sp.start()
    time.sleep(1.0)
    napped.clear()
    napped.wait(10)  # (a nap begins: the text is set before the child has looked at all)
""")
    + SET_SECOND_TEXT
)


def test_a_text_set_as_the_parents_clock_falls_asleep_is_drawn_at_once(tmp_path: Path) -> None:
    # What the other threads had run is read before the texts are forwarded, not by the
    # child a frame later: a text set in between is not taken for what was already there.
    _second_text_shown(SET_AS_IT_FALLS_ASLEEP, tmp_path / "set")


#: The drawing child dies while the pipes to it still look open: an exiting process lets go
#: of its files one by one, the last opened (the wake pipe) first, and under load it may be
#: preempted in between. Here its other pipes are held open by the program for good, so that
#: the wake pipe's end is all the parent hears. It then notes when (the monotonic clock is the
#: same in every process) and spins on until the test says enough.
CHILD_GONE_PIPES_OPEN = textwrap.dedent(r"""
    import os, signal, sys, threading, time, twirly, twirly.child

    twirly.child.NAP = 60.0  # (a clock that sleeps on a dead child would sleep for good)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    napped = threading.Event()
    nap = twirly.child.ChildLink.nap

    def noted(self, others):
        delay = nap(self, others)
        napped.set()
        return delay

    twirly.child.ChildLink.nap = noted
    with twirly.spinner("spinning text", driver="process"):
        children = []  # (started by a thread of ours: each lists its own)
        while not children:
            for task in os.listdir("/proc/self/task"):
                with open(f"/proc/self/task/{task}/children") as f:
                    children += [int(pid) for pid in f.read().split()]
            time.sleep(0.01)
        child = children[0]
        held = [os.open(f"/proc/{child}/fd/0", os.O_RDONLY | os.O_NONBLOCK),
                os.open(f"/proc/{child}/fd/1", os.O_WRONLY | os.O_NONBLOCK)]
        napped.clear()
        napped.wait(10)  # (the parent's clock asleep)
        os.kill(child, signal.SIGKILL)
        with open(sys.argv[1] + ".tmp", "w") as f:
            f.write(str(time.monotonic()))
        os.rename(sys.argv[1] + ".tmp", sys.argv[1])
        signal.sigtimedwait({signal.SIGUSR1}, 30)
""")


def test_a_drawing_child_gone_while_its_pipes_look_open_is_noticed_at_once(
    tmp_path: Path,
) -> None:
    # The wake pipe's end says the child has gone, before its other pipes may: the clock
    # woken by it does not go back to sleep on the child, it draws here at once.
    killed = tmp_path / "killed"
    argv = [sys.executable, "-c", CHILD_GONE_PIPES_OPEN, str(killed)]
    glyphs = [g.encode() for g in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"]
    with PtyProcess(argv, env=clean_env()) as p:
        deadline = time.monotonic() + 30
        while not killed.exists() and time.monotonic() < deadline:
            p.read_for(0.05)
        assert killed.exists(), bytes(p.output)
        since = float(killed.read_text())
        later: list[float] = []
        while len(later) < 3 and time.monotonic() < deadline:  # (drawn here again: turning)
            p.read_for(0.05)
            later = [at for at, c in p.chunks if at > since and any(g in c for g in glyphs)]
        assert len(later) >= 3, p.chunks
        assert later[0] - since < 0.5, later[0] - since
        p.send_signal(signal.SIGUSR1)
        assert p.wait(timeout=15) == 0
        screen = p.screen()
        assert screen.cursor_visible
        assert "spinning text" not in screen.text
