"""An asyncio Task turns the spinner while ``slow()`` awaits (the book's ``spinner_async.py``).

``async with twirly.spinner(...)`` inside a coroutine puts the spinner on the running event
loop as a Task; ``await asyncio.sleep`` in ``slow()`` hands the loop back, so it keeps turning.

    python examples/spinner_async.py          # SLOW_SECONDS=1 to wait less
"""

from __future__ import annotations

import asyncio
import os

import twirly

SLOW_SECONDS = float(os.environ.get("SLOW_SECONDS", "3"))


async def slow() -> int:
    """Pretend to compute for a while, without blocking the event loop."""
    await asyncio.sleep(SLOW_SECONDS)
    return 42


async def supervisor() -> int:
    """Await ``slow()`` under a spinner; leaving the block clears the spinner line."""
    async with twirly.spinner("thinking!") as sp:
        print(f"spinner object: {sp!r} ({sp.driver})")
        return await slow()


def main() -> None:
    result = asyncio.run(supervisor())
    print(f"Answer: {result}")


if __name__ == "__main__":
    main()
