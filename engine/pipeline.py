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

from typing import TYPE_CHECKING, Any

from assay.engine.analyses import registry
from assay.engine.analyses.registry import AnalysisSpec
from assay.engine.analyses.run import AnalysisRun, Outcome, iter_analysis, skip_reason
from assay.engine.config import AuditConfig
from assay.engine.errors import CalculationError, ConfigError, InputError, ModelOpenError, ModelProcessError
from assay.engine.findings import sort_findings, verdict
from assay.engine.input_files import InputInfo, sha256_file
from assay.engine.integrations.mlflow_store import mlflow_tracking_uri
from assay.engine.isolation.process import start_model, waiting
from assay.engine.label_agreement import disagreement_findings
from assay.engine.model_files import LoadedModel, check_model_columns, check_model_file
from assay.engine.predictions import PredictionSet, iter_predict, positive_rate, predictions_from_columns
from assay.engine.progress import ProgressEvent, as_events, drain, scaled
from assay.engine.review.apply import ReviewInput, apply_review, read_review
from assay.engine.results import AnalysisStatus, AuditReport, Finding, PredictionSummary, Provenance
from assay.engine.schema import ColumnRole, Schema, iter_infer_schema
from assay.engine.streaming.dask_executor import open_executor
from assay.engine.streaming.pipeline import choose_path, iter_streamed_audit
from assay.engine.streaming.provenance import compute_provenance
from assay.engine.tables import Dataset, iter_dataset_from_frame, iter_load_dataset
from assay.engine.version import assay_version

if TYPE_CHECKING:
    from assay.engine.isolation.local import LocalModel
    from assay.engine.isolation.process import ModelProcess

    Opening = Generator[None, None, LoadedModel]  # the wait for the model process to open the model

LOADED = 0.15  # the audit's progress once both tables are read and the schema inferred
PREDICTING = 0.40  # the model's share of the progress bar, predicting on both datasets
ANALYSED = 0.99  # every analysis done: they share the bar from LOADED to here, less the predictions, by weight
GRADED = 0.997  # the findings graded
VERSIONED = ("assay", "numpy", "pandas", "pyarrow", "scikit-learn", "scipy", "skops", "joblib", "shap",
             "fairlearn", "reportlab", "matplotlib")


def iter_audit(config: AuditConfig, *, review: ReviewInput | None = None, frames: dict[str, Any] | None = None,
               _model_in_process: bool = False
               ) -> Generator[ProgressEvent, None, AuditReport]:
    """The audit as a generator of ProgressEvents that returns the AuditReport; closing it cancels the audit.

    The model (if any) is opened and run in a separate process, started first so that its imports overlap
    with reading the data, and killed when the audit ends, fails or is cancelled. `_model_in_process` runs
    the model in this process instead: only for the benchmark that measures what the isolation costs.

    The review file (waivers, sign-off: engine/review/) is read first, so a bad one stops the audit before any
    work (ConfigError naming the file and the key); `review` gives it already read (the app, which runs without
    a review file it could not read).
    `frames` ("reference", "production": pandas DataFrames) stand in for [data]'s files (the notebook API).
    """
    review = review if review is not None else read_review(config)
    if not frames and choose_path(config) == "streamed":
        executor = yield from open_executor(config.compute, config.model)  # a Dask cluster: before reading inputs
        try:
            return apply_review((yield from iter_streamed_audit(config, executor)), review)
        finally:
            executor.close()
    runner = start_model(config, in_process=_model_in_process)
    try:
        return apply_review((yield from _audit(config, runner, frames or {})), review)
    finally:
        if runner is not None:
            runner.close()


def _audit(config: AuditConfig, runner: ModelProcess | LocalModel | None, frames: dict[str, Any]
           ) -> Generator[ProgressEvent, None, AuditReport]:
    started = _now()
    clock = time.perf_counter()
    reference = yield from _load(config.data.reference, "reference", 0.0, 0.06, frames.get("reference"))
    production = yield from _load(config.data.production, "production", 0.06, 0.12, frames.get("production"))
    _check_datasets(reference, production)

    model_input, model_error, opening = None, None, None
    if runner is not None:
        yield ProgressEvent("load", 0.12, "Opening the model")
        model_input, model_error, opening = _begin_opening(config, runner)  # the trust decision is made here
    yield ProgressEvent("schema", LOADED, "Inferring column kinds and roles")
    steps = iter_infer_schema(reference.frame, production.frame, config)  # a yield after each column
    schema = yield from scaled(as_events(steps, "schema", "Inferring column kinds and roles"), LOADED, LOADED)
    reference, production = (_with_time_range(d, schema) for d in (reference, production))

    specs = registry.ANALYSES
    run = AnalysisRun(config=config, schema=schema, reference=reference, production=production, runner=runner,
                      model_error=model_error)
    alone = data_only(schema, runner)
    spans, opened = _spans(specs, known_skips(specs, run, alone), predicting=not alone)
    outcomes: dict[str, Outcome] = {}
    for spec in specs:  # those that need nothing from the model run while the model process opens the model
        if spec.early:
            outcomes[spec.name] = yield from iter_analysis(spec, run, *spans[spec.name])
    run, model_input = yield from _with_predictions(run, opening, model_input, opened)
    predicted, found = _prediction_status(run)
    found += [finding for outcome in outcomes.values() for finding in outcome.findings]
    for spec in specs:
        if spec.early:
            continue
        outcome = outcomes[spec.name] = yield from iter_analysis(spec, run, *spans[spec.name])
        found += outcome.findings
        if outcome.model_error:  # the model failed under this analysis; those after it go without the model
            runner.close()
            run = dataclasses.replace(run, model_error=outcome.model_error)
    findings = sort_findings(found)

    yield ProgressEvent("findings", GRADED, "Grading findings")
    report = AuditReport(
        provenance=_provenance(run, model_input, started, clock), verdict=verdict(findings), findings=findings,
        schema=schema, analyses=(predicted, *(outcomes[spec.name].status for spec in specs)),
        results={spec.name: outcomes[spec.name].result for spec in specs}, title=config.audit.title,
        predictions=_summary(run.predictions, schema, "model" if runner is not None else "columns"),
        model_error=run.model_error,
    )
    yield ProgressEvent("done", 1.0, f"Audit finished: {report.verdict}")
    return report


def run_audit(config: AuditConfig, on_progress: Callable[[ProgressEvent], None] | None = None) -> AuditReport:
    """Run a whole audit; `on_progress` receives every ProgressEvent."""
    return drain(iter_audit(config), on_progress)


# -- stages ----------------------------------------------------------------------------------


def _spans(specs: tuple[AnalysisSpec, ...], skipped: frozenset[str] = frozenset(), predicting: bool = True
           ) -> tuple[dict[str, tuple[float, float]], float]:
    """Each analysis' slice of the progress bar, by weight, in the order they run (those that run while the model
    opens first), and where the model's predictions start. The analyses share what the loading, the schema and
    the predictions leave. Analyses known to be skipped (`skipped`) get no room, nor do the predictions when
    there are none to make (`predicting`), so that a data-only audit's bar moves with the analyses that run."""
    gap = PREDICTING if predicting else 0.0
    weights = {spec.name: 0.0 if spec.name in skipped else spec.weight for spec in specs}
    scale = (ANALYSED - LOADED - gap) / (sum(weights.values()) or 1.0)
    spans, at, opened = {}, LOADED, LOADED
    for early in (True, False):
        if not early:
            opened = at
            at += gap
        for spec in (s for s in specs if s.early == early):
            spans[spec.name] = (at, at + weights[spec.name] * scale)
            at += weights[spec.name] * scale
    return spans, opened


def known_skips(specs: tuple[AnalysisSpec, ...], run: Any, data_only: bool) -> frozenset[str]:
    """The analyses that will be skipped whatever happens, known before the predictions: in a data-only audit (no
    model, no prediction columns) the predictions change nothing that an analysis needs. Otherwise none are
    known yet (the model may fail, or answer)."""
    if not data_only:
        return frozenset()
    return frozenset(spec.name for spec in specs if skip_reason(spec, run, own_hook=False) is not None)


def data_only(schema: Any, runner: Any) -> bool:
    """No model and no prediction or probability columns: the audit has no predictions to make or read."""
    return runner is None and not schema.names(ColumnRole.PREDICTION, ColumnRole.PROBABILITY)


def _warm_up(specs: tuple[AnalysisSpec, ...], run: AnalysisRun) -> None:
    """Ask the model process to import what an analysis that will run needs (shap) while the others compute."""
    if any(spec.warms_model and skip_reason(spec, run) is None for spec in specs):
        run.runner.warm_up()


def _required(path, key: str):
    if path is None:
        raise ConfigError(f"[data] {key.split('.')[1]} is not set; give the path of the {key.split('.')[1]} data "
                          f"file in the audit file or with --set {key}=PATH", key=key)
    return path


def _load(path, role: str, start: float, end: float, frame: Any = None) -> Generator[ProgressEvent, None, Dataset]:
    """Read one table in batches (or take the DataFrame given); the load's progress is its bytes (or rows) read."""
    if frame is not None:
        steps = iter_dataset_from_frame(frame, role)
    else:
        steps = iter_load_dataset(_required(path, f"data.{role}"), role)
    return (yield from scaled(as_events(steps, "load", f"Reading the {role} data"), start, end))


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
    time_range = time_range_text(values.min(), values.max(), times is not None)
    return dataclasses.replace(dataset, info=dataclasses.replace(dataset.info, time_range=time_range))


def time_range_text(first, last, dated: bool) -> tuple[str, str]:
    """The provenance's time range from the timestamp column's first and last value (`dated`: datetimes)."""
    if dated:
        midnight = all(t == t.normalize() for t in (first, last))  # a date
        first, last = ((t.date().isoformat() if midnight else t.isoformat(sep=" ")) for t in (first, last))
    return str(first), str(last)


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


def _begin_opening(config: AuditConfig, runner: ModelProcess
                   ) -> tuple[InputInfo, str | None, Opening | None]:
    """Make the trust decision and ask the model process to open the file: (provenance, error, the wait for the
    model). Trust errors and missing files stop the audit as before (the user has a decision to make); a damaged
    skops file leaves an audit without the model."""
    path = config.model.path
    try:
        file = check_model_file(path, trusted=config.model.trusted, trusted_types=config.model.trusted_types,
                                sha256=config.model.sha256, tracking_uri=mlflow_tracking_uri(config))
    except ModelOpenError as exc:
        runner.close()
        path = exc.path or path  # the file inside an MLflow model folder
        return InputInfo("model", str(path), sha256_file(path), format="skops"), str(exc), None
    return InputInfo("model", str(file.path), file.sha256, format=file.report_format), None, runner.begin_open(file)


def _finish_opening(runner: ModelProcess, opening: Opening, info: InputInfo, at: float
                    ) -> Generator[ProgressEvent, None, tuple[LoadedModel | None, InputInfo, str | None]]:
    """(model, its provenance, None), or (None, provenance, message) when the model could not be opened."""
    try:
        model = yield from waiting(opening, ProgressEvent("load", at, "Opening the model"))
    except (ModelOpenError, ModelProcessError) as exc:
        runner.close()
        return None, info, str(exc)
    return model, model.info, None


def _with_predictions(run: AnalysisRun, opening: Opening | None, model_input: InputInfo | None, at: float
                      ) -> Generator[ProgressEvent, None, tuple[AnalysisRun, InputInfo | None]]:
    """The run with the predictions (the model's, from `at` on, or the prediction columns'), the model, and why
    the model failed; and the model's provenance."""
    runner, model, model_error, predictions = run.runner, None, run.model_error, None
    if opening is not None:
        model, model_input, model_error = yield from _finish_opening(runner, opening, model_input, at)
    if model is not None:
        ignore = set(run.schema.names(ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.PROBABILITY,
                                      ColumnRole.TIMESTAMP, ColumnRole.ID, ColumnRole.IGNORED))
        for dataset in (run.reference, run.production):
            check_model_columns(model, list(dataset.frame.columns), dataset.info.path, ignore)
        try:
            predictions = yield from _predict(model, runner, run.reference, run.production, run.schema,
                                              run.config.performance.threshold, at, at + PREDICTING)
            _warm_up(registry.ANALYSES, dataclasses.replace(run, predictions=predictions, model=model))
        except CalculationError as exc:  # the model raised, crashed, hung, ran out of memory or answered wrongly
            model_error, model, predictions = str(exc), None, None
            runner.close()
    elif model_error is None:
        predictions = _predictions_from_columns(run.reference, run.production, run.schema,
                                                run.config.performance.threshold)
    return dataclasses.replace(run, predictions=predictions, model=model, model_error=model_error), model_input


def _prediction_status(run: AnalysisRun) -> tuple[AnalysisStatus, list[Finding]]:
    """The predictions' status, and the finding that the model failed (when it did) or that the predicted labels
    given are not the scores given at the threshold."""
    if run.model_error:
        return AnalysisStatus("predictions", "failed", run.model_error), [Finding(
            "model.failed", "predictions", "fail",
            "The model failed: no predictions, so no performance, fairness or explanations", run.model_error)]
    threshold = run.config.performance.threshold
    status = AnalysisStatus("predictions", "ran" if run.predictions else "skipped",
                            _prediction_reason(run.model, run.predictions, threshold))
    return status, disagreement_findings(run.predictions, run.schema, threshold)


def _provenance(run: AnalysisRun, model_input: InputInfo | None, started: str, clock: float) -> Provenance:
    datasets = (run.reference, run.production)
    return Provenance(
        inputs=tuple(d.info for d in datasets) + ((model_input,) if model_input else ()),
        versions=versions(),
        config=run.config.to_dict(),
        seed=run.config.audit.seed,
        started_at=started,
        finished_at=_now(),
        duration_s=round(time.perf_counter() - clock, 3),
        model=_model_provenance(run.runner, model_input, run.model_error),
        compute=compute_provenance("memory", "", None, len(run.reference.frame), len(run.production.frame), 1),
    )


def _predictions_from_columns(reference: Dataset, production: Dataset, schema: Schema, threshold: float
                              ) -> dict[str, PredictionSet] | None:
    found = {d.info.role: predictions_from_columns(d.frame, schema, threshold) for d in (reference, production)}
    found = {k: v for k, v in found.items() if v is not None}
    return found or None


def _predict(model: LoadedModel, runner: ModelProcess, reference: Dataset, production: Dataset, schema: Schema,
             threshold: float, start: float, end: float) -> Generator[ProgressEvent, None, dict[str, PredictionSet]]:
    out = {}
    middle = (start + end) / 2
    for dataset, (a, b) in ((reference, (start, middle)), (production, (middle, end))):
        role = dataset.info.role
        steps = iter_predict(model, dataset.frame, schema, role, runner, threshold)
        out[role] = yield from scaled(as_events(steps, "predict", f"Predicting on the {role} data"), a, b)
    return out


def _prediction_reason(model: LoadedModel | None, predictions: dict[str, PredictionSet] | None, threshold: float
                       ) -> str:
    if model is not None:
        return f"computed by the model {model.type_name}"
    if predictions and all(p.labels_given for p in predictions.values()):
        return "read from the prediction columns in the data (the predicted labels as given)"
    if predictions and all(p.labels is not None for p in predictions.values()):
        return f"read from the prediction columns in the data (the predicted labels: the scores at {threshold:g})"
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


def _model_provenance(runner: ModelProcess | LocalModel | None, model_input: InputInfo | None, model_error: str | None) -> dict | None:
    if model_input is None:
        return None
    model = getattr(runner, "loaded", None)
    found = {"type": model.type_name if model else None, "format": model_input.format, "path": model_input.path,
             "sha256": model_input.sha256, "parameters": model.params if model else {},
             "expected_columns": list(model.expected_columns) if model and model.expected_columns else None}
    if model is not None and model.mlflow:
        found["mlflow"] = model.mlflow
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
