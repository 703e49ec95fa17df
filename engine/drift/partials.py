"""Drift streamed (issue #17): the in-memory drift analysis (engine/drift/univariate.py) as passes over batches of
rows whose partial states merge exactly, then the same statistics from the merged states, by the same code.

Each pass reads the reference, then the production (`stream` yields one Pass per Source):
1. "drift: ranges" (the numerical columns and the timestamp only): the rows; per numerical column its smallest
   and largest value, values present and missing, their sum, and the values of every `sample_step`-th row (where
   `Buckets` puts its boundaries); the timestamp's days (or its values, for a period column such as a year)
   counted, which give the chunks.
2. "drift: buckets": per numerical column tested by buckets (ks and wasserstein above 10,000 values, as in memory)
   its counts per bucket for the whole column, each production chunk and each reference chunk of the band (a
   batch's state holds the rows of the chunks it met), the sums of the values' offsets in their bucket
   (wasserstein), a value of each bucket and whether it holds other values (not looked at in the buckets where
   the ranges' sample already met two values); categories counted per chunk; the numerical columns of the other methods (which need every value
   sorted) collected whole; the reconstruction sample's smallest row keys per chunk (`capped_rows`); the rows of
   the multivariate checks' seeded samples (`engine.drift.sampling.seeded_rows`: the row counts say which) and
   those the reconstruction's capped samples will almost surely hold (row keys up to `key_bound`).
3. "drift: candidate buckets": the values of the buckets that the exact KS and Wasserstein and the drawing look
   into: of every row for the whole column's candidates, of a chunk's rows for that chunk's (16 bytes a value).
   The in-memory functions of engine/drift/bucketed.py run on `StreamedPart`s, which answer from the gathered
   values and record any bucket they lack; a first run on the counts alone says which to gather, with the buckets
   the drawing's histogram edges may fall in (`histogram_buckets`: the edges depend on quantiles the counts place
   within their buckets only), so that one pass suffices; the pass would repeat while a question needs more. The
   values are kept as pieces in row order, written to a temporary folder by column once many
   (engine/drift/gathered.py), and each column's are loaded only while that column is tested.
4. The rows of each chunk's capped sample, for the PCA reconstruction errors: those the buckets pass kept, when
   every capped sample's largest key is within its bound (else, practically never, a "drift: reconstruction rows"
   pass reads them). The candidate-bucket pass therefore reads only the bucketed columns.

Counts merge exactly; the sums (wasserstein's offsets, the reference's mean and squared deviations) are added in
row order batch by batch, which differs from numpy's pairwise sum over the whole column by rounding only
(relative 1e-15). Methods that need every value sorted (anderson, cramer_von_mises, energy, psi, kl_div,
jensen_shannon, hellinger on numbers, and ks or wasserstein at 10,000 values or fewer) get their columns
collected whole: 8 bytes a row and column, stated in the methods text.
"""
from __future__ import annotations

import math
import tempfile
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assay.engine.chunks import MAX_ROW_CHUNKS, PERIODS, _auto_period, _period_label, timestamps
from assay.engine.drift.bucketed import BUCKETS, HEAVY, Buckets, Part, sample_step
from assay.engine.drift.distributions import (DRAWN_LEVELS, HIST_BINS, SortedValues, counted_distribution,
                                              numerical_distribution, quantile_ranks)
from assay.engine.drift.encoding import drift_kind, float_values
from assay.engine.drift.gathered import Gathered, GatherSpill, spill_all
from assay.engine.drift.kernels import column_bits, count_buckets, gather_buckets
from assay.engine.drift.results import DriftResult, FeatureDrift, MultivariateResult
from assay.engine.drift.sampling import key_bound, key_threshold, row_keys, seeded_rows, smallest_keys
from assay.engine.drift.stattests import EXACT_KS_MAX_N, BinningConfig, SortedSample
from assay.engine.drift.univariate import (BUCKETED_METHODS, MAX_REFERENCE_CHUNKS, MIN_DOMAIN_ROWS, ChunkTests,
                                           ColumnOutcome, DriftCalculator, _Column, bucketed_outcome,
                                           expected_band, settle_categorical, settle_numerical, test_counts,
                                           untested)
from assay.engine.progress import ProgressEvent
from assay.engine.streaming.beside import Beside
from assay.engine.streaming.freed_memory import give_back
from assay.engine.streaming.passes import Pass

if TYPE_CHECKING:
    from assay.engine.config import DriftConfig
    from assay.engine.prediction_batches import PredictionSource
    from assay.engine.schema import Schema
    from assay.engine.streaming.run import StreamRun

ROLES = ("reference", "production")
MULTIVARIATE_THREAD = "assay-drift-multivariate"  # the multivariate checks' thread, beside the tests
GATHER_ROUNDS = 6  # candidate-bucket passes at most (two in practice, three when a histogram edge needs values)


# -- what the passes are told ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnPlan:
    name: str
    role: str  # feature | prediction | score | target
    kind: str | None  # numerical | categorical | None (identifier or free text: not tested)
    classes: tuple[Any, ...] | None = None  # classification outputs: values written as the target's classes
    output: str | None = None  # a model's output: the column the predictor writes it in (prediction_batches.py)


@dataclass(frozen=True)
class Rows:
    """Which rows of a Source the drift reads: all (sample None) or `[drift] sample_rows` of them (ascending)."""

    total: int
    sample: np.ndarray | None = None

    @property
    def count(self) -> int:
        return self.total if self.sample is None else int(self.sample.size)


def _rows(batch: pd.DataFrame, rows: Rows) -> tuple[pd.DataFrame, np.ndarray]:
    """(the batch's rows the drift reads, their positions among those rows): the global row positions, or the
    positions in the seeded sample."""
    index = np.arange(batch.index[0], batch.index[0] + len(batch)) if len(batch) else np.empty(0, dtype=np.int64)
    if rows.sample is None:
        return batch, index
    at = np.searchsorted(rows.sample, index)
    hit = at < rows.sample.size
    hit[hit] = rows.sample[at[hit]] == index[hit]
    return batch.iloc[np.flatnonzero(hit)], at[hit]


def _series(batch: pd.DataFrame, column: ColumnPlan) -> pd.Series:
    if column.classes is None:
        return batch[column.name]
    from assay.engine.labels import as_classes

    return pd.Series(as_classes(batch[column.name], column.classes), index=batch.index, name=column.name)


# -- pass 1: ranges, time, samples ----------------------------------------------------------------------------


@dataclass
class NumberRange:
    low: float  # NaN: no value yet
    high: float
    present: int
    missing: int
    total: float  # sum of the values present
    sample: np.ndarray  # the values at rows whose position is a multiple of the step (NaN dropped)


@dataclass
class TimeCounts:
    kind: str  # "period" (datetimes: rows per day, as days since 1970) | "value" (rows per value)
    counts: dict[Any, int]
    missing: int


@dataclass
class RangeState:
    rows: int
    numbers: dict[str, NumberRange]
    times: TimeCounts | None


@dataclass(frozen=True)
class RangeContext:
    rows: Rows
    numerical: tuple[ColumnPlan, ...]
    timestamp: str | None
    step: int


def map_ranges(batch: pd.DataFrame, context: RangeContext) -> RangeState:
    batch, positions = _rows(batch, context.rows)
    numbers = {}
    every = positions % context.step == 0
    for column in context.numerical:
        values = float_values(_series(batch, column))
        missing = int(np.count_nonzero(np.isnan(values)))
        sampled = values[every]
        numbers[column.name] = NumberRange(
            low=float(np.fmin.reduce(values)) if values.size else np.nan,
            high=float(np.fmax.reduce(values)) if values.size else np.nan,
            present=values.size - missing, missing=missing,
            total=float(np.nansum(values) if missing else np.sum(values)),  # (the same sum: nansum's zeros)
            sample=sampled[~np.isnan(sampled)])
    times = _time_counts(batch[context.timestamp]) if context.timestamp else None
    return RangeState(len(batch), numbers, times)


def _time_counts(series: pd.Series) -> TimeCounts:
    times = timestamps(series)
    if times is None:  # period numbers (a year column): rows per value
        values = series.to_numpy()
        present = pd.notna(values)
        found, counts = np.unique(values[present], return_counts=True)
        return TimeCounts("value", dict(zip(found.tolist(), counts.tolist())), int((~present).sum()))
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert(None)
    present = times.notna().to_numpy()
    days = times.to_numpy()[present].astype("datetime64[D]").astype(np.int64)
    found, counts = np.unique(days, return_counts=True)
    return TimeCounts("period", dict(zip(found.tolist(), counts.tolist())), int((~present).sum()))


def merge_ranges(a: RangeState, b: RangeState) -> RangeState:
    numbers = {}
    for name, x in a.numbers.items():
        y = b.numbers[name]
        numbers[name] = NumberRange(low=float(np.fmin(x.low, y.low)), high=float(np.fmax(x.high, y.high)),
                                    present=x.present + y.present, missing=x.missing + y.missing,
                                    total=x.total + y.total, sample=np.concatenate([x.sample, y.sample]))
    times = None
    if a.times is not None:
        counts = dict(a.times.counts)
        for key, count in b.times.counts.items():
            counts[key] = counts.get(key, 0) + count
        times = TimeCounts(a.times.kind, counts, a.times.missing + b.times.missing)
    return RangeState(a.rows + b.rows, numbers, times)


# -- chunks ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkInfo:
    """A chunk as the drift result reads it (engine.chunks.Chunk without its row positions)."""

    label: str
    rows: int
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class ChunkPlan:
    """engine.chunks.make_chunks' chunks from counts, and each batch row's chunk."""

    by: str
    description: str
    chunks: tuple[ChunkInfo, ...]
    size: int = 0  # rows: rows per chunk
    timestamp: str | None = None
    keys: np.ndarray | None = None  # value: the values, sorted; period: the days, sorted
    chunk_of: np.ndarray | None = None  # period: each day's chunk
    rows_without_time: int = 0

    def assign(self, batch: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
        """Each row's chunk (-1: none)."""
        if self.by == "rows":
            return positions // self.size
        series = batch[self.timestamp]
        if self.by == "value":
            return pd.Index(self.keys).get_indexer(series.to_numpy()).astype(np.int64)
        times = timestamps(series)
        if getattr(times.dt, "tz", None) is not None:
            times = times.dt.tz_convert(None)
        present = times.notna().to_numpy()
        found = np.full(len(series), -1, dtype=np.int64)
        days = times.to_numpy()[present].astype("datetime64[D]").astype(np.int64)
        found[present] = self.chunk_of[np.searchsorted(self.keys, days)]
        return found


def plan_chunks(times: TimeCounts | None, rows: int, by: str, size: int, timestamp: str | None) -> ChunkPlan:
    """What make_chunks(frame, timestamp, by, size) makes of a dataset of `rows` rows whose timestamp's counts
    are `times` (None: no timestamp column)."""
    if times is not None and by != "rows":
        if times.kind == "value":
            keys = np.array(sorted(times.counts))
            chunks = []
            for value in keys.tolist():
                label = str(int(value)) if float(value).is_integer() else str(value)
                chunks.append(ChunkInfo(label, times.counts[value], label, label))
            return ChunkPlan("value", f"one chunk per value of {timestamp!r}", tuple(chunks), timestamp=timestamp,
                             keys=keys, rows_without_time=times.missing)
        if times.counts:
            return _period_plan(times, by, timestamp)
    fixed = by == "rows"
    if not fixed and rows / size > MAX_ROW_CHUNKS:
        size = math.ceil(rows / MAX_ROW_CHUNKS)
    chunks = tuple(ChunkInfo(f"rows {s + 1:,}-{min(s + size, rows):,}", min(s + size, rows) - s)
                   for s in range(0, rows, size))
    return ChunkPlan("rows", f"fixed-size chunks of {size:,} rows in file order", chunks, size=size)


def _period_plan(times: TimeCounts, by: str, timestamp: str) -> ChunkPlan:
    days = np.array(sorted(times.counts), dtype=np.int64)
    dates = pd.Series(pd.to_datetime(days.astype("datetime64[D]")))
    if by == "auto":
        by = _auto_period(dates)
    periods = pd.PeriodIndex(dates.dt.to_period(PERIODS[by]))
    ordered = sorted(periods.unique())
    position = {period: i for i, period in enumerate(ordered)}
    chunk_of = np.array([position[p] for p in periods], dtype=np.int64)
    rows = np.bincount(chunk_of, weights=[times.counts[d] for d in days.tolist()], minlength=len(ordered))
    chunks = tuple(ChunkInfo(_period_label(p, by), int(r), p.start_time.date().isoformat(),
                             p.end_time.date().isoformat()) for p, r in zip(ordered, rows))
    return ChunkPlan(by, f"calendar {by}s of the timestamp column", chunks, timestamp=timestamp, keys=days,
                     chunk_of=chunk_of, rows_without_time=times.missing)


def reference_plan(production: ChunkPlan, times: TimeCounts | None, rows: int, min_rows: int,
                   timestamp: str | None) -> tuple[ChunkPlan, tuple[int, ...]]:
    """DriftCalculator._reference_chunks from counts: the reference's chunking and the chunks of the band."""
    by = production.by if production.by in PERIODS else "rows"
    sizes = [c.rows for c in production.chunks] or [rows]
    plan = plan_chunks(times, rows, by, max(int(np.median(sizes)), min_rows), timestamp)
    kept = [j for j, c in enumerate(plan.chunks) if c.rows >= min_rows]
    if len(kept) < 2:
        plan = plan_chunks(None, rows, "rows", max(rows // 10, min_rows), None)
        kept = [j for j, c in enumerate(plan.chunks) if c.rows >= min_rows]
    return plan, tuple(kept[::max(1, len(kept) // MAX_REFERENCE_CHUNKS)])


@dataclass(frozen=True)
class Parts:
    """A Source's chunks as the drift's parts: production's chunks, or the reference's chunks of the band."""

    plan: ChunkPlan
    selected: tuple[int, ...]  # the chunks that are parts, in order

    @property
    def count(self) -> int:
        return len(self.selected)

    def assign(self, batch: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
        """Each row's part (-1: none)."""
        chunk = self.plan.assign(batch, positions)
        part = np.full(len(self.plan.chunks) + 1, -1, dtype=np.int64)
        part[list(self.selected)] = np.arange(len(self.selected))
        return part[chunk]


# -- pass 2: buckets, categories, collected columns, reconstruction keys --------------------------------------


@dataclass
class BucketCounts:
    counts: np.ndarray | dict[int, np.ndarray]  # (1 + parts, buckets): the whole column, then each part; while the
    # pass runs, only the rows of the parts met (row -> counts), so that a merge adds only those
    sums: np.ndarray | dict[int, np.ndarray] | None  # the same for the values' offsets above their bucket's lower
    # edge (wasserstein)
    value: np.ndarray  # a value of each bucket (the last met)
    mixed: np.ndarray  # the bucket holds two different values
    squares: float  # the squared deviations from the mean (the reference of a wasserstein column)

    def dense(self, parts: int) -> BucketCounts:
        """The counts and sums as arrays of 1 + parts rows."""
        def rows(found: dict[int, np.ndarray] | None) -> np.ndarray | None:
            if found is None:
                return None
            dense = np.zeros((1 + parts, self.value.size), dtype=found[0].dtype)
            for row, values in found.items():
                dense[row] = values
            return dense

        return BucketCounts(rows(self.counts), rows(self.sums), self.value, self.mixed, self.squares)


@dataclass
class CategoryCounts:
    labels: list[str]  # in the order first met
    first: list[Any]  # the first value met of each label (1 and "1" share a label, as in category_codes)
    clash: bool  # two different values share a label: the labels are then ordered as text, as category_codes does
    counts: np.ndarray  # (1 + parts, labels)
    missing: int


@dataclass
class Collected:
    values: np.ndarray
    part: np.ndarray


@dataclass
class CountState:
    buckets: dict[str, BucketCounts]
    categories: dict[str, CategoryCounts]
    collected: dict[str, Collected]
    keys: list[np.ndarray] | None  # the smallest row keys of the whole, then of each part
    picked: pd.DataFrame  # the multivariate samples' rows and the reconstruction's likely ones, indexed by position
    picked_part: np.ndarray  # the part of each of those rows (-1: none)
    cap: int = 0  # how many keys each keeps


@dataclass(frozen=True)
class BucketPlan:
    buckets: Buckets
    sums: bool
    mean: float | None  # the reference's mean, for its standard deviation (wasserstein); None: not needed
    mixed: np.ndarray | None = None  # per bucket: known to hold two different values of this Source (its sample's)


def known_mixed(buckets: Buckets, sample: np.ndarray) -> np.ndarray:
    """Per bucket (and the missing values' one, never): whether `sample` (values of one Source) puts two different
    values in it; the count pass then need not look at the values of those buckets to know it."""
    bucket = buckets.assign(sample)
    low, high = np.full(buckets.count + 1, np.inf), np.full(buckets.count + 1, -np.inf)
    np.minimum.at(low, bucket, sample)
    np.maximum.at(high, bucket, sample)
    return low < high


@dataclass(frozen=True)
class CountContext:
    rows: Rows
    parts: Parts
    bucketed: dict[str, tuple[ColumnPlan, BucketPlan]]
    categorical: tuple[ColumnPlan, ...]
    collected: tuple[ColumnPlan, ...]
    cap: int  # rows per part of the reconstruction sample (0: none taken)
    seed: int
    picks: np.ndarray  # positions of the multivariate samples' rows (the row counts say which), ascending
    pick_columns: tuple[str, ...]
    bounds: np.ndarray | None = None  # the reconstruction's rows are kept up to these keys (`key_bound`): the whole,
    # then each part


def map_counts(batch: pd.DataFrame, context: CountContext) -> CountState:
    batch, positions = _rows(batch, context.rows)
    part = context.parts.assign(batch, positions)
    parts = context.parts.count
    runs = _runs_of(part)
    groups = Groups.of(part, parts, runs)
    buckets = {name: _bucket_counts(float_values(_series(batch, column)), part, parts, plan, runs, groups)
               for name, (column, plan) in context.bucketed.items()}
    categories = {c.name: _category_counts(_series(batch, c), part, parts, runs) for c in context.categorical}
    collected = {c.name: Collected(np.array(float_values(_series(batch, c)), dtype=float), part)
                 for c in context.collected}
    keys = None
    picked = _found_at(positions, context.picks)
    if context.cap:
        found = row_keys(positions, context.seed)
        keys = [smallest_keys(found, context.cap)] + [smallest_keys(_of_part(found, part, j, runs), context.cap)
                                                      for j in range(parts)]
        if context.bounds is not None:  # with the rows the reconstruction will likely keep (one read for both)
            bounds = context.bounds
            likely = (found <= bounds[0]) | ((part >= 0) & (found <= bounds[1:][np.maximum(part, 0)]))
            likely[picked] = True
            picked = np.flatnonzero(likely)
    frame = batch.iloc[picked][list(context.pick_columns)]
    frame.index = positions[picked]
    return CountState(buckets, categories, collected, keys, frame, part[picked], context.cap)


def _found_at(positions: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where the `wanted` positions are among `positions` (both ascending), ascending: what
    np.flatnonzero(np.isin(positions, wanted)) finds, by looking up only the wanted ones within the batch's range."""
    if not positions.size:
        return np.empty(0, dtype=np.intp)
    inside = wanted[np.searchsorted(wanted, positions[0]):np.searchsorted(wanted, positions[-1], side="right")]
    at = np.searchsorted(positions, inside)
    return at[positions[at] == inside]


@dataclass(frozen=True)
class Groups:
    """A batch's rows in groups whose counts and sums are added to the rows of the result (`BucketCounts`): with few
    runs of one part's rows, each run (row order); else each part met, ascending (the rows of no part first)."""

    part: np.ndarray  # each row's part (-1: none)
    runs: np.ndarray  # where each run begins, and the end (empty: rows grouped by part)
    group_of: np.ndarray  # the group of part j's rows at j + 1 (with no runs)
    rows: tuple[tuple[int, ...], ...]  # each group's rows of the result: the whole (0), and its part's (j + 1)

    @classmethod
    def of(cls, part: np.ndarray, parts: int, runs: np.ndarray | None) -> Groups:
        """The groups of rows whose parts (of `parts`) are `part`, with `runs` (`_runs_of(part)`)."""
        if runs is not None:
            met = part[runs[:-1]].tolist()
            return cls(part, runs, np.empty(0, dtype=np.int64), tuple((0, p + 1) if p >= 0 else (0,) for p in met))
        met = np.flatnonzero(np.bincount(part + 1, minlength=parts + 1)) - 1
        group_of = np.zeros(parts + 1, dtype=np.int64)
        group_of[met + 1] = np.arange(met.size)
        return cls(part, np.empty(0, dtype=np.int64), group_of,
                   tuple((0, p + 1) if p >= 0 else (0,) for p in met.tolist()))


def _bucket_counts(values: np.ndarray, part: np.ndarray, parts: int, plan: BucketPlan,
                   runs: np.ndarray | None = None, groups: Groups | None = None) -> BucketCounts:
    """The counts (and sums) of a batch's values per bucket: the whole, and each part met (`runs`: `_runs_of(part)`;
    `groups`: `Groups.of` them, which a batch's columns share). Each group's counts and sums (added in row order) are
    added to its rows group by group, as `_by_part`'s np.bincount adds its weights: the whole's sums are its runs'
    added in row order (or its parts' in their order)."""
    if groups is None:
        groups = Groups.of(part, parts, _runs_of(part) if runs is None else runs)
    buckets = plan.buckets
    known = np.zeros(buckets.count + 1, dtype=bool) if plan.mixed is None else plan.mixed  # (known mixed: no look)
    squares = np.empty(values.size if plan.mean is not None else 0)
    counted, summed, value, mixed, written = count_buckets(
        *column_bits(values), *buckets.formula, buckets.count, groups.part, groups.runs, groups.group_of,
        len(groups.rows), buckets.lower, plan.sums, known, np.nan if plan.mean is None else plan.mean, squares)
    counts = _grouped(counted, groups.rows, np.int64)
    sums = _grouped(summed, groups.rows, np.float64) if plan.sums else None
    # (np.sum: the pairwise sum over the values present, in row order, as before)
    return BucketCounts(counts, sums, value, mixed, float(np.sum(squares[:written])) if plan.mean is not None else 0.0)


def _grouped(found: np.ndarray, rows: tuple[tuple[int, ...], ...], dtype: type) -> dict[int, np.ndarray]:
    """Each group's row of `found` added, in order, to the result's rows it counts in (row 0: every group)."""
    added: dict[int, np.ndarray] = {}
    for group, targets in enumerate(rows):
        for row in targets:
            added[row] = added[row] + found[group] if row in added else found[group]
    if 0 not in added:  # (no rows)
        added[0] = np.zeros(found.shape[1], dtype=dtype)
    return added


RUNS = 8  # a batch whose rows fall in at most this many runs of one part is counted run by run


def _runs_of(part: np.ndarray) -> np.ndarray | None:
    """Where the runs of rows of one part begin and end (chunks of rows, sorted times), or None when there are more
    than RUNS of them."""
    if not part.size:
        return np.zeros(1, dtype=np.int64)
    change = np.flatnonzero(part[1:] != part[:-1]) + 1
    if change.size >= RUNS:
        return None
    return np.concatenate([[0], change, [part.size]])


def _by_part(bucket: np.ndarray, part: np.ndarray, parts: int, width: int, runs: np.ndarray | None,
             weights: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """The count (or sum of `weights`) per bucket of all the rows (row 0), and of each part's rows met (row j + 1)."""
    if runs is None:  # row 0 for the rows of no part, then each part's: one bincount, and the whole their sum
        cell = np.where(part >= 0, part + 1, 0) * width + bucket
        found = np.bincount(cell, weights=weights, minlength=(1 + parts) * width).reshape(1 + parts, width)
        found[0] = found.sum(axis=0)
        return dict(enumerate(found))
    rows: dict[int, np.ndarray] = {}
    for a, b in zip(runs[:-1].tolist(), runs[1:].tolist()):
        counted = np.bincount(bucket[a:b], weights=None if weights is None else weights[a:b], minlength=width)
        for row in (0, int(part[a]) + 1) if part[a] >= 0 else (0,):
            rows[row] = rows[row] + counted if row in rows else counted
    if 0 not in rows:  # (no rows)
        rows[0] = np.zeros(width, dtype=np.int64 if weights is None else np.float64)
    return rows


def _of_part(values: np.ndarray, part: np.ndarray, j: int, runs: np.ndarray | None) -> np.ndarray:
    """The values of part j's rows."""
    if runs is None:
        return values[part == j]
    pieces = [values[a:b] for a, b in zip(runs[:-1].tolist(), runs[1:].tolist()) if part[a] == j]
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces) if pieces else values[:0]


def _category_counts(series: pd.Series, part: np.ndarray, parts: int, runs: np.ndarray | None = None
                     ) -> CategoryCounts:
    """A batch's counts per label: of all its rows, then of each part's (`runs`: `_runs_of(part)`, or None)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    labels = [str(u) for u in uniques]
    first = list(uniques)
    clash = len(set(labels)) < len(labels)
    if clash:  # values written alike share one label, with the first value met
        seen: dict[str, int] = {}
        mapping = np.array([seen.setdefault(label, len(seen)) for label in labels] + [-1], dtype=np.int64)
        codes = mapping[codes]
        first = [first[labels.index(label)] for label in seen]
        labels = list(seen)
    width = len(labels)
    present = codes >= 0
    missing = codes.size - int(np.count_nonzero(present))
    # (the missing values counted past the last label, then dropped)
    rows = _by_part(np.where(present, codes, width) if missing else codes, part, parts, width + 1, runs)
    counts = np.zeros((1 + parts, width), dtype=np.int64)
    for row, found in rows.items():
        counts[row] = found[:width]
    return CategoryCounts(labels, first, clash, counts, missing)


def merge_counts(a: CountState, b: CountState) -> CountState:
    buckets = {name: _merge_buckets(x, b.buckets[name]) for name, x in a.buckets.items()}
    categories = {name: _merge_categories(x, b.categories[name]) for name, x in a.categories.items()}
    collected = {name: Collected(np.concatenate([x.values, b.collected[name].values]),
                                 np.concatenate([x.part, b.collected[name].part]))
                 for name, x in a.collected.items()}
    keys = None
    if a.keys is not None:
        keys = [smallest_keys(np.concatenate([x, y]), a.cap) for x, y in zip(a.keys, b.keys)]
    return CountState(buckets, categories, collected, keys, pd.concat([a.picked, b.picked]),
                      np.concatenate([a.picked_part, b.picked_part]), a.cap)


def _merge_buckets(a: BucketCounts, b: BucketCounts) -> BucketCounts:
    in_a, in_b = a.counts[0] > 0, b.counts[0] > 0
    mixed = a.mixed | b.mixed | (in_a & in_b & (a.value != b.value))
    return BucketCounts(_added(a.counts, b.counts), None if a.sums is None else _added(a.sums, b.sums),
                        np.where(in_b, b.value, a.value), mixed, a.squares + b.squares)


def _added(a: dict[int, np.ndarray], b: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Rows added where both have them (the others shared, never written)."""
    found = dict(a)
    for row, values in b.items():
        found[row] = found[row] + values if row in found else values
    return found


def _merge_categories(a: CategoryCounts, b: CategoryCounts) -> CategoryCounts:
    position = {label: i for i, label in enumerate(a.labels)}
    labels, first, clash = list(a.labels), list(a.first), a.clash or b.clash
    mapping = []
    for label, value in zip(b.labels, b.first):
        if label in position:
            clash = clash or not _same_value(first[position[label]], value)
        else:
            position[label] = len(labels)
            labels.append(label)
            first.append(value)
        mapping.append(position[label])
    counts = np.zeros((a.counts.shape[0], len(labels)), dtype=np.int64)
    counts[:, :len(a.labels)] += a.counts
    counts[:, np.array(mapping, dtype=np.int64)] += b.counts  # (b's labels are distinct)
    return CategoryCounts(labels, first, clash, counts, a.missing + b.missing)


def _same_value(x: Any, y: Any) -> bool:
    try:
        return bool(type(x) is type(y) and x == y) or bool(
            isinstance(x, (int, float, np.number)) and isinstance(y, (int, float, np.number)) and x == y)
    except (TypeError, ValueError):
        return False


def ordered_labels(counts: CategoryCounts) -> tuple[list[str], np.ndarray]:
    """(labels in category_codes' order, the counts' columns in that order): first met, or as text when two
    values share a label."""
    if not counts.clash:
        return counts.labels, np.arange(len(counts.labels))
    order = np.argsort(np.array(counts.labels, dtype=object), kind="stable")
    return [counts.labels[i] for i in order], order


# -- pass 3: candidate buckets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GatherContext:
    rows: Rows
    parts: Parts
    wanted: dict[str, tuple[ColumnPlan, Buckets, np.ndarray]]  # name -> (column, buckets, buckets to gather: for
    # all rows (row 0), for the rows of part j (row j + 1); and the past-last, never)
    spill: GatherSpill | None = None  # where the gathered values go once they are many (None: they stay in memory)
    union: dict[str, np.ndarray] = field(default_factory=dict)  # name -> the buckets any row wants, and the past-last

    def any_wanted(self, name: str) -> np.ndarray:
        found = self.union.get(name)
        return found if found is not None else self.wanted[name][2].any(axis=0)


@dataclass
class GatherState:
    found: dict[str, Gathered]
    spill: GatherSpill | None = None


def map_gather(batch: pd.DataFrame, context: GatherContext) -> GatherState:
    batch, positions = _rows(batch, context.rows)
    part = context.parts.assign(batch, positions)
    found = {}
    for name, (column, buckets, wanted) in context.wanted.items():
        values = float_values(_series(batch, column))
        # the rows of the whole's buckets, or of their part's (a few percent of the rows)
        found[name] = Gathered.of(*gather_buckets(*column_bits(values), *buckets.formula, buckets.count, part,
                                                  context.any_wanted(name), wanted))
    return GatherState(found, context.spill)


def merge_gather(a: GatherState, b: GatherState) -> GatherState:
    return GatherState(spill_all({name: x.joined(b.found[name]) for name, x in a.found.items()}, a.spill), a.spill)


# -- the reconstruction's rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReconstructionContext:
    rows: Rows
    parts: Parts
    thresholds: np.ndarray  # the largest row key kept: the whole, then each part
    seed: int
    columns: tuple[str, ...]


@dataclass
class ReconstructionRows:
    frame: pd.DataFrame  # indexed by position
    part: np.ndarray


def map_reconstruction_rows(batch: pd.DataFrame, context: ReconstructionContext) -> ReconstructionRows:
    batch, positions = _rows(batch, context.rows)
    part = context.parts.assign(batch, positions)
    keys = row_keys(positions, context.seed)
    keep = (keys <= context.thresholds[0]) | ((part >= 0) & (keys <= context.thresholds[1:][np.maximum(part, 0)]))
    frame = batch.iloc[np.flatnonzero(keep)][list(context.columns)]
    frame.index = positions[keep]
    return ReconstructionRows(frame, part[keep])


def merge_reconstruction_rows(a: ReconstructionRows, b: ReconstructionRows) -> ReconstructionRows:
    return ReconstructionRows(pd.concat([a.frame, b.frame]), np.concatenate([a.part, b.part]))


# -- parts that answer from counts and gathered values --------------------------------------------------------


@dataclass
class StreamedSample:
    """What `Part` reads of a BucketedSample, from the merged counts."""

    buckets: Buckets
    single: np.ndarray | None
    value: np.ndarray | None


class Lacking:
    """The buckets a run of the tests asked for and were not gathered, per side: for the whole column (row 0) and
    for each part (row j + 1), so that a chunk's candidate bucket gathers only that chunk's values."""

    def __init__(self, size: int, parts: dict[str, int]) -> None:
        self.flags = {role: np.zeros((1 + parts[role], size), dtype=bool) for role in ROLES}

    def any(self) -> bool:
        return any(f.any() for f in self.flags.values())


class StreamedPart(Part):
    """A part (the whole column or a chunk) from its counts per bucket and the values gathered of some buckets.
    Asked for a bucket not gathered, it records it in `lacking` and answers with the bucket's lower edge in place
    of each value (a result then discarded): one run on the counts alone says which buckets to gather."""

    def __init__(self, sample: StreamedSample, counts: np.ndarray, sums: np.ndarray | None, values: np.ndarray,
                 bucket: np.ndarray, available: np.ndarray, part: int | None, lacking: np.ndarray) -> None:
        """`values` (and their buckets): those gathered of the part's rows (of every row for the whole)."""
        super().__init__(sample, None, counts)
        row = 0 if part is None else part + 1
        self._sums, self._lacking = sums, lacking[row]
        self._available = available[0] if part is None else available[0] | available[row]
        self._values, self._bucket = values, bucket  # (a bucket gathered for another part only is not all there:
        # `_mine` leaves its values out when asked, rather than a copy of the others being kept)

    def offset_sums(self) -> np.ndarray:
        return self._sums

    def _fill(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values, buckets) standing in for the wanted buckets not gathered: a bucket of one value holds that
        value; the others are recorded as lacking and hold their lower edge."""
        missing = np.flatnonzero(wanted & ~self._available & (self.counts > 0))
        single = self.sample.single[missing] if self.sample.single is not None else np.zeros(missing.size, bool)
        self._lacking[missing[~single]] = True
        fill = np.where(single, self.sample.value[missing] if self.sample.value is not None else 0.0,
                        self.sample.buckets.lower[missing])
        return np.repeat(fill, self.counts[missing]), np.repeat(missing, self.counts[missing])

    def _mine(self, wanted: np.ndarray) -> np.ndarray:
        """The wanted buckets whose values are all gathered for this part."""
        return wanted & self._available

    def ask(self, wanted: np.ndarray) -> None:
        """Record the wanted buckets (flags) not gathered as lacking (those of one value need no values)."""
        self._fill(wanted)

    def gather(self, wanted: np.ndarray, keep: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Part.gather's answer for the `wanted` buckets only: their values sorted (those gathered, and the
        stand-ins of those not), not every value gathered for the part (a chunk holds the whole column's
        candidate buckets too: sorting all of them for each question cost seconds at 20,000,000 rows)."""
        values, bucket = self._values, self._bucket
        filled, _ = self._fill(wanted)  # (in bucket order, so sorted: each bucket's stand-in lies in it)
        found = values[np.take(self._mine(wanted), bucket)]
        if not filled.size:
            values = np.sort(found)
        else:  # (a run on the counts alone: stand-ins only, sorted already)
            values = np.sort(np.concatenate([found, filled])) if found.size else filled
        kept = np.where(wanted, self.counts, 0)
        return values, np.cumsum(kept) - kept

    def values_in(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values, bucket = self._values, self._bucket
        hit = np.take(self._mine(wanted), bucket)
        filled, filled_bucket = self._fill(wanted)
        return np.concatenate([values[hit], filled]), np.concatenate([bucket[hit], filled_bucket])


def histogram_buckets(reference: StreamedPart, production: StreamedPart) -> None:
    """Ask both whole parts for the buckets where the drawing's inner histogram edges (numerical_distribution) may
    fall and their counts would need values, so that one pass gathers them with the tests' buckets. The edges
    divide the range between the 0.5% and 99.5% quantiles, which the counts place within their buckets only; an
    edge moves down to its bucket's lower edge (counted without values) when that is within the tolerance, so only
    buckets wider than the smallest tolerance possible are asked for."""
    if not (reference.size and production.size):
        return
    buckets = reference.sample.buckets
    lower = buckets.lower
    upper = np.append(lower[1:], max(buckets.high, lower[-1]))
    lows, highs = [], []
    for part in (reference, production):
        ranks = quantile_ranks(part.size, DRAWN_LEVELS[-2:])[1]  # (0.5%, 99.5%: the ranks below, then above)
        at = part.ranks_buckets(ranks)
        lows.append((lower[at[[0, 2]]].min(), upper[at[[0, 2]]].max()))
        highs.append((lower[at[[1, 3]]].min(), upper[at[[1, 3]]].max()))
    low = (min(x for x, _ in lows), min(y for _, y in lows))  # the histogram's range: between these bounds
    high = (max(x for x, _ in highs), max(y for _, y in highs))
    if low[1] >= high[0]:  # (the range may be empty: the drawing then falls back to the extremes)
        return
    slack = 1e-9 * (abs(low[0]) + abs(high[1]) + high[1] - low[0])
    share = np.arange(1, HIST_BINS) / HIST_BINS
    first = np.clip(low[0] + share * (high[0] - low[0]) - slack, buckets.low, buckets.high)
    last = np.clip(low[1] + share * (high[1] - low[1]) + slack, buckets.low, buckets.high)
    tolerance = (high[0] - low[1]) / HIST_BINS / 20 - slack
    flags = np.zeros(lower.size, dtype=bool)
    for a, b, end in zip(buckets.assign(first).tolist(), buckets.assign(last).tolist(), last.tolist()):
        inside = np.arange(a, b + 1)
        flags[inside[np.minimum(upper[inside], end) - lower[inside] > tolerance]] = True
    for part in (reference, production):
        part.ask(flags)


def streamed_sample(buckets: Buckets, merged: BucketCounts) -> StreamedSample:
    """BucketedSample.of's `single` and `value`: known only when a bucket is heavy."""
    counts = merged.counts[0]
    if counts.size and counts.max() > HEAVY * counts.sum() / BUCKETS:
        return StreamedSample(buckets, ~merged.mixed & (counts > 0), merged.value)
    return StreamedSample(buckets, None, None)


# -- the driver -----------------------------------------------------------------------------------------------


@dataclass
class _Numbers:
    """A bucketed numerical column between passes."""

    column: _Column
    plan: ColumnPlan
    buckets: Buckets
    scale_mean: float | None
    missing: int  # production values missing
    merged: dict[str, BucketCounts] = field(default_factory=dict)
    gathered: dict[str, Gathered] = field(default_factory=dict)
    available: dict[str, np.ndarray] = field(default_factory=dict)


def stream(run: StreamRun) -> Generator[Pass, Any, DriftResult]:
    """The drift of a streamed audit: the passes over run.reference and run.production, the same DriftResult as
    the in-memory calculator's (engine/drift/analysis.py:build)."""
    columns = {role: set(run.source(role).columns) for role in ROLES}
    rows = {role: run.source(role).rows for role in ROLES}
    plans = drift_columns(run.schema, columns, run.predictions)
    outputs = None
    if any(p.output for p in plans):
        outputs = ModelOutputs({p.name: p.output for p in plans if p.output}, run.predictions["reference"].inputs)
        columns = {role: names | set(outputs.names) for role, names in columns.items()}
    return (yield from iter_drift(run.schema, run.config.drift, run.config.audit.seed, rows, columns, plans,
                                  outputs, spill=run.config.compute.scheduler in ("", "local")))


def drift_columns(schema: Schema, columns: dict[str, set[str]], predictions: dict[str, PredictionSource] | None
                  ) -> tuple[ColumnPlan, ...]:
    """The feature columns, then the target and, given predictions of both datasets, the prediction and scores,
    as engine.predictions.drift_outputs lists them: the data's columns, or the model's outputs (`output`: the
    column the predictor writes into each batch of a Pass `with_predictions`)."""
    from assay.engine.prediction_batches import PREDICTED, SCORE
    from assay.engine.predictions import model_output_names
    from assay.engine.schema import ColumnRole

    plans = [ColumnPlan(c.name, "feature", drift_kind(c.kind)) for c in schema.analysed if c.in_reference]
    classification = schema.task in ("binary", "multiclass")
    classes = tuple(schema.classes) if classification else None
    kind = "categorical" if classification else "numerical"

    def both(name: str | None) -> bool:
        return bool(name) and all(name in found for found in columns.values())

    target = schema.first(ColumnRole.TARGET)
    if both(target):
        plans.append(ColumnPlan(target, "target", kind, classes))
    if not predictions or not set(ROLES) <= set(predictions):
        return tuple(plans)
    source = predictions["reference"]
    if not source.from_model:
        prediction = schema.first(ColumnRole.PREDICTION)
        if prediction:
            plans.append(ColumnPlan(prediction, "prediction", kind, classes))
        plans += [ColumnPlan(name, "score", "numerical") for name in schema.names(ColumnRole.PROBABILITY)]
        return tuple(plans)
    for name, role, score in model_output_names(schema, True, source.classes, source.scores):
        if score is None:
            plans.append(ColumnPlan(name, role, kind, classes, output=PREDICTED))
        else:
            plans.append(ColumnPlan(name, role, "numerical", output=SCORE if source.scores == 1 else f"{SCORE}{score}"))
    return tuple(plans)


@dataclass(frozen=True)
class ModelOutputs:
    """The model's outputs a streamed drift tests: drift name -> the predictor's column, and the model's input
    columns (a pass reading an output reads them too, for the rows whose predictions the cache lacks)."""

    names: dict[str, str]
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class OutputsContext:
    map: Any  # the pass's own map, and its context
    context: Any
    renames: dict[str, str]  # the predictor's column -> drift name


def map_outputs(batch: pd.DataFrame, context: OutputsContext) -> Any:
    """A pass's map on a batch whose model outputs are named as drift names them."""
    return context.map(batch.rename(columns=context.renames), context.context)


def _pass(name: str, role: str, columns: tuple[str, ...], map_batch: Any, merge: Any, context: Any,
          outputs: ModelOutputs | None) -> Pass:
    """A drift Pass over `columns`; one that reads a model output asks for the predictions (`with_predictions`:
    the predictor serves them from its cache, engine/prediction_cache.py, so the model predicts no row again)."""
    if outputs is None or not set(columns) & set(outputs.names):
        return Pass(name, role, columns, map_batch, merge, context)
    data = tuple(dict.fromkeys([c for c in columns if c not in outputs.names] + list(outputs.inputs)))
    renames = {column: drift_name for drift_name, column in outputs.names.items()}
    return Pass(name, role, data, map_outputs, merge, OutputsContext(map_batch, context, renames),
                with_predictions=True)


def iter_drift(schema: Schema, config: DriftConfig, seed: int, totals: dict[str, int],
               columns: dict[str, set[str]], plans: tuple[ColumnPlan, ...], outputs: ModelOutputs | None = None,
               spill: bool = True) -> Generator[Pass, Any, DriftResult]:
    """The passes and the result, for Sources of `totals` rows holding `columns` (role -> names; with the model's
    `outputs`' names, which the passes get from the predictor)."""
    calculator = DriftCalculator(schema, config, (), seed)
    binning = BinningConfig(config.psi_bins, config.psi_smoothing)
    rows = {role: _sampled_rows(totals[role], config.sample_rows, seed) for role in ROLES}
    timestamp = schema.timestamp
    present = {role: tuple(p for p in plans if p.name in columns[role]) for role in ROLES}
    numerical = {role: tuple(p for p in present[role] if p.kind == "numerical") for role in ROLES}
    candidates = [p for p in plans if p.role == "feature" and p.kind is not None]
    picks, pick_columns = _picks(rows, config, seed), {}
    for role in ROLES:
        pick_columns[role] = tuple(p.name for p in candidates if p.name in columns[role] and config.multivariate)
    step = sample_step(sum(rows[role].count for role in ROLES))

    # pass 1: ranges, time, the multivariate samples
    ranges = {}
    for role in ROLES:
        ranges[role] = yield _pass("drift: ranges", role, _needed(numerical[role], timestamp, columns[role]),
                                   map_ranges, merge_ranges,
                                   RangeContext(rows[role], numerical[role],
                                                timestamp if timestamp in columns[role] else None, step), outputs)
    production_plan = plan_chunks(ranges["production"].times, rows["production"].count, config.chunk_by,
                                  config.chunk_size, timestamp)
    ref_plan, ref_selected = reference_plan(production_plan, ranges["reference"].times, rows["reference"].count,
                                            config.min_chunk_rows, timestamp)
    parts = {"production": Parts(production_plan, tuple(range(len(production_plan.chunks)))),
             "reference": Parts(ref_plan, ref_selected)}
    tested = tuple(c.rows >= config.min_chunk_rows for c in production_plan.chunks)

    # the reference's side of each column: counts, method, and how it is tested
    settled: dict[str, _Column] = {}
    bucketed: dict[str, _Numbers] = {}
    collected: list[ColumnPlan] = []
    for plan in present["reference"]:
        column = settled[plan.name] = _Column(plan.name, plan.role, plan.kind)
        if plan.kind is None:
            column.skip = "identifier or free-text column: not tested for drift"
        elif plan.kind == "numerical":
            found = ranges["reference"].numbers[plan.name]
            settle_numerical(column, found.present, found.missing, config)
            if column.skip or plan.name not in columns["production"]:
                continue
            prod = ranges["production"].numbers[plan.name]
            if (column.method.name in BUCKETED_METHODS and prod.present > 0
                    and max(prod.present, found.present) > EXACT_KS_MAX_N):
                low = np.fmin(found.low, prod.low)
                high = np.fmax(found.high, prod.high)
                buckets = Buckets.of_summary(0.0 if np.isnan(low) else float(low),
                                             0.0 if np.isnan(high) else float(high),
                                             np.concatenate([found.sample, prod.sample]))
                mean = found.total / found.present if column.method.name == "wasserstein" else None
                bucketed[plan.name] = _Numbers(column, plan, buckets, mean, prod.missing)
            else:
                collected.append(plan)
    categorical = {role: tuple(p for p in present[role] if p.kind == "categorical") for role in ROLES}
    multivariate = config.multivariate
    cap = _pca_cap() if multivariate else 0

    # pass 2: counts
    counted = {}
    for role in ROLES:
        mine = {n: (b.plan, BucketPlan(b.buckets, b.column.method.name == "wasserstein",
                                       b.scale_mean if role == "reference" else None,
                                       known_mixed(b.buckets, ranges[role].numbers[n].sample)))
                for n, b in bucketed.items()}
        wanted_columns = tuple(p for p in collected if p.name in columns[role])
        context = CountContext(rows[role], parts[role], mine, categorical[role], wanted_columns, cap, seed,
                               picks[role], pick_columns[role],
                               np.array([key_bound(size, cap) for size in _sizes(rows[role], parts[role])],
                                        dtype=np.uint64) if cap else None)
        names = [*mine, *(c.name for c in categorical[role]), *(c.name for c in wanted_columns), *pick_columns[role]]
        counted[role] = yield _pass("drift: buckets", role, _needed_names(names, parts[role], columns[role]),
                                    map_counts, merge_counts, context, outputs)
    for numbers in bucketed.values():
        numbers.merged = {role: counted[role].buckets.pop(numbers.plan.name).dense(parts[role].count)
                          for role in ROLES}  # (the sparse counts go: the dense are the same)
    for plan in categorical["reference"]:
        column = settled[plan.name]
        found = counted["reference"].categories[plan.name]
        labels, order = ordered_labels(found)
        settle_categorical(column, labels, found.counts[0][order], found.missing, rows["reference"].count, config)

    # pass 3: candidate buckets, as long as the tests ask for buckets not gathered
    for numbers in bucketed.values():
        numbers.available = {role: np.zeros((1 + parts[role].count, numbers.buckets.count), dtype=bool)
                             for role in ROLES}
        numbers.gathered = {role: Gathered.empty() for role in ROLES}
    reconstruction = {role: ReconstructionContext(rows[role], parts[role], _thresholds(counted[role], rows[role],
                                                                                parts[role]),
                                                  seed, tuple(p.name for p in candidates if p.name in columns[role]))
                      for role in ROLES} if cap else {}
    kept: dict[str, ReconstructionRows | None] = {role: None for role in ROLES}
    for role, context in reconstruction.items():  # the buckets pass kept every row up to the bounds: all the
        # capped samples' rows when their thresholds are within them (else a pass of their own reads them)
        bounds = np.array([key_bound(size, cap) for size in _sizes(rows[role], parts[role])], dtype=np.uint64)
        if (context.thresholds <= bounds).all():
            kept[role] = ReconstructionRows(counted[role].picked, counted[role].picked_part)
    # the multivariate checks need only the samples and the reconstruction's rows (in hand when the buckets pass
    # kept them all) and which features the tests will report as tested (known from the counts): they run in a
    # thread beside the candidate-bucket passes and the tests, which leave a core idle once the quality is done
    early = _tested_features(plans, settled, columns, ranges, counted) if multivariate else None
    beside = None
    if early and any(early) and all(kept[role] is not None for role in ROLES):
        beside = Beside(_multivariate(*early, counted, rows, parts, tested, config, columns, reconstruction, kept,
                                      seed), name=MULTIVARIATE_THREAD).start()
    try:
        with tempfile.TemporaryDirectory(prefix="assay-drift-") as folder:
            outcomes = yield from _candidate_rounds(bucketed, parts, tested, columns, rows, outputs,
                                                    GatherSpill(folder) if spill else None)

        # every column's result, in the in-memory order
        results, over_time = [], {}
        for plan in plans:
            if plan.name not in settled:  # (a column absent from the reference is not a drift column)
                continue
            column = settled[plan.name]
            if column.skip or plan.name not in columns["production"]:
                results.append(untested(column, column.skip or "not in the production data"))
                continue
            if plan.name in outcomes:
                outcome = outcomes[plan.name]
            elif plan.kind == "numerical":
                outcome = _sorted_outcome(column, counted, parts, tested, binning)
            else:
                outcome = _counted_outcome(column, counted, parts, tested, binning)
            result, chunk_tests = calculator.column_result(column, outcome)
            yield ProgressEvent("drift", 0.0, f"Drift: testing {plan.name}")
            results.append(result)
            if chunk_tests is not None:
                over_time[result.feature] = chunk_tests
        results = calculator._judge(results)
        chunking = _Chunking(production_plan.chunks, production_plan.by, production_plan.description)
        results, chunk_results = calculator._over_time(results, over_time, chunking, tested)
        features = [r for r in results if r.role == "feature" and r.tested]
        drifted = tuple(r.feature for r in features if r.drifted)
        multivariate_result = None
        if multivariate and features:
            names = ([f.feature for f in features if f.kind == "numerical"],
                     [f.feature for f in features if f.kind == "categorical"])
            if beside is not None and names == early:
                multivariate_result = yield from beside.wait(lambda event: event)
            else:  # (the thread's columns were not those tested: never, but then the checks run here)
                multivariate_result = yield from _multivariate(*names, counted, rows, parts, tested, config,
                                                               columns, reconstruction, kept, seed)
    finally:
        if beside is not None:
            beside.close()
    return DriftResult(
        features=tuple(results), share_drifted=len(drifted) / len(features) if features else 0.0,
        drifted_features=drifted, correction=config.correction, alpha=config.alpha, rule=config.rule,
        chunking=production_plan.description, chunks=chunk_results, sampled_rows=config.sample_rows,
        methods=_methods(calculator, results, collected), multivariate=multivariate_result)


@dataclass(frozen=True)
class _Chunking:
    chunks: tuple[ChunkInfo, ...]
    by: str
    description: str


def _tested_features(plans: tuple[ColumnPlan, ...], settled: dict[str, _Column], columns: dict[str, set[str]],
                     ranges: dict[str, RangeState], counted: dict[str, CountState]) -> tuple[list[str], list[str]]:
    """(numerical, categorical) features that the tests will report as tested, from the counts: those with a
    method, in the production data, with values there (`column_result`: a test without values is not one)."""
    numerical, categorical = [], []
    for plan in plans:
        column = settled.get(plan.name)
        if plan.role != "feature" or column is None or column.skip or plan.name not in columns["production"]:
            continue
        if plan.kind == "numerical" and ranges["production"].numbers[plan.name].present:
            numerical.append(plan.name)
        elif plan.kind == "categorical" and counted["production"].categories[plan.name].counts[0].sum():
            categorical.append(plan.name)
    return numerical, categorical


def _sampled_rows(total: int, sample_rows: int, seed: int) -> Rows:
    """DriftCalculator._sample's rows: a seeded sample of `sample_rows` when the dataset is larger."""
    if sample_rows and total > sample_rows:
        return Rows(total, np.sort(np.random.default_rng(seed).choice(total, sample_rows, replace=False)))
    return Rows(total)


def _pca_cap() -> int:
    from assay.engine.drift.multivariate import PCA_MAX_ROWS

    return PCA_MAX_ROWS


def _picks(rows: dict[str, Rows], config: DriftConfig, seed: int) -> dict[str, np.ndarray]:
    """The positions of the multivariate samples' rows: the domain classifier's in both, PCA's fit in the
    reference."""
    if not config.multivariate:
        return {role: np.empty(0, dtype=np.int64) for role in ROLES}
    from assay.engine.drift.multivariate import domain_seeds

    ref_seed, prod_seed = domain_seeds(seed)
    return {"reference": np.union1d(seeded_rows(rows["reference"].count, config.domain_rows, ref_seed),
                                    seeded_rows(rows["reference"].count, _pca_cap(), seed)),
            "production": np.sort(seeded_rows(rows["production"].count, config.domain_rows, prod_seed))}


def _needed(plans: tuple[ColumnPlan, ...], timestamp: str | None, columns: set[str]) -> tuple[str, ...]:
    names = [p.name for p in plans]
    if timestamp in columns:
        names.append(timestamp)
    return tuple(dict.fromkeys(n for n in names if n in columns))


def _needed_names(names: list[str], parts: Parts, columns: set[str]) -> tuple[str, ...]:
    found = list(names)
    if parts.plan.timestamp:
        found.append(parts.plan.timestamp)
    return tuple(dict.fromkeys(n for n in found if n in columns))


def _candidate_rounds(pending: dict[str, _Numbers], parts: dict[str, Parts], tested: tuple[bool, ...],
                      columns: dict[str, set[str]], rows: dict[str, Rows], outputs: ModelOutputs | None,
                      spill: GatherSpill | None) -> Generator[Pass | ProgressEvent, Any, dict[str, ColumnOutcome]]:
    """The bucketed columns' outcomes: a run of their tests on the counts alone says which buckets to gather (with
    those the drawing's histogram edges may fall in), a pass over each Source gathers them, and the tests run again
    on the values, one column at a time (a column whose tests still lack a bucket asks again: rare)."""
    outcomes: dict[str, ColumnOutcome] = {}
    for _round in range(GATHER_ROUNDS + 1):
        asked: dict[str, Lacking] = {}
        for name, numbers in pending.items():
            lacking = Lacking(numbers.buckets.count, {role: parts[role].count for role in ROLES})
            give_back()  # (the column tested before: its values loaded and sorted)
            outcome = _bucketed_outcome(numbers, parts, tested, lacking, first=_round == 0)
            yield ProgressEvent("drift", 0.0, f"Drift: testing {name}")  # (a cancel stops here)
            if lacking.any():
                asked[name] = lacking
            else:
                outcomes[name] = outcome
                numbers.gathered = {}
        pending = {name: pending[name] for name in asked}
        if not pending:
            return outcomes
        if _round == GATHER_ROUNDS:
            raise RuntimeError(f"drift: the candidate buckets of {', '.join(pending)} were still asked for after "
                               f"{GATHER_ROUNDS} passes")
        for role in ROLES:
            wanted, union = {}, {}
            for name, numbers in pending.items():
                flags = asked[name].flags[role] & ~numbers.available[role]
                numbers.available[role] = numbers.available[role] | flags
                wanted[name] = (numbers.plan, numbers.buckets, np.pad(flags, ((0, 0), (0, 1))))  # (the past-last:
                union[name] = wanted[name][2].any(axis=0)  # values not placed, never wanted)
            found = yield _pass("drift: candidate buckets", role, _needed_names(list(wanted), parts[role],
                                                                                columns[role]),
                                map_gather, merge_gather, GatherContext(rows[role], parts[role], wanted, spill, union),
                                outputs)
            for name, gathered in found.found.items():
                old = pending[name].gathered[role]
                if old.pieces:  # a bucket now gathered whole: its part's values came again
                    old = old.loaded()
                    old = old.kept(~wanted[name][2][0][old.bucket])
                pending[name].gathered[role] = old.joined(gathered)
    return outcomes


def _bucketed_outcome(numbers: _Numbers, parts: dict[str, Parts], tested: tuple[bool, ...], lacking: Lacking,
                      first: bool = False) -> ColumnOutcome:
    """The in-memory `bucketed_outcome` on StreamedParts (a run whose `lacking` is not empty is discarded). The
    `first` run, on the counts alone, also asks for the buckets the drawing's histogram edges may fall in."""
    scale = None
    if numbers.scale_mean is not None:
        merged = numbers.merged["reference"]
        scale = float(np.sqrt(merged.squares / max(int(merged.counts[0].sum()), 1)))
    whole, chunk_parts = _streamed_parts(numbers, "production", parts, tested, lacking)
    reference, band_parts = _streamed_parts(numbers, "reference", parts, (True,) * parts["reference"].count, lacking)
    if first:
        histogram_buckets(reference, whole)
    return bucketed_outcome(numbers.column.method.name, reference, whole, chunk_parts, band_parts, numbers.missing,
                            scale)


def _streamed_parts(numbers: _Numbers, role: str, parts: dict[str, Parts], selected: Sequence[bool],
                    lacking: Lacking) -> tuple[StreamedPart, list[StreamedPart | None]]:
    """The whole column's StreamedPart of one side and those of its `selected` parts (None for the others). They
    share one copy of the column's gathered values: the parts hold slices of the whole's, when the parts follow
    the rows' order (chunks of rows), else of one copy ordered by part (at 100,000,000 rows, each holding copies
    of its own made the audit's peak)."""
    merged = numbers.merged[role]
    sample = streamed_sample(numbers.buckets, merged)
    loaded = numbers.gathered[role].loaded()

    def part(j: int | None, values: np.ndarray, bucket: np.ndarray) -> StreamedPart:
        row = 0 if j is None else j + 1
        return StreamedPart(sample, merged.counts[row], None if merged.sums is None else merged.sums[row],
                            values, bucket, numbers.available[role], j, lacking.flags[role])

    values, bucket, at = loaded.values, loaded.bucket, loaded.part
    del loaded
    whole = part(None, values, bucket)
    if at.size > 1 and (at[1:] < at[:-1]).any():  # parts not in row order (chunks by time, rows not in time
        # order): each part's values, in row order, in one copy (chunks of rows are slices of the whole's values)
        order = np.argsort(at, kind="stable")
        at, values, bucket = at[order], values[order], bucket[order]
        del order
    bounds = np.searchsorted(at, np.arange(-1, parts[role].count + 1))
    del at
    chunks = [part(j, values[bounds[j + 1]:bounds[j + 2]], bucket[bounds[j + 1]:bounds[j + 2]]) if ok else None
              for j, ok in enumerate(selected)]
    return whole, chunks


def _sorted_outcome(column: _Column, counted: dict[str, CountState], parts: dict[str, Parts],
                    tested: tuple[bool, ...], binning: BinningConfig) -> ColumnOutcome:
    """DriftCalculator._test_sorted_parts on the collected values."""
    def sorted_finite(values: np.ndarray) -> np.ndarray:
        return np.sort(values[~np.isnan(values)])

    ref, prod = counted["reference"].collected[column.name], counted["production"].collected[column.name]
    reference = sorted_finite(ref.values)

    def test(values: np.ndarray, fast_p: bool):
        if values.size == 0:
            return None
        return column.method.numerical(SortedSample(reference), SortedSample(values), binning=binning, fast_p=fast_p)

    band = expected_band([test(sorted_finite(ref.values[ref.part == j]), True)
                          for j in range(parts["reference"].count)])
    whole = sorted_finite(prod.values)
    found = [test(sorted_finite(prod.values[prod.part == j]), True) if ok else None for j, ok in enumerate(tested)]
    return ColumnOutcome(result=test(whole, False), rows=int(whole.size), missing=int(prod.values.size - whole.size),
                         distribution=numerical_distribution(SortedValues(reference), SortedValues(whole)),
                         chunks=ChunkTests(results=tuple(found), band=band))


def _counted_outcome(column: _Column, counted: dict[str, CountState], parts: dict[str, Parts],
                     tested: tuple[bool, ...], binning: BinningConfig) -> ColumnOutcome:
    """DriftCalculator._test_categories on the counts."""
    ref, prod = counted["reference"].categories[column.name], counted["production"].categories[column.name]
    position = {label: i for i, label in enumerate(column.categories)}
    labels, order = ordered_labels(prod)
    new = sorted(label for label in labels if label not in position)
    aligned = column.categories + new
    at = {label: i for i, label in enumerate(aligned)}
    where = np.array([at[label] for label in prod.labels], dtype=np.int64)
    prod_counts = np.zeros((prod.counts.shape[0], len(aligned)))
    prod_counts[:, where] = prod.counts
    ref_counts = np.concatenate([column.reference_counts, np.zeros(len(new))])

    def test(counts: np.ndarray):
        return None if counts.sum() == 0 else test_counts(column, ref_counts, counts, binning)

    found = [test(prod_counts[j + 1]) if ok else None for j, ok in enumerate(tested)]
    ref_at = np.array([position.get(label, -1) for label in ref.labels], dtype=np.int64)
    band_results = []
    for j in range(parts["reference"].count):
        chunk = np.zeros(len(column.categories))
        kept = ref_at >= 0
        chunk[ref_at[kept]] = ref.counts[j + 1][kept]
        band_results.append(None if chunk.sum() == 0 else test_counts(column, column.reference_counts, chunk,
                                                                        binning))
    rows = int(prod.counts[0].sum())
    return ColumnOutcome(result=test(prod_counts[0]), rows=rows, missing=prod.missing,
                         distribution=counted_distribution(ref_counts, prod_counts[0], aligned),
                         chunks=ChunkTests(results=tuple(found), band=expected_band(band_results)))


def _methods(calculator: DriftCalculator, results: list[FeatureDrift], collected: list[ColumnPlan]
             ) -> tuple[str, ...]:
    lines = list(calculator._methods_text(results))
    if collected:
        lines.append("Streamed: " + ", ".join(p.name for p in collected) + " tested on every value collected "
                     "(their method needs the values sorted); the other numerical columns by buckets, exactly.")
    return tuple(lines)


def _thresholds(counted: CountState, rows: Rows, parts: Parts) -> np.ndarray:
    """The largest row key of the reconstruction's capped samples: the whole, then each part."""
    from assay.engine.drift.multivariate import PCA_MAX_ROWS

    return np.array([key_threshold(k, size, PCA_MAX_ROWS) for k, size in zip(counted.keys, _sizes(rows, parts))],
                    dtype=np.uint64)


def _sizes(rows: Rows, parts: Parts) -> list[int]:
    """The rows of the whole, then of each part."""
    return [rows.count] + [parts.plan.chunks[j].rows for j in parts.selected]


def _multivariate(numerical: list[str], categorical: list[str], counted: dict[str, CountState],
                  rows: dict[str, Rows], parts: dict[str, Parts], tested: tuple[bool, ...], config: DriftConfig,
                  columns: dict[str, set[str]], reconstruction: dict[str, ReconstructionContext],
                  kept: dict[str, ReconstructionRows | None], seed: int) -> Generator[Pass, Any, MultivariateResult]:
    """DriftCalculator._multivariate on the tested features (`numerical`, `categorical`), from the seeded samples
    gathered in the buckets pass and the reconstruction's capped rows of each chunk (kept in the buckets pass, else
    read in a pass of their own)."""
    from assay.engine.drift.multivariate import (PCA_MAX_ROWS, ReconstructionModel, domain_seeds,
                                                 iter_domain_classifier_on, reconstruction_result)
    from assay.engine.drift.univariate import domain_note, reconstruction_note, too_few_rows_note

    counts = (rows["reference"].count, rows["production"].count)
    notes, domain = [], None
    ref_seed, prod_seed = domain_seeds(seed)
    picked = {role: counted[role].picked for role in ROLES}
    if min(counts) < MIN_DOMAIN_ROWS:
        notes.append(too_few_rows_note(counts))
    else:
        ref = picked["reference"].loc[seeded_rows(counts[0], config.domain_rows, ref_seed)]
        prod = picked["production"].loc[seeded_rows(counts[1], config.domain_rows, prod_seed)]
        domain = yield from _events(iter_domain_classifier_on(ref, prod, numerical, categorical, config.permutations,
                                                              seed), "Drift: domain classifier")
        notes.append(domain_note(domain))
    if not (numerical or categorical):
        return MultivariateResult(domain, None, tuple(notes))
    fit_rows = picked["reference"].loc[seeded_rows(counts[0], PCA_MAX_ROWS, seed)]
    model = yield from _events(ReconstructionModel(numerical, categorical, seed).iter_fit_sample(fit_rows),
                               "Drift: PCA fit")
    for role in ROLES:
        if kept[role] is None:
            context = reconstruction[role]
            kept[role] = yield Pass("drift: reconstruction rows", role, _needed_names(list(context.columns),
                                                                                     parts[role], columns[role]),
                                    map_reconstruction_rows, merge_reconstruction_rows, context)
    thresholds = {role: reconstruction[role].thresholds for role in ROLES}
    all_keys = {role: row_keys(kept[role].frame.index.to_numpy(), seed) for role in ROLES}  # (once, not per chunk)

    def error(role: str, part: int | None) -> Generator[ProgressEvent, None, float]:
        found, keys = kept[role], all_keys[role]
        if part is None:
            chosen = keys <= thresholds[role][0]
        else:
            chosen = (found.part == part) & (keys <= thresholds[role][part + 1])
        frame = found.frame.iloc[np.flatnonzero(chosen)].sort_index()
        return (yield from _events(model.iter_error(frame), "Drift: PCA reconstruction error"))

    reference_errors = []
    for j in range(parts["reference"].count):
        reference_errors.append((yield from error("reference", j)))
    chunk_errors = []
    for j, ok in enumerate(tested):
        chunk_errors.append((yield from error("production", j)) if ok else None)
    production_error = yield from error("production", None)
    reconstruction = reconstruction_result(model, reference_errors, chunk_errors, production_error,
                                           (yield from error("reference", None)))
    notes.append(reconstruction_note(reconstruction))
    return MultivariateResult(domain, reconstruction, tuple(notes))



def _events(steps: Generator[Any, None, Any], message: str) -> Generator[ProgressEvent, None, Any]:
    """A multivariate step's progress as events (iter_stream passes them on), so that a cancel stops it between
    two of them; returns what `steps` returns."""
    try:
        while True:
            next(steps)
            yield ProgressEvent("drift", 0.0, message)
    except StopIteration as stop:
        return stop.value
