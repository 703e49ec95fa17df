"""Explanation importances of two models side by side: each column's permutation importance, measured the same
way for both models on the same rows with the same permutation (the drop of ROC-AUC for binary tasks with scores,
else of accuracy, or the rise of MAE for regression), and the Spearman rank correlation of the two rankings.

Each model predicts in its own process (the champion's audit process, the challenger's); a challenger given as
columns has no model to permute, so no importances."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from assay.engine.comparison.config import RANDOM_STREAM
from assay.engine.comparison.results import ColumnImportance
from assay.engine.labels import keys, matches
from assay.engine.model_files import LoadedModel
from assay.engine.performance import metrics as M
from assay.engine.predictions import PredictionSet, iter_predict, model_input_columns
from assay.engine.schema import Schema

SAMPLE_ROWS = 1000
MAX_COLUMNS = 30


@dataclass(frozen=True)
class ImportanceSample:
    """The rows both models are permuted on, and each column's permutation (row order), seeded once."""

    frame: pd.DataFrame
    orders: dict[str, np.ndarray]
    measure: str  # "roc_auc", "accuracy" or "mae": the same for both models


def importance_measure(task: str, has_scores: bool) -> str:
    if task == "regression":
        return "mae"
    return "roc_auc" if task == "binary" and has_scores else "accuracy"


def importance_sample(frame: pd.DataFrame, target: str, columns: list[str], seed: int, measure: str
                      ) -> ImportanceSample:
    rng = np.random.default_rng([seed, RANDOM_STREAM, 2])
    labelled = np.flatnonzero(frame[target].notna().to_numpy())
    rows = rng.choice(labelled, size=min(SAMPLE_ROWS, labelled.size), replace=False)
    sample = frame.iloc[np.sort(rows)].reset_index(drop=True)
    return ImportanceSample(sample, {c: rng.permutation(len(sample)) for c in columns[:MAX_COLUMNS]}, measure)


def _score(predictions: PredictionSet, truth: pd.Series, schema: Schema, measure: str) -> float:
    """Higher is better: ROC-AUC, accuracy, or -MAE; NaN for ROC-AUC from a model without scores."""
    if measure == "mae":
        return -float(np.mean(np.abs(np.asarray(predictions.labels, dtype=float) - truth.to_numpy(dtype=float))))
    if measure == "roc_auc":
        if predictions.scores is None or predictions.scores.ndim != 1:
            return float("nan")
        positive = matches(truth.to_numpy(), schema.positive_label)
        _, pos, neg = M.score_table(positive, predictions.scores)
        return float(M.table_auc(pos, neg))
    return float(np.mean(keys(predictions.labels) == keys(truth)))


def iter_importances(model: LoadedModel, runner: Any, sample: ImportanceSample, schema: Schema, target: str,
                     threshold: float) -> Generator[float, None, dict[str, float]]:
    """Each column's importance for one model: its score on the sample less its score with the column permuted."""
    truth = sample.frame[target]
    inputs = set(model_input_columns(model, schema))
    base = yield from iter_predict(model, sample.frame, schema, "importance sample", runner, threshold)
    reference = _score(base, truth, schema, sample.measure)
    out = {}
    for i, (column, order) in enumerate(sample.orders.items()):
        if column not in inputs:
            continue
        permuted = sample.frame.copy()
        permuted[column] = sample.frame[column].to_numpy()[order]
        predictions = yield from iter_predict(model, permuted, schema, f"importance sample, {column} permuted",
                                              runner, threshold)
        out[column] = reference - _score(predictions, truth, schema, sample.measure)
        yield (i + 1) / len(sample.orders)
    return out


def side_by_side(champion: dict[str, float], challenger: dict[str, float]
                 ) -> tuple[tuple[ColumnImportance, ...], float | None]:
    """The columns both models use, most important to the champion first, and the Spearman correlation."""
    common = [c for c in champion if c in challenger and np.isfinite(champion[c]) and np.isfinite(challenger[c])]
    common.sort(key=lambda c: -champion[c])
    rows = tuple(ColumnImportance(column=c, champion=champion[c], challenger=challenger[c]) for c in common)
    if len(common) < 3:
        return rows, None
    rho = stats.spearmanr([champion[c] for c in common], [challenger[c] for c in common]).statistic
    return rows, float(rho) if np.isfinite(rho) else None
