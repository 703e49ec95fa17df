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

from assay.engine.drift.encoding import take
from assay.engine.drift.kernels import NEGATIVE, PLAIN, POSITIVE, SQUEEZED, assign_buckets, column_bits, fill_cells

FINE_BITS = 20  # bit patterns are first cut into at most 2^20 equal ranges, then grouped into buckets
BUCKETS = 16384  # buckets wanted (fewer for columns with few distinct values)
SAMPLE = 1 << 16  # values sampled (evenly spaced rows) to place the bucket boundaries
HEAVY = 8  # a bucket this many times the average count is heavy
TINY = 2.0 ** -24  # values smaller than this times the largest magnitude share the range of 0
SIGN = np.uint64(1 << 63)
LOW_BITS = np.uint64((1 << 63) - 1)


def sample_step(rows: int) -> int:
    """Every this-many-th row of each column (rows: both columns' lengths, missing values included) is in the
    sample that places the bucket boundaries."""
    return max(1, rows // SAMPLE)


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
        step = sample_step(sum(c.size for c in finite))
        sample = np.concatenate([c[::step] for c in finite]) if finite else np.empty(0)
        self._place(float(low), float(high), sample[~np.isnan(sample)])

    @classmethod
    def of_summary(cls, low: float, high: float, sample: np.ndarray) -> "Buckets":
        """The buckets `Buckets(columns)` makes, from the columns' smallest and largest values (0.0 for none) and
        the values (NaN dropped) at every `sample_step(rows)`-th row of each column, in any order: what a
        streamed pass gathers (engine/drift/partials.py)."""
        buckets = cls.__new__(cls)
        buckets._place(low, high, sample)
        return buckets

    def _place(self, low: float, high: float, sample: np.ndarray) -> None:
        self.low, self.high = low, high
        # Between -tiny and tiny lie about 2,000 of the 4,000 binary orders of magnitude of floats: values that
        # small (relative to the largest) share one range, so that the ranges go where the values are.
        tiny = max(abs(self.low), abs(self.high)) * TINY
        self.tiny_keys = None
        spread = self.low <= 0 <= self.high or min(abs(self.low), abs(self.high)) < tiny * TINY  # (over 48 orders)
        if self.low < tiny and self.high > -tiny and tiny > 0 and spread:
            below, above = (int(k) for k in float_keys(np.array([-tiny, tiny])))
            self.tiny_keys = (np.uint64(below), np.uint64(above), np.uint64(above - below))
        self.low_key, high_key = (int(k) for k in self._keys(np.array([low, high])))
        if self.tiny_keys is not None:  # `_cells`' constants: the squeezed interval and the offset, as signed keys
            self._signed = (np.int64(below - (1 << 63)), np.int64(above - (1 << 63)),
                            np.uint64((above + self.low_key) % (1 << 64)).view(np.int64))
        self.shift = max(0, (high_key - self.low_key).bit_length() - FINE_BITS)
        self._formula = self._cell_formula()
        cells = ((high_key - self.low_key) >> self.shift) + 1
        sample = np.sort(self._cells(sample))
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

    def _cell_formula(self) -> tuple:
        """(formula, base, below, above, offset, shift): how engine/drift/kernels.py computes a value's cell, with
        the keys between those of -tiny and tiny squeezed into the one of -tiny and the lowest key subtracted."""
        below = above = offset = 0
        if self.tiny_keys is None and self.low > 0:  # all positive: the keys are the bit patterns with the sign bit
            formula, base = POSITIVE, self.low_key ^ (1 << 63)  # set
        elif self.tiny_keys is None and self.high < 0:  # all negative: the keys are the bit patterns inverted
            formula, base = NEGATIVE, ~self.low_key & ((1 << 64) - 1)
        elif self.tiny_keys is not None:  # on signed keys (the float keys - 2^63: bit patterns with the 63 low bits
            # of negative values flipped; -0.0 lies just below 0.0, both squeezed): min(k, below) + max(k, above)
            # - offset, wrapping around
            formula, base = SQUEEZED, 0
            below, above, offset = (int(x) for x in self._signed)
        else:
            formula, base = PLAIN, self.low_key
        return (np.int64(formula), np.uint64(base), np.int64(below), np.int64(above), np.int64(offset),
                np.uint64(self.shift))

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
        cells = np.empty(np.size(values), dtype=np.int64)
        fill_cells(column_bits(values)[1], *self._formula, cells)
        return cells

    def assign(self, values: np.ndarray) -> np.ndarray:
        """The bucket of each value (`count` for NaN), for values within the range the buckets were made for."""
        bucket = np.empty(np.size(values), dtype=self.table.dtype)
        assign_buckets(*column_bits(values), self.table, *self._formula, self.count, bucket)
        return bucket

    @property
    def formula(self) -> tuple:
        """The table and the cells' constants, as engine/drift/kernels.py's kernels take them."""
        return (self.table, *self._formula)


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
            self._offsets = self.values - np.take(np.append(self.buckets.lower, 0.0), self.bucket)
        return self._offsets

    def part(self, rows: np.ndarray | None) -> "Part":
        if rows is None:
            return Part(self, None, self.counts)
        counts = np.bincount(take(self.bucket, rows), minlength=self.buckets.count + 1)[:self.buckets.count]
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
        bucket = take(self.sample.bucket, self.rows)
        values = take(self.sample.values, self.rows)[np.append(flags, False)[bucket]]  # (never the missing)
        values.sort()
        kept = np.where(flags, self.counts, 0)
        first = np.cumsum(kept) - kept
        if keep:
            self._gathered, self._values, self._first = flags, values, first
        return values, first

    def values_in(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the values of the `wanted` buckets (flags), unsorted, and their buckets)."""
        bucket = take(self.sample.bucket, self.rows)
        hit = np.flatnonzero(np.append(wanted, False)[bucket])  # (never the missing values' bucket)
        return take(self.sample.values, self.rows)[hit], bucket[hit]

    def offset_sums(self) -> np.ndarray:
        """Per bucket, the sum of its values' distances above the bucket's lower edge."""
        offsets = take(self.sample.offsets(), self.rows)
        bucket = take(self.sample.bucket, self.rows)
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
            looked = np.flatnonzero(refine[i])
            (ref_at, ref_bucket, ref_end), (at, bucket, end) = (
                _distinct_runs(ref_values, ref_first, reference.counts, looked),
                _distinct_runs(values, first, part.counts, looked))
            candidates = np.concatenate([ref_values[ref_at], values[at]])  # each value once per sample
            bucket = np.concatenate([ref_bucket, bucket])
            # each sample's values up to each candidate: its own values' run ends, the other's by a search
            ref_upto = np.concatenate([ref_end, np.searchsorted(ref_values, values[at], side="right")])
            upto = np.concatenate([np.searchsorted(values, ref_values[ref_at], side="right"), end])
            start = np.cumsum(part.counts) - part.counts
            at_ref = ref_start[bucket] + ref_upto - ref_first[bucket]
            at_part = start[bucket] + upto - first[bucket]
            exact = np.abs(at_ref / n - at_part / part.size)
            best = int(exact.argmax())
            if exact[best] > found[i]:
                found[i], locations[i] = float(exact[best]), float(candidates[best])
    return list(zip(found, locations))


def wasserstein_distances(reference: Part, parts: Sequence[Part]) -> list[float]:
    """The Wasserstein-1 distance (the area between the two CDFs, as scipy's wasserstein_distance) of each part
    to the reference part.

    Bucket j spans [a, b) (its lower edge and the next one's). Where the CDFs' difference G = Fr - Fs keeps one
    sign in it, its area is |integral of G|, from the counts and sums (`_cell_areas`). Where G may change sign,
    a bucket holding one value v has the area |G before| (v - a) + |G after| (b - v); the others are cut into
    SUBCELLS equal parts and the same is done in each, and the parts where G may still change sign are
    examined at each of their values (`_exact_area`). The sum differs from scipy's only by rounding (relative
    1e-11 or less).
    """
    if not parts:
        return []
    buckets = reference.sample.buckets
    lower = buckets.lower
    width = np.diff(np.append(lower, max(buckets.high, lower[-1])))
    n = reference.size
    ref_sums = reference.offset_sums()
    ref_start = np.cumsum(reference.counts) - reference.counts
    found = []
    for part in parts:
        m = part.size
        start = np.cumsum(part.counts) - part.counts
        area, mixed = _cell_areas(reference.counts, part.counts, ref_sums, part.offset_sums(), ref_start, start,
                                  width, n, m)
        total = float(np.sum(area[~mixed]))
        one, value = _one_value(reference, part)
        one &= mixed
        if one.any():
            at = value[one]
            before = _cdf_gap(ref_start[one], start[one], n, m)
            after = _cdf_gap(ref_start[one] + reference.counts[one], start[one] + part.counts[one], n, m)
            total += float(np.sum(before * (at - lower[one]) + after * (lower[one] + width[one] - at)))
        mixed &= ~one
        if mixed.any():
            total += _area_in_subcells(reference, part, np.flatnonzero(mixed), ref_start, start, width, n, m)
        found.append(total)
    return found


SUBCELLS = 64  # a bucket where the CDFs may cross is cut into this many equal parts


def _cell_areas(ref_counts: np.ndarray, counts: np.ndarray, ref_sums: np.ndarray, sums: np.ndarray,
                ref_start: np.ndarray, start: np.ndarray, width: np.ndarray, n: int, m: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """(area between the CDFs in each cell where their difference keeps one sign, cells where it may not).

    Over a cell [a, a + w), the integral of a CDF F is (C w - S) / N, with C the count of values up to the cell's
    end and S the sum of the cell's values' distances above a; where the CDFs are above 1/2 the difference is
    taken as (1 - Fs) - (1 - Fr), whose integrals are ((N - C) w + S) / N: small terms there, so that rounding
    stays small next to the area."""
    ref_end, end = ref_start + ref_counts, start + counts
    upper = ref_end / n + end / m > 1
    area = np.where(upper, np.abs(((m - end) * width + sums) / m - ((n - ref_end) * width + ref_sums) / n),
                    np.abs((ref_end * width - ref_sums) / n - (end * width - sums) / m))
    mixed = (ref_start / n - end / m < 0) & (ref_end / n - start / m > 0)  # the difference may change sign
    return area, mixed


def _one_value(reference: Part, part: Part) -> tuple[np.ndarray, np.ndarray]:
    """(buckets where every value of both parts is one same value, that value): known only for samples with
    heavy buckets (`BucketedSample.single`)."""
    ours, theirs = reference.sample, part.sample
    nothing = np.zeros(reference.counts.size, dtype=bool)
    in_ours, in_theirs = reference.counts > 0, part.counts > 0
    found = (~in_ours | (ours.single if ours.single is not None else nothing)) & (
        ~in_theirs | (theirs.single if theirs.single is not None else nothing))
    value = np.zeros(reference.counts.size)
    mine, other = found & in_ours, found & ~in_ours & in_theirs
    value[mine] = ours.value[mine] if mine.any() else 0.0
    value[other] = theirs.value[other] if other.any() else 0.0
    both = found & in_ours & in_theirs
    if both.any():
        found[both] = ours.value[both] == theirs.value[both]
    return found, value


def _area_in_subcells(reference: Part, part: Part, looked: np.ndarray, ref_start: np.ndarray, start: np.ndarray,
                      width: np.ndarray, n: int, m: int) -> float:
    """The area between the CDFs over the `looked` buckets, each cut into SUBCELLS equal parts."""
    lower = reference.sample.buckets.lower
    rank = np.zeros(reference.counts.size, dtype=np.int64)
    rank[looked] = np.arange(looked.size)
    step = width[looked] / SUBCELLS
    edges = lower[looked][:, None] + np.arange(SUBCELLS) * step[:, None]
    ends = np.append(edges[:, 1:], (lower[looked] + width[looked])[:, None], axis=1).ravel()
    edges = edges.ravel()
    wanted = _flags(looked, reference.counts.size)
    sides = []
    for side, before in ((reference, ref_start), (part, start)):
        values, bucket = side.values_in(wanted)
        row = rank[bucket]
        offset = (values - lower[bucket]) / np.where(step[row] > 0, step[row], np.inf)
        cell = row * SUBCELLS + np.clip(offset, 0, SUBCELLS - 1).astype(np.int64)
        counts = np.bincount(cell, minlength=edges.size)
        sums = np.bincount(cell, weights=values - edges[cell], minlength=edges.size)
        cumulative = np.cumsum(counts.reshape(looked.size, SUBCELLS), axis=1).ravel()
        starts = np.repeat(before[looked], SUBCELLS) + cumulative - counts
        sides.append((values, cell, counts, sums, starts))
    (ref_values, ref_cell, ref_counts, ref_sums, ref_starts), (values, cell, counts, sums, starts) = sides
    area, mixed = _cell_areas(ref_counts, counts, ref_sums, sums, ref_starts, starts, ends - edges, n, m)
    total = float(np.sum(area[~mixed]))
    if mixed.any():
        ours, theirs = mixed[ref_cell], mixed[cell]
        total += _exact_area(ref_values[ours], ref_cell[ours], values[theirs], cell[theirs], ref_starts, starts,
                             edges, ends, n, m)
    return total


def _exact_area(ref_values: np.ndarray, ref_cell: np.ndarray, values: np.ndarray, cell: np.ndarray,
                ref_start: np.ndarray, start: np.ndarray, lower: np.ndarray, upper: np.ndarray, n: int, m: int
                ) -> float:
    """The area between the CDFs over the cells holding the given values, at each value. `ref_start` and `start`
    count each sample's values before each cell; cell c spans [lower[c], upper[c])."""
    points = np.concatenate([ref_values, values])
    cells = np.concatenate([ref_cell, cell])
    order = np.lexsort((points, cells))  # by cell, then by value
    points, cells = points[order], cells[order]
    from_ref = order < ref_values.size
    first = np.flatnonzero(np.append(True, cells[1:] != cells[:-1]))  # the first point of each cell
    sizes = np.diff(np.append(first, points.size))
    # each sample's count up to each point: before the cell, then within it (between equal values the gap is
    # wrong, where the length is 0)
    in_ref = np.cumsum(from_ref)
    in_ref -= np.repeat(in_ref[first] - from_ref[first], sizes)
    in_part = np.arange(points.size) - np.repeat(first, sizes) + 1 - in_ref
    gap = _cdf_gap(ref_start[cells] + in_ref, start[cells] + in_part, n, m)
    following = np.empty_like(points)
    following[:-1] = points[1:]
    last = first + sizes - 1
    following[last] = upper[cells[last]]
    head_cells = cells[first]  # from each cell's lower edge to its first value: the gap before the cell
    head = _cdf_gap(ref_start[head_cells], start[head_cells], n, m) * (points[first] - lower[head_cells])
    return float(np.sum(gap * (following - points))) + float(np.sum(head))


def _cdf_gap(ref_count: np.ndarray, count: np.ndarray, n: int, m: int) -> np.ndarray:
    """|Fr - Fs| where `ref_count` of the reference's n values and `count` of the part's m are at or below a point:
    one exact whole-number difference divided once. Subtracting the two fractions as floats keeps only about 8
    digits where both are near 1, which a far outlier (1e300) turns into a relative error of 1e-9 in the distance."""
    return np.abs(np.asarray(ref_count, dtype=np.int64) * m - np.asarray(count, dtype=np.int64) * n) / (n * m)


def _flags(indices: np.ndarray, size: int) -> np.ndarray:
    flags = np.zeros(size, dtype=bool)
    flags[indices] = True
    return flags


def _runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions start, start + 1, ..., start + length - 1 of each run, concatenated."""
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total) + np.repeat(starts - offsets, lengths)


def _distinct_runs(values: np.ndarray, first: np.ndarray, counts: np.ndarray, looked: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Within the `looked` buckets of sorted `values` (bucket j's at values[first[j]:first[j] + counts[j]], none
    empty): where each distinct value first appears, its bucket, and where its run of equal values ends (what
    np.searchsorted(values, value, side="right") finds: equal values share a bucket)."""
    positions = _runs(first[looked], counts[looked])
    owner = np.repeat(looked, counts[looked])
    distinct = _distinct(values[positions])
    ends = np.append(positions[distinct[1:] - 1], positions[-1:]) + 1
    return positions[distinct], owner[distinct], ends


def _distinct(ordered: np.ndarray) -> np.ndarray:
    """Positions of the first of each run of equal values in a sorted array."""
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return np.flatnonzero(first)
