"""A child process turns the spinner while ``slow()`` blocks (the book's ``spinner_proc.py``).

With ``driver="process"`` a fresh interpreter draws the frames on the same terminal; this
process only tells it what to show, over a pipe.

    python examples/spinner_proc.py           # SLOW_SECONDS=1 to wait less
"""

from __future__ import annotations

import os
import time

import twirly

SLOW_SECONDS = float(os.environ.get("SLOW_SECONDS", "3"))


def slow() -> int:
    """Pretend to compute for a while, blocking this process."""
    time.sleep(SLOW_SECONDS)
    return 42


def supervisor() -> int:
    """Call ``slow()`` while a child process animates the spinner."""
    with twirly.spinner("thinking!", driver="process") as sp:
        print(f"spinner object: {sp!r} ({sp.driver})")
        return slow()


def main() -> None:
    result = supervisor()
    print(f"Answer: {result}")


if __name__ == "__main__":
    main()
