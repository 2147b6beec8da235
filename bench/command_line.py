"""The ``twirly`` command: start-up over running the command bare, and output throughput.

Both on a pty, like a person's terminal. Measured only when ``python -m twirly -- true``
works here (the command-line tool may not exist yet in a checkout).
"""

from __future__ import annotations

import shlex
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.plan import Plan
from bench.session import Session, run_child

LINE = "x" * 79  # 80 bytes with the newline


def twirly_command() -> list[str]:
    """The installed ``twirly`` script next to this interpreter, else ``python -m twirly``."""
    script = Path(sys.executable).with_name("twirly")
    return [str(script)] if script.exists() else [sys.executable, "-m", "twirly"]


def _run(argv: list[str], *, keep_output: bool = True, timeout: float = 60) -> Session:
    return run_child(argv, timeout=timeout, report_fd=False, keep_output=keep_output)


def availability() -> str | None:
    """None when the command line works; otherwise why it cannot be measured."""
    try:
        plain = _run([sys.executable, "-m", "twirly", "--", "true"], timeout=20)
        shown = _run([*twirly_command(), "--show-output", "--", "echo", "shown"], timeout=20)
    except (OSError, TimeoutError) as error:
        return f"not available ({error})"
    if plain.returncode != 0:
        return f"not available (`python -m twirly -- true` exited {plain.returncode})"
    if shown.returncode != 0 or b"shown" not in shown.output:
        return f"not available (`twirly --show-output -- echo shown` exited {shown.returncode})"
    return None


def startup(plan: Plan) -> dict[str, float]:
    """Median wall time of ``twirly -- true`` and of ``true``, interleaved (milliseconds)."""
    true = shutil.which("true") or "/bin/true"
    bare: list[float] = []
    wrapped: list[float] = []
    for _ in range(plan.cli_runs):
        for argv, times in (([true], bare), ([*twirly_command(), "--", true], wrapped)):
            session = _run(argv)
            if session.returncode != 0:
                raise RuntimeError(f"{argv} exited {session.returncode}: {session.output!r}")
            times.append((session.ended - session.started) * 1000)
    twirly_ms, bare_ms = statistics.median(wrapped), statistics.median(bare)
    return {"twirly_ms": twirly_ms, "bare_ms": bare_ms, "over_bare_ms": twirly_ms - bare_ms}


def throughput(plan: Plan) -> dict[str, Any]:
    """MB/s of ~N MB of lines through ``twirly --show-output`` and through ``| cat``."""
    size = plan.cli_megabytes * 1_000_000
    producer = f"yes {LINE} | head -c {size}"
    variants = {
        "cat": ["sh", "-c", f"{producer} | cat"],
        "twirly": [*twirly_command(), "--show-output", "--", "sh", "-c", producer],
    }
    rates: dict[str, list[float]] = {key: [] for key in variants}
    received: dict[str, int] = {}
    for _ in range(plan.cli_repeats):
        for key, argv in variants.items():
            session = _run(argv, keep_output=False, timeout=300)
            if session.returncode != 0:
                raise RuntimeError(f"{shlex.join(argv)} exited {session.returncode}")
            rates[key].append(size / 1e6 / (session.ended - session.started))
            received[key] = session.size
    cat, twirly = statistics.median(rates["cat"]), statistics.median(rates["twirly"])
    return {
        "megabytes": plan.cli_megabytes,
        "cat_mb_s": cat,
        "twirly_mb_s": twirly,
        "share_of_cat": twirly / cat,
        "bytes_received": received,
    }


def measure(plan: Plan) -> dict[str, Any]:
    """Everything about the command line, or why it was not measured."""
    missing = availability()
    if missing is not None:
        return {"available": False, "why": missing}
    return {"available": True, "startup": startup(plan), "throughput": throughput(plan)}
