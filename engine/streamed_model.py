"""The model's stage of a streamed audit: open the model under the same trust checks as the in-memory audit (in
its own process, started at the start of the audit), check its columns against the Sources, then one pass over
each dataset with the predictions batch by batch that counts what the report says of them (rows, the positive
rate, whether given labels agree with the scores at the threshold) and finds out, before any analysis, whether
the model works: a model that fails there fails as it does in memory (a finding; performance, fairness and
explanations skipped saying why), and the rest of the audit stands.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.errors import CalculationError
from assay.engine.label_agreement import ScoreLabels, agreement, agreement_findings, score_labels
from assay.engine.labels import matches
from assay.engine.model_files import check_model_columns
from assay.engine.prediction_batches import PredictionSource, stream_predictions
from assay.engine.progress import ProgressEvent
from assay.engine.results import AnalysisStatus, Finding, PredictionSummary
from assay.engine.schema import ColumnRole
from assay.engine.streaming.passes import Pass
from assay.engine.streaming.run import StreamRun, iter_stream


@dataclass(frozen=True)
class PredictionTally:
    """One dataset's predictions counted over its batches: rows, rows with a predicted label, of them the positive
    class, whether there are scores, and (given labels beside one score) the labels per distinct score."""

    rows: int
    labelled: int
    positive: int
    scores: bool
    agreement: ScoreLabels | None


def tally_map(batch: pd.DataFrame, source: PredictionSource) -> PredictionTally:
    found = source.of(batch)
    schema, labels = source.schema, found.labels if found is not None else None
    present = pd.Series(labels, copy=False).notna().to_numpy() if labels is not None else np.zeros(0, dtype=bool)
    positive = int((matches(labels, schema.positive_label) & present).sum()) if labels is not None and \
        schema.positive_label is not None else 0
    table = score_labels(found, schema.positive_label, source.threshold) if found is not None and \
        schema.task == "binary" else None
    return PredictionTally(len(batch), int(present.sum()), positive, found is not None and found.scores is not None,
                           table)


def tally_merge(a: PredictionTally, b: PredictionTally) -> PredictionTally:
    table = a.agreement + b.agreement if a.agreement is not None and b.agreement is not None else \
        a.agreement if b.agreement is None else b.agreement
    return PredictionTally(a.rows + b.rows, a.labelled + b.labelled, a.positive + b.positive, a.scores or b.scores,
                           table)


def _tallies(run: StreamRun) -> Generator[Pass, Any, dict[str, PredictionTally]]:
    out = {}
    for role, source in run.predictions.items():
        columns = set(source.columns) | set(source.inputs)
        out[role] = yield Pass(f"predictions: {role}", role, tuple(c for c in run.source(role).columns if c in columns),
                               tally_map, tally_merge, source, with_predictions=source.from_model)
    return out


@dataclass(frozen=True)
class StreamedPredictions:
    """The run with its predictions (and model), the model's provenance (None: no model), the predictions'
    status, their findings and their summary for the report."""

    run: StreamRun
    model_input: Any
    status: AnalysisStatus
    findings: list[Finding]
    summary: PredictionSummary | None = None


def iter_streamed_predictions(run: StreamRun, start: float, end: float
                              ) -> Generator[ProgressEvent, None, StreamedPredictions]:
    """The model's stage (see the module's docstring). `run.runner`: the model process the audit started, or
    None."""
    from assay.engine.pipeline import _begin_opening, _finish_opening, _prediction_reason, _warm_up
    from assay.engine.analyses import registry

    config, runner, schema = run.config, run.runner, run.schema
    threshold = config.performance.threshold
    model = model_input = model_error = None
    if runner is not None:
        yield ProgressEvent("load", start, "Opening the model")
        model_input, model_error, opening = _begin_opening(config, runner)
        if opening is not None:
            model, model_input, model_error = yield from _finish_opening(runner, opening, model_input, start)
    if model is not None:
        ignore = set(schema.names(ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.PROBABILITY,
                                  ColumnRole.TIMESTAMP, ColumnRole.ID, ColumnRole.IGNORED))
        for source in (run.reference, run.production):
            check_model_columns(model, list(source.columns), source.location, ignore)
    if model is None and model_error is not None:
        predictions, predictor = None, None
    else:
        sources = (run.reference, run.production)
        predictions, predictor = stream_predictions(schema, threshold, {s.role: s.columns for s in sources}, model,
                                                    runner, rows={s.role: s.rows for s in sources})
    if hasattr(run.executor, "predictor"):
        run.executor.predictor = predictor
    run = dataclasses.replace(run, predictions=predictions, model=model, model_error=model_error)
    tallies: dict[str, PredictionTally] = {}
    if predictions:
        try:
            tallies = yield from iter_stream(_tallies(run), run, "predict", start, end)
        except CalculationError as exc:  # the model raised, crashed, hung, ran out of memory or answered wrongly
            runner.close()
            run = dataclasses.replace(run, predictions=None, model=None, model_error=str(exc))
    if run.model_error:
        status = AnalysisStatus("predictions", "failed", run.model_error)
        return StreamedPredictions(run, model_input, status, [Finding(
            "model.failed", "predictions", "fail",
            "The model failed: no predictions, so no performance, fairness or explanations", run.model_error)])
    if run.model is not None:
        _warm_up(registry.ANALYSES, run)
    status = AnalysisStatus("predictions", "ran" if run.predictions else "skipped",
                            _prediction_reason(run.model, run.predictions, threshold))
    found = [agreement(role, tallies[role].agreement, threshold) for role in ("reference", "production")
             if role in tallies and tallies[role].agreement is not None]
    findings = agreement_findings([a for a in found if a], schema, threshold) if schema.task == "binary" else []
    return StreamedPredictions(run, model_input, status, findings, _summary(tallies, run))


def _summary(tallies: dict[str, PredictionTally], run: StreamRun) -> PredictionSummary | None:
    if not tallies:
        return None
    schema = run.schema
    binary = schema.task == "binary"

    def rate(role: str) -> float | None:
        tally = tallies.get(role)
        if not binary or tally is None or not tally.labelled or schema.positive_label is None:
            return None
        return float(tally.positive / tally.labelled)

    ref, prod = tallies.get("reference"), tallies.get("production")
    return PredictionSummary(
        source="model" if run.model is not None else "columns", task=schema.task,
        positive_label=schema.positive_label, classes=schema.classes,
        rows_reference=ref.rows if ref else 0, rows_production=prod.rows if prod else 0,
        positive_rate_reference=rate("reference"), positive_rate_production=rate("production"),
        has_probabilities=any(t.scores for t in tallies.values()))
