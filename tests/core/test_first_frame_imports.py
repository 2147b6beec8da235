"""A first spinner is cheap to start: it imports nothing heavy that a bare interpreter lacks.

Timing is not asserted (it depends on the machine); what decides it is: `typing` alone costs
more than a first frame may, and brings `re`, `enum` and `contextlib`; `signal` brings `enum`.
"""

from __future__ import annotations

import subprocess
import sys

from tests.support.ptyrun import PtyProcess, clean_env

#: Modules the path to the first frame (and the spinner's whole life) does without.
NOT_NEEDED = (
    "contextlib",
    "dataclasses",
    "enum",
    "importlib",
    "inspect",
    "json",
    "math",
    "re",
    "signal",
    "typing",
    "wcwidth",
)  # (not `warnings`: Python 3.13's threading imports it)

LIST_MODULES = "import sys; print(' '.join(sorted(sys.modules)))"


def test_a_first_spinner_on_a_terminal_imports_no_typing_re_or_enum() -> None:
    bare = subprocess.run(
        [sys.executable, "-c", LIST_MODULES], capture_output=True, env=clean_env(), check=True
    )
    already = set(bare.stdout.decode().split())
    code = f'import twirly; sp = twirly.spinner("x").start(); sp.stop(); {LIST_MODULES}'
    with PtyProcess([sys.executable, "-c", code], stdout_pipe=True) as p:
        assert p.wait() == 0
        assert "⠋ x".encode() in p.output  # the first frame, drawn on the terminal
        loaded = set(p.stdout_data.decode().split())
    assert "twirly.terminal" in loaded
    added = loaded - already
    assert sorted(added.intersection(NOT_NEEDED)) == []


#: Modules a first frame does not wait for: loaded after it is drawn (the clock's thread, the
#: capture's reader, the reads of /proc that keep the GIL), they cost no time to first frame.
AFTER_THE_FIRST_FRAME = ("collections", "ctypes", "functools", "threading")

SPY_ON_THE_FIRST_FRAME = """\
import sys
import twirly.output
loaded = []
write = twirly.output.Output.write
def spying(self, text, *args):
    if not loaded:
        loaded.append(' '.join(sorted(sys.modules)))
    write(self, text, *args)
twirly.output.Output.write = spying
import twirly
sp = twirly.spinner("x").start()
sp.stop()
print(loaded[0])
"""


def test_a_first_frame_is_drawn_before_threading_functools_collections_and_ctypes_load() -> None:
    bare = subprocess.run(
        [sys.executable, "-c", LIST_MODULES], capture_output=True, env=clean_env(), check=True
    )
    already = set(bare.stdout.decode().split())
    with PtyProcess([sys.executable, "-c", SPY_ON_THE_FIRST_FRAME], stdout_pipe=True) as p:
        assert p.wait() == 0
        assert "⠋ x".encode() in p.output
        at_first_frame = set(p.stdout_data.decode().split())
    assert "twirly.terminal" in at_first_frame
    added = at_first_frame - already
    assert sorted(added.intersection(AFTER_THE_FIRST_FRAME)) == []
