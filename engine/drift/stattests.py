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
from scipy import stats
from scipy.spatial.distance import jensenshannon

Kind = Literal["numerical", "categorical"]
EXACT_KS_MAX_N = 10_000  # scipy's own limit for its exact KS p-value in method="auto"
# Above this effective size (n*m/(n+m)) scipy's finite-n distribution (kstwo) costs up to seconds per
# call; Kolmogorov's limit distribution differs from it by under 1% there for p-values above 1e-6.
KS_FINITE_N_MAX = 50_000


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
    """The largest gap between the two empirical CDFs (both samples sorted)."""
    if ref.size == 0 or prod.size == 0:
        return float("nan")
    large, small = (ref, prod) if ref.size >= prod.size else (prod, ref)
    if small.size * 8 < large.size:
        return _ks_distance_small(large, small)
    merged, gap = cdf_gaps(ref, prod)
    ends = np.append(merged[1:] != merged[:-1], True)  # evaluate after the last of tied values
    return float(np.max(np.abs(gap[ends])))


def _ks_distance_small(large: np.ndarray, small: np.ndarray) -> float:
    """KS distance in O(m log n) when one sample (m values, sorted) is much smaller than the other.

    Between two consecutive values of the small sample its CDF is flat while the other rises,
    so the largest gap lies at a value of the small sample, just at it or just before it.
    """
    n, m = large.size, small.size
    last = np.empty(m, dtype=bool)
    last[-1] = True
    last[:-1] = small[1:] != small[:-1]
    ends = np.flatnonzero(last)  # the last index of each run of tied values
    starts = np.concatenate([[0], ends[:-1] + 1])
    values = small[starts]
    at = np.abs(np.searchsorted(large, values, "right") / n - (ends + 1) / m)
    before = np.abs(np.searchsorted(large, values, "left") / n - starts / m)
    return float(max(at.max(), before.max()))


def ks(ref: SortedSample, prod: SortedSample, fast_p: bool = False, **_: object) -> MethodResult:
    """Two-sample Kolmogorov-Smirnov with scipy's p-values: exact up to 10,000 rows, finite-n asymptotic
    above, and Kolmogorov's limit distribution above an effective size of 50,000 (or always, with
    `fast_p`, which the per-chunk tests use).
    """
    a, b = ref.values, prod.values
    if not fast_p and max(a.size, b.size) <= EXACT_KS_MAX_N:  # scipy's exact test costs O(n m) for unequal sizes
        result = stats.ks_2samp(a, b)
        d = float(result.statistic)
        return MethodResult(d, float(result.pvalue), d)
    d = ks_distance(a, b)
    en = a.size * b.size / (a.size + b.size)
    if fast_p or en > KS_FINITE_N_MAX:
        p = stats.kstwobign.sf(d * np.sqrt(en))
    else:
        p = stats.kstwo.sf(d, np.round(en))
    return MethodResult(d, float(np.clip(p, 0.0, 1.0)), d)


def wasserstein_distance(ref: np.ndarray, prod: np.ndarray) -> float:
    merged, gap = cdf_gaps(ref, prod)
    return float(np.sum(np.abs(gap[:-1]) * np.diff(merged)))


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
    """Inner edges of `bins` reference-quantile bins (duplicates removed for discrete columns)."""
    if ref.size == 0:
        return np.array([])
    inner = np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1], method="linear")
    return np.unique(inner)


def binned_shares(ref: np.ndarray, prod: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Shares of each sample in the reference-quantile bins (right-closed, open-ended outer bins)."""
    edges = quantile_edges(ref, bins)
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=edges.size + 1)
    prod_counts = np.bincount(np.searchsorted(edges, prod, side="left"), minlength=edges.size + 1)
    return ref_counts / max(ref.size, 1), prod_counts / max(prod.size, 1)


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
    statistic, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    return MethodResult(float(statistic), float(p_value), tvd_value(p, q))


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
                     "two-sample KS test; exact statistic; p-value exact up to 10,000 rows, finite-n asymptotic above, "
                     "Kolmogorov's limit distribution above an effective 50,000",
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
