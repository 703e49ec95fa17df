"""Exact Kolmogorov-Smirnov distances of large numerical columns without sorting them.

Sorting every column of both datasets (and every chunk of them, for the tests over time) is what an exact
KS test costs when done directly. Here each value is instead assigned to one of about 16,000 buckets of
roughly equal mass: consecutive ranges of the values' IEEE-754 bit patterns (which order like the values),
cut where a sample of the values has its quantiles. Assigning a value costs a few integer operations and a
table look-up. Counting each sample's values per bucket gives both empirical CDFs exactly at every bucket
boundary; the largest gap there is a lower bound of the KS distance, and inside a bucket neither CDF moves
by more than that bucket's count, which bounds the gap there. Only the buckets whose bound exceeds the
largest gap found (a few dozen, near the maximum) are examined value by value, after sorting their values.
Every gap compared is the float that scipy's ks_2samp computes (count / n - count / m), so the distance is
the same float as scipy's.

The same buckets answer the drawing's questions exactly (order statistics for quantiles, counts below a
value for histograms) by sorting the values of a few buckets only.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FINE_BITS = 20  # bit patterns are first cut into at most 2^20 equal ranges, then grouped into buckets
BUCKETS = 16384  # buckets wanted (fewer for columns with few distinct values)
SAMPLE = 1 << 16  # values sampled (evenly spaced rows) to place the bucket boundaries
HEAVY = 8  # a bucket this many times the average count is heavy
TINY = 2.0 ** -24  # values smaller than this times the largest magnitude share the range of 0
SIGN = np.uint64(1 << 63)
LOW_BITS = np.uint64((1 << 63) - 1)


def float_keys(values: np.ndarray) -> np.ndarray:
    """Unsigned integers that order like the float values (-0.0 and 0.0 get the same key; NaN is arbitrary)."""
    keys = np.add(values, 0.0).view(np.int64)  # a copy, with -0.0 made 0.0
    flip = keys >> 63  # -1 for negative values (all their bits flip), 0 for the others (their sign bit flips)
    flip |= np.int64(-(1 << 63))
    keys ^= flip
    return keys.view(np.uint64)


def key_floats(keys: np.ndarray) -> np.ndarray:
    """The inverse of `float_keys`."""
    keys = np.asarray(keys, dtype=np.uint64)
    negative = (keys & SIGN) == 0
    bits = np.where(negative, ~keys, keys ^ SIGN)
    return bits.view(np.float64)


class Buckets:
    """Buckets over the values of one column in both datasets: ranges of float keys of about equal mass."""

    def __init__(self, columns: Sequence[np.ndarray]) -> None:
        finite = [c for c in columns if c.size]
        lows = [np.fmin.reduce(c) for c in finite]  # fmin skips NaN (NaN only when all are)
        highs = [np.fmax.reduce(c) for c in finite]
        low = min((x for x in lows if not np.isnan(x)), default=0.0)
        high = max((x for x in highs if not np.isnan(x)), default=0.0)
        self.low, self.high = float(low), float(high)
        # Between -tiny and tiny lie about 2,000 of the 4,000 binary orders of magnitude of floats: values that
        # small (relative to the largest) share one range, so that the ranges go where the values are.
        tiny = max(abs(self.low), abs(self.high)) * TINY
        self.tiny_keys = None
        spread = self.low <= 0 <= self.high or min(abs(self.low), abs(self.high)) < tiny * TINY  # (over 48 orders)
        if self.low < tiny and self.high > -tiny and tiny > 0 and spread:
            below, above = (int(k) for k in float_keys(np.array([-tiny, tiny])))
            self.tiny_keys = (np.uint64(below), np.uint64(above), np.uint64(above - below))
        self.low_key, high_key = (int(k) for k in self._keys(np.array([low, high])))
        self.shift = max(0, (high_key - self.low_key).bit_length() - FINE_BITS)
        cells = ((high_key - self.low_key) >> self.shift) + 1
        total = sum(c.size for c in finite)
        step = max(1, total // SAMPLE)
        sample = np.concatenate([c[::step] for c in finite]) if finite else np.empty(0)
        sample = np.sort(self._cells(sample[~np.isnan(sample)]))
        per_bucket = max(1, sample.size // BUCKETS)
        starts = sample[::per_bucket]  # the cells where buckets begin (the first at cell 0)
        if sample.size:  # a cell as heavy as a bucket (a value repeated often) gets a bucket of its own
            first = np.flatnonzero(np.append(True, sample[1:] != sample[:-1]))
            heavy = sample[first[np.diff(np.append(first, sample.size)) >= per_bucket]]
            starts = np.concatenate([starts, heavy, heavy + 1])
        starts = np.unique(starts[starts < cells])
        table = np.zeros(cells, dtype=np.intp)
        table[starts[starts > 0]] = 1
        # small integers: the table (2^20 cells) then stays in the processor's cache, which matters more than
        # numpy converting them to pointer-sized indices when they index
        self.table = np.cumsum(table).astype(np.int16 if starts.size < 32_000 else np.int32)
        self.count = int(self.table[-1]) + 1  # buckets; bucket `count` holds the missing values
        first = np.concatenate([[0], starts[starts > 0]]).astype(np.uint64)
        keys = (first << np.uint64(self.shift)) + np.uint64(self.low_key)
        if self.tiny_keys is not None:  # back from the squeezed keys (a range beginning at -tiny begins at tiny)
            below, above, gap = self.tiny_keys
            keys = np.where(keys > below, keys + gap, keys)
        lower = key_floats(keys)
        lower[0] = low
        self.lower = lower  # the smallest value each bucket can hold

    def _keys(self, values: np.ndarray) -> np.ndarray:
        """Float keys, with the keys between those of -tiny and tiny squeezed into the one of -tiny."""
        keys = float_keys(values)
        if self.tiny_keys is None:
            return keys
        below, above, _ = self.tiny_keys
        above_part = np.maximum(keys, above)  # min(k, below) + max(k, above) - above: keys in (below, above)
        above_part -= above  # become `below`, those above it move down by above - below
        np.minimum(keys, below, out=keys)
        keys += above_part
        return keys

    def _cells(self, values: np.ndarray) -> np.ndarray:
        """The fine range (0 to 2^FINE_BITS - 1) of each value; anything for NaN."""
        if self.tiny_keys is None and self.low > 0:  # all positive: the keys are the bit patterns with the sign
            keys = values.view(np.uint64) - np.uint64(self.low_key ^ (1 << 63))  # bit set; fewer passes
        elif self.tiny_keys is None and self.high < 0:  # all negative: the keys are the bit patterns inverted
            keys = np.uint64(~self.low_key & ((1 << 64) - 1)) - values.view(np.uint64)
        else:
            keys = self._keys(values)
            keys -= np.uint64(self.low_key)
        keys >>= np.uint64(self.shift)
        return keys.view(np.int64)

    def assign(self, values: np.ndarray) -> np.ndarray:
        """The bucket of each value (`count` for NaN), for values within the range the buckets were made for."""
        cells = self._cells(values)
        missing = np.isnan(values)
        if not missing.any():
            return self.table[cells]
        cells[missing] = 0
        bucket = self.table[cells]
        bucket[missing] = self.count
        return bucket


@dataclass
class BucketedSample:
    """One dataset's column (NaN for missing), each row's bucket, and the counts per bucket."""

    values: np.ndarray
    bucket: np.ndarray
    counts: np.ndarray
    buckets: Buckets
    single: np.ndarray | None = None  # per bucket: all its values are equal (only looked at with heavy buckets)
    value: np.ndarray | None = None  # per bucket: one of its values
    _offsets: np.ndarray | None = None

    @classmethod
    def of(cls, values: np.ndarray, buckets: Buckets) -> "BucketedSample":
        bucket = buckets.assign(values)
        counts = np.bincount(bucket, minlength=buckets.count + 1)[:buckets.count]
        sample = cls(values, bucket, counts, buckets)
        if counts.size and counts.max() > HEAVY * counts.sum() / BUCKETS:
            # heavy buckets (ties: discrete values, a value repeated often): those holding one value need no look
            value = np.full(buckets.count + 1, np.nan)
            value[bucket] = values  # one of each bucket's values (the last written)
            equal = np.bincount(bucket, weights=values == value[bucket], minlength=buckets.count + 1)
            sample.single, sample.value = (equal[:-1] == counts) & (counts > 0), value[:-1]
        return sample

    @property
    def size(self) -> int:
        return int(self.counts.sum())

    def offsets(self) -> np.ndarray:
        """Each value's distance above its bucket's lower edge (NaN for missing values), computed once."""
        if self._offsets is None:
            self._offsets = self.values - np.append(self.buckets.lower, 0.0)[self.bucket]
        return self._offsets

    def part(self, rows: np.ndarray | None) -> "Part":
        if rows is None:
            return Part(self, None, self.counts)
        counts = np.bincount(_take(self.bucket, rows), minlength=self.buckets.count + 1)[:self.buckets.count]
        return Part(self, rows, counts)


class Part:
    """A sample's rows (None: all of them) and their counts per bucket; the values of the buckets looked at are
    gathered in one pass over the rows (those asked for with `want` beforehand too) and kept."""

    def __init__(self, sample: BucketedSample, rows: np.ndarray | None, counts: np.ndarray) -> None:
        self.sample, self.rows, self.counts = sample, rows, counts
        self.size = int(counts.sum())
        self._wanted = np.zeros(counts.size, dtype=bool)  # buckets to gather at the next pass
        self._gathered: np.ndarray | None = None  # buckets gathered
        self._values = np.empty(0)
        self._first = np.zeros(counts.size, dtype=np.int64)

    def want(self, buckets: np.ndarray) -> None:
        """Gather these buckets (indices) too at the next pass (those of one value need no gathering)."""
        if self.sample.single is not None:
            buckets = buckets[~self.sample.single[buckets]]
        self._wanted[buckets] = True

    def gather(self, wanted: np.ndarray, keep: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(sorted values of at least the `wanted` buckets (flags), where each bucket begins in them): bucket j's
        values are values[first[j]:first[j] + counts[j]]. Buckets are ranges of values, so sorting the values
        also orders them by bucket. With `keep`, the values gathered are kept for the next questions."""
        if self._gathered is not None and not (wanted & ~self._gathered).any():
            return self._values, self._first
        flags = self._wanted | wanted if keep else wanted
        bucket = _take(self.sample.bucket, self.rows)
        values = _take(self.sample.values, self.rows)[np.append(flags, False)[bucket]]  # (never the missing)
        values.sort()
        kept = np.where(flags, self.counts, 0)
        first = np.cumsum(kept) - kept
        if keep:
            self._gathered, self._values, self._first = flags, values, first
        return values, first

    def offset_sums(self) -> np.ndarray:
        """Per bucket, the sum of its values' distances above the bucket's lower edge."""
        offsets = _take(self.sample.offsets(), self.rows)
        bucket = _take(self.sample.bucket, self.rows)
        return np.bincount(bucket, weights=offsets, minlength=self.counts.size + 1)[:self.counts.size]

    def ranks_buckets(self, ranks: np.ndarray) -> np.ndarray:
        """The bucket of each rank (0 = the smallest value)."""
        return np.searchsorted(np.cumsum(self.counts), ranks, side="right")

    def order_statistics(self, ranks: np.ndarray) -> np.ndarray:
        """The values of the given ranks (0 = the smallest) among the part's values."""
        ranks = np.asarray(ranks, dtype=np.int64)
        bucket = self.ranks_buckets(ranks)
        single = self.sample.single[bucket] if self.sample.single is not None else np.zeros(bucket.size, dtype=bool)
        found = np.empty(ranks.size)
        if single.any():  # a bucket of one value: that value
            found[single] = self.sample.value[bucket[single]]
        if not single.all():
            look = ~single
            values, first = self.gather(_flags(bucket[look], self.counts.size))
            below = np.cumsum(self.counts) - self.counts
            found[look] = values[first[bucket[look]] + ranks[look] - below[bucket[look]]]
        return found

    def snap(self, points: np.ndarray, tolerance: float) -> np.ndarray:
        """Each point moved down to the lower edge of its bucket when that is at most `tolerance` away: there
        `count_below` needs no look at values."""
        buckets = self.sample.buckets
        points = np.asarray(points, dtype=float)
        lower = buckets.lower[buckets.assign(np.clip(points, buckets.low, buckets.high))]
        return np.where(points - lower <= tolerance, lower, points)

    def count_below(self, points: np.ndarray) -> np.ndarray:
        """How many of the part's values are below each point (exactly: from the counts alone at bucket edges,
        in empty buckets and in buckets of one value)."""
        points = np.asarray(points, dtype=float)
        buckets = self.sample.buckets
        bucket = buckets.assign(np.clip(points, buckets.low, buckets.high))  # (values outside: the end buckets)
        counts = np.cumsum(self.counts) - self.counts
        counts = counts[bucket]
        inside = (buckets.lower[bucket] < points) & (self.counts[bucket] > 0)
        single = self.sample.single
        if single is not None and inside.any():  # a bucket of one value: all of it or none is below
            one = inside & single[bucket]
            counts[one] += np.where(self.sample.value[bucket[one]] < points[one], self.counts[bucket[one]], 0)
            inside &= ~one
        if inside.any():
            values, first = self.gather(_flags(bucket[inside], self.counts.size), keep=False)
            counts[inside] += np.searchsorted(values, points[inside], side="left") - first[bucket[inside]]
        return counts


def ks_distances(reference: Part, parts: Sequence[Part]) -> list[tuple[float, float | None]]:
    """(KS distance, a value where the CDFs are that far apart) of each part against the reference part.

    Both CDFs are compared exactly at each bucket's end; inside bucket j the gap is at most
    max(Fr(end j) - Fs(end j-1), Fs(end j) - Fr(end j-1)) (float division and subtraction are monotone, so the
    bound holds for the rounded values too), and the buckets where that exceeds the largest gap found, and
    that hold values of both samples, are examined at each of their values.
    """
    if not parts:
        return []
    n = reference.size
    ref_end = np.cumsum(reference.counts)
    ref_cdf = ref_end / n  # at the last value of each bucket (or of the buckets before it)
    ref_before = np.concatenate([[0.0], ref_cdf[:-1]])
    ref_start = ref_end - reference.counts
    lower = reference.sample.buckets.lower
    found, locations, refine = [], [], []
    for part in parts:  # (one part at a time: arrays of one row stay in the processor's cache)
        cdf = np.cumsum(part.counts) / part.size
        gaps = np.abs(ref_cdf - cdf)  # the floats scipy computes there: count / n - count / m
        where = int(gaps.argmax())
        found.append(float(gaps[where]))
        locations.append(float(lower[min(where + 1, lower.size - 1)]))
        bound = ref_cdf - np.concatenate([[0.0], cdf[:-1]])
        np.maximum(bound, cdf - ref_before, out=bound)
        looked = bound > found[-1]
        looked &= part.counts > 0
        looked &= reference.counts > 0
        if looked.any() and reference.sample.single is not None and part.sample.single is not None:
            # both sides hold one same value in the bucket: the gap there is the one at its end
            looked &= ~(reference.sample.single & part.sample.single & (reference.sample.value == part.sample.value))
        refine.append(looked if looked.any() else None)
    wanted = [r for r in refine if r is not None]
    if wanted:
        ref_values, ref_first = reference.gather(np.logical_or.reduce(wanted))
        for i, part in enumerate(parts):
            if refine[i] is None:
                continue
            values, first = part.gather(refine[i])
            looked = np.flatnonzero(refine[i])  # each sample's values there: runs of its gathered values
            at = [_runs(ref_first[looked], reference.counts[looked]), _runs(first[looked], part.counts[looked])]
            at = [positions[_distinct(side[positions])] for positions, side in zip(at, (ref_values, values))]
            candidates = np.concatenate([ref_values[at[0]], values[at[1]]])  # each value once per sample
            bucket = looked[np.concatenate([np.searchsorted(ref_first[looked], at[0], side="right"),
                                            np.searchsorted(first[looked], at[1], side="right")]) - 1]
            start = np.cumsum(part.counts) - part.counts
            at_ref = ref_start[bucket] + np.searchsorted(ref_values, candidates, side="right") - ref_first[bucket]
            at_part = start[bucket] + np.searchsorted(values, candidates, side="right") - first[bucket]
            exact = np.abs(at_ref / n - at_part / part.size)
            best = int(exact.argmax())
            if exact[best] > found[i]:
                found[i], locations[i] = float(exact[best]), float(candidates[best])
    return list(zip(found, locations))


def wasserstein_distances(reference: Part, parts: Sequence[Part]) -> list[float]:
    """The Wasserstein-1 distance (the area between the two CDFs, as scipy's wasserstein_distance) of each part
    to the reference part.

    Bucket j spans [a, b) (its lower edge and the next one's). Where the CDFs' difference G = Fr - Fs keeps one
    sign in it, its area is |integral of G|, and the integral of a CDF F over [a, b) is (C w - S) / N, with C the
    count of values up to the bucket's end, w = b - a and S the sum of the bucket's values' distances above a
    (where the CDFs are above 1/2, G is taken as (1 - Fs) - (1 - Fr), whose integrals are ((N - C) w + S) / N:
    small terms there, so that rounding stays small next to the area).
    Where G may change sign (between Fr(start) - Fs(end) and Fr(end) - Fs(start)), the bucket is examined at each
    of its values. The sum differs from scipy's only by rounding (relative 1e-12 or less).
    """
    if not parts:
        return []
    buckets = reference.sample.buckets
    width = np.diff(np.append(buckets.lower, max(buckets.high, buckets.lower[-1])))
    n = reference.size
    ref_end, ref_sums = np.cumsum(reference.counts), reference.offset_sums()
    ref_below = (ref_end * width - ref_sums) / n  # the integral of Fr over each bucket
    ref_above = ((n - ref_end) * width + ref_sums) / n  # ... and of 1 - Fr (no cancellation where Fr is near 1)
    ref_start = ref_end - reference.counts
    found = []
    for part in parts:
        m = part.size
        end = np.cumsum(part.counts)
        start = end - part.counts
        sums = part.offset_sums()
        upper = ref_end / n + end / m > 1
        area = np.where(upper, np.abs(((m - end) * width + sums) / m - ref_above),
                        np.abs(ref_below - (end * width - sums) / m))
        mixed = (ref_start / n - end / m < 0) & (ref_end / n - start / m > 0)  # G may change sign here
        total = float(np.sum(area[~mixed]))
        if mixed.any():
            total += _area_by_values(reference, part, np.flatnonzero(mixed), ref_start, start, width)
        found.append(total)
    return found


def _area_by_values(reference: Part, part: Part, looked: np.ndarray, ref_start: np.ndarray, start: np.ndarray,
                    width: np.ndarray) -> float:
    """The area between the CDFs over the `looked` buckets, at each of their values."""
    n, m = reference.size, part.size
    wanted = _flags(looked, reference.counts.size)
    ref_values, ref_first = reference.gather(wanted)
    values, first = part.gather(wanted)
    ref_counts, counts = reference.counts[looked], part.counts[looked]
    ours = ref_values[_runs(ref_first[looked], ref_counts)]  # each sample's values in the looked buckets, sorted
    theirs = values[_runs(first[looked], counts)]
    merged = np.concatenate([ours, theirs])
    order = np.argsort(merged, kind="stable")  # a merge of two sorted runs; grouped by bucket
    points = merged[order]
    sizes = ref_counts + counts
    bucket = np.repeat(looked, sizes)
    # each sample's count up to each point: from the earlier buckets, then within the looked ones (ties: the gap
    # is wrong only between equal values, where the length is 0)
    in_ref = np.cumsum(order < ours.size)
    in_part = np.arange(1, points.size + 1) - in_ref
    at_ref = ref_start[bucket] + in_ref - np.repeat(np.cumsum(ref_counts) - ref_counts, sizes)
    at_part = start[bucket] + in_part - np.repeat(np.cumsum(counts) - counts, sizes)
    gap = np.abs(at_ref / n - at_part / m)  # |G| from each point to the next one (or the bucket's end)
    lower = reference.sample.buckets.lower
    following = np.empty_like(points)
    following[:-1] = points[1:]
    ends = np.cumsum(sizes) - 1  # the last point of each bucket
    following[ends] = lower[looked] + width[looked]
    area = float(np.sum(gap * (following - points)))
    # from each bucket's lower edge to its first value, G is what it was at the end of the bucket before
    head = np.abs(ref_start[looked] / n - start[looked] / m) * (points[ends - sizes + 1] - lower[looked])
    return area + float(np.sum(head))


def _flags(indices: np.ndarray, size: int) -> np.ndarray:
    flags = np.zeros(size, dtype=bool)
    flags[indices] = True
    return flags


def _runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions start, start + 1, ..., start + length - 1 of each run, concatenated."""
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total) + np.repeat(starts - offsets, lengths)


def _distinct(ordered: np.ndarray) -> np.ndarray:
    """Positions of the first of each run of equal values in a sorted array."""
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return np.flatnonzero(first)


def _take(values: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """values[rows]; a view when `rows` (ascending, as chunks hold them) is one run; all values for None."""
    if rows is None:
        return values
    if rows.size and rows[-1] - rows[0] + 1 == rows.size:
        return values[rows[0]:rows[-1] + 1]
    return values[rows]
