"""Holm's step-down correction of a family of p-values (Holm 1979): the i-th smallest of m p-values is
multiplied by m - i + 1, the results made non-decreasing in that order and capped at 1. Missing p-values (None)
stay missing and do not count in m."""
from __future__ import annotations


def holm(p_values: list[float | None]) -> list[float | None]:
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(present)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
