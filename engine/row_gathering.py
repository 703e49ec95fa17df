"""Rows gathered from a streamed pass: some columns of every row, or every column of chosen rows (a seeded sample
whose positions depend only on the number of rows, so it is the same rows whatever the batching and the same
rows the in-memory path takes). The partial state is a list of frames in row order; merging two is joining the
lists (exact and associative); `gathered_frame` makes one frame of them, indexed by the rows' positions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assay.engine.prediction_batches import PREDICTED, SCORE


@dataclass(frozen=True)
class RowsWanted:
    """A gather's context: the data columns kept (None: all) and the rows (sorted positions; None: all). The
    prediction columns a ModelPredictor added are always kept."""

    columns: tuple[str, ...] | None = None
    positions: np.ndarray | None = None


def gather_map(batch: pd.DataFrame, wanted: RowsWanted) -> list[pd.DataFrame]:
    frame = batch
    if wanted.positions is not None:
        first = int(batch.index[0]) if len(batch) else 0
        low, high = np.searchsorted(wanted.positions, [first, first + len(batch)])
        frame = batch.iloc[wanted.positions[low:high] - first]
    if wanted.columns is not None:
        keep = set(wanted.columns)
        frame = frame[[c for c in frame.columns if c in keep or c == PREDICTED or c.startswith(SCORE)]]
    return [frame]


def gather_merge(earlier: list[pd.DataFrame], later: list[pd.DataFrame]) -> list[pd.DataFrame]:
    return earlier + later


def gathered_frame(state: list[pd.DataFrame]) -> pd.DataFrame:
    """The gathered rows as one frame in row order, indexed by their positions in the dataset."""
    frames = [f for f in state if len(f)] or state[:1]
    return frames[0] if len(frames) == 1 else pd.concat(frames, axis=0)
