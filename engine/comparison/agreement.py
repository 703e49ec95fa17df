"""Where two models differ on the same rows: the share of rows with the same decision, the rows whose decision
flips (and whether towards the right label), by value of the performance segment columns; and the fairness
disparities of both models side by side, with a paired bootstrap interval of their difference (the same
resampled rows for both, one multinomial draw over (group, true, champion's, challenger's decision) cells)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from assay.engine.comparison.results import Agreement, FairnessGap, SegmentFlips
from assay.engine.performance.bootstrap import interval

OTHER = "other"
MISSING = "(missing)"


def segment_values(values: pd.Series, top: int) -> np.ndarray:
    """Each row's segment: its value among the `top` most frequent, else "other"; missing as "(missing)"."""
    text = values.astype("string").fillna(MISSING).to_numpy(dtype=object)
    counts = pd.Series(text).value_counts()
    kept = set(counts.index[:top])
    return np.where(np.isin(text, list(kept)), text, OTHER)


def agreement(y: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, segments: dict[str, np.ndarray]) -> Agreement:
    """Agreement of two models' decisions (class codes) on the same rows; `segments`: column -> each row's value."""
    flip = pred_a != pred_b
    rows = int(flip.size)
    found = []
    for column, values in segments.items():
        for value in pd.unique(values):
            mask = values == value
            count = int(mask.sum())
            flips = int(flip[mask].sum())
            found.append(SegmentFlips(column=column, segment=str(value), rows=count, flips=flips,
                                      rate=flips / count if count else 0.0))
    found.sort(key=lambda s: (-s.rate, -s.rows, s.column, s.segment))
    return Agreement(rate=float(1 - flip.mean()) if rows else 1.0, flips=int(flip.sum()), rows=rows,
                     to_right=int((flip & (pred_b == y)).sum()), to_wrong=int((flip & (pred_a == y)).sum()),
                     segments=tuple(found))


def _gaps(rates: np.ndarray) -> np.ndarray:
    """Largest minus smallest defined group rate, per resample (rows: resamples, columns: groups)."""
    with np.errstate(invalid="ignore"):
        defined = np.isfinite(rates)
        high = np.where(defined, rates, -np.inf).max(axis=-1)
        low = np.where(defined, rates, np.inf).min(axis=-1)
    return np.where(defined.sum(axis=-1) >= 2, high - low, np.nan)


def fairness_gaps(column: str, groups: np.ndarray, positive_y: np.ndarray, positive_a: np.ndarray,
                  positive_b: np.ndarray, resamples: int, confidence: float, rng: np.random.Generator
                  ) -> list[FairnessGap]:
    """Selection-rate and true-positive-rate disparities of both models for one sensitive column."""
    codes, group_names = pd.factorize(groups)
    g = len(group_names)
    cell = ((codes * 2 + positive_y) * 2 + positive_a) * 2 + positive_b
    counts = np.bincount(cell, minlength=g * 8).astype(float)
    total = int(counts.sum())
    draws = rng.multinomial(total, counts / total, size=resamples) if resamples and total else np.empty((0, g * 8))
    table = np.vstack([counts[None, :], draws]).reshape(-1, g, 2, 2, 2)  # resample, group, y, a, b
    out = []
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = table.sum(axis=(2, 3, 4))
        positives = table[:, :, 1].sum(axis=(2, 3))
        measures = {
            "selection_rate": (table[:, :, :, 1].sum(axis=(2, 3)) / rows, table[:, :, :, :, 1].sum(axis=(2, 3)) / rows),
            "true_positive_rate": (table[:, :, 1, 1].sum(axis=2) / positives, table[:, :, 1, :, 1].sum(axis=2) / positives),
        }
    for measure, (rate_a, rate_b) in measures.items():
        gap_a, gap_b = _gaps(rate_a), _gaps(rate_b)
        difference = gap_b - gap_a
        low, high = interval(difference[1:], confidence) if resamples else (None, None)
        out.append(FairnessGap(column=column, measure=measure, champion=_finite(gap_a[0]),
                               challenger=_finite(gap_b[0]), difference=_finite(difference[0]), ci_low=low,
                               ci_high=high))
    return out


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
