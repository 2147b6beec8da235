"""Trial division, slow on purpose: the CPU-bound work of the prime-checking examples."""

from __future__ import annotations

import math
import os
import sys

# A prime near 5 * 10**15: about 35 million odd divisors to try, a second or more of pure Python.
BIG_PRIME = 5_000_111_000_222_021


def number_to_check() -> int:
    """The number given on the command line, else ``$PRIME_NUMBER``, else ``BIG_PRIME``."""
    given = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PRIME_NUMBER", "")
    return int(given) if given else BIG_PRIME


def is_prime(n: int) -> bool:
    """True when ``n`` is prime; holds the CPU (and the GIL) the whole time."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    return all(n % divisor for divisor in range(3, math.isqrt(n) + 1, 2))


def verdict(n: int, prime: bool) -> str:
    """``"5_000_111_000_222_021 is prime"`` or ``"... is not prime"``."""
    return f"{n:_d} {'is' if prime else 'is not'} prime"
