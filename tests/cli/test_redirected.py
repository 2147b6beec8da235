"""twirly's stdout redirected to a file or a pipe: the command's stdout is data, passed on
byte for byte, while the spinner and the replay of stderr stay on the terminal."""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import sys
import time
from pathlib import Path

import pytest

from tests.cli.cli_support import TWIRLY, Tmux
from tests.support.ptyrun import PtyProcess, clean_env

TWIRLY_LINE = shlex.join(TWIRLY)


def _at_terminal(pipeline: str, **kwargs: object) -> PtyProcess:
    """A shell command line typed at a terminal (twirly somewhere in it)."""
    return PtyProcess(["sh", "-c", pipeline], env=clean_env(), **kwargs)  # type: ignore[arg-type]


def test_output_redirected_to_a_file_reaches_it_on_success(tmp_path: Path) -> None:
    out = tmp_path / "o.txt"
    with _at_terminal(
        f"cd {tmp_path} && touch a b c && {TWIRLY_LINE} -t t --shell 'ls | wc -l' > {out}"
    ) as p:
        assert p.wait() == 0
        assert p.screen().text == "✔ t"
    assert out.read_text().strip() == "4"  # a, b, c and o.txt itself


def test_an_unfinished_last_line_stays_unfinished(tmp_path: Path) -> None:
    out = tmp_path / "f"
    with _at_terminal(f"{TWIRLY_LINE} -t t -- printf 'a\\nb\\ntail' > {out}") as p:
        assert p.wait() == 0
        assert p.screen().text == "✔ t"
    assert out.read_bytes() == b"a\nb\ntail"


def test_every_byte_value_passes_through_whatever_show_output_says(tmp_path: Path) -> None:
    data = tmp_path / "all.bin"
    data.write_bytes(bytes(range(256)) * 64)
    for option in ("", "--show-output"):
        out = tmp_path / f"out{option}.bin"
        with _at_terminal(f"{TWIRLY_LINE} {option} -t t -- cat {data} > {out}") as p:
            assert p.wait() == 0
            assert p.screen().text == "✔ t"
        assert out.read_bytes() == data.read_bytes()


def test_stderr_stays_hidden_and_is_replayed_on_the_terminal_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "f"
    script = "echo data; echo warning >&2; exit 3"
    with _at_terminal(f"{TWIRLY_LINE} -t t -- sh -c '{script}' > {out}") as p:
        assert p.wait() == 3
        assert p.screen().text == "warning\n✖ t (exit status 3)"
    assert out.read_bytes() == b"data\n"


def test_a_pipeline_reader_writing_to_the_terminal_never_lands_on_the_spinner_row() -> None:
    # head writes to the terminal twirly draws on; the rows step aside while it may write.
    with _at_terminal(f"{TWIRLY_LINE} --show-output -t t -- yes | head -3") as p:
        p.wait()
        assert p.screen().text == "y\ny\ny\nℹ t (its reader stopped reading)"


def test_a_pipeline_reader_gets_each_line_and_the_spinner_comes_back_below() -> None:
    code = (
        "import time\nfor i in range(3):\n    print(i, flush=True); time.sleep(0.3)\ntime.sleep(30)"
    )
    command = f"{TWIRLY_LINE} -t Counting -- {sys.executable} -c {shlex.quote(code)} | cat"
    with _at_terminal(command) as p:
        p.read_until("2\r\n")
        deadline = time.monotonic() + 10
        while not [line for line in p.screen().text_lines if line.endswith("Counting")]:
            assert time.monotonic() < deadline, p.screen().text
            p.read_for(0.05)
        lines = [line for line in p.screen().text_lines if line]
        assert lines[:3] == ["0", "1", "2"]
        assert lines[3].endswith(" Counting")
        assert len(lines) == 4


def _blocked_reading_a_pipe(pid: int) -> bool:
    """Is ``pid`` waiting in read() on a pipe (x86_64 and aarch64 read: 0 and 63)?"""
    try:
        fields = Path(f"/proc/{pid}/syscall").read_text().split()
        target = os.stat(f"/proc/{pid}/fd/{int(fields[1], 16)}")
    except (OSError, IndexError, ValueError):
        return False
    return fields[0] in {"0", "63"} and stat.S_ISFIFO(target.st_mode)


def test_the_spinner_stays_off_a_line_the_pipeline_reader_left_unfinished(tmp_path: Path) -> None:
    # `print(i)` unbuffered writes "2", then "\n": cat passes the half line on and waits for
    # more. Drawn then, the row would be glued to that line ("2⠧ Counting").
    go = tmp_path / "go"
    script = f"printf half; while [ ! -e {go} ]; do sleep 0.02; done; echo ' and the rest'"
    command = f"{TWIRLY_LINE} -t Counting -- sh -c {shlex.quote(script)} | cat"
    with _at_terminal(command) as p:
        p.read_until("half")
        deadline = time.monotonic() + 10
        while not any(_blocked_reading_a_pipe(pid) for pid in _processes_named("cat")):
            assert time.monotonic() < deadline, "cat never waited for more"
            p.read_for(0.02)
        p.read_for(0.3)  # frames' time, with the pipe drained and cat waiting
        assert [line for line in p.screen().text_lines if line] == ["half"]
        go.touch()
        assert p.wait() == 0
        assert [line for line in p.screen().text_lines if line] == [
            "half and the rest",
            "✔ Counting",
        ]


def test_the_final_line_comes_after_the_pipeline_readers_last_line(tmp_path: Path) -> None:
    ended, go = tmp_path / "ended", tmp_path / "go"
    script = f"echo last; touch {ended}"
    # A reader that takes the line at once but writes it only when the test says so.
    reader = f'read line; while [ ! -e {go} ]; do sleep 0.02; done; echo "got $line"'
    pipeline = (
        f"{TWIRLY_LINE} -t Counting -- sh -c {shlex.quote(script)} | sh -c {shlex.quote(reader)}"
    )
    with _at_terminal(pipeline) as p:
        deadline = time.monotonic() + 10
        while not ended.exists():
            assert time.monotonic() < deadline, "the command never ended"
            p.read_for(0.02)
        p.read_for(0.5)  # time for a final line that does not wait for the reader
        go.touch()
        assert p.wait() == 0
        assert [line for line in p.screen().text_lines if line] == ["got last", "✔ Counting"]


def _processes_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_pager_down_the_pipe_has_the_screen_and_the_final_line_comes_after_it(
    tmp_path: Path,
) -> None:
    # `twirly -- make | less`: less reads keys from the terminal and draws its page there.
    # No frame may land on its page, and the final line, written there, would go with it.
    if shutil.which("less") is None:
        pytest.skip("needs less")
    script = "for i in 1 2 3; do echo line $i; done"
    pipeline = f"{TWIRLY_LINE} -t Working -- sh -c {shlex.quote(script)} | less"
    with Tmux(tmp_path, rows=12) as tmux:
        tmux.type(f"LESS= {pipeline}; echo rc=$? > {tmp_path}/rc")
        tmux.send("Enter")
        tmux.wait_for(lambda rows: "(END)" in rows)  # the pipe has ended: twirly's side done
        assert not any("Working" in row for row in tmux.screen())
        tmux.send("q")
        assert tmux.wait_file(tmp_path / "rc") == "rc=0\n"
        rows = [row for row in tmux.wait_for(lambda r: "$" in r) if row]
        assert rows[-2:] == ["✔ Working", "$"]
