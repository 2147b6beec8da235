"""What the hostile-condition tests share: scripts run under a spinner, and byte checks.

``spinning(body, driver)`` builds a script whose ``body`` runs inside
``with twirly.spinner("spinning text", driver=...) as sp`` (``async with`` for asyncio). In
``body``, ``PAUSE(s)`` waits ``s`` seconds the driver's way (``await asyncio.sleep`` or
``time.sleep``), and ``say(text)`` writes a line to the script's stdout without twirly.
"""

from __future__ import annotations

import io
import os
import re
import textwrap
from pathlib import Path

from tests.support.frames import OWN_SEQUENCES
from tests.support.ptyrun import PtyProcess
from twirly.render import fit, sanitize
from twirly.state import Row

DRIVERS = ["thread", "asyncio", "process"]

TEXT = "spinning text"

#: A body that says READY, then waits until the test creates the file named ``GO`` (give
#: ``before=f"GO = {path!r}"``): the test decides when the program goes on, not a clock.
WAIT_FOR_GO = "print('READY', flush=True)\nwhile not os.path.exists(GO):\n    PAUSE(0.02)\n"


#: Bytes a terminal acts on, besides the line endings twirly and the pty use.
_FOREIGN = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")


def spinning(
    body: str,
    driver: str = "thread",
    *,
    text: str = TEXT,
    options: str = "",
    before: str = "",
    after: str = "",
) -> str:
    """A script running ``body`` under a spinner (see the module docstring)."""
    pause = "await asyncio.sleep" if driver == "asyncio" else "time.sleep"
    body = textwrap.dedent(body).replace("PAUSE(", f"{pause}(")
    indented = textwrap.indent(body, "        ")
    extra = f", {options}" if options else ""
    head = textwrap.dedent("""\
        import asyncio, os, signal, sys, threading, time, twirly
        def say(text):
            os.write(1, (str(text) + "\\n").encode())
        """) + textwrap.dedent(before)
    if driver == "asyncio":
        enter, call = "async def main():\n    async with", "asyncio.run(main())"
    else:
        enter, call = "def main():\n    with", "main()"
    run = f"{enter} twirly.spinner({text!r}, driver={driver!r}{extra}) as sp:\n{indented}\n{call}\n"
    return head + run + textwrap.dedent(after)


def start(code: str, **kwargs: object) -> PtyProcess:
    """Run ``code`` on a fresh pseudo-terminal."""
    return PtyProcess.python(code, **kwargs)


def foreign_controls(data: bytes | bytearray | str) -> list[str]:
    """Control characters and escape sequences in ``data`` that twirly did not mean to write.

    twirly's own sequences are removed first; what remains may hold only ``\\r`` and ``\\n``.
    """
    text = data if isinstance(data, str) else bytes(data).decode("utf-8", "replace")
    rest = OWN_SEQUENCES.sub("", text)
    return [f"{match.group()!r} at {match.start()}" for match in _FOREIGN.finditer(rest)]


def assert_clean_screen(p: PtyProcess, text: str = TEXT) -> None:
    """No spinner row left and the cursor visible: the terminal as a person wants it back."""
    screen = p.screen()
    assert screen.cursor_visible, bytes(p.output)[-400:]
    assert not any(text in line for line in screen.text_lines), screen.text


def children_of(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class FakeTerminal(io.StringIO):
    """An in-memory stream that says it is a terminal: twirly draws on it as on a tty."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        raise io.UnsupportedOperation("no descriptor")


def open_fds() -> int:
    """Descriptors open in this process now."""
    return len(os.listdir("/proc/self/fd"))


def expected_row(row: Row, now: float, cols: int) -> str:
    """What a row should show at ``now`` on ``cols`` columns: the glyph, then the safe text
    cut to fit with an ellipsis (the glyph alone, cut, when even it does not fit). A row
    never reaches the last column (but on a one-column screen)."""
    cols = max(cols - 1, 1)
    glyph = row.frames[row.frame_index(now)]
    if cols <= row.frame_width:
        return fit(glyph, cols, "")[0]
    text = sanitize(row.text)
    return glyph + fit(f" {text}" if text else "", cols - row.frame_width, "…")[0]


#: System calls a program waits in (x86_64, aarch64): sleeps, select/poll/epoll, futex.
_WAITS = frozenset(
    {
        "x86_64": {7, 23, 35, 202, 230, 232, 270, 271, 281, 441},
        "aarch64": {72, 73, 98, 101, 115, 22, 441},
    }.get(os.uname().machine, set())
)


def wait_until_waiting(p: PtyProcess, timeout: float = 10.0) -> None:
    """Return once the program's main thread waits in a system call (its sleep, its loop's
    poll) and stays there past a frame's reading.

    A signal that arrives while the main thread is between the interpreter's last check for
    signals and the blocking call (the instant after a print, say) runs its handler only
    when the call returns: that is CPython's, not what a person pressing Ctrl-C meets.
    """
    import time

    pid = p.proc.pid
    deadline = time.monotonic() + timeout
    seen = 0
    while seen < 2:
        assert time.monotonic() < deadline, "the program's main thread never waited"
        try:
            with open(f"/proc/{pid}/syscall", "rb") as file:
                first = file.read().split(b" ", 1)[0]
            waiting = first.isdigit() and int(first) in _WAITS
        except OSError:
            with open(f"/proc/{pid}/stat", "rb") as file:
                waiting = file.read().rpartition(b")")[2].split()[0] == b"S"
        seen = seen + 1 if waiting else 0
        p.read_for(0.02)
