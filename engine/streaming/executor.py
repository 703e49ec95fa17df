"""Who runs a Pass over a Source: the Executor protocol and the in-process executor (fragments in row order,
batches, map, merge), which yields StreamProgress after each batch. It reads the next batch in a thread of its own
while it maps the current one (engine/streaming/read_ahead.py). Closing its generator cancels between two
batches (a batch is a fraction of a second of work) and stops that thread. engine/streaming/dask_executor.py runs
the same Pass on a Dask cluster with the same result."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from assay.engine.errors import CalculationError
from assay.engine.streaming.freed_memory import EVERY, give_back
from assay.engine.streaming.passes import Pass
from assay.engine.streaming.read_ahead import read_ahead
from assay.engine.streaming.sources import Fragment, Source, empty_frame, read_fragment
from assay.engine.tables import TABLE_BATCH_ROWS

READ_AHEAD = 1  # batches read before the one being mapped asks for them: one keeps the reader busy (it takes a
# tenth of the map's time per batch) and memory small
Predictor = Callable[[pd.DataFrame, str], pd.DataFrame]  # (batch, role) -> the batch with the prediction columns


@dataclass(frozen=True)
class StreamProgress:
    rows_done: int
    rows_total: int
    rows_per_second: float
    label: str


class Executor(Protocol):
    def run(self, source: Source, step: Pass) -> Generator[StreamProgress, None, Any]: ...

    def close(self) -> None: ...


class InProcessExecutor:
    """Runs each Pass in this process: the Source's fragments in row order, each read in batches of `batch_rows`.

    `predictor` adds the model's prediction columns to a batch for a Pass `with_predictions` (engine/predictions
    wires it). `batches` counts the batches mapped, for the report's provenance. `read_ahead` batches are read in a
    background thread ahead of the one being mapped (0: read in this thread, one after the other).
    """

    name = "streamed"

    def __init__(self, batch_rows: int = TABLE_BATCH_ROWS, predictor: Predictor | None = None,
                 read_ahead: int = READ_AHEAD) -> None:
        self.batch_rows = batch_rows
        self.predictor = predictor
        self.read_ahead = read_ahead
        self.batches = 0
        self.workers = 1
        self._counting = threading.Lock()  # two analyses may run passes at once (engine/streaming/beside.py)

    def run(self, source: Source, step: Pass) -> Generator[StreamProgress, None, Any]:
        clock = time.perf_counter()
        state, done, mapped = None, 0, 0
        batches = read_ahead(read_fragments(source.fragments, step.columns, self.batch_rows), self.read_ahead)
        try:
            for batch in batches:
                partial = map_batch(step, batch, source.role, self.predictor)
                state = partial if state is None else step.merge(state, partial)
                with self._counting:
                    self.batches += 1
                done += len(batch)
                mapped += 1
                if mapped % EVERY == 0:
                    give_back()
                yield progress(step, done, source.rows, clock)
        finally:
            batches.close()
            give_back()  # (the batches read and the partial states merged are freed by now)
        if state is None:  # no rows: the state of an empty batch
            state = map_batch(step, empty_frame(source, step.columns), source.role, self.predictor)
        return state

    def close(self) -> None:
        pass


def read_fragments(fragments: Sequence[Fragment], columns: Sequence[str] | None, batch_rows: int
                   ) -> Generator[pd.DataFrame, None, None]:
    """The fragments' batches one after the other, in row order (`read_fragment` of each; closing this closes the
    one being read)."""
    for fragment in fragments:
        yield from read_fragment(fragment, columns, batch_rows)


def map_batch(step: Pass, batch: pd.DataFrame, role: str, predictor: Predictor | None) -> Any:
    """The Pass's map over one batch, after the predictions are added when the Pass asks for them."""
    if step.with_predictions:
        if predictor is None:
            raise CalculationError(f"{step.name}: needs the model's predictions, and this audit streams without a "
                                   f"model")
        batch = predictor(batch, role)
    return step.map(batch, step.context)


def progress(step: Pass, done: int, total: int, clock: float) -> StreamProgress:
    elapsed = max(time.perf_counter() - clock, 1e-9)
    return StreamProgress(rows_done=done, rows_total=total, rows_per_second=done / elapsed, label=step.name)
