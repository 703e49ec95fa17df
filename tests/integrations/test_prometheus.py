"""Prometheus: the .prom file parsed back with prometheus_client's parser (names, labels and values against the
JSON report), the CLI's file, and the Grafana dashboard that shows the same names."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from assay.engine.integrations.prometheus import write_prometheus

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden" / "demo_report.json"
DASHBOARD = ROOT / "integrations" / "grafana" / "assay.json"
NAMES = {  # the issue's names and their labels (besides audit and model_sha256)
    "assay_verdict": set(), "assay_findings": {"severity"}, "assay_metric": {"dataset", "metric"},
    "assay_metric_ci_low": {"dataset", "metric"}, "assay_metric_ci_high": {"dataset", "metric"},
    "assay_drift_effect_size": {"column", "method"}, "assay_drift_share": set(),
    "assay_fairness_disparity": {"column", "disparity"}, "assay_audit_timestamp_seconds": set(),
}


def samples(path: Path) -> dict[str, list]:
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(path.read_text(encoding="utf-8")):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


@pytest.fixture(scope="module")
def demo_report() -> dict:
    report = json.loads(GOLDEN.read_text(encoding="utf-8"))
    report["provenance"]["finished_at"] = "2026-03-01T12:00:00+00:00"
    report["provenance"]["model"]["sha256"] = "ab" * 32
    return report


def test_the_textfile_holds_the_issues_names_labels_and_values(demo_report, tmp_path):
    path = tmp_path / "assay.prom"
    write_prometheus(demo_report, path)
    assert [p.name for p in tmp_path.iterdir()] == ["assay.prom"]  # written atomically: no temporary file left
    found = samples(path)
    assert set(found) == set(NAMES)
    for name, labels in NAMES.items():
        for sample in found[name]:
            assert set(sample.labels) == labels | {"audit", "model_sha256"}
            assert sample.labels["audit"] == demo_report["title"] and sample.labels["model_sha256"] == "ab" * 32
    one = {name: {tuple(sorted(s.labels.items())): s.value for s in found[name]} for name in found}

    def value(name, **labels):
        return one[name][tuple(sorted({**labels, "audit": demo_report["title"], "model_sha256": "ab" * 32}.items()))]

    assert value("assay_verdict") == {"pass": 0, "warn": 1, "fail": 2}[demo_report["verdict"]]
    for severity in ("fail", "warn"):
        assert value("assay_findings", severity=severity) == sum(
            f["severity"] == severity for f in demo_report["findings"])
    for dataset in ("reference", "production"):
        for metric, estimate in demo_report["performance"][dataset]["metrics"].items():
            assert value("assay_metric", dataset=dataset, metric=metric) == pytest.approx(estimate["value"])
            assert value("assay_metric_ci_low", dataset=dataset, metric=metric) == pytest.approx(estimate["ci_low"])
            assert value("assay_metric_ci_high", dataset=dataset, metric=metric) == pytest.approx(estimate["ci_high"])
    for feature in demo_report["drift"]["features"]:
        assert value("assay_drift_effect_size", column=feature["feature"], method=feature["method"]) == \
            pytest.approx(feature["effect_size"])
    assert value("assay_drift_share") == pytest.approx(demo_report["drift"]["share_drifted"])
    for column, found_column in demo_report["fairness"]["production"].items():
        for disparity, estimate in found_column["disparities"].items():
            if estimate["value"] is not None:
                assert value("assay_fairness_disparity", column=column, disparity=disparity) == \
                    pytest.approx(estimate["value"])
    assert value("assay_audit_timestamp_seconds") == 1772366400.0  # 2026-03-01T12:00:00Z


def test_the_cli_writes_the_file(mlflow_audit):
    found = samples(mlflow_audit.prom)
    report = json.loads(mlflow_audit.json.read_text())
    assert set(found) == set(NAMES)
    assert found["assay_verdict"][0].value == 2 and report["verdict"] == "fail"
    assert found["assay_verdict"][0].labels["model_sha256"] == report["provenance"]["model"]["sha256"]


def test_the_grafana_dashboard_shows_every_metric_over_time():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    for name in NAMES:
        assert any(f"{name}{{" in expr for expr in expressions), f"no panel shows {name}"
    assert all(panel["type"] in ("timeseries", "state-timeline") for panel in dashboard["panels"])
    assert {v["name"] for v in dashboard["templating"]["list"]} >= {"datasource", "audit"}
