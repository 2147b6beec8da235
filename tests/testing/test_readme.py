"""The README's example of twirly.testing runs as it is written, and its checks hold."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support.ptyrun import ROOT, clean_env

SECTION = "## Testing what your program draws: `twirly.testing`"


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(SECTION) :]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None, "the section has no Python example"
    return found.group(1)


def test_the_readme_example_runs_and_its_assertions_hold() -> None:
    code = readme_example()
    assert code.count("assert ") >= 4, code  # (an example that checks nothing proves nothing)
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(code, "README.md", "exec"), namespace)
    vt = namespace["vt"]
    assert vt.lines[:3] == ["copied a.txt", "copied b.txt", "✔ 2 files backed up"]  # type: ignore[attr-defined]


#: Environments that would take Unicode, colour or animation away from a real terminal, or
#: give it more colours: a virtual terminal shows what it declares in all of them.
HOSTILE = {
    "TERM=dumb": {"TERM": "dumb"},
    "Linux console": {"TERM": "linux"},
    "C locale, no colour, CI": {"LANG": "C", "LC_ALL": "C", "NO_COLOR": "1", "CI": "1"},
    "true colour forced": {"FORCE_COLOR": "3", "COLORTERM": "truecolor", "TWIRLY_ANIMATE": "0"},
}


@pytest.mark.parametrize("env", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_readme_example_holds_whatever_the_environment_says(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    exec(compile(readme_example(), "README.md", "exec"), {"__name__": "readme_example"})


def test_the_readme_example_holds_in_a_process_that_cannot_write_unicode() -> None:
    # The locale and the encoding of the process's own streams (ASCII here) are not the
    # virtual terminal's, which declares Unicode.
    ascii_only = {
        "TERM": "dumb",
        "LANG": "C",
        "LC_ALL": "C",
        "PYTHONUTF8": "0",
        "PYTHONCOERCECLOCALE": "0",
        "PYTHONIOENCODING": "ascii",
    }
    done = subprocess.run(
        [sys.executable, "-"],  # (the code on stdin: a C locale cannot decode it in argv)
        input=readme_example().encode(),
        env=clean_env(ascii_only),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("ascii", "replace")


def test_a_wrong_claim_in_the_example_would_fail() -> None:
    code = readme_example().replace('"⠸ Warming up"', '"⠹ Warming up"')
    with pytest.raises(AssertionError):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})


def test_the_module_docstring_example_runs() -> None:
    import textwrap

    import twirly.testing

    doc = twirly.testing.__doc__
    assert doc is not None
    block = doc.split("::\n\n", 1)[1].split("\n\n", 2)
    code = textwrap.dedent("\n\n".join(block[:2]))
    assert "assert vt.screen_text ==" in code, code
    exec(compile(code, "twirly/testing.py", "exec"), {"__name__": "docstring_example"})
