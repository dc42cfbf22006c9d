"""`certify census`: the gradient-descent census (certify.census)."""
from __future__ import annotations


def run(argv: list[str]) -> int:
    from ..census import run_census
    return run_census(argv)
