"""The streamed drift's pieces that must be exact (engine/drift/partials.py, engine/drift/gathered.py): counts and
sums per bucket and part by runs of rows or by cells, equal to a direct count of each part; whether a bucket holds
two values, whatever the sample says; gathered values written to disk and read back in row order."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assay.engine.drift.bucketed import Buckets
from assay.engine.drift.gathered import Gathered, GatherSpill, spill_all
from assay.engine.drift.partials import BucketPlan, _bucket_counts, _by_part, _category_counts, _runs_of, known_mixed


def direct(bucket: np.ndarray, part: np.ndarray, parts: int, width: int, weights=None) -> np.ndarray:
    """Each part's counts (or sums) by a bincount of its own rows, after the whole's."""
    rows = [np.ones(bucket.size, dtype=bool)] + [part == j for j in range(parts)]
    return np.array([np.bincount(bucket[r], None if weights is None else weights[r], minlength=width)
                     for r in rows])


def dense(rows: dict[int, np.ndarray], parts: int, width: int) -> np.ndarray:
    """The rows met, and zeros for the parts not met."""
    return np.array([rows.get(r, np.zeros(width)) for r in range(1 + parts)])


@pytest.mark.parametrize("layout", ["runs", "scattered", "outside"])
def test_counts_per_part_equal_a_count_of_each_part(layout):
    rng = np.random.default_rng(1)
    n, parts, width = 50_000, 7, 300
    bucket = rng.integers(0, width, n)
    part = {"runs": np.repeat(np.arange(3), [20_000, 20_000, 10_000]) + 2,
            "scattered": rng.integers(0, parts, n),
            "outside": np.where(rng.random(n) < 0.3, -1, rng.integers(0, parts, n))}[layout]
    weights = rng.normal(size=n)
    runs = _runs_of(part)
    assert (runs is not None) == (layout == "runs")
    assert (dense(_by_part(bucket, part, parts, width, runs), parts, width) == direct(bucket, part, parts, width)).all()
    np.testing.assert_allclose(dense(_by_part(bucket, part, parts, width, runs, weights), parts, width),
                               direct(bucket, part, parts, width, weights), rtol=1e-12, atol=1e-12)
    labels = pd.Series(np.array([f"c{b % 40}" for b in bucket], dtype=object))
    labels[rng.random(n) < 0.1] = None
    found = _category_counts(labels, part, parts, runs)
    codes = pd.Index(found.labels).get_indexer(labels.to_numpy())  # (-1: missing)
    present = codes >= 0
    assert found.missing == int((~present).sum())
    assert (found.counts == direct(codes[present], part[present], parts, len(found.labels))).all()


def test_the_buckets_known_mixed_from_a_sample_change_nothing():
    """A bucket the sample shows two values in holds two values; the counts' `mixed` and each bucket's single value
    are the same whether the pass looks at every value or skips those buckets."""
    rng = np.random.default_rng(2)
    values = np.concatenate([rng.normal(size=40_000), rng.integers(0, 5, 40_000).astype(float), [np.nan] * 50])
    rng.shuffle(values)
    buckets = Buckets([values])
    sample = values[::7]
    sample = sample[~np.isnan(sample)]
    known = known_mixed(buckets, sample)
    part = np.zeros(values.size, dtype=np.int64)
    looked = _bucket_counts(values, part, 1, BucketPlan(buckets, True, None))
    skipped = _bucket_counts(values, part, 1, BucketPlan(buckets, True, None, known))
    assert known.any() and not known[-1]
    assert (looked.mixed == skipped.mixed).all() and (looked.counts[0] == skipped.counts[0]).all()
    single = ~looked.mixed & (looked.counts[0] > 0)
    assert (looked.value[single] == skipped.value[single]).all()
    at = buckets.assign(values)
    for b in np.flatnonzero(looked.counts[0] > 0)[::50]:  # against the bucket's own values
        assert looked.mixed[b] == (np.unique(values[at == b]).size > 1)


def test_gathered_values_come_back_from_disk_in_row_order(tmp_path):
    rng = np.random.default_rng(3)
    pieces = [Gathered.of(rng.normal(size=k), rng.integers(0, 99, k), rng.integers(-1, 4, k)) for k in (5, 0, 300, 17)]
    found = {"x": pieces[0]}
    for piece in pieces[1:]:
        found = spill_all({"x": found["x"].joined(piece)}, GatherSpill(str(tmp_path / "spill"), budget=10))
    assert any(isinstance(p, str) for p in found["x"].pieces) and found["x"].held <= 17
    loaded = found["x"].loaded()
    assert (loaded.values == np.concatenate([p.values for p in pieces])).all()
    assert (loaded.bucket == np.concatenate([p.bucket for p in pieces])).all()
    assert (loaded.part == np.concatenate([p.part for p in pieces])).all()
    assert spill_all(found, None) is found
