"""Labels compared by value (engine/labels.py) and predicted labels audited as given (engine/predictions.py,
engine/label_agreement.py): every label type gives the same numbers; the given labels are what the metrics,
fairness and the positive rates describe; the scores' disagreement with them is a finding."""
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from assay.engine import AuditConfig, run_audit
from assay.engine.fairness.calculator import FairnessCalculator
from assay.engine.fairness.results import fairness_to_dict
from assay.engine.label_agreement import FINDING, best_threshold, disagreement_findings
from assay.engine.labels import as_classes, is_text, key, matches, same
from assay.engine.performance.calculator import PerformanceCalculator
from assay.engine.performance.results import performance_to_dict
from assay.engine.predictions import drift_outputs, positive_rate, predictions_from_columns
from assay.engine.schema import infer_schema
from tests.conftest import EMPLOYMENT, write_audit
from tests.report import pdf_tools

# -- one comparison ----------------------------------------------------------------------------------


def test_every_way_of_writing_one_matches_one():
    for value in (1, 1.0, np.int8(1), np.float32(1.0), "1", " 1 ", "1.0", True, "true", "True", np.bool_(True)):
        assert key(value) == "1", value
        assert same(value, 1) and same(1.0, value) and same(value, "1")
    for missing in (None, np.nan, pd.NA, pd.NaT, float("inf")):
        assert key(missing) is None and not same(missing, missing)
    assert not same("yes", "Yes") and same(" yes", "yes") and not same(0.5, 1) and same("0.5", 0.5)


LABEL_COLUMNS = {  # the same labels 1 1 0 None 0 1, written as each type a table can hold
    "int64 (no missing)": lambda v: pd.Series([1 if x is None else x for x in v], dtype="int64"),
    "float64": lambda v: pd.Series(v, dtype="float64"),
    "Int64": lambda v: pd.Series(v, dtype="Int64"),
    "object ints": lambda v: pd.Series(v, dtype=object),
    "text": lambda v: pd.Series([None if x is None else str(x) for x in v], dtype=object),
    "text with .0 and spaces": lambda v: pd.Series([None if x is None else f" {x}.0" for x in v], dtype=object),
    "boolean": lambda v: pd.Series([None if x is None else bool(x) for x in v], dtype="boolean"),
    "category of ints": lambda v: pd.Series(v, dtype="Int64").astype("category"),
    "category of text": lambda v: pd.Series([None if x is None else str(x) for x in v], dtype="category"),
    "Arrow int64": lambda v: pd.Series(v, dtype=pd.ArrowDtype(pa.int64())),
    "string[pyarrow]": lambda v: pd.Series([None if x is None else str(x) for x in v], dtype="string[pyarrow]"),
}


@pytest.mark.parametrize("name", list(LABEL_COLUMNS))
@pytest.mark.parametrize("positive", [1, 1.0, "1", True, "true"])
def test_matches_finds_the_same_rows_in_every_type(name, positive):
    column = LABEL_COLUMNS[name]([1, 1, 0, None, 0, 1])
    expected = [True, True, False, name == "int64 (no missing)", False, True]
    assert matches(column, positive).tolist() == expected
    assert matches(column.to_numpy(), positive).tolist() == expected


def test_as_classes_writes_each_label_as_the_target_class():
    assert as_classes(pd.Series([1.0, 0.0, np.nan]), (0, 1)).tolist() == [1, 0, None]
    assert as_classes(pd.Series(["1", "0"], dtype="string[pyarrow]"), (False, True)).tolist() == [True, False]
    assert as_classes(["yes", "maybe"], ("no", "yes")).tolist() == ["yes", "maybe"]


def test_is_text_judges_the_values_not_the_dtype():
    assert not is_text(np.array([1, 0], dtype=object)) and not is_text(pd.Series([1, None], dtype="Int64"))
    assert is_text(["1", "0"]) and is_text(pd.Series(["a"], dtype="string[pyarrow]")) and not is_text([True])


# -- every type, the same numbers -------------------------------------------------------------------


def binary_table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    score = np.round(np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1), 2)
    prediction = (score >= 0.45).astype(int)  # not the 0.5 of the default threshold: the labels are as given
    return pd.DataFrame({"y": y, "yhat": prediction, "p": score, "g": rng.choice(["a", "b"], n)})


TYPES = {name: make for name, make in LABEL_COLUMNS.items() if name != "int64 (no missing)"}
TYPES["int64"] = lambda v: pd.Series(v, dtype="int64")
POSITIVES = [1, 1.0, "1", True]


def audited(reference: pd.DataFrame, production: pd.DataFrame, positive) -> dict:
    """Performance, fairness and the positive rates of a predictions-only audit, as JSON."""
    config = AuditConfig().replace("columns", target="y", prediction="yhat", probabilities=("p",),
                                   sensitive=("g",), positive_label=positive)
    config = config.replace("performance", bootstrap_resamples=20, segment_by=()).replace(
        "fairness", bootstrap_resamples=20, min_group_size=5)
    schema = infer_schema(reference, production, config)
    predictions = {"reference": predictions_from_columns(reference, schema),
                   "production": predictions_from_columns(production, schema)}
    performance = PerformanceCalculator(schema, config.performance, predictions, seed=3).fit(reference)
    fairness = FairnessCalculator(schema, config.fairness, predictions, model_inputs=None, seed=3).fit(reference)
    return {"performance": performance_to_dict(performance.calculate(production)),
            "fairness": fairness_to_dict(fairness.calculate(production)),
            "positive_rates": [positive_rate(predictions[d], schema.positive_label) for d in predictions]}


def numbers(value, path=""):
    """Every number of a JSON document by its path (texts, which name the labels, left out; a key that names a
    class, such as per_class's, by the label's key)."""
    if isinstance(value, dict):
        return {k: v for name, item in value.items() for k, v in numbers(item, f"{path}/{key(name)}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in numbers(item, f"{path}[{i}]").items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {path: value}
    return {}


TABLES = (binary_table(80, 1), binary_table(90, 2))
PLAIN = audited(*TABLES, 1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(sorted(TYPES)), prediction=st.sampled_from(sorted(TYPES)),
       positive=st.sampled_from(POSITIVES), production_target=st.sampled_from(["same", "float64"]))
def test_every_label_type_gives_the_numbers_of_plain_integers(target, prediction, positive, production_target):
    """Target, prediction and positive_label in any type (the production target may be a float column, as a
    column with a missing value becomes): the same metrics, confusion matrices, fairness rates and positive rates."""
    frames = []
    for i, table in enumerate(TABLES):
        table = table.copy()
        kind = target if i == 0 or production_target == "same" else "float64"
        table["y"] = TYPES[kind](table["y"].tolist())
        table["yhat"] = TYPES[prediction](table["yhat"].tolist())
        frames.append(table)
    found = audited(*frames, positive)
    assert numbers(found) == numbers(PLAIN)
    for d in ("reference", "production"):
        assert found["performance"][d]["confusion_matrix"]["counts"] == PLAIN["performance"][d]["confusion_matrix"]["counts"]
    assert found["positive_rates"] == pytest.approx([t.yhat.mean() for t in TABLES])


def test_a_float_production_target_is_no_drift_of_the_labels():
    reference, production = binary_table(60, 3), binary_table(60, 4)
    production["y"] = production["y"].astype(float)
    production["yhat"] = production["yhat"].astype(str)
    config = AuditConfig().replace("columns", target="y", prediction="yhat", probabilities=("p",))
    schema = infer_schema(reference, production, config)
    predictions = {"reference": predictions_from_columns(reference, schema),
                   "production": predictions_from_columns(production, schema)}
    outputs = drift_outputs(schema, predictions, False, {"reference": reference, "production": production})
    for output in outputs[:2]:
        assert {str(v) for v in output.reference} == {str(v) for v in output.production} == {"0", "1"}


# -- the census data: the positive rates in the JSON and the PDF -------------------------------------


def test_employment_positive_rates_are_the_data_s_in_the_json_and_the_pdf(tmp_path):
    pdf_tools.require_poppler()
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    path = write_audit(tmp_path, data={"reference": str(EMPLOYMENT / "reference.parquet"),
                                       "production": str(EMPLOYMENT / "production.parquet")},
                       columns={"target": "employed", "prediction": "prediction",
                                "probabilities": ["predicted_probability"], "sensitive": ["SEX"]},
                       drift={"multivariate": False}, performance={"bootstrap_resamples": 50},
                       fairness={"bootstrap_resamples": 50})
    report = run_audit(AuditConfig.from_toml(path))
    document = json.loads(report.to_json())["predictions"]
    expected = {d: float((pd.read_parquet(EMPLOYMENT / f"{d}.parquet", columns=["prediction"]).prediction == 1).mean())
                for d in ("reference", "production")}
    assert document["positive_rate_reference"] == pytest.approx(expected["reference"], abs=1e-12)
    assert document["positive_rate_production"] == pytest.approx(expected["production"], abs=1e-12)
    assert 0.5 < expected["reference"] < 0.6  # about half the people predicted employed
    assert FINDING not in {f.id for f in report.findings}  # the labels are the scores at 0.5

    from assay.engine.report.pdf import build_pdf

    pdf = tmp_path / "report.pdf"
    build_pdf(report, pdf)
    text = pdf_tools.flat(pdf_tools.text(pdf))
    printed = (f"Predicted positive rate reference {100 * expected['reference']:.1f}%, "
               f"production {100 * expected['production']:.1f}%")
    assert printed in text, text[text.find("Predicted positive"):][:120]


# -- given labels that are not score >= 0.5 ----------------------------------------------------------


def given_labels_audit(tmp_path, flip: int, labels_threshold: float = 0.5, n: int = 2000):
    rng = np.random.default_rng(5)
    frames = []
    for side in ("reference", "production"):
        y = (rng.random(n) < 0.45).astype(int)
        p = np.round(np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1), 4)
        prediction = (p >= labels_threshold).astype(int)
        prediction[:flip] = 1 - prediction[:flip]
        frames.append(pd.DataFrame({"y": y, "prediction": prediction, "p": p, "g": rng.choice(["a", "b"], n)}))
        frames[-1].to_csv(tmp_path / f"{side}.csv", index=False)
    path = write_audit(tmp_path, data={"reference": str(tmp_path / "reference.csv"),
                                       "production": str(tmp_path / "production.csv")},
                       columns={"target": "y", "prediction": "prediction", "probabilities": ["p"],
                                "sensitive": ["g"]},
                       drift={"multivariate": False}, performance={"bootstrap_resamples": 50},
                       fairness={"bootstrap_resamples": 50, "min_group_size": 10})
    return run_audit(AuditConfig.from_toml(path)), frames


def test_labels_from_another_threshold_are_audited_as_given(tmp_path):
    report, frames = given_labels_audit(tmp_path, flip=0, labels_threshold=0.3)
    performance = report.performance
    assert performance.threshold is None
    for d, frame in zip(("reference", "production"), frames):
        side = getattr(performance, d)
        metric = {name: m.value for name, m in side.metrics.items()}
        assert metric["accuracy"] == pytest.approx(skm.accuracy_score(frame.y, frame.prediction))
        assert metric["precision"] == pytest.approx(skm.precision_score(frame.y, frame.prediction))
        assert metric["recall"] == pytest.approx(skm.recall_score(frame.y, frame.prediction))
        assert metric["f1"] == pytest.approx(skm.f1_score(frame.y, frame.prediction))
        assert metric["roc_auc"] == pytest.approx(skm.roc_auc_score(frame.y, frame.p))
        assert metric["log_loss"] == pytest.approx(skm.log_loss(frame.y, frame.p))
        assert np.array(side.confusion.counts).tolist() == skm.confusion_matrix(frame.y, frame.prediction).tolist()
        sweep = side.threshold_sweep  # still the scores: at 0.5 the share predicted positive is the scores'
        at = sweep.thresholds.index(0.5)
        assert sweep.metrics["positive_rate"][at] == pytest.approx((frame.p >= 0.5).mean())
        rates = {g.group: g.metrics["selection_rate"].value for g in report.fairness.production["g"].groups} \
            if d == "production" else {}
        for group, rate in rates.items():
            assert rate == pytest.approx(frame.prediction[frame.g == group].mean())
    assert report.predictions.positive_rate_production == pytest.approx(frames[1].prediction.mean())
    finding = next(f for f in report.findings if f.id == FINDING)
    differ = [int(((f.p >= 0.5).astype(int) != f.prediction).sum()) for f in frames]
    assert finding.severity == "warn" and finding.analysis == "predictions" and finding.column == "prediction"
    assert f"on {sum(differ):,} rows" in finding.title
    for d, count, frame in zip(("reference", "production"), differ, frames):
        assert f"{d}: {count:,} of {len(frame):,} rows" in finding.detail
        best = float(frame.p[frame.p >= 0.3].min())  # the lowest score the given labels call positive
        assert f"p >= {best:.4g} reproduces the given labels best (100.0% of the rows agree)" in finding.detail
        assert 0.3 <= best < 0.31


def test_a_few_flipped_labels_under_one_percent_raise_no_finding(tmp_path):
    report, frames = given_labels_audit(tmp_path, flip=15)  # 15 of 2,000 rows: 0.75%
    assert FINDING not in {f.id for f in report.findings}
    side = report.performance.production
    assert side.metrics["accuracy"].value == pytest.approx(skm.accuracy_score(frames[1].y, frames[1].prediction))


def test_flipped_labels_over_one_percent_are_counted():
    frame = binary_table(400, 9)
    frame["yhat"] = (frame.p >= 0.5).astype(int)
    frame.loc[:9, "yhat"] = 1 - frame.loc[:9, "yhat"]  # 10 of 400 rows: 2.5%
    config = AuditConfig().replace("columns", target="y", prediction="yhat", probabilities=("p",))
    schema = infer_schema(frame, frame, config)
    predictions = {d: predictions_from_columns(frame, schema) for d in ("reference", "production")}
    (finding,) = disagreement_findings(predictions, schema, 0.5)
    assert "reference: 10 of 400 rows (2.5%) differ from p >= 0.5" in finding.detail


def test_best_threshold_counts_agreement_at_every_score():
    scores = np.array([0.1, 0.2, 0.2, 0.4, 0.6, 0.9])
    is_positive = np.array([False, False, True, True, True, True])
    assert best_threshold(scores, is_positive, 0.5) == (0.4, 5)
    assert best_threshold(scores, np.zeros(6, dtype=bool), 0.5) == (np.inf, 6)
    for t in np.unique(scores):
        agree = int(((scores >= t) == is_positive).sum())
        assert agree <= 5


def test_a_missing_predicted_label_is_left_out_of_the_positive_rate():
    from assay.engine.predictions import PredictionSet

    labels = pd.array([1, None, 0, 1], dtype="Int64")
    assert positive_rate(PredictionSet(labels, None, (0, 1), labels_given=True), 1.0) == pytest.approx(2 / 3)
    assert positive_rate(PredictionSet(labels, None, (0, 1), labels_given=True), "true") == pytest.approx(2 / 3)


def test_a_float_production_target_has_no_unseen_labels_in_quality():
    from assay.engine.quality.calculator import column_quality
    from assay.engine.schema import ColumnInfo, ColumnKind, ColumnRole

    reference, production = pd.Series([0, 1, 1, 0]), pd.Series([1.0, 0.0, np.nan, 1.0])
    target = column_quality(ColumnInfo("y", ColumnKind.BOOLEAN, ColumnRole.TARGET), reference, production)
    assert target.unseen_share == 0 and target.unseen_categories == ()
    feature = column_quality(ColumnInfo("x", ColumnKind.CATEGORICAL), pd.Series(["a", "b"]), pd.Series(["a", "c"]))
    assert feature.unseen_categories == (("c", 1),)
