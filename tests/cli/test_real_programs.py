"""Real programs under twirly, as a person runs them: pip, curl and pytest, judged on screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.cli.cli_support import GLYPHS, TWIRLY, twirly_in_pty
from tests.support.ptyrun import PtyProcess, clean_env
from tests.support.slow_http import SlowServer, make_wheel, simple_index


def _python_with_pip() -> str:
    """An interpreter that has pip (the project's own environment may not: uv makes none)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    path = os.environ.get("PATH", "").split(os.pathsep)  # every python3 on it, not the first
    candidates = [sys.executable, *(str(Path(folder) / "python3") for folder in path)]
    candidates += [str(p) for p in sorted(pyenv.glob("3.1[1-9]*/bin/python3"))]
    for candidate in candidates:
        if not Path(candidate).exists():
            continue
        version = [candidate, "-m", "pip", "--version"]
        if subprocess.run(version, capture_output=True, check=False).returncode == 0:
            return candidate
    pytest.skip("needs pip (python3 -m pip)")


def _glyphs_seen(output: bytes) -> set[str]:
    return {glyph for glyph in GLYPHS if glyph.encode() in output}


def test_pip_installing_from_a_slow_index_leaves_only_the_final_line(tmp_path: Path) -> None:
    python = _python_with_pip()
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = make_wheel(wheels, "twirlydemo", "0.1", payload=300_000)
    simple_index(tmp_path / "index", wheel, "twirlydemo")
    with SlowServer(tmp_path / "index", rate=150_000) as server:
        pip = [python, "-m", "pip", "install", "--index-url", f"{server.url}/simple"]
        pip += ["--no-cache-dir", "--disable-pip-version-check", "--target", str(tmp_path / "t")]
        env = {"PIP_CONFIG_FILE": "/dev/null", "PIP_NO_INPUT": "1"}
        with twirly_in_pty("-t", "installing", "--", *pip, "twirlydemo", env=env) as proc:
            assert proc.wait(timeout=120) == 0
            screen = proc.screen()
            output = bytes(proc.output)
    assert screen.text == "✔ installing"
    assert len(_glyphs_seen(output)) >= 5  # the spinner kept turning through the download
    assert (tmp_path / "t" / "twirlydemo" / "__init__.py").exists()


def test_curl_with_a_limited_rate_keeps_its_progress_meter_hidden(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.skip("needs curl")
    served = tmp_path / "served"
    served.mkdir()
    (served / "data.bin").write_bytes(bytes(range(256)) * 1200)  # 300 KB
    out = tmp_path / "data.bin"
    # curl's own --limit-rate lets a small file through at once from a fast local server (it
    # averages over the transfer), so the server is slow too: about 3 s for 300 KB.
    with SlowServer(served, rate=100_000) as server:
        curl = ["curl", "--limit-rate", "100K", "-o", str(out), f"{server.url}/data.bin"]
        with twirly_in_pty("-t", "fetching", "--", *curl) as proc:
            assert proc.wait(timeout=60) == 0
            screen = proc.screen()
            output = bytes(proc.output)
    assert screen.text == "✔ fetching"
    assert len(_glyphs_seen(output)) >= 5
    assert out.read_bytes() == (served / "data.bin").read_bytes()


def test_curl_silent_redirected_to_a_file_writes_the_page(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.skip("needs curl")
    served = tmp_path / "served"
    served.mkdir()
    page = served / "page.html"
    page.write_bytes(b"<html>\n" + bytes(range(256)) * 40 + b"\n</html>")  # no last newline
    out = tmp_path / "page.html"
    with SlowServer(served, rate=200_000) as server:
        command = f"{shlex.join(TWIRLY)} -t fetching -- curl -s {server.url}/page.html > {out}"
        with PtyProcess(["sh", "-c", command], env=clean_env()) as proc:
            assert proc.wait(timeout=60) == 0
            assert proc.screen().text == "✔ fetching"
    assert out.read_bytes() == page.read_bytes()


def test_pytest_with_slow_tests_keeps_the_spinner_with_show_output(tmp_path: Path) -> None:
    tests = tmp_path / "test_slow.py"
    tests.write_text(
        textwrap.dedent(
            """
            import time

            def test_one():
                time.sleep(1.0)

            def test_two():
                time.sleep(1.0)

            def test_three():
                time.sleep(1.0)
            """
        )
    )
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist"]
    command += ["-p", "no:randomly", "--rootdir", str(tmp_path), str(tests)]
    with twirly_in_pty("--show-output", "-t", "testing", "--", *command, cwd=tmp_path) as proc:
        proc.read_until("collected 3 items")
        frames = 0
        hidden = True
        while proc.proc.poll() is None and b"passed" not in proc.output:
            before = bytes(proc.output)
            proc.read_for(0.2)
            new = bytes(proc.output)[len(before) :]
            if b"passed" in new:
                break
            frames += sum(new.count(glyph.encode()) for glyph in GLYPHS)
            hidden = hidden and not proc.screen().cursor_visible
        assert proc.wait(timeout=60) == 0
        lines = [line for line in proc.screen().text_lines if line]
    assert hidden  # never taken for a prompt: the spinner kept the cursor hidden throughout
    assert frames >= 20  # about 12 frames a second for 3 s
    assert any(line.startswith("test_slow.py ...") for line in lines)
    assert lines[-1] == "✔ testing"
