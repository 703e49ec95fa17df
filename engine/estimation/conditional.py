"""The calibration's error given the inputs: what the score-only calibration gets wrong where the inputs differ.

The calibration maps a score to a probability over the whole reference. Where the outcome also depends on the
inputs beyond the score, the calibrated probability is right on average but wrong for a region of the input
space: a production chunk that holds more of that region (a covariate shift of the chunk, seen or not by the
global domain classifier) inherits the error. Its size is learnt on the reference: gradient boosting, cross-
fitted over two halves (engine/estimation/crossfit.py), predicts each reference row's residual y - q (the
outcome minus its cross-fitted calibrated probability, per class) from the inputs and the score. On production,
q + the predicted residual (clipped to [0, 1], rows normalised for multiclass) is the calibration conditional on
the inputs as well. Its estimate minus the plain one on the same rows (up to SAMPLE_ROWS of a chunk, paired, so
the sample's own noise cancels) is the move; every interval spans the plain interval and the same moved, since
the reference cannot say which calibration holds. The plain estimate stays the headline. Under no shift the predicted residuals average out and the span is the plain
interval.
"""
from __future__ import annotations

from collections.abc import Generator

import numpy as np

from assay.engine.estimation.crossfit import iter_cross_fit

MAX_ITER = 60
SAMPLE_ROWS = 5_000  # rows of a chunk (or of the whole production) its move is measured on, paired: the same
# rows under both calibrations


def predicted_residual(y: np.ndarray, pred: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """1 where the prediction was right, minus the calibrated probability that it is: the row's share of the
    calibration's error in the direction the model predicted (an over-confident region is a main effect)."""
    return (y == pred) - probabilities[np.arange(pred.size), pred]


def iter_residuals(x_ref: np.ndarray, scores_ref: np.ndarray, residual_ref: np.ndarray, x_prod: np.ndarray,
                   scores_prod: np.ndarray, categorical: np.ndarray, seed: int) -> Generator[None, None, np.ndarray]:
    """The residual (`predicted_residual` of the reference's cross-fitted probabilities) that the inputs `x_*` and
    the raw scores (n,) or (n, k) predict for each production row."""
    half = np.random.default_rng([seed, 18, 2]).permutation(residual_ref.size) % 2
    mask = np.r_[categorical, np.zeros(1 if scores_ref.ndim == 1 else scores_ref.shape[1], dtype=bool)]
    x_r, x_p = np.column_stack([x_ref, scores_ref]), np.column_stack([x_prod, scores_prod])
    _, by_fold = yield from iter_cross_fit("regressor", x_r, residual_ref, half, [x_p], mask, seed, max_iter=MAX_ITER)
    return (by_fold[0][0] + by_fold[1][0]) / 2


def corrected(probabilities: np.ndarray, pred: np.ndarray, residual: np.ndarray) -> np.ndarray:
    """(n, k) probabilities with the predicted class's moved by the residual (clipped to [0, 1]) and the other
    classes' scaled to fill the rest (shared equally where they held nothing)."""
    rows = np.arange(pred.size)
    old = probabilities[rows, pred]
    new = np.clip(old + residual, 0.0, 1.0)
    k = probabilities.shape[1]
    rest = 1.0 - old
    scale = np.divide(1.0 - new, rest, out=np.zeros_like(rest), where=rest > 0)
    out = probabilities * scale[:, None]
    out[rest <= 0] = ((1.0 - new[rest <= 0]) / max(k - 1, 1))[:, None]
    out[rows, pred] = new
    return np.clip(out, 0.0, 1.0, out=out)  # rounding of the scaled rest


def sampled(rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The rows (ascending) a set's move is measured on: all of them, or SAMPLE_ROWS drawn without replacement."""
    return rows if rows.size <= SAMPLE_ROWS else np.sort(rng.choice(rows, SAMPLE_ROWS, replace=False))


def spanned(low: float | None, high: float | None, shift: float | None) -> tuple[float | None, float | None]:
    """The interval (low, high) together with the same interval moved by `shift` (the other estimate minus this
    one): it holds both estimates."""
    if low is None or high is None or shift is None or not np.isfinite(shift):
        return low, high
    return min(low, low + shift), max(high, high + shift)
