"""The notebook API: assay.audit(...) on DataFrames (no file written) and on files gives the same results;
the report object's verdict, findings DataFrame, JSON, PDF and Jupyter summary; a fitted model object."""
from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import assay
from assay.engine.errors import ConfigError
from tests.conftest import EMPLOYMENT

SMALL = {"performance": {"bootstrap_resamples": 50}, "fairness": {"bootstrap_resamples": 50},
         "drift": {"permutations": 20, "domain_rows": 500}, "explain": {"method": "none"}}
COLUMNS = {"prediction": "prediction", "probabilities": ["predicted_probability"], "sensitive": ["SEX", "RAC1P"],
           "ignore": ["id"]}


@pytest.fixture(scope="module")
def census(tmp_path_factory) -> dict:
    """3,000 people of each census year as DataFrames and as Parquet files."""
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    folder = tmp_path_factory.mktemp("census")
    frames = {"reference": pd.read_parquet(EMPLOYMENT / "reference.parquet").head(3000),
              "production": pd.read_parquet(EMPLOYMENT / "production.parquet").head(3000)}
    paths = {role: folder / f"{role}.parquet" for role in frames}
    for role, frame in frames.items():
        frame.to_parquet(paths[role], index=False)
    return {"frames": frames, "paths": paths}


@pytest.fixture(scope="module")
def from_frames(census):
    return assay.audit(reference=census["frames"]["reference"], production=census["frames"]["production"],
                       target="employed", columns=COLUMNS, audit={"title": "Census <notebook> audit"}, **SMALL)


def test_dataframes_audit_as_their_files_do(census, from_frames):
    from_files = assay.audit(reference=census["paths"]["reference"], production=census["paths"]["production"],
                             target="employed", columns=COLUMNS, audit={"title": "Census <notebook> audit"}, **SMALL)
    frames, files = from_frames.to_dict(), from_files.to_dict()
    for key in ("verdict", "findings", "schema", "performance", "drift", "fairness", "quality"):
        assert frames[key] == files[key], key
    inputs = {i["role"]: i for i in frames["provenance"]["inputs"]}
    assert inputs["reference"]["path"] == "<reference DataFrame>" and inputs["reference"]["format"] == "dataframe"
    assert inputs["reference"]["rows"] == 3000 and len(inputs["reference"]["sha256"]) == 64
    production = census["frames"]["production"]
    expected = roc_auc_score(production["employed"], production["predicted_probability"])
    assert frames["performance"]["production"]["metrics"]["roc_auc"]["value"] == pytest.approx(expected, rel=1e-12)


def test_the_report_object(from_frames, tmp_path):
    report = from_frames
    assert report.verdict == report.report.verdict
    findings = report.findings
    assert isinstance(findings, pd.DataFrame) and len(findings) == len(report.report.findings)
    assert list(findings.columns) == ["id", "analysis", "severity", "title", "detail", "column"]
    assert list(findings["id"]) == [f.id for f in report.report.findings]
    assert json.loads(report.to_json()) == report.to_dict()
    assert report.metrics["performance.production.roc_auc"] == report.to_dict()["performance"]["production"][
        "metrics"]["roc_auc"]["value"]
    pdf = report.to_pdf(tmp_path / "census.pdf")
    assert Path(pdf).read_bytes()[:5] == b"%PDF-"
    assert report.provenance is report.report.provenance  # the AuditReport's other attributes


def test_the_jupyter_summary(from_frames):
    text = from_frames._repr_html_()
    assert from_frames.verdict.upper() in text and "Census &lt;notebook&gt; audit" in text
    for finding in from_frames.report.findings:
        assert (html.escape(finding.title) in text) == (finding.severity == "fail")
    roc_auc = from_frames.to_dict()["performance"]["production"]["metrics"]["roc_auc"]
    assert f"{roc_auc['value']:.3f} [{roc_auc['ci_low']:.3f}, {roc_auc['ci_high']:.3f}]" in text


def test_a_fitted_model_object_is_audited(census):
    features = ["AGEP", "SCHL", "MAR", "SEX"]
    reference = census["frames"]["reference"][features + ["employed"]].astype({c: float for c in features})
    production = census["frames"]["production"][features + ["employed"]].astype({c: float for c in features})
    model = LogisticRegression(max_iter=500).fit(reference[features], reference["employed"])
    report = assay.audit(reference=reference, production=production, model=model, target="employed", **SMALL)
    assert report.to_dict()["provenance"]["model"]["format"] == "joblib"
    expected = roc_auc_score(production["employed"], model.predict_proba(production[features])[:, 1])
    assert report.to_dict()["performance"]["production"]["metrics"]["roc_auc"]["value"] == pytest.approx(expected)


def test_settings_use_the_audit_files_names(census):
    with pytest.raises(ConfigError, match=r"unknown section \[nosuch\]"):
        assay.audit(reference=census["frames"]["reference"], production=census["frames"]["production"], nosuch={})
    with pytest.raises(ConfigError, match=r"drift.numerical_method"):
        assay.audit(reference=census["frames"]["reference"], production=census["frames"]["production"],
                    drift={"numerical_method": "nope"})
