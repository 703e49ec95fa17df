"""The paired bootstrap: every resample draws the same rows for both models, and every metric of both is computed
on it, vectorised as the performance bootstrap is (engine/performance/bootstrap.py).

Each model's rows are grouped into its cells as the performance bootstrap groups them; a joint cell is a pair
(champion's cell, challenger's cell), so resampling rows is one multinomial draw over the joint cells, and summing
a resample's joint counts by each model's cell gives that model's counts. Binary scores are grouped as a segment's
are (SMALL_GROUPS score groups, exact up to that many distinct scores) while the rows, and so the joint cells, are
at most MAX_JOINT; beyond, in LARGE_GROUPS quantile groups per model, under MAX_JOINT joint cells (which keeps
1,000 resamples of a million rows to seconds). Where cells are coarser than rows the differences are shifted by the
exact difference less the cells' own, as the performance bootstrap shifts its intervals.
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from assay.engine.performance import bootstrap as B

MAX_JOINT = 20_000
SMALL_GROUPS = B.MAX_GROUPS // B.SUBSET_SCALE  # score groups per model when the rows are at most MAX_JOINT
LARGE_GROUPS = 64  # beyond: 64 x 64 score groups x 2 labels, under MAX_JOINT joint cells


@dataclass
class PairedCells:
    """Both models' cells and the joint cells that tie them to the rows."""

    champion: B.Cells
    challenger: B.Cells
    to_champion: np.ndarray  # (J,) the champion's cell of each joint cell
    to_challenger: np.ndarray  # (J,) the challenger's cell
    counts: np.ndarray  # (J,) rows per joint cell
    row_cell: np.ndarray  # (n,) the joint cell of each row

    @property
    def exact(self) -> bool:
        return self.champion.exact and self.challenger.exact

    @property
    def description(self) -> str:
        return (f"{self.counts.size:,} joint cells (champion: {self.champion.description}; challenger: "
                f"{self.challenger.description})")


def _joined(champion: B.Cells, challenger: B.Cells) -> PairedCells:
    cell, size = B._dense(champion.row_cell, challenger.row_cell)
    counts = np.bincount(cell, minlength=size).astype(float)
    to_champion = np.zeros(size, dtype=np.int64)
    to_champion[cell] = champion.row_cell
    to_challenger = np.zeros(size, dtype=np.int64)
    to_challenger[cell] = challenger.row_cell
    return PairedCells(champion, challenger, to_champion, to_challenger, counts, cell)


def paired_classification_cells(y: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, k: int, positive: int,
                                scores_a: np.ndarray | None, scores_b: np.ndarray | None, threshold: float | None,
                                ece_bins: int, scored: np.ndarray | None = None) -> PairedCells:
    """Joint cells of two classifiers on the same rows (class codes y, pred_a, pred_b)."""
    binary = scores_a is not None and scores_b is not None and scores_a.ndim == 1
    if not binary:
        a = B.classification_cells(y, pred_a, k, positive, scores_a, threshold, ece_bins, scored, subset=True)
        b = B.classification_cells(y, pred_b, k, positive, scores_b, threshold, ece_bins, scored, subset=True)
        return _joined(a, b)
    groups = SMALL_GROUPS if y.size <= MAX_JOINT else LARGE_GROUPS  # the joint cells are at most the rows
    return _joined(B._binary_cells(y, pred_a, k, positive, scores_a, threshold, ece_bins, groups),
                   B._binary_cells(y, pred_b, k, positive, scores_b, threshold, ece_bins, groups))


def paired_regression_cells(y: np.ndarray, predicted_a: np.ndarray, predicted_b: np.ndarray, floor: float
                            ) -> PairedCells:
    return _joined(B.regression_cells(y, predicted_a, floor, subset=True),
                   B.regression_cells(y, predicted_b, floor, subset=True))


def evaluate_pair(paired: PairedCells, counts: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every metric of both models on joint counts shaped (R, J): (champion's, challenger's), each (R,) a metric."""
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    a = B._sum_by(counts, paired.to_champion, paired.champion.size)
    b = B._sum_by(counts, paired.to_challenger, paired.challenger.size)
    return B.evaluate(paired.champion, a), B.evaluate(paired.challenger, b)


def joint_counts(paired: PairedCells, row_counts: np.ndarray) -> np.ndarray:
    """Joint counts (R, J) of resamples given as how often each row was drawn (R, n)."""
    row_counts = np.atleast_2d(row_counts)
    return np.stack([np.bincount(paired.row_cell, weights=r, minlength=paired.counts.size) for r in row_counts])


def iter_paired_bootstrap(paired: PairedCells, resamples: int, rng: np.random.Generator
                          ) -> Generator[float, None, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
    """`resamples` paired resamples in blocks (the fraction done after each): each metric's values over them for
    the champion and for the challenger, drawn from the same rows."""
    total = int(paired.counts.sum())
    if resamples <= 0 or total == 0:
        return {}, {}
    shares = paired.counts / total
    parts_a: dict[str, list[np.ndarray]] = {}
    parts_b: dict[str, list[np.ndarray]] = {}
    done = 0
    while done < resamples:
        size = min(B.BLOCK, resamples - done)
        a, b = evaluate_pair(paired, rng.multinomial(total, shares, size=size))
        for parts, values in ((parts_a, a), (parts_b, b)):
            for name, array in values.items():
                parts.setdefault(name, []).append(array)
        done += size
        yield done / resamples
    return ({name: np.concatenate(v) for name, v in parts_a.items()},
            {name: np.concatenate(v) for name, v in parts_b.items()})


def difference_p_value(differences: np.ndarray) -> float | None:
    """Two-sided bootstrap p of "no difference": twice the smaller share of resampled differences on either side
    of 0 (a share of ties counted half), at least 1 / resamples; None when undefined in most resamples."""
    finite = differences[np.isfinite(differences)]
    if finite.size == 0 or finite.size < B.MIN_DEFINED * differences.size:
        return None
    below = (finite < 0).mean() + 0.5 * (finite == 0).mean()
    above = (finite > 0).mean() + 0.5 * (finite == 0).mean()
    return float(min(1.0, max(2 * min(below, above), 1.0 / finite.size)))
