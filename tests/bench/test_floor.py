"""``bench.floor``: each of its programs draws frames on its pseudo-terminal and reports a cost."""

from __future__ import annotations

from bench.floor import CHILD, VARIANTS
from bench.group import run_on_pty


def test_every_program_draws_frames_and_reports_its_cost_per_frame() -> None:
    for variant in VARIANTS:
        run = run_on_pty(CHILD, [variant, "0.1", "0.4"], timeout=60)
        assert run.result is not None, (variant, bytes(run.data)[-300:])
        assert run.result["frames"] >= 3, (variant, run.result)
        assert run.result["cpu_us"] > 0, (variant, run.result)
        # Every program turns the glyph on the terminal (from wherever in the cycle it starts).
        turned = {glyph for glyph in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏" if glyph.encode() in run.data}
        assert len(turned) >= 3, (variant, bytes(run.data))
