"""Reads of ``/proc`` made holding the GIL, for a clock's frames.

Python lets go of the GIL around a system call (``open``, ``read``, ``close``...), so that
another thread may run meanwhile. For a call that never blocks this buys nothing and costs
much: a clock thread's frame made while the program's main thread computes then waits,
after each call, for the main thread to give the GIL back, up to a switch interval (5 ms)
each time, and makes the main thread switch each time. The look for a thread reading the
keyboard reads a file of ``/proc`` at each frame while another thread runs (its system
call: :mod:`twirly.echo`): an open, a read and a close.

The C library's functions called through :mod:`ctypes`' ``PyDLL`` keep the GIL. They are
loaded by :func:`load`, called where a clock makes its steady frames (after the first
frame: never on its path); until then, or where ctypes is missing, :func:`reader` answers
None and the callers use :mod:`os`, which lets go of it.
"""

from __future__ import annotations

import os

# For type checkers only: importing typing would cost a first spinner milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["load", "reader"]

#: The reader, once loaded (None: not yet; False: not to be had here).
_reader: Callable[[str, int], bytes | None] | bool | None = None


def reader() -> Callable[[str, int], bytes | None] | None:
    """``read(path, size)``: up to ``size`` bytes of a file that never blocks a read,
    holding the GIL (None: the file cannot be opened; b"": it could not be read). None
    until :func:`load` has loaded it, or where it cannot be had."""
    found = _reader
    return found if callable(found) else None


def load() -> None:
    """Load the reader (once; ctypes costs a first import of about 2 ms)."""
    global _reader
    if _reader is None:
        _reader = _made() or False


def _made() -> Callable[[str, int], bytes | None] | None:
    try:
        import ctypes

        libc = ctypes.PyDLL(None)  # (PyDLL: a call keeps the GIL)
        open_, read, close = libc.open, libc.read, libc.close
    except (ImportError, OSError, AttributeError):
        return None
    open_.argtypes, open_.restype = (ctypes.c_char_p, ctypes.c_int), ctypes.c_int
    read.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t)
    read.restype = ctypes.c_ssize_t
    close.argtypes, close.restype = (ctypes.c_int,), ctypes.c_int
    flags = os.O_RDONLY | os.O_CLOEXEC
    buffer_of: Any = ctypes.create_string_buffer

    def read_file(path: str, size: int) -> bytes | None:
        fd = open_(os.fsencode(path), flags)
        if fd < 0:
            return None
        try:
            buffer = buffer_of(size)  # (one per call: threads may read at once)
            count = read(fd, buffer, size)
            return buffer.raw[:count] if count >= 0 else b""
        finally:
            close(fd)

    return read_file
