"""The streamed drift's compiled per-batch loops (engine/drift/kernels.py) against the numpy formulas they replace,
written out here as the independent implementation: buckets, counts per part, offsets' sums, each bucket's value
and mixed flag, squared deviations and the gathered values, equal to the bit on awkward columns."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.engine.drift.bucketed import Buckets, float_keys
from assay.engine.drift.partials import RUNS, BucketCounts, BucketPlan, _bucket_counts, _by_part, _runs_of, known_mixed
from assay.engine.drift.kernels import column_bits, gather_buckets

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # (huge values squared)

# -- the numpy formulas the kernels replace -----------------------------------------------------------------------


def numpy_cells(buckets: Buckets, values: np.ndarray) -> np.ndarray:
    if buckets.tiny_keys is None and buckets.low > 0:
        keys = values.view(np.uint64) - np.uint64(buckets.low_key ^ (1 << 63))
    elif buckets.tiny_keys is None and buckets.high < 0:
        keys = np.uint64(~buckets.low_key & ((1 << 64) - 1)) - values.view(np.uint64)
    elif buckets.tiny_keys is not None:
        bits = values.view(np.int64)
        signed = ((bits >> 63) & np.int64((1 << 63) - 1)) ^ bits
        below, above, offset = buckets._signed
        keys = (np.minimum(signed, below) + np.maximum(signed, above) - offset).view(np.uint64)
    else:
        keys = float_keys(values) - np.uint64(buckets.low_key)
    return (keys >> np.uint64(buckets.shift)).view(np.int64)


def numpy_assign(buckets: Buckets, values: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    cells = numpy_cells(buckets, values)
    cells[missing] = 0
    bucket = np.take(buckets.table, cells)
    bucket[missing] = buckets.count
    return bucket


def numpy_bucket_counts(values, part, parts, plan) -> BucketCounts:
    buckets, width, runs = plan.buckets, plan.buckets.count + 1, _runs_of(part)
    bucket = numpy_assign(buckets, values)
    counts = _by_part(bucket, part, parts, width, runs)
    sums = None
    if plan.sums:
        offsets = values - np.take(np.append(buckets.lower, 0.0), bucket)
        sums = {row: found[:-1] for row, found in _by_part(bucket, part, parts, width, runs, offsets).items()}
    mixed = np.zeros(width, dtype=bool) if plan.mixed is None else plan.mixed.copy()
    looked = np.flatnonzero(~mixed[bucket]) if plan.mixed is not None else None
    some, where = (values, bucket) if looked is None else (values[looked], bucket[looked])
    value = np.full(width, np.nan)
    value[where] = some
    mixed[where[some != value[where]]] = True
    squares = float(np.sum((values[~np.isnan(values)] - plan.mean) ** 2)) if plan.mean is not None else 0.0
    return BucketCounts({row: found[:-1] for row, found in counts.items()}, sums, value[:-1], mixed[:-1], squares)


def bits(values) -> np.ndarray:
    """Floats as their bit patterns: equal only when the same float (-0.0 is not 0.0; NaN equals NaN, whichever
    its sign and payload: an all-missing column's smallest value is one of its NaNs to numpy)."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(values), np.nan, values).view(np.int64)


# -- columns ------------------------------------------------------------------------------------------------------

SPECIAL = [np.nan, 0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 1e-300, 1e300, -1e300, 2.5, 2.5000000000000004]


@st.composite
def columns(draw):
    """(reference, production): NaN, both zeros, subnormals, ties, one value, far outliers; all positive, all
    negative or both."""
    sign = draw(st.sampled_from(["both", "positive", "negative", "zeros"]))
    finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
    heavy = draw(finite)
    element = st.one_of(finite, st.sampled_from(SPECIAL), st.just(heavy))

    def column():
        values = np.array(draw(st.lists(element, min_size=0, max_size=300)), dtype=np.float64)
        if sign == "positive":
            values = np.abs(values) + 1.0
        elif sign == "negative":
            values = -np.abs(values) - 1.0
        elif sign == "zeros":
            values = np.where(np.isnan(values), np.nan, np.where(np.signbit(values), -0.0, 0.0))
        return values

    return column(), column()


@st.composite
def parts_of(draw, size):
    """(each row's part (-1: none), parts): in runs (sorted chunks) or interleaved."""
    parts = draw(st.integers(1, 12))
    if draw(st.booleans()):
        lengths = draw(st.lists(st.integers(0, size), min_size=1, max_size=RUNS + 2))
        labels = draw(st.lists(st.integers(-1, parts - 1), min_size=len(lengths), max_size=len(lengths)))
        part = np.repeat(labels, lengths)[:size]
        part = np.concatenate([part, np.full(size - part.size, labels[-1])])
    else:
        part = np.array(draw(st.lists(st.integers(-1, parts - 1), min_size=size, max_size=size)), dtype=np.int64)
    return part.astype(np.int64), parts


@settings(max_examples=300, deadline=None)
@given(columns(), st.data())
def test_the_kernels_give_the_numpy_formulas_to_the_bit(pair, data):
    reference, production = pair
    buckets = Buckets([reference, production])
    for values in (reference, production):
        assert np.array_equal(buckets.assign(values), numpy_assign(buckets, values))
        present = values[~np.isnan(values)]
        assert np.array_equal(buckets._cells(present), numpy_cells(buckets, present))
        part, parts = data.draw(parts_of(values.size))
        mean = float(np.mean(reference[~np.isnan(reference)])) if (~np.isnan(reference)).any() else 0.0
        for plan in (BucketPlan(buckets, sums=True, mean=mean),
                     BucketPlan(buckets, sums=False, mean=None, mixed=known_mixed(buckets, present[::3]))):
            expected = numpy_bucket_counts(values, part, parts, plan).dense(parts)
            found = _bucket_counts(values, part, parts, plan).dense(parts)
            assert np.array_equal(found.counts, expected.counts)
            assert (found.sums is None) == (expected.sums is None)
            if found.sums is not None:
                assert np.array_equal(bits(found.sums), bits(expected.sums))
            assert np.array_equal(bits(found.value), bits(expected.value))
            assert np.array_equal(found.mixed, expected.mixed)
            assert bits(found.squares) == bits(expected.squares)

        flags = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
        wanted = flags.random((1 + parts, buckets.count + 1)) < data.draw(st.sampled_from([0.0, 0.05, 0.5, 1.0]))
        wanted[:, -1] = False  # (the missing values' bucket: never)
        union = wanted.any(axis=0)
        bucket = numpy_assign(buckets, values)
        hit = np.flatnonzero(union[bucket])
        hit = hit[wanted[0, bucket[hit]] | wanted[part[hit] + 1, bucket[hit]]]
        gathered, gathered_bucket, gathered_part = gather_buckets(*column_bits(values), *buckets.formula, buckets.count,
                                                                  part, union, wanted)
        assert np.array_equal(bits(gathered), bits(values[hit]))
        assert np.array_equal(gathered_bucket, bucket[hit]) and np.array_equal(gathered_part, part[hit])
