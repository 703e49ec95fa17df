"""The streamed audit: which path an audit takes ([compute] path), and the audit over Sources read in batches.

`choose_path(config)` is "memory" (today's engine/pipeline.py: both tables read whole) or "streamed". "auto" streams
when an input is a folder or a glob, or when the tables would need more than [compute] memory_limit_mb in memory.
The streamed audit opens both Sources (refusing files that disagree on a column's type, or are truncated, before
any analysis), hashes the input files in a thread of its own beside what follows (engine/streaming/input_hashes.py),
infers the schema from a seeded sample of each, runs every analysis whose AnalysisSpec names its `partials` through
the executor, and skips the others saying why. Nothing is written here: a bad input stops the
audit before the report exists.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.analyses import registry
from assay.engine.analyses.run import Outcome, failed_outcome, skip_reason
from assay.engine.config import AuditConfig
from assay.engine.errors import CalculationError, ConfigError, InputError
from assay.engine.isolation.process import start_model
from assay.engine.findings import sort_findings, verdict
from assay.engine.input_files import InputInfo
from assay.engine.memory import available_memory
from assay.engine.progress import ProgressEvent
from assay.engine.results import AnalysisStatus, AuditReport, Provenance
from assay.engine.schema import infer_schema
from assay.engine.streaming.beside import Bar, Beside, alongside
from assay.engine.streaming.executor import Executor, InProcessExecutor
from assay.engine.streaming.freed_memory import give_back
from assay.engine.streaming.input_hashes import InputHashes
from assay.engine.streaming.provenance import compute_provenance
from assay.engine.streaming.run import StreamRun, iter_stream
from assay.engine.streaming.sources import FORMAT_NAMES, Source, is_collection, open_source, read_fragment
from assay.engine.streaming.time_ranges import time_spans
from assay.engine.streamed_model import iter_streamed_predictions
from assay.engine.tables import Dataset

OPENED = 0.05  # progress once both Sources are open (the input files' SHA-256 then runs beside the passes)
SAMPLED = 0.15  # the schema inferred from the samples
TIMED = 0.17  # each file's time range read (a pass over the timestamp column)
ANALYSED = 0.99
SAMPLE_SPREAD = 4  # the sample's rows are drawn from whole fragments holding this many times as many rows
BESIDE = True  # the early analyses (data quality) run in a thread of their own beside the others (beside.py)
CANNOT_STREAM = "cannot run on streamed data yet; set [compute] path = \"memory\" to run it on tables read whole"


def choose_path(config: AuditConfig) -> str:
    """"memory" or "streamed" for this audit ([compute] path; "auto" decides by the inputs)."""
    compute = config.compute
    if compute.scheduler:
        return "streamed"
    if compute.path != "auto":
        return compute.path
    locations = [p for p in (config.data.reference, config.data.production) if p is not None]
    if any(is_collection(p) for p in locations):
        return "streamed"
    limit = compute.memory_limit_mb * 1e6 if compute.memory_limit_mb else _quarter_of_memory()
    return "streamed" if limit is not None and sum(map(estimated_bytes, locations)) > limit else "memory"


def estimated_bytes(location: str | Path) -> float:
    """About how much memory a file takes read whole: a Parquet file's uncompressed size from its footer, else its
    size on disk (CSV takes about as much as pandas objects as on disk). 0 for a file that cannot be read (the
    loader then says what is wrong with it)."""
    path = Path(location)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            parquet = handle.read(4) == b"PAR1"
        if parquet:
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
            return float(sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)))
    except Exception:  # noqa: BLE001 - a damaged or missing file: the loader names it
        return 0.0
    return float(size)


def _quarter_of_memory() -> float | None:
    available = available_memory()
    return available / 4 if available is not None else None


def sample_frame(source: Source, rows: int, seed: int) -> pd.DataFrame:
    """A seeded sample of about `rows` rows of the Source, in row order: all of them when it has no more; else
    whole fragments in a seeded random order until they hold SAMPLE_SPREAD times `rows`, and `rows` of their rows
    drawn at random. The same Source and seed give the same sample whatever the batch size."""
    if source.rows <= rows:
        chosen = list(source.fragments)
    else:
        rng = np.random.default_rng([seed, 17])
        chosen, held = [], 0
        for i in rng.permutation(len(source.fragments)):
            chosen.append(source.fragments[i])
            held += source.fragments[i].rows
            if held >= SAMPLE_SPREAD * rows:
                break
        chosen.sort(key=lambda f: f.start)
    frames = [batch for fragment in chosen for batch in read_fragment(fragment)]
    frame = pd.concat(frames) if frames else pd.DataFrame(columns=list(source.columns))
    if len(frame) > rows:
        keep = np.sort(np.random.default_rng([seed, 18]).choice(len(frame), rows, replace=False))
        frame = frame.iloc[keep]
    return frame


def text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The sample's columns that do not hold numbers (booleans are not numbers here): the streamed quality infers
    their production kinds from them (engine/quality/partials.py: kinds_of_production), and nothing else reads the
    samples once the schema is inferred, so the numbers are let go (at 200,000 rows and 25 columns, about 60 MB)."""
    kept = [name for name, dtype in frame.dtypes.items()
            if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))]
    return frame[kept]


def make_executor(config: AuditConfig) -> Executor:
    """The executor [compute] asks for: in this process, or on the Dask cluster at `scheduler`
    (engine/streaming/dask_executor.py)."""
    compute = config.compute
    if not compute.scheduler:
        return InProcessExecutor(batch_rows=compute.batch_rows)
    try:
        from assay.engine.streaming.dask_executor import DaskExecutor
    except ImportError as exc:
        raise ConfigError(f"[compute] scheduler = {compute.scheduler!r}: this build of Assay cannot run on a Dask "
                          f"cluster ({exc}); leave scheduler empty to stream in this process",
                          key="compute.scheduler") from exc
    return DaskExecutor(compute.scheduler, batch_rows=compute.batch_rows, model=config.model)


def sample_dataset(location: str | Path, role: str, rows: int = 20_000, seed: int = 0) -> Dataset:
    """A seeded sample of a folder's or a glob's rows as a Dataset (`sampled` when it is not all of them): what the
    app shows of the columns before the audit streams them all."""
    source = open_source(location, role)
    frame = sample_frame(source, rows, seed).reset_index(drop=True)
    detail = f"{FORMAT_NAMES[source.format]}, {len(source.paths):,} file{'s' if len(source.paths) > 1 else ''}"
    info = InputInfo(role=role, path=str(location), sha256="", rows=source.rows, columns=len(source.columns),
                     format=source.format, detail=detail)
    return Dataset(frame=frame, info=info, sampled=len(frame) < source.rows)


def iter_streamed_audit(config: AuditConfig, executor: Executor | None = None
                        ) -> Generator[ProgressEvent, None, AuditReport]:
    """The audit over the inputs read in batches; returns the AuditReport. Closing it cancels within a batch."""
    from assay.engine.pipeline import _now

    started, clock = _now(), time.perf_counter()
    runner = start_model(config)  # the model's own process, started first as in memory (engine/streamed_model.py)
    try:
        return (yield from _iter_audit(config, executor, runner, started, clock))
    finally:
        if runner is not None:
            runner.close()


def _iter_audit(config: AuditConfig, executor: Executor | None, runner: Any, started: str, clock: float
                ) -> Generator[ProgressEvent, None, AuditReport]:
    from assay.engine.pipeline import _required

    yield ProgressEvent("load", 0.0, "Opening the reference data")
    reference = open_source(_required(config.data.reference, "data.reference"), "reference")
    yield ProgressEvent("load", OPENED / 2, "Opening the production data")
    production = open_source(_required(config.data.production, "data.production"), "production")
    _check_sources(reference, production)
    hashes = InputHashes((reference, production)).start()
    try:
        return (yield from _iter_opened(config, executor, runner, started, clock, reference, production, hashes))
    finally:
        hashes.close()


def _iter_opened(config: AuditConfig, executor: Executor | None, runner: Any, started: str, clock: float,
                 reference: Source, production: Source, hashes: InputHashes
                 ) -> Generator[ProgressEvent, None, AuditReport]:
    from assay.engine.pipeline import (PREDICTING, _model_provenance, _now, _spans, data_only, known_skips,
                                       time_range_text, versions)

    compute = config.compute
    yield ProgressEvent("schema", OPENED, "Inferring column kinds and roles from a sample")
    sample = {s.role: sample_frame(s, compute.sample_rows, config.audit.seed) for s in (reference, production)}
    schema = infer_schema(sample["reference"], sample["production"], config)
    texts = {"production": text_columns(sample["production"])}  # all the analyses read of the samples later
    del sample
    give_back()  # (the samples, and the fragments they were drawn from)
    executor = executor if executor is not None else make_executor(config)
    run = StreamRun(config=config, schema=schema, reference=reference, production=production, executor=executor,
                    sample=texts, seed=config.audit.seed, runner=runner)
    if schema.timestamp:
        times = yield from iter_stream(time_spans((reference, production), schema.timestamp), run, "load", SAMPLED,
                                       TIMED)
    specs = registry.ANALYSES
    alone = data_only(schema, runner)
    spans, opened = _spans(specs, known_skips(specs, run, alone), predicting=not alone)
    low, high = min(a for a, _ in spans.values()), max(b for _, b in spans.values())
    stretch = (ANALYSED - TIMED) / max(high - low, 1e-9)
    outcomes: dict[str, Outcome] = {}
    at = TIMED + (opened - low) * stretch
    bar = Bar(early=TIMED, late=at)
    early = tuple((spec, *(TIMED + (s - low) * stretch for s in spans[spec.name])) for spec in specs if spec.early)
    hashes.check()
    beside = Beside(_iter_analyses(early, run)).start() if early and BESIDE else None
    try:
        if beside is None:
            outcomes.update((yield from _iter_analyses(early, run)))
        predicting = 0.0 if alone else PREDICTING * stretch
        predicted = yield from alongside(iter_streamed_predictions(run, at, at + predicting), beside, bar)
        run, model_input, found = predicted.run, predicted.model_input, predicted.findings
        for spec in specs:
            if spec.early:
                continue
            hashes.check()
            start, end = (TIMED + (s - low) * stretch for s in spans[spec.name])
            outcome = outcomes[spec.name] = yield from alongside(_iter_analysis(spec, run, start, end), beside, bar)
            if outcome.model_error:  # the model failed under this analysis; those after it go without the model
                runner.close()
                run = dataclasses.replace(run, model_error=outcome.model_error)
        if beside is not None:
            outcomes.update((yield from beside.wait(bar.of_early)))
    finally:
        if beside is not None:
            beside.close()  # (before the executor it uses closes)
        executor.close()
    inputs = yield from hashes.wait("load", ANALYSED)
    if schema.timestamp:
        inputs = tuple(dataclasses.replace(i, time_range=time_range_text(*times[i.path])) if i.path in times else i
                       for i in inputs)
    findings = sort_findings(found + [f for outcome in outcomes.values() for f in outcome.findings])
    yield ProgressEvent("findings", ANALYSED, "Grading findings")
    seconds = round(time.perf_counter() - clock, 3)
    provenance = Provenance(
        inputs=inputs + ((model_input,) if model_input else ()), versions=versions(), config=config.to_dict(),
        seed=config.audit.seed, started_at=started, finished_at=_now(), duration_s=seconds,
        model=_model_provenance(runner, model_input, run.model_error),
        compute=compute_provenance(getattr(executor, "name", "streamed"), compute.scheduler,
                                   getattr(executor, "batches", None), reference.rows, production.rows,
                                   getattr(executor, "workers", 1)))
    report = AuditReport(
        provenance=provenance, verdict=verdict(findings), findings=findings, schema=schema,
        analyses=(predicted.status, *(outcomes[spec.name].status for spec in specs)),
        results={spec.name: outcomes[spec.name].result for spec in specs}, title=config.audit.title,
        predictions=predicted.summary, model_error=run.model_error)
    yield ProgressEvent("done", 1.0, f"Audit finished: {report.verdict}")
    return report


def _iter_analyses(specs: tuple[tuple[registry.AnalysisSpec, float, float], ...], run: StreamRun
                   ) -> Generator[ProgressEvent, None, dict[str, Outcome]]:
    """Each analysis in its slice of the bar [start, end], one after the other."""
    outcomes = {}
    for spec, start, end in specs:
        outcomes[spec.name] = yield from _iter_analysis(spec, run, start, end)
    return outcomes


def _iter_analysis(spec: registry.AnalysisSpec, run: StreamRun, start: float, end: float
                   ) -> Generator[ProgressEvent, None, Outcome]:
    reason = skip_reason(spec, run, own_hook=bool(spec.partials))
    if reason is None and not spec.partials:
        reason = f"{spec.title} {CANNOT_STREAM}"
    if reason is not None:
        return Outcome(AnalysisStatus(spec.name, "skipped", reason))
    section = getattr(run.config, spec.section)
    yield ProgressEvent(spec.name, start, spec.message or spec.title)
    try:
        result = yield from iter_stream(registry.load(spec.partials)(run), run, spec.name, start, end, spec.passes)
    except CalculationError as exc:  # the model failed under an analysis that survives it (as in memory)
        return failed_outcome(spec, exc)
    return Outcome(AnalysisStatus(spec.name, "ran"), result, list(registry.load(spec.findings)(result, section)))


def _check_sources(reference: Source, production: Source) -> None:
    for source in (reference, production):
        if source.rows == 0:
            raise InputError(f"{source.location}: the {source.role} data has no rows; export it again with data.",
                             source.location)
    if not set(reference.columns) & set(production.columns):
        raise InputError(
            f"{production.location}: no column in common with the reference data {reference.location}; check that "
            f"both come from the same source (reference columns: {', '.join(reference.columns[:8])}).",
            production.location)

