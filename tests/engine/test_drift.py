"""The drift calculator: choices, verdicts, missing values, awkward columns, chunks, multivariate, JSON."""
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assay.engine import AuditConfig, ConfigError, run_audit
from assay.engine.drift.univariate import DriftCalculator
from assay.engine.schema import infer_schema
from tests.conftest import write_audit

N = 4000


def frames(seed: int = 0, n: int = N):
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=365, freq="D")
    reference = pd.DataFrame({
        "steady": rng.normal(size=n),
        "shifted": rng.normal(size=n),
        "colour": rng.choice(["red", "green", "blue"], size=n, p=[0.5, 0.3, 0.2]),
        "flag": rng.random(n) < 0.3,
        "when": np.sort(rng.choice(days, size=n)),
    })
    production = pd.DataFrame({
        "steady": rng.normal(size=n),
        "shifted": rng.normal(0.5, 1, size=n),
        "colour": rng.choice(["red", "green", "blue"], size=n, p=[0.3, 0.3, 0.4]),
        "flag": rng.random(n) < 0.3,
        "when": np.sort(rng.choice(pd.date_range("2025-01-01", periods=365, freq="D"), size=n)),
    })
    return reference, production


def calculate(reference, production, **drift):
    config = AuditConfig().replace("columns", timestamp="when") if "when" in reference else AuditConfig()
    config = config.replace("drift", **({"multivariate": False} | drift))
    schema = infer_schema(reference, production, config)
    return DriftCalculator(schema, config.drift).fit(reference).calculate(production)


def test_planted_drift_is_found_and_nothing_else():
    result = calculate(*frames())
    by = {f.feature: f for f in result.features}
    assert by["shifted"].drifted and by["colour"].drifted
    assert not by["steady"].drifted and not by["flag"].drifted
    assert (by["steady"].method, by["colour"].method, by["flag"].method) == ("ks", "chi2", "z")
    assert result.share_drifted == pytest.approx(2 / 4)
    assert by["shifted"].p_value_adjusted >= by["shifted"].p_value
    assert "when" not in by  # the timestamp is not a feature


def test_statistics_skip_missing_values_and_count_them():
    reference, production = frames()
    production.loc[::10, "shifted"] = np.nan
    production.loc[::7, "colour"] = None
    result = calculate(reference, production)
    shifted = result.feature("shifted")
    assert shifted.missing_production == production["shifted"].isna().sum()
    assert shifted.rows_production == production["shifted"].notna().sum()
    expected = stats.ks_2samp(reference["shifted"], production["shifted"].dropna())
    assert shifted.statistic == pytest.approx(expected.statistic)
    assert result.feature("colour").missing_production == production["colour"].isna().sum()


def test_a_tiny_but_significant_change_at_large_n_is_not_flagged():
    rng = np.random.default_rng(1)
    n = 400_000
    reference = pd.DataFrame({"x": rng.normal(size=n)})
    production = pd.DataFrame({"x": rng.normal(0.02, 1, size=n)})  # 0.02 sd: KS distance ~0.008
    result = calculate(reference, production, chunk_by="rows", chunk_size=200_000)
    x = result.feature("x")
    assert x.p_value_adjusted < 1e-6 and x.effect_size < 0.025 and not x.drifted
    assert calculate(reference, production, rule="p_value", chunk_by="rows",
                     chunk_size=200_000).feature("x").drifted


def test_awkward_columns_are_left_out_or_converted_with_the_reason_stated():
    rng = np.random.default_rng(2)
    n = 30_000
    reference = pd.DataFrame({
        "gone": rng.normal(size=n), "constant": np.ones(n), "code": [f"c{i}" for i in rng.integers(0, 20_000, n)],
        "mixed": rng.choice(["1", "2", "3", "x"], size=n), "stamp": pd.date_range("2020-01-01", periods=n, freq="h"),
    })
    production = reference.copy()
    production["gone"] = np.nan
    production["constant"] = rng.normal(size=n)
    config = AuditConfig().replace("columns", categorical=("code",), timestamp="").replace(
        "drift", multivariate=False, chunk_by="rows")
    schema = infer_schema(reference, production, config)
    result = DriftCalculator(schema, config.drift).fit(reference).calculate(production)
    by = {f.feature: f for f in result.features}
    assert not by["gone"].tested and "no values in the production data" in by["gone"].reason_not_tested
    assert by["constant"].tested and by["constant"].drifted
    assert not by["code"].tested and "identifier-like" in by["code"].reason_not_tested
    assert by["mixed"].method == "chi2" and not by["mixed"].drifted
    assert by["stamp"].kind == "numerical" and by["stamp"].method == "ks"  # datetimes tested as seconds
    assert any("identifier-like" in line for line in result.methods)


def test_overrides_and_their_errors():
    reference, production = frames()
    result = calculate(reference, production, numerical_method="wasserstein", per_column={"colour": "psi"})
    assert result.feature("steady").method == "wasserstein" and result.feature("steady").p_value is None
    assert result.feature("colour").method == "psi"
    assert "set in [drift.per_column]" in result.feature("colour").method_reason
    with pytest.raises(ConfigError, match="allowed values: auto, ks"):
        AuditConfig().replace("drift", numerical_method="chi3")
    with pytest.raises(ConfigError, match="does not apply to numerical"):
        calculate(reference, production, per_column={"steady": "chi2"})


def test_chunks_over_time_find_when_drift_began():
    reference, production = frames()
    half = len(production) // 2
    production.loc[: half - 1, "shifted"] = np.random.default_rng(3).normal(size=half)  # drift only later
    result = calculate(reference, production)
    assert result.chunking.startswith("calendar months")
    assert len(result.chunks) == 12
    shifted = result.feature("shifted")
    assert len(shifted.chunk_effect_sizes) == 12 and shifted.band is not None
    first = [c.label for c in result.chunks].index(shifted.first_drifted_chunk)
    assert 5 <= first <= 7
    assert all(c.share_drifted is not None for c in result.chunks)


def test_a_chunk_with_too_few_rows_is_marked_not_tested():
    reference, production = frames()
    production = pd.concat([production, production.iloc[:3].assign(when=pd.Timestamp("2026-06-01"))],
                           ignore_index=True)
    result = calculate(reference, production)
    last = result.chunks[-1]
    assert last.rows == 3 and not last.tested and last.share_drifted is None
    assert result.feature("shifted").chunk_drifted[-1] is None


def test_domain_classifier_separates_drifted_sets_and_not_identical_ones():
    reference, production = frames()
    drifted = calculate(reference, production, multivariate=True, domain_rows=1500, permutations=200)
    domain = drifted.multivariate.domain_classifier
    assert domain.auc > 0.6 and domain.p_value < 0.01 and domain.drifted
    assert {name for name, _ in domain.top_features[:2]} == {"shifted", "colour"}  # the two drifted columns
    same = calculate(reference.iloc[::2].reset_index(drop=True), reference.iloc[1::2].reset_index(drop=True),
                     multivariate=True, domain_rows=1500, permutations=200, chunk_by="rows")
    assert not same.multivariate.domain_classifier.drifted
    assert same.multivariate.reconstruction is not None


def test_outputs_drift_in_a_full_audit_and_the_json_keys(demo_audit, tmp_path):
    report = run_audit(AuditConfig.from_toml(demo_audit))
    data = json.loads(report.to_json())["drift"]
    keys = {"feature", "kind", "method", "statistic", "p_value", "p_value_adjusted", "effect_size", "threshold",
            "drifted"}
    assert all(keys <= set(f) for f in data["features"])
    roles = {f["feature"]: f["role"] for f in data["features"]}
    assert roles["prediction"] == "prediction" and roles["score"] == "score" and roles["default"] == "target"
    assert {"share_drifted", "correction", "chunks", "multivariate"} <= set(data)
    assert {"auc", "p_value", "top_features"} <= set(data["multivariate"]["domain_classifier"])
    assert data["multivariate"]["reconstruction"]["band"]
    assert "distribution" not in data["features"][0]  # drawing data stays out of the JSON
    assert report.drift.feature("debt_to_income").drifted and report.drift.feature("debt_to_income").distribution


def test_data_only_audit_runs_drift(tmp_path):
    reference, production = frames()
    reference.to_parquet(tmp_path / "r.parquet")
    production.to_parquet(tmp_path / "p.parquet")
    path = write_audit(tmp_path, data={"reference": "r.parquet", "production": "p.parquet"},
                       drift={"multivariate": False})
    report = run_audit(AuditConfig.from_toml(path))
    assert report.status_of("drift").status == "ran" and report.status_of("predictions").status == "skipped"
    assert "drift.share" in {f.id for f in report.findings}
