"""The calibration given the inputs (engine/estimation/conditional.py): the corrected probabilities and the
spanned interval by hand and with hypothesis, the learnt residual against group means computed with pandas, and
the intervals on synthetic data with a region of over-confident scores (a chunk that holds it) and without any
shift (the interval barely moves)."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score

from assay.engine.drift.multivariate import DOMAIN_MAX_CATEGORIES, encode
from assay.engine.estimation import conditional as C
from assay.engine.progress import drain
from tests.engine.test_estimation import BINARY, calibrated_frame, estimate


def test_corrected_probabilities_by_hand():
    binary = C.corrected(np.array([[0.3, 0.7], [0.9, 0.1]]), np.array([1, 0]), np.array([-0.2, 0.3]))
    np.testing.assert_allclose(binary, [[0.5, 0.5], [1.0, 0.0]])  # the second clipped at 1
    multi = C.corrected(np.array([[0.2, 0.3, 0.5], [0.0, 0.0, 1.0]]), np.array([2, 2]), np.array([0.1, -0.4]))
    np.testing.assert_allclose(multi, [[0.16, 0.24, 0.6], [0.2, 0.2, 0.6]])  # the rest shared equally if empty


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5))
def test_corrected_probabilities_stay_probabilities(seed, k):
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.ones(k), 50)
    pred, residual = rng.integers(0, k, 50), rng.normal(0, 0.5, 50)
    out = C.corrected(probabilities, pred, residual)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    assert (out >= 0).all() and (out <= 1).all()
    np.testing.assert_allclose(out[np.arange(50), pred], np.clip(probabilities[np.arange(50), pred] + residual, 0, 1))


def test_predicted_residual_by_hand():
    probabilities = np.array([[0.2, 0.8], [0.6, 0.4], [0.1, 0.9]])
    residual = C.predicted_residual(np.array([1, 1, 0]), np.array([1, 0, 1]), probabilities)
    np.testing.assert_allclose(residual, [1 - 0.8, 0 - 0.6, 0 - 0.9])


def test_spanned_interval_by_hand():
    assert C.spanned(0.80, 0.84, -0.03) == pytest.approx((0.77, 0.84))
    assert C.spanned(0.80, 0.84, 0.01) == pytest.approx((0.80, 0.85))
    assert C.spanned(0.80, 0.84, None) == (0.80, 0.84)
    assert C.spanned(None, None, 0.08) == (None, None)


@given(st.floats(-1, 1), st.floats(0, 0.5), st.floats(0, 0.5), st.floats(-1, 1))
def test_spanned_interval_holds_both_estimates(value, below, above, other):
    low, high = C.spanned(value - below, value + above, other - value)
    assert low <= min(value, other) + 1e-12 and high >= max(value, other) - 1e-12
    assert low <= value - below + 1e-12 and high >= value + above - 1e-12
    assert high - low == pytest.approx(below + above + abs(other - value), abs=1e-9)


def over_confident(n: int, seed: int, share_b: float) -> pd.DataFrame:
    """Scores calibrated in region a, over-confident (three times the log-odds) in region b."""
    rng = np.random.default_rng(seed)
    region = np.where(rng.random(n) < share_b, "b", "a")
    x = rng.normal(0, 1, n)
    truth = 1 / (1 + np.exp(-1.2 * x))
    score = np.where(region == "b", 1 / (1 + np.exp(-3.6 * x)), truth)
    return pd.DataFrame({"x": x, "region": region, "y": (rng.random(n) < truth).astype(int), "p": score})



def test_learnt_residual_matches_the_group_means_of_the_reference():
    reference, production = over_confident(20_000, 21, 0.3), over_confident(4000, 22, 0.5)
    pred = (reference.p >= 0.5).astype(int).to_numpy()
    probabilities = np.column_stack([1 - reference.p, reference.p])
    residual = C.predicted_residual(reference.y.to_numpy(), pred, probabilities)
    (x_ref, x_prod), categorical = encode([reference[["region"]], production[["region"]]], [], ["region"],
                                          DOMAIN_MAX_CATEGORIES)
    mask = np.zeros(1, dtype=bool)
    mask[categorical] = True
    near = np.zeros(len(reference))  # the score as a feature carries nothing here: a constant
    learnt = drain(C.iter_residuals(x_ref, near, residual, x_prod, np.zeros(len(production)), mask, 0))
    expected = pd.Series(residual).groupby(reference.region.to_numpy()).mean()
    by_region = pd.Series(learnt).groupby(production.region.to_numpy()).mean()
    assert expected["b"] < -0.05  # over-confident: fewer right than the scores promise
    for region in ("a", "b"):
        assert by_region[region] == pytest.approx(expected[region], abs=0.01)


COLUMNS = BINARY | {"ignore": []}


def test_interval_holds_a_chunk_made_of_the_over_confident_region():
    reference, production = over_confident(20_000, 23, 0.3), over_confident(6000, 24, 0.9)
    given_inputs, _ = estimate(reference, production, COLUMNS)
    score_only, _ = estimate(reference, production[["y", "p"]], BINARY)
    realised = [accuracy_score(production.y[i:i + 2000], production.p[i:i + 2000] >= 0.5) for i in range(0, 6000, 2000)]
    assert [c.realized["accuracy"] for c in given_inputs.chunks] == pytest.approx(realised)
    held = [c.metrics["accuracy"].ci_low <= r <= c.metrics["accuracy"].ci_high
            for c, r in zip(given_inputs.chunks, realised)]
    missed = [not c.metrics["accuracy"].ci_low <= r <= c.metrics["accuracy"].ci_high
              for c, r in zip(score_only.chunks, realised)]
    assert all(held) and all(missed)
    assert [c.metrics["accuracy"].value for c in given_inputs.chunks] == \
        pytest.approx([c.metrics["accuracy"].value for c in score_only.chunks])  # the estimate itself unchanged


def test_without_shift_the_interval_barely_moves():
    reference, production = calibrated_frame(20_000, 25), calibrated_frame(20_000, 26)
    given_inputs, _ = estimate(reference, production, COLUMNS)
    score_only, _ = estimate(reference, production, BINARY | {"ignore": ["x"]})

    def width(result):
        return np.mean([c.metrics["accuracy"].ci_high - c.metrics["accuracy"].ci_low for c in result.chunks])

    assert width(score_only) <= width(given_inputs) <= 1.25 * width(score_only)
    assert given_inputs.backtest["accuracy"].coverage >= 0.8


def test_sampled_keeps_small_sets_and_draws_large_ones_without_replacement():
    rng = np.random.default_rng(0)
    small = np.arange(5, 5 + C.SAMPLE_ROWS)
    assert C.sampled(small, rng) is small
    large = np.arange(3 * C.SAMPLE_ROWS)
    drawn = C.sampled(large, rng)
    assert drawn.size == C.SAMPLE_ROWS and np.unique(drawn).size == drawn.size and (np.diff(drawn) > 0).all()
