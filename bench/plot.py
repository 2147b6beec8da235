"""The frame-gap plot: every gap of every library under the three loads (matplotlib, Agg)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from bench.adapters import INTERVAL

TITLES = {
    "sleep": "main thread asleep",
    "python": "pure-Python loop",
    "gil": "one C call holding the GIL",
}


def frame_gaps(results: dict[str, Any], path: Path) -> bool:
    """Draw the plot to ``path``; False when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    subjects = results["subjects"]
    figure, axes = plt.subplots(1, 3, figsize=(15, 5.2), sharey=True)
    jitter = random.Random(1)
    for axis, (load, title) in zip(axes, TITLES.items(), strict=True):
        for index, subject in enumerate(subjects):
            gaps = results["spin"].get(subject, {}).get(load, {}).get("gaps_ms", [])
            colour = "tab:blue" if subject.startswith("twirly") else "tab:grey"
            xs = [index + jitter.uniform(-0.25, 0.25) for _ in gaps]
            axis.scatter(xs, gaps, s=9, alpha=0.5, color=colour, linewidths=0)
            if gaps:
                axis.plot([index - 0.35, index + 0.35], [max(gaps)] * 2, color="black", lw=1)
        axis.axhline(INTERVAL * 1000, color="tab:green", lw=1, ls="--")
        axis.set_title(title)
        axis.set_xticks(range(len(subjects)))
        axis.set_xticklabels(subjects, rotation=40, ha="right")
        axis.set_yscale("log")
        axis.grid(axis="y", which="both", alpha=0.3)
    axes[0].set_ylabel("gap between frames, ms (log scale)")
    figure.suptitle(
        "Frame gaps seen on the terminal, per library and load "
        "(dashed: the 80 ms interval; bar: the longest gap)"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True
