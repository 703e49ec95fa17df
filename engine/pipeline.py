"""iter_audit / run_audit: the order of the stages, nothing else.

`iter_audit(config)` is a generator of ProgressEvents that returns the AuditReport; closing it
cancels the audit at the next step. The same generator drives the CLI's progress bar and the
GUI's worker.
"""
from __future__ import annotations

import dataclasses
import os
import platform
import time
from collections.abc import Callable, Generator
from datetime import datetime, timezone
from importlib import metadata

from assay.engine.analyses.quality import QualityCalculator, quality_findings
from assay.engine.drift.policy import drift_findings
from assay.engine.drift.univariate import DriftCalculator
from assay.engine.explain.calculator import ExplanationCalculator
from assay.engine.explain.policy import explanation_findings
from assay.engine.fairness.calculator import FairnessCalculator
from assay.engine.fairness.policy import fairness_findings
from assay.engine.performance.calculator import PerformanceCalculator
from assay.engine.performance.policy import performance_findings
from assay.engine.config import AuditConfig
from assay.engine.errors import CalculationError, ConfigError, InputError, ModelOpenError, ModelProcessError
from assay.engine.findings import sort_findings, verdict
from assay.engine.io import (Dataset, InputInfo, LoadedModel, check_model_columns, check_model_file, iter_load_dataset,
                       sha256_file)
from assay.engine.isolation.process import start_model, waiting
from assay.engine.predictions import (PredictionSet, drift_outputs, iter_predict, model_input_columns, positive_rate,
                                predictions_from_columns)
from assay.engine.progress import ProgressEvent, scaled
from assay.engine.results import AnalysisStatus, AuditReport, Finding, PredictionSummary, Provenance
from assay.engine.schema import ColumnRole, Schema, iter_infer_schema
from assay.engine.version import assay_version

MODEL_FAILED = "needs the model's predictions, and the model failed (see the predictions analysis)"
VERSIONED = ("assay", "numpy", "pandas", "pyarrow", "scikit-learn", "scipy", "skops", "joblib", "shap",
             "fairlearn", "reportlab", "matplotlib")


def iter_audit(config: AuditConfig, *, _model_in_process: bool = False
               ) -> Generator[ProgressEvent, None, AuditReport]:
    """The audit as a generator of ProgressEvents that returns the AuditReport; closing it cancels the audit.

    The model (if any) is opened and run in a separate process, started first so that its imports overlap
    with reading the data, and killed when the audit ends, fails or is cancelled. `_model_in_process` runs
    the model in this process instead: only for the benchmark that measures what the isolation costs.
    """
    runner = start_model(config, in_process=_model_in_process)
    try:
        return (yield from _audit(config, runner))
    finally:
        if runner is not None:
            runner.close()


def _audit(config: AuditConfig, runner) -> Generator[ProgressEvent, None, AuditReport]:
    started = _now()
    clock = time.perf_counter()
    reference = yield from _load(_required(config.data.reference, "data.reference"), "reference", 0.0, 0.06)
    production = yield from _load(_required(config.data.production, "data.production"), "production", 0.06, 0.12)
    _check_datasets(reference, production)

    model, model_input, model_error, opening = None, None, None, None
    if runner is not None:
        yield ProgressEvent("load", 0.12, "Opening the model")
        model_input, model_error, opening = _begin_opening(config, runner)  # the trust decision is made here
    yield ProgressEvent("schema", 0.15, "Inferring column kinds and roles")
    steps = iter_infer_schema(reference.frame, production.frame, config)  # a yield after each column
    schema = yield from scaled(_as_events(steps, "schema", "Inferring column kinds and roles"), 0.15, 0.15)
    reference, production = (_with_time_range(d, schema) for d in (reference, production))

    # data quality needs no model: it runs while the model process opens the model
    yield ProgressEvent("quality", 0.15, "Data quality of the reference")  # after the schema of many columns
    quality = QualityCalculator(schema).fit(reference.frame)
    quality_result = yield from scaled(quality.iter_calculate(production.frame), 0.15, 0.22)
    found = quality_findings(quality_result, config.quality)

    if opening is not None:
        model, model_input, model_error = yield from _finish_opening(runner, opening, model_input)
    if model is not None:
        ignore = set(schema.names(ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.PROBABILITY,
                                  ColumnRole.TIMESTAMP, ColumnRole.ID, ColumnRole.IGNORED))
        for dataset in (reference, production):
            check_model_columns(model, list(dataset.frame.columns), dataset.info.path, ignore)

    predictions = None
    if model is not None:
        try:
            predictions = yield from _predict(model, runner, reference, production, schema, 0.22, 0.62)
            if _explanations_skip_reason(model, predictions, config, None) is None:
                runner.warm_up()  # the model process imports shap while this one computes the analyses
        except CalculationError as exc:  # the model raised, crashed, hung, ran out of memory or answered wrongly
            model_error, model = str(exc), None
            runner.close()
    elif model_error is None:
        predictions = _predictions_from_columns(reference, production, schema)
    statuses = [AnalysisStatus("predictions", "failed", model_error) if model_error else
                AnalysisStatus("predictions", "ran" if predictions else "skipped", _prediction_reason(model, predictions)),
                AnalysisStatus("quality", "ran")]
    if model_error:
        found.append(Finding("model.failed", "predictions", "fail",
                             "The model failed: no predictions, so no performance, fairness or explanations",
                             model_error))

    performance_result = None
    reason = _performance_skip_reason(schema, predictions, model_error)
    if reason is None:
        yield ProgressEvent("performance", 0.62, "Performance on the reference")
        performance = PerformanceCalculator(schema, config.performance, predictions, config.audit.seed,
                                            model_name=str(model.info.path) if model else None)
        performance_result = yield from scaled(performance.fit(reference.frame).iter_calculate(production.frame),
                                               0.62, 0.70)
        found += performance_findings(performance_result, config.performance)
    statuses.append(AnalysisStatus("performance", "ran" if reason is None else "skipped", reason or ""))

    yield ProgressEvent("drift", 0.70, "Preparing drift tests on the reference")
    outputs = drift_outputs(schema, predictions, model is not None,
                            {"reference": reference.frame, "production": production.frame})
    drift = DriftCalculator(schema, config.drift, outputs, config.audit.seed)
    yield from scaled(_as_events(drift.iter_fit(reference.frame), "drift", "Preparing drift tests on the reference"),
                      0.70, 0.71)
    drift_result = yield from scaled(drift.iter_calculate(production.frame), 0.71, 0.93)
    statuses.append(AnalysisStatus("drift", "ran"))
    found += drift_findings(drift_result, config.drift)

    fairness_result = None
    reason = _fairness_skip_reason(schema, predictions, model_error)
    if reason is None:
        yield ProgressEvent("fairness", 0.93, "Group metrics and disparities")
        fairness = FairnessCalculator(schema, config.fairness, predictions,
                                      model_input_columns(model, schema) if model else None, config.audit.seed)
        fairness_result = yield from scaled(fairness.fit(reference.frame).iter_calculate(production.frame), 0.94, 0.975)
        found += fairness_findings(fairness_result, config.fairness)
    statuses.append(AnalysisStatus("fairness", "ran" if reason is None else "skipped", reason or ""))

    explanations = None
    reason = _explanations_skip_reason(model, predictions, config, model_error)
    explain_status = "ran" if reason is None else "skipped"
    if reason is None:
        yield ProgressEvent("explanations", 0.98, "Explaining the model (SHAP)")
        try:
            explainer = ExplanationCalculator(model, schema, config.explain, predictions, config.audit.seed,
                                              runner=runner)
            explanations = yield from scaled(explainer.fit(reference.frame).iter_calculate(production.frame),
                                             0.98, 0.995)
            found += explanation_findings(explanations, config.explain)
        except ModelProcessError as exc:  # the model crashed, hung or ran out of memory: the rest stands
            reason = model_error = str(exc)
            explain_status = "failed"
            runner.close()
            found.append(Finding("model.failed", "explanations", "fail",
                                 "The model failed while being explained: no explanations", model_error))
        except CalculationError as exc:  # an unsupported model: say so, and the rest of the audit stands
            reason = str(exc)
            explain_status = "skipped"
            found.append(Finding("explanations.failed", "explanations", "warn", "Explanations could not be computed",
                                 reason))
    statuses.append(AnalysisStatus("explanations", explain_status, reason or ""))
    findings = sort_findings(found)

    yield ProgressEvent("findings", 0.997, "Grading findings")
    provenance = Provenance(
        inputs=tuple(d.info for d in (reference, production)) + ((model_input,) if model_input else ()),
        versions=versions(),
        config=config.to_dict(),
        seed=config.audit.seed,
        started_at=started,
        finished_at=_now(),
        duration_s=round(time.perf_counter() - clock, 3),
        model=_model_provenance(runner, model_input, model_error),
    )
    report = AuditReport(
        provenance=provenance, verdict=verdict(findings), findings=findings, schema=schema,
        analyses=tuple(statuses), quality=quality_result, drift=drift_result, fairness=fairness_result,
        explanations=explanations, performance=performance_result,
        title=config.audit.title,
        predictions=_summary(predictions, schema, "model" if runner is not None else "columns"),
        model_error=model_error,
    )
    yield ProgressEvent("done", 1.0, f"Audit finished: {report.verdict}")
    return report


def run_audit(config: AuditConfig, on_progress: Callable[[ProgressEvent], None] | None = None) -> AuditReport:
    """Run a whole audit; `on_progress` receives every ProgressEvent."""
    events = iter_audit(config)
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(event)


# -- stages ----------------------------------------------------------------------------------


def _required(path, key: str):
    if path is None:
        raise ConfigError(f"[data] {key.split('.')[1]} is not set; give the path of the {key.split('.')[1]} data "
                          f"file in the audit file or with --set {key}=PATH", key=key)
    return path


def _load(path, role: str, start: float, end: float) -> Generator[ProgressEvent, None, Dataset]:
    """Read one table in batches; the load's progress is its bytes (or rows) read."""
    steps = iter_load_dataset(path, role)
    return (yield from scaled(_as_events(steps, "load", f"Reading the {role} data"), start, end))


def _with_time_range(dataset: Dataset, schema: Schema) -> Dataset:
    """The dataset with its time range (first and last value of the timestamp column) in its provenance."""
    column = next(iter(schema.names(ColumnRole.TIMESTAMP)), None)
    if column is None or column not in dataset.frame.columns:
        return dataset
    from assay.engine.chunks import timestamps

    series = dataset.frame[column]
    times = timestamps(series)
    values = (times if times is not None else series).dropna()
    if values.empty:
        return dataset
    first, last = values.min(), values.max()
    if times is not None:
        dated = all(t == t.normalize() for t in (first, last))  # midnight: a date
        first, last = ((t.date().isoformat() if dated else t.isoformat(sep=" ")) for t in (first, last))
    return dataclasses.replace(dataset, info=dataclasses.replace(dataset.info, time_range=(str(first), str(last))))


def _check_datasets(reference: Dataset, production: Dataset) -> None:
    for dataset in (reference, production):
        if len(dataset.frame) == 0:
            raise InputError(f"{dataset.info.path}: the {dataset.info.role} data has no rows; "
                             f"export it again with data.", dataset.info.path)
    common = set(reference.frame.columns) & set(production.frame.columns)
    if not common:
        raise InputError(
            f"{production.info.path}: no column in common with the reference data {reference.info.path}; "
            f"check that both files come from the same source (reference columns: "
            f"{', '.join(list(reference.frame.columns)[:8])}).", production.info.path)


def _begin_opening(config: AuditConfig, runner):
    """Make the trust decision and ask the model process to open the file: (provenance, error, the wait for the
    model). Trust errors and missing files stop the audit as before (the user has a decision to make); a damaged
    skops file leaves an audit without the model."""
    path = config.model.path
    try:
        file = check_model_file(path, trusted=config.model.trusted, trusted_types=config.model.trusted_types,
                                sha256=config.model.sha256)
    except ModelOpenError as exc:
        runner.close()
        return InputInfo("model", str(path), sha256_file(path), format="skops"), str(exc), None
    return InputInfo("model", str(path), file.sha256, format=file.format), None, runner.begin_open(file)


def _finish_opening(runner, opening, info: InputInfo):
    """(model, its provenance, None), or (None, provenance, message) when the model could not be opened."""
    try:
        model = yield from waiting(opening, ProgressEvent("load", 0.22, "Opening the model"))
    except (ModelOpenError, ModelProcessError) as exc:
        runner.close()
        return None, info, str(exc)
    return model, model.info, None


def _predictions_from_columns(reference: Dataset, production: Dataset, schema: Schema
                              ) -> dict[str, PredictionSet] | None:
    found = {d.info.role: predictions_from_columns(d.frame, schema) for d in (reference, production)}
    found = {k: v for k, v in found.items() if v is not None}
    return found or None


def _predict(model: LoadedModel, runner, reference: Dataset, production: Dataset, schema: Schema,
             start: float, end: float) -> Generator[ProgressEvent, None, dict[str, PredictionSet]]:
    out = {}
    middle = (start + end) / 2
    for dataset, (a, b) in ((reference, (start, middle)), (production, (middle, end))):
        role = dataset.info.role
        steps = iter_predict(model, dataset.frame, schema, role, runner)
        out[role] = yield from scaled(_as_events(steps, "predict", f"Predicting on the {role} data"), a, b)
    return out


def _as_events(steps: Generator[float, None, object], stage: str, message: str):
    try:
        while True:
            yield ProgressEvent(stage, next(steps), message)
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()


def _explanations_skip_reason(model: LoadedModel | None, predictions: dict | None, config: AuditConfig,
                              model_error: str | None = None) -> str | None:
    if model_error:
        return MODEL_FAILED
    if model is None:
        return ("explanations need a model; this audit has prediction columns only" if predictions
                else "explanations need a model; this audit has data only")
    if config.explain.method == "none":
        return "turned off in [explain] method"
    return None


def _performance_skip_reason(schema: Schema, predictions: dict[str, PredictionSet] | None,
                             model_error: str | None = None) -> str | None:
    if model_error:
        return MODEL_FAILED
    if not predictions:
        return "needs predictions (a model, or prediction / probability columns in the data)"
    if schema.task is None:
        return "the task could not be inferred: set [task] type"
    if not schema.names(ColumnRole.TARGET):
        return "no target column: name it in [columns] target"
    return None


def _fairness_skip_reason(schema: Schema, predictions: dict[str, PredictionSet] | None,
                          model_error: str | None = None) -> str | None:
    if not schema.names(ColumnRole.SENSITIVE):
        return "no sensitive columns: name them in [columns] sensitive"
    if model_error:
        return MODEL_FAILED
    if not schema.names(ColumnRole.SENSITIVE):
        return "no sensitive columns: name them in [columns] sensitive"
    if not predictions or not {"reference", "production"} <= set(predictions):
        return "needs predictions in both datasets (a model, or prediction columns)"
    if any(p.labels is None for p in predictions.values()):
        return "needs predicted labels (a prediction column, or one probability column for a binary task)"
    if schema.task == "multiclass" and schema.positive_label is None:
        return "multiclass task: set [columns] positive_label to audit one class against the rest"
    if schema.task is None:
        return "the task could not be inferred: set [task] type"
    return None


def _prediction_reason(model: LoadedModel | None, predictions: dict | None) -> str:
    if model is not None:
        return f"computed by the model {model.type_name}"
    if predictions:
        return "read from the prediction columns in the data"
    return ("no model and no prediction columns: performance, fairness and explanations need predictions; "
            "data quality and drift ran on the data alone")


def _summary(predictions: dict[str, PredictionSet] | None, schema: Schema, source: str) -> PredictionSummary | None:
    if not predictions:
        return None
    ref, prod = predictions.get("reference"), predictions.get("production")
    binary = schema.task == "binary"
    return PredictionSummary(
        source=source, task=schema.task, positive_label=schema.positive_label, classes=schema.classes,
        rows_reference=len(ref) if ref else 0, rows_production=len(prod) if prod else 0,
        positive_rate_reference=positive_rate(ref, schema.positive_label) if ref and binary else None,
        positive_rate_production=positive_rate(prod, schema.positive_label) if prod and binary else None,
        has_probabilities=any(p.scores is not None for p in predictions.values()),
    )


def _model_provenance(runner, model_input: InputInfo | None, model_error: str | None) -> dict | None:
    if model_input is None:
        return None
    model = getattr(runner, "loaded", None)
    found = {"type": model.type_name if model else None, "format": model_input.format, "path": model_input.path,
             "sha256": model_input.sha256, "parameters": model.params if model else {},
             "expected_columns": list(model.expected_columns) if model and model.expected_columns else None}
    if model_error:
        found["error"] = model_error
    return found


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for name in VERSIONED:
        if name == "assay":
            found[name] = assay_version()
            continue
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _now() -> str:
    """UTC time; SOURCE_DATE_EPOCH fixes it for reproducible reports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit() else datetime.now(timezone.utc)
    return moment.isoformat(timespec="seconds")
