"""The comparison through the audit: a challenger trained in the test (the demo's pipeline with other
hyperparameters, saved with skops) through `assay audit --challenger`, [[challenger]] tables, a challenger in
shadow mode (its outputs as columns) and an A/B arm column on the census data, and the bad inputs: a challenger
that fails to open (a finding, the audit carries on), different classes (exit 2 naming both), the champion's own
file (a warning)."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import tomli_w

from assay.engine.cli import main
from assay.engine.config import AuditConfig
from assay.engine.performance.metric_specs import names
from assay.engine.pipeline import run_audit

METRIC_KEYS = {"champion", "challenger", "difference", "ci_low", "ci_high", "p_value", "p_value_adjusted", "test",
               "verdict"}
LIGHT = {"explain": {"method": "none"}, "performance": {"bootstrap_resamples": 50},
         "fairness": {"bootstrap_resamples": 50}, "drift": {"multivariate": False, "permutations": 10},
         "comparison": {"bootstrap_resamples": 200}}


def _light_audit(folder: Path, demo: Path, **extra) -> Path:
    """The demo's audit file in `folder`, with the slow parts made small (this file tests the comparison)."""
    data = tomllib.loads(demo.read_text(encoding="utf-8"))
    for section, values in LIGHT.items():
        data.setdefault(section, {}).update(values)
    for key in ("reference", "production"):
        data["data"][key] = str(demo.parent / data["data"][key])
    data["model"]["path"] = str(demo.parent / data["model"]["path"])
    data.update(extra)
    path = folder / "audit.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def challenger(demo_audit: Path, tmp_path_factory) -> Path:
    """The demo's pipeline with fewer, smaller trees: a close rival of the champion."""
    from assay.engine.demo import CATEGORICAL, NUMERICAL, TARGET, train_model

    reference = pd.read_parquet(demo_audit.parent / "reference.parquet")
    model = train_model(reference, seed=1)
    model.set_params(classifier__max_iter=60, classifier__max_leaf_nodes=6)
    model.fit(reference[NUMERICAL + CATEGORICAL], reference[TARGET])
    path = tmp_path_factory.mktemp("challenger") / "smaller_trees.skops"
    sio.dump(model, path)
    return path


@pytest.fixture(scope="module")
def compared(demo_audit: Path, challenger: Path, tmp_path_factory) -> dict:
    """One audit run through the CLI with --challenger and a [[challenger]] whose file is missing."""
    folder = tmp_path_factory.mktemp("compared")
    audit = _light_audit(folder, demo_audit, challenger=[{"name": "lost", "path": str(folder / "lost.skops")}])
    out, pdf = folder / "report.json", folder / "report.pdf"
    code = main(["audit", str(audit), "--challenger", str(challenger), "--trust-model", "--json", str(out),
                 "--pdf", str(pdf), "-q"])
    report = json.loads(out.read_text(encoding="utf-8"))
    return {"code": code, "report": report, "audit": audit, "pdf": pdf}


def test_a_challenger_through_the_cli_gives_the_json_of_the_issue(compared, challenger):
    report = compared["report"]
    assert compared["code"] in (0, 1)
    section = report["comparison"]
    assert {"models", "pairs", "ab", "margin", "notes"} <= set(section)
    assert section["ab"] is None and section["margin"] == 0.01
    roles = {m["name"]: m["role"] for m in section["models"]}
    assert roles == {"model": "champion", "lost": "challenger", "smaller_trees": "challenger"}
    (pair,) = section["pairs"]  # the lost challenger has no pair
    assert (pair["champion"], pair["challenger"]) == ("model", "smaller_trees")
    assert set(pair["metrics"]) == set(names("binary"))
    performance = report["performance"]["production"]["metrics"]
    for name, m in pair["metrics"].items():
        assert METRIC_KEYS <= set(m)
        assert m["champion"] == pytest.approx(performance[name]["value"], abs=1e-12)  # the same rows, the same metric
        assert m["difference"] == pytest.approx(m["challenger"] - m["champion"])
        assert m["ci_low"] <= m["difference"] <= m["ci_high"] or m["test"] == "bootstrap"
        assert m["verdict"] in ("challenger better", "non-inferior", "worse", "inconclusive")
        assert m["p_value_adjusted"] >= m["p_value"]
    assert pair["metrics"]["roc_auc"]["test"] == "delong"
    assert pair["metrics"]["accuracy"]["test"] == "mcnemar"
    assert pair["metrics"]["brier"]["test"] == "bootstrap"
    agreement = pair["agreement"]
    assert 0 <= agreement["rate"] <= 1 and agreement["flips"] == round((1 - agreement["rate"]) * agreement["rows"])
    assert {s["column"] for s in agreement["segments"]} == {"sex", "age_band"}  # the performance segments
    assert sum(s["flips"] for s in agreement["segments"] if s["column"] == "sex") == agreement["flips"]
    assert pair["verdict"] in ("challenger better", "non-inferior", "worse", "inconclusive")


def test_the_importances_side_by_side_are_scikit_learns_on_the_same_permutation(compared, challenger, demo_audit):
    from sklearn.metrics import roc_auc_score

    from assay.engine.comparison.importances import importance_sample

    (pair,) = compared["report"]["comparison"]["pairs"]
    importances = pair["importances"]
    assert importances["measure"] == "roc_auc" and -1 <= importances["rank_correlation"] <= 1
    columns = {c["column"]: c for c in importances["columns"]}
    champion = sio.load(demo_audit.parent / "model.skops", trusted=sio.get_untrusted_types(
        file=demo_audit.parent / "model.skops"))
    rival = sio.load(challenger, trusted=sio.get_untrusted_types(file=challenger))
    inputs = list(champion.feature_names_in_)
    production = pd.read_parquet(demo_audit.parent / "production.parquet")
    sample = importance_sample(production, "default", inputs, seed=0, measure="roc_auc")
    column = max(columns, key=lambda c: columns[c]["champion"])  # the champion's most important column
    permuted = sample.frame.copy()
    permuted[column] = sample.frame[column].to_numpy()[sample.orders[column]]
    y = sample.frame["default"]
    for name, model in (("champion", champion), ("challenger", rival)):
        drop = (roc_auc_score(y, model.predict_proba(sample.frame[inputs])[:, 1])
                - roc_auc_score(y, model.predict_proba(permuted[inputs])[:, 1]))
        assert columns[column][name] == pytest.approx(drop, abs=1e-12)


def test_a_challenger_that_fails_to_open_is_a_finding_and_the_audit_carries_on(compared):
    report = compared["report"]
    status = report["analyses"]
    assert status["comparison"]["status"] == "ran"
    lost = next(m for m in report["comparison"]["models"] if m["name"] == "lost")
    assert "lost.skops" in lost["error"]
    finding = next(f for f in report["findings"] if f["id"] == "comparison.challenger_failed.lost")
    assert finding["severity"] == "fail" and "lost.skops" in finding["detail"]


def test_worse_beyond_the_margin_fails(compared):
    report = compared["report"]
    (pair,) = report["comparison"]["pairs"]
    worse = {name for name, m in pair["metrics"].items() if m["verdict"] == "worse"}
    failing = {f["id"].split(".")[-1] for f in report["findings"] if f["id"].startswith("comparison.worse.")}
    assert failing == worse


def test_the_pdf_has_the_comparison_section(compared):
    from tests.report import pdf_tools

    pdf_tools.require_poppler()
    text = pdf_tools.flat(pdf_tools.text(compared["pdf"]))
    (pair,) = compared["report"]["comparison"]["pairs"]
    assert "Champion and challengers" in text and "smaller_trees against model" in text
    assert f"Verdict: {pair['verdict']}" in text
    roc = pair["metrics"]["roc_auc"]
    assert f"{roc['difference']:+.4f}" in text and "DeLong" in text and "McNemar (exact)" in text
    assert "Where the decisions flip" in text and "Fairness disparities side by side" in text
    assert "lost (challenger, could not be compared)" in text


def test_the_champions_own_file_is_a_warning(demo_audit, tmp_path):
    audit = _light_audit(tmp_path, demo_audit)
    config = AuditConfig.from_toml(audit).with_challengers([demo_audit.parent / "model.skops"], trusted=True)
    report = run_audit(config)
    finding = next(f for f in report.findings if f.id == "comparison.same_model.model")
    assert finding.severity == "warn"
    (pair,) = report.comparison.pairs
    assert all(m.difference == 0 for m in pair.metrics) and pair.agreement.flips == 0


def test_different_classes_exit_2_naming_both(demo_audit, tmp_path, capsys):
    from assay.engine.demo import CATEGORICAL, NUMERICAL, TARGET, train_model

    reference = pd.read_parquet(demo_audit.parent / "reference.parquet")
    model = train_model(reference, seed=0).set_params(classifier__max_iter=5)
    model.fit(reference[NUMERICAL + CATEGORICAL], reference[TARGET].map({0: "repaid", 1: "default"}))
    other = tmp_path / "other_classes.skops"
    sio.dump(model, other)
    audit = _light_audit(tmp_path, demo_audit)
    code = main(["audit", str(audit), "--challenger", str(other), "--trust-model", "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "model.skops" in err and "other_classes.skops" in err
    assert "Traceback" not in err


def test_a_challenger_in_shadow_mode_and_an_ab_test_on_the_census_data(employment_audit, tmp_path):
    data = tomllib.loads(employment_audit.read_text(encoding="utf-8"))
    rng = np.random.default_rng(0)
    for key in ("reference", "production"):
        frame = pd.read_parquet(data["data"][key]).sample(n=20_000, random_state=0).reset_index(drop=True)
        logit = np.log(frame["predicted_probability"].clip(1e-6, 1 - 1e-6) /
                       (1 - frame["predicted_probability"].clip(1e-6, 1 - 1e-6)))
        frame["shadow_probability"] = 1 / (1 + np.exp(-(logit + rng.normal(scale=0.8, size=len(frame)))))
        frame["arm"] = np.where(rng.random(len(frame)) < 0.5, "A", "B")
        path = tmp_path / f"{key}.parquet"
        frame.to_parquet(path)
        data["data"][key] = str(path)
    data.update(challenger=[{"name": "shadow", "probabilities": ["shadow_probability"]}],
                comparison={"arm": "arm", "bootstrap_resamples": 200, "margins": {"roc_auc": 0.005}},
                explain={"method": "none"}, performance={"bootstrap_resamples": 50},
                fairness={"bootstrap_resamples": 50}, drift={"multivariate": False, "permutations": 10})
    audit = tmp_path / "audit.toml"
    audit.write_text(tomli_w.dumps(data), encoding="utf-8")
    report = run_audit(AuditConfig.from_toml(audit))
    assert {"shadow_probability", "arm"}.isdisjoint(f.feature for f in report.results["drift"].features)  # no features
    result = report.comparison
    (pair,) = result.pairs
    roc = next(m for m in pair.metrics if m.metric == "roc_auc")
    assert roc.margin == 0.005 and roc.test == "delong"
    assert roc.difference < 0 and roc.verdict == "worse"  # noise added to the champion's scores costs AUC
    assert len(pair.roc) == 2 and pair.roc[0].auc == pytest.approx(roc.champion)
    assert {g.column for g in pair.fairness} == {"SEX", "RAC1P"}
    ab = result.ab
    assert [a.arm for a in ab.arms] == ["A", "B"] and sum(a.rows for a in ab.arms) == 20_000
    z = next(t for t in ab.tests if t.measure == "accuracy" and t.test == "two-proportion z")
    assert 0 < z.p_value <= 1 and z.detectable > 0
    boot = next(t for t in ab.tests if t.measure == "accuracy" and t.test == "bootstrap")
    assert boot.ci_low < boot.difference < boot.ci_high
    as_json = report.to_dict()["comparison"]
    assert as_json["ab"]["column"] == "arm" and as_json["models"][1]["source"] == "columns: shadow_probability"


def test_an_ab_test_runs_without_a_challenger(employment_audit, tmp_path):
    from scipy import stats

    data = tomllib.loads(employment_audit.read_text(encoding="utf-8"))
    rng = np.random.default_rng(1)
    for key in ("reference", "production"):
        frame = pd.read_parquet(data["data"][key]).sample(n=5_000, random_state=1).reset_index(drop=True)
        frame["arm"] = np.where(rng.random(len(frame)) < 0.4, "control", "treatment")
        path = tmp_path / f"{key}.parquet"
        frame.to_parquet(path)
        data["data"][key] = str(path)
    data.update(comparison={"arm": "arm", "bootstrap_resamples": 200}, explain={"method": "none"},
                performance={"bootstrap_resamples": 20}, fairness={"bootstrap_resamples": 20},
                drift={"multivariate": False})
    audit = tmp_path / "audit.toml"
    audit.write_text(tomli_w.dumps(data), encoding="utf-8")
    report = run_audit(AuditConfig.from_toml(audit))
    result = report.comparison
    assert result.pairs == () and [a.arm for a in result.ab.arms] == ["control", "treatment"]
    frame = pd.read_parquet(tmp_path / "production.parquet")
    right = frame["prediction"] == frame["employed"]
    table = [[int(right[frame["arm"] == arm].sum()), int((~right[frame["arm"] == arm]).sum())]
             for arm in ("control", "treatment")]
    z = next(t for t in result.ab.tests if t.measure == "accuracy" and t.test == "two-proportion z")
    assert z.p_value == pytest.approx(stats.chi2_contingency(table, correction=False)[1], rel=1e-9)
    assert z.difference == pytest.approx(right[frame["arm"] == "treatment"].mean() - right[frame["arm"] == "control"].mean())
