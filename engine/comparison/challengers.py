"""The challengers' predictions: each model file checked under the champion's trust rules (engine/model_files.py)
and opened in its own model process (engine/isolation/), or its outputs read from the data's columns. A
challenger that fails to open or to predict is described, not raised: the audit carries on without it."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from assay.engine.comparison.config import ChallengerConfig
from assay.engine.comparison.importances import ImportanceSample, iter_importances
from assay.engine.errors import AssayError, InputError
from assay.engine.input_files import sha256_file
from assay.engine.isolation.process import ModelProcess, waiting
from assay.engine.labels import key
from assay.engine.model_files import LoadedModel, check_model_columns, check_model_file
from assay.engine.predictions import PredictionSet, at_threshold, iter_predict
from assay.engine.schema import ColumnRole, Schema


@dataclass(frozen=True)
class ChallengerOutputs:
    """One challenger's predictions on the compared rows, or why there are none (`error`)."""

    config: ChallengerConfig
    source: str
    sha256: str | None
    predictions: PredictionSet | None = None
    classes: tuple[Any, ...] = ()
    error: str | None = None
    importances: dict[str, float] | None = None  # permutation importances on the champion's sample


def iter_challenger(challenger: ChallengerConfig, frame: pd.DataFrame, dataset: str, schema: Schema,
                    threshold: float, memory_limit_mb: int | None, champion: tuple[str, tuple],
                    sample: ImportanceSample | None = None, target: str | None = None
                    ) -> Generator[float, None, ChallengerOutputs]:
    """`champion`: its name and classes. A challenger with other classes raises an InputError naming both (the
    models cannot be compared); any other failure is described in the outputs' `error`. With `sample`, the
    challenger's permutation importances on it too (engine/comparison/importances.py)."""
    if challenger.path is None:
        return from_columns(challenger, frame, schema, threshold)
    path = challenger.path
    source = str(path)
    try:
        sha = sha256_file(path)
    except OSError:
        sha = None
    try:
        file = check_model_file(path, trusted=challenger.trusted, trusted_types=challenger.trusted_types,
                                sha256=challenger.sha256)
    except AssayError as exc:  # untrusted, missing, changed, damaged: named in a finding
        return ChallengerOutputs(challenger, source, sha, error=str(exc))
    runner = ModelProcess(path, timeout_s=challenger.timeout_s, memory_limit_mb=memory_limit_mb)
    try:
        model: LoadedModel = yield from waiting(runner.begin_open(file), 0.0)
    except AssayError as exc:
        runner.close()
        return ChallengerOutputs(challenger, source, sha, error=str(exc))
    try:
        check_same_classes(*champion, source, tuple(model.classes or ()))  # not a finding: the audit stops
    except InputError:
        runner.close()
        raise
    try:
        ignore = set(schema.names(ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.PROBABILITY,
                                  ColumnRole.TIMESTAMP, ColumnRole.ID, ColumnRole.IGNORED))
        check_model_columns(model, list(frame.columns), f"the {dataset} data", ignore)
        predictions = yield from iter_predict(model, frame, schema, f"{dataset} (challenger {challenger.label})",
                                              runner, threshold)
        importances = None
        if sample is not None and target is not None:
            importances = yield from iter_importances(model, runner, sample, schema, target, threshold)
    except AssayError as exc:
        return ChallengerOutputs(challenger, source, sha, error=str(exc))
    finally:
        runner.close()
    return ChallengerOutputs(challenger, source, file.sha256, predictions, tuple(model.classes or ()),
                             importances=importances)


def from_columns(challenger: ChallengerConfig, frame: pd.DataFrame, schema: Schema, threshold: float
                 ) -> ChallengerOutputs:
    """A challenger in shadow mode: its predicted labels and probabilities from columns of the data."""
    source = f"columns: {', '.join(challenger.columns)}"
    missing = [c for c in challenger.columns if c not in frame.columns]
    if missing:
        return ChallengerOutputs(challenger, source, None, error=(
            f"challenger {challenger.label!r}: no column {', '.join(map(repr, missing))} in the data; columns: "
            f"{', '.join(map(str, list(frame.columns)[:20]))}"))
    labels = frame[challenger.prediction].to_numpy() if challenger.prediction else None
    scores = None
    if challenger.probabilities:
        block = frame[list(challenger.probabilities)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        scores = block[:, 0] if block.shape[1] == 1 else block
        if labels is None and schema.task == "binary" and scores.ndim == 1:
            labels = at_threshold(scores, schema.positive_label, schema.classes, threshold)
    return ChallengerOutputs(challenger, source, None,
                             PredictionSet(labels, scores, schema.classes, labels_given=challenger.prediction is not None),
                             tuple(schema.classes))


def check_same_classes(champion: str, champion_classes: tuple, source: str, classes: tuple) -> None:
    """Two models with different classes cannot be compared: an InputError naming both."""
    if not champion_classes or not classes:
        return
    if {key(c) for c in champion_classes} != {key(c) for c in classes}:
        raise InputError(f"the champion {champion} predicts the classes {list(champion_classes)} but the challenger "
                         f"{source} predicts {list(classes)}; compare models trained for the same classes", source)
