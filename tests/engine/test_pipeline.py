"""iter_audit / run_audit end to end: progress, cancel, modes, the JSON report."""
import json
import math

import numpy as np
import pandas as pd
import pytest

from assay.engine import AuditConfig, InputError, iter_audit, run_audit
from assay.engine.results import SCHEMA_VERSION, to_jsonable
from tests.conftest import write_audit


def test_predictions_only_audit_on_real_census_data(employment_audit):
    events = []
    report = run_audit(AuditConfig.from_toml(employment_audit), on_progress=events.append)
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert report.predictions.source == "columns"
    production = pd.read_parquet(AuditConfig.from_toml(employment_audit).data.production)
    assert report.predictions.positive_rate_production == pytest.approx((production["prediction"] == 1).mean())
    assert report.schema["id"].role.value == "id"
    assert report.schema["year"].role.value == "timestamp"
    agep = report.quality.column("AGEP")
    assert agep.missing_production == production["AGEP"].isna().mean()
    data = json.loads(report.to_json())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["verdict"] in ("pass", "warn", "fail")
    roles = {i["role"]: i for i in data["provenance"]["inputs"]}
    assert roles["production"]["rows"] == len(production) == 208_892
    assert len(roles["reference"]["sha256"]) == 64
    assert data["analyses"]["quality"]["status"] == "ran"


def test_data_only_audit_says_what_was_skipped(tmp_path, small_tables):
    path = write_audit(tmp_path, data={"reference": str(small_tables[0]), "production": str(small_tables[1])},
                       columns={"target": "target"})
    report = run_audit(AuditConfig.from_toml(path))
    status = report.status_of("predictions")
    assert status.status == "skipped" and "no model and no prediction columns" in status.reason
    assert report.quality is not None and report.verdict == "fail"


def test_closing_the_generator_cancels(employment_audit):
    events = iter_audit(AuditConfig.from_toml(employment_audit))
    first = next(events)
    assert first.stage == "load"
    events.close()
    with pytest.raises(StopIteration):
        next(events)


@pytest.mark.parametrize("change, words", [
    ({"production": "missing.csv"}, "not found"),
    ({"production": "empty.csv"}, "no rows"),
    ({"production": "other.csv"}, "no column in common"),
])
def test_bad_inputs_are_refused_before_any_analysis(tmp_path, small_tables, change, words):
    (tmp_path / "empty.csv").write_text("age,income,city,const,target\n")
    (tmp_path / "other.csv").write_text("p,q\n1,2\n")
    data = {"reference": str(small_tables[0]), "production": str(small_tables[1])}
    data.update({k: str(tmp_path / v) for k, v in change.items()})
    with pytest.raises(InputError, match=words):
        run_audit(AuditConfig.from_toml(write_audit(tmp_path, data=data)))


def test_json_has_no_nan_and_is_written_atomically(tmp_path, small_tables):
    path = write_audit(tmp_path, data={"reference": str(small_tables[0]), "production": str(small_tables[1])})
    report = run_audit(AuditConfig.from_toml(path))
    out = tmp_path / "report.json"
    report.write_json(out)
    text = out.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert to_jsonable({"a": math.nan, "b": np.float32(np.inf), "c": np.int64(3)}) == {"a": None, "b": None, "c": 3}


def test_demo_audit_with_its_model(demo_audit):
    report = run_audit(AuditConfig.from_toml(demo_audit))
    assert report.predictions.source == "model" and report.predictions.has_probabilities
    assert report.status_of("predictions").status == "ran"
    assert "HistGradientBoostingClassifier" in report.provenance.model["type"]
    assert [i.role for i in report.provenance.inputs] == ["reference", "production", "model"]
    ids = {f.id for f in report.findings}
    assert "quality.unseen.employment_type" in ids and "quality.missing.income" in ids
    assert report.predictions.positive_rate_production > report.predictions.positive_rate_reference


def test_model_expecting_columns_the_data_lacks_is_refused(tmp_path, demo_audit):
    production = pd.read_parquet(demo_audit.parent / "production.parquet").drop(columns=["income"])
    production.to_parquet(tmp_path / "production.parquet")
    config = AuditConfig.from_toml(demo_audit).replace("data", production=tmp_path / "production.parquet")
    with pytest.raises(InputError, match="the model expects columns the data lacks: income"):
        run_audit(config)


def test_mixed_type_column_is_categorical_and_reported(tmp_path):
    rows = "\n".join(f"{i},{'x' if i % 10 == 0 else i * 3}" for i in range(60))
    (tmp_path / "r.csv").write_text("a,code\n" + rows + "\n")
    (tmp_path / "p.csv").write_text("a,code\n" + rows + "\n")
    report = run_audit(AuditConfig.from_toml(write_audit(tmp_path, data={"reference": "r.csv",
                                                                         "production": "p.csv"})))
    assert report.schema["code"].kind.value == "categorical" and report.schema["code"].mixed_types
    assert "quality.mixed_types.code" in {f.id for f in report.findings}
