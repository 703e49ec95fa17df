"""The registry of univariate drift methods: a metadata record paired with a pure function.

Numerical methods receive the two samples already sorted, without missing values
(`SortedSample`), so that exact rank statistics cost one sort per column, done once for the
reference. Categorical methods receive aligned count vectors over the union of categories.
Every method returns a `MethodResult`: the statistic, the p-value (None for distances) and an
effect size on a 0-1 scale that means the same thing across methods: the KS distance (the
largest gap between the two CDFs) for numerical p-value tests, the total variation distance
(the share of probability mass that moved) for categorical ones, and the statistic itself
for distances.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special, stats
from scipy.spatial.distance import jensenshannon

Kind = Literal["numerical", "categorical"]
EXACT_KS_MAX_N = 10_000  # scipy's own limit for its exact KS p-value in method="auto"
SMIRNOV_MAX_N = 1_000_000  # above this scipy approximates Smirnov's distribution itself (cheaply)


@dataclass(frozen=True)
class MethodResult:
    statistic: float
    p_value: float | None
    effect_size: float


@dataclass(frozen=True)
class BinningConfig:
    bins: int = 10
    smoothing: float = 1e-4


@dataclass(frozen=True)
class SortedSample:
    """A sorted sample without missing values, with its quantile bin edges cached on demand."""

    values: np.ndarray

    @property
    def size(self) -> int:
        return self.values.size

    def std(self) -> float:
        return float(np.std(self.values)) if self.values.size else 0.0


@dataclass(frozen=True)
class DriftMethod:
    name: str
    display_name: str
    kinds: frozenset[str]
    is_p_value: bool  # a test with a p-value (drift when p < threshold) or a distance (drift when >= threshold)
    default_threshold: float
    symmetric: bool  # swapping the samples leaves the statistic unchanged (on the same bins or categories)
    description: str
    numerical: Callable[..., MethodResult] | None = None
    categorical: Callable[..., MethodResult] | None = None

    def applies_to(self, kind: str) -> bool:
        return kind in self.kinds


REGISTRY: dict[str, DriftMethod] = {}


def register(method: DriftMethod) -> DriftMethod:
    REGISTRY[method.name] = method
    return method


def method_names(kind: str | None = None) -> list[str]:
    return [m.name for m in REGISTRY.values() if kind is None or m.applies_to(kind)]


# -- numerical building blocks ---------------------------------------------------------------


def cdf_gaps(ref: np.ndarray, prod: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(merged sorted values, Fref - Fprod just right of each merged value) for two sorted samples.

    One stable merge of two sorted runs (linear in practice) instead of re-sorting both samples.
    """
    n, m = ref.size, prod.size
    merged = np.concatenate([ref, prod])
    order = np.argsort(merged, kind="stable")
    merged = merged[order]
    from_ref = order < n
    gap = np.cumsum(from_ref) / n - np.cumsum(~from_ref) / m
    return merged, gap


def ks_distance(ref: np.ndarray, prod: np.ndarray) -> float:
    """The largest gap between the two empirical CDFs (both samples sorted and finite), exactly.

    Between two consecutive distinct values of one sample its CDF is flat while the other's rises,
    so the largest gap lies at a value v of that sample: at it, |Fl(v) - Fs(v)|, or just before it,
    |Fl(v-) - Fs(v-)|. Each candidate is the same float that scipy's ks_2samp computes
    (count / size - count / size). Large samples evaluate these candidates on a grid first and
    then only between grid values where the gap could exceed the largest one found (see
    `_ks_distance_bounded`), which costs a few percent of a merge of the two samples.
    """
    if ref.size == 0 or prod.size == 0:
        return float("nan")
    large, small = (ref, prod) if ref.size >= prod.size else (prod, ref)
    if small.size <= KS_GRID_MIN:
        return _ks_at_runs(large, small, np.array([0]), np.array([small.size]))
    return _ks_distance_bounded(large, small)


KS_GRID_MIN = 4096  # below this the candidates are all evaluated directly
# Grid of every k-th value of the smaller sample (m values), k about sqrt(m) / 8: a step of the grid then
# moves that sample's CDF by 1 / (8 sqrt(m)), well below the KS distance of two samples from one distribution
# (about 1 / sqrt(m)), so that few intervals need a closer look.
KS_GRID_SCALE = 8
KS_REFINE_SHARE = 0.3  # when more than this share needs a closer look, one merge is cheaper


def _ks_at_runs(large: np.ndarray, small: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> float:
    """Largest CDF gap at, and just before, the values small[start:stop] for each range.

    Every range holds complete runs of tied values (no value of a range occurs outside it), so the
    count of the small sample up to a value is read from positions instead of a search.
    """
    n, m = large.size, small.size
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return 0.0
    if starts.size == 1:
        index = np.arange(starts[0], stops[0])
    else:  # the positions of all ranges, concatenated
        offsets = np.cumsum(lengths) - lengths
        index = np.arange(total) + np.repeat(starts - offsets, lengths)
    values = small[index]
    first = np.empty(total, dtype=bool)  # the first position of each run of tied values
    first[0] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    first[1:] |= index[1:] != index[:-1] + 1  # a new range starts a new run
    begins = np.flatnonzero(first)
    ends = np.append(begins[1:], total)  # one past the last position of each run
    run_values = values[begins]
    below = index[begins]  # values of the small sample before the run
    upto = index[ends - 1] + 1  # values of the small sample up to the run's value
    left, right = _counts_at(large, run_values)
    at = np.abs(right / n - upto / m)
    before = np.abs(left / n - below / m)
    return float(max(at.max(), before.max()))


def _ks_distance_bounded(large: np.ndarray, small: np.ndarray) -> float:
    """Exact KS distance by bounds: candidates on a grid of the small sample, then only where needed.

    For v strictly between grid values x_j < x_(j+1), both CDFs lie between their values at x_j and
    just before x_(j+1); so the gap there is at most max(Fl(x_(j+1)-) - Fs(x_j), Fs(x_(j+1)-) - Fl(x_j)).
    Intervals whose bound does not exceed the largest gap on the grid cannot hold the maximum
    (float division and subtraction are monotone, so the bound also holds for the rounded values).
    """
    n, m = large.size, small.size
    grid = np.arange(0, m, max(int(np.sqrt(m) / KS_GRID_SCALE), 4))
    if grid[-1] != m - 1:
        grid = np.append(grid, m - 1)
    x = small[grid]
    small_left, small_right = _counts_at(small, x, grid)
    large_left, large_right = _counts_at(large, x)
    found = max(np.max(np.abs(large_right / n - small_right / m)), np.max(np.abs(large_left / n - small_left / m)))
    starts, stops = small_right[:-1], small_left[1:]  # small's positions strictly between grid values
    bound = np.maximum(large_left[1:] / n - small_right[:-1] / m, small_left[1:] / m - large_right[:-1] / n)
    open_ = (stops > starts) & (bound > found)
    if not open_.any():
        return float(found)
    starts, stops = starts[open_], stops[open_]
    if (stops - starts).sum() > KS_REFINE_SHARE * m and 8 * m > n:  # (with m << n, searching stays cheaper)
        return _ks_distance_merged(large, small)
    return float(max(found, _ks_at_runs(large, small, starts, stops)))


def _counts_at(values: np.ndarray, x: np.ndarray, position: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """(count below, count up to and including) each of the sorted `x` in the sorted `values`.

    One search (none when `position`, where each x sits in `values`, is given); a value tied with
    others is searched again only when it occurs more than once.
    """
    if position is None:
        right = np.searchsorted(values, x, "right")
    else:  # x = values[position]: searched only when the next value equals it
        right = position + 1
        later = right < values.size
        later[later] = values[right[later]] == x[later]
        if later.any():
            right[later] = np.searchsorted(values, x[later], "right")
    left = right.copy()
    present = right > 0
    present[present] = values[right[present] - 1] == x[present]
    left[present] -= 1
    more = present  # x occurs more than once
    more[present] = (left[present] > 0) & (values[left[present] - 1] == x[present])
    if more.any():
        left[more] = np.searchsorted(values, x[more], "left")
    return left, right


def _ks_distance_merged(ref: np.ndarray, prod: np.ndarray) -> float:
    """KS distance from one merge of the two sorted samples (the gap at the end of every run of ties)."""
    merged, gap = cdf_gaps(ref, prod)
    ends = np.append(merged[1:] != merged[:-1], True)  # evaluate after the last of tied values
    return float(np.max(np.abs(gap[ends])))


def ks(ref: SortedSample, prod: SortedSample, fast_p: bool = False, **_: object) -> MethodResult:
    """Two-sample Kolmogorov-Smirnov with scipy's p-values (ks_2samp, method "auto"): exact up to 10,000 rows,
    the finite-n distribution of the effective size above. With `fast_p` (the per-chunk tests), Kolmogorov's
    limit distribution instead, which differs from the finite-n one by under 1% above an effective 10,000.
    """
    a, b = ref.values, prod.values
    if not fast_p and max(a.size, b.size) <= EXACT_KS_MAX_N:  # scipy's exact test costs O(n m) for unequal sizes
        result = stats.ks_2samp(a, b)
        d = float(result.statistic)
        return MethodResult(d, float(result.pvalue), d)
    return ks_from_distance(ks_distance(a, b), a.size, b.size, fast_p)


def ks_from_distance(d: float, n: int, m: int, fast_p: bool = False) -> MethodResult:
    """The KS result for distance `d` between samples of n and m values, with scipy's asymptotic p-value
    (its method="asymp": the finite-n distribution at the effective size), or Kolmogorov's limit with `fast_p`."""
    large, small = (float(n), float(m)) if n >= m else (float(m), float(n))
    en = large * small / (large + small)  # as scipy computes it
    if fast_p:
        p = special.kolmogorov(d * np.sqrt(en))  # = stats.kstwobign.sf, without its per-call overhead
    else:
        p = kstwo_sf(d, int(np.round(en)))
    return MethodResult(d, float(np.clip(p, 0.0, 1.0)), d)


def kstwo_sf(d: float, n: int) -> float:
    """scipy.stats.kstwo.sf(d, n), the two-sided one-sample KS distribution's survival function.

    scipy computes it as twice Smirnov's one-sided probability where n d^2 lies in [2.2, 370) (p-values
    between about 1e-160 and 0.02) and in d >= 0.5, with a loop over about n terms: up to seconds per call at
    n = 500,000. Here those terms are summed in one vectorised pass (`smirnov_sf`); elsewhere scipy is called.
    """
    if 140 < n <= SMIRNOV_MAX_N and 0.0 < d < 1.0:
        t = n * d
        if 1.0 < t < n - 1 and (d >= 0.5 or 2.2 <= t * d < 370.0):  # scipy's branches, in scipy's order
            if t * d >= 374.0:  # below exp(-2 n d^2) < 1e-324 / 2 (Massart's bound): 0 in floats
                return 0.0
            return float(np.clip(2.0 * smirnov_sf(n, d), 0.0, 1.0))
    return float(stats.kstwo.sf(d, n))


SMIRNOV_BLOCK = 1 << 16
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)


def _stirlerr(k: np.ndarray) -> np.ndarray:
    """log(k!) - (k + 1/2) log(k) + k - log(2 pi) / 2 for integers k >= 1 (the error of Stirling's formula)."""
    out = np.empty_like(k)
    small = k < 16
    if small.any():
        ks = k[small]
        out[small] = special.gammaln(ks + 1.0) - (ks + 0.5) * np.log(ks) + ks - _HALF_LOG_2PI
    large = k[~small]
    inverse_square = 1.0 / (large * large)
    out[~small] = (1.0 / 12 - inverse_square * (1.0 / 360 - inverse_square * (
        1.0 / 1260 - inverse_square * (1.0 / 1680 - inverse_square / 1188)))) / large
    return out


def smirnov_sf(n: int, x: float) -> float:
    """P(D+_n >= x), Smirnov's one-sided KS probability, by the sum over j = 0..floor(n (1 - x)) of
    x C(n, j) (x + j/n)^(j-1) (1 - x - j/n)^(n-j) (scipy.special.smirnov computes the same sum).

    Each term is computed in logs as a binomial probability at its mode, C(n, j) s^j (1 - s)^(n-j) with s = j/n,
    which Stirling's formula gives without cancellation (Loader's method), times (1 + x/s)^j (1 - x/(1 - s))^(n-j)
    / (s + x): relative error near 1e-13 at n = 1,000,000, where log C(n, j) from log-gamma functions would lose
    about 1e-9. Summed block by block (log-sum-exp), so memory stays small.
    """
    last = int(np.floor(n * (1.0 - x)))
    stirling_n = float(_stirlerr(np.array([float(n)]))[0])
    top, total = float(n * np.log1p(-x) - np.log(x)), 1.0  # j = 0: x^-1 (1 - x)^n; sum = total e^top
    for start in range(1, last + 1, SMIRNOV_BLOCK):
        j = np.arange(start, min(start + SMIRNOV_BLOCK, last + 1), dtype=float)
        s = j / n
        rest = 1.0 - s
        keep = rest > x  # a term with 1 - x - j/n = 0 (n (1 - x) an integer) is zero
        j, s, rest = j[keep], s[keep], rest[keep]
        term = (stirling_n - _stirlerr(j) - _stirlerr(n - j) - _HALF_LOG_2PI - 0.5 * np.log(j * rest)
                + j * np.log1p(x / s) - np.log(s + x) + (n - j) * np.log1p(-x / rest))
        if term.size == 0:
            continue
        block_top = float(term.max())
        if block_top > top:
            total *= np.exp(top - block_top)
            top = block_top
        total += float(np.sum(np.exp(term - top)))
    return float(x * np.exp(top) * total)


def wasserstein_distance(ref: np.ndarray, prod: np.ndarray) -> float:
    """Wasserstein-1 distance of two sorted samples: the area between their quantile functions.

    That area equals scipy's integral of |F - G| over the values, but needs no merge of the two
    samples: with n values in one and m <= n in the other, the quantile functions are steps on the
    grids i/n and k/m, and each step of length 1/n overlaps at most two steps of length 1/m.
    Equal sizes: the mean absolute difference of the sorted samples.
    """
    if ref.size == 0 or prod.size == 0:
        return float("nan")
    a, b = (ref, prod) if ref.size >= prod.size else (prod, ref)
    n, m = a.size, b.size
    if n == m:
        return float(np.mean(np.abs(a - b)))
    if float(n) * float(m) >= 2.0 ** 50:  # keep every product below exactly representable floats
        merged, gap = cdf_gaps(ref, prod)
        return float(np.sum(np.abs(gap[:-1]) * np.diff(merged)))
    # in units of 1/(n m), exact in floats: a's step i covers (i m, (i+1) m], b's k covers (k n, (k+1) n];
    # since m < n, a's step overlaps b's step `first` and perhaps the next one
    start = np.arange(n, dtype=float) * m
    first = np.floor(start / n)  # exact: i m / n is at least 1/n away from the next integer
    boundary = np.minimum((first + 1) * n, start + m)
    index = first.astype(np.int64)
    step = np.abs(a - b[index])
    step *= boundary - start
    start += m  # now the end of a's step
    start -= boundary  # its overlap with b's next step (zero when none)
    np.minimum(index + 1, m - 1, out=index)
    np.subtract(a, b[index], out=boundary)
    np.abs(boundary, out=boundary)
    boundary *= start
    step += boundary
    return float(np.sum(step) / (float(n) * float(m)))  # pairwise summation, as scipy's


def wasserstein(ref: SortedSample, prod: SortedSample, **_: object) -> MethodResult:
    """Wasserstein-1 distance divided by the reference standard deviation (scale-free)."""
    scale = ref.std()
    distance = wasserstein_distance(ref.values, prod.values)
    value = distance / scale if scale > 0 else (0.0 if distance == 0 else float("inf"))
    return MethodResult(value, None, value)


def energy(ref: SortedSample, prod: SortedSample, **_: object) -> MethodResult:
    """Energy distance (scipy's definition) divided by the reference standard deviation's square root."""
    merged, gap = cdf_gaps(ref.values, prod.values)
    distance = float(np.sqrt(2 * np.sum(gap[:-1] ** 2 * np.diff(merged))))
    scale = ref.std()
    value = distance / np.sqrt(scale) if scale > 0 else (0.0 if distance == 0 else float("inf"))
    return MethodResult(value, None, value)


def quantile_edges(ref: np.ndarray, bins: int) -> np.ndarray:
    """Inner edges of `bins` reference-quantile bins of the sorted reference (duplicates removed for discrete
    columns): np.quantile's linear method, computed the way numpy does but without its partition of a copy."""
    if ref.size == 0:
        return np.array([])
    return np.unique(sorted_quantiles(ref, np.linspace(0, 1, bins + 1)[1:-1]))


def sorted_quantiles(ordered: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """np.quantile(ordered, levels) (method "linear") of a sorted array, with numpy's own arithmetic."""
    n = ordered.size
    virtual = (n - 1) * levels  # numpy's virtual index for "linear"
    below = np.clip(np.floor(virtual), 0, n - 1).astype(np.intp)
    above = np.clip(below + 1, 0, n - 1)
    gamma = virtual - np.floor(virtual)
    a, b = ordered[below], ordered[above]
    difference = b - a
    return np.where(gamma >= 0.5, b - difference * (1 - gamma), a + difference * gamma)  # numpy's _lerp


def binned_shares(ref: np.ndarray, prod: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Shares of each sorted sample in the reference-quantile bins (right-closed, open-ended outer bins)."""
    edges = quantile_edges(ref, bins)

    def counts(ordered: np.ndarray) -> np.ndarray:
        return np.diff(np.searchsorted(ordered, edges, side="right"), prepend=0, append=ordered.size)

    return counts(ref) / max(ref.size, 1), counts(prod) / max(prod.size, 1)


def _smooth(p: np.ndarray, eps: float) -> np.ndarray:
    p = np.where(p == 0, eps, p)
    return p / p.sum()


def psi_value(p: np.ndarray, q: np.ndarray, eps: float) -> float:
    p, q = _smooth(p, eps), _smooth(q, eps)
    return float(np.sum((q - p) * np.log(q / p)))


def kl_value(p: np.ndarray, q: np.ndarray, eps: float) -> float:
    """KL(production || reference) in nats, empty bins smoothed."""
    p, q = _smooth(p, eps), _smooth(q, eps)
    return float(np.sum(q * np.log(q / p)))


def js_value(p: np.ndarray, q: np.ndarray) -> float:
    return float(jensenshannon(p, q, base=2)) if p.sum() and q.sum() else float("nan")


def hellinger_value(p: np.ndarray, q: np.ndarray) -> float:
    return float(np.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)))  # exactly 0 for equal shares


def tvd_value(p: np.ndarray, q: np.ndarray) -> float:
    return float(0.5 * np.sum(np.abs(p - q)))


def _binned(fn: Callable[[np.ndarray, np.ndarray, BinningConfig], float]):
    def method(ref: SortedSample, prod: SortedSample, binning: BinningConfig = BinningConfig(),
               **_: object) -> MethodResult:
        p, q = binned_shares(ref.values, prod.values, binning.bins)
        value = fn(p, q, binning)
        return MethodResult(value, None, value)

    return method


def _counted(fn: Callable[[np.ndarray, np.ndarray, BinningConfig], float]):
    def method(ref_counts: np.ndarray, prod_counts: np.ndarray, binning: BinningConfig = BinningConfig(),
               **_: object) -> MethodResult:
        p, q = ref_counts / max(ref_counts.sum(), 1), prod_counts / max(prod_counts.sum(), 1)
        value = fn(p, q, binning)
        return MethodResult(value, None, value)

    return method


def anderson(ref: SortedSample, prod: SortedSample, **_: object) -> MethodResult:
    """k-sample Anderson-Darling (scipy); p-value capped to [0.001, 0.25] by scipy's tables."""
    import warnings

    if ref.values.size and prod.values.size and ref.values[0] == ref.values[-1] == prod.values[0] == prod.values[-1]:
        return MethodResult(0.0, 1.0, 0.0)  # one value in both: nothing differs (scipy refuses to compute it)
    if ref.values.size < 2 or prod.values.size < 2:  # not defined (scipy returns NaN, or fails for one and one)
        return MethodResult(float("nan"), float("nan"), ks_distance(ref.values, prod.values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.anderson_ksamp([ref.values, prod.values])
    return MethodResult(float(result.statistic), float(result.pvalue), ks_distance(ref.values, prod.values))


def cramer_von_mises(ref: SortedSample, prod: SortedSample, **_: object) -> MethodResult:
    result = stats.cramervonmises_2samp(ref.values, prod.values)
    return MethodResult(float(result.statistic), float(result.pvalue), ks_distance(ref.values, prod.values))


# -- categorical building blocks -------------------------------------------------------------


def chi2(ref_counts: np.ndarray, prod_counts: np.ndarray, **_: object) -> MethodResult:
    """Chi-square test of homogeneity on the 2 x k table (no continuity correction)."""
    keep = (ref_counts + prod_counts) > 0
    table = np.vstack([ref_counts[keep], prod_counts[keep]])
    p, q = ref_counts / max(ref_counts.sum(), 1), prod_counts / max(prod_counts.sum(), 1)
    if table.shape[1] < 2:
        return MethodResult(0.0, 1.0, tvd_value(p, q))
    statistic, p_value = chi2_homogeneity(table)
    return MethodResult(statistic, p_value, tvd_value(p, q))


def chi2_homogeneity(table: np.ndarray) -> tuple[float, float]:
    """scipy's chi2_contingency(table, correction=False) for a 2 x k table without empty columns, with scipy's
    own operations in scipy's order (the same floats), without its checks (a tenth of the time per chunk)."""
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    return statistic, float(special.chdtrc(table.shape[1] - 1, statistic))  # = stats.chi2.sf


def z_test(ref_counts: np.ndarray, prod_counts: np.ndarray, **_: object) -> MethodResult:
    """Two-proportion z-test on the first of two categories (pooled standard error)."""
    n1, n2 = ref_counts.sum(), prod_counts.sum()
    x1, x2 = ref_counts[0], prod_counts[0]
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return MethodResult(0.0, 1.0, abs(p1 - p2))
    z = (p2 - p1) / se
    return MethodResult(float(z), float(2 * stats.norm.sf(abs(z))), float(abs(p1 - p2)))


# -- the registry ----------------------------------------------------------------------------

NUM, CAT, BOTH = frozenset({"numerical"}), frozenset({"categorical"}), frozenset({"numerical", "categorical"})

register(DriftMethod("ks", "Kolmogorov-Smirnov", NUM, True, 0.05, True,
                     "two-sample KS test; exact statistic; p-value scipy's: exact up to 10,000 rows, the finite-n "
                     "distribution of the effective size above (per chunk: Kolmogorov's limit distribution)",
                     numerical=ks))
register(DriftMethod("psi", "Population stability index", BOTH, False, 0.1, True,
                     "PSI on reference-quantile bins (numerical) or categories; empty bins smoothed",
                     numerical=_binned(lambda p, q, b: psi_value(p, q, b.smoothing)),
                     categorical=_counted(lambda p, q, b: psi_value(p, q, b.smoothing))))
register(DriftMethod("jensen_shannon", "Jensen-Shannon distance", BOTH, False, 0.1, True,
                     "Jensen-Shannon distance, base 2 (0-1), on reference-quantile bins or categories",
                     numerical=_binned(lambda p, q, b: js_value(p, q)),
                     categorical=_counted(lambda p, q, b: js_value(p, q))))
register(DriftMethod("wasserstein", "Wasserstein (normed)", NUM, False, 0.1, False,
                     "Wasserstein-1 distance divided by the reference standard deviation", numerical=wasserstein))
register(DriftMethod("hellinger", "Hellinger distance", BOTH, False, 0.1, True,
                     "Hellinger distance (0-1) on reference-quantile bins or categories",
                     numerical=_binned(lambda p, q, b: hellinger_value(p, q)),
                     categorical=_counted(lambda p, q, b: hellinger_value(p, q))))
register(DriftMethod("anderson", "Anderson-Darling (k-sample)", NUM, True, 0.05, True,
                     "k-sample Anderson-Darling test (scipy); p-values are capped to 0.001-0.25",
                     numerical=anderson))
register(DriftMethod("cramer_von_mises", "Cramér-von Mises", NUM, True, 0.05, True,
                     "two-sample Cramér-von Mises test (scipy)", numerical=cramer_von_mises))
register(DriftMethod("kl_div", "Kullback-Leibler divergence", NUM, False, 0.1, False,
                     "KL(production || reference) in nats on reference-quantile bins, empty bins smoothed",
                     numerical=_binned(lambda p, q, b: kl_value(p, q, b.smoothing))))
register(DriftMethod("energy", "Energy distance (normed)", NUM, False, 0.1, False,
                     "energy distance divided by the square root of the reference standard deviation",
                     numerical=energy))
register(DriftMethod("chi2", "Chi-square", CAT, True, 0.05, True,
                     "chi-square test of homogeneity on the 2 x k table of category counts", categorical=chi2))
register(DriftMethod("tvd", "Total variation distance", CAT, False, 0.1, True,
                     "half the sum of absolute differences of category shares (0-1)",
                     categorical=_counted(lambda p, q, b: tvd_value(p, q))))
register(DriftMethod("z", "Two-proportion z-test", CAT, True, 0.05, True,
                     "two-proportion z-test for binary columns (pooled standard error)", categorical=z_test))
