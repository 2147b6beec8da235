"""The measured libraries, and how to tell whether each is installed here."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    """One column of the results: a library (and driver) measured in every scenario."""

    name: str
    family: str  # "twirly", "baseline" or "peer"
    module: str  # importable when the library is installed
    import_statement: str  # what a program writes to use it

    @property
    def installed(self) -> bool:
        return importlib.util.find_spec(self.module) is not None


TWIRLY_IMPORT = "from twirly import Spinner"

SUBJECTS = (
    Subject("twirly-thread", "twirly", "twirly", TWIRLY_IMPORT),
    Subject("twirly-asyncio", "twirly", "twirly", TWIRLY_IMPORT),
    Subject("twirly-process", "twirly", "twirly", TWIRLY_IMPORT),
    Subject("book-thread", "baseline", "threading", "import itertools, threading"),
    Subject("book-asyncio", "baseline", "asyncio", "import asyncio, itertools"),
    Subject("book-process", "baseline", "multiprocessing", "import itertools, multiprocessing"),
    Subject("yaspin", "peer", "yaspin", "from yaspin import yaspin"),
    Subject("halo", "peer", "halo", "from halo import Halo"),
    Subject("rich", "peer", "rich", "from rich.console import Console"),
    Subject("alive-progress", "peer", "alive_progress", "from alive_progress import alive_bar"),
)


def available(names: list[str] | None = None, *, peers: bool = True) -> list[Subject]:
    """The subjects to measure: installed ones, optionally without the peers."""
    chosen = [s for s in SUBJECTS if s.installed and (peers or s.family != "peer")]
    if names:
        chosen = [s for s in chosen if s.name in names]
    return chosen
