"""What the OS says about a command: its terminal's modes, and whether it is reading."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from tests.support.ptyrun import as_a_persons_terminal
from twirly.cli import evidence

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")


def _eventually(check: Callable[[], object], timeout: float = 10.0) -> object:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "never true"
        time.sleep(0.02)
    return value


@pytest.fixture
def pty() -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    yield master, slave
    os.close(master)
    os.close(slave)


def _on_pty(argv: list[str], slave: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=as_a_persons_terminal,  # noqa: PLW1509
    )


def test_a_command_waiting_at_a_prompt_is_blocked_reading_its_terminal(
    pty: tuple[int, int],
) -> None:
    master, slave = pty
    device = frozenset({os.fstat(slave).st_rdev})
    proc = _on_pty(["sh", "-c", "read answer; sleep 30"], slave)
    try:
        _eventually(lambda: evidence.blocked_reading(master, device))
        os.write(master, b"yes\n")
        _eventually(lambda: evidence.blocked_reading(master, device) is False)
    finally:
        proc.kill()
        proc.wait()


def test_a_password_prompt_reads_dev_tty_with_echo_off(pty: tuple[int, int]) -> None:
    master, slave = pty
    device = frozenset({os.fstat(slave).st_rdev})
    code = "import getpass; getpass.getpass('Password: ')"
    proc = _on_pty([sys.executable, "-c", code], slave)
    try:
        _eventually(lambda: evidence.blocked_reading(master, device))
        modes = evidence.tty_modes(master)
        assert modes is not None
        assert modes.canonical
        assert not modes.echo
    finally:
        proc.kill()
        proc.wait()


def test_modes_that_cannot_be_read_are_none() -> None:
    read_end, write_end = os.pipe()
    try:
        assert evidence.tty_modes(read_end) is None
        assert evidence.blocked_reading(read_end, frozenset()) is None
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_pipe_reader_writing_to_the_terminal_is_found_and_seen_to_drain(
    pty: tuple[int, int],
) -> None:
    _, slave = pty
    read_end, write_end = os.pipe()
    reader = subprocess.Popen(["cat"], stdin=read_end, stdout=slave)
    os.close(read_end)
    try:
        readers = _eventually(lambda: evidence.pipe_readers(write_end, slave))
        assert readers == [reader.pid]
        os.write(write_end, b"line\n")
        _eventually(lambda: evidence.pipe_drained([reader.pid], write_end))
    finally:
        os.close(write_end)
        reader.wait()


def test_a_pipe_reader_writing_elsewhere_is_not_counted(pty: tuple[int, int]) -> None:
    _, slave = pty
    read_end, write_end = os.pipe()
    reader = subprocess.Popen(["cat"], stdin=read_end, stdout=subprocess.DEVNULL)
    os.close(read_end)
    try:
        _eventually(lambda: evidence.pipe_drained([reader.pid], write_end))  # it is reading
        assert evidence.pipe_readers(write_end, slave) == []
    finally:
        os.close(write_end)
        reader.wait()


def test_a_pipe_whose_readers_have_gone_is_drained_whatever_is_left_in_it() -> None:
    # `twirly -- yes | head -1`: head reads a line and exits, and what `yes` wrote after it
    # stays in the pipe. Nobody will make anything of it: waiting for it to be read is a hang.
    read_end, write_end = os.pipe()
    reader = subprocess.Popen(["head", "-c", "1"], stdin=read_end, stdout=subprocess.DEVNULL)
    os.close(read_end)
    try:
        os.write(write_end, b"y\n" * 1000)
        reader.wait(timeout=10)  # gone (reaped), its pipe still full
        assert evidence.pipe_drained([reader.pid], write_end) is True
        zombie = subprocess.Popen(["true"])
        _eventually(lambda: _state(zombie.pid) == "Z")  # (not reaped yet: a zombie)
        assert evidence.pipe_drained([zombie.pid], write_end) is True
        zombie.wait()
        # With no reader known (the kernel would not say who reads), only an empty pipe
        # counts as drained: here it is full.
        assert evidence.pipe_drained([], write_end) is False
    finally:
        os.close(write_end)


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as file:
        return file.read().rpartition(")")[2].split()[0]
