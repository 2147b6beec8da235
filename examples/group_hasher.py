"""A thread pool hashing files, on one display: ``g.map`` and ``g.submit``.

``g.map(executor, fn, items, title=str)`` is ``executor.map`` with each call a task of the
group: every call is submitted at once, the results come back in order, and each call's
``twirly.current()`` is its own row (the context is copied when it is submitted), so
``sha256_of`` reports how far it got from its worker thread. The digest lines the main
thread prints while the pool works appear above the rows. Then ``g.submit`` runs one more
task, the digest of all the digests. ``hashlib`` lets go of the GIL on large buffers, so
the workers really run side by side.

The files are generated, not read: the same bytes every run.

    python examples/group_hasher.py             # HASH_FILES=6 HASH_MB=16 for a smaller run
"""

from __future__ import annotations

import hashlib
import os
import random
from concurrent.futures import ThreadPoolExecutor

import twirly

HASH_FILES = int(os.environ.get("HASH_FILES", "24"))
#: The largest file, in MiB; the sizes are spread between a quarter of this and all of it.
HASH_MB = float(os.environ.get("HASH_MB", "160"))
CHUNK = 1 << 20


def size_of(name: str) -> int:
    """The size of a generated file (the same for the same name)."""
    largest = max(int(HASH_MB * CHUNK), 1)
    return random.Random(name).randint(max(largest // 4, 1), largest)


def sha256_of(name: str) -> str:
    """The SHA-256 of the generated file ``name``, read in 1 MiB chunks."""
    row = twirly.current()
    size = size_of(name)
    chunk = random.Random(name).randbytes(min(CHUNK, size))  # (one block, repeated)
    digest = hashlib.sha256()
    done = 0
    while done < size:
        piece = chunk[: size - done]
        digest.update(piece)
        done += len(piece)
        row.text = f"{done * 100 // size:3d}% of {size / CHUNK:.1f} MiB"
    return digest.hexdigest()


def manifest_digest(lines: list[str]) -> str:
    """The SHA-256 of the manifest: every ``digest  name`` line."""
    return hashlib.sha256("".join(line + "\n" for line in lines).encode()).hexdigest()


def main() -> None:
    names = [f"part-{number:03d}.bin" for number in range(HASH_FILES)]
    lines = []
    with ThreadPoolExecutor(max_workers=4) as executor, twirly.group("Hashing") as g:
        for name, digest in zip(names, g.map(executor, sha256_of, names, title=str), strict=True):
            lines.append(f"{digest}  {name}")
            print(lines[-1])  # (like sha256sum; printed above the rows)
        manifest = g.submit(executor, manifest_digest, lines, title="manifest")
        total = manifest.result()
    print(f"manifest: {total}")


if __name__ == "__main__":
    main()
