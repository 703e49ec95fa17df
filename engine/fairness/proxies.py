"""Proxies: model inputs strongly associated with a sensitive column.

Cramér's V for a categorical input, the correlation ratio (eta) for a numerical one, both 0-1,
computed on a seeded sample of the reference.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats.contingency import association

SAMPLE_ROWS = 50_000


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    table = pd.crosstab(a, b).to_numpy()
    if min(table.shape) < 2:
        return 0.0
    return float(association(table, method="cramer"))


def correlation_ratio(groups: np.ndarray, values: np.ndarray) -> float:
    """eta = sqrt(between-group sum of squares / total sum of squares)."""
    keep = np.isfinite(values)
    groups, values = groups[keep], values[keep]
    if values.size < 2:
        return 0.0
    codes, _ = pd.factorize(groups)
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=values) / counts
    total = np.sum((values - values.mean()) ** 2)
    between = np.sum(counts * (means - values.mean()) ** 2)
    return float(np.sqrt(between / total)) if total > 0 else 0.0


def sample_rows(n: int, seed: int) -> np.ndarray:
    if n <= SAMPLE_ROWS:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, SAMPLE_ROWS, replace=False))
