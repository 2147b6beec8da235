"""A build on one display: ``twirly.TaskGroup`` runs the targets, ``twirly.step`` nests rows.

Each target is a task of the ``TaskGroup`` (the same semantics as ``asyncio.TaskGroup``: if
one raised, the others would be cancelled and ``except*`` would get the original error).
Inside a target, ``async with twirly.step("compile")`` makes a row under the target's row,
indented; when a target is done its steps' rows go with it. ``persist="all"`` leaves a line
for every finished step and target, ``parent › child``, in the order they ended. One target
ends with a warning (``twirly.current().warn``), and the tests target is skipped.

    python examples/group_build.py              # BUILD_SECONDS=0.5 for a quicker build
"""

from __future__ import annotations

import asyncio
import os

import twirly

#: About how long the slowest target takes.
BUILD_SECONDS = float(os.environ.get("BUILD_SECONDS", "4"))

#: Each target's steps, with the share of ``BUILD_SECONDS`` each takes.
TARGETS: dict[str, list[tuple[str, float]]] = {
    "libcore": [("configure", 0.10), ("compile", 0.45), ("link", 0.10)],
    "libnet": [("configure", 0.10), ("compile", 0.60), ("link", 0.15)],
    "cli": [("configure", 0.05), ("compile", 0.30), ("link", 0.10)],
    "docs": [("render", 0.50), ("index", 0.20)],
    "plugins": [("fetch", 0.20), ("compile", 0.50), ("link", 0.10)],
    "tests": [],
}
UNITS = 8  # source files per compile step


async def run_step(name: str, share: float) -> None:
    """One step of a target, as a row under the target's row."""
    async with twirly.step(name):
        row = twirly.current()  # (the step's own row)
        for unit in range(UNITS):
            row.text = f"{unit}/{UNITS}"
            await asyncio.sleep(share * BUILD_SECONDS / UNITS)


async def build(target: str) -> str:
    """Build one target, step by step."""
    row = twirly.current()  # the target's row
    steps = TARGETS[target]
    if not steps:
        row.skip("nothing to run on this platform")
        return target
    for name, share in steps:
        await run_step(name, share)
    if target == "docs":
        row.warn("2 broken links")
    return target


async def main() -> None:
    async with twirly.TaskGroup("Building", persist="all", show_after=0) as tg:
        tasks = [tg.create_task(build(target), title=target) for target in TARGETS]
        tg.write(f"building {len(tasks)} targets")
    built = [task.result() for task in tasks]
    print(f"built: {', '.join(built)}")


if __name__ == "__main__":
    asyncio.run(main())
