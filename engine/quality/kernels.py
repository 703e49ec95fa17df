"""The streamed quality's per-batch and counting loops as compiled kernels (numba): each reads its array once and
releases the GIL (nogil), so that quality, in its own thread (engine/streaming/beside.py), computes beside drift.

- `number_stats`: one loop over a column of numbers for its missing, infinite and finite values, the least and
  greatest finite (and present) values, those below / above the reference's range, and whether all are whole.
- `fold_numbers` / `fold_keys`: a column's 64-bit keys folded into the row hashes (partials.row_hashes).
- `unique_keys` / `count_distinct`: the distinct values of numbers by their 64-bit keys, in an open-addressing
  hash set that stores the keys themselves (exact); `count_distinct` runs on one spill chunk, whose table
  (2 x CHUNK slots at most, about 2 MB) stays in the processor's cache.
- `partition_order`: a counting sort of values by partition (spill.py), one pass instead of an argsort.

A number's key is the 64-bit pattern pandas' `unique` compares: floats as float64 after adding 0.0 (-0.0 is 0.0;
NaN never reaches them), integers as int64 (unsigned 64-bit ones by their own bits). The kernels are module-level
functions (Dask workers import them); numba's cache needs the source file beside it, so a frozen bundle compiles
them at first use instead (CACHE).
"""
from __future__ import annotations

import sys

import numba
import numpy as np

CACHE = not getattr(sys, "frozen", False)
MIX = np.uint64(0x9E3779B97F4A7C15)  # spill.MIX (Fibonacci hashing); repeated so that kernels import nothing
C1 = np.uint64(0xFF51AFD7ED558CCD)  # murmur3's finalizer: a table slot from all 64 bits of a key
C2 = np.uint64(0xC4CEB9FE1A85EC53)
SHIFT_ROW = np.uint64(29)


@numba.njit(cache=CACHE, nogil=True)
def number_stats(values, low_bound, high_bound, year):  # pragma: no cover - compiled
    """(missing, infinite, finite, finite low, finite high, present low, present high, whole, below, above) of
    a column of numbers: NaN is missing; low/high keep the first of equal values (-0.0 and 0.0); `below`/`above`
    count the finite values < low_bound / > high_bound; `whole` (only when `year`): every present value is a
    whole number (infinities are not)."""
    missing = infinite = finite = below = above = 0
    f_low = f_high = p_low = p_high = 0.0
    present = 0
    whole = True
    for i in range(values.shape[0]):
        v = np.float64(values[i])
        if v != v:
            missing += 1
            continue
        if present == 0 or v < p_low:
            p_low = v
        if present == 0 or v > p_high:
            p_high = v
        present += 1
        if v == np.inf or v == -np.inf:
            infinite += 1
            if year:
                whole = False
            continue
        if finite == 0 or v < f_low:
            f_low = v
        if finite == 0 or v > f_high:
            f_high = v
        finite += 1
        if v < low_bound:
            below += 1
        elif v > high_bound:
            above += 1
        if year and whole and np.floor(v) != v:
            whole = False
    return missing, infinite, finite, f_low, f_high, p_low, p_high, whole, below, above


@numba.njit(cache=CACHE, nogil=True, inline="always")
def _slot(key, mask):  # pragma: no cover - compiled
    h = key ^ (key >> np.uint64(33))
    h *= C1
    h ^= h >> np.uint64(33)
    h *= C2
    h ^= h >> np.uint64(33)
    return h & mask


@numba.njit(cache=CACHE, nogil=True)
def _distinct(keys, first):  # pragma: no cover - compiled
    """How many distinct keys; with room in `first`, the position of each one's first appearance, in order. A
    slot holding 0 is empty (the key 0 is tracked on the side)."""
    n = keys.shape[0]
    keep = first.shape[0] >= n
    size = 16
    while size < 2 * n:
        size *= 2
    table = np.zeros(size, dtype=np.uint64)
    mask = np.uint64(size - 1)
    found = 0
    zero = False
    for i in range(n):
        key = keys[i]
        if key == 0:
            if not zero:
                zero = True
                if keep:
                    first[found] = i
                found += 1
            continue
        s = _slot(key, mask)
        while True:
            held = table[s]
            if held == key:
                break
            if held == 0:
                table[s] = key
                if keep:
                    first[found] = i
                found += 1
                break
            s = (s + np.uint64(1)) & mask
    return found


@numba.njit(cache=CACHE, nogil=True)
def float_keys(values):  # pragma: no cover - compiled
    """Floats as the bits of float64 + 0.0 (-0.0 becomes 0.0)."""
    out = np.empty(values.shape[0], dtype=np.float64)
    for i in range(values.shape[0]):
        out[i] = np.float64(values[i]) + 0.0
    return out.view(np.uint64)


@numba.njit(cache=CACHE, nogil=True)
def int_keys(values):  # pragma: no cover - compiled
    """Integers as the bits of int64 (unsigned 64-bit ones keep their bits)."""
    out = np.empty(values.shape[0], dtype=np.int64)
    for i in range(values.shape[0]):
        out[i] = np.int64(values[i])
    return out.view(np.uint64)


def number_keys(values: np.ndarray) -> np.ndarray:
    """The 64-bit keys of numbers (or dates, durations), equal exactly when pandas' `unique` holds them equal."""
    if values.dtype.kind in "mM":
        values = values.view(np.int64)
    return float_keys(values) if values.dtype.kind == "f" else int_keys(values)


def unique_numbers(values: np.ndarray) -> np.ndarray:
    """pd.unique of numbers without NaN (-0.0 already 0.0), by their keys: the first of each, in order."""
    first = np.empty(len(values), dtype=np.int64)
    found = _distinct(number_keys(values), first)
    return values[first[:found]]


def count_distinct(values: np.ndarray) -> int:
    """How many distinct numbers (without NaN) pandas' `unique` finds."""
    return int(_distinct(number_keys(values), np.empty(0, dtype=np.int64)))


@numba.njit(cache=CACHE, nogil=True)
def fold_keys(hashes, keys):  # pragma: no cover - compiled
    """Fold one column's 64-bit keys into the row hashes: xor, times MIX, xor with itself shifted right by 29."""
    for i in range(hashes.shape[0]):
        h = (hashes[i] ^ keys[i]) * MIX
        hashes[i] = h ^ (h >> SHIFT_ROW)


@numba.njit(cache=CACHE, nogil=True)
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


@numba.njit(cache=CACHE, nogil=True)
def fold_ints(hashes, values):  # pragma: no cover - compiled
    """fold_keys with the keys of integers: their value as uint64 (numpy's astype)."""
    for i in range(hashes.shape[0]):
        h = (hashes[i] ^ np.uint64(np.int64(values[i]))) * MIX
        hashes[i] = h ^ (h >> SHIFT_ROW)


@numba.njit(cache=CACHE, nogil=True)
def key_partitions(keys, shift):  # pragma: no cover - compiled
    """Each key's partition: the top bits of key * MIX (the product shifted right by `shift`, 64: all in one)."""
    part = np.empty(keys.shape[0], dtype=np.uint16)
    if shift >= 64:
        part[:] = 0
        return part
    for i in range(keys.shape[0]):
        part[i] = np.uint16((keys[i] * MIX) >> np.uint64(shift))
    return part


@numba.njit(cache=CACHE, nogil=True)
def partition_order(part, partitions):  # pragma: no cover - compiled
    """A stable counting sort by partition number: the order (positions into `part`) and the offsets of the
    partitions (partitions + 1 of them)."""
    n = part.shape[0]
    offsets = np.zeros(partitions + 1, dtype=np.int64)
    for i in range(n):
        offsets[np.int64(part[i]) + 1] += 1
    for p in range(partitions):
        offsets[p + 1] += offsets[p]
    at = offsets[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        p = np.int64(part[i])
        order[at[p]] = i
        at[p] += 1
    return order, offsets
