"""Estimated performance (issue #18): CBPE against a hand calculation, the calibration against scikit-learn,
convergence on perfectly calibrated scores (hypothesis), DLE on synthetic regression, the backtest on the census
data, bad input, the audit's skip rules, the JSON contract and the policy."""
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import GaussianNB

from assay.engine import AuditConfig, run_audit
from assay.engine.estimation import cbpe
from assay.engine.estimation import intervals as I
from assay.engine.estimation.calculator import EstimationCalculator
from assay.engine.estimation.calibration import FOLDS, cross_fitted, fit_calibrator, fit_isotonic
from assay.engine.estimation.policy import estimation_findings
from assay.engine.estimation.results import estimation_to_dict
from assay.engine.performance import metrics as M
from assay.engine.performance.metric_specs import BY_NAME
from assay.engine.predictions import predictions_from_columns
from assay.engine.schema import infer_schema
from tests.conftest import EMPLOYMENT, write_audit

RESAMPLES = 60


def estimate(reference: pd.DataFrame, production: pd.DataFrame, columns: dict, performance: dict | None = None,
             task: str = "auto", **estimation):
    """EstimationCalculator on two frames, predictions read from their columns."""
    config = (AuditConfig().replace("columns", **columns).replace("task", type=task)
              .replace("performance", **({"chunk_by": "rows", "chunk_size": 2000} | (performance or {})))
              .replace("estimation", **({"mode": "always", "resamples": RESAMPLES} | estimation)))
    schema = infer_schema(reference, production, config)
    predictions = {"reference": predictions_from_columns(reference, schema),
                   "production": predictions_from_columns(production, schema)}
    calculator = EstimationCalculator(schema, config.estimation, config.performance, predictions, seed=3)
    return calculator.fit(reference).calculate(production), config


def calibrated_frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Scores that are their own probabilities: y ~ Bernoulli(score)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, n)
    score = 1 / (1 + np.exp(-(1.5 * x - 0.4)))
    y = (rng.random(n) < score).astype(int)
    return pd.DataFrame({"x": x, "y": y, "p": score})


BINARY = {"target": "y", "probabilities": ["p"], "positive_label": 1, "timestamp": "", "sensitive": []}


# -- CBPE against a hand calculation --------------------------------------------------------------


def test_expected_confusion_matrix_by_hand():
    # four rows: predicted 1, 1, 0, 0 with calibrated positive probabilities 0.9, 0.6, 0.3, 0.2
    p = np.array([0.9, 0.6, 0.3, 0.2])
    pred = np.array([1, 1, 0, 0])
    confusion = cbpe.expected_confusion(pred, cbpe.class_probabilities(p, 2, 1))
    # rows true, columns predicted: TN = 0.7 + 0.8, FN = 0.3 + 0.2, FP = 0.1 + 0.4, TP = 0.9 + 0.6
    np.testing.assert_allclose(confusion, [[1.5, 0.5], [0.5, 1.5]])
    values = cbpe.metrics_of(pred, cbpe.class_probabilities(p, 2, 1), p, positive=1)
    assert values["accuracy"] == pytest.approx(3.0 / 4)
    assert values["precision"] == pytest.approx(1.5 / 2.0)
    assert values["recall"] == pytest.approx(1.5 / 2.0)
    # expected ROC-AUC: expected positives per score 0.2, 0.3, 0.6, 0.9 (ascending), negatives 0.8, 0.7, 0.4, 0.1;
    # pairs with the positive above = 0.3*0.8 + 0.6*(0.8+0.7) + 0.9*(0.8+0.7+0.4) = 0.24 + 0.9 + 1.71; a row's own
    # positive and negative mass tie, counted half: (0.2*0.8 + 0.3*0.7 + 0.6*0.4 + 0.9*0.1) / 2 = 0.35
    assert values["roc_auc"] == pytest.approx((0.24 + 0.9 + 1.71 + 0.35) / (2.0 * 2.0))


def test_realised_metrics_are_the_performance_formulas():
    rng = np.random.default_rng(1)
    y, score = rng.integers(0, 2, 500), rng.random(500)
    pred = (score >= 0.5).astype(int)
    values = cbpe.metrics_of(pred, cbpe.one_hot(y, 2), score, positive=1)
    from sklearn import metrics as skm
    assert values["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert values["f1"] == pytest.approx(skm.f1_score(y, pred))
    assert values["roc_auc"] == pytest.approx(skm.roc_auc_score(y, score))
    assert values["average_precision"] == pytest.approx(skm.average_precision_score(y, score))


def test_estimated_metrics_are_named_as_in_performance():
    assert all(name in BY_NAME and "binary" in BY_NAME[name].tasks for name in cbpe.ESTIMATED_CLASSIFICATION)


# -- calibration against scikit-learn ---------------------------------------------------------------


def test_isotonic_fit_matches_scikit_learn():
    rng = np.random.default_rng(2)
    x = np.round(rng.random(3000), 2)  # ties
    y = (rng.random(3000) < x ** 2).astype(float)
    w = rng.random(3000) + 0.5
    thresholds, values = fit_isotonic(x, y, w)
    theirs = IsotonicRegression(out_of_bounds="clip").fit(x, y, sample_weight=w)
    grid = np.linspace(-0.1, 1.1, 301)
    np.testing.assert_allclose(np.interp(grid, thresholds, values), theirs.predict(grid), atol=1e-12)


@pytest.mark.parametrize("classes", [2, 3])
def test_calibrator_matches_calibrated_classifier_cv(classes):
    rng = np.random.default_rng(classes)
    x = rng.normal(size=(4000, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int) if classes == 2 else np.digitize(x[:, 0] + 0.3 * x[:, 2],
                                                                                    [-0.5, 0.6])
    # a model with predict_proba and no decision_function: CalibratedClassifierCV then calibrates its probabilities
    model = GaussianNB().fit(x[:500], y[:500])
    reference, production = x[500:3000], x[3000:]
    scores = model.predict_proba(reference)
    theirs = CalibratedClassifierCV(FrozenEstimator(model), method="isotonic", ensemble=False).fit(
        reference, y[500:3000]).predict_proba(production)
    if classes == 2:
        ours = fit_calibrator(scores[:, 1], y[500:3000], 2, 1).apply(model.predict_proba(production)[:, 1])
        np.testing.assert_allclose(ours, theirs[:, 1], atol=1e-9)
    else:
        ours = fit_calibrator(scores, y[500:3000], 3, 1).apply(model.predict_proba(production))
        np.testing.assert_allclose(ours, theirs, atol=1e-9)


def test_cross_fitted_calibration_fits_each_fold_on_the_others():
    frame = calibrated_frame(3000, 4)
    score = frame.p.to_numpy() ** 1.7  # miscalibrated
    y = frame.y.to_numpy()
    ours = cross_fitted(score, y, 2, 1, None, seed=5)
    theirs = np.empty(y.size)
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=5).split(np.zeros(y.size), y):
        theirs[test] = IsotonicRegression(out_of_bounds="clip").fit(score[train], y[train]).predict(score[test])
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_calibration_skipped_with_the_reason_when_it_would_not_help():
    reference, production = calibrated_frame(4000, 6), calibrated_frame(3000, 7)
    result, _ = estimate(reference, production, BINARY)
    calibrated = result.calibration
    assert not calibrated.calibrated and "would not help" in calibrated.reason
    assert calibrated.ece_before is not None and calibrated.ece_after is not None


def test_miscalibrated_scores_are_calibrated_and_the_ece_falls():
    reference, production = calibrated_frame(6000, 8), calibrated_frame(4000, 9)
    reference["p"], production["p"] = reference.p ** 2, production.p ** 2
    result, _ = estimate(reference, production, BINARY)
    assert result.calibration.calibrated and result.calibration.ece_after < result.calibration.ece_before
    realised = cbpe.metrics_of((production.p >= 0.5).to_numpy().astype(int), cbpe.one_hot(production.y.to_numpy(), 2),
                               production.p.to_numpy(), 1)
    assert result.metrics["accuracy"].value == pytest.approx(realised["accuracy"], abs=0.02)


# -- convergence on perfectly calibrated scores -------------------------------------------------------


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), mean=st.floats(-1.5, 1.5), threshold=st.floats(0.2, 0.8))
def test_expected_metrics_of_calibrated_scores_converge_to_the_realised(seed, mean, threshold):
    """With y ~ Bernoulli(score), every expected metric is within a few standard errors of the realised one."""
    frame = calibrated_frame(40_000, seed, shift=mean)
    score, y = frame.p.to_numpy(), frame.y.to_numpy()
    pred = (score >= threshold).astype(int)
    if y.min() == y.max() or pred.min() == pred.max():
        return
    expected = cbpe.metrics_of(pred, cbpe.class_probabilities(score, 2, 1), score, 1)
    realised = cbpe.metrics_of(pred, cbpe.one_hot(y, 2), score, 1)
    for name in cbpe.ESTIMATED_CLASSIFICATION:
        assert expected[name] == pytest.approx(realised[name], abs=0.03), name


def test_multiclass_estimate_follows_the_realised_metrics():
    rng = np.random.default_rng(11)
    logits = rng.normal(size=(9000, 3)) * 1.5
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = (rng.random(9000)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    frame = pd.DataFrame({"y": y, "proba_0": p[:, 0], "proba_1": p[:, 1], "proba_2": p[:, 2]})
    columns = {"target": "y", "probabilities": ["proba_0", "proba_1", "proba_2"], "timestamp": "", "sensitive": []}
    result, _ = estimate(frame.iloc[:4000], frame.iloc[4000:].reset_index(drop=True), columns, task="multiclass")
    assert result.task == "multiclass"
    for chunk in result.chunks:
        for name in ("accuracy", "roc_auc"):
            assert chunk.metrics[name].value == pytest.approx(chunk.realized[name], abs=0.05)


# -- intervals ------------------------------------------------------------------------------------


def test_cells_keep_every_row_and_the_scores_mean():
    frame = calibrated_frame(5000, 12)
    score, pred = frame.p.to_numpy(), (frame.p >= 0.5).to_numpy().astype(int)
    grid = I.grid_of(score, 1, I.GRID)
    cells = I.make_cells(pred, score, grid)
    assert cells.counts.sum() == score.size
    assert (cells.counts * cells.mean_scores[:, 0]).sum() == pytest.approx(score.sum())


def test_interval_holds_the_realised_value_of_most_chunks():
    reference, production = calibrated_frame(20_000, 13), calibrated_frame(40_000, 14)
    result, _ = estimate(reference, production, BINARY)
    coverage = result.backtest["accuracy"].coverage
    assert result.backtest["accuracy"].chunks == 20 and coverage >= 0.8
    accuracy = result.metrics["accuracy"]
    assert accuracy.ci_low < accuracy.value < accuracy.ci_high


# -- regression -------------------------------------------------------------------------------------


def test_direct_loss_estimation_on_synthetic_regression():
    rng = np.random.default_rng(15)

    def frame(n):
        x = rng.uniform(0, 4, n)
        target = 3 * x + rng.normal(0, 0.2 + x, n)  # errors grow with x
        return pd.DataFrame({"x": x, "target": target, "prediction": 3 * x})

    reference, production = frame(8000), frame(6000)
    production = production[production.x > 1.0].reset_index(drop=True)  # covariate shift towards larger errors
    columns = {"target": "target", "prediction": "prediction", "timestamp": "", "sensitive": []}
    result, _ = estimate(reference, production, columns, task="regression")
    assert result.method == "dle" and result.metric_names == ("mae", "rmse")
    error = production.prediction - production.target
    assert result.metrics["mae"].value == pytest.approx(np.abs(error).mean(), rel=0.05)
    assert result.metrics["rmse"].value == pytest.approx(np.sqrt((error ** 2).mean()), rel=0.05)
    assert result.metrics["mae"].value > result.reference["mae"]  # the shift towards larger errors is seen
    assert result.backtest["mae"].coverage >= 0.6


# -- the census data: labels hidden, then compared ----------------------------------------------------


@pytest.fixture(scope="module")
def employment():
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    reference = pd.read_parquet(EMPLOYMENT / "reference.parquet")
    production = pd.read_parquet(EMPLOYMENT / "production.parquet").iloc[:40_000].reset_index(drop=True)
    return reference, production


EMPLOYMENT_COLUMNS = {"target": "employed", "prediction": "prediction", "probabilities": ["predicted_probability"],
                      "positive_label": 1, "timestamp": "", "sensitive": [], "ignore": ["id", "year"]}


def test_backtest_on_census_data_with_labels_hidden(employment):
    reference, production = employment
    shown, _ = estimate(reference, production, EMPLOYMENT_COLUMNS, {"chunk_size": 10_000})
    hidden, _ = estimate(reference, production.drop(columns=["employed"]), EMPLOYMENT_COLUMNS, {"chunk_size": 10_000})
    assert [c.metrics for c in hidden.chunks] == [c.metrics for c in shown.chunks]  # labels play no part
    assert all(c.realized is None for c in hidden.chunks) and not hidden.backtest
    assert all(chunk.realized is not None and chunk.rows == 10_000 for chunk in shown.chunks)
    backtest = shown.backtest
    assert backtest["accuracy"].chunks == 4 and backtest["accuracy"].mae < 0.015
    assert backtest["roc_auc"].mae < 0.01
    from sklearn.metrics import accuracy_score
    first = production.iloc[:10_000]
    assert shown.chunks[0].realized["accuracy"] == pytest.approx(accuracy_score(first.employed, first.prediction))


# -- the audit: skip rules and bad input ------------------------------------------------------------


def audit_of(tmp_path, reference: pd.DataFrame, production: pd.DataFrame, columns: dict, **estimation):
    reference.to_parquet(tmp_path / "reference.parquet")
    production.to_parquet(tmp_path / "production.parquet")
    path = write_audit(tmp_path, data={"reference": str(tmp_path / "reference.parquet"),
                                       "production": str(tmp_path / "production.parquet")},
                       columns=columns, estimation={"resamples": 20} | estimation,
                       performance={"bootstrap_resamples": 0}, drift={"multivariate": False},
                       fairness={}, explain={"method": "none"})
    return run_audit(AuditConfig.from_toml(path))


def test_audit_runs_when_production_has_no_labels_and_writes_the_json(tmp_path):
    reference, production = calibrated_frame(3000, 16), calibrated_frame(2000, 17).drop(columns=["y"])
    report = audit_of(tmp_path, reference, production, BINARY)
    assert report.status_of("estimation").status == "ran"
    data = json.loads(report.to_json())["estimation"]
    assert {"method", "calibration", "production", "backtest", "notes"} <= set(data)
    assert set(data["calibration"]) >= {"calibrated", "ece_before", "ece_after", "reason"}
    assert set(data["production"]) >= {"metrics", "chunks"}
    assert set(data["production"]["metrics"]["accuracy"]) == {"value", "ci_low", "ci_high"}
    chunk = data["production"]["chunks"][0]
    assert set(chunk) == {"label", "start", "end", "rows", "metrics"}  # no "realized": no labels
    assert data["backtest"] == {}


def test_audit_skips_when_every_chunk_has_labels_unless_always(tmp_path):
    reference, production = calibrated_frame(3000, 18), calibrated_frame(2000, 19)
    report = audit_of(tmp_path, reference, production, BINARY)
    status = report.status_of("estimation")
    assert status.status == "skipped" and "mode = \"always\"" in status.reason
    report = audit_of(tmp_path, reference, production, BINARY, mode="always")
    assert report.status_of("estimation").status == "ran"
    assert json.loads(report.to_json())["estimation"]["production"]["chunks"][0]["realized"]
    report = audit_of(tmp_path, reference, production, BINARY, mode="off")
    assert report.status_of("estimation").reason == "turned off in [estimation] mode"


def test_no_scores_is_skipped_with_the_reason(tmp_path):
    reference, production = calibrated_frame(2000, 20), calibrated_frame(1000, 21)
    for frame in (reference, production):
        frame["pred"] = (frame.p >= 0.5).astype(int)
    columns = {"target": "y", "prediction": "pred", "probabilities": [], "timestamp": "", "sensitive": []}
    report = audit_of(tmp_path, reference, production.drop(columns=["y"]), columns)
    status = report.status_of("estimation")
    assert status.status == "skipped" and "scores" in status.reason


def test_one_class_in_the_reference_is_skipped_with_the_reason(tmp_path):
    reference, production = calibrated_frame(2000, 22), calibrated_frame(1000, 23)
    reference["y"] = 1
    report = audit_of(tmp_path, reference, production.drop(columns=["y"]), BINARY | {"positive_label": 1})
    status = report.status_of("estimation")
    assert status.status == "skipped" and "one class" in status.reason


def test_method_for_the_other_task_is_skipped_with_the_reason(tmp_path):
    reference, production = calibrated_frame(2000, 24), calibrated_frame(1000, 25)
    report = audit_of(tmp_path, reference, production.drop(columns=["y"]), BINARY, method="dle")
    assert "for regression" in report.status_of("estimation").reason


def test_demo_audit_skips_estimation_in_auto_mode(demo_audit):
    config = AuditConfig.from_toml(demo_audit)
    from assay.engine.analyses.run import AnalysisRun
    from assay.engine.estimation.analysis import skip_reason
    from assay.engine.tables import load_dataset
    reference, production = load_dataset(config.data.reference), load_dataset(config.data.production)
    schema = infer_schema(reference.frame, production.frame, config)
    run = AnalysisRun(config=config, schema=schema, reference=reference, production=production, predictions={})
    assert "every production chunk has labels" in skip_reason(run, config.estimation)


# -- policy and JSON ---------------------------------------------------------------------------------


def test_drop_findings_are_labelled_estimated():
    reference, production = calibrated_frame(6000, 26), calibrated_frame(6000, 27, shift=-1.2)
    production["p"] = np.clip(production.p, 0, 1)
    result, config = estimate(reference, production, BINARY, {"max_drop": 0.01, "minimum": {"recall": 0.9}})
    findings = estimation_findings(result, config.estimation)
    ids = {f.id for f in findings}
    assert "estimation.minimum.recall" in ids
    dropped = [f for f in findings if f.id.startswith("estimation.drop.")]
    assert dropped and all(f.title.startswith("Estimated ") for f in dropped)
    assert all(f.analysis == "estimation" for f in findings)
    data = estimation_to_dict(result)
    assert data["production"]["change"]["accuracy"]["value"] == pytest.approx(
        result.metrics["accuracy"].value - result.reference["accuracy"])


def test_reference_binned_metrics_match_the_exact_ones_on_average():
    """The reference resamples are centred on its exact metrics (the shift onto the exact values)."""
    frame = calibrated_frame(5000, 28)
    score, y = frame.p.to_numpy(), frame.y.to_numpy()
    pred = (score >= 0.5).astype(int)
    exact = cbpe.metrics_of(pred, cbpe.one_hot(y, 2), score, 1)
    _, draws = I.draw_reference(score, y, pred, 2, 1, None, 200, exact, cbpe.ESTIMATED_CLASSIFICATION,
                                np.random.default_rng(0))
    for name, values in draws.realised.items():
        assert np.median(values) == pytest.approx(exact[name], abs=0.01), name
    # the spread of the resampled ROC-AUC is its standard error: about sqrt(AUC(1-AUC)/min(positives, negatives))
    _, positives, negatives = M.score_table(y == 1, score)
    auc = exact["roc_auc"]
    rough = np.sqrt(auc * (1 - auc) / min(positives.sum(), negatives.sum()))
    assert 0.5 * rough < np.std(draws.realised["roc_auc"]) < 2 * rough
