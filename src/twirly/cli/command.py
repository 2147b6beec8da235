"""``twirly [OPTIONS] -- COMMAND``: options, spinner, command, final line, exit status."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from twirly._spinner import Spinner
    from twirly.cli.inbox import SignalInbox
    from twirly.cli.launch import Child
    from twirly.cli.options import Options
    from twirly.cli.session import Outcome

__all__ = ["main"]


def _usage_error(message: str) -> int:
    from twirly.cli.options import usage_line

    print(f"twirly: {message}\n{usage_line()}", file=sys.stderr)
    return 2


def main(argv: Sequence[str]) -> int:
    """Run the command line ``argv``; return twirly's exit status. After Ctrl-C, SIGTERM
    or SIGHUP that killed the command, this process ends by the same signal instead (see
    :func:`_end_by`), once everything is written."""
    from twirly import __version__, guards
    from twirly._spinner import Spinner
    from twirly.cli.inbox import SignalInbox
    from twirly.cli.launch import LaunchError, launch
    from twirly.cli.options import UsageError, parse
    from twirly.cli.sentinel import Sentinel

    try:
        options = parse(argv, version=__version__)
    except UsageError as error:
        return _usage_error(str(error))
    stream = sys.stdout if options.stream == "stdout" else sys.stderr
    try:
        spinner = Spinner(
            options.text,
            style=options.style,
            stream=stream,
            timer=options.timer,
            quiet=options.quiet,
        )
    except (ValueError, TypeError) as error:
        return _usage_error(str(error))
    # The inbox's handlers, in place from here on, stop the command and end twirly cleanly;
    # the spinner's guards must never stand in front of them, even for an instant.
    guards.leave_signals_to_the_program()
    inbox = SignalInbox()
    try:
        try:
            child = launch(options.command)
        except LaunchError as error:
            print(error, file=sys.stderr)
            return error.status
        sentinel = Sentinel(child.pid)
        try:
            outcome = _supervise(child, options, spinner, stream, inbox)
        finally:
            sentinel.dismiss()
    finally:
        inbox.close()
    if outcome.signal is not None:
        _end_by(outcome.signal)
    return outcome.status


def _end_by(signum: int) -> None:
    """End twirly by ``signum``, as its command ended, once everything is written: a shell
    runs the rest of a loop or a list after a program that exits 130, not after one that
    SIGINT killed (its own commands, waiting for them, learn of Ctrl-C that way)."""
    import os
    import signal

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
    os.kill(os.getpid(), signum)


def _supervise(
    child: Child, options: Options, spinner: Spinner, stream: TextIO, inbox: SignalInbox
) -> Outcome:
    """Show the spinner while the session runs; then the final line and the replay."""
    from twirly.cli.output import Destination, LiveLine, TailRows, Writer
    from twirly.cli.session import Session
    from twirly.terminal import terminal_for

    spinner.start()
    inbox.claim()
    terminal = terminal_for(stream)
    writer = Writer() if options.show_output else None
    person = _person_facing(stream)
    destinations = {
        0: Destination(person, person.fileno(), terminal, writer),
        1: Destination(sys.__stdout__ or sys.stdout, 1, terminal, writer),
        2: Destination(sys.__stderr__ or sys.stderr, 2, terminal, writer),
    }
    rows = terminal.animates and not options.quiet  # (quiet: no row of twirly's at all)
    tail = TailRows(terminal, options.tail) if options.tail and rows else None
    live = LiveLine(terminal) if options.show_output and not tail and rows else None
    session = Session(
        child,
        options,
        destinations=destinations,
        tail=tail,
        inbox=inbox,
        terminal=terminal,
        live=live,
        data_out=not _isatty(1),
    )
    try:
        outcome = session.run()
    finally:
        if writer is not None:
            writer.close()
        if tail is not None:
            tail.close()
        if live is not None:
            live.clear()
    if outcome.reason == "interrupted" and session.at_row_start and terminal.animates:
        # Ctrl-C: the terminal echoed "^C" where the cursor was, column 0 of the spinner's
        # row, so the replay and the final line would start after it. The row starts again.
        terminal.write_partial("\r\x1b[K")
    if outcome.reason is None:
        spinner.ok(options.success or options.text)
    elif outcome.cut_short:
        spinner.info(f"{options.text} ({outcome.reason})")  # (no failure: see Outcome)
    else:
        spinner.stop()
        if not options.show_output and session.recording:
            session.recording.replay(destinations)
            unfinished = session.recording.unfinished()
            if unfinished is not None:
                destinations[unfinished].raw(b"\n")  # the final line starts on a line of its own
        spinner.fail(options.failure or f"{options.text} ({outcome.reason})")
    session.recording.close()
    return outcome


def _isatty(fd: int) -> bool:
    import os

    return os.isatty(fd)


def _person_facing(spinner_stream: TextIO) -> TextIO:
    """Where what the command writes to its terminal goes (prompts): a terminal if any."""
    for stream in (spinner_stream, sys.__stderr__, sys.__stdout__):
        try:
            if stream is not None and stream.isatty():
                return stream
        except (OSError, ValueError):
            continue
    return spinner_stream
