"""Metric formulas. Each works on leading axes too, so one call scores every bootstrap resample.

Definitions follow scikit-learn 1.9 (tests compare every value with it):
- count metrics from the confusion matrix (true x predicted): precision, recall and F1 per class
  (undefined where the denominator is 0); macro averages over the classes present in the true or
  predicted labels, an undefined precision counting as 0 (scikit-learn's zero_division default);
  weighted averages by support; balanced accuracy the mean recall over classes with true rows;
- ROC-AUC with ties counted half (the trapezoid rule over distinct scores), average precision as
  the sum over distinct thresholds of (recall step) x precision, both from a table of positive and
  negative counts per distinct score;
- log loss with probabilities clipped to [eps, 1 - eps], eps = 2.2e-16; Brier score mean (p - y)^2
  for binary tasks and mean sum_k (p_k - y_k)^2 (range 0-2) for multiclass;
- expected calibration error: equal-width bins as scikit-learn's calibration_curve draws them
  (a score on an inner edge belongs to the lower bin), sum over bins of |positives - sum of
  scores| / rows;
- regression: mean_error = mean(prediction - target), MAPE as a share over rows whose target is
  not near zero (see `mape_floor`), R^2 = 1 - SSE / SST.
"""
from __future__ import annotations

import numpy as np

EPS = np.finfo(float).eps


def _div(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


# -- counts ------------------------------------------------------------------------------------


def count_metrics(confusion: np.ndarray) -> dict[str, np.ndarray]:
    """Metrics from confusion counts shaped (..., k, k), rows true, columns predicted.

    Per-class arrays (`class_precision`, ...) keep the class axis last; everything else has the
    leading shape. NaN marks an undefined value.
    """
    c = np.asarray(confusion, dtype=float)
    diag = np.diagonal(c, axis1=-2, axis2=-1)
    true = c.sum(axis=-1)
    predicted = c.sum(axis=-2)
    total = true.sum(axis=-1)
    precision = _div(diag, predicted)
    recall = _div(diag, true)
    f1 = _div(2 * diag, true + predicted)
    present = (true + predicted) > 0
    n_present = present.sum(axis=-1)
    out = {
        "accuracy": _div(diag.sum(axis=-1), total),
        "class_precision": precision, "class_recall": recall, "class_f1": f1,
        "class_support": true, "class_predicted": predicted,
    }
    for name, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        filled = np.nan_to_num(values, nan=0.0)
        out[f"macro_{name}"] = _div(np.where(present, filled, 0.0).sum(axis=-1), n_present)
        out[f"weighted_{name}"] = _div((filled * true).sum(axis=-1), total)
    has_true = true > 0
    out["balanced_accuracy"] = _div(np.where(has_true, np.nan_to_num(recall), 0.0).sum(axis=-1),
                                    has_true.sum(axis=-1))
    return out


def confusion_matrix(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """(k, k) counts from integer class codes."""
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k)


# -- scores, binary: a table of positives and negatives per distinct score ---------------------


def score_table(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct scores ascending and the positives / negatives at each (y boolean)."""
    values, inverse = np.unique(scores, return_inverse=True)
    positives = np.bincount(inverse, weights=y.astype(float), minlength=values.size)
    totals = np.bincount(inverse, minlength=values.size).astype(float)
    return values, positives, totals - positives


def table_auc(positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """ROC-AUC from counts per distinct score (ascending, last axis): P(score+ > score-) + ties / 2."""
    below = np.cumsum(negatives, axis=-1) - negatives
    pairs = (positives * (below + 0.5 * negatives)).sum(axis=-1)
    return _div(pairs, positives.sum(axis=-1) * negatives.sum(axis=-1))


def table_average_precision(positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """Average precision from counts per distinct score (ascending, last axis)."""
    p, n = positives[..., ::-1], negatives[..., ::-1]
    tp, fp = np.cumsum(p, axis=-1), np.cumsum(n, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1), 0.0)
    return _div((p * precision).sum(axis=-1), positives.sum(axis=-1))


def log_loss_terms(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Per-row log loss of a binary positive-class score."""
    p = np.clip(scores, EPS, 1 - EPS)
    return -np.where(y, np.log(p), np.log1p(-p))


def calibration_bins(scores: np.ndarray, bins: int) -> np.ndarray:
    """The equal-width bin of each score, as scikit-learn's calibration_curve assigns it."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    return np.searchsorted(edges[1:-1], scores)


def expected_calibration_error(outcome: np.ndarray, confidence: np.ndarray, bins: int) -> float:
    """Sum over equal-width bins of |outcomes - sum of confidences| / rows."""
    ids = calibration_bins(confidence, bins)
    gap = np.bincount(ids, weights=outcome.astype(float) - confidence, minlength=bins)
    return float(np.abs(gap).sum() / confidence.size) if confidence.size else float("nan")


def binary_score_metrics(y: np.ndarray, scores: np.ndarray, bins: int) -> dict[str, float]:
    """Exact ROC-AUC, average precision, log loss, Brier score and ECE (y boolean, scores in [0, 1])."""
    _, positives, negatives = score_table(y, scores)
    return {
        "roc_auc": float(table_auc(positives, negatives)),
        "average_precision": float(table_average_precision(positives, negatives)),
        "log_loss": float(log_loss_terms(y, scores).mean()),
        "brier": float(np.mean((scores - y) ** 2)),
        "ece": expected_calibration_error(y, scores, bins),
    }


# -- scores, multiclass ------------------------------------------------------------------------


def multiclass_score_metrics(y: np.ndarray, scores: np.ndarray, bins: int, scored: np.ndarray | None = None
                             ) -> dict[str, object]:
    """One-vs-rest ROC-AUC and average precision per class (NaN for a class without a score column,
    without true rows or without other rows), their macro means over the defined classes, log loss,
    Brier score and top-label ECE. y: class codes into the columns of scores (n, k)."""
    n, k = scores.shape
    scored = np.ones(k, dtype=bool) if scored is None else scored
    auc, ap = np.full(k, np.nan), np.full(k, np.nan)
    for c in np.flatnonzero(scored):
        _, positives, negatives = score_table(y == c, scores[:, c])
        auc[c] = table_auc(positives, negatives)
        ap[c] = table_average_precision(positives, negatives)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    p_true = scores[np.arange(n), y]
    with np.errstate(invalid="ignore"):
        return {
            "class_roc_auc": auc, "class_average_precision": ap,
            "roc_auc": float(np.nanmean(auc)) if np.isfinite(auc).any() else float("nan"),
            "average_precision": float(np.nanmean(ap)) if np.isfinite(ap).any() else float("nan"),
            "log_loss": float(-np.log(np.clip(p_true, EPS, 1 - EPS)).mean()) if n else float("nan"),
            "brier": float(((scores - onehot) ** 2).sum(axis=1).mean()) if n else float("nan"),
            "ece": expected_calibration_error(scores.argmax(axis=1) == y, scores.max(axis=1), bins),
        }


# -- regression --------------------------------------------------------------------------------


def mape_floor(reference_target: np.ndarray) -> float:
    """|target| below this is "near zero" and left out of MAPE: 0.1% of the reference's median
    |target| (the float epsilon when that median is 0)."""
    values = np.abs(reference_target[np.isfinite(reference_target)])
    median = float(np.median(values)) if values.size else 0.0
    return 1e-3 * median if median > 0 else EPS


def regression_metrics(y: np.ndarray, predicted: np.ndarray, floor: float) -> dict[str, float]:
    """Exact MAE, RMSE, MAPE (rows with |target| >= floor), median absolute error, R^2, mean error."""
    error = predicted - y
    absolute = np.abs(error)
    kept = np.abs(y) >= floor
    sst = float(((y - y.mean()) ** 2).sum()) if y.size else float("nan")
    sse = float((error ** 2).sum())
    return {
        "mae": float(absolute.mean()) if y.size else float("nan"),
        "rmse": float(np.sqrt((error ** 2).mean())) if y.size else float("nan"),
        "mape": float((absolute[kept] / np.abs(y[kept])).mean()) if kept.any() else float("nan"),
        "median_ae": float(np.median(absolute)) if y.size else float("nan"),
        "r2": 1.0 - sse / sst if sst > 0 else float("nan"),
        "mean_error": float(error.mean()) if y.size else float("nan"),
    }
