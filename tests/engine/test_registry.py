"""The analysis registry drives the engine: an analysis added to it (the toy in tests/toy_analysis.py) runs in
the audit, gets a status and a share of the progress bar, grades its findings into the verdict, appears in
the JSON report under its name and has its section in the audit file, validated."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
from toy_analysis import TOY, ToyResult, toy_registered

from assay.engine.analyses import registry
from assay.engine.analyses.registry import Need
from assay.engine.analyses.run import NEEDS
from assay.engine.config import AuditConfig
from assay.engine.errors import ConfigError
from assay.engine.pipeline import ANALYSED, LOADED, iter_audit, run_audit
from assay.engine.results import AuditReport
from tests.conftest import write_audit


def test_the_registry_loads_no_heavy_library():
    code = ("import sys, assay.engine.analyses.registry\n"
            "print(sorted(m for m in ('pandas', 'scipy', 'sklearn', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_spec_names_parts_that_exist():
    for spec in registry.ANALYSES:
        for reference in (spec.calculator, spec.findings, *([spec.to_json] if spec.to_json else [])):
            assert callable(registry.load(reference)), reference
        assert dataclasses.is_dataclass(spec.config) and spec.config().validate(spec.section) is None
        assert all(need.what in NEEDS for need in spec.needs)


def _audit(folder, tables, **sections):
    return AuditConfig.from_toml(write_audit(folder, data={"reference": str(tables[0]),
                                                           "production": str(tables[1])}, **sections))


def _run(config):
    events, steps = [], iter_audit(config)
    while True:
        try:
            events.append(next(steps))
        except StopIteration as stop:
            return stop.value, events


def test_the_toy_runs_in_the_audit_with_its_share_of_the_progress(toy, tmp_path, small_tables):
    report, events = _run(_audit(tmp_path, small_tables, columns={"target": "target"}, toy={"max_rows": 100}))
    assert report.status_of("toy").status == "ran"
    assert report.toy == report.result("toy") == ToyResult(rows_reference=8, rows_production=8)
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    mine = [e for e in events if e.stage == "toy"]
    assert mine[0].message == "Counting rows"
    # a data-only audit: the analyses that cannot run (no predictions) and the predictions get no room, so the
    # analyses that run share the bar by weight
    total = sum(spec.weight for spec in registry.ANALYSES if report.status_of(spec.name).status == "ran")
    share = toy.weight * (ANALYSED - LOADED) / total
    assert mine[-1].fraction - mine[0].fraction == pytest.approx(share)
    assert mine[-1].fraction == pytest.approx(ANALYSED)  # the last in the registry, so the last to run
    data = json.loads(report.to_json())
    assert data["toy"] == {"rows_reference": 8, "rows_production": 8}
    assert data["analyses"]["toy"] == {"status": "ran", "reason": ""}
    assert [f.severity for f in report.findings_for("toy")] == ["pass"]


def test_the_toys_finding_reaches_the_verdict(toy, tmp_path, small_tables):
    report = run_audit(_audit(tmp_path, small_tables, toy={"max_rows": 5}))
    (finding,) = report.findings_for("toy")
    assert finding.id == "toy.rows" and finding.severity == "fail"
    assert report.verdict == "fail" and finding in report.findings


def test_a_missing_need_skips_the_toy_with_its_reason(tmp_path, small_tables):
    needy = dataclasses.replace(TOY,
                                needs=(Need("predictions", "the toy counts predictions: there are none"),))
    with toy_registered(needy):
        report = run_audit(_audit(tmp_path, small_tables, columns={"target": "target"}))
        assert json.loads(report.to_json())["toy"] is None
    assert report.status_of("toy").status == "skipped"
    assert report.status_of("toy").reason == "the toy counts predictions: there are none"
    assert report.toy is None


def test_the_toys_section_is_read_checked_and_written(toy, tmp_path):
    config = AuditConfig.from_dict({"toy": {"max_rows": 7}})
    assert config.toy.max_rows == 7 and config.to_dict()["toy"] == {"max_rows": 7}
    assert config.with_overrides(["toy.max_rows=9"]).toy.max_rows == 9
    assert config.replace("toy", max_rows=3).toy.max_rows == 3
    config.to_toml(tmp_path / "a.toml")
    assert AuditConfig.from_toml(tmp_path / "a.toml") == config
    with pytest.raises(ConfigError, match=r"toy\.max_rows: must be at least 1") as error:
        AuditConfig.from_dict({"toy": {"max_rows": 0}})
    assert error.value.key == "toy.max_rows"
    with pytest.raises(ConfigError, match=r"unknown key 'rows' in \[toy\]; allowed keys: max_rows"):
        AuditConfig.from_dict({"toy": {"rows": 1}})
    with pytest.raises(ConfigError, match=r"allowed sections: audit, data, model, columns, task, mlflow, quality, "
                                          r"performance, estimation, drift, fairness, explain, comparison, toy, report"):
        AuditConfig.from_dict({"toys": {}})


def test_without_the_toy_its_section_is_unknown():
    with pytest.raises(ConfigError, match=r"unknown section \[toy\]; allowed sections: audit, data, model, "
                                          r"columns, task, mlflow, quality, performance, estimation, drift, fairness, explain, comparison, report"):
        AuditConfig.from_dict({"toy": {"max_rows": 7}})


def test_a_report_pickled_with_one_field_per_analysis_reads_back(tmp_path, small_tables):
    report = run_audit(_audit(tmp_path, small_tables))
    old = {k: v for k, v in report.__dict__.items() if k != "results"} | report.results  # the layout before
    restored = AuditReport.__new__(AuditReport)
    restored.__setstate__(old)
    assert restored == report and restored.quality is report.quality
