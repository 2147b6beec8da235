"""CPU-bound work under a process spinner: another interpreter draws, so nothing here can stall it.

With ``driver="process"`` the frames come from a child process with its own GIL; this process
spends all of its time dividing and only talks to the child when the spinner starts and stops.

    python examples/spinner_prime_proc.py [NUMBER]
"""

from __future__ import annotations

from primes import is_prime, number_to_check, verdict

import twirly


def supervisor(n: int) -> bool:
    """Check ``n`` while a child process animates the spinner."""
    with twirly.spinner("thinking!", driver="process") as sp:
        print(f"spinner object: {sp!r} ({sp.driver})")
        return is_prime(n)


def main() -> None:
    n = number_to_check()
    print(verdict(n, supervisor(n)))


if __name__ == "__main__":
    main()
