"""CPU-bound work under a thread spinner: the interpreter's GIL switching lets it turn.

``is_prime`` holds the GIL, but CPython makes a running thread give it up every 5 ms
(``sys.getswitchinterval()``), so the spinner's thread still gets to draw its frames.

    python examples/spinner_prime_thread.py [NUMBER]
"""

from __future__ import annotations

from primes import is_prime, number_to_check, verdict

import twirly


def supervisor(n: int) -> bool:
    """Check ``n`` while a thread animates the spinner."""
    with twirly.spinner("thinking!") as sp:
        print(f"spinner object: {sp!r} ({sp.driver})")
        return is_prime(n)


def main() -> None:
    n = number_to_check()
    print(verdict(n, supervisor(n)))


if __name__ == "__main__":
    main()
