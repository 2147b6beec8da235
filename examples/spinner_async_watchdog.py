"""The book's experiment with twirly's watchdog: the blocked loop, made visible and explained.

``slow()`` blocks the event loop with ``time.sleep``, as in ``spinner_async_experiment.py``.
This time the spinner keeps its watchdog (on by default): a thread that notices the missed
frames, draws them itself, and looks at the loop thread's stack. The spinner keeps turning,
its line says for how long the loop has been blocked and where, and a summary names the line
when the spinner ends (``sp.blocks`` holds the same records).

    python examples/spinner_async_watchdog.py      # SLOW_SECONDS=1 to wait less
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
    """Await ``slow()`` under an asyncio spinner; its watchdog keeps it turning."""
    async with twirly.spinner("thinking!") as sp:
        print(f"spinner object: {sp!r}")
        result = await slow()
    for block in sp.blocks:
        print(f"blocked {block.duration:.1f} s in {block.function}() at line {block.lineno}")
    return result


def main() -> None:
    result = asyncio.run(supervisor())
    print(f"Answer: {result}")


if __name__ == "__main__":
    main()
