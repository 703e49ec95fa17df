"""Running one analysis of the registry in an audit: what it is given (AnalysisRun), whether it has what it
needs (its skip reason), and its run (build its calculator, fit, calculate, grade) as a cancellable generator
of ProgressEvents that returns its Outcome. The pipeline (engine/pipeline.py) decides only the order."""
from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assay.engine.analyses.registry import AnalysisSpec, load
from assay.engine.errors import CalculationError, ModelProcessError
from assay.engine.progress import ProgressEvent, as_events, scaled
from assay.engine.results import AnalysisStatus, Finding
from assay.engine.schema import ColumnRole

if TYPE_CHECKING:
    from assay.engine.config import AuditConfig
    from assay.engine.model_files import LoadedModel
    from assay.engine.tables import Dataset
    from assay.engine.isolation.local import LocalModel
    from assay.engine.isolation.process import ModelProcess
    from assay.engine.predictions import PredictionSet
    from assay.engine.schema import Schema

FIT_SHARE = 0.05  # of an analysis' progress: fitting on the reference (calculating on production takes the rest)


@dataclass(frozen=True)
class AnalysisRun:
    """What an analysis is given: the audit's configuration, the schema and both datasets; once the model has
    answered, the predictions, the model and its process (or why the model failed)."""

    config: AuditConfig
    schema: Schema
    reference: Dataset
    production: Dataset
    predictions: dict[str, PredictionSet] | None = None
    model: LoadedModel | None = None
    runner: ModelProcess | LocalModel | None = None
    model_error: str | None = None


@dataclass(frozen=True)
class Outcome:
    """An analysis' status, its result (None unless it ran) and its findings; `model_error` when the model
    failed under it."""

    status: AnalysisStatus
    result: object | None = None
    findings: list[Finding] = field(default_factory=list)
    model_error: str | None = None


def _predicted_labels(run: AnalysisRun) -> bool:
    return bool(run.predictions) and all(p.labels is not None for p in run.predictions.values())


NEEDS: dict[str, Callable[[AnalysisRun], bool]] = {  # Need.what -> whether the audit has it
    "model_worked": lambda run: not run.model_error,
    "model": lambda run: run.model is not None,
    "predictions": lambda run: bool(run.predictions),
    "predictions_both": lambda run: bool(run.predictions) and {"reference", "production"} <= set(run.predictions),
    "predicted_labels": _predicted_labels,
    "task": lambda run: run.schema.task is not None,
    "target": lambda run: bool(run.schema.names(ColumnRole.TARGET)),
    "sensitive": lambda run: bool(run.schema.names(ColumnRole.SENSITIVE)),
    "positive_label": lambda run: not (run.schema.task == "multiclass" and run.schema.positive_label is None),
    "challengers": lambda run: bool(run.config.challengers) or bool(getattr(run.config.comparison, "arm", None)),
}


def skip_reason(spec: AnalysisSpec, run: AnalysisRun, *, own_hook: bool = True) -> str | None:
    """Why `spec` cannot run in this audit (its first need missing, or its section turns it off), or None.
    `own_hook=False` leaves out the spec's own `skip` function, which reads the in-memory run's tables: the
    streamed audit asks it only of the analyses that stream."""
    for need in spec.needs:
        if not NEEDS[need.what](run):
            return need.reason.format(inputs="prediction columns only" if run.predictions else "data only")
    if spec.off is not None:
        key, value = spec.off
        if getattr(getattr(run.config, spec.section), key) == value:
            return f"turned off in [{spec.section}] {key}"
    if spec.skip and own_hook:
        return load(spec.skip)(run, getattr(run.config, spec.section))
    return None


def iter_analysis(spec: AnalysisSpec, run: AnalysisRun, start: float, end: float
                  ) -> Generator[ProgressEvent, None, Outcome]:
    """Run `spec` within [start, end] of the audit's progress, or skip it with its reason."""
    reason = skip_reason(spec, run)
    if reason is not None:
        return Outcome(AnalysisStatus(spec.name, "skipped", reason))
    if not spec.calculator:
        raise CalculationError(f"{spec.title}: its AnalysisSpec names no calculator, so it cannot run in an audit")
    section = getattr(run.config, spec.section)
    message = spec.message or spec.title
    yield ProgressEvent(spec.name, start, message)
    fitted = start + (end - start) * FIT_SHARE
    try:
        calculator = load(spec.calculator)(run, section)
        yield from scaled(as_events(calculator.iter_fit(run.reference.frame), spec.name, message), start, fitted)
        result = yield from scaled(calculator.iter_calculate(run.production.frame), fitted, end)
        findings = list(load(spec.findings)(result, section))
    except CalculationError as exc:
        return failed_outcome(spec, exc)
    return Outcome(AnalysisStatus(spec.name, "ran"), result, findings)


def failed_outcome(spec: AnalysisSpec, exc: CalculationError) -> Outcome:
    """The outcome of an analysis that survives the model failing under it (`spec.model_crash`; else `exc` is
    raised again): the model crashed, hung or ran out of memory (failed, the rest stands), or the analysis could
    not be computed (e.g. an unsupported model: skipped, saying so)."""
    if not spec.model_crash:
        raise exc
    if isinstance(exc, ModelProcessError):
        return Outcome(AnalysisStatus(spec.name, "failed", str(exc)), model_error=str(exc),
                       findings=[Finding("model.failed", spec.name, "fail", spec.model_crash, str(exc))])
    return Outcome(AnalysisStatus(spec.name, "skipped", str(exc)),
                   findings=[Finding(f"{spec.name}.failed", spec.name, "warn", f"{spec.title} could not be computed",
                                     str(exc))])
