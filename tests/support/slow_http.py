"""A small HTTP server on 127.0.0.1 that serves a folder slowly, as a real network does.

Programs that download (pip, curl) draw progress bars, colour tails and pauses only when the
bytes come slowly; a ``file://`` URL or a ``--find-links`` folder never pauses and hides
what happens in between. ``make_wheel`` and ``simple_index`` build a package index to serve.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

__all__ = ["SlowServer", "make_wheel", "simple_index"]


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: _Server

    def copyfile(self, source: Any, outputfile: Any) -> None:
        chunk = self.server.chunk
        pause = chunk / self.server.rate
        while data := source.read(chunk):
            outputfile.write(data)
            outputfile.flush()
            time.sleep(pause)

    def log_message(self, format: str, *args: object) -> None:
        pass  # a quiet test


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    rate = 50_000
    chunk = 2048


class SlowServer:
    """Serves ``root`` at :attr:`url`, at about ``rate`` bytes a second per download."""

    def __init__(self, root: Path, *, rate: int = 50_000, chunk: int = 2048) -> None:
        def handler(*args: Any, **kwargs: Any) -> _Handler:
            return _Handler(*args, directory=str(root), **kwargs)

        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.rate = rate
        self._server.chunk = chunk
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SlowServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def make_wheel(folder: Path, name: str, version: str, *, payload: int = 0) -> Path:
    """A pure-Python wheel of package ``name`` with ``payload`` bytes of incompressible data
    (so that a download takes time and pip draws its progress bar)."""
    import os

    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{name}/payload.bin": os.urandom(payload),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: twirly-tests\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def simple_index(root: Path, wheel: Path, name: str) -> None:
    """Lay out ``root`` as a PEP 503 index (``/simple/NAME/``) offering ``wheel``."""
    files = root / "files"
    files.mkdir(parents=True, exist_ok=True)
    (files / wheel.name).write_bytes(wheel.read_bytes())
    project = root / "simple" / name
    project.mkdir(parents=True, exist_ok=True)
    link = f'<a href="../../files/{wheel.name}">{wheel.name}</a>'
    (project / "index.html").write_text(f"<!DOCTYPE html><html><body>{link}</body></html>\n")
    (root / "simple" / "index.html").write_text(
        f'<!DOCTYPE html><html><body><a href="{name}/">{name}</a></body></html>\n'
    )
