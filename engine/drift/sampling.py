"""Seeded samples of rows that come out the same whether the rows are read whole or in batches of any size
(the streamed drift, engine/drift/partials.py, and the in-memory one draw them alike).

- `seeded_rows`: a sample of a stated size from a known row count, in the sample's order. Up to
  PERMUTATION_MAX_ROWS rows it is what `DataFrame.sample(size, random_state=seed)` draws (a prefix of a seeded
  permutation of every row position, as the in-memory path always drew); above, numpy's Generator.choice without
  replacement over the row count, whose memory is that of the sample only.
- `capped_rows`: at most `size` rows of a chunk whose rows a stream meets scattered among the others (a calendar
  month): the `size` rows of smallest `row_keys`, a seeded hash of their global row positions, in row order. A
  batch keeps its own smallest keys, and the smallest of those are the smallest of all.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

PERMUTATION_MAX_ROWS = 10_000_000
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
NO_KEY = np.iinfo(np.uint64).max  # the threshold of a chunk with no more rows than the cap: every key passes


@lru_cache(maxsize=8)
def seeded_rows(total: int, size: int, seed: int) -> np.ndarray:
    """Positions of a seeded sample of min(size, total) of `total` rows, in the sample's order (read only: the same
    array answers the same question again, since drawing from a permutation of every row takes a while)."""
    size = min(size, total)
    if total <= PERMUTATION_MAX_ROWS:
        found = np.random.RandomState(seed).choice(total, size=size, replace=False).astype(np.intp, copy=False)
    else:
        found = np.random.default_rng(seed).choice(total, size=size, replace=False).astype(np.intp, copy=False)
    found.flags.writeable = False
    return found


def row_keys(rows: np.ndarray, seed: int) -> np.ndarray:
    """A seeded 64-bit hash of each global row position (splitmix64's mixer: one to one, so no two rows tie)."""
    keys = np.asarray(rows, dtype=np.int64).astype(np.uint64)
    keys += np.uint64(seed * int(_GOLDEN) % (1 << 64))  # (the array arithmetic wraps around)
    keys ^= keys >> np.uint64(30)
    keys *= _MIX[0]
    keys ^= keys >> np.uint64(27)
    keys *= _MIX[1]
    keys ^= keys >> np.uint64(31)
    return keys


def smallest_keys(keys: np.ndarray, size: int) -> np.ndarray:
    """The `size` smallest of `keys` (all when fewer), sorted."""
    if keys.size > size:
        keys = np.partition(keys, size - 1)[:size]
    return np.sort(keys)


def key_threshold(smallest: np.ndarray, rows: int, size: int) -> np.uint64:
    """The largest key a row of a chunk of `rows` rows may have to be in its capped sample (`smallest`: the chunk's
    smallest keys)."""
    return smallest[size - 1] if rows > size else NO_KEY


BOUND_SPREADS = 10  # `key_bound` expects this many standard deviations more than the cap below it


def key_bound(rows: int, size: int) -> np.uint64:
    """A key that `key_threshold` of a chunk of `rows` rows stays at or below, but for a chance of about 1e-23:
    keys are uniform 64-bit hashes, so the count of keys below a fraction p of their range is binomial (rows, p),
    and p is chosen for a mean BOUND_SPREADS standard deviations above `size`. A pass keeps the rows up to this
    key before the chunk's smallest keys are known; the caller checks the threshold against it."""
    expected = size + math.ceil(BOUND_SPREADS * math.sqrt(size)) + BOUND_SPREADS
    if rows <= expected:
        return NO_KEY
    return np.uint64(((1 << 64) * expected) // rows)


def capped_rows(rows: np.ndarray, size: int, seed: int) -> np.ndarray:
    """`rows` (ascending global positions) when at most `size`; else the `size` of smallest key, ascending."""
    if rows.size <= size:
        return rows
    keys = row_keys(rows, seed)
    return np.sort(rows[np.argpartition(keys, size - 1)[:size]])
