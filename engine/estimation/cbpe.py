"""Confidence-based performance estimation (CBPE): the expected confusion matrix of a set of rows from their
calibrated probabilities, and the metrics computed from it with the performance analysis' formulas
(engine/performance/metrics.py).

A row predicted as class j whose calibrated probability of class i is p_i adds p_i to cell (i, j) of the
expected confusion matrix (rows true, columns predicted): its expected count. Accuracy, balanced accuracy,
precision, recall and F1 follow from that matrix as they follow from the counted one. ROC-AUC and average
precision: the expected positives at each distinct score are the sum of the calibrated probabilities there
(the negatives the rest), and the areas follow from that table as from counted positives — NannyML's CBPE
does the same. With the true labels as probabilities (one-hot), every formula gives the realised metric,
which is how the backtest and the reference are measured.
"""
from __future__ import annotations

import numpy as np

from assay.engine.performance import metrics as M
from assay.engine.performance.metric_specs import BY_NAME

ESTIMATED_CLASSIFICATION = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc",
                            "average_precision")


def class_probabilities(calibrated: np.ndarray, k: int, positive: int) -> np.ndarray:
    """(n, k) probabilities: a binary positive-class probability p becomes p for the positive class, 1 - p for
    the other."""
    if calibrated.ndim == 2:
        return calibrated
    out = np.empty((calibrated.size, k))
    out[:, positive] = calibrated
    out[:, 1 - positive] = 1.0 - calibrated
    return out


def one_hot(codes: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((codes.size, k))
    out[np.arange(codes.size), codes] = 1.0
    return out


def expected_confusion(pred: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """(k, k) expected counts, rows true, columns predicted: the column of class j sums the probabilities of the
    rows predicted as j."""
    k = probabilities.shape[1]
    return np.stack([np.bincount(pred, weights=probabilities[:, i], minlength=k) for i in range(k)])


def headline(values: dict[str, np.ndarray], names: tuple[str, ...], positive: int, binary: bool
             ) -> dict[str, np.ndarray]:
    """The headline value of each metric, as the performance analysis reports it: a per-class metric's is the
    positive class's (binary) or the macro average (multiclass)."""
    out = {}
    for name in names:
        if BY_NAME[name].per_class:
            out[name] = values[f"class_{name}"][..., positive] if binary else values[f"macro_{name}"]
        else:
            out[name] = values[name]
    return out


def ranking_areas(expected_positives: np.ndarray, ranking: np.ndarray) -> tuple[float, float]:
    """ROC-AUC and average precision of one class against the rest, from each row's (expected) positive count
    and the score that ranks the rows."""
    _, positives, negatives = M.score_table(expected_positives, ranking)
    return float(M.table_auc(positives, negatives)), float(M.table_average_precision(positives, negatives))


def metrics_of(pred: np.ndarray, probabilities: np.ndarray, ranking: np.ndarray, positive: int,
               names: tuple[str, ...] = ESTIMATED_CLASSIFICATION) -> dict[str, float]:
    """The metrics of a set of rows: expected ones from calibrated probabilities, realised ones from one-hot
    labels. `ranking`: the raw scores, (n,) positive-class for binary or (n, k)."""
    if pred.size == 0:
        return {name: float("nan") for name in names}
    k = probabilities.shape[1]
    binary = ranking.ndim == 1
    values: dict[str, np.ndarray] = dict(M.count_metrics(expected_confusion(pred, probabilities)))
    if binary:
        values["roc_auc"], values["average_precision"] = ranking_areas(probabilities[:, positive], ranking)
    else:
        areas = np.array([ranking_areas(probabilities[:, c], ranking[:, c]) for c in range(k)])
        with np.errstate(invalid="ignore"):
            for i, name in enumerate(("roc_auc", "average_precision")):
                column = areas[:, i]
                values[name] = float(np.nanmean(column)) if np.isfinite(column).any() else float("nan")
    return {name: float(value) for name, value in headline(values, names, positive, binary).items()}
