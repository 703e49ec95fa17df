"""The streamed drift's per-batch work on a numerical column as compiled loops (numba): what took many numpy passes
over the column (cells, table look-up, NaN masks, bincounts, fancy indexing and their temporary arrays) is done in
one loop over its values, with the same results to the bit.

- `assign_buckets`: `Buckets.assign` (engine/drift/bucketed.py): the bucket of each value, `missing` for NaN.
- `count_buckets`: engine/drift/partials.py's `_bucket_counts`: counts per bucket of each group of rows (a run of
  one part's rows, or all of one part's rows), the values' offsets above their bucket's lower edge summed per group
  in row order (as np.bincount adds its weights), each bucket's last value and whether another value differs, and
  the squared deviations from a mean (summed by the caller with np.sum).
- `gather_buckets`: `map_gather`'s values of the wanted buckets.

A value's cell is one of four formulas (`Buckets._cells`, by the buckets' range): `POSITIVE` (every value above 0:
the bit pattern minus a base), `NEGATIVE` (every value below 0: a base minus the bit pattern), `SQUEEZED` (the keys
between those of -tiny and tiny share one, computed on signed keys) and `PLAIN` (the float key minus the lowest).
The kernels are module-level functions so that Dask workers import them; engine/compiled.py compiles and caches
them.
"""
from __future__ import annotations

import numpy as np

from assay.engine.compiled import kernel

POSITIVE, NEGATIVE, SQUEEZED, PLAIN = 0, 1, 2, 3
_SIGN = np.int64(-(1 << 63))
_LOW = np.int64((1 << 63) - 1)
_ZERO_BITS = np.int64(-(1 << 63))  # the bit pattern of -0.0, as a signed integer


def column_bits(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the values as contiguous float64, their bit patterns), both read-only: the kernels are then compiled once for
    the columns of Arrow batches (read-only) and for the others, not once for each."""
    values = np.ascontiguousarray(values, dtype=np.float64).view()
    values.flags.writeable = False
    return values, values.view(np.int64)


@kernel(inline="always")
def _key(bits, mode, base, below, above, offset):
    """The value's float key minus the buckets' lowest key (`Buckets._cells` before its shift), as uint64."""
    if mode == POSITIVE:
        return np.uint64(bits) - base
    if mode == NEGATIVE:
        return base - np.uint64(bits)
    if mode == SQUEEZED:
        signed = ((bits >> 63) & _LOW) ^ bits
        return np.uint64(min(signed, below)) + np.uint64(max(signed, above)) - np.uint64(offset)
    if bits == _ZERO_BITS:  # PLAIN: -0.0 is 0.0
        bits = np.int64(0)
    return np.uint64(bits ^ ((bits >> 63) | _SIGN)) - base


@kernel
def fill_cells(bits, mode, base, below, above, offset, shift, out):
    """`Buckets._cells` of each value (given as its bit pattern), written to `out` (int64)."""
    for i in range(bits.size):
        out[i] = np.int64(_key(bits[i], mode, base, below, above, offset) >> shift)


@kernel(inline="always")
def _bucket(bits, table, mode, base, below, above, offset, shift):
    cell = np.int64(_key(bits, mode, base, below, above, offset) >> shift)
    if cell < 0 or cell >= table.size:
        raise IndexError("a value lies outside the range its buckets were made for")
    return table[cell]


@kernel
def assign_buckets(values, bits, table, mode, base, below, above, offset, shift, missing, out):
    """The bucket of each value written to `out`: `missing` for NaN."""
    for i in range(values.size):
        if values[i] != values[i]:
            out[i] = missing
        else:
            out[i] = _bucket(bits[i], table, mode, base, below, above, offset, shift)


@kernel
def count_buckets(values, bits, table, mode, base, below, above, offset, shift, count, part, runs, group_of,
                  groups, lower, with_sums, known, mean, squares):
    """Per group of rows, counts per bucket (groups x count, int64) and, `with_sums`, the sums of the values'
    offsets above their bucket's `lower` edge added in row order (else 0 rows); per bucket its last value (NaN:
    none, or `known` mixed) and whether it is mixed (`known`, or a value differs from the last); with a `mean`
    (not NaN), the squared deviations of the values present written to `squares`, whose length is returned.

    Row i belongs to group r when runs[r] <= i < runs[r + 1]; with no runs (size 0), to group_of[part[i] + 1]."""
    counts = np.zeros((groups, count), dtype=np.int64)
    sums = np.zeros((groups if with_sums else 0, count), dtype=np.float64)
    value = np.full(count, np.nan)
    mixed = known[:count].copy()
    deviations = mean == mean
    written = 0
    by_row = runs.size == 0
    group, end = -1, 0
    for i in range(values.size):
        if by_row:
            group = group_of[part[i] + 1]
        else:
            while i >= end:  # (the next run)
                group += 1
                end = runs[group + 1]
        v = values[i]
        if v != v:
            continue
        b = _bucket(bits[i], table, mode, base, below, above, offset, shift)
        counts[group, b] += 1
        if with_sums:
            sums[group, b] += v - lower[b]
        if not known[b]:
            last = value[b]
            if last == last and v != last:
                mixed[b] = True
            value[b] = v
    if deviations:
        for i in range(values.size):
            if values[i] == values[i]:
                d = values[i] - mean
                squares[written] = d * d
                written += 1
    return counts, sums, value, mixed, written


@kernel
def gather_buckets(values, bits, table, mode, base, below, above, offset, shift, missing, part, any_wanted,
                   wanted):
    """(values, buckets (int32), parts (int32)) of the rows whose bucket is wanted for the whole column
    (wanted[0]) or for the row's part (wanted[part + 1]), in row order; `any_wanted`: the union of those rows.
    Written in one pass to arrays as long as the column, of which only the pages written (a few percent) are ever
    touched; the caller copies the values found out of them."""
    out = np.empty(values.size, dtype=np.float64)
    out_bucket = np.empty(values.size, dtype=np.int32)
    out_part = np.empty(values.size, dtype=np.int32)
    found = 0
    for i in range(values.size):
        v = values[i]
        b = missing if v != v else _bucket(bits[i], table, mode, base, below, above, offset, shift)
        if any_wanted[b] and (wanted[0, b] or wanted[part[i] + 1, b]):
            out[found] = v
            out_bucket[found] = b
            out_part[found] = part[i]
            found += 1
    return out[:found], out_bucket[:found], out_part[:found]
