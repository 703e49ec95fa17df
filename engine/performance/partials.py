"""Performance streamed: each dataset's target, timestamp, segment columns and predictions (the model's, batch by
batch through its isolated process, or the data's prediction columns) gathered in row order, then the in-memory
calculator on those few columns: every metric, interval, chunk, segment and curve is the in-memory path's to the
bit, whatever the batching (the bootstrap's cells, the chunks and the seeds see the same rows in the same order).

Memory: the gathered columns only (about 8 bytes a row per column, plus the scores), never the model's inputs.
"""
from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pandas as pd

from assay.engine.config import PerformanceConfig
from assay.engine.performance.calculator import PerformanceCalculator
from assay.engine.performance.results import PerformanceResult
from assay.engine.progress import ProgressEvent, as_events
from assay.engine.row_gathering import RowsWanted, gather_map, gather_merge, gathered_frame
from assay.engine.schema import ColumnRole, Schema
from assay.engine.streaming.passes import Pass


def needed_columns(schema: Schema, config: PerformanceConfig) -> tuple[str, ...]:
    """The data columns performance reads besides the predictions: target, timestamp and segment columns."""
    segments = config.segment_by if config.segment_by is not None else tuple(schema.names(ColumnRole.SENSITIVE))
    return tuple(dict.fromkeys([*schema.names(ColumnRole.TARGET, ColumnRole.TIMESTAMP), *segments]))


def gather_pass(run, role: str, name: str, columns: tuple[str, ...], rows: Any = None) -> Pass:
    """A Pass gathering `columns` (those the Source has) and the predictions of `rows` (None: every row)."""
    source = run.predictions.get(role) if run.predictions else None
    kept = set(columns) | set(source.columns if source else ())
    read = kept | set(source.inputs if source else ())  # the model's inputs: the predictor reads them
    return Pass(name, role, tuple(c for c in run.source(role).columns if c in read), gather_map, gather_merge,
                RowsWanted(tuple(c for c in run.source(role).columns if c in kept), rows),
                with_predictions=bool(source and source.from_model))


def stream(run) -> Generator[Pass | ProgressEvent, Any, PerformanceResult]:
    """Performance of a streamed audit (run: engine/streaming/run.py's StreamRun)."""
    config = run.config.performance
    columns = needed_columns(run.schema, config)
    frames: dict[str, pd.DataFrame] = {}
    for role in ("reference", "production"):
        state = yield gather_pass(run, role, f"performance: {role} labels and predictions", columns)
        frames[role] = gathered_frame(state)
    found = {role: source.of(frames[role]) for role, source in (run.predictions or {}).items()}
    predictions = {role: p for role, p in found.items() if p is not None}
    model_name = str(run.model.info.path) if run.model else None
    calculator = PerformanceCalculator(run.schema, config, predictions, run.config.audit.seed, model_name=model_name)
    yield from as_events(calculator.iter_fit(frames["reference"]), "performance", "Performance")
    return (yield from calculator.iter_calculate(frames["production"]))
