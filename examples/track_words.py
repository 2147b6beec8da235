"""Progress over an iterable: ``twirly.track`` and ``sp.track``.

Counts the words of generated lines, twice: under ``twirly.track`` (a spinner of its own,
the total from ``len()``, a final ``✔`` line), then over a generator, which has no length,
on a spinner the program already has (``sp.track``), which names the line it is on.

The lines are generated, not read: the same words every run.

    python examples/track_words.py              # TRACK_LINES=2000 for a smaller run
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator

import twirly

TRACK_LINES = int(os.environ.get("TRACK_LINES", "200000"))
#: Seconds of pretend work every 100 lines of the second pass (it reads "slowly").
PAUSE = float(os.environ.get("TRACK_PAUSE", "0.002"))
WORDS = ["spinner", "frame", "glyph", "terminal", "row", "clock", "loop", "count"]


def lines(count: int) -> list[str]:
    """``count`` lines of two to eight words (the same for the same count)."""
    pick = random.Random(count)
    return [" ".join(pick.choices(WORDS, k=pick.randint(2, 8))) for _ in range(count)]


def numbered(text: list[str]) -> Iterator[tuple[int, str]]:
    """The lines with their numbers, one at a time (a generator: no len())."""
    yield from enumerate(text, 1)


def main() -> None:
    text = lines(TRACK_LINES)
    words = 0
    for line in twirly.track(text, "Counting words"):
        words += len(line.split())
    print(f"{words:,} words")

    longest = 0
    with twirly.spinner("Finding the longest line") as sp:
        for number, line in sp.track(numbered(text)):
            longest = max(longest, len(line))
            if number % 10_000 == 0:
                sp.text = f"Finding the longest line (at {number:,})"
            if number % 100 == 0:
                time.sleep(PAUSE)
        sp.ok()
    print(f"longest line: {longest} characters")


if __name__ == "__main__":
    main()
