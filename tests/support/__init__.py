"""Test support: real pseudo-terminals and a virtual screen to read what a person would see."""
