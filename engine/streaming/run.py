"""What a streamed analysis is given (StreamRun: the Sources, the schema, the configuration, the executor and,
once the model has answered, the predictions), and the driver that runs an analysis' `stream(run)` generator:
each Pass it yields goes to the executor over its Source, and the merged state is sent back."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay.engine.progress import ProgressEvent
from assay.engine.streaming.executor import Executor, StreamProgress
from assay.engine.streaming.passes import Pass
from assay.engine.streaming.sources import Source

if TYPE_CHECKING:
    import pandas as pd

    from assay.engine.config import AuditConfig
    from assay.engine.model_files import LoadedModel
    from assay.engine.schema import Schema


@dataclass(frozen=True)
class StreamRun:
    """The streamed counterpart of AnalysisRun (engine/analyses/run.py): the same fields where they mean the same
    (config, schema, predictions, model, runner, model_error, so that an AnalysisSpec's needs read either), and the
    Sources instead of the tables."""

    config: AuditConfig
    schema: Schema
    reference: Source
    production: Source
    executor: Executor
    predictions: Any = None  # stream-model: what the audit knows of the predictions (None: none)
    model: LoadedModel | None = None
    runner: Any = None
    model_error: str | None = None
    sample: dict[str, pd.DataFrame] | None = None  # role -> what the analyses read of the seeded sample the schema
    # was inferred from: the production's columns that do not hold numbers (pipeline.text_columns)
    seed: int = 0

    def source(self, role: str) -> Source:
        if role == "reference":
            return self.reference
        if role == "production":
            return self.production
        raise ValueError(f"no source {role!r}: a Pass reads 'reference' or 'production'")


def iter_stream(stream: Generator[Any, Any, Any], run: StreamRun, stage: str, start: float, end: float,
                passes: tuple[str, ...] = ()) -> Generator[ProgressEvent, None, Any]:
    """Drive an analysis' `stream(run)` generator: run each Pass it yields on its Source with the run's executor and
    send back the merged state; pass its own ProgressEvents on. Returns its result. `passes`: the sources of the
    passes the analysis expects, in order (AnalysisSpec.passes); each pass takes its rows' share of the progress
    left against the rows of the expected passes still to come, so that a pass over 2,000,000 reference rows does
    not take as much of the bar as one over 100,000,000 production rows, and a pass beyond them (quality's
    duplicate rows) takes its share without pushing the next expected pass aside. With none given (the number of
    passes is not known in advance) each pass takes half of the progress left. Closing this generator closes
    both."""
    low, expected = start, list(passes)
    remaining = sum(run.source(role).rows for role in expected)  # rows of the expected passes not read yet
    try:
        step = next(stream)
        while True:
            if isinstance(step, Pass):
                rows = run.source(step.role).rows
                if expected and expected[0] == step.role:  # the next pass expected
                    expected.pop(0)
                    remaining -= rows
                if passes:  # its rows' share of what is left (an extra pass: against the rows still expected)
                    high = low + (end - low) * (rows / (rows + remaining) if rows + remaining else 1.0)
                else:
                    high = low + (end - low) / 2
                state = yield from _iter_pass(run, step, stage, low, high)
                low = high
                step = stream.send(state)
            else:
                if isinstance(step, ProgressEvent):
                    yield ProgressEvent(stage, low, step.message)
                step = next(stream)
    except StopIteration as stop:
        return stop.value
    finally:
        stream.close()


def _iter_pass(run: StreamRun, step: Pass, stage: str, start: float, end: float
               ) -> Generator[ProgressEvent, None, Any]:
    source = run.source(step.role)
    steps = run.executor.run(source, step)
    try:
        while True:
            report: StreamProgress = next(steps)
            share = report.rows_done / report.rows_total if report.rows_total else 1.0
            yield ProgressEvent(stage, start + (end - start) * share, describe(report, source.role),
                                rows_done=report.rows_done, rows_per_second=report.rows_per_second)
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()


def describe(report: StreamProgress, role: str) -> str:
    """"quality: 1,250,000 of 5,000,000 production rows (812,000 rows/s)"."""
    return (f"{report.label}: {report.rows_done:,} of {report.rows_total:,} {role} rows "
            f"({report.rows_per_second:,.0f} rows/s)")
