"""``Output``: whether a frame can be written now without blocking, as select() says, and
bytes sent whole."""

from __future__ import annotations

import os
import pty
import select
import threading

import pytest

from twirly.output import NOWHERE, Output


def _full_pipe() -> tuple[int, int]:
    read, write = os.pipe()
    os.set_blocking(write, False)
    try:
        while True:
            os.write(write, b"x" * 65536)
    except BlockingIOError:
        pass
    return read, write


def test_a_terminal_with_room_takes_a_frame() -> None:
    master, slave = pty.openpty()
    try:
        assert Output(NOWHERE, slave).writable() is True
    finally:
        os.close(master)
        os.close(slave)


def test_a_full_pipe_does_not_and_then_does_once_read() -> None:
    read, write = _full_pipe()
    try:
        output = Output(NOWHERE, write)
        assert output.writable() is False
        while select.select([read], [], [], 0)[0] and not select.select([], [write], [], 0)[1]:
            os.read(read, 65536)
        assert output.writable() is True  # (the same check, asked again)
    finally:
        os.close(read)
        os.close(write)


def test_a_descriptor_whose_reader_went_away_takes_the_write_that_reports_it() -> None:
    # select() counts an error to report as writable: the write then tells the output to go
    # quiet for good.
    read, write = os.pipe()
    os.close(read)
    try:
        output = Output(NOWHERE, write)
        assert output.writable() is True
        output.write("frame")
        assert output.dead
    finally:
        os.close(write)


def test_a_descriptor_that_is_not_open_takes_no_frame() -> None:
    # (The highest number the process may open: nothing else in the test opens it.)
    highest = os.sysconf("SC_OPEN_MAX") - 1
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(highest)
    assert Output(NOWHERE, highest).writable() is False


@pytest.mark.parametrize("swap", [False, True])
def test_the_check_follows_the_descriptor_it_is_given(swap: bool) -> None:
    read, full = _full_pipe()
    master, slave = pty.openpty()
    try:
        output = Output(NOWHERE, slave if swap else full)
        assert output.writable() is swap
        output.fd = full if swap else slave  # (the capture's descriptor, then the terminal's)
        assert output.writable() is not swap
    finally:
        for fd in (read, full, master, slave):
            os.close(fd)


def test_bytes_sent_are_written_whole_when_the_descriptor_takes_them_piecemeal() -> None:
    # A steady frame's write (Output.send): the rest of a partial write, and a write that
    # would block at first, wait for room rather than drop.
    read, write = _full_pipe()
    data = b"frame " * 40_000
    try:
        output = Output(NOWHERE, write)
        got = bytearray()

        def drain() -> None:
            while not got.endswith(data):
                got.extend(os.read(read, 65536))

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        output.send(data)
        reader.join(30)
        assert not output.dead
        assert got.endswith(data)
    finally:
        os.close(read)
        os.close(write)


def test_bytes_sent_to_a_reader_gone_end_all_output() -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        output = Output(NOWHERE, write)
        output.send(b"frame")
        assert output.dead
        output.send(b"frame")  # (nothing more is tried)
    finally:
        os.close(write)
