"""Fairness against fairlearn's own functions, a hand calculation and a pandas groupby on census data."""
import json

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as fm
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.engine import AuditConfig, ConfigError, run_audit
from assay.engine.fairness import metrics as M
from assay.engine.fairness.calculator import FairnessCalculator
from assay.engine.predictions import PredictionSet
from assay.engine.schema import infer_schema
from tests.conftest import EMPLOYMENT, write_audit


def fairness_of(reference: pd.DataFrame, production: pd.DataFrame, **fairness):
    """Predictions-only fairness on frames holding y (target), yhat (prediction) and sensitive columns."""
    config = AuditConfig().replace("columns", target="y", prediction="yhat", sensitive=fairness.pop("sensitive"))
    config = config.replace("fairness", **({"bootstrap_resamples": 200} | fairness))
    schema = infer_schema(reference, production, config)
    predictions = {side: PredictionSet(f["yhat"].to_numpy(), None, (0, 1))
                   for side, f in (("reference", reference), ("production", production))}
    calculator = FairnessCalculator(schema, config.fairness, predictions, model_inputs=None)
    return calculator.fit(reference).calculate(production)


def tiny_table() -> pd.DataFrame:
    # group a: 6 rows, y = 1 1 1 0 0 0, yhat = 1 1 0 1 0 0 -> TP 2, FN 1, FP 1, TN 2
    # group b: 4 rows, y = 1 1 0 0,     yhat = 1 0 0 0     -> TP 1, FN 1, FP 0, TN 2
    return pd.DataFrame({"g": list("aaaaaabbbb"), "y": [1, 1, 1, 0, 0, 0, 1, 1, 0, 0],
                         "yhat": [1, 1, 0, 1, 0, 0, 1, 0, 0, 0]})


def test_hand_calculation_on_a_tiny_table():
    table = tiny_table()
    result = fairness_of(table, table, sensitive=("g",), min_group_size=1)
    a, b = {g.group: g for g in result.production["g"].groups}.values()
    assert a.group == "a" and a.count == 6 and a.share == 0.6
    assert a.metrics["selection_rate"].value == pytest.approx(3 / 6)
    assert a.metrics["tpr"].value == pytest.approx(2 / 3) and a.metrics["fpr"].value == pytest.approx(1 / 3)
    assert a.metrics["precision"].value == pytest.approx(2 / 3) and a.metrics["accuracy"].value == pytest.approx(4 / 6)
    assert b.metrics["selection_rate"].value == pytest.approx(1 / 4) and b.metrics["fnr"].value == pytest.approx(0.5)
    disparities = result.production["g"].disparities
    assert result.production["g"].reference_group == "a"  # the largest
    assert disparities["demographic_parity_difference"].value == pytest.approx(0.5 - 0.25)
    assert disparities["demographic_parity_ratio"].value == pytest.approx(0.25 / 0.5)
    assert disparities["disparate_impact_ratio"].value == pytest.approx(0.5)
    assert disparities["equalized_odds_difference"].value == pytest.approx(max(2 / 3 - 1 / 2, 1 / 3 - 0))
    assert b.versus_reference["selection_rate_difference"].value == pytest.approx(0.25 - 0.5)


def census(rows: int = 60_000) -> pd.DataFrame:
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    frame = pd.read_parquet(EMPLOYMENT / "production.parquet").iloc[:rows]
    return frame.rename(columns={"employed": "y", "prediction": "yhat"})


def test_equal_to_fairlearns_functions_on_census_data():
    frame = census()
    result = fairness_of(frame, frame, sensitive=("SEX", "RAC1P"), min_group_size=1)
    for column in ("SEX", "RAC1P"):
        kwargs = dict(y_true=frame["y"], y_pred=frame["yhat"], sensitive_features=frame[column])
        disparities = result.production[column].disparities
        assert disparities["demographic_parity_difference"].value == pytest.approx(
            fm.demographic_parity_difference(**kwargs))
        assert disparities["demographic_parity_ratio"].value == pytest.approx(fm.demographic_parity_ratio(**kwargs))
        assert disparities["equalized_odds_difference"].value == pytest.approx(fm.equalized_odds_difference(**kwargs))
        assert disparities["equalized_odds_ratio"].value == pytest.approx(fm.equalized_odds_ratio(**kwargs))
        assert disparities["equal_opportunity_difference"].value == pytest.approx(
            fm.equal_opportunity_difference(**kwargs))
        assert disparities["false_positive_rate_difference"].value == pytest.approx(
            fm.false_positive_rate_difference(**kwargs))


def test_selection_and_true_positive_rates_match_a_pandas_groupby():
    frame = census(rows=208_892)
    result = fairness_of(frame, frame, sensitive=("SEX", "RAC1P"))
    for column in ("SEX", "RAC1P"):
        grouped = frame.groupby(frame[column].astype(str))
        selection = grouped["yhat"].mean()
        tpr = frame[frame["y"] == 1].groupby(frame[column].astype(str))["yhat"].mean()
        for group in result.production[column].groups:
            assert group.metrics["selection_rate"].value == pytest.approx(selection[group.group])
            assert group.metrics["tpr"].value == pytest.approx(tpr[group.group])
            low, high = group.metrics["selection_rate"].ci_low, group.metrics["selection_rate"].ci_high
            assert low <= group.metrics["selection_rate"].value <= high


def test_intersections_small_groups_and_tests():
    frame = census()
    result = fairness_of(frame, frame, sensitive=("SEX", "RAC1P"), intersections=(("SEX", "RAC1P"),))
    both = result.production["SEX & RAC1P"]
    assert any(g.small for g in both.groups) and any("kept out of verdicts" in n for n in both.notes)
    largest = max(both.groups, key=lambda g: g.count)
    assert both.reference_group == largest.group
    tested = [g for g in both.groups if not g.small and g.group != both.reference_group]
    assert all(g.versus_reference["selection_rate_difference"].p_value_adjusted
               >= g.versus_reference["selection_rate_difference"].p_value for g in tested)
    small = [e for g in both.groups if g.small for e in g.versus_reference.values()]
    assert small and all(e.p_value is None for e in small)  # shown, but not tested


def test_bad_inputs():
    table = tiny_table()
    production = table.copy()
    production.loc[0, "g"] = None  # a missing value: its own group
    production.loc[1, "g"] = "c"  # a group only in production
    result = fairness_of(table, production, sensitive=("g",), min_group_size=1)
    groups = {g.group for g in result.production["g"].groups}
    assert {"missing", "c"} <= groups
    single = fairness_of(table.assign(g="a"), table.assign(g="a"), sensitive=("g",), min_group_size=1)
    assert single.production["g"].disparities == {} and "fewer than two groups" in single.production["g"].notes[0]
    unlabelled = fairness_of(table, table.drop(columns="y"), sensitive=("g",), min_group_size=1)
    production_g = unlabelled.production["g"]
    assert "tpr" in production_g.needs_labels and "selection_rate" not in production_g.needs_labels
    assert set(production_g.disparities) == set(M.LABEL_FREE_DISPARITIES)
    gone = fairness_of(table, table.drop(columns="g").assign(other=1), sensitive=("g",), min_group_size=1)
    assert gone.production["g"].groups == () and "not in the production data" in gone.production["g"].notes[0]
    with pytest.raises(ConfigError, match="no such group; groups: a, b"):
        fairness_of(table, table, sensitive=("g",), min_group_size=1, reference_groups={"g": "z"})


def test_the_demo_disparity_fails_the_default_policy(demo_audit):
    report = run_audit(AuditConfig.from_toml(demo_audit))
    failed = {f.id for f in report.findings if f.analysis == "fairness" and f.severity == "fail"}
    assert "fairness.disparate_impact_ratio.sex" in failed
    assert report.verdict == "fail"
    data = json.loads(report.to_json())["fairness"]
    sex = data["production"]["sex"]
    assert set(sex["groups"]) == {"female", "male"}
    assert {"count", "share", "base_rate", "selection_rate", "accuracy", "tpr", "fpr", "fnr", "precision"} <= set(
        sex["groups"]["female"])
    assert {"value", "ci_low", "ci_high", "p_value"} <= set(sex["disparities"]["demographic_parity_difference"])
    assert "sex" in data["sensitive_inputs"] and any(p["column"] == "age" for p in data["proxies"])


@given(st.lists(st.tuples(st.integers(0, 2), st.booleans(), st.booleans()), min_size=8, max_size=80))
@settings(max_examples=80, deadline=None)
def test_bootstrap_counts_keep_the_total_and_rates_stay_in_range(rows):
    codes = np.array([r[0] for r in rows])
    counts = M.confusion_counts(codes, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]), 3)
    boot = M.bootstrap_counts(counts, 50, np.random.default_rng(0))
    assert (boot.sum(axis=(1, 2)) == len(rows)).all()
    for values in M.rates(boot).values():
        finite = values[np.isfinite(values)]
        assert ((finite >= 0) & (finite <= 1)).all()
    disparities = M.column_disparities(M.rates(counts), counts.sum(axis=1) > 0, int(np.argmax(counts.sum(axis=1))))
    for name in ("demographic_parity_ratio", "disparate_impact_ratio"):
        value = disparities[name]
        assert np.isnan(value) or 0 <= value <= 1


def test_predictions_only_audit_on_census_data_runs_fairness(employment_audit):
    report = run_audit(AuditConfig.from_toml(employment_audit))
    assert report.status_of("fairness").status == "ran"
    assert set(report.fairness.production) == {"SEX", "RAC1P"}


def test_fairness_is_skipped_without_predictions(tmp_path, small_tables):
    path = write_audit(tmp_path, data={"reference": str(small_tables[0]), "production": str(small_tables[1])},
                       columns={"sensitive": ["city"]}, drift={"multivariate": False})
    status = run_audit(AuditConfig.from_toml(path)).status_of("fairness")
    assert status.status == "skipped" and "needs predictions" in status.reason
