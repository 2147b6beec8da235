"""CPU-bound work in a coroutine freezes the asyncio spinner (fixed in ``..._nap.py``).

``supervisor`` awaits a coroutine that calls the plain ``is_prime``: it never awaits while
dividing, so the event loop, which runs the spinner's Task in this same thread, is stuck until
the answer comes. The first frame stays on the screen, frozen.

    python examples/spinner_prime_async_broken.py [NUMBER]
"""

from __future__ import annotations

import asyncio

from primes import is_prime, number_to_check, verdict

import twirly


async def check(n: int) -> bool:
    """A coroutine in name only: nothing in it awaits."""
    return is_prime(n)


async def supervisor(n: int) -> bool:
    """Check ``n`` under an asyncio spinner that will not get to turn."""
    # As in the book: no watchdog (spinner_async_watchdog.py shows what it does).
    async with twirly.spinner("thinking!", watchdog=False) as sp:
        print(f"spinner object: {sp!r}")
        return await check(n)


def main() -> None:
    n = number_to_check()
    print(verdict(n, asyncio.run(supervisor(n))))


if __name__ == "__main__":
    main()
