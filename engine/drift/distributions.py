"""What the Drift page and the PDF draw of a column, with the test's numbers: histograms between the 0.5%
and 99.5% quantiles, the quantiles at QUANTILE_LEVELS (the ECDFs) and where the CDFs are farthest apart for
numerical columns; the shares of the most frequent categories for categorical ones. Numerical values come
sorted (SortedValues) or by buckets (`engine.drift.bucketed.Part`), asked alike for ranks and counts.
The app and the PDF draw the ECDFs alike: `cdf_at` reads them back where the gap is marked."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from assay.engine.drift.results import Distribution

if TYPE_CHECKING:  # the app's drift plot reads cdf_at: pandas and the tests stay out of its imports
    from assay.engine.drift.bucketed import Part
    from assay.engine.drift.encoding import AlignedCodes

QUANTILE_LEVELS = np.linspace(0.0, 1.0, 101)
HIST_BINS, SHOWN_CATEGORIES = 30, 30


class SortedValues:
    """Sorted finite values, asked like a bucketed part (`engine.drift.bucketed.Part`): ranks and counts."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.size = int(values.size)

    def order_statistics(self, ranks: np.ndarray) -> np.ndarray:
        return self.values[ranks]

    def count_below(self, points: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.values, points, side="left")

    def snap(self, points: np.ndarray, tolerance: float) -> np.ndarray:
        return np.asarray(points, dtype=float)


DRAWN_LEVELS = np.concatenate([QUANTILE_LEVELS, [0.005, 0.995]])  # the ECDF, then the histogram's range


def quantile_ranks(size: int, levels) -> tuple[np.ndarray, np.ndarray]:
    """(positions, the ranks below and above each) of quantiles by linear interpolation (numpy's default)."""
    position = np.asarray(levels, dtype=float) * (size - 1)
    low = np.floor(position).astype(np.int64)
    return position, np.concatenate([low, np.minimum(low + 1, size - 1)])


def quantiles(values: SortedValues | Part, levels) -> np.ndarray:
    """Quantiles (linear interpolation, numpy's default) from the order statistics, without sorting."""
    position, ranks = quantile_ranks(values.size, levels)
    found = values.order_statistics(ranks)
    below, above = found[:position.size], found[position.size:]
    return below + (position - ranks[:position.size]) * (above - below)


def numerical_distribution(ref: SortedValues | Part, prod: SortedValues | Part,
                           location: float | None = None) -> Distribution | None:
    """Histogram densities between the 0.5% and 99.5% quantiles of both, the quantiles at QUANTILE_LEVELS (the
    ECDFs) and where the CDFs are farthest apart (`location`, else looked for on the grid of those quantiles).

    Bins are left-closed; values beyond the outer edges count in the end bins. For bucketed parts an inner
    edge moves down to its bucket's lower edge when that is within 5% of a bin: the counts there are known
    without looking at values.
    """
    if prod.size == 0 or ref.size == 0:
        return None
    ref_q, prod_q = quantiles(ref, DRAWN_LEVELS), quantiles(prod, DRAWN_LEVELS)
    low, high = min(ref_q[-2], prod_q[-2]), max(ref_q[-1], prod_q[-1])
    ref_q, prod_q = ref_q[:-2], prod_q[:-2]
    if high <= low:
        low, high = float(min(ref_q[0], prod_q[0])) - 0.5, float(max(ref_q[-1], prod_q[-1])) + 0.5
    inner = prod.snap(np.linspace(low, high, HIST_BINS + 1)[1:-1], (high - low) / HIST_BINS / 20)
    inner = inner[(inner > low) & (inner < high)]
    edges = np.concatenate([[low], inner, [high]])
    if location is None:
        grid = np.union1d(ref_q, prod_q)
        gaps = np.abs(ref.count_below(grid) / ref.size - prod.count_below(grid) / prod.size)
        location = float(grid[int(np.argmax(gaps))])

    def density(part: SortedValues | Part) -> tuple[float, ...]:
        counts = np.diff(part.count_below(inner), prepend=0, append=part.size)
        return tuple(counts / part.size / np.diff(edges))

    return Distribution("numerical", tuple(edges), density(ref), density(prod), tuple(ref_q), tuple(prod_q),
                        ks_location=location)


def categorical_distribution(reference_counts: np.ndarray, values: AlignedCodes) -> Distribution:
    """The shares of the SHOWN_CATEGORIES most frequent categories of both; `reference_counts` per label of
    `values` (0 for the production-only ones)."""
    present = values.codes[values.codes >= 0]
    return counted_distribution(reference_counts, np.bincount(present, minlength=len(values.labels)).astype(float),
                                values.labels)


def counted_distribution(reference_counts: np.ndarray, prod_counts: np.ndarray, labels: list[str]) -> Distribution:
    """`categorical_distribution` from the production's counts per label."""
    ref_share = reference_counts / max(reference_counts.sum(), 1)
    prod_share = prod_counts / max(prod_counts.sum(), 1)
    order = np.argsort(-(ref_share + prod_share), kind="stable")[:SHOWN_CATEGORIES]
    return Distribution("categorical", categories=tuple(labels[i] for i in order),
                        reference_share=tuple(ref_share[order]), production_share=tuple(prod_share[order]),
                        new_in_production=tuple(bool(reference_counts[i] == 0) for i in order))


def cdf_at(quantiles: np.ndarray, x: float) -> float:
    """The drawn ECDF (a polyline through (quantile, level) at evenly spaced levels) at x, taking the top of a
    vertical jump."""
    levels = np.linspace(0.0, 1.0, quantiles.size)
    i = int(np.searchsorted(quantiles, x, side="right"))
    if i == 0:
        return 0.0
    if i == quantiles.size or quantiles[i - 1] == x:
        return float(levels[i - 1])
    x0, x1 = quantiles[i - 1], quantiles[i]
    return float(levels[i - 1] + (levels[i] - levels[i - 1]) * (x - x0) / (x1 - x0))
