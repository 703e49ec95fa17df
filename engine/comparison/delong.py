"""DeLong's test for two correlated ROC-AUCs on the same rows, by the fast midrank algorithm of Sun & Xu (2014):
O(n log n) from three rankings per model instead of the n_pos x n_neg comparison table of DeLong et al. (1988).

For one model with m positives X and n negatives Y, with midranks Tz over all rows, Tx over the positives alone and
Ty over the negatives alone, the structural components are V10_i = (Tz_i - Tx_i) / n (positive i) and
V01_j = 1 - (Tz_j - Ty_j) / m (negative j); the AUC is their mean. Across models, S10 and S01 are the covariance
matrices of those components and the covariance of the AUCs is S10 / m + S01 / n. Ties count a half, as in
scikit-learn's roc_auc_score.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class DelongResult:
    """AUCs of the champion (a) and the challenger (b), b - a, its standard error, interval and two-sided p."""

    auc_a: float
    auc_b: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    z: float


def midranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their mean rank (scipy's "average")."""
    return stats.rankdata(values, method="average")


def structural_components(positive: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(V10 over the positives, V01 over the negatives) of one model's scores (Sun & Xu, section 3)."""
    x, y = scores[positive], scores[~positive]
    m, n = x.size, y.size
    tz = midranks(np.concatenate([x, y]))
    v10 = (tz[:m] - midranks(x)) / n
    v01 = 1.0 - (tz[m:] - midranks(y)) / m
    return v10, v01


def auc_covariance(positive: np.ndarray, *scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(AUCs, their covariance matrix) of the models' scores on the same rows."""
    positive = np.asarray(positive, dtype=bool)
    parts = [structural_components(positive, np.asarray(s, dtype=float)) for s in scores]
    v10 = np.vstack([p[0] for p in parts])
    v01 = np.vstack([p[1] for p in parts])
    m, n = v10.shape[1], v01.shape[1]
    aucs = v10.mean(axis=1)
    covariance = np.atleast_2d(np.cov(v10)) / m + np.atleast_2d(np.cov(v01)) / n
    return aucs, covariance


def delong_test(positive: np.ndarray, champion: np.ndarray, challenger: np.ndarray,
                confidence: float = 0.95) -> DelongResult | None:
    """DeLong's paired test of challenger - champion; None when a class has fewer than two rows (no variance)."""
    positive = np.asarray(positive, dtype=bool)
    if positive.sum() < 2 or (~positive).sum() < 2:
        return None
    aucs, cov = auc_covariance(positive, champion, challenger)
    difference = float(aucs[1] - aucs[0])
    variance = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    se = float(np.sqrt(max(variance, 0.0)))
    quantile = stats.norm.ppf(0.5 + confidence / 2)
    if se <= 0:  # identical rankings: no difference to test
        z, p = 0.0, 1.0 if difference == 0 else 0.0
    else:
        z = difference / se
        p = float(2 * stats.norm.sf(abs(z)))
    return DelongResult(auc_a=float(aucs[0]), auc_b=float(aucs[1]), difference=difference, se=se,
                        ci_low=difference - quantile * se, ci_high=difference + quantile * se, p_value=p, z=z)
