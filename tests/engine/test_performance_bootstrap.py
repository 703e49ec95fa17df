"""The vectorised bootstrap: resampled cell counts score exactly as scikit-learn on the resampled
rows, and the intervals behave (contain the estimate, narrow with more rows, repeat with the seed)."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from assay.engine import AuditConfig
from assay.engine.performance import bootstrap as B
from assay.engine.performance import metrics as M
from assay.engine.performance.calculator import PerformanceCalculator
from assay.engine.predictions import predictions_from_columns
from assay.engine.progress import drain
from assay.engine.schema import infer_schema


def resample_rows(n: int, draws: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, n, n) for _ in range(draws)]


def cell_counts(cells: B.Cells, rows: np.ndarray) -> np.ndarray:
    return np.bincount(cells.row_cell[rows], minlength=cells.size).astype(float)


def test_binary_cells_score_every_resample_exactly_as_scikit_learn_on_its_rows():
    rng = np.random.default_rng(0)
    n = 3000
    y = (rng.random(n) < 0.4).astype(int)
    scores = np.round(np.clip(0.4 + 0.25 * (y - 0.4) + rng.normal(0, 0.2, n), 0, 1), 2)  # 101 distinct: exact
    pred = (scores >= 0.5).astype(int)
    cells = B.classification_cells(y, pred, 2, 1, scores, 0.5, 10)
    assert cells.exact and cells.size < n
    resamples = resample_rows(n, 5, 1)
    got = B.evaluate(cells, np.stack([cell_counts(cells, r) for r in resamples]))
    for b, rows in enumerate(resamples):
        t, s, p = y[rows], scores[rows], pred[rows]
        assert got["accuracy"][b] == pytest.approx(skm.accuracy_score(t, p), abs=1e-12)
        assert got["balanced_accuracy"][b] == pytest.approx(skm.balanced_accuracy_score(t, p), abs=1e-12)
        assert got["class_f1"][b, 1] == pytest.approx(skm.f1_score(t, p), abs=1e-12)
        assert got["roc_auc"][b] == pytest.approx(skm.roc_auc_score(t, s), abs=1e-12)
        assert got["average_precision"][b] == pytest.approx(skm.average_precision_score(t, s), abs=1e-12)
        assert got["log_loss"][b] == pytest.approx(skm.log_loss(t, s), abs=1e-12)
        assert got["brier"][b] == pytest.approx(skm.brier_score_loss(t, s), abs=1e-12)
        assert got["ece"][b] == pytest.approx(M.expected_calibration_error(t.astype(bool), s, 10), abs=1e-12)


def test_multiclass_and_regression_cells_score_resamples_exactly():
    rng = np.random.default_rng(2)
    n, k = 600, 3
    y = rng.integers(0, k, n)
    proba = np.round(rng.dirichlet([2, 2, 2], n), 3)
    proba[:, 2] = 1 - proba[:, :2].sum(axis=1)
    pred = proba.argmax(axis=1)
    cells = B.classification_cells(y, pred, k, 0, proba, None, 10)
    assert cells.exact
    target = rng.gamma(2.0, 10.0, n)
    predicted = target + rng.normal(0, 5, n)
    reg = B.regression_cells(target, predicted, 1e-3)
    for rows in resample_rows(n, 4, 3):
        got = B.evaluate(cells, cell_counts(cells, rows)[None, :])
        t, p, s = y[rows], pred[rows], proba[rows]
        assert got["macro_f1"][0] == pytest.approx(skm.f1_score(t, p, average="macro"), abs=1e-12)
        assert got["roc_auc"][0] == pytest.approx(skm.roc_auc_score(t, s, multi_class="ovr"), abs=1e-12)
        assert got["log_loss"][0] == pytest.approx(skm.log_loss(t, s, labels=[0, 1, 2]), abs=1e-12)
        assert got["brier"][0] == pytest.approx(skm.brier_score_loss(t, s, labels=[0, 1, 2]), abs=1e-12)
        r = B.evaluate(reg, cell_counts(reg, rows)[None, :])
        ty, py = target[rows], predicted[rows]
        assert r["mae"][0] == pytest.approx(skm.mean_absolute_error(ty, py), rel=1e-12)
        assert r["rmse"][0] == pytest.approx(skm.root_mean_squared_error(ty, py), rel=1e-12)
        assert r["median_ae"][0] == pytest.approx(skm.median_absolute_error(ty, py), rel=1e-12)
        assert r["r2"][0] == pytest.approx(skm.r2_score(ty, py), rel=1e-9)
        assert r["mape"][0] == pytest.approx(skm.mean_absolute_percentage_error(ty, py), rel=1e-12)


def test_coarse_cells_keep_the_exact_point_and_the_spread_of_a_row_bootstrap():
    rng = np.random.default_rng(4)
    n = 20_000
    y = rng.random(n) < 0.3
    scores = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + 1.5 * y - 1)))  # 20,000 distinct scores
    pred = (scores >= 0.5).astype(int)
    cells = B.classification_cells(y.astype(int), pred, 2, 1, scores, 0.5, 10)
    assert not cells.exact and cells.size <= 2 * 2 * B.MAX_GROUPS + 40
    at_cells = B.evaluate(cells, cells.counts[None, :])
    exact = M.binary_score_metrics(y, scores, 10)
    for name in ("log_loss", "brier", "ece"):  # per-cell sums kept: exact at the original counts
        assert at_cells[name][0] == pytest.approx(exact[name], rel=1e-12)
    assert at_cells["roc_auc"][0] == pytest.approx(exact["roc_auc"], abs=2e-4)  # ties within a bin
    steps = B.iter_bootstrap(cells, 400, np.random.default_rng(5))
    samples = drain(steps)
    naive = [M.binary_score_metrics(y[r], scores[r], 10) for r in resample_rows(n, 150, 6)]
    for name in ("roc_auc", "average_precision", "log_loss", "ece"):
        spread = np.std([m[name] for m in naive])
        assert np.std(samples[name]) == pytest.approx(spread, rel=0.25), name


def calculate(frame: pd.DataFrame, columns: dict, task: str = "auto", resamples: int = 200):
    config = AuditConfig().replace("columns", **columns).replace("task", type=task)
    config = config.replace("performance", bootstrap_resamples=resamples, chunk_by="rows", chunk_size=10_000)
    schema = infer_schema(frame, frame, config)
    predictions = {s: predictions_from_columns(frame, schema) for s in ("reference", "production")}
    return PerformanceCalculator(schema, config.performance, predictions, seed=3).fit(frame).calculate(frame)


@st.composite
def binary_tables(draw):
    n = draw(st.integers(30, 300))
    seed = draw(st.integers(0, 10_000))
    rate = draw(st.floats(0.1, 0.9))
    strength = draw(st.floats(0.0, 3.0))
    rng = np.random.default_rng(seed)
    y = rng.random(n) < rate
    scores = np.round(1 / (1 + np.exp(-(rng.normal(0, 1, n) + strength * (y - 0.5)))), draw(st.integers(1, 4)))
    return pd.DataFrame({"y": y.astype(int), "score": scores})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(binary_tables())
def test_every_interval_contains_its_estimate(table):
    result = calculate(table, {"target": "y", "probabilities": ["score"]})
    for name, metric in result.production.metrics.items():
        if metric.value is not None and metric.ci_low is not None:
            assert metric.ci_low <= metric.value + 1e-12 and metric.value <= metric.ci_high + 1e-12, name


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(binary_tables())
def test_a_larger_sample_narrows_the_interval(table):
    small = calculate(table, {"target": "y", "probabilities": ["score"]})
    large = calculate(pd.concat([table] * 9, ignore_index=True), {"target": "y", "probabilities": ["score"]})
    for name in ("accuracy", "roc_auc", "brier", "log_loss"):
        a, b = small.production.metrics[name], large.production.metrics[name]
        if a.ci_low is None or b.ci_low is None:
            continue
        assert b.value == pytest.approx(a.value)  # the same rows, nine times: the same estimate
        width_small, width_large = a.ci_high - a.ci_low, b.ci_high - b.ci_low
        if width_small > 0:
            assert width_large < width_small, name


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(20, 400), st.integers(0, 10_000))
def test_regression_intervals_contain_their_estimates(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(50, 10, n)
    table = pd.DataFrame({"target": y, "prediction": y + rng.standard_t(3, n) * 4})
    result = calculate(table, {"target": "target", "prediction": "prediction"}, task="regression")
    for name, metric in result.production.metrics.items():
        if metric.ci_low is not None:
            assert metric.ci_low <= metric.value + 1e-9 <= metric.ci_high + 2e-9, name
