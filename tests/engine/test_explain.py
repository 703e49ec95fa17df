"""Explanations: additivity, aggregation to input columns, explainer choice, awkward models, JSON."""
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from assay.engine import AuditConfig, run_audit
from assay.engine.config import ExplainConfig
from assay.engine.errors import CalculationError
from assay.engine.explain.calculator import ExplanationCalculator
from assay.engine.explain.explainers import derived_to_input
from assay.engine.input_files import InputInfo
from assay.engine.model_files import LoadedModel
from assay.engine.schema import infer_schema


def data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n),
                          "colour": rng.choice(["red", "green", "blue"], size=n)})
    logit = 2 * frame["x"] - frame["z"] + (frame["colour"] == "red") * 1.5
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def pipeline(final):
    pre = ColumnTransformer([("num", StandardScaler(), ["x", "z"]),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour"])])
    frame = data()
    return Pipeline([("pre", pre), ("model", final)]).fit(frame[["x", "z", "colour"]], frame["y"])


def explain(estimator, reference=None, production=None, **config):
    reference = data() if reference is None else reference
    production = data(seed=1) if production is None else production
    audit = AuditConfig().replace("columns", target="y")
    schema = infer_schema(reference, production, audit)
    model = LoadedModel(estimator, InputInfo("model", "m", "0" * 64), type(estimator).__name__, {},
                        tuple(getattr(estimator, "feature_names_in_", ("x", "z", "colour"))))
    settings = ExplainConfig(**({"rows": 200, "background_rows": 50, "bootstrap_resamples": 100} | config))
    return ExplanationCalculator(model, schema, settings, seed=0).fit(reference).calculate(production)


@pytest.mark.parametrize("final, method", [(HistGradientBoostingClassifier(max_iter=30), "tree"),
                                           (RandomForestClassifier(n_estimators=20, random_state=0), "tree"),
                                           (LogisticRegression(), "linear")])
def test_attributions_add_up_to_the_model_output(final, method):
    result = explain(pipeline(final))
    assert result.method == method
    assert result.additivity_error < 1e-6
    rows = result.production_rows
    values = np.asarray(rows.values)
    assert values.shape == (200, 3) and rows.columns == ("x", "z", "colour")  # one-hot summed back to colour
    np.testing.assert_allclose(rows.base_value + values.sum(axis=1), rows.output, atol=1e-6)


def test_the_strongest_input_comes_first_and_agrees_with_permutation_importance():
    result = explain(pipeline(HistGradientBoostingClassifier(max_iter=50)))
    assert list(result.global_importance["production"])[0] == "x"
    assert result.agreement is not None and result.agreement > 0.4
    assert set(result.permutation_importance) == {"x", "z", "colour"}


def test_derived_columns_map_back_to_inputs():
    names = ["num__x", "num__x_squared", "cat__colour_red", "cat__colour_blue", "cat__col_a"]
    assert derived_to_input(names, ["x", "x_squared", "colour", "col"]).tolist() == [0, 1, 2, 2, 3]
    with pytest.raises(CalculationError, match="derived columns"):
        derived_to_input(["pca0"], ["x"])


def test_other_models_get_the_permutation_explainer():
    result = explain(pipeline(KNeighborsClassifier()), rows=40, background_rows=20)
    assert result.method == "permutation" and "model-agnostic" in result.method_reason
    assert result.rows["production"] == 40
    rows = result.production_rows  # additive by construction: base + attributions = the explained output
    np.testing.assert_allclose(rows.base_value + np.asarray(rows.values).sum(axis=1), rows.output, atol=1e-6)


def test_a_pipeline_whose_derived_columns_cannot_be_traced_falls_back_to_permutation():
    from sklearn.decomposition import PCA

    frame = data()
    model = Pipeline([("pre", ColumnTransformer([("num", StandardScaler(), ["x", "z"])])), ("pca", PCA(2)),
                      ("model", LogisticRegression())]).fit(frame[["x", "z"]], frame["y"])
    result = explain(model, rows=30, background_rows=10)
    assert result.method == "permutation" and "derived columns" in result.method_reason


def refuse_large_x(frame):
    if (frame["x"] > 2).any():
        raise ValueError("cannot score x > 2")
    return frame


def test_rows_the_model_cannot_score_are_counted_and_left_out():
    from sklearn.preprocessing import FunctionTransformer

    reference = data().assign(x=lambda f: f["x"].clip(upper=1.9))
    guarded = pipeline(LogisticRegression())
    flaky = Pipeline([("guard", FunctionTransformer(refuse_large_x, feature_names_out="one-to-one"))]
                     + guarded.steps).fit(reference[["x", "z", "colour"]], reference["y"])
    production = data(seed=1).assign(x=lambda f: f["x"] * 2)  # about one row in six has x > 2
    result = explain(flaky, reference=reference, production=production, rows=60, background_rows=20, chunk_rows=20)
    assert result.method == "linear"
    assert result.failed_rows["production"] > 0
    assert result.rows["production"] + result.failed_rows["production"] == 60
    assert any("could not be explained" in note for note in result.notes)
    assert all(production["x"].iloc[i] <= 2 for i in result.production_rows.row_index)


def test_a_reference_smaller_than_the_background_is_used_whole():
    result = explain(pipeline(LogisticRegression()), reference=data(n=30), background_rows=100)
    assert result.background_rows == 30 and any("fewer than" in note for note in result.notes)


def test_demo_audit_explanations_and_json(demo_audit):
    report = run_audit(AuditConfig.from_toml(demo_audit))
    explanations = report.explanations
    assert explanations.method == "tree" and explanations.additivity_error < 1e-6
    top = list(explanations.global_importance["production"])[:6]
    assert {"debt_to_income", "income"} <= set(top)  # the demo's planted drivers of default
    data = json.loads(report.to_json())["explanations"]
    assert {"method", "rows", "global_importance", "attribution_drift", "permutation_importance",
            "agreement"} <= set(data)
    assert {"feature", "reference", "production", "change", "ci_low", "ci_high", "p_value", "rank_reference",
            "rank_production"} <= set(data["attribution_drift"][0])
    assert "production_rows" not in data


def test_predictions_only_audit_says_explanations_need_a_model(employment_audit):
    status = run_audit(AuditConfig.from_toml(employment_audit)).status_of("explanations")
    assert status.status == "skipped" and "need a model" in status.reason
