"""Performance metrics against scikit-learn and hand calculations; bad input; census data; the pipeline."""
import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from sklearn.preprocessing import label_binarize

from assay.engine import AuditConfig, CalculationError, ConfigError, run_audit
from assay.engine.performance import metrics as M
from assay.engine.performance.calculator import PerformanceCalculator
from assay.engine.performance.policy import performance_findings
from assay.engine.performance.metric_specs import names
from assay.engine.performance.results import performance_to_dict
from assay.engine.predictions import PredictionSet, predictions_from_columns
from assay.engine.schema import infer_schema
from tests.conftest import EMPLOYMENT

RESAMPLES = 200


def performance_of(reference: pd.DataFrame, production: pd.DataFrame, columns: dict, model_name=None,
                   predictions=None, task="auto", **performance):
    """PerformanceCalculator on two frames, predictions read from their columns (or given)."""
    config = AuditConfig().replace("columns", **columns).replace("task", type=task)
    config = config.replace("performance", **({"bootstrap_resamples": RESAMPLES} | performance))
    schema = infer_schema(reference, production, config)
    if predictions is None:
        predictions = {"reference": predictions_from_columns(reference, schema),
                       "production": predictions_from_columns(production, schema)}
    calculator = PerformanceCalculator(schema, config.performance, predictions, seed=7, model_name=model_name)
    result = calculator.fit(reference).calculate(production)
    return result, config


def binary_frame(n: int, seed: int, positive="bad", negative="good", shift=0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    is_positive = rng.random(n) < 0.35
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + 1.6 * is_positive - 0.8 - shift)))
    score = np.round(score, 3)  # ties, as scores written to a file have
    return pd.DataFrame({"y": np.where(is_positive, positive, negative), "p_bad": score,
                         "g": rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2]),
                         "when": pd.date_range("2025-01-01", periods=n, freq="37min")})


def values(result_metrics: dict) -> dict:
    return {name: m.value for name, m in result_metrics.items()}


def sklearn_count_metrics(y, predicted, **average) -> dict:
    """scikit-learn's count metrics; `average`: pos_label=... (binary) or average="macro" (multiclass)."""
    return {
        "accuracy": skm.accuracy_score(y, predicted),
        "balanced_accuracy": skm.balanced_accuracy_score(y, predicted),
        "precision": skm.precision_score(y, predicted, **average),
        "recall": skm.recall_score(y, predicted, **average),
        "f1": skm.f1_score(y, predicted, **average),
    }


# -- every metric equals scikit-learn's ---------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_binary_metrics_equal_scikit_learn_with_a_positive_label_that_is_not_1(threshold):
    reference, production = binary_frame(3000, 1), binary_frame(4000, 2, shift=0.3)
    result, _ = performance_of(reference, production, {"target": "y", "probabilities": ["p_bad"],
                                                       "positive_label": "bad"}, threshold=threshold)
    assert result.task == "binary" and result.positive_label == "bad" and result.threshold == threshold
    for frame, side in ((reference, result.reference), (production, result.production)):
        y, p = frame["y"].to_numpy(), frame["p_bad"].to_numpy()
        predicted = np.where(p >= threshold, "bad", "good")
        truth = y == "bad"
        expected = sklearn_count_metrics(y, predicted, pos_label="bad") | {
            "roc_auc": skm.roc_auc_score(truth, p),
            "average_precision": skm.average_precision_score(y, p, pos_label="bad"),
            "log_loss": skm.log_loss(truth, p),
            "brier": skm.brier_score_loss(y, p, pos_label="bad"),
        }
        got = values(side.metrics)
        for name, value in expected.items():
            assert got[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
        labels = ["bad", "good"] if side.confusion.labels[0] == "bad" else ["good", "bad"]
        assert list(side.confusion.labels) == labels
        assert np.array_equal(side.confusion.counts, skm.confusion_matrix(y, predicted, labels=labels))
        per_class = {c.label: c for c in side.per_class}
        precision, recall, f1, support = skm.precision_recall_fscore_support(y, predicted, labels=labels)
        for i, label in enumerate(labels):
            assert per_class[label].precision.value == pytest.approx(precision[i])
            assert per_class[label].recall.value == pytest.approx(recall[i])
            assert per_class[label].f1.value == pytest.approx(f1[i])
            assert per_class[label].support == support[i]
        for average in ("macro", "weighted"):
            assert side.averages[average]["f1"].value == pytest.approx(skm.f1_score(y, predicted, average=average))
            assert side.averages[average]["precision"].value == pytest.approx(
                skm.precision_score(y, predicted, average=average))


def test_multiclass_metrics_equal_scikit_learn_with_string_labels():
    def frame(n, seed):
        rng = np.random.default_rng(seed)
        names = np.array(["cat", "dog", "eel", "fox"])
        y = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
        logits = rng.normal(0, 1, (n, 4))
        logits[np.arange(n), y] += 1.0
        proba = np.round(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), 4)
        proba[:, 3] = 1 - proba[:, :3].sum(axis=1)  # rows sum to 1 after rounding
        out = pd.DataFrame({"y": names[y], "yhat": names[proba.argmax(axis=1)]})
        for j, name in enumerate(names):
            out[f"proba_{name}"] = proba[:, j]
        return out

    reference, production = frame(2500, 3), frame(9000, 4)  # production: cells coarser than its rows
    probabilities = ["proba_cat", "proba_dog", "proba_eel", "proba_fox"]
    result, _ = performance_of(reference, production, {"target": "y", "prediction": "yhat",
                                                       "probabilities": probabilities})
    assert result.task == "multiclass" and result.classes == ("cat", "dog", "eel", "fox")
    assert result.threshold is None
    for frame, side in ((reference, result.reference), (production, result.production)):
        y, predicted, proba = frame["y"], frame["yhat"], frame[probabilities].to_numpy()
        onehot = label_binarize(y, classes=list(result.classes))
        expected = sklearn_count_metrics(y, predicted, average="macro") | {
            "roc_auc": skm.roc_auc_score(y, proba, multi_class="ovr"),
            "average_precision": skm.average_precision_score(onehot, proba, average="macro"),
            "log_loss": skm.log_loss(y, proba),
            "brier": skm.brier_score_loss(y, proba),
        }
        got = values(side.metrics)
        for name, value in expected.items():
            assert got[name] == pytest.approx(value, rel=1e-9), name
        assert side.averages["weighted"]["recall"].value == pytest.approx(
            skm.recall_score(y, predicted, average="weighted"))
        curves = {c.label: c.area for c in side.roc}
        for j, label in enumerate(result.classes):
            assert curves[label] == pytest.approx(skm.roc_auc_score(onehot[:, j], proba[:, j]))
    assert "1 quantile" not in result.methods[1]


def test_regression_metrics_equal_scikit_learn_and_mape_leaves_out_near_zero_targets():
    def frame(n, seed):
        rng = np.random.default_rng(seed)
        y = rng.gamma(2.0, 50.0, n)
        y[:7] = 0.0  # near-zero targets: left out of MAPE
        return pd.DataFrame({"target": y, "prediction": y + rng.normal(3.0, 20.0, n)})

    reference, production = frame(3000, 5), frame(8000, 6)  # production: 64 x 64 cells
    result, _ = performance_of(reference, production, {"target": "target", "prediction": "prediction"},
                               task="regression")
    assert result.task == "regression" and result.metric_names == names("regression")
    for frame, side in ((reference, result.reference), (production, result.production)):
        y, p = frame["target"].to_numpy(), frame["prediction"].to_numpy()
        kept = np.abs(y) >= 1e-3 * np.median(np.abs(reference["target"]))
        expected = {
            "mae": skm.mean_absolute_error(y, p),
            "rmse": skm.root_mean_squared_error(y, p),
            "mape": skm.mean_absolute_percentage_error(y[kept], p[kept]),
            "median_ae": skm.median_absolute_error(y, p),
            "r2": skm.r2_score(y, p),
            "mean_error": float(np.mean(p - y)),
        }
        got = values(side.metrics)
        for name, value in expected.items():
            assert got[name] == pytest.approx(value, rel=1e-9), name
            low, high = side.metrics[name].ci_low, side.metrics[name].ci_high
            assert low <= got[name] <= high, name
        assert any("MAPE leaves out 7 rows" in note for note in side.notes)
        assert side.residuals is not None and sum(side.residuals.histogram.counts) == len(y)
    assert result.comparison["mae"].drop_scale == "relative"


def test_expected_calibration_error_by_hand_on_a_tiny_table():
    # 4 bins of width 0.25 (an inner edge belongs to the lower bin, as in calibration_curve):
    # bin 0: 0.1 (y 0), 0.25 (y 1)      -> |1 - 0.35| = 0.65
    # bin 1: 0.3 (y 0), 0.5 (y 1)       -> |1 - 0.80| = 0.20
    # bin 3: 0.8 (y 1), 0.9 (y 1), 1.0 (y 0) -> |2 - 2.70| = 0.70
    scores = np.array([0.1, 0.25, 0.3, 0.5, 0.8, 0.9, 1.0])
    y = np.array([0, 1, 0, 1, 1, 1, 0], dtype=bool)
    assert M.expected_calibration_error(y, scores, 4) == pytest.approx((0.65 + 0.20 + 0.70) / 7)
    frame = pd.DataFrame({"y": y.astype(int), "score": scores})
    result, _ = performance_of(frame, frame, {"target": "y", "probabilities": ["score"]}, calibration_bins=4)
    assert result.production.metrics["ece"].value == pytest.approx(1.55 / 7)
    curve = result.production.calibration
    observed, predicted = calibration_curve(y, scores, n_bins=4)
    assert np.allclose(curve.observed, observed) and np.allclose(curve.mean_score, predicted)
    assert curve.count == (2, 2, 3)


def test_curves_and_threshold_sweep_agree_with_scikit_learn():
    frame = binary_frame(5000, 8)
    result, _ = performance_of(frame, frame, {"target": "y", "probabilities": ["p_bad"], "positive_label": "bad"})
    side = result.production
    truth, p = frame["y"].to_numpy() == "bad", frame["p_bad"].to_numpy()
    roc = side.roc[0]
    assert roc.label == "bad" and len(roc.x) <= 200 and roc.area == pytest.approx(skm.roc_auc_score(truth, p))
    fpr, tpr, thresholds = skm.roc_curve(truth, p)
    exact = dict(zip(np.round(thresholds, 9), zip(fpr, tpr)))
    for x, y, t in zip(roc.x[1:], roc.y[1:], roc.thresholds[1:]):
        if round(t, 9) in exact:
            assert (x, y) == pytest.approx(exact[round(t, 9)])
    sweep = side.threshold_sweep
    for i in (20, 50, 73):
        t = sweep.thresholds[i]
        predicted = p >= t
        assert sweep.metrics["recall"][i] == pytest.approx(skm.recall_score(truth, predicted))
        assert sweep.metrics["precision"][i] == pytest.approx(skm.precision_score(truth, predicted))
        assert sweep.metrics["f1"][i] == pytest.approx(skm.f1_score(truth, predicted))
        assert sweep.metrics["balanced_accuracy"][i] == pytest.approx(skm.balanced_accuracy_score(truth, predicted))
        assert sweep.metrics["positive_rate"][i] == pytest.approx(predicted.mean())
    assert sweep.metrics["accuracy"][50] == pytest.approx(side.metrics["accuracy"].value)


# -- bad input -----------------------------------------------------------------------------------


def test_string_labels_against_numeric_predictions_are_matched_by_value():
    frame = pd.DataFrame({"y": ["1", "0", "1", "1", "0", "0"] * 20, "yhat": [1, 0, 0, 1, 0, 1] * 20})
    result, _ = performance_of(frame, frame, {"target": "y", "prediction": "yhat"})
    assert result.production.metrics["accuracy"].value == pytest.approx(4 / 6)
    assert any("matched by value" in note for note in result.production.notes)


def test_labels_that_share_no_value_with_the_predictions_are_refused():
    frame = pd.DataFrame({"y": ["yes", "no", "maybe"] * 10, "yhat": ["a", "b", "c"] * 10})
    with pytest.raises(CalculationError, match=r"share no value with the target 'y'.*'yhat'"):
        performance_of(frame, frame, {"target": "y", "prediction": "yhat"})


def test_single_class_target_leaves_roc_auc_undefined_and_the_rest_computed():
    frame = binary_frame(400, 9)
    production = frame.assign(y="good")
    result, _ = performance_of(frame, production, {"target": "y", "probabilities": ["p_bad"],
                                                   "positive_label": "bad"})
    metrics = result.production.metrics
    assert metrics["roc_auc"].value is None and "only one class" in metrics["roc_auc"].reason
    assert metrics["recall"].value is None and "no row is labelled" in metrics["recall"].reason
    assert metrics["accuracy"].value == pytest.approx((production["p_bad"] < 0.5).mean())
    assert metrics["log_loss"].value is not None and metrics["brier"].value is not None
    data = json.loads(json.dumps(performance_to_dict(result), allow_nan=False))
    assert data["production"]["metrics"]["roc_auc"] == {"value": None, "ci_low": None, "ci_high": None,
                                                        "reason": metrics["roc_auc"].reason}


def test_probabilities_outside_0_1_name_the_column_and_rows_must_sum_to_1():
    frame = binary_frame(100, 10)
    frame.loc[3, "p_bad"] = 1.7
    with pytest.raises(CalculationError, match=r"outside \[0, 1\] in the column 'p_bad' \(1 rows, e.g. 1.7\)"):
        performance_of(frame, frame, {"target": "y", "probabilities": ["p_bad"], "positive_label": "bad"})
    multi = pd.DataFrame({"y": ["a", "b", "c"] * 10, "proba_a": 0.5, "proba_b": 0.3, "proba_c": 0.1})
    with pytest.raises(CalculationError, match=r"'proba_a', 'proba_b', 'proba_c' do not sum to 1 in 30 rows"):
        performance_of(multi, multi, {"target": "y", "probabilities": ["proba_a", "proba_b", "proba_c"]})
    predictions = {side: PredictionSet(None, np.full(30, 2.0), (0, 1)) for side in ("reference", "production")}
    numbers = pd.DataFrame({"y": [0, 1, 1] * 10})
    with pytest.raises(CalculationError, match=r"the probabilities of the model /models/m.skops"):
        performance_of(numbers, numbers, {"target": "y"}, model_name="/models/m.skops", predictions=predictions)


def test_labels_the_model_never_predicts_and_missing_targets_are_reported():
    frame = pd.DataFrame({"y": ["a", "b", "c", "a", "b", "c"] * 30, "yhat": ["a", "b", "a", "a", "b", "b"] * 30})
    frame.loc[[0, 7, 11], "y"] = None
    result, _ = performance_of(frame, frame, {"target": "y", "prediction": "yhat"})
    side = result.production
    assert side.rows == 180 and side.rows_used == 177 and side.rows_missing_target == 3
    assert any("3 production rows without a target value left out" == note for note in side.notes)
    assert any("never predicts: c" in note for note in side.notes)
    c = next(k for k in side.per_class if k.label == "c")
    assert c.predicted == 0 and c.precision.value is None and c.recall.value == 0.0
    kept = frame.dropna()
    assert side.metrics["precision"].value == pytest.approx(skm.precision_score(kept.y, kept.yhat, average="macro",
                                                                                zero_division=0))


def test_labels_only_predictions_leave_score_metrics_undefined_with_the_reason():
    frame = pd.DataFrame({"y": [0, 1, 1, 0] * 25, "yhat": [0, 1, 0, 0] * 25})
    result, _ = performance_of(frame, frame, {"target": "y", "prediction": "yhat"})
    metrics = result.production.metrics
    assert metrics["accuracy"].value == pytest.approx(0.75) and metrics["accuracy"].ci_low is not None
    for name in ("roc_auc", "average_precision", "log_loss", "brier", "ece"):
        assert metrics[name].value is None and metrics[name].reason.startswith("no scores")
    assert result.threshold is None and result.production.roc == () and result.production.threshold_sweep is None


def test_production_without_labels_shows_reference_and_prediction_distributions():
    reference = binary_frame(2000, 11)
    production = binary_frame(3000, 12).drop(columns="y")
    result, config = performance_of(reference, production, {"target": "y", "probabilities": ["p_bad"],
                                                            "positive_label": "bad", "timestamp": "when"},
                                    minimum={"accuracy": 0.9}, chunk_by="week", segment_by=("g",))
    assert result.production.status == "no labels" and result.production.metrics == {}
    assert "no target column 'y'" in result.production.reason
    assert result.reference.status == "ok" and result.reference.metrics["roc_auc"].value > 0.7
    distribution = result.production.distribution
    assert sum(count for _, count in distribution.labels) == 3000 and sum(distribution.scores.counts) == 3000
    assert result.comparison == {}
    assert result.production.chunks and all(c.status == "no labels" and c.metrics == {}
                                            for c in result.production.chunks)
    assert result.segments and result.segments[0].dataset == "reference"
    findings = performance_findings(result, config.performance)
    assert [f.id for f in findings] == ["performance.no_labels"] and "accuracy" in findings[0].detail


# -- policy, chunks and segments -------------------------------------------------------------------


def test_a_significant_drop_beyond_the_policy_is_a_finding_and_minimums_are_checked():
    reference, production = binary_frame(6000, 13), binary_frame(6000, 14, shift=-1.5)
    result, config = performance_of(reference, production, {"target": "y", "probabilities": ["p_bad"],
                                                            "positive_label": "bad", "timestamp": "when"},
                                    minimum={"roc_auc": 0.99}, maximum={"brier": 0.5},
                                    max_drop_metrics={"recall": 0.9})
    change = result.comparison["accuracy"]
    assert change.change == pytest.approx(change.production - change.reference)
    assert change.significant and change.worse and change.beyond_policy and change.ci_high < 0
    ids = {f.id: f for f in performance_findings(result, config.performance)}
    assert ids["performance.drop.accuracy"].severity == "fail"
    assert "performance.drop.recall" not in ids  # its own limit (0.9) is not exceeded
    assert ids["performance.minimum.roc_auc"].severity == "fail"
    assert "performance.maximum.brier" not in ids
    assert "first chunk with a significant drop" in ids["performance.drop.accuracy"].detail
    assert any("accuracy" in c.dropped for c in result.production.chunks)


def test_chunks_by_rows_mark_small_chunks_and_segments_rank_worst_first():
    reference = binary_frame(3000, 15)
    production = binary_frame(2030, 16)
    production.loc[production["g"] == "east", "p_bad"] = 1 - production.loc[production["g"] == "east", "p_bad"]
    result, _ = performance_of(reference, production, {"target": "y", "probabilities": ["p_bad"],
                                                       "positive_label": "bad", "sensitive": ["g"]},
                               chunk_by="rows", chunk_size=500, min_chunk_rows=40, top_segments=2)
    chunks = result.production.chunks
    assert [c.rows for c in chunks] == [500, 500, 500, 500, 30]
    assert chunks[-1].status == "small" and "not judged" in chunks[-1].reason and chunks[-1].dropped == ()
    assert all(c.status == "ok" and c.metrics["accuracy"].ci_low is not None for c in chunks[:-1])
    first = production.iloc[:500]
    assert chunks[0].metrics["accuracy"].value == pytest.approx(
        ((first["p_bad"] >= 0.5) == (first["y"] == "bad")).mean())
    column = result.segments[0]
    assert column.column == "g" and column.ranked_by == "accuracy" and column.dataset == "production"
    names = [s.segment for s in column.segments]
    assert sorted(names) == ["north", "other", "south"]  # the top 2 values, then "other" (east)
    assert names[0] == "other"  # east's scores were flipped: the worst
    accuracy = [s.metrics["accuracy"].value for s in column.segments]
    assert accuracy == sorted(accuracy)
    assert sum(s.rows for s in column.segments) == len(production)
    other = next(s for s in column.segments if s.segment == "other")
    assert other.rows == int((production["g"] == "east").sum()) and other.reference_value > 0.6


def test_same_audit_gives_the_same_intervals_and_another_seed_other_ones():
    frame = binary_frame(1500, 17)
    columns = {"target": "y", "probabilities": ["p_bad"], "positive_label": "bad"}
    first, _ = performance_of(frame, frame, columns)
    second, _ = performance_of(frame, frame, columns)
    assert performance_to_dict(first) == performance_to_dict(second)
    config = AuditConfig().replace("columns", **columns).replace("performance", bootstrap_resamples=RESAMPLES)
    schema = infer_schema(frame, frame, config)
    predictions = {s: predictions_from_columns(frame, schema) for s in ("reference", "production")}
    other = PerformanceCalculator(schema, config.performance, predictions, seed=8).fit(frame).calculate(frame)
    assert other.production.metrics["accuracy"].ci_low != first.production.metrics["accuracy"].ci_low
    assert other.production.metrics["accuracy"].value == first.production.metrics["accuracy"].value


def test_bootstrap_off_gives_values_without_intervals():
    frame = binary_frame(500, 18)
    result, _ = performance_of(frame, frame, {"target": "y", "probabilities": ["p_bad"], "positive_label": "bad"},
                               bootstrap_resamples=0)
    assert all(m.ci_low is None for m in result.production.metrics.values())
    assert result.comparison["accuracy"].significant is None
    assert "turned off" in " ".join(result.methods)


def test_progress_is_reported_in_small_steps():
    frame = binary_frame(20_000, 19)
    config = AuditConfig().replace("columns", target="y", probabilities=("p_bad",), positive_label="bad",
                                   sensitive=("g",))
    schema = infer_schema(frame, frame, config)
    predictions = {s: predictions_from_columns(frame, schema) for s in ("reference", "production")}
    events = list(PerformanceCalculator(schema, config.performance, predictions).fit(frame).iter_calculate(frame))
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(events) >= 30  # every 100 resamples, every chunk and segment
    assert {e.stage for e in events} == {"performance"}


def test_config_refuses_a_minimum_for_an_error_metric():
    with pytest.raises(ConfigError, match=r"performance.minimum.mae: lower is better.*\[performance.maximum\]"):
        AuditConfig().replace("performance", minimum={"mae": 3.0})
    with pytest.raises(ConfigError, match=r"performance.maximum.accuracy: higher is better"):
        AuditConfig().replace("performance", maximum={"accuracy": 0.5})
    with pytest.raises(ConfigError, match="not a performance metric"):
        AuditConfig().replace("performance", max_drop_metrics={"auc": 0.1})
    assert AuditConfig().replace("performance", maximum={"log_loss": 0.7}).performance.maximum == {"log_loss": 0.7}


# -- real data and the whole audit ---------------------------------------------------------------------


def test_census_production_accuracy_by_year_matches_a_hand_computation(employment_audit):
    config = AuditConfig.from_toml(employment_audit).replace("performance", bootstrap_resamples=100)
    reference = pd.read_parquet(EMPLOYMENT / "reference.parquet")
    production = pd.read_parquet(EMPLOYMENT / "production.parquet")
    schema = infer_schema(reference, production, config)
    predictions = {"reference": predictions_from_columns(reference, schema),
                   "production": predictions_from_columns(production, schema)}
    result = PerformanceCalculator(schema, config.performance, predictions).fit(reference).calculate(production)
    by_year = (production["prediction"] == production["employed"]).groupby(production["year"]).mean()
    chunks = result.production.chunks
    assert [c.label for c in chunks] == ["2016", "2017", "2018"]
    for chunk in chunks:
        assert chunk.metrics["accuracy"].value == pytest.approx(by_year[int(chunk.label)], abs=1e-12)
        assert chunk.rows == int((production["year"] == int(chunk.label)).sum())
        assert chunk.metrics["accuracy"].ci_low < chunk.metrics["accuracy"].value < chunk.metrics["accuracy"].ci_high
    assert result.reference.metrics["accuracy"].value == pytest.approx(
        (reference["prediction"] == reference["employed"]).mean())
    assert {s.column for s in result.segments} == {"SEX", "RAC1P"}


def test_demo_audit_has_a_performance_section_with_every_metric(demo_audit):
    report = run_audit(AuditConfig.from_toml(demo_audit).replace("performance", bootstrap_resamples=200))
    assert report.status_of("performance").status == "ran"
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    performance = data["performance"]
    for side in ("reference", "production"):
        assert set(performance[side]["metrics"]) == set(names("binary"))
        for metric in performance[side]["metrics"].values():
            assert set(metric) == {"value", "ci_low", "ci_high", "reason"}
            assert metric["ci_low"] <= metric["value"] <= metric["ci_high"]
    chunks = performance["production"]["chunks"]
    assert len(chunks) == 12 and {"label", "start", "end", "rows", "metrics"} <= set(chunks[0])
    assert chunks[-1]["metrics"]["roc_auc"]["value"] < chunks[0]["metrics"]["roc_auc"]["value"]  # planted decay
    assert performance["segments"] and performance["comparison"]["roc_auc"]["change"] < 0
    assert report.performance.reference.threshold_sweep is not None


def test_audit_without_a_target_skips_performance_and_says_why(tmp_path, small_tables):
    from tests.conftest import write_audit

    reference, production = (pd.read_csv(p) for p in small_tables)
    for frame, path in ((reference, small_tables[0]), (production, small_tables[1])):
        frame.assign(prediction=frame["target"]).drop(columns="target").to_csv(path, index=False)
    path = write_audit(tmp_path, data={"reference": str(small_tables[0]), "production": str(small_tables[1])},
                       columns={"prediction": "prediction", "target": ""})
    report = run_audit(AuditConfig.from_toml(path))
    status = report.status_of("performance")
    assert status.status == "skipped" and "no target column" in status.reason
    assert report.to_dict()["performance"] is None
