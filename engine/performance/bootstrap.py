"""Vectorised bootstrap: rows grouped into cells, every resample one multinomial draw over the cells.

Resampling n rows with replacement gives each row a count; for a statistic that depends on the
rows only through which cell they fall in, that is the same as one multinomial(n, cell shares)
draw. So B resamples are one (B, cells) array of counts and every metric is computed on all of
them at once (engine/performance/metrics.py works on leading axes): no Python loop over
resamples, no scikit-learn call per resample.

Cells:
- classification without scores: (true label, predicted label), exact for every count metric;
- binary with scores: (score group, true label, predicted label). Score groups are the distinct
  scores when there are at most MAX_GROUPS of them (exact for every metric), else about
  MAX_GROUPS quantile bins of the score, never straddling the decision threshold or a
  calibration bin edge (exact for the count metrics, log loss, Brier and ECE, whose per-cell
  sums are kept; ROC-AUC and average precision treat a bin as tied);
- multiclass with scores: (true, predicted, calibration bin of the top score, and each class's
  score: its distinct value, or its quantile bin at the finest of 256 ... 2 levels that keeps the
  cells at most MAX_CELLS);
- regression: each row when there are at most MAX_CELLS rows (exact), else 64 x 64 quantile bins
  of (error, target).
Where cells are coarser than rows the interval is computed on the cells and shifted by the
difference between the exact point estimate and the cells' own estimate, so it is centred on the
exact value; every per-cell sum the metrics use (losses, errors, targets) is kept exactly.
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np

from assay.engine.numeric_warnings import quiet_runtime_warnings
from assay.engine.performance import metrics as M

MAX_GROUPS = 2000  # score groups for binary tasks
MAX_CELLS = 5000  # multiclass cells; regression: one cell per row up to this many rows
REGRESSION_BINS = 64  # per axis
SUBSET_SCALE = 4  # chunks and segments: a quarter of the groups and cells (half the bins per axis)
BLOCK = 100  # resamples drawn and scored per step (progress and cancel between steps)
MIN_DEFINED = 0.5  # an interval needs the metric defined in at least this share of resamples


@dataclass
class Cells:
    """Rows grouped into cells, with what each metric needs per cell (means per row in the cell)."""

    task: str
    counts: np.ndarray  # (m,) rows per cell
    true: np.ndarray | None = None  # (m,) class codes (classification)
    pred: np.ndarray | None = None
    k: int = 0
    positive: int = 1
    per_row: dict[str, np.ndarray] = field(default_factory=dict)  # (m,) mean of a per-row quantity
    groups: dict[int, np.ndarray] = field(default_factory=dict)  # class -> (m,) score group, ascending
    ece_bin: np.ndarray | None = None
    ece_bins: int = 10
    scored: np.ndarray | None = None  # multiclass: classes with a score column
    exact: bool = True  # cells are as fine as the statistics need: no shift
    description: str = ""
    row_cell: np.ndarray | None = None  # (n,) the cell of each row

    @property
    def size(self) -> int:
        return int(self.counts.size)


# -- building cells -----------------------------------------------------------------------------


def _dense(*columns: np.ndarray) -> tuple[np.ndarray, int]:
    """One dense code per distinct combination of integer columns (a mixed radix, re-densified
    before it could overflow)."""
    key = np.zeros(columns[0].shape[0], dtype=np.int64)
    levels = 1
    for col in columns:
        width = int(col.max()) + 1 if col.size else 1
        if levels * width >= 2 ** 62:
            _, key = np.unique(key, return_inverse=True)
            levels = int(key.max()) + 1 if key.size else 1
        key = key * width + col
        levels *= width
    uniques, inverse = np.unique(key, return_inverse=True)
    return inverse.reshape(-1), uniques.size


def _means(cell: np.ndarray, m: int, counts: np.ndarray, **values: np.ndarray) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return {name: np.bincount(cell, weights=v, minlength=m) / np.maximum(counts, 1) for name, v in values.items()}


def _first(cell: np.ndarray, m: int, values: np.ndarray) -> np.ndarray:
    out = np.zeros(m, dtype=values.dtype)
    out[cell] = values
    return out


def classification_cells(y: np.ndarray, pred: np.ndarray, k: int, positive: int, scores: np.ndarray | None,
                         threshold: float | None, ece_bins: int, scored: np.ndarray | None = None,
                         subset: bool = False) -> Cells:
    """Cells for a classification sample. y, pred: class codes; scores (n,) positive-class score
    (binary) or (n, k) in class order (multiclass). `subset`: a chunk or segment, coarser cells."""
    if scores is None:
        cell, m = _dense(y, pred)
        counts = np.bincount(cell, minlength=m).astype(float)
        return Cells("classification", counts, _first(cell, m, y), _first(cell, m, pred), k, positive,
                     description="one cell per (true label, predicted label): exact", row_cell=cell)
    scale = SUBSET_SCALE if subset else 1
    if scores.ndim == 1:
        return _binary_cells(y, pred, k, positive, scores, threshold, ece_bins, MAX_GROUPS // scale)
    return _multiclass_cells(y, pred, k, scores, ece_bins, scored, MAX_CELLS // scale)


def _binary_cells(y, pred, k, positive, scores, threshold, ece_bins, max_groups) -> Cells:
    values, inverse = np.unique(scores, return_inverse=True)
    inverse = inverse.reshape(-1)
    exact = values.size <= max_groups
    if exact:
        group = inverse
        description = f"one cell per (distinct score, true label, predicted label): exact ({values.size:,} scores)"
    else:
        per_value = np.bincount(inverse, minlength=values.size)
        before = np.cumsum(per_value) - per_value
        quantile = (before * max_groups) // max(scores.size, 1)
        split = np.diff(quantile) != 0
        split |= np.diff(M.calibration_bins(values, ece_bins)) != 0
        if threshold is not None:
            split |= np.diff(values >= threshold) != 0
        value_group = np.concatenate([[0], np.cumsum(split)])
        group = value_group[inverse]
        description = (f"score groups: {int(value_group[-1]) + 1:,} quantile bins of the {values.size:,} distinct "
                       f"scores (split at the threshold and the calibration bin edges) x true x predicted label")
    is_positive = y == positive
    cell, m = _dense(group, is_positive.astype(np.int64), pred)
    counts = np.bincount(cell, minlength=m).astype(float)
    ece_id = M.calibration_bins(scores, ece_bins)
    per_row = _means(cell, m, counts, log_loss=M.log_loss_terms(is_positive, scores),
                     brier=(scores - is_positive) ** 2, gap=is_positive - scores)
    return Cells("classification", counts, _first(cell, m, y), _first(cell, m, pred), k, positive, per_row,
                 {positive: _first(cell, m, group)}, _first(cell, m, ece_id), ece_bins, exact=exact,
                 description=description, row_cell=cell)


def _multiclass_cells(y, pred, k, scores, ece_bins, scored, max_cells) -> Cells:
    n = y.size
    top = scores.argmax(axis=1)
    confidence = scores.max(axis=1)
    ece_id = M.calibration_bins(confidence, ece_bins)
    scored = np.ones(k, dtype=bool) if scored is None else scored
    distinct = [np.unique(scores[:, c], return_inverse=True)[1].reshape(-1) for c in range(k)]
    cell, m = _dense(y, pred, ece_id, *distinct)
    exact, description = True, f"one cell per distinct (true, predicted, score vector): exact ({m:,} cells)"
    if m > max_cells:
        exact = False
        ranks = [np.argsort(np.argsort(scores[:, c], kind="stable"), kind="stable") for c in range(k)]
        for levels in (256, 128, 64, 32, 16, 8, 4, 2, 1):
            bins = [(r * levels) // max(n, 1) for r in ranks]
            cell, m = _dense(y, pred, ece_id, *bins)
            if m <= max_cells or levels == 1:
                break
        description = (f"{m:,} cells: (true, predicted, calibration bin of the top score"
                       + (f", each class's score in {levels} quantile bins)" if levels > 1 else
                          "), scores within a cell treated as tied"))
    counts = np.bincount(cell, minlength=m).astype(float)
    onehot = np.zeros_like(scores)
    onehot[np.arange(n), y] = 1.0
    p_true = scores[np.arange(n), y]
    per_row = _means(cell, m, counts, log_loss=-np.log(np.clip(p_true, M.EPS, 1 - M.EPS)),
                     brier=((scores - onehot) ** 2).sum(axis=1), gap=(top == y) - confidence)
    groups = {}
    for c in np.flatnonzero(scored):
        mean_score = np.bincount(cell, weights=scores[:, c], minlength=m) / np.maximum(counts, 1)
        groups[int(c)] = np.unique(mean_score, return_inverse=True)[1].reshape(-1)
    return Cells("classification", counts, _first(cell, m, y), _first(cell, m, pred), k, 0, per_row, groups,
                 _first(cell, m, ece_id), ece_bins, scored, exact, description, cell)


def regression_cells(y: np.ndarray, predicted: np.ndarray, floor: float, subset: bool = False) -> Cells:
    n = y.size
    error = predicted - y
    bins = REGRESSION_BINS // (2 if subset else 1)
    if n <= MAX_CELLS // (SUBSET_SCALE if subset else 1):
        cell, m = np.arange(n), n
        exact, description = True, "one cell per row: exact"
    else:
        def qbin(values):
            rank = np.argsort(np.argsort(values, kind="stable"), kind="stable")
            return (rank * bins) // n

        cell, m = _dense(qbin(error), qbin(y))
        exact = False
        description = f"{m:,} cells: {bins} quantile bins of the error x {bins} of the target"
    counts = np.bincount(cell, minlength=m).astype(float)
    kept = np.abs(y) >= floor
    with np.errstate(invalid="ignore", divide="ignore"):
        ape = np.where(kept, np.abs(error) / np.where(kept, np.abs(y), 1.0), 0.0)
    per_row = _means(cell, m, counts, abs_error=np.abs(error), error=error, squared=error ** 2, y=y, y2=y ** 2,
                     ape=ape, kept=kept.astype(float))
    return Cells("regression", counts, per_row=per_row, exact=exact, description=description, row_cell=cell)


# -- metrics on resampled counts ----------------------------------------------------------------


def _sum_by(counts: np.ndarray, key: np.ndarray, size: int, select: np.ndarray | None = None) -> np.ndarray:
    """Sum the columns of counts (B, m) by key (m,) into (B, size), over the selected cells only."""
    if select is not None:
        counts, key = counts[:, select], key[select]
    out = np.zeros((counts.shape[0], size))
    if key.size == 0:
        return out
    if size <= 64:  # few keys: one matrix product
        indicator = np.zeros((key.size, size))
        indicator[np.arange(key.size), key] = 1.0
        return counts @ indicator
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    if starts.size == key.size:  # one cell per key: a scatter
        out[:, sorted_key] = counts[:, order]
        return out
    out[:, sorted_key[starts]] = np.add.reduceat(counts[:, order], starts, axis=1)
    return out


def evaluate(cells: Cells, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric of the cells' task on counts shaped (B, m); each value has shape (B,) (per-class
    values (B, k))."""
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    if cells.task == "regression":
        return _evaluate_regression(cells, counts)
    k = cells.k
    confusion = _sum_by(counts, cells.true * k + cells.pred, k * k).reshape(-1, k, k)
    out = M.count_metrics(confusion)
    if not cells.groups:
        return out
    total = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in ("log_loss", "brier"):
            out[name] = counts @ cells.per_row[name] / total
        gaps = _sum_by(counts * cells.per_row["gap"], cells.ece_bin, cells.ece_bins)
        out["ece"] = np.abs(gaps).sum(axis=1) / total
    auc, ap = {}, {}
    for c, group in cells.groups.items():
        size = int(group.max()) + 1
        is_c = cells.true == c
        positives = _sum_by(counts, group, size, is_c)
        negatives = _sum_by(counts, group, size, ~is_c)
        auc[c] = M.table_auc(positives, negatives)
        ap[c] = M.table_average_precision(positives, negatives)
    if cells.scored is None:  # binary: the positive class
        out["roc_auc"], out["average_precision"] = auc[cells.positive], ap[cells.positive]
    else:
        with np.errstate(invalid="ignore"), quiet_runtime_warnings():
            out["roc_auc"] = np.nanmean(np.column_stack(list(auc.values())), axis=1)
            out["average_precision"] = np.nanmean(np.column_stack(list(ap.values())), axis=1)
    return out


def _evaluate_regression(cells: Cells, counts: np.ndarray) -> dict[str, np.ndarray]:
    r = cells.per_row
    n = counts.sum(axis=1)

    def mean(name):
        return (counts @ r[name]) / n

    with np.errstate(invalid="ignore", divide="ignore"):
        sse = counts @ r["squared"]
        y2 = counts @ r["y2"]
        sst = y2 - (counts @ r["y"]) ** 2 / n
        kept = counts @ r["kept"]
        out = {"mae": mean("abs_error"), "rmse": np.sqrt(mean("squared")),
               "mape": np.where(kept > 0, (counts @ r["ape"]) / kept, np.nan),
               "median_ae": _weighted_median(r["abs_error"], counts),
               "r2": np.where(sst > 1e-12 * np.maximum(y2, 1e-300), 1 - sse / sst, np.nan),
               "mean_error": mean("error")}
    return out


def _weighted_median(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """np.median of the rows the counts stand for (the mean of the two middle values when even)."""
    order = np.argsort(values, kind="stable")
    v, c = values[order], counts[:, order]
    cum = np.cumsum(c, axis=1)
    n = cum[:, -1]
    lower_rank = np.floor((n + 1) / 2)  # 1-based ranks of the middle value(s)
    upper_rank = np.floor(n / 2) + 1
    lower = v[np.minimum((cum < lower_rank[:, None]).sum(axis=1), v.size - 1)]
    upper = v[np.minimum((cum < upper_rank[:, None]).sum(axis=1), v.size - 1)]
    return np.where(n > 0, (lower + upper) / 2, np.nan)


# -- resampling ---------------------------------------------------------------------------------


def iter_bootstrap(cells: Cells, resamples: int, rng: np.random.Generator
                   ) -> Generator[float, None, dict[str, np.ndarray]]:
    """Draw `resamples` multinomial resamples in blocks, yielding the fraction done after each;
    returns each metric's values over the resamples (first axis)."""
    total = int(cells.counts.sum())
    if resamples <= 0 or total == 0:
        return {}
    shares = cells.counts / total
    parts: dict[str, list[np.ndarray]] = {}
    done = 0
    while done < resamples:
        size = min(BLOCK, resamples - done)
        draws = rng.multinomial(total, shares, size=size)
        for name, values in evaluate(cells, draws).items():
            parts.setdefault(name, []).append(values)
        done += size
        yield done / resamples
    return {name: np.concatenate(values) for name, values in parts.items()}


def interval(samples: np.ndarray, confidence: float) -> tuple[float | None, float | None]:
    """Percentile interval over the resamples where the metric is defined; None when it is
    undefined in more than half of them."""
    samples = np.asarray(samples, dtype=float)
    finite = samples[np.isfinite(samples)]
    if samples.size == 0 or finite.size < MIN_DEFINED * samples.size:
        return None, None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)
