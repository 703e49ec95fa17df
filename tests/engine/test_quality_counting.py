"""The quality's exact counting pieces against pandas: distinct values counted by their 64-bit patterns in chunks
of adjacent partitions (in memory and spilled, with repeats across batches and across spills), row hashes equal
for rows pandas' `duplicated` holds equal, on generated data (hypothesis) and the census data."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from assay.engine.quality import partials, spill
from assay.engine.quality.partials import ColumnPlan, QualityContext

from tests.conftest import EMPLOYMENT

OTHER_NAN = float(np.array([0x7FF8000000000123, 0xFFF8000000000000], dtype=np.uint64).view(np.float64)[0])
FLOATS = st.one_of(st.sampled_from([0.0, -0.0, np.nan, OTHER_NAN, -np.nan, np.inf, -np.inf, 1.0, -1.0]),
                   st.floats(allow_nan=True, allow_infinity=True, width=64))


def _streamed_state(frame: pd.DataFrame, batch_rows: int, plan: spill.SpillPlan | None) -> partials.TableState:
    """The merged state of `frame` read in batches of `batch_rows`, spilling as `plan` says."""
    context = QualityContext(plans=tuple(ColumnPlan(name=name, categories=False, labels=False)
                                         for name in frame.columns), spill=plan)
    state = None
    for start in range(0, len(frame), batch_rows):
        partial = partials.map_batch(frame.iloc[start:start + batch_rows], context)
        state = partial if state is None else partials.merge(state, partial)
    return state


@settings(max_examples=40, deadline=None)
@given(values=st.lists(FLOATS, min_size=1, max_size=300), batch_rows=st.integers(1, 120),
       repeat=st.integers(0, 3))
def test_distinct_floats_across_batches_and_spills_equal_pandas_nunique(tmp_path_factory, values, batch_rows,
                                                                       repeat):
    """-0.0 and 0.0 are one value, NaN is missing, repeats across batches and spills count once."""
    column = np.array(values * (repeat + 1), dtype=np.float64)
    frame = pd.DataFrame({"x": column, "n": np.trunc(column[::-1])})
    folder = tmp_path_factory.mktemp("spill")
    plan = spill.SpillPlan(folder=str(folder), budget=40, partitions=4, least=1)
    for state in (_streamed_state(frame, batch_rows, plan), _streamed_state(frame, batch_rows, None)):
        for name in frame.columns:
            assert partials.distinct_count(state.columns[name]) == frame[name].nunique()
            assert set(partials.distinct_values(state.columns[name]).tolist()) == set(frame[name].dropna().tolist())
        assert partials.frame_duplicates(frame, state) == int(frame.duplicated().sum())


def test_many_values_in_memory_are_counted_by_partition():
    """A column larger than a few chunks is grouped by partition in memory and counted chunk by chunk."""
    rng = np.random.default_rng(11)
    values = rng.normal(size=5 * spill.CHUNK)
    values[::7] = values[1::7][:len(values[::7])]  # repeats far apart
    values[:100] = 0.0
    values[100:200] = -0.0
    ints = rng.integers(-2**62, 2**62, size=len(values))
    ints[::5] = 2**53 + 1  # ints that floats cannot tell from 2**53 are still distinct
    ints[1::5] = 2**53
    frame = pd.DataFrame({"x": values, "i": ints})
    state = partials.table_state(frame, QualityContext(plans=(ColumnPlan(name="x", categories=False, labels=False),
                                                              ColumnPlan(name="i", categories=False, labels=False))))
    assert len(state.columns["x"].uniques[0]) > 4 * spill.CHUNK  # kept as it came: nearly all distinct
    assert partials.distinct_count(state.columns["x"]) == frame["x"].nunique()
    assert partials.distinct_count(state.columns["i"]) == frame["i"].nunique()
    assert partials.frame_duplicates(frame, state) == int(frame.duplicated().sum())


def test_distinct_counts_of_other_kinds_equal_pandas():
    stamps = pd.to_datetime(["2020-01-01", "2020-01-02", None, "2020-01-01"])
    frame = pd.DataFrame({"t": stamps, "f32": np.array([0.0, -0.0, 1.5, np.nan], dtype=np.float32),
                          "b": [True, False, True, True], "s": pd.Series(["a", None, "b", "a"], dtype="str"),
                          "o": pd.Series([1, 1.0, "1", None], dtype=object),
                          "c": pd.Categorical(["x", "y", "x", None])})
    context = QualityContext(plans=tuple(ColumnPlan(name=n, categories=False, labels=False) for n in frame.columns))
    state = partials.table_state(frame, context)
    for name in frame.columns:
        assert partials.distinct_count(state.columns[name]) == frame[name].nunique(), name


def _equal_rows_share_a_hash(frame: pd.DataFrame) -> None:
    hashes = partials.row_hashes(frame)
    groups = frame.groupby(list(frame.columns), dropna=False, sort=False, observed=True).ngroup().to_numpy()
    for group in np.unique(groups):
        assert len(set(hashes[groups == group].tolist())) == 1


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(FLOATS, st.integers(-3, 3), st.sampled_from(["a", "b", None]),
                               st.booleans()), min_size=1, max_size=60))
def test_rows_duplicated_holds_equal_share_a_hash(rows):
    frame = pd.DataFrame(rows, columns=["x", "i", "s", "b"]).astype({"s": "str"})
    frame["c"] = pd.Categorical(frame["s"])
    _equal_rows_share_a_hash(frame)
    state = partials.table_state(frame, QualityContext(plans=()))
    repeated = np.flatnonzero(frame.duplicated(keep=False).to_numpy())
    assert set(repeated) <= set(partials.candidate_rows(state).tolist())
    assert partials.frame_duplicates(frame, state) == int(frame.duplicated().sum())


def test_row_hashes_tell_rows_apart():
    """Rows differing in one column never share a hash (each column folds in one-to-one)."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=50_000), "k": rng.choice(["a", "b"], 50_000)})
    frame.loc[::2, "x"] = 1.0
    assert len(np.unique(partials.row_hashes(frame))) == len(frame.drop_duplicates())


def test_partitions_grow_with_the_rows():
    assert spill.partitions_for(0) == spill.PARTITIONS
    assert spill.partitions_for(100_000_000) == 1024 and spill.partitions_for(10**12) == 4096
    for rows in (10**6, 10**7, 10**8, 10**9):
        partitions = spill.partitions_for(rows)
        assert partitions & (partitions - 1) == 0 and rows / partitions <= 2 * spill.CHUNK or partitions == 4096


def test_census_counts_equal_pandas():
    """In memory (one batch) and in batches held in memory; without its id column the table has duplicates."""
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    frame = pd.read_parquet(EMPLOYMENT / "production.parquet")
    context = QualityContext(plans=tuple(ColumnPlan(name=n, categories=False, labels=False) for n in frame.columns))
    for state in (partials.table_state(frame, context), _streamed_state(frame, 50_000, None)):
        for name in frame.columns:
            assert partials.distinct_count(state.columns[name]) == frame[name].nunique(), name
    without_id = frame.drop(columns="id")
    state = partials.table_state(without_id, QualityContext(plans=()))
    assert partials.frame_duplicates(without_id, state) == int(without_id.duplicated().sum()) > 0
    _equal_rows_share_a_hash(without_id[without_id.duplicated(keep=False)])


def test_census_counts_spilled_equal_pandas(tmp_path):
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    frame = pd.read_parquet(EMPLOYMENT / "reference.parquet")
    plan = spill.SpillPlan(folder=str(tmp_path), budget=100_000, partitions=16, least=1000)
    state = _streamed_state(frame, 30_000, plan)
    assert any(c.spilled for c in state.columns.values()) and state.spilled
    for name in frame.columns:
        assert partials.distinct_count(state.columns[name]) == frame[name].nunique(), name
    assert len(partials.candidate_rows(state)) >= int(frame.duplicated(keep=False).sum())


@pytest.mark.parametrize("block", [1, 37, 1 << 22])
def test_chunks_read_back_by_blocks_hold_every_value_once_by_whole_partitions(tmp_path, monkeypatch, block):
    """Spilled and held numbers (with their row numbers) read back a block at a time and cut into chunks: every
    value once, beside its own row number; a chunk holds whole partitions, in order; about `target` values."""
    monkeypatch.setattr(spill, "BLOCK", block)
    rng = np.random.default_rng(5)
    partitions, target = 16, 40
    plan = spill.SpillPlan(folder=str(tmp_path), partitions=partitions)
    pieces = [rng.normal(size=n) for n in (120, 0, 75, 300)]
    rows = [np.arange(1000 * i, 1000 * i + len(p)) for i, p in enumerate(pieces)]
    groups = [spill.write(pieces[:2], plan, rows[:2], hashed=False), spill.write(pieces[2:3], plan, rows[2:3])]
    held = pieces[3]
    groups.append(spill.group(held, spill.partition_of(held, partitions), partitions, rows[3]))
    found = list(spill.chunks(groups, target, rows=True))
    values = np.concatenate([v for chunk, _ in found for v in chunk])
    numbers = np.concatenate([r for _, chunk in found for r in chunk])
    assert sorted(zip(values.tolist(), numbers.tolist())) == sorted(zip(np.concatenate(pieces).tolist(),
                                                                       np.concatenate(rows).tolist()))
    last = -1
    for chunk, _ in found:
        part = spill.partition_of(np.concatenate(chunk), partitions)
        assert part.min() > last  # whole partitions, in order
        last = part.max()
        assert len(part) <= target + np.bincount(part).max()  # (a partition is never split)


def test_chunks_of_numbers_of_several_dtypes_come_back_whole(tmp_path):
    """Groups of different dtypes (integers spilled, floats held) are read a chunk at a time, as before."""
    plan = spill.SpillPlan(folder=str(tmp_path), partitions=8)
    ints = np.arange(-50, 50, dtype=np.int64)
    floats = np.linspace(-3.0, 3.0, 41)
    groups = [spill.write([ints], plan), spill.group(floats, spill.partition_of(floats, 8), 8)]
    found = np.concatenate([np.concatenate(chunk) for chunk, _ in spill.chunks(groups, 10)])
    assert sorted(found.tolist()) == sorted(ints.tolist() + floats.tolist())


def test_a_scratch_folder_is_deleted_in_a_thread_the_process_waits_for(tmp_path, monkeypatch):
    """Deleting gigabytes of spill takes seconds that the audit's result and a cancel do not wait for; the thread
    is not a daemon, so the process waits for it at exit and leaves no file."""
    import tempfile
    import threading

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for stopped in (False, True):
        try:
            with spill.scratch_folder() as folder:
                (Path(folder) / "values.bin").write_bytes(b"0" * 1000)
                if stopped:
                    raise KeyboardInterrupt  # a cancel
        except KeyboardInterrupt:
            pass
        deleters = [t for t in threading.enumerate() if t.name == spill.DELETER]
        assert all(not t.daemon for t in deleters)
        spill.wait_deleted()
        assert not Path(folder).exists() and not list(tmp_path.iterdir())
