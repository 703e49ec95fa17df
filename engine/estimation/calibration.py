"""Isotonic calibration of a model's scores on the reference, cross-fitted, one-vs-rest for multiclass.

The fit is a weighted isotonic regression of the outcome on the score over the distinct scores (scipy's pool
adjacent violators), applied by linear interpolation between them and clipped outside their range: what
scikit-learn's IsotonicRegression(out_of_bounds="clip") does, and so what CalibratedClassifierCV(method=
"isotonic") does with a fixed model (tests compare both). Multiclass: one calibration per class against the
rest, each row then divided by its sum (uniform where the sum is 0), as scikit-learn does.

Cross-fitted: each of FOLDS folds of the reference is calibrated by a fit on the others, so that the
calibration error after calibrating is measured on rows the fit did not see. When that does not lower the
Brier score, calibration would not help and the raw scores are kept, with the reason. Production is
calibrated by the fit on the whole reference. Weights (the density ratio of engine/estimation/density.py)
weigh every fit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assay.engine.estimation.results import CalibrationResult, CurvePoint
from assay.engine.performance import metrics as M

FOLDS = 5


def fit_isotonic(x: np.ndarray, outcome: np.ndarray, weight: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(distinct x ascending, the isotonic fit at each): the weighted mean outcome per distinct x, made
    non-decreasing by pool adjacent violators."""
    from scipy.optimize import isotonic_regression

    values, inverse = np.unique(x, return_inverse=True)
    w = np.ones(x.size) if weight is None else np.asarray(weight, dtype=float)
    totals = np.bincount(inverse, weights=w, minlength=values.size)
    sums = np.bincount(inverse, weights=w * outcome, minlength=values.size)
    kept = totals > 0
    fitted = isotonic_regression(sums[kept] / totals[kept], weights=totals[kept]).x
    return values[kept], fitted


@dataclass(frozen=True)
class Calibrator:
    """Calibration maps: one (thresholds, values) pair for the positive class (binary) or per class."""

    thresholds: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]

    @property
    def binary(self) -> bool:
        return len(self.thresholds) == 1

    def apply(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities: (n,) positive-class for a binary task, (n, k) rows summing to 1 otherwise."""
        if self.binary:
            return np.interp(scores, self.thresholds[0], self.values[0])
        out = np.column_stack([np.interp(scores[:, c], t, v)
                               for c, (t, v) in enumerate(zip(self.thresholds, self.values))])
        sums = out.sum(axis=1, keepdims=True)
        return np.divide(out, sums, out=np.full_like(out, 1.0 / out.shape[1]), where=sums != 0)


def outcomes(y: np.ndarray, k: int, positive: int, binary: bool) -> np.ndarray:
    """The outcome(s) each calibration map is fitted to: y == positive (binary), one-hot (multiclass)."""
    if binary:
        return (y == positive).astype(float)
    return (y[:, None] == np.arange(k)[None, :]).astype(float)


def fit_calibrator(scores: np.ndarray, y: np.ndarray, k: int, positive: int, weight: np.ndarray | None = None
                   ) -> Calibrator:
    binary = scores.ndim == 1
    target = outcomes(y, k, positive, binary)
    if binary:
        return Calibrator(*zip(fit_isotonic(scores, target, weight)))
    fits = [fit_isotonic(scores[:, c], target[:, c], weight) for c in range(k)]
    return Calibrator(tuple(f[0] for f in fits), tuple(f[1] for f in fits))


def cross_fitted(scores: np.ndarray, y: np.ndarray, k: int, positive: int, weight: np.ndarray | None, seed: int
                 ) -> np.ndarray:
    """Each row's calibrated score from a fit on the other folds (stratified by class, seeded)."""
    from sklearn.model_selection import StratifiedKFold

    out = np.empty(scores.shape)
    counts = np.bincount(y, minlength=k)
    folds = int(min(FOLDS, max(2, counts[counts > 0].min())))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(y.size), y):
        fitted = fit_calibrator(scores[train], y[train], k, positive, None if weight is None else weight[train])
        out[test] = fitted.apply(scores[test])
    return out


def brier(scores: np.ndarray, y: np.ndarray, k: int, positive: int) -> float:
    target = outcomes(y, k, positive, scores.ndim == 1)
    squared = (scores - target) ** 2
    return float(squared.mean() if scores.ndim == 1 else squared.sum(axis=1).mean())


def confidence_and_outcome(scores: np.ndarray, y: np.ndarray, positive: int) -> tuple[np.ndarray, np.ndarray]:
    """What the reliability diagram and the ECE compare: the positive-class score and y == positive (binary),
    the top-label confidence and whether the top label is right (multiclass) — as the performance analysis."""
    if scores.ndim == 1:
        return scores, y == positive
    return scores.max(axis=1), scores.argmax(axis=1) == y


def reliability(scores: np.ndarray, y: np.ndarray, positive: int, bins: int) -> tuple[float, tuple[CurvePoint, ...]]:
    """The ECE over `bins` equal-width bins and the reliability diagram's non-empty bins."""
    confidence, outcome = confidence_and_outcome(scores, y, positive)
    ids = M.calibration_bins(confidence, bins)
    rows = np.bincount(ids, minlength=bins)
    mean_score = np.bincount(ids, weights=confidence, minlength=bins)
    observed = np.bincount(ids, weights=outcome.astype(float), minlength=bins)
    curve = tuple(CurvePoint(score=float(mean_score[b] / rows[b]), observed=float(observed[b] / rows[b]),
                             rows=int(rows[b])) for b in np.flatnonzero(rows))
    return M.expected_calibration_error(outcome, confidence, bins), curve


def calibrate(scores: np.ndarray, y: np.ndarray, k: int, positive: int, weight: np.ndarray | None, seed: int,
              bins: int) -> tuple[Calibrator | None, CalibrationResult, np.ndarray]:
    """The calibrator for production (None: the raw scores are kept), what the reference showed, and the
    reference's scores as production's are taken (cross-fitted calibrated ones, or the raw ones)."""
    ece_before, curve_before = reliability(scores, y, positive, bins)
    crossed = cross_fitted(scores, y, k, positive, weight, seed)
    ece_after, curve_after = reliability(crossed, y, positive, bins)
    before, after = brier(scores, y, k, positive), brier(crossed, y, k, positive)
    weighted = weight is not None
    if after >= before:
        reason = (f"calibration would not help: on the reference, cross-fitted isotonic calibration did not lower "
                  f"the Brier score ({before:.4f} raw, {after:.4f} calibrated); the model's scores are used as "
                  f"they are")
        return None, CalibrationResult(calibrated=False, ece_before=ece_before, ece_after=ece_after, reason=reason,
                                       weighted=weighted, curve_before=curve_before,
                                       curve_after=curve_after), scores
    return (fit_calibrator(scores, y, k, positive, weight),
            CalibrationResult(calibrated=True, ece_before=ece_before, ece_after=ece_after, weighted=weighted,
                              curve_before=curve_before, curve_after=curve_after), crossed)
