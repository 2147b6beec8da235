"""``bench.floor``: each of its programs draws frames on its pseudo-terminal and reports a cost."""

from __future__ import annotations

from bench.floor import ASYNCIO_VARIANTS, VARIANTS, run


def test_every_program_draws_frames_and_reports_its_cost_per_frame() -> None:
    for variant in VARIANTS + ASYNCIO_VARIANTS:
        report, output = run(variant, 0.1, 0.4)
        assert report["frames"] >= 3, (variant, report)
        assert report["cpu_us"] > 0, (variant, report)
        # Every program turns the glyph on the terminal (from wherever in the cycle it starts).
        turned = {glyph for glyph in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏" if glyph.encode() in output}
        assert len(turned) >= 3, (variant, output)
