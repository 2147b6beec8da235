"""CPU-bound work in a coroutine, with naps so the asyncio spinner keeps turning.

A coroutine that computes without awaiting starves the event loop (see
``spinner_prime_async_broken.py``). This ``is_prime`` awaits ``asyncio.sleep(0)`` after every
``NAP_EVERY`` divisors: a nap of no time at all, but a turn of the loop, in which the spinner's
Task draws its frame when one is due.

    python examples/spinner_prime_async_nap.py [NUMBER]
"""

from __future__ import annotations

import asyncio
import math

from primes import number_to_check, verdict

import twirly

NAP_EVERY = 50_000  # divisors between naps: about 2 ms of work, well under a frame (80 ms)


async def is_prime(n: int) -> bool:
    """Trial division that hands the event loop back every ``NAP_EVERY`` divisors."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    last = math.isqrt(n)
    for first in range(3, last + 1, 2 * NAP_EVERY):
        stretch = range(first, min(first + 2 * NAP_EVERY, last + 1), 2)
        if not all(n % divisor for divisor in stretch):
            return False
        await asyncio.sleep(0)  # the nap: let the loop run the spinner's Task
    return True


async def supervisor(n: int) -> bool:
    """Check ``n`` under an asyncio spinner."""
    async with twirly.spinner("thinking!") as sp:
        print(f"spinner object: {sp!r}")
        return await is_prime(n)


def main() -> None:
    n = number_to_check()
    print(verdict(n, asyncio.run(supervisor(n))))


if __name__ == "__main__":
    main()
