"""Each input file's time range (first and last value of the timestamp column) in a streamed audit: one pass over
the timestamp column alone, the earliest and latest value per file merged over the batches, written in the
provenance as the in-memory audit writes a table's (engine/pipeline.py `time_range_text`)."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.chunks import timestamps
from assay.engine.streaming.passes import Pass
from assay.engine.streaming.sources import Source

Span = tuple[Any, Any, bool]  # (first, last, whether they are datetimes)


@dataclass(frozen=True)
class FilesContext:
    column: str
    starts: np.ndarray  # each fragment's first row, ascending
    paths: tuple[str, ...]  # each fragment's file


def map_spans(batch: pd.DataFrame, context: FilesContext) -> dict[str, Span]:
    """The batch's earliest and latest timestamp, by its file (a batch is read from one fragment)."""
    if not len(batch):
        return {}
    series = batch[context.column]
    times = timestamps(series)
    values = (times if times is not None else series).dropna()
    if values.empty:
        return {}
    path = context.paths[int(np.searchsorted(context.starts, batch.index[0], side="right")) - 1]
    return {path: (values.min(), values.max(), times is not None)}


def merge_spans(a: dict[str, Span], b: dict[str, Span]) -> dict[str, Span]:
    out = dict(a)
    for path, (first, last, dated) in b.items():
        if path in out:
            first, last = min(out[path][0], first), max(out[path][1], last)
        out[path] = (first, last, dated)
    return out


def time_spans(sources: tuple[Source, ...], column: str) -> Generator[Pass, Any, dict[str, Span]]:
    """The passes (for iter_stream) over each Source holding `column`; returns file -> its Span."""
    found: dict[str, Span] = {}
    for source in sources:
        if column not in source.columns:
            continue
        context = FilesContext(column, np.array([f.start for f in source.fragments], dtype=np.int64),
                               tuple(f.path for f in source.fragments))
        found |= yield Pass(f"time range: {source.role}", source.role, (column,), map_spans, merge_spans, context)
    return found
