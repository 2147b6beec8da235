"""The programs in ``examples/``: what a person sees when they run.

What is drawn is read on :class:`twirly.testing.VirtualTerminal`, the program's ``main()`` run
unchanged in this process under it: the spinner turning while the work runs (or, in the book's
experiment, frozen on its first frame), then the answer on a clean screen with the cursor back;
a group's rows and summary; the live count of a tracked loop. What needs a real terminal or a
real process (a child process drawing, stdout redirected to a file, plain lines through a
pipe) is run in a pseudo-terminal or through pipes.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import random
import re
import subprocess
import sys
from collections.abc import Callable
from itertools import pairwise
from types import ModuleType

import pytest

from tests.support.ptyrun import ROOT, PtyProcess, clean_env
from twirly.styles import get_style
from twirly.testing import VirtualTerminal

EXAMPLES = ROOT / "examples"
GLYPHS = [frame.strip() for frame in get_style("dots").frames]
# A third of the book's prime's trial divisions: still a good half second of pure Python.
PRIME = 1_000_000_000_000_037
PRIME_VERDICT = f"{PRIME:_d} is prime"


def glyphs_in(output: bytes | str) -> set[str]:
    """The spinner frames that appear in ``output`` (the programs print no braille of their own)."""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    return {glyph for glyph in GLYPHS if glyph in text}


#: How the examples are told to be quick (they read these when they are loaded).
QUICK = {"SLOW_SECONDS": "0.6", "PRIME_NUMBER": str(PRIME)}

Load = Callable[..., ModuleType]


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch) -> Load:
    """Load ``examples/name`` afresh as a module, with ``env`` set and ``argv`` its
    command-line arguments."""
    monkeypatch.syspath_prepend(str(EXAMPLES))  # (the prime examples import primes.py)

    def load(
        name: str, env: dict[str, str] | None = None, argv: tuple[str, ...] = ()
    ) -> ModuleType:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(sys, "argv", [name, *argv])
        spec = importlib.util.spec_from_file_location(f"example_{name[:-3]}", EXAMPLES / name)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


def run_on_virtual_terminal(module: ModuleType, **options: object) -> VirtualTerminal:
    """Run the example's ``main()`` under a virtual terminal in real time; the terminal."""
    with VirtualTerminal(clock="real", **options) as vt:  # type: ignore[arg-type]
        result = module.main()
        if asyncio.iscoroutine(result):  # (group_build's main is a coroutine)
            asyncio.run(result)
    return vt


def drawn_before(vt: VirtualTerminal, answer: str) -> str:
    """What was written before ``answer`` (which must have been written)."""
    assert answer in vt.output, vt.output
    return vt.output[: vt.output.index(answer)]


def used(lines: list[str]) -> list[str]:
    """The screen's lines down to the last one with text (at least one)."""
    while len(lines) > 1 and not lines[-1]:
        lines = lines[:-1]
    return lines


def assert_answer_on_clean_screen_of(vt: VirtualTerminal, answer: str, driver: str = "") -> None:
    assert vt.cursor_visible
    lines = vt.screen_text.splitlines()
    assert lines[-1] == answer, vt.screen_text
    assert lines[0].startswith("spinner object: <twirly.Spinner 'thinking!'"), vt.screen_text
    assert lines[0].endswith(f"running> ({driver})" if driver else "running>"), vt.screen_text
    assert not glyphs_in(vt.screen_text), f"a spinner frame was left:\n{vt.screen_text}"


@pytest.mark.parametrize(
    ("name", "answer", "driver"),
    [
        ("spinner_async.py", "Answer: 42", "asyncio"),
        ("spinner_thread.py", "Answer: 42", "thread"),
        ("spinner_prime_async_nap.py", PRIME_VERDICT, ""),
        ("spinner_prime_thread.py", PRIME_VERDICT, "thread"),
    ],
)
def test_example_spins_while_waiting_then_shows_the_answer(
    load: Load, name: str, answer: str, driver: str
) -> None:
    vt = run_on_virtual_terminal(load(name, QUICK))
    while_waiting = drawn_before(vt, answer)
    assert while_waiting.startswith("\x1b[?25l"), "the cursor is hidden while the spinner runs"
    assert len(glyphs_in(while_waiting)) >= 3, f"the spinner did not turn: {while_waiting!r}"
    assert any(lines[-1] == f"{GLYPHS[2]} thinking!" for lines in map(used, vt.screens()))
    assert_answer_on_clean_screen_of(vt, answer, driver)


def run_in_a_pty(name: str, answer: str) -> tuple[PtyProcess, bytes]:
    """Run ``examples/name`` to the end in a pseudo-terminal; return it with the bytes written
    before ``answer``."""
    p = PtyProcess([sys.executable, str(EXAMPLES / name)], env=clean_env(QUICK))
    p.read_until("thinking!")
    assert not p.screen().cursor_visible, "the cursor is hidden while the spinner runs"
    assert p.wait() == 0, bytes(p.output)
    output = bytes(p.output)
    assert answer.encode() in output, output
    return p, output[: output.index(answer.encode())]


@pytest.mark.parametrize(
    ("name", "answer"),
    [("spinner_proc.py", "Answer: 42"), ("spinner_prime_proc.py", PRIME_VERDICT)],
)
def test_process_example_spins_from_a_child_on_a_real_terminal(name: str, answer: str) -> None:
    # A child process draws on the program's terminal: a virtual terminal in memory is out of
    # its reach, so these run in a pseudo-terminal.
    p, while_waiting = run_in_a_pty(name, answer)
    with p:
        assert len(glyphs_in(while_waiting)) >= 3, f"the spinner did not turn: {while_waiting!r}"
        screen = p.screen()
        assert screen.cursor_visible
        lines = [line for line in screen.text_lines if line]
        assert lines[-1] == answer, screen.text
        assert lines[0].startswith("spinner object: <twirly.Spinner 'thinking!'"), screen.text
        assert "running> (process)" in screen.text
        assert not glyphs_in(screen.text), f"a spinner frame was left:\n{screen.text}"


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("spinner_async_experiment.py", "Answer: 42"),
        ("spinner_prime_async_broken.py", PRIME_VERDICT),
    ],
)
def test_blocked_event_loop_freezes_the_asyncio_spinner(load: Load, name: str, answer: str) -> None:
    vt = run_on_virtual_terminal(load(name, QUICK))
    while_waiting = drawn_before(vt, answer)
    # The first frame is drawn when the spinner starts; the Task that would draw the next
    # ones never runs while the coroutine blocks the loop.
    assert glyphs_in(while_waiting) == {GLYPHS[0]}, while_waiting
    assert f"{GLYPHS[0]} thinking!" in while_waiting
    assert_answer_on_clean_screen_of(vt, answer)


def test_the_watchdog_keeps_the_spinner_turning_and_names_the_blocking_line(load: Load) -> None:
    vt = run_on_virtual_terminal(load("spinner_async_watchdog.py", QUICK), columns=120)
    while_waiting = drawn_before(vt, "Answer: 42")
    assert len(glyphs_in(while_waiting)) >= 3, while_waiting  # it kept turning
    label = re.compile(
        r"^. thinking! ⚠ event loop blocked 0\.\d s · slow\(\) spinner_async_watchdog\.py:25$"
    )
    assert any(label.match(line) for lines in vt.screens() for line in lines), while_waiting
    assert vt.cursor_visible
    # (the block began when the spinner did: the step that started it never awaited)
    assert re.search(
        r"^  ~0\.[67] s  slow\(\)  spinner_async_watchdog\.py:25  time\.sleep\(SLOW_SECONDS\)",
        vt.screen_text,
        re.MULTILINE,
    ), vt.screen_text
    assert re.search(r"^blocked 0\.[67] s in slow\(\) at line 25$", vt.screen_text, re.MULTILINE)
    assert vt.screen_text.endswith("\nAnswer: 42")
    assert not glyphs_in(vt.screen_text)


def test_prime_examples_take_the_number_to_check_from_the_command_line(load: Load) -> None:
    vt = run_on_virtual_terminal(load("spinner_prime_thread.py", argv=("1000001",)))
    assert vt.screen_text.endswith("\n1_000_001 is not prime")


@pytest.mark.parametrize("name", ["spinner_async.py", "spinner_thread.py", "spinner_proc.py"])
def test_example_with_stdout_redirected_keeps_the_spinner_on_the_terminal(name: str) -> None:
    # `python spinner_async.py > answer.txt`: the spinner draws on stderr, the terminal;
    # everything the program prints goes to the file, untouched.
    argv = [sys.executable, str(EXAMPLES / name)]
    with PtyProcess(argv, env=clean_env({"SLOW_SECONDS": "0.6"}), stdout_pipe=True) as p:
        assert p.wait() == 0
        assert len(glyphs_in(bytes(p.output))) >= 3, bytes(p.output)
        assert p.screen().text == "", "the terminal is left clean"
        assert p.screen().cursor_visible
        printed = bytes(p.stdout_data).decode().splitlines()
        assert printed[0].startswith("spinner object: <twirly.Spinner 'thinking!'")
        assert printed[1:] == ["Answer: 42"]
        assert "\x1b" not in "".join(printed)


# -- the group examples ------------------------------------------------------------------------

#: The summary row while a group runs: a spinner frame, then the group's title.
LIVE_SUMMARY = re.compile(r"^[" + "".join(GLYPHS) + r"] (Downloading|Building|Hashing)  ")


def final_lines(vt: VirtualTerminal) -> list[str]:
    return [line for line in vt.lines if line]


WATCHDOG_REPORT = re.compile(r"⚠ event loop (blocked|slowed) \d+ times?, ~")


def without_watchdog_report(lines: list[str], after: int = 0) -> list[str]:
    """``lines`` without the watchdog's end report, if there is one, which is followed by
    ``after`` lines the program printed after its group.

    The asyncio examples' steps are short, but on a loaded machine (the whole suite on two
    cores) one of them (the ``gather`` that makes 400 tasks) can hold the loop for the
    quarter of a second the watchdog records, and its report then follows the summary row.
    That is the watchdog doing its work (tested in ``tests/watchdog``), not what these
    tests look at.
    """
    for at, line in enumerate(lines):
        if WATCHDOG_REPORT.match(line):
            return lines[:at] + lines[len(lines) - after :]
    return lines


def first_screen(vt: VirtualTerminal, seen: Callable[[list[str]], bool], what: str) -> list[str]:
    """The first screen, after a write, whose lines ``seen`` looks for."""
    for lines in vt.screens():
        if seen(lines):
            return lines
    raise AssertionError(f"never saw {what}")


def live_summary(rows: list[str]) -> bool:
    used = [row for row in rows if row]
    return bool(used) and LIVE_SUMMARY.match(used[-1]) is not None


def run_piped(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        env=clean_env(env),
        capture_output=True,
        timeout=60,
        check=False,
    )


def assert_plain(data: bytes) -> None:
    assert b"\x1b" not in data, data
    assert b"\r" not in data, data


DOWNLOADER = {"DOWNLOADS": "400", "DOWNLOAD_SECONDS": "1"}
FAILURE = re.compile(r"^✖ https://example\.com/\d{5}\.tgz: ConnectionResetError: reset by peer$")


def test_group_downloader_shows_rows_then_leaves_failures_and_the_summary(load: Load) -> None:
    vt = run_on_virtual_terminal(load("group_downloader.py", DOWNLOADER))
    # A slow fetch's row, with the progress its task wrote, above the live summary.
    rows = first_screen(
        vt,
        lambda rows: live_summary(rows) and any(" of " in row and "MB" in row for row in rows),
        "a fetch's row and the summary",
    )
    assert vt.output.startswith("\x1b[?25l"), "the cursor is hidden while the rows are shown"
    assert " running · " in used(rows)[-1], rows
    assert all(len(row) < 80 for row in rows), "a row reached the last column"
    lines = without_watchdog_report(final_lines(vt), after=1)
    assert re.fullmatch(r"397 files, \d+\.\d\d GB; 3 failed", lines[-1]), lines
    assert re.fullmatch(r"Downloading  397 done · 3 failed · 0:0\d", lines[-2]), lines
    assert vt.cursor_visible
    assert not glyphs_in(vt.screen_text), vt.screen_text
    everything = vt.all_lines
    failures = [line for line in everything if FAILURE.match(line)]
    assert len(failures) == len(set(failures)) == 3, everything
    assert not any(" MB" in line for line in everything), "a fetch's row was left behind"


def test_group_downloader_off_a_terminal_prints_plain_lines() -> None:
    done = run_piped("group_downloader.py", DOWNLOADER)
    assert done.returncode == 0, done.stderr
    assert_plain(done.stdout + done.stderr)
    errors = without_watchdog_report(done.stderr.decode().splitlines())
    assert errors[0] == "Downloading"
    assert [FAILURE.match(line) is not None for line in errors[1:]] == [True, True, True, False]
    assert re.fullmatch(r"Downloading  397 done · 3 failed · 0:0\d", errors[-1]), errors
    assert done.stdout.decode().endswith("GB; 3 failed\n")


BUILD = {"BUILD_SECONDS": "1"}
BUILD_LINES = [
    "building 6 targets",
    "↷ tests: nothing to run on this platform",
    *(
        f"✔ {target} › {step}"
        for target, steps in [
            ("libcore", ["configure", "compile", "link"]),
            ("libnet", ["configure", "compile", "link"]),
            ("cli", ["configure", "compile", "link"]),
            ("docs", ["render", "index"]),
            ("plugins", ["fetch", "compile", "link"]),
        ]
        for step in steps
    ),
    *(f"✔ {target}" for target in ["libcore", "libnet", "cli", "plugins"]),
    "⚠ docs: 2 broken links",
]


def _step_under_its_target(rows: list[str]) -> bool:
    """A step's row, indented, right under its target's row (or a sibling's)."""
    step = re.compile(r"^  [" + "".join(GLYPHS) + r"] (compile|link|render|index|fetch)  \d/8 ")
    target = re.compile(r"^[" + "".join(GLYPHS) + r"] (libcore|libnet|cli|docs|plugins) \(")
    return any(step.match(row) and target.match(above) for above, row in pairwise(rows))


def test_group_build_nests_steps_and_leaves_a_line_for_each(load: Load) -> None:
    vt = run_on_virtual_terminal(load("group_build.py", BUILD))
    first_screen(
        vt,
        lambda rows: live_summary(rows) and _step_under_its_target(rows),
        "a step's row under its target's row",
    )
    lines = without_watchdog_report(final_lines(vt), after=1)
    assert lines[-1] == "built: libcore, libnet, cli, docs, plugins, tests"
    assert re.fullmatch(r"Building  5 done · 0 failed · 1 skipped · 0:0\d", lines[-2]), lines
    assert sorted(lines[:-2]) == sorted(BUILD_LINES), lines
    assert lines[0] == "building 6 targets"
    for target in ["libcore", "libnet", "cli", "plugins"]:
        # A target's line comes after all of its steps' lines (completion order).
        last_step = max(i for i, line in enumerate(lines) if line.startswith(f"✔ {target} ›"))
        assert lines.index(f"✔ {target}") > last_step, lines
    assert vt.cursor_visible
    assert not glyphs_in(vt.screen_text)


def test_group_build_off_a_terminal_prints_the_same_lines() -> None:
    done = run_piped("group_build.py", BUILD)
    assert done.returncode == 0, done.stderr
    assert_plain(done.stdout + done.stderr)
    errors = without_watchdog_report(done.stderr.decode().splitlines())
    assert errors[0] == "Building"
    assert sorted(errors[1:-1]) == sorted(BUILD_LINES), errors
    assert re.fullmatch(r"Building  5 done · 0 failed · 1 skipped · 0:0\d", errors[-1]), errors
    assert done.stdout == b"built: libcore, libnet, cli, docs, plugins, tests\n"


HASHER = {"HASH_FILES": "8", "HASH_MB": "32"}


def expected_digests(count: int, largest_mb: float) -> list[str]:
    """What ``sha256sum`` would print for the example's generated files."""
    lines = []
    for number in range(count):
        name = f"part-{number:03d}.bin"
        largest = int(largest_mb * (1 << 20))
        size = random.Random(name).randint(largest // 4, largest)
        block = random.Random(name).randbytes(min(1 << 20, size))
        digest = hashlib.sha256()
        left = size
        while left:
            digest.update(block[:left])
            left -= len(block[:left])
        lines.append(f"{digest.hexdigest()}  {name}")
    return lines


def test_group_hasher_prints_digests_in_order_above_the_rows(load: Load) -> None:
    digests = expected_digests(8, 32)
    manifest = hashlib.sha256("".join(line + "\n" for line in digests).encode()).hexdigest()
    vt = run_on_virtual_terminal(load("group_hasher.py", HASHER))
    # The summary row was drawn live (a spinner frame, then the title and the counts).
    first_screen(
        vt,
        lambda rows: re.match(LIVE_SUMMARY.pattern + r"\d+ ", used(rows)[-1]) is not None,
        "the live summary with its counts",
    )
    lines = final_lines(vt)
    assert lines == [*digests, lines[-2], f"manifest: {manifest}"], lines
    assert re.fullmatch(r"Hashing  9 done · 0 failed · 0:0\d", lines[-2]), lines
    assert vt.cursor_visible


def test_group_hasher_off_a_terminal_keeps_stdout_to_the_digests() -> None:
    done = run_piped("group_hasher.py", HASHER)
    assert done.returncode == 0, done.stderr
    assert_plain(done.stdout + done.stderr)
    digests = expected_digests(8, 32)
    manifest = hashlib.sha256("".join(line + "\n" for line in digests).encode()).hexdigest()
    assert done.stdout.decode().splitlines() == [*digests, f"manifest: {manifest}"]
    errors = done.stderr.decode().splitlines()
    assert errors[0] == "Hashing"
    assert re.fullmatch(r"Hashing  9 done · 0 failed · 0:0\d", errors[-1]), errors
    assert len(errors) == 2, errors


# -- the track example -------------------------------------------------------------------------

TRACK = {"TRACK_LINES": "20000", "TRACK_PAUSE": "0.01"}  # (the second pass: 2 s or more)
RATE = r"[0-9.,kMG]+/s"


def test_track_words_counts_live_then_leaves_two_final_lines(load: Load) -> None:
    vt = run_on_virtual_terminal(load("track_words.py", TRACK))
    # twirly.track's first frame: the count of the list's len() and a percentage, no rate yet.
    assert any(f"{GLYPHS[0]} Counting words  0/20,000 · 0%" in lines for lines in vt.screens())
    # The generator, on the program's own spinner: a count without a total, the text it set.
    live = re.compile(
        rf"[{''.join(GLYPHS)}] Finding the longest line \(at 10,000\)  1\d,\d\d\d · {RATE} · 0:\d\d"
    )
    first_screen(vt, lambda rows: any(map(live.fullmatch, rows)), "the live count")
    lines = final_lines(vt)
    assert len(lines) == 4, lines
    assert re.fullmatch(rf"✔ Counting words  20,000/20,000 · {RATE} · 0:\d\d", lines[0])
    assert re.fullmatch(r"[\d,]+ words", lines[1])
    assert re.fullmatch(
        rf"✔ Finding the longest line \(at 20,000\)  20,000 · {RATE} · 0:\d\d", lines[2]
    )
    assert re.fullmatch(r"longest line: \d+ characters", lines[3])
    assert vt.cursor_visible
    assert not glyphs_in(vt.screen_text)


def test_every_example_is_run_here() -> None:
    # examples/README.md and the README say this module runs every program in examples/: a
    # program added without a test here would make that untrue. (primes.py, a module the
    # prime examples import, has no main() of its own.)
    source = (ROOT / "tests" / "test_examples.py").read_text(encoding="utf-8")
    here = source[: source.index("def test_every_example_is_run_here")]  # (the tests above)
    programs = [
        path.name
        for path in sorted(EXAMPLES.glob("*.py"))
        if "\ndef main(" in path.read_text(encoding="utf-8")
    ]
    assert "track_words.py" in programs
    assert [name for name in programs if f'"{name}"' not in here] == []
