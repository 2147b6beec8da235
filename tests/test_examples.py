"""The book's programs in ``examples/``, each run in a real pseudo-terminal.

What a person sees: the spinner turning while the work runs (or, in the book's experiment,
frozen on its first frame), then the answer on a clean screen with the cursor back.
"""

from __future__ import annotations

import hashlib
import random
import re
import subprocess
import sys
from itertools import pairwise

import pytest

from tests.support.frames import read_screen_until, transcript
from tests.support.ptyrun import ROOT, PtyProcess, clean_env
from twirly.styles import get_style

EXAMPLES = ROOT / "examples"
GLYPHS = [frame.strip() for frame in get_style("dots").frames]
# A third of the book's prime's trial divisions: still a good half second of pure Python.
PRIME = 1_000_000_000_000_037
PRIME_VERDICT = f"{PRIME:_d} is prime"


def glyphs_in(output: bytes) -> set[str]:
    """The spinner frames that appear in ``output`` (the programs print no braille of their own)."""
    text = output.decode("utf-8", "replace")
    return {glyph for glyph in GLYPHS if glyph in text}


def run_example(name: str, answer: str) -> tuple[PtyProcess, bytes]:
    """Run ``examples/name`` to the end; return it with the bytes written before ``answer``."""
    p = PtyProcess(
        [sys.executable, str(EXAMPLES / name)],
        env=clean_env({"SLOW_SECONDS": "0.6", "PRIME_NUMBER": str(PRIME)}),
    )
    p.read_until("thinking!")
    assert not p.screen().cursor_visible, "the cursor is hidden while the spinner runs"
    assert p.wait() == 0, bytes(p.output)
    output = bytes(p.output)
    assert answer.encode() in output, output
    return p, output[: output.index(answer.encode())]


def assert_answer_on_clean_screen(p: PtyProcess, answer: str) -> None:
    screen = p.screen()
    assert screen.cursor_visible
    lines = [line for line in screen.text_lines if line]
    assert lines[-1] == answer, screen.text
    assert lines[0].startswith("spinner object: <twirly.Spinner 'thinking!'"), screen.text
    assert not glyphs_in(screen.text.encode()), f"a spinner frame was left:\n{screen.text}"


@pytest.mark.parametrize(
    ("name", "answer", "driver"),
    [
        ("spinner_async.py", "Answer: 42", "asyncio"),
        ("spinner_thread.py", "Answer: 42", "thread"),
        ("spinner_proc.py", "Answer: 42", "process"),
        ("spinner_prime_async_nap.py", PRIME_VERDICT, None),
        ("spinner_prime_thread.py", PRIME_VERDICT, "thread"),
        ("spinner_prime_proc.py", PRIME_VERDICT, "process"),
    ],
)
def test_example_spins_while_waiting_then_shows_the_answer(
    name: str, answer: str, driver: str | None
) -> None:
    p, while_waiting = run_example(name, answer)
    with p:
        seen = glyphs_in(while_waiting)
        assert len(seen) >= 3, f"the spinner did not turn: {while_waiting!r}"
        assert_answer_on_clean_screen(p, answer)
        if driver is not None:
            assert f"running> ({driver})" in p.screen().text


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("spinner_async_experiment.py", "Answer: 42"),
        ("spinner_prime_async_broken.py", PRIME_VERDICT),
    ],
)
def test_blocked_event_loop_freezes_the_asyncio_spinner(name: str, answer: str) -> None:
    p, while_waiting = run_example(name, answer)
    with p:
        # The first frame is drawn when the spinner starts; the Task that would draw the
        # next ones never runs while the coroutine blocks the loop.
        assert glyphs_in(while_waiting) == {GLYPHS[0]}, while_waiting
        assert f"{GLYPHS[0]} thinking!".encode() in while_waiting
        assert_answer_on_clean_screen(p, answer)


def test_the_watchdog_keeps_the_spinner_turning_and_names_the_blocking_line() -> None:
    p, while_waiting = run_example("spinner_async_watchdog.py", "Answer: 42")
    with p:
        assert len(glyphs_in(while_waiting)) >= 3, while_waiting  # it kept turning
        assert "⚠ event loop blocked 0.".encode() in while_waiting  # the live label
        assert b"slow() spinner_async_watchdog.py:25" in while_waiting
        screen = p.screen()
        assert screen.cursor_visible
        # (the block began when the spinner did: the step that started it never awaited)
        assert re.search(
            r"  ~0\.[67] s  slow\(\)  spinner_async_watchdog\.py:25  time\.sleep\(SLOW_SECONDS\)",
            screen.text,
        ), screen.text
        assert re.search(r"blocked 0\.[67] s in slow\(\) at line 25", screen.text)
        assert not glyphs_in(screen.text.encode())


def test_prime_examples_take_the_number_to_check_from_the_command_line() -> None:
    argv = [sys.executable, str(EXAMPLES / "spinner_prime_thread.py"), "1000001"]
    with PtyProcess(argv, env=clean_env()) as p:
        assert p.wait() == 0
        assert "1_000_001 is not prime" in p.screen().text


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


def final_lines(p: PtyProcess) -> list[str]:
    return [line for line in p.screen().text_lines if line]


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


def test_group_downloader_shows_rows_then_leaves_failures_and_the_summary() -> None:
    argv = [sys.executable, str(EXAMPLES / "group_downloader.py")]
    with PtyProcess(argv, env=clean_env(DOWNLOADER)) as p:
        # A slow fetch's row, with the progress its task wrote, above the live summary.
        rows = read_screen_until(
            p,
            lambda rows: live_summary(rows) and any(" of " in row and "MB" in row for row in rows),
            "a fetch's row and the summary",
        )
        assert not p.screen().cursor_visible
        assert " running · " in rows[-1], rows
        assert all(len(row) < 80 for row in rows), "a row reached the last column"
        assert p.wait() == 0, bytes(p.output)
        lines = final_lines(p)
        assert re.fullmatch(r"397 files, \d+\.\d\d GB; 3 failed", lines[-1]), lines
        assert re.fullmatch(r"Downloading  397 done · 3 failed · 0:0\d", lines[-2]), lines
        assert p.screen().cursor_visible
        assert not glyphs_in(p.screen().text.encode()), p.screen().text
        everything = transcript(bytes(p.output))
        failures = [line for line in everything if FAILURE.match(line)]
        assert len(failures) == len(set(failures)) == 3, everything
        assert not any(" MB" in line for line in everything), "a fetch's row was left behind"


def test_group_downloader_off_a_terminal_prints_plain_lines() -> None:
    done = run_piped("group_downloader.py", DOWNLOADER)
    assert done.returncode == 0, done.stderr
    assert_plain(done.stdout + done.stderr)
    errors = done.stderr.decode().splitlines()
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


def test_group_build_nests_steps_and_leaves_a_line_for_each() -> None:
    argv = [sys.executable, str(EXAMPLES / "group_build.py")]
    with PtyProcess(argv, env=clean_env(BUILD)) as p:
        read_screen_until(
            p,
            lambda rows: live_summary(rows) and _step_under_its_target(rows),
            "a step's row under its target's row",
        )
        assert p.wait() == 0, bytes(p.output)
        lines = final_lines(p)
        assert lines[-1] == "built: libcore, libnet, cli, docs, plugins, tests"
        assert re.fullmatch(r"Building  19 done · 0 failed · 1 skipped · 0:0\d", lines[-2]), lines
        assert sorted(lines[:-2]) == sorted(BUILD_LINES), lines
        assert lines[0] == "building 6 targets"
        for target in ["libcore", "libnet", "cli", "plugins"]:
            # A target's line comes after all of its steps' lines (completion order).
            last_step = max(i for i, line in enumerate(lines) if line.startswith(f"✔ {target} ›"))
            assert lines.index(f"✔ {target}") > last_step, lines
        assert p.screen().cursor_visible
        assert not glyphs_in(p.screen().text.encode())


def test_group_build_off_a_terminal_prints_the_same_lines() -> None:
    done = run_piped("group_build.py", BUILD)
    assert done.returncode == 0, done.stderr
    assert_plain(done.stdout + done.stderr)
    errors = done.stderr.decode().splitlines()
    assert errors[0] == "Building"
    assert sorted(errors[1:-1]) == sorted(BUILD_LINES), errors
    assert re.fullmatch(r"Building  19 done · 0 failed · 1 skipped · 0:0\d", errors[-1]), errors
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


def test_group_hasher_prints_digests_in_order_above_the_rows() -> None:
    argv = [sys.executable, str(EXAMPLES / "group_hasher.py")]
    digests = expected_digests(8, 32)
    manifest = hashlib.sha256("".join(line + "\n" for line in digests).encode()).hexdigest()
    with PtyProcess(argv, env=clean_env(HASHER)) as p:
        assert p.wait() == 0, bytes(p.output)
        # The summary row was drawn live (a spinner frame, then the title and the counts).
        drawn = bytes(p.output).decode()
        assert re.search(LIVE_SUMMARY.pattern[1:] + r"\d+ ", drawn), drawn
        lines = final_lines(p)
        assert lines == [*digests, lines[-2], f"manifest: {manifest}"], lines
        assert re.fullmatch(r"Hashing  9 done · 0 failed · 0:0\d", lines[-2]), lines
        assert p.screen().cursor_visible


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
