"""Data quality as mergeable partial states: every statistic of QualityResult from one pass over each dataset's
batches (compiled loops over numbers, engine/quality/kernels.py; pandas' factorize for text; no text conversion of
whole columns), merged exactly in row order; the in-memory calculator runs the same functions on the whole table
as one batch.

Per column and dataset: the rows, the missing and infinite values, the distinct values present (kept exactly, so
the count is exact; beyond a budget they go to disk, engine/quality/spill.py; values repeating across batches are made
distinct as batches merge, so that only distinct values are held and spilled, while a batch of numbers nearly all
distinct is kept as it comes and made distinct once, when counted; numbers are counted by their 64-bit patterns,
-0.0 as 0.0; text is factorized once per batch), the least and greatest values (finite, and present),
whether all are whole numbers; for categories, the production values the reference never had, counted by their
text (only each batch's distinct values are converted to text) with the row where each first appeared, so that
the most frequent come out in the order pandas' value_counts gives.

Duplicate rows: a 64-bit hash of each row (`row_hashes`: per-column 64-bit keys folded in a compiled loop; text and
categories by the hash of each batch's distinct values, reusing the batch's factorization). Rows with equal values
(as `duplicated` compares them: -0.0 as 0.0, every NaN alike) have equal hashes,
so every duplicate is among the rows whose hash occurs more than once (the candidates); two different rows may
share a hash, so the count is not taken from the hashes: the candidate rows are read again (a second pass, only
when there are candidates) and compared by value with pandas' `duplicated`, which gives the exact count.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assay.engine.labels import keys
from assay.engine.progress import ProgressEvent
from assay.engine.quality import kernels, spill
from assay.engine.quality.results import ColumnQuality, QualityResult
from assay.engine.quality.spill import SpillPlan, Spilled, hash_partition, partition_of, spillable
from assay.engine.schema import YEAR_NAMES, ColumnInfo, ColumnKind, ColumnRole, Schema, infer_kind, numbers_kind
from assay.engine.streaming.passes import Pass

COUNTING_EVENT_S = 0.2  # seconds between two of the distinct counting's ProgressEvents (each a chance to stop)

if TYPE_CHECKING:
    from assay.engine.streaming.run import StreamRun

TOP_UNSEEN = 20
PROBE = 1024  # values that tell whether a batch's numbers are nearly all distinct
DISTINCT = 0.9  # "nearly all distinct": more than this share of a batch's present values (or of its probe)
UNION_SHARE = 8  # a union of a column's pieces, when the state may spill, holds at most budget / UNION_SHARE values
CATEGORY_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
NAN_KEY = np.uint64(0x7FF8DEADBEEF0001)  # a missing value's key in row hashes (one for all NaN and NA)


@dataclass(frozen=True)
class ColumnPlan:
    """What to measure in one column (picklable: a Pass's context)."""

    name: str
    categories: bool  # count values by their text (categorical or boolean kind)
    labels: bool  # text by label (a target's or prediction's: engine/labels.py), else as str
    known: frozenset[str] | None = None  # production: the reference's texts (None: the reference has no such column)


@dataclass
class ColumnState:
    rows: int = 0
    missing: int = 0
    infinite: int = 0
    numeric: bool = False  # the column's dtype holds numbers (pandas' is_numeric_dtype)
    uniques: list[np.ndarray] = field(default_factory=list)  # distinct values present, as pieces (see _union)
    apart: bool = False  # a union of the pieces found them nearly all distinct: kept apart from then on (_gather)
    finite: int = 0
    finite_low: float | None = None
    finite_high: float | None = None
    present_low: float | None = None  # a column named like a year: its least and greatest present value,
    present_high: float | None = None  # infinities included
    whole: bool = True  # a column named like a year: every present value is a whole number
    below: int = 0  # production: finite values below / above the reference's finite range (context's bounds)
    above: int = 0
    unseen: dict[str, tuple[int, tuple[int, int]]] = field(default_factory=dict)  # text -> (count, first row)
    unseen_rows: int = 0
    spilled: list[Spilled] = field(default_factory=list)  # distinct values written to disk (engine/quality/spill.py)
    counted: int | None = None  # the distinct count, once counted (distinct_count)


@dataclass
class TableState:
    rows: int
    columns: dict[str, ColumnState]
    hashes: list[tuple[int, np.ndarray]]  # (global row of the first, row hashes) of each batch, in row order
    spill: SpillPlan | None = None  # None: everything stays in memory
    spilled: list[Spilled] = field(default_factory=list)  # row hashes written to disk, with their row numbers


@dataclass(frozen=True)
class QualityContext:
    plans: tuple[ColumnPlan, ...]
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # production: reference finite ranges
    spill: SpillPlan | None = None  # where and when the state goes to disk (None: it stays in memory)


def plans_for(schema: Schema, reference: TableState | None = None) -> tuple[ColumnPlan, ...]:
    """The columns to measure; with the reference's state, the production plans (the reference's texts)."""
    plans = []
    for info in schema.columns:
        plan = ColumnPlan(name=info.name, categories=info.kind in CATEGORY_KINDS,
                          labels=info.role in (ColumnRole.TARGET, ColumnRole.PREDICTION))
        if reference is not None and plan.categories and info.name in reference.columns:
            plan = dataclasses.replace(plan, known=frozenset(_texts(distinct_values(reference.columns[info.name]),
                                                                        plan)))
        plans.append(plan)
    return tuple(plans)


def production_context(schema: Schema, reference: TableState, spill: SpillPlan | None = None) -> QualityContext:
    bounds = {name: (state.finite_low, state.finite_high) for name, state in reference.columns.items()
              if state.numeric and state.finite}
    return QualityContext(plans=plans_for(schema, reference), bounds=bounds, spill=spill)


# -- map and merge ---------------------------------------------------------------------------------------------


def map_batch(batch: pd.DataFrame, context: QualityContext) -> TableState:
    """The partial state of one batch (its index numbers its rows in the whole table)."""
    start = int(batch.index[0]) if len(batch) else 0
    factorized: dict[str, tuple[np.ndarray, Any]] = {}  # text and categories, factorized once for both uses
    columns = {plan.name: _map_column(batch[plan.name], plan, context, start, factorized)
               for plan in context.plans if plan.name in batch.columns}
    return TableState(rows=len(batch), columns=columns, hashes=[(start, row_hashes(batch, factorized))],
                      spill=context.spill)


def merge(a: TableState, b: TableState) -> TableState:
    """`a`'s rows before `b`'s. Exact and associative (what is on disk is counted the same as what is not)."""
    plan = a.spill or b.spill
    columns = {name: _merge_column(a.columns[name], b.columns[name], plan) for name in a.columns}
    state = TableState(rows=a.rows + b.rows, columns=columns, hashes=a.hashes + b.hashes, spill=a.spill or b.spill,
                       spilled=a.spilled + b.spilled)
    if state.spill is not None and _held(state) > state.spill.budget:
        _spill(state, state.spill)
    return state


def _held(state: TableState) -> int:
    """The values the state holds in memory: distinct values and row hashes."""
    return (sum(len(p) for c in state.columns.values() for p in c.uniques)
            + sum(len(h) for _, h in state.hashes))


def _spill(state: TableState, plan: SpillPlan) -> None:
    """Write the large pieces to disk by partition (engine/quality/spill.py)."""
    for column in state.columns.values():
        pieces = column.uniques
        if sum(len(p) for p in pieces) < plan.least:
            continue
        if np.result_type(*{p.dtype for p in pieces}).kind == "O":
            pieces = [np.concatenate(pieces)] if len(pieces) > 1 else pieces
        if all(spillable(p) for p in pieces):
            column.spilled = column.spilled + [spill.write(pieces, plan)]
            column.uniques = []
    if state.hashes and sum(len(h) for _, h in state.hashes) >= plan.least:
        rows = [np.arange(start, start + len(h), dtype=np.int64) for start, h in state.hashes]
        state.spilled = state.spilled + [spill.write([h for _, h in state.hashes], plan, rows, hashed=True)]
        state.hashes = []


def _hashes_and_rows(state: TableState) -> tuple[np.ndarray, np.ndarray]:
    """The row hashes held in memory and their global row numbers."""
    if not state.hashes:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    hashes = np.concatenate([h for _, h in state.hashes])
    rows = np.concatenate([np.arange(start, start + len(h), dtype=np.int64) for start, h in state.hashes])
    return hashes, rows


def _map_column(series: pd.Series, plan: ColumnPlan, context: QualityContext, start: int,
                factorized: dict[str, tuple[np.ndarray, Any]]) -> ColumnState:
    state = ColumnState(rows=len(series), numeric=pd.api.types.is_numeric_dtype(series))
    if series.dtype.kind in "iuf" and isinstance(series.dtype, np.dtype) and not (plan.categories and plan.known):
        _map_numbers(state, series.to_numpy(), plan, context)
        return state
    missing = series.isna().to_numpy()
    state.missing = int(missing.sum())
    codes, uniques = factorized[plan.name] = pd.factorize(series, use_na_sentinel=True)  # only the distinct
    # values of text become objects
    counted = plan.categories and plan.known is not None
    state.uniques = [_plain(uniques) if counted else np.asarray(uniques)]
    if counted:
        _count_unseen(state, codes, uniques, plan, start)
    if state.numeric:
        _measure(state, series.to_numpy(dtype=float, na_value=np.nan), plan, context)
    return state


def _map_numbers(state: ColumnState, values: np.ndarray, plan: ColumnPlan, context: QualityContext) -> None:
    """A column of numpy numbers: its missing values are NaN, its distinct values kept with -0.0 as 0.0
    (kernels.number_keys' equality)."""
    state.missing = _measure(state, values, plan, context)
    floats = values.dtype.kind == "f"
    present = values[~np.isnan(values)] if state.missing else values
    probe = present[:PROBE]
    found = kernels.count_distinct(probe)
    if len(probe) == PROBE and found > DISTINCT * PROBE:  # nearly all distinct: kept as they came (a union or the
        # count makes them distinct; exact either way)
        state.uniques = [np.add(present, 0.0) if floats else present.copy()]  # a copy: not a view of the batch
    else:
        state.uniques = [kernels.unique_numbers(np.add(present, 0.0) if floats else present,
                                                expected=found * len(present) // max(len(probe), 1))]


def _measure(state: ColumnState, values: np.ndarray, plan: ColumnPlan, context: QualityContext) -> int:
    """The infinite values, the least and greatest finite values, those out of the reference's range, and a year's
    present range and whether all are whole, in one loop (kernels.number_stats); returns the NaN values."""
    low, high = context.bounds.get(plan.name, (-np.inf, np.inf))
    year = plan.name.lower() in YEAR_NAMES  # only a year's kind reads them (numbers_kind)
    (missing, state.infinite, state.finite, finite_low, finite_high, present_low, present_high, whole, state.below,
     state.above) = kernels.number_stats(kernels.widened(values), float(low), float(high), year)
    if state.finite:
        state.finite_low, state.finite_high = finite_low, finite_high
    if year and missing < len(values):
        state.present_low, state.present_high, state.whole = present_low, present_high, whole
    return missing


def _count_unseen(state: ColumnState, codes: np.ndarray, uniques: Any, plan: ColumnPlan, start: int) -> None:
    """The values of the batch whose text the reference never had: counts by text, and where each first appeared
    (this batch's first row, then the rank of its first appearance in the batch)."""
    if not len(uniques):
        return
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    for rank, (text, count) in enumerate(zip(_texts(uniques, plan), counts)):
        if text in plan.known or not count:
            continue
        seen = state.unseen.get(text)
        state.unseen[text] = (int(count), (start, rank)) if seen is None else (seen[0] + int(count), seen[1])
        state.unseen_rows += int(count)


def _merge_column(a: ColumnState, b: ColumnState, plan: SpillPlan | None = None) -> ColumnState:
    uniques, apart = _gather(a, b, plan)
    unseen = dict(a.unseen)
    for text, (count, first) in b.unseen.items():
        seen = unseen.get(text)
        unseen[text] = (count, first) if seen is None else (seen[0] + count, min(seen[1], first))
    return ColumnState(
        rows=a.rows + b.rows, missing=a.missing + b.missing, infinite=a.infinite + b.infinite,
        numeric=a.numeric or b.numeric, uniques=uniques, apart=apart, finite=a.finite + b.finite,
        finite_low=_least(a.finite_low, b.finite_low), finite_high=_greatest(a.finite_high, b.finite_high),
        present_low=_least(a.present_low, b.present_low), present_high=_greatest(a.present_high, b.present_high),
        whole=a.whole and b.whole, below=a.below + b.below, above=a.above + b.above, unseen=unseen,
        unseen_rows=a.unseen_rows + b.unseen_rows, spilled=a.spilled + b.spilled)


def _least(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _greatest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _plain(values: Any) -> np.ndarray:
    """Distinct values as a numpy array (text and categories as objects)."""
    return np.asarray(values.astype(object) if isinstance(values, pd.Categorical) else values,
                      dtype=None if isinstance(values, np.ndarray) else object)


def _gather(a: ColumnState, b: ColumnState, plan: SpillPlan | None) -> tuple[list[np.ndarray], bool]:
    """Both columns' pieces, made distinct (`_union`), and whether to keep them apart from now on: once a union
    finds them nearly all distinct (when the state may spill, and they are not few), unions stop for the column
    (they would not make the values fewer: counting makes them distinct); while values repeat across batches,
    unions go on, so that what is held, and what spills, is only distinct values. A union takes at most
    1 / UNION_SHARE of the plan's budget (its copies and table take about 5 x 8 bytes a value); larger pieces stay
    apart and spill (counting makes them distinct)."""
    total = sum(len(p) for p in a.uniques) + sum(len(p) for p in b.uniques)
    apart = a.apart or b.apart
    if plan is not None and total >= plan.least and (apart or total > plan.budget // UNION_SHARE):
        return a.uniques + b.uniques, apart
    pieces = _union(a.uniques, b.uniques)
    if plan is not None and total >= plan.least and len(pieces) == 1 and len(a.uniques) + len(b.uniques) > 1:
        apart = len(pieces[0]) > DISTINCT * total
    return pieces, apart


def _union(a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
    """The distinct values of both, as pieces: merged into one once the small pieces outweigh the largest, so each
    value is hashed a logarithmic number of times whatever the number of batches."""
    pieces = a + b
    sizes = sorted(len(p) for p in pieces)
    if len(pieces) > 1 and sum(sizes[:-1]) >= sizes[-1]:
        return [_unique(np.concatenate(pieces), expected=sizes[-1])]
    return pieces


def _unique(values: np.ndarray, expected: int = 0) -> np.ndarray:
    """pd.unique: numbers (never NaN here) by their 64-bit keys, in a compiled hash set (`expected`: about how many
    are distinct, at least)."""
    return kernels.unique_numbers(values, expected) if values.dtype.kind in "iuf" else pd.unique(values)


def _partitions(state: ColumnState) -> Iterator[np.ndarray]:
    """The column's values (each distinct value at least once), a disjoint part at a time: the values held in
    memory, and with them those written to disk, by chunks of adjacent partitions (engine/quality/spill.py); a
    batch of nearly distinct numbers is kept as it came (`_map_numbers`), so a part may repeat a value."""
    pieces = state.uniques
    held = pieces[0] if len(pieces) == 1 else np.concatenate(pieces) if pieces else np.array([])
    if not state.spilled and (len(held) <= 4 * spill.CHUNK or not spillable(held)):
        yield held
        return
    partitions = state.spilled[0].offsets.shape[1] - 1 if state.spilled else spill.PARTITIONS
    groups = state.spilled + ([spill.group(held, partition_of(held, partitions), partitions)] if len(held) else [])
    for values, _ in spill.chunks(groups, spill.CHUNK):
        yield values[0] if len(values) == 1 else np.concatenate(values)


def distinct_count(state: ColumnState) -> int:
    if state.counted is None:
        for _ in iter_distinct_count(state):
            pass
    return state.counted


def iter_distinct_count(state: ColumnState) -> Iterator[None]:
    """Count the column's distinct values a chunk at a time, yielding after each (stopping there leaves it
    uncounted); the count is kept in `state.counted`."""
    if state.counted is not None:
        return
    counter, found = kernels.DistinctCounter(), 0
    for values in _partitions(state):
        found += _count_distinct(values, counter)
        yield
    state.counted = found


def _count_distinct(values: np.ndarray, counter: kernels.DistinctCounter) -> int:
    """How many distinct values pandas' `unique` finds: numbers by their 64-bit keys (-0.0 as 0.0), which is
    faster."""
    if values.dtype.kind in "iufmM":
        return counter.count(values)
    return len(pd.unique(values))


def distinct_values(state: ColumnState, at_most: int | None = None) -> np.ndarray:
    """The distinct values (the first `at_most` found, when given): all of them are loaded when spilled."""
    found, count = [], 0
    for values in _partitions(state):
        found.append(_unique(values) if at_most is None else _unique(values)[:at_most - count])
        count += len(found[-1])
        if at_most is not None and count >= at_most:
            break
    return found[0] if len(found) == 1 else np.concatenate(found) if found else np.array([])


def _texts(values: Any, plan: ColumnPlan) -> list[str]:
    """Distinct values as the text they are compared by: a target's or prediction's by label, others as str."""
    series = pd.Series(values, copy=False)
    if series.dtype.kind == "f":
        series = series + 0.0  # -0.0 is 0.0, as the distinct values count it (the reference's are kept so)
    if plan.labels:
        return list(keys(series))
    return list(series.astype(str))


# -- duplicate rows --------------------------------------------------------------------------------------------


def row_hashes(frame: pd.DataFrame, factorized: dict[str, tuple[np.ndarray, Any]] | None = None) -> np.ndarray:
    """A 64-bit hash of each row's values: each column's 64-bit keys (`_column_keys`) folded in turn, by xor, a
    multiplication by an odd number and a shift (each step one-to-one, so rows differing in one column never share
    a hash). Rows pandas' `duplicated` holds equal get equal hashes. `factorized`: columns' pd.factorize already
    done (by name)."""
    hashes = np.zeros(len(frame), dtype=np.uint64)
    unique_names = frame.columns.is_unique
    for name, column in frame.items():
        dtype = column.dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            kernels.fold_floats(hashes, kernels.widened(column.to_numpy()), NAN_KEY)
        elif isinstance(dtype, np.dtype) and dtype.kind in "biumM":
            values = column.to_numpy()
            kernels.fold_ints(hashes, values.view(np.int64) if dtype.kind in "mM" else values)
        else:
            kernels.fold_keys(hashes, _column_keys(column, factorized.get(name) if factorized and unique_names
                                                   else None))
    return hashes


def _column_keys(column: pd.Series, factorized: tuple[np.ndarray, Any] | None = None) -> np.ndarray:
    """64-bit keys equal for values `duplicated` holds equal, of a column not of numpy numbers (those are folded
    from their values: numbers by their bits, -0.0 as 0.0, every NaN alike): text and categories by pandas' hash of
    each distinct value, other objects by pandas' hash (by their text when they cannot be hashed: lists from
    Parquet)."""
    dtype = column.dtype
    if isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)) or factorized is not None:
        codes, uniques = factorized if factorized is not None else pd.factorize(column, use_na_sentinel=True)
        table = np.append(pd.util.hash_array(np.asarray(uniques, dtype=object)), NAN_KEY)
        return table[codes]  # a missing value's code is -1: the last
    try:
        return pd.util.hash_pandas_object(column, index=False).to_numpy()
    except TypeError:
        return pd.util.hash_pandas_object(column.astype(str), index=False).to_numpy()


def candidate_rows(state: TableState) -> np.ndarray:
    """The rows (positions in the table) whose hash occurs more than once, in row order: by chunks of adjacent
    partitions when the hashes were spilled or are many (equal hashes share a partition)."""
    steps = iter_candidate_rows(state)
    try:
        while True:
            next(steps)
    except StopIteration as stop:
        return stop.value


def iter_candidate_rows(state: TableState) -> Generator[None, None, np.ndarray]:
    """`candidate_rows`, yielding after each chunk (stopping there finds nothing more); returns the rows."""
    hashes, rows = _hashes_and_rows(state)
    if not state.spilled and len(hashes) <= 4 * spill.CHUNK:
        return _repeated(hashes, rows)
    partitions = state.spilled[0].offsets.shape[1] - 1 if state.spilled else spill.PARTITIONS
    groups = state.spilled + ([spill.group(hashes, hash_partition(hashes, partitions), partitions, rows)]
                              if len(hashes) else [])
    found = []
    for values, numbers in spill.chunks(groups, spill.CHUNK, rows=True):
        found.append(_repeated(np.concatenate(values), np.concatenate(numbers)))
        yield
    return np.sort(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def _repeated(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The rows whose value occurs more than once, in row order."""
    if not len(values):
        return np.empty(0, dtype=np.int64)
    return np.sort(rows[pd.Series(values, copy=False).duplicated(keep=False).to_numpy()])


def count_duplicates(rows: pd.DataFrame) -> int:
    """Rows equal in every column to an earlier row (pandas' `duplicated`), among the candidate rows."""
    if rows.empty:
        return 0
    try:
        return int(rows.duplicated().sum())
    except TypeError:  # unhashable cells (lists in Parquet): compare their text
        return int(rows.astype(str).duplicated().sum())


def take_rows(batch: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """A Pass's map: the batch's rows among `rows` (global row numbers, sorted)."""
    if not len(batch):
        return batch
    first, last = np.searchsorted(rows, [batch.index[0], batch.index[-1] + 1])
    return batch.loc[rows[first:last]]


def concat_rows(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([a, b]) if len(b) else a


# -- the result ------------------------------------------------------------------------------------------------


def column_quality(info: ColumnInfo, ref: ColumnState | None, prod: ColumnState | None,
                   kind_production: ColumnKind | None) -> ColumnQuality:
    """One column's quality from its merged states; `kind_production` is the production column's kind."""
    values: dict = {"name": info.name, "kind": info.kind.value, "role": info.role.value,
                    "mixed_types": info.mixed_types}
    if ref is not None and prod is not None and prod.rows:
        if kind_production is not None and kind_production != info.kind and prod.missing < prod.rows \
                and ref.missing < ref.rows:
            values["kind_production"] = kind_production.value
    for label, state in (("reference", ref), ("production", prod)):
        if state is None:
            continue
        distinct = distinct_count(state)
        values[f"missing_{label}"] = state.missing / state.rows if state.rows else None
        values[f"distinct_{label}"] = distinct
        values[f"constant_{label}"] = state.rows > 1 and distinct <= 1 and state.missing < state.rows
        values[f"infinite_{label}"] = state.infinite
    if ref is None or prod is None:
        return ColumnQuality(**values)
    if info.kind == ColumnKind.NUMERICAL and ref.numeric and prod.numeric:
        if ref.finite:
            values["reference_min"], values["reference_max"] = ref.finite_low, ref.finite_high
            if prod.finite:
                values["out_of_range"] = (prod.below + prod.above) / prod.finite
    elif info.kind in CATEGORY_KINDS:
        if prod.rows:
            values["unseen_share"] = prod.unseen_rows / prod.rows
        ranked = sorted(prod.unseen.items(), key=lambda item: (-item[1][0], item[1][1]))[:TOP_UNSEEN]
        values["unseen_categories"] = tuple((text, count) for text, (count, _) in ranked)
    return ColumnQuality(**values)


def production_kind(state: ColumnState, name: str, dtype_kind: Any) -> ColumnKind:
    """The kind infer_kind gives a column of numbers, from its merged state."""
    distinct = distinct_values(state, at_most=3)
    present = state.rows - state.missing
    return numbers_kind(name, integer=pd.api.types.is_integer_dtype(dtype_kind), present=present,
                        distinct=distinct, all_distinct=lambda: distinct_count(state) == present, whole=state.whole,
                        low=state.present_low, high=state.present_high)


def kinds_of_production(schema: Schema, production: TableState, dtypes: dict[str, Any],
                        texts: pd.DataFrame | None) -> dict[str, ColumnKind]:
    """Each production column's kind: columns of numbers from the merged state (exact), others from their dtype
    or, for text, by infer_kind over `texts` (the whole production table in memory, a seeded sample streamed)."""
    found = {}
    for info in schema.columns:
        if info.name not in production.columns or info.name not in dtypes:
            continue
        dtype = dtypes[info.name]
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        if numeric:
            found[info.name] = production_kind(production.columns[info.name], info.name, dtype)
        elif texts is not None and info.name in texts.columns:
            found[info.name] = infer_kind(texts[info.name])[0]
    return found


def quality_result(schema: Schema, reference: TableState, production: TableState,
                   reference_columns: list[str], production_columns: list[str], kinds: dict[str, ColumnKind],
                   duplicates_reference: int, duplicates_production: int) -> QualityResult:
    columns = tuple(column_quality(info, reference.columns.get(info.name), production.columns.get(info.name),
                                   kinds.get(info.name)) for info in schema.columns)
    return QualityResult(
        rows_reference=reference.rows, rows_production=production.rows, columns=columns,
        missing_in_production=tuple(c for c in reference_columns if c not in production_columns),
        extra_in_production=tuple(c for c in production_columns if c not in reference_columns),
        duplicates_reference=duplicates_reference, duplicates_production=duplicates_production)


# -- streamed --------------------------------------------------------------------------------------------------


def stream(run: StreamRun) -> Generator[Pass | ProgressEvent, Any, QualityResult]:
    """Quality over the run's Sources: one pass over each, and a pass over the candidate duplicate rows of a
    dataset that has any. Between the passes the distinct values are counted with a ProgressEvent every
    COUNTING_EVENT_S (`_iter_counting`), so that closing the audit stops the counting within a chunk."""
    schema = run.schema
    with spill.scratch_folder() as folder:
        plan = spill_plan(run, folder)
        reference = yield Pass(name="quality", role="reference", columns=None, map=map_batch, merge=merge,
                               context=QualityContext(plans=plans_for(schema), spill=plan))
        duplicates_reference = yield from _stream_duplicates(reference, "reference")
        context = production_context(schema, reference, plan)
        yield from _iter_counting(reference, "reference")
        _release(reference)
        production = yield Pass(name="quality", role="production", columns=None, map=map_batch, merge=merge,
                                context=context)
        duplicates_production = yield from _stream_duplicates(production, "production")
        yield from _iter_counting(production, "production")
        dtypes = _dtypes(run.production)
        sample = (run.sample or {}).get("production")
        kinds = kinds_of_production(schema, production, dtypes, sample)
        return quality_result(schema, reference, production, list(run.reference.columns),
                              list(run.production.columns), kinds, duplicates_reference, duplicates_production)


def spill_plan(run: StreamRun, folder: str) -> SpillPlan | None:
    """Spill to `folder` when the merges run on this machine (in this process or on a local cluster, whose workers
    share its disk); on a remote cluster the states stay in memory (a worker's files are not the driver's)."""
    if run.config.compute.scheduler not in ("", "local"):
        return None
    return SpillPlan(folder=folder, partitions=spill.partitions_for(max(run.reference.rows, run.production.rows)))


def _iter_counting(state: TableState, role: str) -> Generator[ProgressEvent, Any, None]:
    """Count every column's distinct values (at 100,000,000 rows, tens of seconds of reading the spill back),
    saying which column, between two chunks (`_paced`: one clock for all the columns, so that many small columns
    counted in one step each still give a chance to stop every COUNTING_EVENT_S)."""
    def steps() -> Iterator[str]:
        for number, (name, column) in enumerate(state.columns.items(), start=1):
            said = f"Quality: counting the distinct values of {role} column {number} of {len(state.columns)} ({name})"
            for _ in iter_distinct_count(column):
                yield said
            yield said

    yield from _paced(steps())


def _paced(steps: Generator[Any, None, Any], message: str = "") -> Generator[ProgressEvent, Any, Any]:
    """Run `steps` (a chunk of work a step) with a ProgressEvent at most every COUNTING_EVENT_S, saying `message`
    (or what the step yielded): each event is where closing the audit stops it. Returns what `steps` returns."""
    last = time.perf_counter()
    try:
        while True:
            said = next(steps)
            if time.perf_counter() - last >= COUNTING_EVENT_S:
                last = time.perf_counter()
                yield ProgressEvent("quality", 0.0, message or said)
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()


def _release(state: TableState) -> None:
    """Delete the columns' files once counted (the disk they took, and the memory the system caches them in,
    serve the next pass)."""
    for column in state.columns.values():
        spill.remove(column.spilled)
        column.uniques, column.spilled = [], []


def _stream_duplicates(state: TableState, role: str) -> Generator[Pass | ProgressEvent, Any, int]:
    rows = yield from _paced(iter_candidate_rows(state), f"Quality: looking for duplicate {role} rows")
    spill.remove(state.spilled)
    state.hashes, state.spilled = [], []
    if not len(rows):
        return 0
    found = yield Pass(name="quality: duplicate rows", role=role, columns=None, map=take_rows, merge=concat_rows,
                       context=rows)
    return count_duplicates(found)


def _dtypes(source: Any) -> dict[str, Any]:
    from assay.engine.streaming.sources import empty_frame

    return dict(empty_frame(source).dtypes)


# -- in memory -------------------------------------------------------------------------------------------------


def table_state(frame: pd.DataFrame, context: QualityContext) -> TableState:
    """The whole table's state in one batch (its rows numbered from 0)."""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        frame = frame.reset_index(drop=True)
    return map_batch(frame, context)


def frame_duplicates(frame: pd.DataFrame, state: TableState) -> int:
    rows = candidate_rows(state)
    state.hashes = []
    return count_duplicates(frame.iloc[rows]) if len(rows) else 0
