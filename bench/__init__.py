"""Benchmarks: twirly's three drivers against yaspin, halo, rich and alive-progress.

``python -m bench`` runs everything and writes ``bench/results/latest.{json,md}`` and the
frame-gap plot; ``python -m bench --smoke`` is the quick check CI runs. Each measurement runs
in a fresh child process (:mod:`bench.child`) attached to a pseudo-terminal.
"""
