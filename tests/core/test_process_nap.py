"""The process driver's parent sleeps while nothing in it runs: its drawing child watches the
parent's CPU time and wakes the parent's clock when it moves (see ChildLink.nap)."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.support.process_driver import NAPS_NOTED
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
    # A frame every 80 ms would be 25 ticks in those 2 s; sleeping up to NAP (3 s) at a
    # time, about 1.
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
    NAPS_NOTED
    + textwrap.dedent(r"""
    import os, sys, time, twirly

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


#: The parent's clock asleep (a minute at most), the terminal is resized while nothing in the
#: program runs; then the program reads its fd 1 (twirly's capture) for the size.
RESIZED_WHILE_ASLEEP = NAPS_NOTED + textwrap.dedent(r"""
    import os, sys, time, twirly

    sp = twirly.Spinner("first text", driver="process")
    sp.start()
    time.sleep(1.0)
    napped.clear()
    napped.wait(10)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("napping")
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(2.0)  # (resized meanwhile)
    size = os.get_terminal_size(1)
    sp.stop()
    print("capture", size.columns, size.lines)
""")


def test_a_resize_while_the_parents_clock_sleeps_reaches_the_capture_at_once(
    tmp_path: Path,
) -> None:
    # A resize runs nothing in the program: the drawing child wakes the parent's clock, which
    # gives the capture of fd 1/2 the new size (children of the program lay out on it).
    marker = tmp_path / "napping"
    argv = [sys.executable, "-c", RESIZED_WHILE_ASLEEP, str(marker)]
    with PtyProcess(argv, env=clean_env()) as p:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            p.read_for(0.05)
        assert marker.exists(), bytes(p.output)
        p.read_for(0.3)
        p.resize(15, 60)
        assert p.wait(timeout=15) == 0
        assert "capture 60 15" in p.screen().text, p.screen().text
