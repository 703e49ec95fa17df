"""The comparison's statistics against independent implementations: DeLong's variance against the direct
O(n*m) comparison table of DeLong et al. (1988), McNemar against scipy's binomial test, the paired bootstrap
against a loop of scikit-learn calls on the same resampled rows, Holm against a hand calculation."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn import metrics as skm

from assay.engine.comparison.ab import detectable_difference, two_proportion_test
from assay.engine.comparison.delong import auc_covariance, delong_test
from assay.engine.comparison.holm import holm
from assay.engine.comparison.mcnemar import exact_p_value, mcnemar_test
from assay.engine.comparison.paired_bootstrap import evaluate_pair, joint_counts, paired_classification_cells
from assay.engine.comparison.verdicts import metric_verdict, overall_verdict


def direct_delong(positive: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong et al. (1988) by their definition: psi(x, y) = 1, 1/2, 0 for every (positive, negative) pair."""
    comps = []
    for s in (a, b):
        x, y = s[positive], s[~positive]
        psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
        comps.append((psi.mean(axis=1), psi.mean(axis=0), psi.mean()))
    v10 = np.vstack([c[0] for c in comps])
    v01 = np.vstack([c[1] for c in comps])
    m, n = v10.shape[1], v01.shape[1]
    s10 = (v10 - v10.mean(axis=1, keepdims=True)) @ (v10 - v10.mean(axis=1, keepdims=True)).T / (m - 1)
    s01 = (v01 - v01.mean(axis=1, keepdims=True)) @ (v01 - v01.mean(axis=1, keepdims=True)).T / (n - 1)
    return np.array([c[2] for c in comps]), s10 / m + s01 / n


def scores(seed: int, n: int, ties: bool = False):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    y[:2], y[2:4] = True, False
    a = rng.normal(size=n) + 1.0 * y
    b = 0.6 * a + rng.normal(size=n) * 0.8 + 0.5 * y
    if ties:
        a, b = np.round(a, 0), np.round(b, 1)
    return y, a, b


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_delong_matches_direct_computation(seed, ties):
    y, a, b = scores(seed, 80, ties)
    aucs, cov = auc_covariance(y, a, b)
    direct_aucs, direct_cov = direct_delong(y, a, b)
    np.testing.assert_allclose(aucs, direct_aucs, rtol=1e-12)
    np.testing.assert_allclose(cov, direct_cov, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(aucs, [skm.roc_auc_score(y, a), skm.roc_auc_score(y, b)], rtol=1e-12)
    result = delong_test(y, a, b)
    variance = direct_cov[0, 0] + direct_cov[1, 1] - 2 * direct_cov[0, 1]
    z = (direct_aucs[1] - direct_aucs[0]) / np.sqrt(variance)
    assert result.z == pytest.approx(z, rel=1e-9)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    half = stats.norm.ppf(0.975) * np.sqrt(variance)
    assert (result.ci_low, result.ci_high) == pytest.approx((z * np.sqrt(variance) - half, z * np.sqrt(variance) + half))


def test_delong_is_antisymmetric_and_zero_on_the_same_model():
    # as pROC's own tests state: the same curve twice gives Z = 0 and p = 1; swapping the curves flips Z only
    y, a, b = scores(3, 60)
    same = delong_test(y, a, a)
    assert (same.z, same.p_value, same.difference) == (0.0, 1.0, 0.0)
    forward, backward = delong_test(y, a, b), delong_test(y, b, a)
    assert forward.z == pytest.approx(-backward.z)
    assert forward.p_value == pytest.approx(backward.p_value)


def test_delong_needs_two_rows_of_each_class():
    y = np.array([True, False, False, False])
    assert delong_test(y, np.arange(4.0), np.arange(4.0)[::-1]) is None


@given(st.integers(0, 40), st.integers(0, 40))
@settings(max_examples=60, deadline=None)
def test_mcnemar_exact_p_is_scipys_binomial_test(a_only, b_only):
    expected = stats.binomtest(b_only, a_only + b_only, 0.5).pvalue if a_only + b_only else 1.0
    assert exact_p_value(a_only, b_only) == pytest.approx(expected, rel=1e-9)


def test_mcnemar_counts_and_difference():
    rng = np.random.default_rng(4)
    correct_a, correct_b = rng.random(200) < 0.7, rng.random(200) < 0.8
    result = mcnemar_test(correct_a, correct_b)
    b_only = int((correct_b & ~correct_a).sum())
    a_only = int((correct_a & ~correct_b).sum())
    assert (result.a_only, result.b_only) == (a_only, b_only)
    assert result.difference == pytest.approx(correct_b.mean() - correct_a.mean())
    assert result.p_value == pytest.approx(stats.binomtest(b_only, a_only + b_only).pvalue)


def test_holm_by_hand():
    # p sorted: 0.01 (x4 = 0.04), 0.02 (x3 = 0.06), 0.03 (x2 = 0.06), 0.5 (x1 = 0.5); None stays None
    assert holm([0.03, None, 0.01, 0.5, 0.02]) == pytest.approx([0.06, None, 0.04, 0.5, 0.06])
    assert holm([0.4, 0.3]) == pytest.approx([0.6, 0.6])  # monotone: 0.3 x 2 = 0.6, then max(0.6, 0.4)
    assert holm([0.9, 0.8]) == [1.0, 1.0]
    assert holm([]) == []


@pytest.mark.parametrize("binary_scores", [True, False])
def test_paired_bootstrap_is_a_loop_of_scikit_learn_calls(binary_scores):
    rng = np.random.default_rng(5)
    n = 60
    y = (rng.random(n) < 0.45).astype(np.int64)
    a = np.round(rng.random(n) * 0.5 + 0.4 * y, 3)
    b = np.round(rng.random(n) * 0.6 + 0.3 * y, 3)
    pred_a, pred_b = (a >= 0.5).astype(np.int64), (b >= 0.5).astype(np.int64)
    paired = paired_classification_cells(y, pred_a, pred_b, 2, 1, a if binary_scores else None,
                                         b if binary_scores else None, 0.5, 10)
    assert paired.exact
    draws = np.random.default_rng(6).multinomial(n, np.full(n, 1 / n), size=40)  # the same rows for both models
    ours_a, ours_b = evaluate_pair(paired, joint_counts(paired, draws))
    for r, weights in enumerate(draws):
        for ours, pred, s in ((ours_a, pred_a, a), (ours_b, pred_b, b)):
            assert ours["accuracy"][r] == pytest.approx(skm.accuracy_score(y, pred, sample_weight=weights))
            assert ours["balanced_accuracy"][r] == pytest.approx(
                skm.balanced_accuracy_score(y, pred, sample_weight=weights))
            assert ours["class_recall"][r, 1] == pytest.approx(skm.recall_score(y, pred, sample_weight=weights))
            if binary_scores:
                assert ours["roc_auc"][r] == pytest.approx(skm.roc_auc_score(y, s, sample_weight=weights))
                assert ours["average_precision"][r] == pytest.approx(
                    skm.average_precision_score(y, s, sample_weight=weights))
                assert ours["brier"][r] == pytest.approx(skm.brier_score_loss(y, s, sample_weight=weights))
                assert ours["log_loss"][r] == pytest.approx(skm.log_loss(y, s, sample_weight=weights))


def test_verdicts():
    # higher is better: gain = difference; lower is better: gain = -difference
    assert metric_verdict(-0.05, -0.02, 0.001, 0.01, True, 0.05) == "worse"
    assert metric_verdict(0.02, 0.05, 0.001, 0.01, False, 0.05) == "worse"
    assert metric_verdict(0.01, 0.03, 0.01, 0.01, True, 0.05) == "challenger better"
    assert metric_verdict(0.01, 0.03, 0.2, 0.01, True, 0.05) == "non-inferior"  # Holm: not significant
    assert metric_verdict(-0.005, 0.01, 0.5, 0.01, True, 0.05) == "non-inferior"
    assert metric_verdict(-0.02, 0.01, 0.5, 0.01, True, 0.05) == "inconclusive"
    assert metric_verdict(None, None, None, 0.01, True, 0.05) == "inconclusive"
    assert overall_verdict(["non-inferior", "challenger better"]) == "challenger better"
    assert overall_verdict(["challenger better", "inconclusive"]) == "inconclusive"
    assert overall_verdict(["challenger better", "worse"]) == "worse"


def test_two_proportion_test_against_the_chi_square_test():
    # the pooled z-test is the 2x2 chi-square test without continuity correction
    table = np.array([[120, 380], [150, 350]])
    expected = stats.chi2_contingency(table, correction=False)[1]
    assert two_proportion_test(120, 500, 150, 500) == pytest.approx(expected, rel=1e-9)
    # the detectable difference at 80% power is (z_0.975 + z_0.8) standard errors
    se = np.sqrt(0.27 * 0.73 * (2 / 500))
    assert detectable_difference(0.27, 500, 500) == pytest.approx((1.959964 + 0.841621) * se, rel=1e-5)


def test_fairness_gaps_are_fairlearns_and_agreement_counts_by_hand():
    from fairlearn.metrics import demographic_parity_difference, equal_opportunity_difference

    from assay.engine.comparison.agreement import agreement, fairness_gaps

    rng = np.random.default_rng(7)
    n = 400
    groups = rng.choice(np.array(["a", "b", "c"], dtype=object), size=n)
    y = rng.random(n) < 0.4
    pred_a = rng.random(n) < np.where(groups == "a", 0.5, 0.3)
    pred_b = np.where(rng.random(n) < 0.8, pred_a, ~pred_a)
    gaps = {g.measure: g for g in fairness_gaps("group", groups, y, pred_a, pred_b, 200, 0.95,
                                                np.random.default_rng(8))}
    for name, pred in (("champion", pred_a), ("challenger", pred_b)):
        assert getattr(gaps["selection_rate"], name) == pytest.approx(
            demographic_parity_difference(y, pred, sensitive_features=groups))
        assert getattr(gaps["true_positive_rate"], name) == pytest.approx(
            equal_opportunity_difference(y, pred, sensitive_features=groups))
    gap = gaps["selection_rate"]
    assert gap.difference == pytest.approx(gap.challenger - gap.champion)
    assert gap.ci_low <= gap.difference <= gap.ci_high

    codes_y, codes_a, codes_b = y.astype(int), pred_a.astype(int), pred_b.astype(int)
    found = agreement(codes_y, codes_a, codes_b, {"group": groups})
    assert found.flips == int((pred_a != pred_b).sum()) and found.rows == n
    assert found.to_right == int(((pred_a != pred_b) & (pred_b == y)).sum())
    by_group = {s.segment: s for s in found.segments}
    for value in ("a", "b", "c"):
        mask = groups == value
        assert (by_group[value].rows, by_group[value].flips) == (int(mask.sum()), int((pred_a != pred_b)[mask].sum()))


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_multiclass_and_regression_pairs_are_compared_by_the_bootstrap(task):
    from assay.engine.comparison.config import ComparisonConfig
    from assay.engine.comparison.paired_metrics import PairedRows, iter_compare_metrics
    from assay.engine.performance.metric_specs import names
    from assay.engine.progress import drain

    rng = np.random.default_rng(9)
    n = 600
    if task == "multiclass":
        y = rng.integers(0, 3, n)
        noise_a, noise_b = rng.random((n, 3)), rng.random((n, 3))
        scores_a = (np.eye(3)[y] * 1.5 + noise_a) / (np.eye(3)[y] * 1.5 + noise_a).sum(axis=1, keepdims=True)
        scores_b = (np.eye(3)[y] * 0.5 + noise_b) / (np.eye(3)[y] * 0.5 + noise_b).sum(axis=1, keepdims=True)
        rows = PairedRows(task=task, y=y, pred_a=scores_a.argmax(axis=1), pred_b=scores_b.argmax(axis=1),
                          scores_a=scores_a, scores_b=scores_b, k=3, positive=0)
    else:
        y = rng.normal(size=n) * 3
        rows = PairedRows(task=task, y=y, pred_a=y + rng.normal(size=n), pred_b=y + 2 * rng.normal(size=n),
                          floor=0.1)
    metrics, _ = drain(iter_compare_metrics(rows, ComparisonConfig(bootstrap_resamples=300),
                                            np.random.default_rng(10)))
    assert [m.metric for m in metrics] == list(names(task))
    by_name = {m.metric: m for m in metrics}
    headline = "roc_auc" if task == "multiclass" else "mae"
    m = by_name[headline]
    assert m.test == "bootstrap" and m.verdict == "worse"  # the noisier challenger
    assert m.ci_low <= m.difference <= m.ci_high
    if task == "multiclass":
        assert by_name["accuracy"].test == "mcnemar"
        assert m.champion == pytest.approx(skm.roc_auc_score(y, rows.scores_a, multi_class="ovr"))
    else:
        assert m.difference == pytest.approx(skm.mean_absolute_error(y, rows.pred_b)
                                             - skm.mean_absolute_error(y, rows.pred_a))
