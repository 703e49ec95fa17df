"""Targets and predictions of one dataset as arrays the metrics can use, with the bad-input checks.

Labels are matched by value, not by type (engine/labels.py): 1, 1.0, "1" and " 1 " are the same class, as
are True, "true" and 1 (a note says so when the target and the predictions differ in type). Predicted labels
given in a column are used as given; binary labels are derived from the scores at the threshold only when
none are given.
Probabilities must lie in [0, 1] and, for multiclass tasks, each row must sum to 1 within
SUM_TOLERANCE (rows within it are rescaled to sum to 1); otherwise a CalculationError names the
columns (or the model). Rows with a missing target or a missing prediction are left out and
counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.errors import CalculationError
from assay.engine import labels as L
from assay.engine.predictions import PredictionSet

SUM_TOLERANCE = 0.01
RANGE_TOLERANCE = 1e-9
PROBABILITY_PREFIXES = ("probability_", "proba_", "prob_", "p_", "score_")


@dataclass
class Classes:
    """The classes of a classification task, shared by both datasets: canonical keys in order,
    display names, the positive class (binary) and the score columns' order."""

    keys: list[str]
    names: list[str]
    positive: int = 1
    notes: list[str] = field(default_factory=list)

    def index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.keys)}

    @property
    def k(self) -> int:
        return len(self.keys)


def task_classes(task: str, schema_classes: tuple, positive_label: Any, predictions: dict[str, PredictionSet]
                 ) -> Classes:
    """Target classes first (as the schema lists them), then the model's classes, then any other
    predicted label; binary tasks keep exactly two."""
    keys, names = [], []

    def add(value):
        key = L.key(value)
        if key is not None and key not in keys:
            keys.append(key)
            names.append(str(value))

    for value in schema_classes:
        add(value)
    target_keys = list(keys)
    for p in predictions.values():
        for value in p.classes:
            add(value)
    for p in predictions.values():
        if p.labels is not None and len(p.labels):
            for value in pd.unique(pd.Series(p.labels).dropna()):
                add(value)
    classes = Classes(keys, names)
    if task == "binary":
        positive = L.key(positive_label) if positive_label is not None else (keys[-1] if keys else "1")
        if positive not in keys:
            keys.insert(0, positive)
            names.insert(0, str(positive_label))
        if len(keys) == 1:
            keys.append(f"not {positive}")
            names.append(f"not {names[0]}")
        classes.positive = keys.index(positive)
        extra = [n for key, n in zip(keys, names) if key not in target_keys and key != positive]
        if len(keys) > 2 and not extra:  # [task] type = "binary" over a target of three or more classes
            raise CalculationError(
                f"binary task: the target has {len(keys)} classes ({', '.join(names)}); set [task] type = "
                f"\"multiclass\" (with [columns] positive_label to audit one class against the rest), or name "
                f"another column in [columns] target")
        if len(keys) > 2:
            raise CalculationError(
                f"binary task: the predictions hold labels ({', '.join(extra)}) besides the target's classes "
                f"({', '.join(n for key, n in zip(keys, names) if key in target_keys)}); check [columns] prediction "
                f"and [columns] target, or set [task] type = \"multiclass\"")
    return classes


@dataclass
class Prepared:
    """One dataset ready for the metrics. Classification: y / pred are class codes (-1 missing);
    regression: floats (NaN missing). `used` marks rows with both a target and a prediction."""

    dataset: str
    rows: int
    has_target: bool  # a target column with at least one value
    has_predictions: bool
    y: np.ndarray
    pred: np.ndarray
    scores: np.ndarray | None
    used: np.ndarray
    notes: list[str] = field(default_factory=list)
    scored: np.ndarray | None = None  # multiclass: the classes that have a probability column

    @property
    def missing_target(self) -> int:
        return int((~_present(self.y)).sum())

    @property
    def missing_prediction(self) -> int:
        """Rows with a target but without a (complete) prediction."""
        return int((_present(self.y) & ~self.used).sum()) if self.has_predictions else 0


def _present(values: np.ndarray) -> np.ndarray:
    return (values >= 0) if values.dtype.kind in "iu" else np.isfinite(values)


def prepare_classification(dataset: str, target: pd.Series | None, target_name: str, predictions: PredictionSet | None,
                           classes: Classes, task: str, threshold: float, source: str, score_source: str,
                           probability_columns: list[str], from_model: bool) -> Prepared:
    n = len(target) if target is not None else len(predictions) if predictions is not None else 0
    index = classes.index()
    notes = []
    y = np.full(n, -1, dtype=np.int64)
    has_target = target is not None and target.notna().any()
    if has_target:
        y = _codes(L.keys(target), index)
    pred = np.full(n, -1, dtype=np.int64)
    scores = scored = None
    if predictions is None:
        return Prepared(dataset, n, has_target, False, y, pred, None, np.zeros(n, dtype=bool), notes)
    if predictions.scores is not None:
        scores = _checked_scores(predictions, classes, task, score_source, probability_columns, from_model, notes,
                                 dataset)
        if isinstance(scores, tuple):
            scores, scored = scores
    derived = task == "binary" and scores is not None and not predictions.labels_given
    if derived:  # no predicted labels given: the scores at the threshold decide
        negative = 1 - classes.positive
        pred = np.where(np.isfinite(scores), np.where(scores >= threshold, classes.positive, negative), -1)
    elif predictions.labels is not None:
        pred = _codes(L.keys(predictions.labels), index)
    elif scores is not None:  # multiclass scores without labels: the top class
        pred = np.where(np.isfinite(scores).all(axis=1), np.nanargmax(np.nan_to_num(scores, nan=-1.0), axis=1), -1)
    if has_target and predictions.labels is not None and L.is_text(target) != L.is_text(predictions.labels):
        kinds = ("text", "numbers") if L.is_text(target) else ("numbers", "text")
        notes.append(f"{dataset}: the target {target_name!r} holds {kinds[0]} and the predictions {kinds[1]}; "
                     f"labels were matched by value (\"1\" = 1)")
    if has_target and predictions.labels is not None and not derived:
        given = pred[pred >= 0]
        truth = y[y >= 0]
        if given.size and truth.size and not np.intersect1d(given, truth).size:
            raise CalculationError(
                f"{dataset} data: the predicted labels ({_listed(classes, given)}) share no value with the target "
                f"{target_name!r} ({_listed(classes, truth)}); the predictions come from {source}. Check that "
                f"[columns] target and prediction name the right columns and that the labels are coded alike.")
    present = (y >= 0) & (pred >= 0)
    if scores is not None:
        present &= np.isfinite(scores).all(axis=1) if scores.ndim == 2 else np.isfinite(scores)
    return Prepared(dataset, n, bool(has_target), True, y, pred, scores, present, notes, scored)


def _listed(classes: Classes, codes: np.ndarray) -> str:
    return ", ".join(classes.names[c] for c in np.unique(codes)[:8])


def _codes(keys: np.ndarray, index: dict[str, int]) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(keys), use_na_sentinel=True)
    lookup = np.array([index.get(u, -1) for u in uniques] + [-1], dtype=np.int64)
    return lookup[np.where(codes < 0, len(uniques), codes)]


def _checked_scores(predictions: PredictionSet, classes: Classes, task: str, source: str,
                    probability_columns: list[str], from_model: bool, notes: list[str], dataset: str):
    """Binary: the positive-class scores. Multiclass: (scores in class order, classes with a column)."""
    scores = np.asarray(predictions.scores, dtype=float)
    where = source
    finite = np.isfinite(scores)
    outside = finite & ((scores < -RANGE_TOLERANCE) | (scores > 1 + RANGE_TOLERANCE))
    if outside.any():
        rows = outside.any(axis=1) if outside.ndim == 2 else outside
        example = float(scores[outside][0])
        raise CalculationError(
            f"{dataset} data: probabilities outside [0, 1] in {where} ({int(rows.sum()):,} rows, e.g. {example:g}); "
            f"performance needs probabilities: give the probability columns (not raw scores or log-odds), or "
            f"leave [columns] probabilities empty to use the predicted labels only")
    scores = np.clip(scores, 0.0, 1.0)
    if task == "binary":
        if scores.ndim == 2:
            raise CalculationError(f"{dataset} data: a binary task needs one positive-class probability, got "
                                   f"{scores.shape[1]} columns from {where}; list only the positive class's column "
                                   f"in [columns] probabilities")
        return scores
    if scores.ndim == 1:
        raise CalculationError(f"{dataset} data: a multiclass task needs one probability column per class; "
                               f"{where} gives one; list every class's column in [columns] probabilities")
    sums = scores.sum(axis=1)
    complete = np.isfinite(scores).all(axis=1)
    bad = complete & (np.abs(sums - 1) > SUM_TOLERANCE)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise CalculationError(
            f"{dataset} data: the probabilities in {where} do not sum to 1 in {int(bad.sum()):,} rows (row "
            f"{first + 1:,} sums to {sums[first]:.4g}); give one column per class, every class of the model")
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = scores / sums[:, None]
    return _in_class_order(scores, predictions, classes, probability_columns, from_model, notes, where)


def _in_class_order(scores: np.ndarray, predictions: PredictionSet, classes: Classes, probability_columns: list[str],
                    from_model: bool, notes: list[str], where: str) -> tuple[np.ndarray, np.ndarray]:
    """Score columns rearranged into the task's class order; classes without a column score 0."""
    index = classes.index()
    columns = [L.key(c) for c in predictions.classes]
    if not from_model and probability_columns and len(probability_columns) == scores.shape[1]:
        named = [_class_in_name(name, index) for name in probability_columns]
        if all(c is not None for c in named) and len(set(named)) == len(named):
            columns = named
        elif len(columns) == scores.shape[1]:
            notes.append(f"probability columns {', '.join(probability_columns)} taken in the order of the classes "
                         f"({', '.join(str(c) for c in predictions.classes)}); name them after the classes "
                         f"(such as proba_<class>) to match them by name")
    if len(columns) != scores.shape[1]:
        raise CalculationError(f"{where}: {scores.shape[1]} probability columns for {len(columns)} classes "
                               f"({', '.join(map(str, predictions.classes))}); give one column per class")
    out = np.zeros((scores.shape[0], classes.k))
    scored = np.zeros(classes.k, dtype=bool)
    for j, key in enumerate(columns):
        out[:, index[key]] = scores[:, j]
        scored[index[key]] = True
    missing = [classes.names[i] for i in np.flatnonzero(~scored)]
    if missing:
        notes.append(f"no probability for {', '.join(missing)} in {where}: probability 0 in the log loss and the Brier "
                     f"score; left out of the one-vs-rest ROC-AUC and average precision")
    return out, scored


def _class_in_name(name: str, index: dict[str, int]) -> str | None:
    text = name.strip()
    for prefix in PROBABILITY_PREFIXES:
        if text.lower().startswith(prefix):
            key = L.key(text[len(prefix):])
            return key if key in index else None
    return None


def prepare_regression(dataset: str, target: pd.Series | None, target_name: str, predictions: PredictionSet | None,
                       source: str) -> Prepared:
    n = len(target) if target is not None else len(predictions) if predictions is not None else 0
    y = np.full(n, np.nan)
    has_target = target is not None and target.notna().any()
    if has_target:
        y = _numbers(target, f"the target column {target_name!r}", dataset)
    if predictions is None or predictions.labels is None:
        return Prepared(dataset, n, bool(has_target), False, y, np.full(n, np.nan), None, np.zeros(n, dtype=bool))
    pred = _numbers(pd.Series(predictions.labels), f"the predictions ({source})", dataset)
    return Prepared(dataset, n, bool(has_target), True, y, pred, None, np.isfinite(y) & np.isfinite(pred))


def _numbers(series: pd.Series, what: str, dataset: str) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce")
    text = values.isna() & series.notna()
    if text.any():
        example = series[text].iloc[0]
        raise CalculationError(f"{dataset} data: {what} holds text ({int(text.sum()):,} values such as {example!r}) "
                               f"but the task is regression; set [task] type to binary or multiclass, or fix the "
                               f"column")
    out = values.to_numpy(dtype=float, na_value=np.nan, copy=True)
    out[~np.isfinite(out)] = np.nan
    return out
