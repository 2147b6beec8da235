"""``twirly styles [NAME...]``: the catalogue, animated, a screenful at a time, with names.

On a terminal each page of styles spins for a few seconds (Ctrl-C ends the show), then is
left as lines to read and pick from; off a terminal there are only those lines: each
style's name, its interval and its frames.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twirly.styles import Style
    from twirly.terminal import Terminal

__all__ = ["main"]

PAGE_SECONDS = 3.0


def _choose(names: Sequence[str]) -> list[str] | str:
    """The styles to show, or an error message naming the unknown one."""
    from twirly.styles import get_style, style_names

    if not names:
        return style_names()
    for name in names:
        try:
            get_style(name)
        except ValueError as error:
            return str(error)
    return list(names)


def main(argv: Sequence[str]) -> int:
    """Show the styles named in ``argv`` (all when none); return the exit status."""
    if argv[:1] in (["-h"], ["--help"]):
        print(
            "usage: twirly styles [NAME...]\n\n"
            "Show spinner styles, animated a page at a time, then listed with their names."
        )
        return 0
    chosen = _choose(argv)
    if isinstance(chosen, str):
        print(f"twirly: {chosen}", file=sys.stderr)
        return 2
    from twirly.terminal import terminal_for

    terminal = terminal_for(sys.stdout)
    if not terminal.animates:
        try:
            _list(chosen)
        except BrokenPipeError:
            _silence_stdout()  # `| head` has read enough: no traceback, now or at exit
        return 0
    try:
        _animate(chosen, terminal)
    except KeyboardInterrupt:
        return 130
    return 0


def _silence_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _list(names: Sequence[str], width: int | None = None) -> None:
    """A line for each style: its name (in ``width`` columns: the longest name's), its
    interval and its frames."""
    from twirly.styles import get_style

    if width is None:
        width = max(map(len, names), default=0)
    for name in names:
        style = get_style(name)
        frames = " ".join(style.frames)
        print(f"{name:<{width}}  {style.interval * 1000:>4.0f} ms  {frames}")


def _page_size() -> int:
    import os

    try:
        rows = os.get_terminal_size(sys.stdout.fileno()).lines
    except (OSError, ValueError):
        rows = 24
    return max(min(rows - 2, 30), 1)


def _showable(names: Sequence[str], terminal: Terminal) -> list[str]:
    """The styles this terminal can draw (only ASCII ones where Unicode cannot be shown)."""
    from twirly.styles import get_style

    def fits(style: Style) -> bool:
        return style.is_ascii or (
            terminal.caps.unicode and style.can_encode(terminal.encoding or "utf-8")
        )

    return [name for name in names if fits(get_style(name))]


def _animate(names: Sequence[str], terminal: Terminal) -> None:
    """Each page: one spinner, and a row per further style on the same clock."""
    from twirly._spinner import Spinner
    from twirly.state import Row
    from twirly.styles import get_style
    from twirly.terminal import terminal_for

    names = _showable(names, terminal)
    size = _page_size()
    label = max(map(len, names), default=0)
    pages = [names[start : start + size] for start in range(0, len(names), size)]
    for number, page in enumerate(pages, 1):
        text = f"{page[0]:<{label}}  [{number}/{len(pages)}]"
        spinner = Spinner(text, style=page[0], stream=sys.stdout).start()
        page_terminal = terminal_for(sys.stdout)  # the spinner's: a page may start a new one
        rows: list[Row] = []
        try:
            for name in page[1:]:
                style = get_style(name)
                row = Row(name, style.frames, style.width, style.interval, time.monotonic())
                row.ident = page_terminal.new_ident()
                page_terminal.attach(row)
                rows.append(row)
            time.sleep(PAGE_SECONDS)
        finally:
            for row in reversed(rows):
                page_terminal.detach(row, None)
            spinner.stop()
            _list(page, label)  # (the page, left to read: also when Ctrl-C ends the show)
    print(f"{len(names)} styles; use one with: twirly --style NAME -- COMMAND")
