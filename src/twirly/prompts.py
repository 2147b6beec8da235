"""When someone else asks the person something, the rows step aside until the answer is in.

A prompt that twirly did not write (``getpass``, ``input()`` under readline, the REPL, a
child's ``read -s``) cannot be caught reliably at the stream level: ``getpass`` opens
``/dev/tty`` itself, and ``from getpass import getpass`` binds it before any patch. The
terminal itself gives the evidence: whoever reads a line from a person turns echo off
(``getpass`` does so before it writes its prompt) or leaves canonical mode (readline, the
3.13 REPL) first. :class:`Watch` reads those modes (one ``tcgetattr``, an ioctl) before each
frame. At the interactive prompt, the REPL turns ``sys.ps1``/``sys.ps2`` into text each time
it is about to read a statement: :class:`PromptText` makes that a synchronous moment to step
aside, before the prompt is drawn.
"""

from __future__ import annotations

import sys

from twirly.echo import in_front

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from twirly.echo import Echo

__all__ = ["PromptText", "Watch", "line_modes", "watch_as_found"]

#: Frames in a row the modes must be back before the rows are drawn again: the REPL restores
#: them for a moment between two prompts.
_CALM_FRAMES = 2

#: The modes a watch watches, when another process found them (see :func:`watch_as_found`).
_found: int | None = None
#: The sys module's namespace (``sys.ps1`` is looked for there at each frame).
_SYS = vars(sys)


def line_modes(fd: int) -> int:
    """The terminal's echo and canonical-mode flags now (0: not a terminal)."""
    try:
        import termios
    except ImportError:
        return 0
    try:
        flags: int = termios.tcgetattr(fd)[3]
    except (termios.error, OSError):
        return 0  # not a terminal (animate=True on a file): nothing to watch
    return flags & (termios.ECHO | termios.ICANON)


def watch_as_found(modes: int) -> None:
    """Watch for ``modes`` as the terminal's own, whatever they are when a watch starts.

    For the process driver's drawing child: a fresh interpreter, it may start after a prompt
    has already turned echo off (``getpass`` at once after ``start()``, or a slow start under
    load), and must take that for someone's prompt rather than for the terminal as it is."""
    global _found
    _found = modes


class PromptText(str):
    """``sys.ps1``/``sys.ps2`` while rows are shown: the same text, and each time the REPL
    turns it into text (``str()`` in the classic REPL, a format in the 3.13 one), the rows
    step aside first."""

    original: object
    _step_aside: Callable[[], None]

    def __new__(cls, original: object, step_aside: Callable[[], None]) -> PromptText:
        text = super().__new__(cls, str(original))
        text.original = original
        text._step_aside = step_aside
        return text

    def __str__(self) -> str:
        self._step_aside()
        return str(self.original)

    def __format__(self, spec: str) -> str:
        self._step_aside()
        return format(str(self.original), spec)


#: Where the REPL's own Python code lives: the 3.13 REPL reads a statement in Python, and
#: imports itself (through importlib) before its first prompt.
_REPL_CODE = ("_pyrepl", "importlib", "<frozen ")


def _main_thread_runs_a_statement() -> bool:
    # At the classic REPL's prompt the main thread waits in C (no Python frame); at the 3.13
    # REPL's it runs the REPL's own code. While a statement runs, its code is the innermost.
    import threading

    main = threading.main_thread().ident
    frame = sys._current_frames().get(main) if main is not None else None
    if frame is None:
        return False
    filename = frame.f_code.co_filename
    return not any(part in filename for part in _REPL_CODE)


class Watch:
    """The terminal's line modes as twirly found them, and the REPL's prompts while rows are
    shown. Made by the terminal when its first row comes, undone when the last goes."""

    def __init__(self, fd: int, step_aside: Callable[[], None], echo: Echo | None = None) -> None:
        self._fd = fd
        #: The keyboard's echo, turned off by twirly while rows are shown: then the modes
        #: twirly set are the ones to compare with, and a read is seen by other means.
        self._echo = echo
        self._watched = line_modes(fd) if _found is None else _found
        self._calm = 0
        #: The REPL asked for a statement: the rows return only once one runs.
        self.at_repl = False
        self._prompts: dict[str, PromptText] = {}
        self._step_aside = step_aside
        self._hook_prompts()
        self._startup: tuple[Callable[[], object] | None, Callable[[], None]] | None = None
        if sys.flags.interactive and getattr(sys, "ps1", None) is None:
            # `python -i script.py`: the REPL may start while rows are shown. It calls
            # sys.__interactivehook__ first, which is when the rows must step aside.
            original = getattr(sys, "__interactivehook__", None)

            def starting() -> None:
                self._at_prompt()
                if callable(original):
                    original()

            self._startup = (original, starting)
            sys.__interactivehook__ = starting

    def settled(self) -> bool:
        """True when the REPL's prompts need no hooking now (see _hook_prompts): hooked
        already, or no REPL (``sys.ps1`` appears when ``python -i`` reaches its prompt)."""
        # (Asked in sys's namespace: getattr() with a default makes and drops an
        # AttributeError, with its message, each time it is not there.)
        return bool(self._prompts) or _SYS.get("ps1") is None

    def _at_prompt(self) -> None:
        self.at_repl = True
        self._step_aside()

    def _hook_prompts(self) -> None:
        # Only in an interactive session: sys.ps1 exists only there (and appears when
        # `python -i script.py` reaches its prompt, after a spinner the script started).
        if self._prompts or getattr(sys, "ps1", None) is None:
            return
        for name in ("ps1", "ps2"):
            current = getattr(sys, name, None)
            if current is not None and not isinstance(current, PromptText):
                prompt = PromptText(current, self._at_prompt)
                self._prompts[name] = prompt
                setattr(sys, name, prompt)

    def someone_asks(self) -> bool:
        """True while someone else has turned echo or canonical mode off (twirly found them on),
        or, where twirly turns echo off itself, while someone reads the keyboard; and, behind
        the terminal (a job started with ``&``, or after ``bg``), while canonical mode is off
        whatever twirly found: the shell edits its line there (bash's readline)."""
        self._hook_prompts()
        echo = self._echo
        if echo is not None:
            if echo.lent_out():
                return True
            if echo.reader() is not None:
                return True
            if echo.off:
                return False
        import termios

        try:
            flags: int = termios.tcgetattr(self._fd)[3]
        except (termios.error, OSError):
            return False
        return flags & self._watched != self._watched or self._edited_behind(flags)

    def shell_edits(self) -> bool:
        """Behind the terminal, with canonical mode off: does the shell edit its line there
        (see someone_asks)? Three system calls: asked before the first row is drawn."""
        return self._edited_behind(line_modes(self._fd))

    def _edited_behind(self, flags: int) -> bool:
        import termios

        return not flags & termios.ICANON and not in_front(self._fd, unknown=True)

    def answered(self) -> bool:
        """After stepping aside: may the rows come back now? The modes must be back for a few
        frames, and at the REPL a statement must be running."""
        if self.someone_asks():
            self._calm = 0
            return False
        self._calm += 1
        if self._calm < _CALM_FRAMES:
            return False
        if self.at_repl and not _main_thread_runs_a_statement():
            return False
        self._calm = 0
        self.at_repl = False
        return True

    def close(self) -> None:
        """Put ``sys.ps1``/``sys.ps2`` back exactly (when nobody replaced them meanwhile)."""
        for name, prompt in self._prompts.items():
            if getattr(sys, name, None) is prompt:
                setattr(sys, name, prompt.original)
        self._prompts.clear()
        if self._startup is not None:
            original, starting = self._startup
            self._startup = None
            if getattr(sys, "__interactivehook__", None) is starting:
                if original is None:
                    del sys.__interactivehook__
                else:
                    sys.__interactivehook__ = original
