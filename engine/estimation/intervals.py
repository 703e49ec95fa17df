"""Bootstrap intervals of CBPE estimates that include the calibration's own error, all resamples at once.

Resample b draws the reference's rows again and refits the calibration on them, and draws
production's rows again (multinomial counts) with labels drawn from the probabilities that refitted
calibration gives them. An estimate's interval is the spread over b of the metric of those labels, so it holds
the realised value of a chunk with the stated confidence when the calibration holds, and it widens with the
calibration's uncertainty. The change from the reference pairs the reference's realised metric on resample b
with production's on the same b.

To keep this vectorised, rows are grouped into cells: the reference by GRID quantile bins of each calibrated
class's score (the calibration is refitted on the bins: a weighted isotonic fit of a hundred points per
resample), production by predicted class and score bins. Within a cell, rows share the cell's mean score.
Resamples are then multinomial draws over cells; the point estimate is exact (every row), and the resamples
are shifted by the exact value minus the value at the cells, as the performance analysis does. When calibrating
would not help and the raw scores give the estimate, the resamples still refit the calibration: its spread is
the uncertainty of trusting the raw scores.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assay.engine.estimation import cbpe
from assay.engine.estimation.calibration import fit_isotonic
from assay.engine.performance import metrics as M

GRID = 100  # reference score bins per calibrated class
CELL_LIMIT = 2000  # multiclass: score bins per class such that bins ** classes stays below this
KEY_RANGE = 5_000_000  # cells are found by counting (not sorting) while their keys stay below this


def edges_of(values: np.ndarray, bins: int) -> np.ndarray:
    """Inner edges of `bins` quantile bins (duplicates dropped)."""
    return np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))


@dataclass(frozen=True)
class Grid:
    """Score bins per calibrated class (binary: the positive class only) and the classes they score."""

    edges: tuple[np.ndarray, ...]
    classes: tuple[int, ...]

    def bins(self, scores: np.ndarray) -> np.ndarray:
        """(n, classes) bin index of each row's score of each calibrated class."""
        columns = scores[:, None] if scores.ndim == 1 else scores[:, list(self.classes)]
        return np.column_stack([np.searchsorted(e, columns[:, i], side="right") for i, e in enumerate(self.edges)])

    def size(self, i: int) -> int:
        return self.edges[i].size + 1


def grid_of(scores: np.ndarray, positive: int, bins: int) -> Grid:
    if scores.ndim == 1:
        return Grid((edges_of(scores, bins),), (positive,))
    return Grid(tuple(edges_of(scores[:, c], bins) for c in range(scores.shape[1])), tuple(range(scores.shape[1])))


def cell_bins(k: int, binary: bool) -> int:
    return GRID if binary else max(2, int(CELL_LIMIT ** (1 / k)))


@dataclass(frozen=True)
class Cells:
    """Rows grouped by predicted class and score bins: counts, predicted class, mean score per calibrated
    class and bin per class (the AUC's ranking)."""

    counts: np.ndarray
    pred: np.ndarray
    mean_scores: np.ndarray  # (cells, calibrated classes)
    bins: np.ndarray  # (cells, calibrated classes)


def make_cells(pred: np.ndarray, scores: np.ndarray, grid: Grid) -> Cells:
    bins = grid.bins(scores)
    columns = scores[:, None] if scores.ndim == 1 else scores[:, list(grid.classes)]
    key = pred.astype(np.int64)
    for i in range(bins.shape[1]):
        key = key * grid.size(i) + bins[:, i]
    first, inverse, counts = _grouped(key)
    means = np.column_stack([np.bincount(inverse, weights=columns[:, i]) / counts for i in range(columns.shape[1])])
    return Cells(counts=counts, pred=pred[first], mean_scores=means, bins=bins[first])


Calibration = Callable[[np.ndarray], np.ndarray]  # mean scores (cells, calibrated classes) -> (cells, k)


@dataclass(frozen=True)
class ReferenceDraws:
    """The calibration refitted on each reference resample, the one fitted on the binned reference as it is,
    and the reference's realised headline metrics per resample (shifted onto the exact values)."""

    calibrations: tuple[Calibration, ...]
    at_cells: Calibration
    realised: dict[str, np.ndarray]


def _binned_calibration(grid: Grid, mean_x: list[np.ndarray], totals: list[np.ndarray], positives: list[np.ndarray],
                        k: int, positive: int) -> Calibration:
    """The isotonic fit on each class's bins, as a function of cells' mean scores."""
    fits = []
    for i in range(len(grid.classes)):
        kept = totals[i] > 0
        fits.append(fit_isotonic(mean_x[i][kept], positives[i][kept] / totals[i][kept], totals[i][kept]))

    def apply(means: np.ndarray) -> np.ndarray:
        values = np.column_stack([np.interp(means[:, i], x, v) for i, (x, v) in enumerate(fits)])
        if len(fits) == 1:
            return cbpe.class_probabilities(values[:, 0], k, positive)
        sums = values.sum(axis=1, keepdims=True)
        return np.divide(values, sums, out=np.full_like(values, 1.0 / k), where=sums != 0)

    return apply


def _indicator(codes: np.ndarray, size: int):
    """A sparse (cells, size) one-hot matrix of the codes: counts @ it sums the counts per code."""
    from scipy import sparse

    return sparse.csr_matrix((np.ones(codes.size), (np.arange(codes.size), codes)), shape=(codes.size, size))


def _grouped(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a row of each group, each row's group, rows per group) of non-negative integer keys; a bincount when
    their range is small, a sort otherwise."""
    top = int(key.max()) + 1 if key.size else 0
    if top <= KEY_RANGE:
        counts = np.bincount(key, minlength=top)
        present = np.flatnonzero(counts)
        group = np.full(top, -1)
        group[present] = np.arange(present.size)
        inverse = group[key]
        first = np.empty(present.size, dtype=np.int64)
        first[inverse] = np.arange(key.size)  # a row of each group (the last): its rows share what the key holds
        return first, inverse, counts[present]
    _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return first, inverse, counts


def draw_reference(scores: np.ndarray, y: np.ndarray, pred: np.ndarray, k: int, positive: int,
                   weight: np.ndarray | None, resamples: int, exact: dict[str, float],
                   names: tuple[str, ...], rng: np.random.Generator) -> tuple[Grid, ReferenceDraws]:
    """Resample the reference `resamples` times: refit the calibration on each, and measure its metrics.

    The reference's rows are grouped into cells of (label, predicted class, score bin of each calibrated class);
    a resample is a multinomial draw of the cells' counts, which is a draw of the rows themselves for everything
    computed here (the density weight of a cell is its rows' mean)."""
    binary = scores.ndim == 1
    grid = grid_of(scores, positive, GRID)
    bins = grid.bins(scores)
    columns = scores[:, None] if binary else scores
    sizes = [grid.size(i) for i in range(len(grid.classes))]
    key = y.astype(np.int64) * k + pred
    for i, size in enumerate(sizes):
        key = key * size + bins[:, i]
    first, inverse, counts = _grouped(key)
    cell_weight = (np.ones(counts.size) if weight is None
                   else np.bincount(inverse, weights=weight, minlength=counts.size) / counts)
    cell_y = y[first]
    by_bin = [_indicator(bins[first, i], size) for i, size in enumerate(sizes)]
    hits = [(cell_y == c).astype(float) for c in grid.classes]
    mean_x = [np.bincount(bins[:, i], weights=columns[:, i], minlength=size)
              / np.maximum(np.bincount(bins[:, i], minlength=size), 1) for i, size in enumerate(sizes)]
    by_confusion = _indicator(cell_y * k + pred[first], k * k)

    def tables(drawn: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per calibrated class: (resamples, bins) totals and positives of the cells' counts `drawn`."""
        totals = [np.asarray((matrix.T @ drawn.T).T) for matrix in by_bin]
        positives = [np.asarray((matrix.T @ (drawn * hit[None, :]).T).T) for matrix, hit in zip(by_bin, hits)]
        return totals, positives

    def metrics_from(drawn: np.ndarray) -> dict[str, np.ndarray]:
        values = dict(M.count_metrics(np.asarray((by_confusion.T @ drawn.T).T).reshape(-1, k, k)))
        totals, positives = tables(drawn)
        aucs = [M.table_auc(p, t - p) for p, t in zip(positives, totals)]
        aps = [M.table_average_precision(p, t - p) for p, t in zip(positives, totals)]
        with np.errstate(invalid="ignore"):
            values["roc_auc"] = aucs[0] if binary else np.nanmean(np.stack(aucs), axis=0)
            values["average_precision"] = aps[0] if binary else np.nanmean(np.stack(aps), axis=0)
        return cbpe.headline(values, names, positive, binary)

    def calibrations_from(drawn: np.ndarray) -> list[Calibration]:
        totals, positives = tables(drawn * cell_weight[None, :])
        return [_binned_calibration(grid, mean_x, [t[b] for t in totals], [p[b] for p in positives], k, positive)
                for b in range(drawn.shape[0])]

    at_cells_metrics = metrics_from(counts[None, :].astype(float))
    at_cells = calibrations_from(counts[None, :].astype(float))[0]
    drawn = rng.multinomial(int(counts.sum()), counts / counts.sum(), size=resamples).astype(float)
    calibrations = calibrations_from(drawn)
    shifted = {}
    for name, values in metrics_from(drawn).items():
        shift = exact[name] - float(at_cells_metrics[name][0])
        shifted[name] = values + (shift if np.isfinite(shift) else 0.0)
    return grid, ReferenceDraws(calibrations=tuple(calibrations), at_cells=at_cells, realised=shifted)


def _cell_metrics(labels: np.ndarray, rows: np.ndarray, cells: Cells, k: int, positive: int, binary: bool,
                  names: tuple[str, ...], grid: Grid) -> dict[str, np.ndarray]:
    """Headline metrics per resample from labels (resamples, cells, k) over rows (resamples, cells)."""
    predicted = cbpe.one_hot(cells.pred, k)
    confusion = np.einsum("bmi,mj->bij", labels, predicted)
    values = dict(M.count_metrics(confusion))
    aucs, aps = [], []
    for i, c in enumerate(grid.classes):
        by_bin = cbpe.one_hot(cells.bins[:, i], grid.size(i))
        positives = labels[:, :, c] @ by_bin
        negatives = rows @ by_bin - positives
        aucs.append(M.table_auc(positives, negatives))
        aps.append(M.table_average_precision(positives, negatives))
    with np.errstate(invalid="ignore"):
        values["roc_auc"] = aucs[0] if binary else np.nanmean(np.stack(aucs), axis=0)
        values["average_precision"] = aps[0] if binary else np.nanmean(np.stack(aps), axis=0)
    return cbpe.headline(values, names, positive, binary)


def draw_production(cells: Cells, draws: ReferenceDraws, exact: dict[str, float], k: int, positive: int,
                    binary: bool, names: tuple[str, ...], grid: Grid, rng: np.random.Generator
                    ) -> dict[str, np.ndarray]:
    """Headline metrics of production's rows drawn again, with labels drawn from each refitted calibration."""
    total = int(cells.counts.sum())
    resamples = len(draws.calibrations)
    probabilities = np.stack([calibration(cells.mean_scores) for calibration in draws.calibrations])
    probabilities = np.clip(probabilities, 0.0, 1.0)
    probabilities /= probabilities.sum(axis=2, keepdims=True)
    rows = rng.multinomial(total, cells.counts / total, size=resamples)
    if binary:
        hits = rng.binomial(rows, probabilities[:, :, positive])
        labels = np.empty(probabilities.shape)
        labels[:, :, positive] = hits
        labels[:, :, 1 - positive] = rows - hits
    else:
        labels = rng.multinomial(rows, probabilities).astype(float)
    samples = _cell_metrics(labels, rows.astype(float), cells, k, positive, binary, names, grid)
    point = draws.at_cells(cells.mean_scores)
    at_cells = _cell_metrics((cells.counts[:, None] * point)[None], cells.counts[None].astype(float), cells, k,
                             positive, binary, names, grid)
    out = {}
    for name in names:
        shift = exact[name] - float(at_cells[name][0])
        out[name] = samples[name] + (shift if np.isfinite(shift) else 0.0)
    return out


MIN_REFERENCE_CHUNKS = 3


def heterogeneity(sizes: list[int], reference_rows: int,
                  measure: Callable[[np.ndarray], tuple[dict[str, float], dict[str, float], dict[str, np.ndarray]]]
                  ) -> dict[str, float]:
    """The variance, per metric, of the chunk-to-chunk variation that the scores do not explain, from the
    reference: its rows in file order cut into chunks of production's typical size, each chunk's realised metric
    against its estimate from cross-fitted calibrated scores. Their mean squared difference beyond what the
    resamples explain is that variance (0 when the chunks vary no more than sampling says, or when the
    reference holds fewer than MIN_REFERENCE_CHUNKS chunks). `measure(rows)` -> realised, estimate, resamples."""
    sizes = [s for s in sizes if s > 0]
    if not sizes:
        return {}
    size = int(np.median(sizes))
    count = reference_rows // max(size, 1)
    if count < MIN_REFERENCE_CHUNKS:
        return {}
    squared: dict[str, list[float]] = {}
    sampling: dict[str, list[float]] = {}
    for j in range(count):
        realised, exact, samples = measure(np.arange(j * size, (j + 1) * size))
        for name, value in realised.items():
            if np.isfinite(value) and np.isfinite(exact[name]) and name in samples:
                squared.setdefault(name, []).append((value - exact[name]) ** 2)
                sampling.setdefault(name, []).append(float(np.nanvar(samples[name])))
    return {name: max(0.0, float(np.mean(values) - np.mean(sampling[name]))) for name, values in squared.items()}


def widened(samples: dict[str, np.ndarray], spread: dict[str, float], rng: np.random.Generator
            ) -> dict[str, np.ndarray]:
    """Resamples with the unexplained chunk-to-chunk variation added."""
    return {name: values + (rng.normal(0.0, np.sqrt(spread[name]), values.size) if spread.get(name) else 0.0)
            for name, values in samples.items()}
