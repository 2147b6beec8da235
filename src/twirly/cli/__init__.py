"""The ``twirly`` command line: run a command under a spinner, ``styles``, ``demo``.

Only the entry point lives here; each part is imported when it is used, so that
``twirly -- true`` pays for nothing it does not need.
"""

from __future__ import annotations

__all__ = ["run"]


def run(argv: list[str]) -> int:
    """Run the command line with ``argv`` (without the program name); return the exit status
    (or end this process by the signal that ended the command: see ``command.main``)."""
    from twirly.terminal import leave_others_alone

    # The command line reads its command's output and sets the terminal's modes itself.
    leave_others_alone()
    if argv[:1] == ["demo"]:
        from twirly.demo import main as demo

        return demo()
    if argv[:1] == ["styles"]:
        from twirly.cli.catalogue import main as styles

        return styles(argv[1:])
    from twirly.cli.command import main

    return main(argv)
