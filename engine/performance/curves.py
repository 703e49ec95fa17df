"""What the Performance page and the PDF draw: ROC and precision-recall curves, the reliability
diagram, the threshold sweep, residuals and prediction distributions; at most a few hundred
points each, computed exactly from every row and then thinned."""
from __future__ import annotations

import numpy as np

from assay.engine.performance import metrics as M
from assay.engine.performance.results import (CalibrationCurve, Curve, Histogram, PredictionDistribution, Residuals,
                                        ThresholdSweep)

MAX_POINTS = 200
SWEEP_STEPS = 101  # thresholds 0.00, 0.01, ..., 1.00
SCORE_BINS = 20
RESIDUAL_BINS = 40
RESIDUAL_QUANTILE_BINS = 20
SCATTER_ROWS = 2000


def thin(*series: np.ndarray, max_points: int = MAX_POINTS) -> list[np.ndarray]:
    """Keep at most max_points points, spread evenly along the curve's length (first and last kept).
    The first two series are the curve's x and y."""
    x, y = series[0], series[1]
    if x.size <= max_points:
        return list(series)
    step = np.abs(np.diff(x)) + np.abs(np.diff(y))
    length = np.concatenate([[0.0], np.cumsum(step)])
    targets = np.linspace(0.0, length[-1], max_points)
    keep = np.unique(np.concatenate([[0, x.size - 1], np.searchsorted(length, targets).clip(0, x.size - 1)]))
    return [s[keep] for s in series]


def _floats(values) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _maybe(values) -> tuple[float | None, ...]:
    return tuple(None if v is None or not np.isfinite(v) else float(v) for v in values)


def roc_and_pr(is_positive: np.ndarray, scores: np.ndarray, label: str, auc: float | None, ap: float | None
               ) -> tuple[Curve | None, Curve | None]:
    """One class's ROC and PR curves (None where the class or the rest is absent)."""
    values, positives, negatives = M.score_table(is_positive, scores)
    p_total, n_total = positives.sum(), negatives.sum()
    tp, fp = np.cumsum(positives[::-1]), np.cumsum(negatives[::-1])
    thresholds = values[::-1].astype(float)
    roc = pr = None
    if p_total > 0 and n_total > 0:
        x, y, t = thin(np.r_[0.0, fp / n_total], np.r_[0.0, tp / p_total], np.r_[np.nan, thresholds])
        roc = Curve("roc", label, _floats(x), _floats(y), _maybe(t), auc)
    if p_total > 0:
        precision = tp / np.maximum(tp + fp, 1)
        x, y, t = thin(np.r_[0.0, tp / p_total], np.r_[1.0, precision], np.r_[np.nan, thresholds])
        pr = Curve("pr", label, _floats(x), _floats(y), _maybe(t), ap)
    return roc, pr


def calibration(outcome: np.ndarray, confidence: np.ndarray, bins: int, label: str) -> CalibrationCurve:
    ids = M.calibration_bins(confidence, bins)
    count = np.bincount(ids, minlength=bins)
    score_sum = np.bincount(ids, weights=confidence, minlength=bins)
    hits = np.bincount(ids, weights=outcome.astype(float), minlength=bins)
    edges = np.round(np.linspace(0.0, 1.0, bins + 1), 12)
    keep = count > 0
    return CalibrationCurve(label, _floats(edges[:-1][keep]), _floats(edges[1:][keep]),
                            _floats(score_sum[keep] / count[keep]), _floats(hits[keep] / count[keep]),
                            tuple(int(c) for c in count[keep]))


def threshold_sweep(is_positive: np.ndarray, scores: np.ndarray) -> ThresholdSweep:
    """Metrics at thresholds 0, 0.01, ..., 1: the confusion counts at every threshold from one sort,
    then the same count formulas as the headline metrics."""
    values, positives, negatives = M.score_table(is_positive, scores)
    thresholds = np.linspace(0.0, 1.0, SWEEP_STEPS)
    below = np.searchsorted(values, thresholds, side="left")  # scores < threshold predict negative
    p_below = np.r_[0.0, np.cumsum(positives)][below]
    n_below = np.r_[0.0, np.cumsum(negatives)][below]
    tp, fp = positives.sum() - p_below, negatives.sum() - n_below
    fn, tn = p_below, n_below
    confusion = np.stack([np.stack([tn, fp], -1), np.stack([fn, tp], -1)], -2)  # classes (negative, positive)
    counts = M.count_metrics(confusion)
    total = tp + fp + fn + tn
    metrics = {
        "accuracy": counts["accuracy"], "balanced_accuracy": counts["balanced_accuracy"],
        "precision": counts["class_precision"][:, 1], "recall": counts["class_recall"][:, 1],
        "f1": counts["class_f1"][:, 1], "positive_rate": np.where(total > 0, (tp + fp) / np.maximum(total, 1), np.nan),
    }
    return ThresholdSweep(_floats(np.round(thresholds, 10)), {k: _maybe(v) for k, v in metrics.items()})


def histogram(values: np.ndarray, edges: np.ndarray) -> Histogram:
    """Counts over fixed edges; values beyond them are counted in the end bins."""
    clipped = np.clip(values[np.isfinite(values)], edges[0], edges[-1])
    counts, _ = np.histogram(clipped, bins=edges)
    return Histogram(_floats(edges), tuple(int(c) for c in counts))


def value_edges(*arrays: np.ndarray, bins: int = 30) -> np.ndarray:
    """Equal-width edges over the 0.5th-99.5th percentiles of the values of all arrays together."""
    values = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.array([])
    if values.size == 0:
        return np.linspace(0.0, 1.0, bins + 1)
    low, high = np.percentile(values, [0.5, 99.5])
    if high <= low:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1)


def residuals(y: np.ndarray, predicted: np.ndarray, edges: np.ndarray, rng: np.random.Generator) -> Residuals:
    error = predicted - y
    order = np.argsort(predicted, kind="stable")
    parts = [p for p in np.array_split(order, min(RESIDUAL_QUANTILE_BINS, max(order.size, 1))) if p.size]
    centre = [float(np.median(predicted[p])) for p in parts]
    mean = [float(error[p].mean()) for p in parts]
    low = [float(np.percentile(error[p], 10)) for p in parts]
    high = [float(np.percentile(error[p], 90)) for p in parts]
    sample = np.sort(rng.choice(y.size, min(SCATTER_ROWS, y.size), replace=False)) if y.size else np.array([], int)
    return Residuals(histogram(error, edges), tuple(centre), tuple(mean), tuple(low), tuple(high),
                     _floats(predicted[sample]), _floats(error[sample]))


def distribution(task: str, pred: np.ndarray, scores: np.ndarray | None, names: list[str],
                 value_bins: np.ndarray | None = None) -> PredictionDistribution:
    """Predicted labels and scores of every row with a prediction, labelled or not."""
    if task == "regression":
        values = pred[np.isfinite(pred)]
        edges = value_bins if value_bins is not None else value_edges(values)
        return PredictionDistribution((), histogram(values, edges), "predicted value",
                                      float(values.mean()) if values.size else None)
    given = pred[pred >= 0]
    counts = np.bincount(given, minlength=len(names))
    labels = tuple((names[i], int(counts[i])) for i in range(len(names)))
    if scores is None:
        return PredictionDistribution(labels, None)
    if scores.ndim == 1:
        values, name = scores[np.isfinite(scores)], "positive-class score"
    else:
        complete = np.isfinite(scores).all(axis=1)
        values, name = scores[complete].max(axis=1), "top-label confidence"
    edges = np.linspace(0.0, 1.0, SCORE_BINS + 1)
    return PredictionDistribution(labels, histogram(values, edges), name,
                                  float(values.mean()) if values.size else None)
