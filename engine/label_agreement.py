"""The predicted labels given in a column against the scores given beside them (binary): how many rows differ
from `score >= threshold`, and which threshold reproduces the given labels best. The labels are audited as given
either way; when more than MAX_DISAGREEMENT of a dataset's rows differ, a warning finding says so."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.labels import matches
from assay.engine.predictions import PredictionSet
from assay.engine.results import Finding
from assay.engine.schema import ColumnRole, Schema

MAX_DISAGREEMENT = 0.01  # share of rows: more than this and the finding is raised
FINDING = "predictions.labels_disagree"


@dataclass(frozen=True)
class LabelAgreement:
    """One dataset: `rows` with both a given label and a score; `differ` of them differ from score >= threshold;
    `best_threshold` is the threshold (a score the data holds) at which the most rows agree, `best_agreement`
    their share."""

    dataset: str
    rows: int
    differ: int
    threshold: float
    best_threshold: float
    best_agreement: float

    @property
    def share(self) -> float:
        return self.differ / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class ScoreLabels:
    """Rows with both a given label and a score, per distinct score (ascending): how many are labelled positive
    and how many not, and how many differ from score >= threshold. Two of them (batches) add up exactly."""

    values: np.ndarray
    positives: np.ndarray
    negatives: np.ndarray
    differ: int

    @property
    def rows(self) -> int:
        return int(self.positives.sum() + self.negatives.sum())

    def __add__(self, other: ScoreLabels) -> ScoreLabels:
        values, inverse = np.unique(np.concatenate([self.values, other.values]), return_inverse=True)
        inverse = inverse.reshape(-1)

        def added(a, b):
            return np.bincount(inverse, weights=np.concatenate([a, b]), minlength=values.size)

        return ScoreLabels(values, added(self.positives, other.positives), added(self.negatives, other.negatives),
                           self.differ + other.differ)


def score_labels(predictions: PredictionSet, positive: Any, threshold: float) -> ScoreLabels | None:
    """The given labels against the positive-class scores, or None when there are not both (or not binary)."""
    if not predictions.labels_given or predictions.labels is None or predictions.scores is None:
        return None
    scores = np.asarray(predictions.scores, dtype=float)
    if scores.ndim != 1:
        return None
    present = pd.Series(predictions.labels, copy=False).notna().to_numpy() & np.isfinite(scores)
    scores = scores[present]
    is_positive = matches(predictions.labels, positive)[present]
    return _table(scores, is_positive, int(np.count_nonzero((scores >= threshold) != is_positive)))


def label_agreement(dataset: str, predictions: PredictionSet, positive: Any, threshold: float
                    ) -> LabelAgreement | None:
    """The given labels against the positive-class scores, or None when there are not both (or not binary)."""
    table = score_labels(predictions, positive, threshold)
    return agreement(dataset, table, threshold) if table is not None else None


def agreement(dataset: str, table: ScoreLabels, threshold: float) -> LabelAgreement | None:
    """A dataset's agreement from its table (None: no row has both a label and a score)."""
    if not table.rows:
        return None
    best, agreeing = best_in_table(table, threshold)
    return LabelAgreement(dataset, table.rows, table.differ, threshold, best, agreeing / table.rows)


def best_threshold(scores: np.ndarray, is_positive: np.ndarray, near: float) -> tuple[float, int]:
    """The threshold t among the distinct scores (and +inf: nothing positive) for which `scores >= t` agrees
    with `is_positive` on the most rows, and that count; of equally good ones, the nearest to `near`."""
    return best_in_table(_table(scores, is_positive, 0), near)


def _table(scores: np.ndarray, is_positive: np.ndarray, differ: int) -> ScoreLabels:
    values, inverse = np.unique(scores, return_inverse=True)
    positives = np.bincount(inverse.reshape(-1), weights=is_positive, minlength=values.size)
    negatives = np.bincount(inverse.reshape(-1), minlength=values.size) - positives
    return ScoreLabels(values, positives, negatives, differ)


def best_in_table(table: ScoreLabels, near: float) -> tuple[float, int]:
    """best_threshold from a table of labels per distinct score."""
    values, positives, negatives = table.values, table.positives, table.negatives
    # at t = values[i]: the positives scoring values[i] or more, and the negatives scoring less
    positive_at_or_above = np.cumsum(positives[::-1])[::-1]
    negative_below = np.concatenate([[0.0], np.cumsum(negatives)[:-1]])
    agree = np.append(positive_at_or_above + negative_below, negatives.sum())
    candidates = np.append(values, np.inf)
    best = np.flatnonzero(agree == agree.max())
    pick = best[np.argmin(np.abs(candidates[best] - near))]
    return float(candidates[pick]), int(agree[pick])


def disagreement_findings(predictions: dict[str, PredictionSet] | None, schema: Schema, threshold: float
                          ) -> list[Finding]:
    """The warning that the given labels are not the scores at the threshold (more than 1% of a dataset's rows)."""
    if not predictions or schema.task != "binary":
        return []
    found = [a for dataset in ("reference", "production") if dataset in predictions
             for a in [label_agreement(dataset, predictions[dataset], schema.positive_label, threshold)] if a]
    return agreement_findings(found, schema, threshold)


def agreement_findings(found: list[LabelAgreement], schema: Schema, threshold: float) -> list[Finding]:
    """The warning from each dataset's agreement (the in-memory and the streamed audit alike)."""
    if not any(a.share > MAX_DISAGREEMENT for a in found):
        return []
    column = schema.first(ColumnRole.PREDICTION)
    probabilities = schema.names(ColumnRole.PROBABILITY)
    score = probabilities[0] if len(probabilities) == 1 else "the score"
    total = sum(a.differ for a in found)
    parts = [f"{a.dataset}: {a.differ:,} of {a.rows:,} rows ({a.share:.1%}) differ from {score} >= {threshold:g}; "
             f"{score} >= {_threshold_text(a.best_threshold)} reproduces the given labels best "
             f"({a.best_agreement:.1%} of the rows agree)" for a in found]
    detail = ("; ".join(parts) + f". The labels in {column!r} are audited as given (the label metrics, the confusion "
              f"matrix, fairness and prediction drift); the threshold sweep and the score metrics (ROC-AUC, average "
              f"precision, log loss, Brier score, ECE) use the scores. Check that the prediction and probability "
              f"columns come from the same model and that [columns] positive_label is the class the scores are for.")
    return [Finding(FINDING, "predictions", "warn",
                    f"The predicted labels in {column!r} differ from the scores at the threshold {threshold:g} on "
                    f"{total:,} rows", detail, column=column)]


def _threshold_text(value: float) -> str:
    return "infinity (no row positive)" if np.isinf(value) else f"{value:.4g}"
