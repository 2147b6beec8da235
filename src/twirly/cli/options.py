"""The command line's options: argparse, with every option also read from ``TWIRLY_<NAME>``.

A value on the command line wins over the environment; a bad value from either is a usage
error (exit status 2) that names the option or the variable it came from.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple, NoReturn

__all__ = ["Options", "UsageError", "parse"]

EXAMPLES = """\
examples:
  twirly -- make build                      hide make's output; show it all if make fails
  twirly -t 'Compiling' --timer -- cargo build --release
  twirly --show-output -- pytest -x         stream the output above the spinner
  twirly --tail 5 -- npm install            keep the last 5 lines live under the spinner
  twirly --timeout 30 --failure 'too slow' -- ./slow-script
  twirly --shell 'curl -sL "$URL" | tar xz' shell syntax: pipelines, &&, functions
  TWIRLY_STYLE=line twirly -- sleep 3       every option can come from TWIRLY_<NAME>
  twirly styles                             the catalogue, animated, with names

exit status: the command's; 128+N if it died of signal N; 124 on timeout; 126 when the
command cannot be run, 127 when it is not found; 2 for a usage error; 130/143/129 when
twirly is interrupted (Ctrl-C, SIGTERM, SIGHUP), after stopping the command (ending by the
same signal when the command died of it, so that a shell's loop stops as it would).

A command that asks for input (sudo, ssh, `read -p`) pauses the spinner: its prompt is shown
and what you type goes to the command. One that takes the screen (less, git log's pager,
vim) gets the whole terminal, and the spinner comes back when it gives it back.

When twirly's stdout is a file or a pipe (`twirly -- curl -s URL > page.html`), the command's
stdout goes there byte for byte, whatever --show-output says; the spinner and the command's
stderr stay on the terminal.
"""


class UsageError(Exception):
    """A bad option or value: the message is shown with the usage line, exit status 2."""


class Options(NamedTuple):
    """What to run and how to show it."""

    command: tuple[str, ...]
    shell: str | None
    text: str
    style: str
    timer: bool
    show_output: bool
    tail: int
    timeout: float | None
    success: str | None
    failure: str | None
    stream: Literal["stdout", "stderr"]
    quiet: bool = False


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


_columns: list[int] = []


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, measuring the terminal once rather than once per option.

    (argparse makes a formatter for every ``add_argument``, and each asks ``shutil`` for the
    terminal size: a third of twirly's start-up before the command runs.)
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        if not _columns:
            try:
                _columns.append(os.get_terminal_size(1).columns)
            except OSError:
                _columns.append(80)
        width = max(min(_columns[0], 100) - 2, 40)
        super().__init__(prog, indent_increment, max_help_position, width)


def _build_parser(version: str) -> _Parser:
    parser = _Parser(
        prog="twirly",
        usage=(
            "twirly [OPTIONS] -- COMMAND [ARGS...]\n"
            "       twirly [OPTIONS] --shell 'CMD'\n"
            "       twirly styles | demo"
        ),
        description="Run a command under a spinner.",
        epilog=EXAMPLES,
        formatter_class=_Formatter,
    )
    add = parser.add_argument
    add("-t", "--text", "--title", metavar="TEXT", help="text beside the spinner (TWIRLY_TEXT)")
    add("-s", "--style", metavar="NAME", help="spinner style, see `twirly styles` (TWIRLY_STYLE)")
    add("--timer", action="store_true", default=None, help="show the elapsed time (TWIRLY_TIMER)")
    add(
        "--show-output",
        action="store_true",
        default=None,
        help="stream the command's output above the spinner (TWIRLY_SHOW_OUTPUT); a redirected"
        " stdout always gets the command's stdout",
    )
    add("--tail", metavar="N", help="keep the last N lines of output live (TWIRLY_TAIL)")
    add("--timeout", metavar="SECONDS", help="stop the command after SECONDS (TWIRLY_TIMEOUT)")
    add("--success", metavar="TEXT", help="final line when the command succeeds (TWIRLY_SUCCESS)")
    add("--failure", metavar="TEXT", help="final line when the command fails (TWIRLY_FAILURE)")
    add("--stream", metavar="stdout|stderr", help="where the spinner goes (TWIRLY_STREAM)")
    add(
        "-q",
        "--quiet",
        action="store_true",
        default=None,
        help="no spinner, no final line: nothing of twirly's own; hidden output is still"
        " replayed on failure (TWIRLY_QUIET)",
    )
    add("--shell", metavar="CMD", help="run CMD with $SHELL -c: pipelines, &&, functions")
    add("-V", "--version", action="version", version=f"twirly {version}")
    add("command", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def _flag(value: bool | None, name: str, env: Mapping[str, str]) -> bool:
    if value:
        return True
    raw = env.get(f"TWIRLY_{name}", "").strip().lower()
    if raw in {"", "0", "false", "no", "off"}:
        return False
    if raw in {"1", "true", "yes", "on"}:
        return True
    raise UsageError(f"TWIRLY_{name} must be true or false, not {raw!r}")


def _value(given: str | None, name: str, env: Mapping[str, str]) -> tuple[str | None, str]:
    """The option's value and where it came from (for the error message)."""
    if given is not None:
        return given, "--" + name.lower().replace("_", "-")
    return env.get(f"TWIRLY_{name}") or None, f"TWIRLY_{name}"


def _tail(given: str | None, env: Mapping[str, str]) -> int:
    raw, origin = _value(given, "TAIL", env)
    if raw is None:
        return 0
    try:
        lines = int(raw)
    except ValueError:
        lines = -1
    if not 0 <= lines <= 100:
        raise UsageError(f"{origin} must be a whole number of lines from 0 to 100, not {raw!r}")
    return lines


def _timeout(given: str | None, env: Mapping[str, str]) -> float | None:
    raw, origin = _value(given, "TIMEOUT", env)
    if raw is None:
        return None
    try:
        seconds = float(raw.removesuffix("s"))
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise UsageError(f"{origin} must be a positive number of seconds, not {raw!r}")
    return seconds


def _stream(given: str | None, env: Mapping[str, str]) -> Literal["stdout", "stderr"]:
    raw, origin = _value(given, "STREAM", env)
    if raw is None or raw == "stderr":
        return "stderr"
    if raw == "stdout":
        return "stdout"
    raise UsageError(f"{origin} must be stdout or stderr, not {raw!r}")


def _command(rest: list[str], shell: str | None, text: str | None) -> tuple[tuple[str, ...], str]:
    separated = rest[:1] == ["--"]
    if separated:
        rest = rest[1:]
    if shell is not None:
        if rest:
            raise UsageError("give either --shell 'CMD' or -- COMMAND, not both")
        if not shell.strip():
            raise UsageError("--shell needs a command")
        program = os.environ.get("SHELL") or "/bin/sh"
        return (program, "-c", shell), shell if text is None else text
    if not rest:
        raise UsageError("no command given: twirly [OPTIONS] -- COMMAND [ARGS...]")
    if rest[0].startswith("-") and not separated:
        raise UsageError(f"unknown option {rest[0]!r} (put the command after --)")
    if text is None:
        import shlex

        text = shlex.join(rest)
    return tuple(rest), text


def parse(argv: Sequence[str], *, version: str, env: Mapping[str, str] | None = None) -> Options:
    """Options from ``argv`` and the environment; :class:`UsageError` when they are wrong.

    ``--help`` and ``--version`` print and raise ``SystemExit(0)``, as argparse does.
    """
    env = os.environ if env is None else env
    args = _build_parser(version).parse_args(list(argv))
    text, _ = _value(args.text, "TEXT", env)
    if text is None:
        text, _ = _value(None, "TITLE", env)  # as --title is --text
    style, _ = _value(args.style, "STYLE", env)
    command, text = _command(args.command, args.shell, text)
    return Options(
        command=command,
        shell=args.shell,
        text=text,
        style=style or "dots",
        timer=_flag(args.timer, "TIMER", env),
        show_output=_flag(args.show_output, "SHOW_OUTPUT", env),
        tail=_tail(args.tail, env),
        timeout=_timeout(args.timeout, env),
        success=_value(args.success, "SUCCESS", env)[0],
        failure=_value(args.failure, "FAILURE", env)[0],
        stream=_stream(args.stream, env),
        quiet=_flag(args.quiet, "QUIET", env),
    )


def usage_line() -> str:
    """The short usage shown with a usage error."""
    return "usage: twirly [OPTIONS] -- COMMAND [ARGS...]   (twirly --help for more)"
