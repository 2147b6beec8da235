"""Animate, colour and Unicode are three separate decisions."""

from __future__ import annotations

import pytest

from twirly.state import Capabilities


def caps(isatty: bool = True, encoding: str = "utf-8", **env: str) -> Capabilities:
    return Capabilities.detect(isatty=isatty, encoding=encoding, env={"TERM": "xterm", **env})


def test_a_utf8_terminal_gets_everything() -> None:
    assert caps() == Capabilities(animate=True, color=True, unicode=True)


def test_a_pipe_gets_nothing_to_animate_and_no_colour() -> None:
    assert caps(isatty=False) == Capabilities(animate=False, color=False, unicode=True)


def test_no_color_turns_colour_off_and_nothing_else() -> None:
    assert caps(NO_COLOR="1") == Capabilities(animate=True, color=False, unicode=True)


def test_force_color_turns_colour_on_and_nothing_else() -> None:
    assert caps(isatty=False, FORCE_COLOR="1") == Capabilities(
        animate=False, color=True, unicode=True
    )
    assert caps(isatty=False, FORCE_COLOR="0").color is False


@pytest.mark.parametrize("value", ["0", "false", "no", "off"])
def test_force_color_0_turns_colour_off_on_a_terminal_too(value: str) -> None:
    # As chalk reads it (whose 1/2/3 colour depths twirly reads too): nobody sets
    # FORCE_COLOR=0 to have colour.
    assert caps(FORCE_COLOR=value) == Capabilities(animate=True, color=False, unicode=True)
    assert caps(FORCE_COLOR="") == caps()  # (empty: as if unset)


@pytest.mark.parametrize("term", ["vt100", "vt220", "xterm-mono", "linux-m", "ansi-mono"])
def test_a_monochrome_terminal_gets_no_colour_unless_forced(term: str) -> None:
    assert caps(TERM=term).color is False
    assert caps(TERM=term).animate is True
    assert caps(TERM=term, FORCE_COLOR="1").color is True


@pytest.mark.parametrize("value", ["true", "1", "yes", "GitHub"])
def test_ci_is_off_a_terminal_no_animation_no_colour(value: str) -> None:
    assert caps(CI=value) == Capabilities(animate=False, color=False, unicode=True)
    assert caps(CI=value, FORCE_COLOR="1").color is True


def test_ci_false_is_not_ci() -> None:
    assert caps(CI="false").animate is True


def test_dumb_terminals_get_no_animation_colour_or_unicode() -> None:
    assert caps(TERM="dumb") == Capabilities(animate=False, color=False, unicode=False)


def test_the_linux_console_animates_in_ascii() -> None:
    assert caps(TERM="linux") == Capabilities(animate=True, color=True, unicode=False)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252", ""])
def test_non_utf8_encodings_fall_back_to_ascii(encoding: str) -> None:
    assert caps(encoding=encoding).unicode is False


def test_explicit_overrides_win_over_the_environment() -> None:
    assert caps(isatty=False, TWIRLY_ANIMATE="1").animate is True
    assert caps(TWIRLY_ANIMATE="0").animate is False
    assert Capabilities.detect(isatty=False, encoding="utf-8", env={}, animate=True).animate
    assert not Capabilities.detect(isatty=True, encoding="utf-8", env={}, animate=False).animate
