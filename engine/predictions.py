"""Predictions for each dataset: computed by the model in batches, or read from the data's columns."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.errors import CalculationError, ConfigError, ModelProcessError
from assay.engine.model_files import LoadedModel
from assay.engine.schema import ColumnRole, Schema

BATCH_ROWS = 20_000  # rows per request to the model process (a cancel kills that process: no need for smaller ones)
MODEL_INPUT_EXCLUDED = (ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.PROBABILITY, ColumnRole.IGNORED,
                        ColumnRole.ID)


@dataclass(frozen=True)
class PredictionSet:
    """One dataset's predictions. `scores` is (n,) for binary (positive class) or (n, k) in class order."""

    labels: np.ndarray | None
    scores: np.ndarray | None
    classes: tuple[Any, ...] = ()

    def __len__(self) -> int:
        array = self.labels if self.labels is not None else self.scores
        return 0 if array is None else len(array)


def model_input_columns(model: LoadedModel, schema: Schema) -> list[str]:
    if model.expected_columns is not None:
        return list(model.expected_columns)
    return [c.name for c in schema.columns if c.role not in MODEL_INPUT_EXCLUDED and c.in_reference]


def iter_predict(model: LoadedModel, frame: pd.DataFrame, schema: Schema, label: str, runner: Any = None
                 ) -> Generator[float, None, PredictionSet]:
    """Predict in batches of BATCH_ROWS, yielding the fraction done between batches (and while the model works).

    `runner` holds the model: the audit's ModelProcess, or by default a LocalModel around `model.model`.
    Every batch is one request; the rows go to the model and its labels and probabilities come back.
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
        rows = f"rows {start + 1}-{start + len(batch)}"
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
        if c == positive or str(c) == str(positive):
            return i
    if len(classes) == 2:
        return 1
    raise ConfigError(f"[columns] positive_label = {positive!r} is not one of the model's classes "
                      f"{list(classes)} ({model.info.path})", key="columns.positive_label")


def predictions_from_columns(frame: pd.DataFrame, schema: Schema) -> PredictionSet | None:
    """Predictions already in the data (prediction and/or probability columns)."""
    prediction = schema.first(ColumnRole.PREDICTION)
    probabilities = [c for c in schema.names(ColumnRole.PROBABILITY) if c in frame.columns]
    labels = frame[prediction].to_numpy() if prediction and prediction in frame.columns else None
    scores = None
    if probabilities:
        block = frame[probabilities].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        scores = block[:, 0] if len(probabilities) == 1 else block
        if labels is None and schema.task == "binary" and scores.ndim == 1:
            negative = next((c for c in schema.classes if c != schema.positive_label), 0)
            labels = np.where(scores >= 0.5, schema.positive_label, negative)
    if labels is None and scores is None:
        return None
    return PredictionSet(labels, scores, schema.classes)


def positive_rate(predictions: PredictionSet, positive: Any) -> float | None:
    if predictions.labels is None or len(predictions.labels) == 0 or positive is None:
        return None
    return float((pd.Series(predictions.labels).astype(str) == str(positive)).mean())


def drift_outputs(schema: Schema, predictions: dict[str, PredictionSet] | None, from_model: bool,
                  frames: dict[str, pd.DataFrame]):
    """Model outputs and the target as drift columns: named after their data columns, or
    "prediction" / "score" (prefixed "model_" on a clash) when the model computed them."""
    from assay.engine.drift.univariate import OutputColumn

    classification = schema.task in ("binary", "multiclass")
    label_kind = "categorical" if classification else "numerical"
    outputs = []
    target = schema.first(ColumnRole.TARGET)
    if target and all(target in f.columns for f in frames.values()):
        outputs.append(OutputColumn(target, "target", label_kind))
    if not predictions or not {"reference", "production"} <= set(predictions):
        return tuple(outputs)
    if not from_model:
        prediction = schema.first(ColumnRole.PREDICTION)
        if prediction:
            outputs.append(OutputColumn(prediction, "prediction", label_kind))
        outputs += [OutputColumn(name, "score", "numerical") for name in schema.names(ColumnRole.PROBABILITY)]
        return tuple(outputs)
    taken = {c.name for c in schema.columns}
    ref, prod = predictions["reference"], predictions["production"]

    def name(base: str) -> str:
        return base if base not in taken else f"model_{base}"

    if ref.labels is not None:
        outputs.append(OutputColumn(name("prediction"), "prediction", label_kind, ref.labels, prod.labels))
    if ref.scores is not None and ref.scores.ndim == 1:
        outputs.append(OutputColumn(name("score"), "score", "numerical", ref.scores, prod.scores))
    elif ref.scores is not None:
        for k, cls in enumerate(ref.classes[:10]):
            outputs.append(OutputColumn(name(f"score[{cls}]"), "score", "numerical", ref.scores[:, k], prod.scores[:, k]))
    return tuple(outputs)
