"""The quality's compiled kernels (engine/quality/kernels.py) against independent numpy and pandas formulas, on
generated columns (hypothesis): NaN of any payload, -0.0 beside 0.0, infinities, ties, all distinct, one value,
floats of every width (half floats, which numba cannot hold, included), integers of every width (unsigned 64-bit
ones beyond int64's range included)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from assay.engine.quality import kernels, partials, spill
from assay.engine.quality.partials import NAN_KEY, ColumnPlan, QualityContext

OTHER_NAN = float(np.array([0x7FF8000000000123], dtype=np.uint64).view(np.float64)[0])
SPECIAL = st.sampled_from([0.0, -0.0, np.nan, OTHER_NAN, -np.nan, np.inf, -np.inf, 1.0, -1.0, 2.5, 1e300])
FLOATS = st.one_of(SPECIAL, st.floats(allow_nan=True, allow_infinity=True, width=64))
INT_TYPES = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64)


@st.composite
def float_columns(draw: st.DrawFn) -> np.ndarray:
    """Floats of either width: as drawn, repeated (ties), or one value many times."""
    values = draw(st.lists(FLOATS, min_size=0, max_size=200))
    shape = draw(st.sampled_from(["as drawn", "repeated", "one value"]))
    if shape == "repeated":
        values = values * draw(st.integers(2, 4))
    elif shape == "one value" and values:
        values = [values[0]] * draw(st.integers(1, 300))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.float16]))
    with np.errstate(over="ignore"):
        return np.array(values, dtype=dtype)


@st.composite
def int_columns(draw: st.DrawFn) -> np.ndarray:
    dtype = np.dtype(draw(st.sampled_from(INT_TYPES)))
    info = np.iinfo(dtype)
    values = draw(st.lists(st.integers(int(info.min), int(info.max)), min_size=0, max_size=200))
    return np.array(values * draw(st.integers(1, 3)), dtype=dtype)


NUMBERS = st.one_of(float_columns(), int_columns())


def _expected_stats(values: np.ndarray, low: float, high: float, year: bool) -> dict:
    as_float = values.astype(np.float64)
    nan = np.isnan(as_float)
    present = as_float[~nan]
    finite = present[np.isfinite(present)]
    with np.errstate(invalid="ignore"):
        whole = bool(np.all(np.mod(present, 1) == 0)) if year else True
    return {"missing": int(nan.sum()), "infinite": int(np.isinf(present).sum()), "finite": len(finite),
            "finite_low": finite.min() if len(finite) else None, "finite_high": finite.max() if len(finite) else None,
            "present_low": present.min() if len(present) else None,
            "present_high": present.max() if len(present) else None,
            "whole": whole, "below": int((finite < low).sum()), "above": int((finite > high).sum())}


@settings(max_examples=150, deadline=None)
@given(values=NUMBERS, bounds=st.tuples(st.floats(-10, 10), st.floats(0, 10)), year=st.booleans())
def test_number_stats_equal_numpy(values, bounds, year):
    low, high = bounds[0], bounds[0] + bounds[1]
    (missing, infinite, finite, finite_low, finite_high, present_low, present_high, whole, below,
     above) = kernels.number_stats(kernels.widened(values), low, high, year)
    expected = _expected_stats(values, low, high, year)
    got = {"missing": missing, "infinite": infinite, "finite": finite,
           "finite_low": finite_low if finite else None, "finite_high": finite_high if finite else None,
           "present_low": present_low if missing < len(values) else None,
           "present_high": present_high if missing < len(values) else None,
           "whole": whole, "below": below, "above": above}
    assert got == expected


@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, np.nan]), min_size=1, max_size=20))
def test_number_stats_keep_the_first_of_equal_zeros(values):
    """Of -0.0 and 0.0 the least and greatest are the first met (as merging batches in row order keeps them)."""
    column = np.array(values)
    _, _, finite, low, high, *_ = kernels.number_stats(column, -np.inf, np.inf, False)
    finite_values = column[np.isfinite(column)]
    for got, best in ((low, finite_values.min() if finite else None), (high, finite_values.max() if finite else None)):
        if best is not None:
            first = finite_values[finite_values == best][0]
            assert got == best and np.signbit(got) == np.signbit(first)


@settings(max_examples=150, deadline=None)
@given(values=NUMBERS)
def test_distinct_numbers_equal_pandas_unique(values):
    """Without NaN (missing values are never distinct values), -0.0 as 0.0: pd.unique's values in its order, and
    its count (with one table reused across arrays of different sizes)."""
    present = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    if present.dtype.kind == "f":
        present = np.add(present, 0.0)
    expected = pd.unique(present)
    got = kernels.unique_numbers(present)
    assert got.dtype == present.dtype
    assert np.array_equal(got, expected)
    counter = kernels.DistinctCounter()
    assert counter.count(present[:len(present) // 2]) == len(pd.unique(present[:len(present) // 2]))
    assert counter.count(present) == len(expected) == kernels.count_distinct(present)


def test_distinct_numbers_all_distinct_many_and_one_value():
    rng = np.random.default_rng(3)
    distinct = rng.normal(size=100_000)
    for values in (distinct, np.full(50_000, 7.0), np.concatenate([distinct, distinct[::-1]]),
                   np.arange(2**63 - 70_000, 2**63 - 1, dtype=np.int64), np.zeros(5, dtype=np.uint64)):
        assert kernels.count_distinct(values) == pd.Series(values).nunique()
        assert np.array_equal(kernels.unique_numbers(values), pd.unique(values))


def _fold_with_numpy(hashes: np.ndarray, keys: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        hashes = (hashes ^ keys) * spill.MIX
        return hashes ^ (hashes >> np.uint64(29))


@settings(max_examples=100, deadline=None)
@given(values=NUMBERS, seed=st.integers(0, 2**32 - 1))
def test_row_hash_folds_equal_numpy(values, seed):
    """Floats by their float64 bits after adding 0.0 and every NaN alike; integers as numpy's astype(uint64)."""
    start = np.random.default_rng(seed).integers(0, 2**63, size=len(values)).astype(np.uint64)
    if values.dtype.kind == "f":
        keys = np.add(values, 0.0, dtype=np.float64).view(np.uint64).copy()
        keys[np.isnan(values)] = NAN_KEY
        got = start.copy()
        kernels.fold_floats(got, kernels.widened(values), NAN_KEY)
    else:
        keys = values.astype(np.uint64)
        got = start.copy()
        kernels.fold_ints(got, values)
    assert np.array_equal(got, _fold_with_numpy(start, keys))
    folded = start.copy()
    kernels.fold_keys(folded, keys)
    assert np.array_equal(folded, got)


@settings(max_examples=100, deadline=None)
@given(values=NUMBERS, partitions=st.sampled_from([1, 2, 4, 256, 4096]), with_rows=st.booleans())
def test_partitions_equal_numpy_and_a_stable_argsort(values, partitions, with_rows):
    """A key's partition is the top bits of key * MIX; grouping by it is numpy's stable argsort of the partition
    numbers, for the values and their row numbers alike."""
    present = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    keys = np.add(present, 0.0, dtype=np.float64).view(np.uint64)
    with np.errstate(over="ignore"):
        expected = (keys * spill.MIX) >> np.uint64(64 - int(partitions).bit_length() + 1) if partitions > 1 \
            else np.zeros(len(keys), dtype=np.uint64)
    part = spill.partition_of(present, partitions)
    assert np.array_equal(part.astype(np.uint64), expected)
    rows = np.arange(len(present), dtype=np.int64) + 10 if with_rows else None
    held = spill.group(present, part, partitions, rows)
    order = np.argsort(part, kind="stable")
    assert np.array_equal(held.values, present[order])
    assert np.array_equal(held.offsets[0], np.concatenate([[0], np.cumsum(np.bincount(part, minlength=partitions))]))
    assert (held.rows is None) if rows is None else np.array_equal(held.rows, rows[order])
    text = present.astype(str).astype(object)
    by_text = spill.group(text, part, partitions)
    assert np.array_equal(by_text.values, text[order]) and np.array_equal(by_text.offsets, held.offsets)


@settings(max_examples=60, deadline=None)
@given(values=float_columns())
def test_a_column_of_any_float_width_equals_pandas(values):
    """Through the quality's map (half floats are widened for the kernels, their distinct values kept as they are)."""
    frame = pd.DataFrame({"x": values})
    state = partials.table_state(frame, QualityContext(plans=(ColumnPlan(name="x", categories=False,
                                                                          labels=False),)))
    column = state.columns["x"]
    finite = values[np.isfinite(values)]
    assert partials.distinct_count(column) == frame["x"].nunique()
    assert partials.distinct_values(column).dtype == values.dtype
    assert (column.missing, column.infinite) == (int(np.isnan(values).sum()), int(np.isinf(values).sum()))
    assert (column.finite_low, column.finite_high) == ((float(finite.min()), float(finite.max())) if len(finite)
                                                       else (None, None))
    assert partials.frame_duplicates(frame, state) == int(frame.duplicated().sum())


def test_values_repeating_across_batches_are_held_distinct_and_nearly_distinct_ones_apart(tmp_path):
    """With a spill plan, a column whose batches look nearly distinct but repeat each other's values is made
    distinct as batches merge (nothing spills, only its distinct values are held); a column nearly all distinct
    stops being unioned (its pieces kept apart, to be counted when spilled). Counts are exact either way."""
    rng = np.random.default_rng(5)
    rows = 40 * 4096
    frame = pd.DataFrame({"repeats": rng.integers(0, 8000, size=rows).astype(float),
                          "distinct": rng.normal(size=rows)})
    plan = spill.SpillPlan(folder=str(tmp_path), budget=400_000, least=1000)
    context = QualityContext(plans=tuple(ColumnPlan(name=name, categories=False, labels=False)
                                         for name in frame.columns), spill=plan)
    state = None
    for start in range(0, rows, 4096):
        partial = partials.map_batch(frame.iloc[start:start + 4096], context)
        state = partial if state is None else partials.merge(state, partial)
    repeats, distinct = state.columns["repeats"], state.columns["distinct"]
    assert not repeats.spilled and not repeats.apart
    assert sum(len(p) for p in repeats.uniques) == frame["repeats"].nunique() == partials.distinct_count(repeats)
    assert distinct.apart and len(distinct.uniques) > 1
    assert partials.distinct_count(distinct) == frame["distinct"].nunique()
