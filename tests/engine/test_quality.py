"""Data quality against hand calculations on a tiny table, and invariants with hypothesis."""
import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from assay.engine.quality.calculator import QualityCalculator
from assay.engine.quality.policy import quality_findings
from assay.engine.config import AuditConfig, QualityConfig
from assay.engine.tables import load_dataset
from assay.engine.schema import infer_schema


def run(reference: pd.DataFrame, production: pd.DataFrame, config: AuditConfig | None = None):
    schema = infer_schema(reference, production, config or AuditConfig())
    return QualityCalculator(schema).fit(reference).calculate(production)


def test_hand_calculated_table(small_tables):
    reference = load_dataset(small_tables[0]).frame
    production = load_dataset(small_tables[1]).frame
    result = run(reference, production)
    income = result.column("income")
    assert income.missing_reference == 1 / 8
    assert income.missing_production == 4 / 8
    # production income 55, 80, 20, 52 against the reference range [30, 70]: 80 and 20 are outside
    assert income.out_of_range == 2 / 4
    age = result.column("age")
    assert (age.reference_min, age.reference_max) == (25, 60)
    assert age.out_of_range == 3 / 8  # 22, 90 and 15
    city = result.column("city")
    assert dict(city.unseen_categories) == {"d": 2, "e": 2}
    assert city.unseen_share == 4 / 8
    assert result.column("const").constant_reference and result.column("const").constant_production
    assert result.duplicates_production == 1 and result.duplicates_reference == 0


def test_findings_follow_the_thresholds(small_tables):
    reference = load_dataset(small_tables[0]).frame
    production = load_dataset(small_tables[1]).frame
    result = run(reference, production)
    by_id = {f.id: f for f in quality_findings(result, QualityConfig())}
    assert by_id["quality.missing.income"].severity == "fail"  # 50% > 30%
    assert by_id["quality.unseen.city"].severity == "fail"
    assert "'d' (2)" in by_id["quality.unseen.city"].detail
    assert by_id["quality.constant.reference.const"].severity == "warn"
    assert by_id["quality.duplicates.production"].severity == "fail"  # 1/8 > 10%
    lenient = QualityConfig(missing_warn=0.6, missing_fail=0.9, missing_increase_warn=0.6,
                            missing_increase_fail=0.9)
    assert "quality.missing.income" not in {f.id for f in quality_findings(result, lenient)}


def test_schema_differences_and_all_missing_and_infinities():
    reference = pd.DataFrame({"a": [1.0, 2.0, np.inf], "b": ["x", "y", "z"], "gone": [1, 2, 3]})
    production = pd.DataFrame({"a": [np.nan, np.nan, np.nan], "b": ["x", "y", "x"], "new": [1, 2, 3]})
    result = run(reference, production)
    assert result.missing_in_production == ("gone",) and result.extra_in_production == ("new",)
    assert result.column("a").infinite_reference == 1
    assert (result.column("a").reference_min, result.column("a").reference_max) == (1.0, 2.0)
    ids = {f.id: f.severity for f in quality_findings(result, QualityConfig())}
    assert ids["quality.all_missing.production.a"] == "fail"
    assert ids["quality.infinite.reference.a"] == "warn"
    assert ids["quality.schema.missing_columns"] == "warn" and ids["quality.schema.extra_columns"] == "warn"


def test_kind_change_is_reported():
    reference = pd.DataFrame({"v": np.linspace(0, 1, 50)})
    production = pd.DataFrame({"v": [f"level{i % 4}" for i in range(50)]})
    assert run(reference, production).column("v").kind_production == "categorical"


tables = data_frames(columns=[
    column("num", elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan))),
    column("cat", elements=st.sampled_from(["a", "b", "c", None])),
], index=st.builds(pd.RangeIndex, st.integers(1, 40)))


@given(reference=tables, production=tables)
@settings(max_examples=80, deadline=None)
def test_invariants(reference, production):
    result = run(reference, production)
    for col in result.columns:
        for share in (col.missing_reference, col.missing_production, col.out_of_range, col.unseen_share):
            assert share is None or 0.0 <= share <= 1.0
    assert result.column("num").missing_production == production["num"].isna().mean()
    assert 0 <= result.duplicates_production <= len(production)


@given(reference=tables)
@example(reference=pd.DataFrame({"num": [-0.0], "cat": ["a"]}))  # -0.0 counted as 0.0 once, its text too
@settings(max_examples=50, deadline=None)
def test_a_dataset_compared_with_itself_has_nothing_out_of_range_or_unseen(reference):
    result = run(reference, reference.copy())
    for col in result.columns:
        assert not col.out_of_range
        assert not col.unseen_categories
        assert col.missing_reference == col.missing_production
