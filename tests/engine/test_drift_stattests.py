"""Every drift statistic against scipy or a hand calculation; invariants with hypothesis."""
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from assay.engine.drift.corrections import adjust
from assay.engine.drift.stattests import (REGISTRY, BinningConfig, SortedSample, binned_shares, ks_distance,
                                    sorted_quantiles)

rng = np.random.default_rng(42)


def sample(values) -> SortedSample:
    return SortedSample(np.sort(np.asarray(values, dtype=float)))


def numerical(name, a, b, **kw):
    return REGISTRY[name].numerical(sample(a), sample(b), **kw)


def categorical(name, a, b, **kw):
    return REGISTRY[name].categorical(np.asarray(a, dtype=float), np.asarray(b, dtype=float), **kw)


@pytest.mark.parametrize("n, m, shift", [(50, 80, 0.05), (3000, 2000, 0.05), (30_000, 20_000, 0.05),
                                         (200_000, 500, 0.05), (400_000, 300_000, 0.05), (400_000, 300_000, 0.001)])
def test_ks_matches_scipy_exactly_and_asymptotically(n, m, shift):
    a = np.round(rng.normal(size=n), 2)  # rounding makes ties
    b = np.round(rng.normal(shift, 1.0 + shift, size=m), 2)
    ours = numerical("ks", a, b)
    theirs = stats.ks_2samp(a, b)
    assert ours.statistic == pytest.approx(theirs.statistic, abs=1e-12)
    if n * m / (n + m) > 50_000 and theirs.pvalue < 1e-6:  # far tail of the limit distribution
        assert ours.p_value < 1e-6
    else:  # Kolmogorov's limit distribution above an effective 50,000 rows: within 1% of scipy's
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-2 if n * m / (n + m) > 50_000 else 1e-9)
    assert ours.effect_size == ours.statistic


def test_wasserstein_and_energy_match_scipy():
    a, b = rng.lognormal(size=5000), rng.lognormal(0.1, 1, size=7000)
    scale = np.std(a)
    assert numerical("wasserstein", a, b).statistic == pytest.approx(stats.wasserstein_distance(a, b) / scale, rel=1e-9)
    assert numerical("energy", a, b).statistic == pytest.approx(stats.energy_distance(a, b) / np.sqrt(scale), rel=1e-9)


def test_anderson_and_cramer_von_mises_match_scipy():
    a, b = rng.normal(size=400), rng.normal(0.3, 1, size=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns when its p-value is capped
        expected = stats.anderson_ksamp([a, b])
    result = numerical("anderson", a, b)
    assert result.statistic == pytest.approx(expected.statistic) and result.p_value == pytest.approx(expected.pvalue)
    expected = stats.cramervonmises_2samp(a, b)
    result = numerical("cramer_von_mises", a, b)
    assert result.statistic == pytest.approx(expected.statistic) and result.p_value == pytest.approx(expected.pvalue)
    assert result.effect_size == pytest.approx(stats.ks_2samp(a, b).statistic)


def test_binned_methods_against_a_hand_calculation():
    a = np.arange(1, 11, dtype=float)  # reference 1..10; bins of 2 (edges at the quintiles)
    b = np.array([1, 1, 1, 1, 2, 3, 9, 10, 10, 10], dtype=float)
    p, q = binned_shares(np.sort(a), np.sort(b), 5)
    # quintile edges of 1..10 (linear): 2.8, 4.6, 6.4, 8.2 -> reference 2,2,2,2,2; production 5,1,0,0,4 (of 10)
    np.testing.assert_allclose(p, [0.2] * 5)
    np.testing.assert_allclose(q, [0.5, 0.1, 0.0, 0.0, 0.4])
    binning = BinningConfig(bins=5, smoothing=1e-4)
    eps_q = np.where(q == 0, 1e-4, q) / np.where(q == 0, 1e-4, q).sum()
    expected_psi = np.sum((eps_q - p) * np.log(eps_q / p))
    assert numerical("psi", a, b, binning=binning).statistic == pytest.approx(expected_psi)
    assert numerical("kl_div", a, b, binning=binning).statistic == pytest.approx(np.sum(eps_q * np.log(eps_q / p)))
    assert numerical("jensen_shannon", a, b, binning=binning).statistic == pytest.approx(jensenshannon(p, q, base=2))
    assert numerical("hellinger", a, b, binning=binning).statistic == pytest.approx(
        np.sqrt(1 - np.sum(np.sqrt(p * q))))  # the textbook form, equal to the one computed


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300), st.integers(2, 20))
@settings(max_examples=200, deadline=None)
def test_quantile_bins_equal_numpys_quantiles_and_counts(values, bins):
    ordered = np.sort(np.asarray(values))
    levels = np.linspace(0, 1, bins + 1)[1:-1]
    np.testing.assert_array_equal(sorted_quantiles(ordered, levels), np.quantile(ordered, levels))
    other = np.sort(ordered[::2] + 0.5)
    p, q = binned_shares(ordered, other, bins)
    edges = np.unique(np.quantile(ordered, levels))
    for shares, sample in ((p, ordered), (q, other)):
        expected = np.bincount(np.searchsorted(edges, sample, side="left"), minlength=edges.size + 1)
        np.testing.assert_array_equal(shares, expected / sample.size)


def test_categorical_methods_against_scipy_and_by_hand():
    ref, prod = [500, 300, 200, 0], [400, 300, 250, 50]
    expected = stats.chi2_contingency(np.array([ref, prod]), correction=False)
    result = categorical("chi2", ref, prod)
    assert result.statistic == pytest.approx(expected.statistic) and result.p_value == pytest.approx(expected.pvalue)
    p, q = np.array(ref) / 1000, np.array(prod) / 1000
    assert result.effect_size == pytest.approx(0.5 * np.abs(p - q).sum())  # TVD = 0.1
    assert categorical("tvd", ref, prod).statistic == pytest.approx(0.1)
    assert categorical("jensen_shannon", ref, prod).statistic == pytest.approx(jensenshannon(p, q, base=2))
    z = categorical("z", [300, 700], [360, 640])
    chi = stats.chi2_contingency(np.array([[300, 700], [360, 640]]), correction=False)
    assert z.statistic ** 2 == pytest.approx(chi.statistic)  # the z-test is the 2 x 2 chi-square
    assert z.p_value == pytest.approx(chi.pvalue)
    assert z.effect_size == pytest.approx(0.06)


def test_corrections():
    p = [0.01, 0.04, 0.03, 0.2, None, 0.005]
    assert adjust(p, "none") == p
    assert adjust(p, "bonferroni") == pytest.approx([0.05, 0.2, 0.15, 1.0, None, 0.025])
    assert adjust(p, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.2, None, 0.025])
    bh = adjust(p, "bh")
    expected = stats.false_discovery_control([0.01, 0.04, 0.03, 0.2, 0.005])
    assert [x for x in bh if x is not None] == pytest.approx(list(expected))


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), min_size=2, max_size=60))
@settings(max_examples=200, deadline=None)
def test_chi_square_equals_scipys_chi2_contingency(pairs):
    ref, prod = np.array(pairs, dtype=float).T
    assume(ref.sum() > 0 and prod.sum() > 0 and ((ref + prod) > 0).sum() >= 2)
    keep = (ref + prod) > 0
    expected = stats.chi2_contingency(np.vstack([ref[keep], prod[keep]]), correction=False)
    result = categorical("chi2", ref, prod)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12, abs=1e-300)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-12, abs=1e-300)


@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30),
       st.sampled_from(["holm", "bonferroni", "bh"]))
def test_corrected_p_values_never_fall_below_raw_ones(p, method):
    adjusted = adjust(p, method)
    assert all(a >= raw - 1e-12 and a <= 1 for a, raw in zip(adjusted, p))


def test_ks_distance_fast_paths_agree_with_scipy():
    for n, m in [(100_000, 100), (100, 100_000), (5000, 5000)]:
        a, b = np.sort(np.round(rng.normal(size=n), 1)), np.sort(np.round(rng.normal(0.1, 1, size=m), 1))
        assert ks_distance(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=2, max_size=60)
NUMERICAL = [n for n, m in REGISTRY.items() if m.numerical]
CATEGORICAL = [n for n, m in REGISTRY.items() if m.categorical and n != "z"]


@given(samples, st.sampled_from(NUMERICAL))
@settings(max_examples=150, deadline=None)
def test_identical_numerical_samples_do_not_drift(values, name):
    assume(len(set(values)) > 1)
    result = numerical(name, values, values)
    method = REGISTRY[name]
    if method.is_p_value:
        assert result.p_value >= 0.05 or name == "anderson"  # anderson's p-value is capped at 0.25 from below
        assert result.effect_size == pytest.approx(0.0, abs=1e-12)
    else:
        assert result.statistic == pytest.approx(0.0, abs=1e-9)


@given(samples, samples)
@settings(max_examples=150, deadline=None)
def test_psi_is_non_negative_and_js_within_unit_interval(a, b):
    for name in ("psi", "kl_div"):
        assert numerical(name, a, b).statistic >= -1e-12
    js = numerical("jensen_shannon", a, b).statistic
    assert -1e-12 <= js <= 1 + 1e-12


@given(samples, samples)
@settings(max_examples=100, deadline=None)
def test_symmetric_numerical_tests_are_symmetric(a, b):
    assume(len(set(a)) > 1 and len(set(b)) > 1)
    for name in ("ks", "cramer_von_mises"):
        assert numerical(name, a, b).statistic == pytest.approx(numerical(name, b, a).statistic)


@given(st.lists(st.integers(0, 50), min_size=2, max_size=8).flatmap(
    lambda a: st.tuples(st.just(a), st.lists(st.integers(0, 50), min_size=len(a), max_size=len(a)))))
@settings(max_examples=150, deadline=None)
def test_categorical_measures_are_symmetric_and_bounded(pair):
    a, b = pair
    assume(sum(a) > 0 and sum(b) > 0)
    for name in CATEGORICAL:
        forward, backward = categorical(name, a, b), categorical(name, b, a)
        if REGISTRY[name].symmetric:
            assert forward.statistic == pytest.approx(backward.statistic, rel=1e-9, abs=1e-12)
        assert forward.effect_size >= -1e-12
    assert 0 <= categorical("tvd", a, b).statistic <= 1 + 1e-12
    assert categorical("psi", a, b).statistic >= -1e-12


@given(st.lists(finite, min_size=5, max_size=80), st.floats(0, 50), st.floats(0, 50))
@settings(max_examples=150, deadline=None)
def test_shifting_production_further_never_lowers_the_ks_statistic(values, s1, s2):
    small, large = sorted((s1, s2))
    base = np.array(values)
    assert numerical("ks", base, base + small).statistic <= numerical("ks", base, base + large).statistic + 1e-12


def test_registry_records_are_complete():
    for name, method in REGISTRY.items():
        assert method.name == name and method.display_name and method.description
        assert method.kinds and (method.numerical or method.categorical)
        assert 0 < method.default_threshold < 1
    assert set(REGISTRY) >= {"ks", "psi", "jensen_shannon", "wasserstein", "hellinger", "anderson",
                             "cramer_von_mises", "kl_div", "energy", "chi2", "tvd", "z"}
