"""The book's experiment: ``time.sleep`` inside a coroutine freezes the asyncio spinner.

The event loop, the library and your coroutines all run in one thread. ``slow()`` below calls
``time.sleep`` instead of awaiting ``asyncio.sleep``, so it never hands the loop back: the
spinner's Task gets no turn until ``slow()`` returns, and the first frame (drawn when the
spinner starts) stays frozen on the screen the whole time.

    python examples/spinner_async_experiment.py      # SLOW_SECONDS=1 to wait less
"""

from __future__ import annotations

import asyncio
import os
import time

import twirly

SLOW_SECONDS = float(os.environ.get("SLOW_SECONDS", "3"))


async def slow() -> int:
    """Block the whole event loop: a coroutine that never awaits."""
    time.sleep(SLOW_SECONDS)  # the mistake on purpose: use `await asyncio.sleep(...)`
    return 42


async def supervisor() -> int:
    """Await ``slow()`` under an asyncio spinner that will not get to turn."""
    # As in the book: no watchdog (spinner_async_watchdog.py shows what it does).
    async with twirly.spinner("thinking!", watchdog=False) as sp:
        print(f"spinner object: {sp!r}")
        return await slow()


def main() -> None:
    result = asyncio.run(supervisor())
    print(f"Answer: {result}")


if __name__ == "__main__":
    main()
