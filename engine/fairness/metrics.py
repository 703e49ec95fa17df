"""Group rates from confusion counts, disparities, a vectorised bootstrap and significance tests.

Bootstrap: resampling n rows with replacement is, for statistics that depend only on each
row's (group, true label, predicted label) cell, the same as one multinomial draw of n over
those cells. So every resample is one multinomial vector, and 1,000 resamples are one
(1000, groups, 4) array: no Python loop over resamples, no metric call per resample.

Column-level disparities follow fairlearn's definitions (between groups, over groups large
enough to judge): demographic parity difference (max - min selection rate) and ratio (min /
max), equal opportunity difference (true positive rates), false positive rate difference,
equalized odds difference (the larger of those two) and ratio (the smaller of the two ratios).
Against the reference group (Aequitas): the disparate impact ratio is the smallest of
min(r, 1/r) over groups, r = selection rate / the reference group's, so 0.8 is the four-fifths
rule both ways.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from assay.engine.numeric_warnings import quiet_runtime_warnings

TP, FP, FN, TN = range(4)
COLUMN_DISPARITIES = ("demographic_parity_difference", "demographic_parity_ratio", "disparate_impact_ratio",
                      "equal_opportunity_difference", "false_positive_rate_difference",
                      "equalized_odds_difference", "equalized_odds_ratio")
LABEL_FREE_DISPARITIES = ("demographic_parity_difference", "demographic_parity_ratio", "disparate_impact_ratio")
GROUP_DISPARITIES = ("selection_rate_difference", "disparate_impact_ratio", "tpr_difference", "fpr_difference",
                     "equalized_odds_difference")
LOWER_IS_WORSE = {"demographic_parity_ratio", "disparate_impact_ratio", "equalized_odds_ratio"}


def confusion_counts(codes: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, n_groups: int) -> np.ndarray:
    """(groups, 4) counts of TP, FP, FN, TN; y_true and y_pred are booleans (positive = True)."""
    cell = np.where(y_pred, np.where(y_true, TP, FP), np.where(y_true, FN, TN))
    return np.bincount(codes * 4 + cell, minlength=n_groups * 4).reshape(n_groups, 4).astype(float)


def rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Rates per group from counts shaped (..., groups, 4); NaN where a rate is undefined."""
    tp, fp, fn, tn = (counts[..., k] for k in range(4))
    n = tp + fp + fn + tn
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "base_rate": (tp + fn) / n,
            "selection_rate": (tp + fp) / n,
            "accuracy": (tp + tn) / n,
            "tpr": tp / (tp + fn),
            "fpr": fp / (fp + tn),
            "fnr": fn / (tp + fn),
            "precision": tp / (tp + fp),
        }


def column_disparities(r: dict[str, np.ndarray], eligible: np.ndarray, reference: int | None
                       ) -> dict[str, np.ndarray]:
    """Disparities over the eligible groups (last axis); leading axes (bootstrap) are kept."""
    def spread(x):
        x = np.where(eligible, x, np.nan)
        return np.nanmax(x, axis=-1) - np.nanmin(x, axis=-1)

    def ratio(x):
        x = np.where(eligible, x, np.nan)
        return np.nanmin(x, axis=-1) / np.nanmax(x, axis=-1)

    with np.errstate(invalid="ignore", divide="ignore"), quiet_runtime_warnings():
        out = {
            "demographic_parity_difference": spread(r["selection_rate"]),
            "demographic_parity_ratio": ratio(r["selection_rate"]),
            "equal_opportunity_difference": spread(r["tpr"]),
            "false_positive_rate_difference": spread(r["fpr"]),
        }
        out["equalized_odds_difference"] = np.fmax(out["equal_opportunity_difference"],
                                                   out["false_positive_rate_difference"])
        out["equalized_odds_ratio"] = np.fmin(ratio(r["tpr"]), ratio(r["fpr"]))
        if reference is not None:
            rel = r["selection_rate"] / r["selection_rate"][..., [reference]]
            both_ways = np.where(eligible, np.fmin(rel, 1 / rel), np.nan)
            out["disparate_impact_ratio"] = np.nanmin(both_ways, axis=-1)
        else:
            out["disparate_impact_ratio"] = np.full(out["demographic_parity_ratio"].shape, np.nan)
    return out


def group_disparities(r: dict[str, np.ndarray], reference: int) -> dict[str, np.ndarray]:
    """Each group against the reference group (last axis: groups)."""
    def ref(x):
        return x[..., [reference]]

    with np.errstate(invalid="ignore", divide="ignore"):
        tpr_diff = r["tpr"] - ref(r["tpr"])
        fpr_diff = r["fpr"] - ref(r["fpr"])
        return {
            "selection_rate_difference": r["selection_rate"] - ref(r["selection_rate"]),
            "disparate_impact_ratio": r["selection_rate"] / ref(r["selection_rate"]),
            "tpr_difference": tpr_diff,
            "fpr_difference": fpr_diff,
            "equalized_odds_difference": np.fmax(np.abs(tpr_diff), np.abs(fpr_diff)),
        }


def bootstrap_counts(counts: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, groups, 4): each a multinomial draw of all rows over the (group, cell) counts."""
    total = int(counts.sum())
    flat = counts.ravel() / max(total, 1)
    return rng.multinomial(total, flat, size=resamples).reshape((resamples,) + counts.shape).astype(float)


def interval(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the first axis, ignoring resamples where the statistic is undefined."""
    tail = (1 - confidence) / 2 * 100
    with quiet_runtime_warnings():
        return np.nanpercentile(samples, tail, axis=0), np.nanpercentile(samples, 100 - tail, axis=0)


def proportion_test(x1: float, n1: float, x2: float, n2: float) -> float | None:
    """Two-sided two-proportion z-test (pooled); None when undefined."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return float(2 * stats.norm.sf(abs(x1 / n1 - x2 / n2) / se))


def homogeneity_test(successes: np.ndarray, totals: np.ndarray) -> float | None:
    """Chi-square test that a rate is the same in every group (groups with no rows left out)."""
    keep = totals > 0
    table = np.vstack([successes[keep], totals[keep] - successes[keep]])
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return None
    return float(stats.chi2_contingency(table, correction=False).pvalue)
