"""The streamed quality's per-batch and counting loops as compiled kernels (numba): each reads its arrays once and
releases the GIL (nogil), so that quality, in its own thread (engine/streaming/beside.py), computes beside drift.

- `number_stats`: one loop over a column of numbers for its missing, infinite and finite values, the least and
  greatest finite (and present) values, those below / above the reference's range, and whether all are whole.
- `fold_floats` / `fold_ints` / `fold_keys`: a column folded into the row hashes (partials.row_hashes).
- `unique_numbers` / `DistinctCounter`: the distinct values of numbers by their 64-bit keys, in open-addressing
  hash sets that store the keys themselves (exact, not hashes): a batch's in a table that starts at 1,024 slots
  and doubles when half full (8 bytes a slot: at most 4 MB for a batch of 262,144 distinct values); a spill
  chunk's (about spill.CHUNK values) in one table of twice its size reused chunk after chunk (1 to 4 MB).
- `key_partitions` / `partition_sort` / `partition_order`: spill.py's partitions, and a stable counting sort by
  partition (one pass; values and row numbers moved together) instead of an argsort and two takes.

A number's key is the 64-bit pattern pandas' `unique` compares: floats as float64 after adding 0.0 (-0.0 is 0.0;
NaN never reaches them), integers as int64 (unsigned 64-bit ones by their own bits). The kernels are module-level
functions (Dask workers import them); engine/compiled.py compiles and caches them.
"""
from __future__ import annotations

import numpy as np

from assay.engine.compiled import kernel

MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key * MIX spread any key's bits
C1 = np.uint64(0xFF51AFD7ED558CCD)  # (murmur3's) a table slot from all 64 bits of a key
SHIFT_ROW = np.uint64(29)


@kernel
def number_stats(values, low_bound, high_bound, year):  # pragma: no cover - compiled
    """(missing, infinite, finite, finite low, finite high, present low, present high, whole, below, above) of
    a column of numbers: NaN is missing; low/high keep the first of equal values (-0.0 and 0.0; +-inf when there
    are none); `below`/`above` count the finite values < low_bound / > high_bound; `whole` (only when `year`):
    every present value is a whole number (infinities are not). Selects rather than branches, so that the loop
    runs in vector registers (a comparison with NaN is false)."""
    missing = infinite = below = above = 0
    f_low = p_low = np.inf
    f_high = p_high = -np.inf
    for i in range(values.shape[0]):
        v = np.float64(values[i])
        magnitude = abs(v)
        finite = magnitude < np.inf
        missing += v != v
        infinite += magnitude == np.inf
        p_low = v if v < p_low else p_low
        p_high = v if v > p_high else p_high
        f_low = v if (v < f_low) & finite else f_low
        f_high = v if (v > f_high) & finite else f_high
        below += (v < low_bound) & finite
        above += (v > high_bound) & finite
    whole = True
    if year:
        for i in range(values.shape[0]):
            v = np.float64(values[i])
            if v == v and (abs(v) == np.inf or np.floor(v) != v):
                whole = False
                break
    n = values.shape[0]
    return missing, infinite, n - missing - infinite, f_low, f_high, p_low, p_high, whole, below, above


@kernel(inline="always")
def _mixed(key):  # pragma: no cover - compiled
    """A key's bits mixed by a multiplication other than the partitions' (a chunk's keys share their partition
    bits): its low bits pick a slot."""
    h = (key ^ (key >> np.uint64(29))) * C1
    return h ^ (h >> np.uint64(32))


@kernel(inline="always")
def _insert(table, key):  # pragma: no cover - compiled
    """Put a key (not 0) in an open-addressing table (linear probing; 0: an empty slot): whether it was new."""
    mask = np.uint64(table.shape[0] - 1)
    s = _mixed(key) & mask
    while True:
        held = table[s]
        if held == key:
            return False
        if held == 0:
            table[s] = key
            return True
        s = (s + np.uint64(1)) & mask


@kernel
def _distinct(keys, first, slots):  # pragma: no cover - compiled
    """How many distinct keys, and the position of each one's first appearance, in order, written to `first`.
    The table starts at `slots` (a power of two) and doubles when half full (a batch of few distinct values stays
    in the cache); the key 0 is tracked on the side."""
    table = np.zeros(slots, dtype=np.uint64)
    held = found = 0
    zero = False
    for i in range(keys.shape[0]):
        key = keys[i]
        if key == 0:
            if not zero:
                zero = True
                first[found] = i
                found += 1
            continue
        if _insert(table, key):
            first[found] = i
            found += 1
            held += 1
            if 2 * held > table.shape[0]:
                bigger = np.zeros(2 * table.shape[0], dtype=np.uint64)
                for j in range(table.shape[0]):
                    if table[j] != 0:
                        _insert(bigger, table[j])
                table = bigger
    return found


@kernel
def count_keys(keys, table):  # pragma: no cover - compiled
    """How many distinct keys, counted in `table` (cleared here; a power of two, at least twice the keys)."""
    table[:] = 0
    found = zero = 0
    for i in range(keys.shape[0]):
        key = keys[i]
        if key == 0:
            zero = 1
        elif _insert(table, key):
            found += 1
    return found + zero


@kernel
def float_keys(values):  # pragma: no cover - compiled
    """Floats as the bits of float64 + 0.0 (-0.0 becomes 0.0)."""
    out = np.empty(values.shape[0], dtype=np.float64)
    for i in range(values.shape[0]):
        out[i] = np.float64(values[i]) + 0.0
    return out.view(np.uint64)


@kernel
def int_keys(values):  # pragma: no cover - compiled
    """Integers as the bits of int64 (unsigned 64-bit ones keep their bits)."""
    out = np.empty(values.shape[0], dtype=np.int64)
    for i in range(values.shape[0]):
        out[i] = np.int64(values[i])
    return out.view(np.uint64)


def widened(values: np.ndarray) -> np.ndarray:
    """Half floats (which numba cannot hold) as float32: the same numbers, -0.0 and NaN included; others as
    they are."""
    return values.astype(np.float32) if values.dtype == np.float16 else values


def number_keys(values: np.ndarray) -> np.ndarray:
    """The 64-bit keys of numbers (or dates, durations), equal exactly when pandas' `unique` holds them equal."""
    if values.dtype.kind in "mM":
        values = values.view(np.int64)
    return float_keys(widened(values)) if values.dtype.kind == "f" else int_keys(values)


def unique_numbers(values: np.ndarray, expected: int = 0) -> np.ndarray:
    """pd.unique of numbers without NaN (-0.0 already 0.0), by their keys: the first of each, in order. `expected`:
    about how many are distinct (the table starts with room for them rather than growing to it)."""
    first = np.empty(len(values), dtype=np.int64)
    found = _distinct(number_keys(values), first, max(1024, 1 << (2 * int(expected)).bit_length()))
    return values[first[:found]]


class DistinctCounter:
    """Counts the distinct numbers (without NaN) pandas' `unique` finds, array after array, in one table reused
    (a new one would fault its pages in each time)."""

    def __init__(self) -> None:
        self._table = np.empty(0, dtype=np.uint64)

    def count(self, values: np.ndarray) -> int:
        size = max(16, 1 << (2 * len(values) - 1).bit_length())  # at most half full: short probes
        if len(self._table) < size:
            self._table = np.empty(size, dtype=np.uint64)
        return int(count_keys(number_keys(values), self._table[:size]))


def count_distinct(values: np.ndarray) -> int:
    """How many distinct numbers (without NaN) pandas' `unique` finds."""
    return DistinctCounter().count(values)


@kernel
def fold_keys(hashes, keys):  # pragma: no cover - compiled
    """Fold one column's 64-bit keys into the row hashes: xor, times MIX, xor with itself shifted right by 29."""
    for i in range(hashes.shape[0]):
        h = (hashes[i] ^ keys[i]) * MIX
        hashes[i] = h ^ (h >> SHIFT_ROW)


@kernel
def fold_floats(hashes, values, nan_key):  # pragma: no cover - compiled
    """fold_keys with the keys of floats: float64 + 0.0's bits, every NaN `nan_key`."""
    bits = np.empty(1, dtype=np.float64)
    view = bits.view(np.uint64)
    for i in range(hashes.shape[0]):
        v = np.float64(values[i])
        if v != v:
            key = nan_key
        else:
            bits[0] = v + 0.0
            key = view[0]
        h = (hashes[i] ^ key) * MIX
        hashes[i] = h ^ (h >> SHIFT_ROW)


@kernel
def fold_ints(hashes, values):  # pragma: no cover - compiled
    """fold_keys with the keys of integers: their value as uint64 (numpy's astype)."""
    for i in range(hashes.shape[0]):
        h = (hashes[i] ^ np.uint64(np.int64(values[i]))) * MIX
        hashes[i] = h ^ (h >> SHIFT_ROW)


@kernel
def key_partitions(keys, shift):  # pragma: no cover - compiled
    """Each key's partition: the top bits of key * MIX (the product shifted right by `shift`, 64: all in one)."""
    part = np.empty(keys.shape[0], dtype=np.uint16)
    if shift >= 64:
        part[:] = 0
        return part
    for i in range(keys.shape[0]):
        part[i] = np.uint16((keys[i] * MIX) >> np.uint64(shift))
    return part


@kernel
def _offsets(part, partitions):  # pragma: no cover - compiled
    offsets = np.zeros(partitions + 1, dtype=np.int64)
    for i in range(part.shape[0]):
        offsets[np.int64(part[i]) + 1] += 1
    for p in range(partitions):
        offsets[p + 1] += offsets[p]
    return offsets


@kernel
def partition_order(part, partitions):  # pragma: no cover - compiled
    """A stable counting sort by partition number: the order (positions into `part`) and the offsets of the
    partitions (partitions + 1 of them), for values numba cannot hold (text)."""
    offsets = _offsets(part, partitions)
    at = offsets[:-1].copy()
    order = np.empty(part.shape[0], dtype=np.int64)
    for i in range(part.shape[0]):
        p = np.int64(part[i])
        order[at[p]] = i
        at[p] += 1
    return order, offsets


@kernel
def partition_sort(part, partitions, values, rows):  # pragma: no cover - compiled
    """partition_order's stable counting sort applied to numbers (and to their row numbers, unless `rows` is
    empty) in the same pass: (values, rows, offsets)."""
    offsets = _offsets(part, partitions)
    at = offsets[:-1].copy()
    out = np.empty_like(values)
    with_rows = rows.shape[0] == values.shape[0]
    out_rows = np.empty(rows.shape[0] if with_rows else 0, dtype=rows.dtype)
    for i in range(part.shape[0]):
        p = np.int64(part[i])
        out[at[p]] = values[i]
        if with_rows:
            out_rows[at[p]] = rows[i]
        at[p] += 1
    return out, out_rows, offsets


@kernel
def regroup(data, positions):  # pragma: no cover - compiled
    """The values of several segments ordered by partition: segment s holds partition k at
    data[positions[s, k]:positions[s, k + 1]]; returns (values partition by partition, the segments in order within
    each, and where each partition begins in them, then their end)."""
    segments, edges = positions.shape
    out = np.empty_like(data)
    bounds = np.empty(edges, dtype=np.int64)
    at = 0
    for k in range(edges - 1):
        bounds[k] = at
        for s in range(segments):
            low, high = positions[s, k], positions[s, k + 1]
            out[at:at + high - low] = data[low:high]
            at += high - low
    bounds[edges - 1] = at
    return out, bounds
