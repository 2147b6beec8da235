"""A terminal ticked by hand, on a clock of its own, in a program whose pseudo-terminal is its
controlling terminal, as a person's is: the steps of a test, frame by frame, without sleeps.

A program given to :func:`run` follows :data:`PRELUDE`, which sets up ``term`` (the terminal
of its stderr, its clock ``now[0]``), ``style`` (dots), ``tick(count)`` (that many frames, one
interval apart) and ``say(step, **facts)`` (a line of the report :func:`run` returns).
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.ptyrun import PtyProcess, clean_env

PRELUDE = textwrap.dedent(r"""
    import json, sys
    import twirly.terminal as T
    from twirly.state import Row
    from twirly.styles import get_style

    report = open(sys.argv[1], "w")
    style = get_style("dots")
    term = T.terminal_for(sys.stderr)
    now = [100.0]
    term.now = lambda: now[0]

    def tick(count):
        for _ in range(count):
            now[0] += style.interval
            term.tick()

    def say(step, **facts):
        report.write(json.dumps({"step": step, **facts}) + "\n")
        report.flush()
""")


def _quiet(process: PtyProcess) -> None:
    """Nothing to type."""


def run(
    program: str,
    folder: Path,
    talk: Callable[[PtyProcess], None] = _quiet,
    timeout: float = 30.0,
) -> list[dict[str, Any]]:
    """Run :data:`PRELUDE` and ``program`` (dedented) from ``folder``, with ``talk`` typing
    what it needs to; the steps it said, in order, once it has ended well."""
    script, report = folder / "program.py", folder / "report"
    script.write_text(PRELUDE + textwrap.dedent(program))
    with PtyProcess([sys.executable, str(script), str(report)], env=clean_env()) as p:
        talk(p)
        assert p.wait(timeout=timeout) == 0, bytes(p.output)
    return [json.loads(line) for line in report.read_text().splitlines()]
