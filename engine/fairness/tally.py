"""Group tallies: what fairness needs of one attribute on one dataset, as counts and sums per group that merge
exactly (the streamed audit adds up its batches' tallies; the in-memory audit tallies the whole table once).

Classification: per group, the rows by (target state, prediction state), each state missing / other /
positive. Which rows count (rows without a label are left out only when the dataset has labels at all) is
decided from the merged tally, as the calculator always decided it from the whole dataset.
Regression: per group, the rows, the sum of the predictions, of the targets and of the absolute errors.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assay.engine.fairness import metrics as M
from assay.engine.labels import matches

MISSING, OTHER, POSITIVE = range(3)  # a target's or a prediction's state in a row
STATES = 3


@dataclass(frozen=True)
class GroupTally:
    """One attribute's groups on one dataset (or a batch of it). `groups`: the group labels, sorted;
    `counts`: (groups, 9) rows by target state * 3 + prediction state (classification), or (groups, 1) rows
    (regression) with `sums` (groups, 3): predictions, targets, absolute errors."""

    groups: np.ndarray
    counts: np.ndarray
    target: bool  # the dataset has the target column
    sums: np.ndarray | None = None

    @property
    def regression(self) -> bool:
        return self.sums is not None


def _states(values, positive) -> np.ndarray:
    present = pd.Series(values, copy=False).notna().to_numpy()
    return np.where(present, np.where(matches(values, positive), POSITIVE, OTHER), MISSING)


def tally_classification(labels: np.ndarray, target: pd.Series | None, predicted, positive) -> GroupTally:
    groups, codes = np.unique(labels.astype(str), return_inverse=True)
    codes = codes.reshape(-1)
    y = _states(target.to_numpy(), positive) if target is not None else np.full(len(codes), MISSING)
    cell = codes * STATES * STATES + y * STATES + _states(predicted, positive)
    counts = np.bincount(cell, minlength=groups.size * STATES * STATES).reshape(groups.size, STATES * STATES)
    return GroupTally(groups.astype(object), counts.astype(np.int64), target is not None)


def tally_regression(labels: np.ndarray, target: pd.Series | None, predicted) -> GroupTally:
    groups, codes = np.unique(labels.astype(str), return_inverse=True)
    codes = codes.reshape(-1)
    prediction = np.asarray(predicted, dtype=float)
    truth = target.to_numpy(dtype=float, na_value=np.nan) if target is not None else np.full(len(codes), np.nan)
    counts = np.bincount(codes, minlength=groups.size)
    missing = np.bincount(codes, weights=np.isnan(truth), minlength=groups.size)
    sums = np.column_stack([np.bincount(codes, weights=v, minlength=groups.size)
                            for v in (prediction, truth, np.abs(truth - prediction))])
    return GroupTally(groups.astype(object), np.column_stack([counts, missing]).astype(np.int64),
                      target is not None, sums)


def merge_tallies(a: GroupTally, b: GroupTally) -> GroupTally:
    """Two tallies of the same attribute added up (group by group; exact for the counts)."""
    groups = np.union1d(a.groups.astype(str), b.groups.astype(str))
    counts = np.zeros((groups.size, a.counts.shape[1]), dtype=np.int64)
    sums = None if a.sums is None else np.zeros((groups.size, a.sums.shape[1]))
    for part in (a, b):
        at = np.searchsorted(groups, part.groups.astype(str))
        counts[at] += part.counts
        if sums is not None:
            sums[at] += part.sums
    return GroupTally(groups.astype(object), counts, a.target or b.target, sums)


@dataclass(frozen=True)
class Confusion:
    """The groups that have rows to judge, largest first, with their (groups, 4) TP, FP, FN, TN counts."""

    names: list[str]
    counts: np.ndarray
    has_labels: bool
    notes: tuple[str, ...]


def confusion(tally: GroupTally) -> Confusion:
    """The calculator's rule: rows without a label are left out when the dataset has labels, rows without a
    predicted label always; groups ordered by size (largest first, ties by label)."""
    cube = tally.counts.reshape(-1, STATES, STATES)  # group, target state, prediction state
    by_target = cube.sum(axis=(0, 2))
    has_labels = tally.target and by_target[OTHER] + by_target[POSITIVE] > 0
    notes = []
    kept = cube.copy()
    if has_labels and by_target[MISSING]:
        notes.append(f"{int(by_target[MISSING]):,} rows without a label left out")
        kept[:, MISSING, :] = 0
    if cube[:, :, MISSING].sum():
        notes.append(f"{int(kept[:, :, MISSING].sum()):,} rows without a predicted label left out")
        kept[:, :, MISSING] = 0
    sizes = kept.sum(axis=(1, 2))
    present = np.flatnonzero(sizes > 0)
    order = present[np.argsort(-sizes[present], kind="stable")]
    kept = kept[order]
    if has_labels:
        tp, fn = kept[:, POSITIVE, POSITIVE], kept[:, POSITIVE, OTHER]
        fp, tn = kept[:, OTHER, POSITIVE], kept[:, OTHER, OTHER]
    else:  # no labels: every row counts as a negative
        tp = fn = np.zeros(order.size, dtype=np.int64)
        fp, tn = kept[:, :, POSITIVE].sum(axis=1), kept[:, :, OTHER].sum(axis=1)
    counts = np.zeros((order.size, 4))
    counts[:, M.TP], counts[:, M.FP], counts[:, M.FN], counts[:, M.TN] = tp, fp, fn, tn
    return Confusion([str(tally.groups[g]) for g in order], counts, bool(has_labels), tuple(notes))
