"""Split a dataset into chunks over time (calendar periods of the timestamp column) or by row count."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERIODS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
AUTO_ORDER = ("year", "quarter", "month", "week", "day")  # coarsest first
AUTO_MIN_CHUNKS, MAX_CHUNKS = 6, 60
MAX_ROW_CHUNKS = 20  # "auto" without a timestamp: chunks grow rather than exceed this


@dataclass(frozen=True)
class Chunk:
    label: str
    indices: np.ndarray  # row positions in the dataset
    start: str | None = None  # first timestamp (ISO) for calendar chunks
    end: str | None = None

    @property
    def rows(self) -> int:
        return int(self.indices.size)


@dataclass(frozen=True)
class Chunking:
    chunks: tuple[Chunk, ...]
    by: str  # "month", "rows", "value" (a period column such as year), ...
    description: str
    rows_without_time: int = 0


def timestamps(series: pd.Series) -> pd.Series | None:
    """The column as datetimes, or None when it holds period numbers (such as years) instead."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    if pd.api.types.is_numeric_dtype(series):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(series, errors="coerce", format="mixed")


def make_chunks(frame: pd.DataFrame, timestamp: str | None, by: str = "auto", size: int = 5000) -> Chunking:
    n = len(frame)
    if timestamp is not None and timestamp in frame.columns and by != "rows":
        series = frame[timestamp]
        times = timestamps(series)
        if times is None:
            return _by_value(series)
        if times.notna().any():
            return _by_period(times, by)
    return _by_rows(n, size, fixed=by == "rows")


def _by_rows(n: int, size: int, fixed: bool) -> Chunking:
    if not fixed and n / size > MAX_ROW_CHUNKS:
        size = math.ceil(n / MAX_ROW_CHUNKS)
    starts = range(0, n, size)
    chunks = tuple(Chunk(f"rows {s + 1:,}-{min(s + size, n):,}", np.arange(s, min(s + size, n))) for s in starts)
    return Chunking(chunks, "rows", f"fixed-size chunks of {size:,} rows in file order")


def _by_value(series: pd.Series) -> Chunking:
    values = series.to_numpy()
    present = pd.notna(values)
    chunks = []
    for value in sorted(pd.unique(values[present])):
        label = str(int(value)) if float(value).is_integer() else str(value)
        chunks.append(Chunk(label, np.flatnonzero(present & (values == value)), label, label))
    return Chunking(tuple(chunks), "value", f"one chunk per value of {series.name!r}",
                    int((~present).sum()))


def _by_period(times: pd.Series, by: str) -> Chunking:
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert(None)
    times = times.reset_index(drop=True)
    if by == "auto":
        by = _auto_period(times)
    code = PERIODS[by]
    present = times.notna().to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        periods = times[present].dt.to_period(code)
    positions = np.flatnonzero(present)
    chunks = []
    for period in sorted(periods.unique()):
        rows = np.sort(positions[(periods == period).to_numpy()])
        chunks.append(Chunk(_period_label(period, by), rows, period.start_time.date().isoformat(),
                            period.end_time.date().isoformat()))
    return Chunking(tuple(chunks), by, f"calendar {by}s of the timestamp column", int((~present).sum()))


def _auto_period(times: pd.Series) -> str:
    valid = times.dropna()
    for by in AUTO_ORDER:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            count = valid.dt.to_period(PERIODS[by]).nunique()
        if count >= AUTO_MIN_CHUNKS:
            return by if count <= MAX_CHUNKS else AUTO_ORDER[max(AUTO_ORDER.index(by) - 1, 0)]
    return "day"


def _period_label(period: pd.Period, by: str) -> str:
    if by == "week":
        return f"week of {period.start_time.date().isoformat()}"
    return str(period)
