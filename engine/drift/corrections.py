"""Multiple-testing corrections across columns: Bonferroni, Holm, Benjamini-Hochberg, none."""
from __future__ import annotations

import numpy as np

CORRECTIONS = ("holm", "bonferroni", "bh", "none")


def adjust(p_values: list[float | None], method: str) -> list[float | None]:
    """Adjusted p-values in the input order; None entries (distances, untested) stay None."""
    if method not in CORRECTIONS:
        raise ValueError(f"unknown correction {method!r}; allowed: {', '.join(CORRECTIONS)}")
    index = [i for i, p in enumerate(p_values) if p is not None and p == p]
    out: list[float | None] = [None] * len(p_values)
    if not index:
        return out
    p = np.array([p_values[i] for i in index], dtype=float)
    k = p.size
    if method == "none":
        adjusted = p
    elif method == "bonferroni":
        adjusted = np.minimum(p * k, 1.0)
    elif method == "holm":
        order = np.argsort(p, kind="stable")
        stepped = np.maximum.accumulate(p[order] * (k - np.arange(k)))
        adjusted = np.empty(k)
        adjusted[order] = np.minimum(stepped, 1.0)
    else:  # Benjamini-Hochberg step-up
        order = np.argsort(p, kind="stable")[::-1]
        ranks = k - np.arange(k)  # ranks of the p-values from largest to smallest
        stepped = np.minimum.accumulate(p[order] * k / ranks)
        adjusted = np.empty(k)
        adjusted[order] = np.minimum(stepped, 1.0)
    for i, value in zip(index, adjusted):
        out[i] = float(value)
    return out
