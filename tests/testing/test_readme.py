"""The README's example of twirly.testing runs as it is written, and its checks hold."""

from __future__ import annotations

import re

import pytest

from tests.support.ptyrun import ROOT

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
