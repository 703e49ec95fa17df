"""The performance metric table (engine/performance/metric_specs.py): every metric in it against scikit-learn
on a small table, its bounds held under resampling, config validation reading it, and a toy entry added in
the test alone flowing through the calculator, the policy, the JSON and the PDF's labels."""
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from assay.engine import AuditConfig, ConfigError
from assay.engine.performance import metric_specs as S
from assay.engine.performance import metrics as M
from assay.engine.performance.policy import performance_findings
from assay.engine.performance.results import performance_to_dict
from assay.engine.report.sections.performance import name as pdf_label
from tests.engine.test_performance import binary_frame, performance_of, sklearn_count_metrics

BINS = 10


def sk_ece(outcome: np.ndarray, confidence: np.ndarray) -> float:
    """ECE from scikit-learn's calibration_curve (observed share and mean score per non-empty bin) and the
    rows per bin counted with np.digitize (an inner edge in the lower bin, as calibration_curve has it)."""
    observed, predicted = calibration_curve(outcome, confidence, n_bins=BINS, strategy="uniform")
    counts = np.bincount(np.digitize(confidence, np.linspace(0, 1, BINS + 1)[1:-1], right=True), minlength=BINS)
    counts = counts[counts > 0]
    return float((counts * np.abs(observed - predicted)).sum() / confidence.size)


def binary_expected(frame: pd.DataFrame) -> dict:
    y, p = frame["y"].to_numpy(), frame["p_bad"].to_numpy()
    predicted, truth = np.where(p >= 0.5, "bad", "good"), y == "bad"
    return sklearn_count_metrics(y, predicted, pos_label="bad") | {
        "roc_auc": skm.roc_auc_score(truth, p),
        "average_precision": skm.average_precision_score(truth, p),
        "log_loss": skm.log_loss(truth, p),
        "brier": skm.brier_score_loss(truth, p),
        "ece": sk_ece(truth, p),
    }


CLASSES = ["ant", "bee", "cow"]


def multiclass_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    logits = rng.normal(0, 1, (n, 3))
    logits[np.arange(n), y] += 1.2
    proba = np.round(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), 3)
    proba[:, 2] = 1 - proba[:, :2].sum(axis=1)
    frame = pd.DataFrame({"y": np.array(CLASSES)[y], "yhat": np.array(CLASSES)[proba.argmax(axis=1)]})
    for j, c in enumerate(CLASSES):
        frame[f"p_{c}"] = proba[:, j]
    return frame


def multiclass_expected(frame: pd.DataFrame) -> dict:
    y, predicted, proba = frame["y"], frame["yhat"], frame[[f"p_{c}" for c in CLASSES]].to_numpy()
    onehot = (y.to_numpy()[:, None] == np.array(CLASSES)).astype(int)
    return sklearn_count_metrics(y, predicted, average="macro") | {
        "roc_auc": skm.roc_auc_score(y, proba, multi_class="ovr"),
        "average_precision": skm.average_precision_score(onehot, proba, average="macro"),
        "log_loss": skm.log_loss(y, proba, labels=CLASSES),
        "brier": float(((proba - onehot) ** 2).sum(axis=1).mean()),  # scikit-learn 1.9's multiclass Brier
        "ece": sk_ece(proba.argmax(axis=1) == onehot.argmax(axis=1), proba.max(axis=1)),
    }


def regression_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.gamma(2.0, 10.0, n)
    return pd.DataFrame({"target": y, "prediction": y + rng.normal(1.0, 4.0, n)})


def regression_expected(frame: pd.DataFrame) -> dict:
    y, p = frame["target"].to_numpy(), frame["prediction"].to_numpy()
    return {
        "mae": skm.mean_absolute_error(y, p),
        "rmse": skm.root_mean_squared_error(y, p),
        "mape": skm.mean_absolute_percentage_error(y, p),  # no target near zero in these frames
        "median_ae": skm.median_absolute_error(y, p),
        "r2": skm.r2_score(y, p),
        "mean_error": float(np.mean(p - y)),  # no scikit-learn function: the definition itself
    }


CASES = {
    "binary": (binary_frame, binary_expected, {"target": "y", "probabilities": ["p_bad"], "positive_label": "bad"}),
    "multiclass": (multiclass_frame, multiclass_expected,
                   {"target": "y", "prediction": "yhat", "probabilities": [f"p_{c}" for c in CLASSES]}),
    "regression": (regression_frame, regression_expected, {"target": "target", "prediction": "prediction"}),
}


def test_the_metric_names_are_the_json_contract():
    assert S.names("binary") == S.names("multiclass") == (
        "accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc", "average_precision", "log_loss",
        "brier", "ece")
    assert S.names("regression") == ("mae", "rmse", "mape", "median_ae", "r2", "mean_error")
    assert S.names() == S.names("binary") + S.names("regression")
    assert len(set(S.names())) == len(S.METRICS) and set(S.BY_NAME) == set(S.names())


@pytest.mark.parametrize("task", sorted(CASES))
def test_every_metric_of_the_table_equals_scikit_learn_on_a_small_table(task):
    make, expected_of, columns = CASES[task]
    reference, production = make(150, 11), make(120, 12)
    result, _ = performance_of(reference, production, columns, task=task, bootstrap_resamples=50)
    assert result.metric_names == S.names(task)
    for frame, side in ((reference, result.reference), (production, result.production)):
        expected = expected_of(frame)
        assert set(expected) == set(S.names(task))  # a metric added to the table needs its reference here
        for name, value in expected.items():
            assert side.metrics[name].value == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_labels_directions_and_drops_reach_the_json_findings_and_pdf():
    reference, production = binary_frame(600, 1), binary_frame(600, 2, shift=1.5)
    result, config = performance_of(reference, production, {"target": "y", "probabilities": ["p_bad"],
                                                            "positive_label": "bad"}, max_drop=0.01)
    data = performance_to_dict(result)
    assert data["higher_is_better"] == {m.name: m.higher_is_better for m in S.of_task("binary")}
    drops = [f for f in performance_findings(result, config.performance) if f.id.startswith("performance.drop.")]
    assert drops
    for finding in drops:
        assert finding.title.startswith(S.label(finding.id.split(".")[-1]) + ":")
    assert all(result.comparison[m.name].drop_scale == "absolute" for m in S.of_task("binary"))
    assert [pdf_label(m.name) for m in S.METRICS] == [m.label for m in S.METRICS]


def _bounds_hold(result) -> None:
    for side in (result.reference, result.production):
        for name, estimate in side.metrics.items():
            low, high = S.metric(name).bounds
            for v in (estimate.value, estimate.ci_low, estimate.ci_high):
                if v is not None:
                    assert (low is None or v >= low) and (high is None or v <= high), (name, v)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=st.lists(st.booleans(), min_size=6, max_size=40),
       scores=st.lists(st.floats(0.0, 1.0), min_size=42, max_size=42), seed=st.integers(0, 2 ** 16))
def test_binary_values_and_intervals_stay_within_the_tables_bounds(labels, scores, seed):
    labels = [True, False] + labels
    frame = pd.DataFrame({"y": np.array(labels, dtype=int), "p": np.round(scores[:len(labels)], 2)})
    half = np.random.default_rng(seed).permutation(len(frame))
    result, _ = performance_of(frame.iloc[half[: len(frame) // 2 + 1]].reset_index(drop=True), frame,
                               {"target": "y", "probabilities": ["p"], "positive_label": 1}, task="binary",
                               bootstrap_resamples=30)
    _bounds_hold(result)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.lists(st.floats(-50, 50), min_size=6, max_size=40),
       noise=st.lists(st.floats(-30, 30), min_size=40, max_size=40))
def test_regression_values_and_intervals_stay_within_the_tables_bounds(target, noise):
    y = np.array(target)
    frame = pd.DataFrame({"target": y, "prediction": y + np.array(noise[:len(y)])})
    result, _ = performance_of(frame, frame.iloc[::-1].reset_index(drop=True),
                               {"target": "target", "prediction": "prediction"}, task="regression",
                               bootstrap_resamples=30)
    _bounds_hold(result)


def test_an_unknown_metric_in_an_audit_file_lists_the_tables_names(tmp_path):
    path = tmp_path / "audit.toml"
    path.write_text("[performance.minimum]\nauc = 0.7\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        AuditConfig.from_toml(path)
    assert error.value.key == "performance.minimum.auc"
    assert str(error.value).endswith("allowed names: " + ", ".join(m.name for m in S.METRICS))
    for table in ("maximum", "max_drop_metrics"):
        with pytest.raises(ConfigError, match=f"performance.{table}.auc: not a performance metric"):
            AuditConfig().replace("performance", **{table: {"auc": 0.1}})


def test_direction_checks_read_the_table():
    for m in S.METRICS:
        good, bad = ("minimum", "maximum") if m.higher_is_better else ("maximum", "minimum")
        assert getattr(AuditConfig().replace("performance", **{good: {m.name: 0.5}}).performance, good) == {
            m.name: 0.5}
        with pytest.raises(ConfigError, match=f"performance.{bad}.{m.name}: "):
            AuditConfig().replace("performance", **{bad: {m.name: 0.5}})


def test_a_toy_metric_added_to_the_table_flows_through_config_calculator_policy_json_and_pdf(monkeypatch):
    toy = S.Metric(name="max_error", label="Largest error", description="The largest absolute error",
                   tasks=S.REGRESSION, higher_is_better=False, bounds=(0.0, None), drop="relative", unit="target")
    monkeypatch.setattr(S, "METRICS", S.METRICS + (toy,))
    monkeypatch.setitem(S.BY_NAME, toy.name, toy)
    formulas = M.regression_metrics
    monkeypatch.setattr(M, "regression_metrics", lambda y, predicted, floor: formulas(y, predicted, floor) | {
        "max_error": float(np.abs(predicted - y).max()) if y.size else float("nan")})
    reference, production = regression_frame(200, 3), regression_frame(200, 4)
    production["prediction"] += 40.0
    result, config = performance_of(reference, production, {"target": "target", "prediction": "prediction"},
                                    task="regression", maximum={"max_error": 10.0})
    assert result.metric_names[-1] == "max_error"
    expected = skm.max_error(production["target"], production["prediction"])
    assert result.production.metrics["max_error"].value == pytest.approx(expected)
    assert result.comparison["max_error"].drop_scale == "relative"
    ids = {f.id: f for f in performance_findings(result, config.performance)}
    assert ids["performance.maximum.max_error"].title.startswith("Largest error: ")
    assert "performance.drop.max_error" in ids
    data = json.loads(json.dumps(performance_to_dict(result)))
    assert data["higher_is_better"]["max_error"] is False and "max_error" in data["production"]["metrics"]
    assert pdf_label("max_error") == "Largest error"
    with pytest.raises(ConfigError, match="max_error: lower is better"):
        AuditConfig().replace("performance", minimum={"max_error": 1.0})
