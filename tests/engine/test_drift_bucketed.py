"""The drift engine's fast exact paths against scipy: bucketed KS and Wasserstein (no sort), the KS grid bounds
on sorted samples, scipy's finite-n KS p-value, and the calculator's bucketed path against its sorted one."""
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import assay.engine.drift.bucketed as bucketed
from assay.engine import AuditConfig
from assay.engine.drift.bucketed import BucketedSample, Buckets, float_keys, key_floats, ks_distances, wasserstein_distances
from assay.engine.drift.stattests import ks_distance, ks_from_distance, kstwo_sf
from assay.engine.drift.distributions import SortedValues, numerical_distribution, quantiles
from assay.engine.drift.encoding import rows_outside, sorted_parts
from assay.engine.drift.univariate import DriftCalculator
from assay.engine.schema import infer_schema
from tests.conftest import EMPLOYMENT

rng = np.random.default_rng(7)


def pair(reference, production):
    buckets = Buckets([reference, production])
    return BucketedSample.of(reference, buckets), BucketedSample.of(production, buckets)


def finite(values):
    return values[~np.isnan(values)]


def generated(kind: str, n: int, seed: int, shift: float = 0.0) -> np.ndarray:
    """Awkward columns: heavy ties, atoms at zero, both zeros, huge offsets, far outliers, missing values."""
    g = np.random.default_rng(seed)
    values = {
        "normal": lambda: g.normal(shift, 1, n),
        "ties": lambda: np.round(g.normal(shift, 1, n), 1),
        "counts": lambda: g.poisson(3 + shift, n).astype(float),
        "zeros": lambda: np.where(g.random(n) < 0.3, 0.0, g.exponential(1 + shift, n)),
        "signed_zeros": lambda: np.where(g.random(n) < 0.3, -0.0, g.normal(shift, 1, n)),
        "offset": lambda: 1.7e9 + g.normal(shift, 1, n) * 3e7,
        "cauchy": lambda: g.standard_cauchy(n) + shift,
        "outlier": lambda: np.append(g.normal(shift, 1, n - 1), 1e300),
        "tiny": lambda: g.lognormal(-30 + shift, 8, n),
        "negative": lambda: -g.lognormal(shift, 1, n),
        "constant": lambda: np.full(n, 2.5 + shift),
    }[kind]()
    if g.random() < 0.5:
        values[g.random(n) < 0.05] = np.nan
    return values


KINDS = ["normal", "ties", "counts", "zeros", "signed_zeros", "offset", "cauchy", "outlier", "tiny", "negative",
         "constant"]
sizes = st.sampled_from([1, 7, 300, 5_000, 60_000])


@pytest.fixture(params=[16_384, 16], ids=["buckets", "few-buckets"])
def bucket_count(request, monkeypatch):
    """With 16 buckets nearly every bucket is examined value by value: the refining code is what is tested."""
    monkeypatch.setattr(bucketed, "BUCKETS", request.param)
    return request.param


def wasserstein_by_counts(u: np.ndarray, v: np.ndarray) -> float:
    """scipy's formula (the area between the two empirical CDFs), with the CDFs' difference at each step as an exact
    ratio of whole counts. scipy subtracts the two CDFs as floats: where both are near 1 (a far outlier, 1e300, in
    each sample) the difference keeps only about 8 digits, and times a span of 1e300 that is a relative error of
    1e-9 in the distance (seen: 1.7510363270e292 from scipy; 1.7510363289e292 here, as the exact fraction)."""
    u, v = np.sort(u), np.sort(v)
    points = np.sort(np.concatenate([u, v]))
    below_u = np.searchsorted(u, points[:-1], side="right").astype(np.int64)
    below_v = np.searchsorted(v, points[:-1], side="right").astype(np.int64)
    gaps = np.abs(below_u * v.size - below_v * u.size)  # |F_u - F_v| * n * m, exactly
    return float(np.sum(gaps * np.diff(points)) / (u.size * v.size))


def test_the_exact_wasserstein_reference_agrees_with_scipy_and_a_hand_calculation():
    assert wasserstein_by_counts(np.array([0.0, 1.0]), np.array([0.0, 3.0])) == 1.0  # |1/2 - 1/2|, then 1/2 over 2
    u, v = rng.normal(size=300), rng.normal(0.3, 1.2, 200)
    assert wasserstein_by_counts(u, v) == pytest.approx(stats.wasserstein_distance(u, v), rel=1e-12)


@given(st.sampled_from(KINDS), sizes, sizes, st.integers(0, 10_000), st.sampled_from([0.0, 0.05, 1.0]))
@settings(max_examples=60, deadline=None)
def test_bucketed_ks_and_wasserstein_equal_scipys_whole_and_per_chunk(kind, n, m, seed, shift):
    for count in (16_384, 16):
        bucketed.BUCKETS = count
        try:
            reference, production = generated(kind, n, seed), generated(kind, m, seed + 1, shift)
            ref, prod = pair(reference, production)
            chunks = [np.arange(s, min(s + max(m // 5, 1), m)) for s in range(0, m, max(m // 5, 1))]
            parts = [prod.part(None)] + [prod.part(rows) for rows in chunks] + [ref.part(np.arange(0, n, 2))]
            kept = [p for p in parts if p.size]
            if not ref.size or not kept:
                continue
            samples = [finite(production)] + [finite(production[rows]) for rows in chunks] + [finite(reference[::2])]
            samples = [s for s in samples if s.size]
            for (d, location), sample in zip(ks_distances(ref.part(None), kept), samples):
                assert d == stats.ks_2samp(finite(reference), sample, method="asymp").statistic
                assert location is not None and np.isfinite(location)
            for w, sample in zip(wasserstein_distances(ref.part(None), kept), samples):
                exact = wasserstein_by_counts(finite(reference), sample)
                assert w == pytest.approx(exact, rel=1e-9, abs=1e-300)
                assert stats.wasserstein_distance(finite(reference), sample) == pytest.approx(exact, rel=1e-7,
                                                                                               abs=1e-300)
        finally:
            bucketed.BUCKETS = 16_384


def test_bucketed_ks_at_a_million_rows_equals_scipy(bucket_count):
    reference = rng.normal(size=1_000_000)
    production = rng.normal(0.002, 1, 400_000)
    ref, prod = pair(reference, production)
    (d, _), = ks_distances(ref.part(None), [prod.part(None)])
    assert d == stats.ks_2samp(reference, production).statistic


def test_float_keys_order_like_the_values_and_come_back():
    x = np.array([-np.inf, -1e300, -2.0, -1.0, -1e-300, -5e-324, -0.0, 0.0, 5e-324, 1e-300, 1.0, 2.0, 1e300, np.inf])
    keys = float_keys(x)
    assert all(a <= b for a, b in zip(keys[:-1], keys[1:])) and keys[6] == keys[7]  # -0.0 and 0.0: one key
    np.testing.assert_array_equal(key_floats(keys), x + 0.0)


def assigned_by_search(buckets: Buckets, values: np.ndarray) -> np.ndarray:
    """The bucket of each value by its definition: the last bucket whose smallest value is at or below it (`count`
    for NaN)."""
    found = np.searchsorted(buckets.lower, values, side="right") - 1
    return np.where(np.isnan(values), buckets.count, found)


def edge_values(buckets: Buckets, values: np.ndarray) -> np.ndarray:
    """The values, each bucket's edges and the floats either side of them, signed zeros, and NaN, within range."""
    lower = buckets.lower
    found = np.concatenate([values, lower, np.nextafter(lower, -np.inf), np.nextafter(lower, np.inf),
                            [0.0, -0.0, buckets.low, buckets.high, np.nan]])
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(found), found, np.clip(found, buckets.low, buckets.high))


SPREADS = [lambda r, n: r.normal(size=n), lambda r, n: r.normal(3, 1, n), lambda r, n: -r.lognormal(0, 3, n),
           lambda r, n: r.standard_t(1, n) * 1e200, lambda r, n: r.integers(-3, 4, n) * 1e-310,
           lambda r, n: np.append(r.normal(size=n), [-np.inf, np.inf, -0.0, 5e-324, -5e-324]),
           lambda r, n: r.choice([-0.0, 0.0, 1.0], n)]


@given(st.integers(0, len(SPREADS) - 1), st.integers(1, 3000), st.integers(0, 10_000), st.floats(0, 0.3))
@settings(max_examples=60, deadline=None)
def test_a_values_bucket_is_the_last_whose_lower_edge_is_at_or_below_it(spread, n, seed, missing):
    """`Buckets.assign` (a table look-up over float keys; signed keys around 0) gives the bucket `searchsorted`
    over the edges gives: on the edges and the floats next to them, -0.0, infinities, tiny values; NaN apart."""
    r = np.random.default_rng(seed)
    values = SPREADS[spread](r, n).astype(float)
    values[r.random(values.size) < missing] = np.nan
    buckets = Buckets([values])
    points = edge_values(buckets, values)
    np.testing.assert_array_equal(buckets.assign(points), assigned_by_search(buckets, points))


def test_census_values_fall_in_the_buckets_their_edges_say():
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    reference = pd.read_parquet(EMPLOYMENT / "reference.parquet")
    production = pd.read_parquet(EMPLOYMENT / "production.parquet")
    checked = 0
    for name in reference.columns:
        if name not in production.columns or not pd.api.types.is_numeric_dtype(reference[name]):
            continue
        columns = [frame[name].to_numpy(dtype=float, na_value=np.nan) for frame in (reference, production)]
        buckets = Buckets(columns)
        for values in columns:
            points = edge_values(buckets, values)
            np.testing.assert_array_equal(buckets.assign(points), assigned_by_search(buckets, points))
        checked += 1
    assert checked >= 5


@given(st.sampled_from(KINDS), sizes, st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_order_statistics_counts_and_the_drawing_match_sorted_values(kind, n, seed):
    reference, production = generated(kind, 3_000, seed), generated(kind, n, seed + 1, 0.3)
    ref, prod = pair(reference, production)
    a, b = np.sort(finite(reference)), np.sort(finite(production))
    if not a.size or not b.size:
        return
    whole = prod.part(None)
    ranks = np.unique(np.linspace(0, b.size - 1, 50).astype(int))
    np.testing.assert_array_equal(whole.order_statistics(ranks), b[ranks])
    points = np.concatenate([b[ranks], b[ranks] + 1e-3, [-np.inf, np.inf, b[0] - 1, b[-1] + 1]])
    points = points[np.isfinite(points)]
    np.testing.assert_array_equal(whole.count_below(points), np.searchsorted(b, points, side="left"))
    levels = np.linspace(0, 1, 101)
    np.testing.assert_allclose(quantiles(whole, levels), np.quantile(b, levels), rtol=1e-13,
                               atol=1e-13 * float(np.abs(b).max()))  # (numpy interpolates from the nearer side)
    drawn = numerical_distribution(ref.part(None), whole, 0.0)
    sorted_ = numerical_distribution(SortedValues(a), SortedValues(b), 0.0)
    assert drawn.reference_quantiles == sorted_.reference_quantiles
    assert drawn.production_quantiles == sorted_.production_quantiles
    edges = np.array(drawn.edges)  # (inner edges may sit at bucket edges: within 5% of a bin of the even ones)
    assert edges[0] == sorted_.edges[0] and edges[-1] == sorted_.edges[-1] and np.all(np.diff(edges) > 0)
    density = np.diff(np.searchsorted(b, edges[1:-1], side="left"), prepend=0, append=b.size) / b.size / np.diff(edges)
    np.testing.assert_allclose(drawn.production_density, density, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 40), min_size=1, max_size=12), levels=st.integers(1, 6), seed=st.integers(0, 99),
       data=st.data())
def test_distinct_runs_find_each_values_first_place_bucket_and_searchsorted_end(sizes, levels, seed, data):
    """`_distinct_runs` against np.unique and np.searchsorted over sorted values laid out bucket by bucket (buckets
    are ranges of values: bucket j's values lie above bucket j - 1's), with both zeros among them."""
    g = np.random.default_rng(seed)
    pieces = [np.sort(j * 10.0 + g.integers(0, levels, size)) for j, size in enumerate(sizes)]
    pieces[0][pieces[0] == 0.0] = -0.0  # (-0.0 equals 0.0: one run)
    values = np.concatenate(pieces)
    counts = np.array(sizes)
    first = np.cumsum(counts) - counts
    looked = np.array(sorted(data.draw(st.sets(st.integers(0, len(sizes) - 1), min_size=1))))
    at, bucket, end = bucketed._distinct_runs(values, first, counts, looked)
    expected_at, expected_bucket = [], []
    for j in looked:
        mine = values[first[j]:first[j] + counts[j]]
        _, where = np.unique(mine, return_index=True)
        expected_at += (first[j] + where).tolist()
        expected_bucket += [j] * where.size
    assert at.tolist() == expected_at and bucket.tolist() == expected_bucket
    assert end.tolist() == np.searchsorted(values, values[at], side="right").tolist()


@given(st.integers(4_097, 9_000), st.integers(1, 12), st.integers(1, 30), st.floats(0, 0.5), st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_ks_grid_bounds_on_sorted_samples_with_heavy_ties_equal_scipy(m, levels, ratio, shift, seed):
    """ks_distance's grid-bound path (above 4,096 values in the smaller sample), heavy ties, n >> m."""
    g = np.random.default_rng(seed)
    a = np.sort(g.integers(0, levels, m) / 2)  # few distinct values
    b = np.sort(np.round(g.normal(levels / 4 + shift, levels / 6 + 0.1, m * ratio), 1))
    expected = stats.ks_2samp(a, b, method="asymp").statistic
    assert ks_distance(a, b) == expected and ks_distance(b, a) == expected


@pytest.mark.parametrize("n, m", [(5_000, 5_000), (20_000, 4_097), (4_097, 300_000), (250_000, 250_000),
                                  (1_000_000, 30_000)])
def test_ks_grid_bounds_equal_scipy_on_large_samples(n, m):
    for shift in (0.0, 0.01, 0.3):
        a, b = np.sort(rng.gamma(2, 1, n)), np.sort(rng.gamma(2, 1, m) + shift)
        assert ks_distance(a, b) == stats.ks_2samp(a, b, method="asymp").statistic


@pytest.mark.parametrize("n", [141, 1_000, 47_619, 100_000, 100_001, 500_000, 1_000_000])
def test_kstwo_sf_equals_scipy(n):
    for z in (0.3, 1.0, 1.5, 2.0, 3.0, 8.0, 13.0, 19.0):
        d = z / np.sqrt(n)
        assert kstwo_sf(d, n) == pytest.approx(float(stats.kstwo.sf(d, n)), rel=1e-11, abs=1e-300)
    for d in (0.5, 0.7):
        assert kstwo_sf(d, n) == pytest.approx(float(stats.kstwo.sf(d, n)), rel=1e-11, abs=1e-300)


@pytest.mark.parametrize("n, m", [(30_000, 30_000), (400_000, 300_000), (1_000_000, 1_000_000), (200_000, 500)])
def test_ks_p_values_equal_scipys_at_every_size(n, m):
    for shift in (0.0, 0.004, 0.02):
        a, b = rng.normal(size=n), rng.normal(shift, 1, m)
        expected = stats.ks_2samp(a, b)
        result = ks_from_distance(expected.statistic, n, m)
        assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


def test_sorted_parts_cover_every_row_once():
    values = rng.normal(size=1_000)
    values[::7] = np.nan
    everything = np.sort(finite(values))
    for parts in ([np.arange(0, 500), np.arange(500, 1_000)],  # contiguous, covering
                  [np.arange(0, 1_000, 3), np.arange(1, 1_000, 3)],  # rows left over
                  [np.arange(0, 600), np.arange(400, 1_000)],  # overlapping: sorted directly
                  []):
        sorted_, whole, missing = sorted_parts(values, parts)
        np.testing.assert_array_equal(whole, everything)
        assert missing == int(np.isnan(values).sum())
        for rows, part in zip(parts, sorted_):
            np.testing.assert_array_equal(part, np.sort(finite(values[rows])))
    assert rows_outside(10, [np.arange(0, 5), np.arange(3, 10)]) is None
    np.testing.assert_array_equal(rows_outside(10, [np.arange(0, 5), np.arange(7, 10)]), [5, 6])


def frames(n: int, seed: int = 0):
    g = np.random.default_rng(seed)
    reference = pd.DataFrame({"x": g.gamma(2, 1, n), "ties": g.poisson(3, n).astype(float),
                              "w": g.normal(size=n), "c": g.choice(list("abcd"), n)})
    production = pd.DataFrame({"x": g.gamma(2, 1.05, n), "ties": g.poisson(3.1, n).astype(float),
                               "w": g.normal(0.02, 1, n), "c": g.choice(list("abcd"), n)})
    production.loc[::11, "w"] = np.nan
    return reference, production


@pytest.mark.parametrize("method", ["ks", "wasserstein"])
def test_the_calculators_bucketed_path_equals_its_sorted_path(monkeypatch, method):
    reference, production = frames(60_000)
    config = AuditConfig().replace("drift", multivariate=False, numerical_method=method, chunk_by="rows",
                                   chunk_size=7_000)
    schema = infer_schema(reference, production, config)
    fast = DriftCalculator(schema, config.drift).fit(reference).calculate(production)
    monkeypatch.setattr(DriftCalculator, "_bucketed", lambda self, column, values: False)
    slow = DriftCalculator(schema, config.drift).fit(reference).calculate(production)
    for name in ("x", "ties", "w"):
        f, s = fast.feature(name), slow.feature(name)
        assert f.statistic == pytest.approx(s.statistic, rel=1e-12) and f.p_value == s.p_value
        assert (f.rows_production, f.missing_production) == (s.rows_production, s.missing_production)
        assert f.chunk_effect_sizes == pytest.approx(s.chunk_effect_sizes, rel=1e-12)
        assert f.band == pytest.approx(s.band, rel=1e-9) and f.chunk_drifted == s.chunk_drifted
        assert f.distribution.reference_quantiles == s.distribution.reference_quantiles
        assert f.distribution.production_quantiles == s.distribution.production_quantiles
    assert fast.feature("x").statistic == pytest.approx(
        stats.ks_2samp(reference["x"], production["x"]).statistic if method == "ks" else
        stats.wasserstein_distance(reference["x"], production["x"]) / np.std(reference["x"]), rel=1e-12)


def test_progress_only_rises_and_closing_the_calculation_stops_its_tasks():
    reference, production = frames(200_000, seed=3)
    config = AuditConfig().replace("drift", multivariate=False, chunk_by="rows", chunk_size=5_000)
    schema = infer_schema(reference, production, config)
    calculator = DriftCalculator(schema, config.drift).fit(reference)
    fractions = [event.fraction for event in calculator.iter_calculate(production)]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    before = threading.active_count()
    steps = calculator.iter_calculate(production)
    next(steps)
    steps.close()  # what the app's cancel does: the worker threads finish their column and stop
    assert threading.active_count() <= before
