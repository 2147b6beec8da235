"""A thread turns the spinner while ``slow()`` blocks (the book's ``spinner_thread.py``).

A plain ``with twirly.spinner(...)`` starts a daemon thread that waits on an ``Event`` between
frames; ``time.sleep`` releases the GIL, so the thread keeps drawing.

    python examples/spinner_thread.py         # SLOW_SECONDS=1 to wait less
"""

from __future__ import annotations

import os
import time

import twirly

SLOW_SECONDS = float(os.environ.get("SLOW_SECONDS", "3"))


def slow() -> int:
    """Pretend to compute for a while, blocking this thread."""
    time.sleep(SLOW_SECONDS)
    return 42


def supervisor() -> int:
    """Call ``slow()`` under a spinner; leaving the block stops the thread and clears the line."""
    with twirly.spinner("thinking!") as sp:
        print(f"spinner object: {sp!r} ({sp.driver})")
        return slow()


def main() -> None:
    result = supervisor()
    print(f"Answer: {result}")


if __name__ == "__main__":
    main()
