"""Predictions batch by batch, for the streamed audit: the model's (through its isolated process, the same trust
checks and requests as the in-memory path) written into each batch as columns, or the data's own prediction
and probability columns; and the one way a streamed analysis reads a batch's predictions back.

A model's predictions depend on each row alone, so predicting batch by batch gives the in-memory path's
numbers: `ModelPredictor` sends the rows of a batch through engine/predictions.py's `iter_predict` (requests of
BATCH_ROWS rows, the same output checks, the positive class's scores at [performance] threshold). Its columns
are named PREDICTED and SCORE (binary) or SCORE + class position (multiclass), names no data column takes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.model_files import LoadedModel
from assay.engine.prediction_cache import PredictionCache
from assay.engine.predictions import PredictionSet, iter_predict, model_input_columns, predictions_from_columns
from assay.engine.progress import drain
from assay.engine.schema import ColumnRole, Schema

PREDICTED = "__assay_predicted"  # the model's predicted label of each row
SCORE = "__assay_score"  # binary: the positive-class score; multiclass: SCORE0, SCORE1, ... in the model's order


@dataclass(frozen=True)
class PredictionSource:
    """Where a batch's predictions come from (picklable: a Pass's context carries it). `from_model`: the columns
    a ModelPredictor wrote; else the data's prediction and probability columns, as predictions_from_columns
    reads them."""

    schema: Schema
    threshold: float
    from_model: bool
    classes: tuple[Any, ...] = ()  # the model's classes (from_model)
    scores: int = 0  # score columns the model writes: 0 (labels only), 1 (binary), k (multiclass)
    inputs: tuple[str, ...] = ()  # the model's input columns: a pass with the model's predictions reads them

    @property
    def labels(self) -> str | None:
        """Where the predicted labels come from (None: scores only), so that an analysis' needs read a
        PredictionSource as they read a PredictionSet."""
        if self.from_model:
            return PREDICTED
        prediction = self.schema.first(ColumnRole.PREDICTION)
        if prediction:
            return prediction
        probabilities = self.schema.names(ColumnRole.PROBABILITY)
        return "threshold" if self.schema.task == "binary" and len(probabilities) == 1 else None

    @property
    def labels_given(self) -> bool:
        """The labels are a prediction column's, audited as given (as PredictionSet.labels_given)."""
        return not self.from_model and self.schema.first(ColumnRole.PREDICTION) is not None

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns a pass reads for the predictions (none for the model's: the predictor adds them)."""
        if self.from_model:
            return ()
        return tuple(self.schema.names(ColumnRole.PREDICTION, ColumnRole.PROBABILITY))

    def of(self, frame: pd.DataFrame) -> PredictionSet | None:
        """The predictions of the rows of `frame` (a batch, or batches' rows gathered in row order)."""
        if not self.from_model:
            return predictions_from_columns(frame, self.schema, self.threshold)
        labels = frame[PREDICTED].to_numpy() if PREDICTED in frame.columns else None
        scores = None
        if self.scores == 1:
            scores = frame[SCORE].to_numpy(dtype=float)
        elif self.scores > 1:
            scores = frame[[f"{SCORE}{j}" for j in range(self.scores)]].to_numpy(dtype=float)
        return PredictionSet(labels, scores, self.classes)


def sources_of_columns(schema: Schema, threshold: float, columns: dict[str, tuple[str, ...]]
                       ) -> dict[str, PredictionSource] | None:
    """The data's own predictions per dataset (`columns`: role -> the columns its Source has), as the
    in-memory audit finds them: a dataset without a prediction nor a probability column has none."""
    source = PredictionSource(schema=schema, threshold=threshold, from_model=False, classes=schema.classes)
    found = {role: source for role, names in columns.items() if set(source.columns) & set(names)}
    return found or None


def sources_of_model(model: LoadedModel, schema: Schema, threshold: float) -> dict[str, PredictionSource]:
    """The model's predictions for both datasets (a ModelPredictor writes them into each batch)."""
    source = source_of_model(model, schema, threshold)
    return {"reference": source, "production": source}


def source_of_model(model: LoadedModel, schema: Schema, threshold: float) -> PredictionSource:
    has_proba = "predict_proba" in (model.methods or ()) and schema.task in ("binary", "multiclass")
    width = 0 if not has_proba else 1 if schema.task == "binary" else len(model.classes or ())
    return PredictionSource(schema=schema, threshold=threshold, from_model=True, classes=tuple(model.classes or ()),
                            scores=width, inputs=tuple(model_input_columns(model, schema)))


class ModelPredictor:
    """(batch, role) -> the batch with the model's prediction columns: the executor's `predictor` for a Pass
    `with_predictions`. `runner` is the audit's ModelProcess (or a LocalModel); a failure raises as in the
    in-memory path (CalculationError naming the model and the rows, ModelProcessError when the process dies)."""

    def __init__(self, model: LoadedModel, runner: Any, schema: Schema, threshold: float,
                 rows: dict[str, int] | None = None) -> None:
        """`rows`: role -> the dataset's rows, to keep the predictions for later passes (engine/prediction_cache.py;
        None: predict every time)."""
        self.model, self.runner, self.schema, self.threshold = model, runner, schema, threshold
        self.source = source_of_model(model, schema, threshold)
        self.cache = PredictionCache(rows, self.source.classes) if rows else None

    def __call__(self, batch: pd.DataFrame, role: str) -> pd.DataFrame:
        first = int(batch.index[0]) if len(batch) else 0
        found = self.cache.get(role, first, len(batch)) if self.cache is not None else None
        if found is None:
            found = drain(iter_predict(self.model, batch, self.schema, role, self.runner, self.threshold,
                                       first_row=first))
            if self.cache is not None:
                self.cache.put(role, first, found)
        return with_prediction_columns(batch, found, self.source.scores)


def with_prediction_columns(batch: pd.DataFrame, found: PredictionSet, width: int) -> pd.DataFrame:
    """`batch` with the predictions as PREDICTED and SCORE columns (its own columns untouched)."""
    columns: dict[str, Any] = {PREDICTED: found.labels}
    if found.scores is not None and width == 1:
        columns[SCORE] = np.asarray(found.scores, dtype=float)
    elif found.scores is not None:
        for j in range(width):
            columns[f"{SCORE}{j}"] = np.asarray(found.scores[:, j], dtype=float)
    added = pd.DataFrame(columns, index=batch.index)
    return pd.concat([batch, added], axis=1)



def stream_predictions(schema: Schema, threshold: float, columns: dict[str, tuple[str, ...]],
                       model: LoadedModel | None = None, runner: Any = None, rows: dict[str, int] | None = None
                       ) -> tuple[dict[str, PredictionSource] | None, ModelPredictor | None]:
    """A streamed audit's predictions (StreamRun.predictions: role -> PredictionSource) and the executor's
    predictor: the model's when it opened (run in `runner`, its isolated process; `rows`: role -> the dataset's
    rows, to predict each row once), else the data's columns (`columns`: role -> the columns of its Source)."""
    if model is not None:
        return sources_of_model(model, schema, threshold), ModelPredictor(model, runner, schema, threshold, rows)
    return sources_of_columns(schema, threshold, columns), None
