"""The ``twirly`` command line (placeholder entry point until the CLI lands: demo and styles)."""

from __future__ import annotations

__all__ = ["run"]


def run(argv: list[str]) -> int:
    """Run the command line with ``argv`` (without the program name); return the exit status."""
    if argv[:1] == ["demo"]:
        from twirly.demo import main

        return main()
    import sys

    print("usage: twirly demo", file=sys.stderr)
    return 2
