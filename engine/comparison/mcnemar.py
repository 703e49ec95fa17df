"""The exact McNemar test of two models' accuracies on the same rows: among the rows where exactly one model is
right (the discordant pairs), is each model equally likely to be the right one? Under that hypothesis the
challenger's wins are Binomial(b + c, 1/2); the p-value is the exact two-sided binomial one (scipy's binomtest).
The interval of the accuracy difference is the Wald interval for paired proportions."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class McnemarResult:
    """Accuracies of the champion (a) and the challenger (b), b - a and its interval, the discordant counts:
    `a_only` rows only the champion gets right, `b_only` only the challenger; the exact p-value."""

    accuracy_a: float
    accuracy_b: float
    difference: float
    ci_low: float
    ci_high: float
    a_only: int
    b_only: int
    p_value: float


def exact_p_value(a_only: int, b_only: int) -> float:
    """Two-sided exact p: twice the smaller binomial tail of the discordant pairs (at most 1)."""
    discordant = a_only + b_only
    if discordant == 0:
        return 1.0
    return float(min(1.0, 2.0 * stats.binom.cdf(min(a_only, b_only), discordant, 0.5)))


def mcnemar_test(correct_a: np.ndarray, correct_b: np.ndarray, confidence: float = 0.95) -> McnemarResult | None:
    """The test on two boolean arrays (each row: was the model right?); None without rows."""
    correct_a, correct_b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    n = correct_a.size
    if n == 0:
        return None
    a_only = int((correct_a & ~correct_b).sum())
    b_only = int((correct_b & ~correct_a).sum())
    difference = (b_only - a_only) / n
    se = np.sqrt(max((a_only + b_only) - (b_only - a_only) ** 2 / n, 0.0)) / n
    quantile = stats.norm.ppf(0.5 + confidence / 2)
    return McnemarResult(accuracy_a=float(correct_a.mean()), accuracy_b=float(correct_b.mean()),
                         difference=float(difference), ci_low=float(difference - quantile * se),
                         ci_high=float(difference + quantile * se), a_only=a_only, b_only=b_only,
                         p_value=exact_p_value(a_only, b_only))
