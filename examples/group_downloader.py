"""Ten thousand downloads under one display: ``g.gather`` keeps ``asyncio.gather``'s promises.

Each pretend fetch awaits ``asyncio.sleep`` a few times and reports how far it got through
``twirly.current().text``; a few of them fail. The fetches that run longest get rows (the
ones that finish in a blink are only counted), each failure is printed above the rows the
moment it happens, and the summary row counts everything. ``return_exceptions=True`` gives
the failures back in place, as ``asyncio.gather`` does.

    python examples/group_downloader.py            # DOWNLOADS=500 DOWNLOAD_SECONDS=1 for less
"""

from __future__ import annotations

import asyncio
import os
import random

import twirly

DOWNLOADS = int(os.environ.get("DOWNLOADS", "10000"))
#: The slowest fetch takes this long; most take much less.
DOWNLOAD_SECONDS = float(os.environ.get("DOWNLOAD_SECONDS", "3"))
FAILURES = 3
CHUNKS = 5

rng = random.Random(19)  # the same run every time: the same fetches fail
FAILING = set(rng.sample(range(DOWNLOADS), min(FAILURES, DOWNLOADS)))


def url_of(number: int) -> str:
    return f"https://example.com/{number:05d}.tgz"


async def fetch(number: int) -> int:
    """Pretend to download one file in a few chunks; return its size in bytes."""
    row = twirly.current()
    # Most fetches are quick; one in ten is slow, and those are the ones that get rows.
    share = rng.random() ** 3 if rng.random() < 0.9 else rng.uniform(0.3, 1.0)
    seconds = 0.02 + share * DOWNLOAD_SECONDS
    size = rng.randint(10_000, 3_000_000)
    for chunk in range(CHUNKS):
        row.text = f"{chunk * 100 // CHUNKS:3d}% of {size / 1e6:.1f} MB"
        await asyncio.sleep(seconds / CHUNKS)
        if number in FAILING and chunk == CHUNKS // 2:
            raise ConnectionResetError("reset by peer")
    return size


async def download_all() -> list[int | BaseException]:
    urls = [url_of(number) for number in range(DOWNLOADS)]
    async with twirly.group("Downloading") as g:
        return await g.gather(
            *(fetch(number) for number in range(DOWNLOADS)), titles=urls, return_exceptions=True
        )


def main() -> None:
    results = asyncio.run(download_all())
    sizes = [result for result in results if isinstance(result, int)]
    failed = len(results) - len(sizes)
    print(f"{len(sizes):,} files, {sum(sizes) / 1e9:.2f} GB; {failed} failed")


if __name__ == "__main__":
    main()
