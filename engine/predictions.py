"""Predictions for each dataset: computed by the model in batches, or read from the data's columns.

Predicted labels given in a column are audited as given (`PredictionSet.labels_given`). Binary labels are
derived from the positive-class scores at [performance] threshold only when no prediction column is given:
from the probability columns, or from the model's probabilities (which then replace `model.predict`'s labels,
so that every analysis audits the decisions at the same threshold). Labels are compared by value
(engine/labels.py)."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.errors import CalculationError, ConfigError, ModelProcessError
from assay.engine.labels import as_classes, matches, same
from assay.engine.model_files import LoadedModel
from assay.engine.schema import ColumnRole, Schema

BATCH_ROWS = 20_000  # rows per request to the model process (a cancel kills that process: no need for smaller ones)
MODEL_INPUT_EXCLUDED = (ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.PROBABILITY, ColumnRole.IGNORED,
                        ColumnRole.ID)


@dataclass(frozen=True)
class PredictionSet:
    """One dataset's predictions. `scores` is (n,) for binary (positive class) or (n, k) in class order.
    `labels_given`: the labels are a prediction column's, audited as given (else computed: by the model, or
    from the scores at the threshold)."""

    labels: np.ndarray | None
    scores: np.ndarray | None
    classes: tuple[Any, ...] = ()
    labels_given: bool = False

    def __len__(self) -> int:
        array = self.labels if self.labels is not None else self.scores
        return 0 if array is None else len(array)


def model_input_columns(model: LoadedModel, schema: Schema) -> list[str]:
    if model.expected_columns is not None:
        return list(model.expected_columns)
    return [c.name for c in schema.columns if c.role not in MODEL_INPUT_EXCLUDED and c.in_reference]


def iter_predict(model: LoadedModel, frame: pd.DataFrame, schema: Schema, label: str, runner: Any = None,
                 threshold: float = 0.5, first_row: int = 0) -> Generator[float, None, PredictionSet]:
    """Predict in batches of BATCH_ROWS, yielding the fraction done between batches (and while the model works).

    `runner` holds the model: the audit's ModelProcess, or by default a LocalModel around `model.model`.
    Every batch is one request; the rows go to the model and its labels and probabilities come back.
    Binary with probabilities: the labels are the positive-class probability at `threshold`. `first_row`: the
    position of the frame's first row in its dataset (a streamed batch's), for the messages.
    """
    from assay.engine.isolation.local import LocalModel
    from assay.engine.isolation.process import exception_name, waiting

    runner = runner if runner is not None else LocalModel(model)
    columns = model_input_columns(model, schema)
    features = frame[columns]
    has_proba = "predict_proba" in (model.methods or ()) and schema.task in ("binary", "multiclass")
    classes = tuple(model.classes or ())
    labels, scores = [], []
    n = len(features)
    done = 0.0
    for start in range(0, max(n, 1), BATCH_ROWS):
        batch = features.iloc[start:start + BATCH_ROWS]
        if len(batch) == 0:
            break
        rows = f"rows {first_row + start + 1}-{first_row + start + len(batch)}"
        try:
            steps = runner.call("predict", batch, has_proba, what=f"predicting the {label} data, {rows}")
            batch_labels, batch_scores = yield from waiting(steps, done)
        except ModelProcessError:
            raise
        except Exception as exc:
            raise CalculationError(
                f"{model.info.path}: the model failed to predict on the {label} data "
                f"({rows}): {exception_name(exc)}: {exc}") from exc
        labels.append(np.atleast_1d(batch_labels))  # a scalar is a wrong shape, caught below with the others
        if batch_scores is not None:
            scores.append(np.atleast_1d(batch_scores))
        done = min((start + len(batch)) / n, 1.0)
        yield done
    label_array = np.concatenate(labels) if labels else np.array([])
    score_array = np.concatenate(scores) if scores else None
    _check_output(model, label_array, score_array, n, label)
    if score_array is not None and schema.task == "binary" and score_array.ndim == 2:
        score_array = score_array[:, _positive_index(classes, schema.positive_label, model)]
    if score_array is not None and schema.task == "binary":
        label_array = at_threshold(score_array, schema.positive_label, classes, threshold)
    return PredictionSet(label_array, score_array, classes)


def _check_output(model: LoadedModel, labels: np.ndarray, scores: np.ndarray | None, n: int, label: str) -> None:
    if len(labels) != n or (scores is not None and len(scores) != n):
        raise CalculationError(f"{model.info.path}: the model returned {len(labels)} predictions for {n} "
                               f"{label} rows; it must return one per row.")
    if scores is not None and not np.isfinite(scores).all():
        bad = int((~np.isfinite(scores)).any(axis=-1).sum()) if scores.ndim > 1 else int((~np.isfinite(scores)).sum())
        raise CalculationError(f"{model.info.path}: the model returned missing or infinite probabilities for {bad} "
                               f"{label} rows; check the model and the rows' values.")


def _positive_index(classes: tuple[Any, ...], positive: Any, model: LoadedModel) -> int:
    for i, c in enumerate(classes):
        if same(c, positive):
            return i
    if len(classes) == 2:
        return 1
    raise ConfigError(f"[columns] positive_label = {positive!r} is not one of the model's classes "
                      f"{list(classes)} ({model.info.path})", key="columns.positive_label")


def predictions_from_columns(frame: pd.DataFrame, schema: Schema, threshold: float = 0.5) -> PredictionSet | None:
    """Predictions already in the data: the prediction column's labels as given, the probability columns'
    scores; binary without a prediction column, the labels are the positive-class scores at `threshold`."""
    prediction = schema.first(ColumnRole.PREDICTION)
    probabilities = [c for c in schema.names(ColumnRole.PROBABILITY) if c in frame.columns]
    labels = frame[prediction].to_numpy() if prediction and prediction in frame.columns else None
    given = labels is not None
    scores = None
    if probabilities:
        block = frame[probabilities].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        scores = block[:, 0] if len(probabilities) == 1 else block
        if labels is None and schema.task == "binary" and scores.ndim == 1:
            labels = at_threshold(scores, schema.positive_label, schema.classes, threshold)
    if labels is None and scores is None:
        return None
    return PredictionSet(labels, scores, schema.classes, labels_given=given)


def at_threshold(scores: np.ndarray, positive: Any, classes: tuple[Any, ...], threshold: float) -> np.ndarray:
    """Binary labels from the positive-class scores: the positive class (as `classes` writes it) where the score
    is at least `threshold`, the other class below it, None where there is no score."""
    positive = next((c for c in classes if same(c, positive)), positive)
    negative = next((c for c in classes if not same(c, positive)), 0)
    finite = np.isfinite(scores)
    labels = np.where(scores >= threshold, positive, negative)
    if not finite.all():
        labels = labels.astype(object)
        labels[~finite] = None
    return labels


def positive_rate(predictions: PredictionSet, positive: Any) -> float | None:
    """The share of the rows with a predicted label that are predicted `positive` (compared by value)."""
    if predictions.labels is None or len(predictions.labels) == 0 or positive is None:
        return None
    present = pd.Series(predictions.labels, copy=False).notna().to_numpy()
    if not present.any():
        return None
    return float(matches(predictions.labels, positive).sum() / present.sum())


def model_output_names(schema: Schema, labels: bool, classes: tuple[Any, ...], scores: int
                       ) -> list[tuple[str, str, int | None]]:
    """A model's outputs as drift columns, (name, role, score): its labels as "prediction" (score None), then its
    scores (`scores` columns: 1 for a binary task's positive-class score, else one per class) as "score" or
    "score[class]" for the first 10 classes (score: the column's position); a name a data column has is prefixed
    "model_". The in-memory drift and the streamed one (engine/drift/partials.py) name them here."""
    taken = {c.name for c in schema.columns}

    def name(base: str) -> str:
        return base if base not in taken else f"model_{base}"

    found: list[tuple[str, str, int | None]] = [(name("prediction"), "prediction", None)] if labels else []
    if scores == 1:
        found.append((name("score"), "score", 0))
    elif scores > 1:
        found += [(name(f"score[{cls}]"), "score", k) for k, cls in enumerate(classes[:10])]
    return found


def drift_outputs(schema: Schema, predictions: dict[str, PredictionSet] | None, from_model: bool,
                  frames: dict[str, pd.DataFrame]):
    """Model outputs and the target as drift columns: named after their data columns, or
    "prediction" / "score" (prefixed "model_" on a clash) when the model computed them. Classification
    labels are compared by value: each is written as the target's class it matches, so that 1 and 1.0 (an
    integer column in one dataset, a float one in the other) are one category."""
    from assay.engine.drift.univariate import OutputColumn

    classification = schema.task in ("binary", "multiclass")
    label_kind = "categorical" if classification else "numerical"

    def label_output(column: str, role: str, reference=None, production=None) -> OutputColumn:
        if not classification:
            return OutputColumn(column, role, label_kind, reference, production)
        if reference is None:  # a data column (missing from a dataset: nothing to read there either)
            reference, production = (frames[side].get(column) for side in ("reference", "production"))
        return OutputColumn(column, role, label_kind, *(None if values is None else as_classes(values, schema.classes)
                                                        for values in (reference, production)))

    outputs = []
    target = schema.first(ColumnRole.TARGET)
    if target and all(target in f.columns for f in frames.values()):
        outputs.append(label_output(target, "target"))
    if not predictions or not {"reference", "production"} <= set(predictions):
        return tuple(outputs)
    if not from_model:
        prediction = schema.first(ColumnRole.PREDICTION)
        if prediction:
            outputs.append(label_output(prediction, "prediction"))
        outputs += [OutputColumn(name, "score", "numerical") for name in schema.names(ColumnRole.PROBABILITY)]
        return tuple(outputs)
    ref, prod = predictions["reference"], predictions["production"]
    width = 0 if ref.scores is None else 1 if ref.scores.ndim == 1 else ref.scores.shape[1]
    for name, role, score in model_output_names(schema, ref.labels is not None, tuple(ref.classes), width):
        if score is None:
            outputs.append(label_output(name, role, ref.labels, prod.labels))
        elif width == 1:
            outputs.append(OutputColumn(name, role, "numerical", ref.scores, prod.scores))
        else:
            outputs.append(OutputColumn(name, role, "numerical", ref.scores[:, score], prod.scores[:, score]))
    return tuple(outputs)
