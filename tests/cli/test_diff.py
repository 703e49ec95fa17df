"""`assay diff OLD.json NEW.json` on two real demo audits (seeds 0 and 7: other data, another model file), and
`assay audit --previous`: findings new/resolved/changed, significant metric changes from the reports' own
intervals, drifted columns, input hashes and configuration keys; exit 1 for a new failing finding, 2 for reports
of different schema versions."""
from __future__ import annotations

import copy
import json
import math

import pytest
from scipy.stats import norm

from assay.engine.cli import main
from assay.engine.demo import write_demo
from tests.conftest import write_audit


@pytest.fixture(scope="module")
def two_demos(demo_audit, tmp_path_factory):
    folder = tmp_path_factory.mktemp("diff")
    other = write_demo(folder / "seed7", seed=7)
    old, new = folder / "old.json", folder / "new.json"
    assert main(["audit", str(demo_audit), "--json", str(old), "--quiet"]) == 1
    assert main(["audit", str(other), "--json", str(new), "--quiet"]) == 1
    return old, new


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_diff_of_two_demo_audits(two_demos, tmp_path, capsys):
    old_path, new_path = two_demos
    out = tmp_path / "changes.json"
    code = main(["diff", str(old_path), str(new_path), "--json", str(out)])
    printed = capsys.readouterr().out.splitlines()
    old, new, changes = load(old_path), load(new_path), load(out)
    assert printed[0].startswith("The two reports audit different models")
    assert changes["old_report_id"] == old["integrity"]["results_sha256"]
    # findings, by id, computed here from the two files
    before = {f["id"]: f["severity"] for f in old["findings"]}
    after = {f["id"]: f["severity"] for f in new["findings"]}
    assert [f["id"] for f in changes["findings"]["new"]] == [i for i in after if i not in before]
    assert [f["id"] for f in changes["findings"]["resolved"]] == [i for i in before if i not in after]
    assert [f["id"] for f in changes["findings"]["severity_changed"]] == [
        i for i in after if i in before and before[i] != after[i]]
    newly_failing = [i for i, s in after.items() if s == "fail" and before.get(i) != "fail"]
    assert changes["newly_failing"] == newly_failing and code == (1 if newly_failing else 0)
    # drift
    assert changes["drift"]["newly_drifted"] == [c for c in new["drift"]["drifted_features"]
                                                 if c not in old["drift"]["drifted_features"]]
    # metrics: significant when the change exceeds z * sqrt(se_old^2 + se_new^2), se from each interval
    z = norm.ppf(0.5 + old["performance"]["confidence"] / 2)
    significant = []
    for name, a in old["performance"]["production"]["metrics"].items():
        b = new["performance"]["production"]["metrics"][name]
        if a["value"] is None or b["value"] is None or a["ci_low"] is None or b["ci_low"] is None:
            continue
        se = math.sqrt(((a["ci_high"] - a["ci_low"]) / (2 * z)) ** 2 + ((b["ci_high"] - b["ci_low"]) / (2 * z)) ** 2)
        if abs(b["value"] - a["value"]) > z * se:
            significant.append(name)
    assert [m["metric"] for m in changes["metrics"]] == significant and significant
    # inputs and configuration
    assert {c["key"] for c in changes["inputs"]} == {"reference", "production", "model"}
    config = {c["key"]: (c["old"], c["new"]) for c in changes["config"]}
    assert config["audit.seed"] == (0, 7)


def test_a_new_failing_finding_exits_1_and_a_waived_one_does_not(two_demos, tmp_path, capsys):
    old_path, _ = two_demos
    old = load(old_path)
    new = copy.deepcopy(old)
    new["findings"].append({"id": "quality.missing.new_column", "analysis": "quality", "severity": "fail",
                            "title": "new_column: 40% missing", "detail": "", "column": "new_column",
                            "status": "open"})
    path = tmp_path / "new.json"
    path.write_text(json.dumps(new))
    assert main(["diff", str(old_path), str(path)]) == 1
    printed = capsys.readouterr().out
    assert "quality.missing.new_column" in printed and "different models" not in printed
    new["findings"][-1]["status"] = "waived"
    path.write_text(json.dumps(new))
    assert main(["diff", str(old_path), str(path)]) == 0


def test_the_same_report_has_no_change(two_demos, capsys):
    old_path, _ = two_demos
    assert main(["diff", str(old_path), str(old_path)]) == 0
    assert capsys.readouterr().out.startswith("No change")


def test_different_schema_versions_exit_2_naming_both(two_demos, tmp_path, capsys):
    old_path, _ = two_demos
    other = load(old_path)
    other["schema_version"] = 99
    path = tmp_path / "future.json"
    path.write_text(json.dumps(other))
    assert main(["diff", str(old_path), str(path)]) == 2
    err = capsys.readouterr().err
    assert "schema_version 1" in err and "schema_version 99" in err and err.count("\n") == 1


def test_not_a_report_exits_2(tmp_path, two_demos, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["diff", str(bad), str(two_demos[0])]) == 2
    assert str(bad) in capsys.readouterr().err


def test_audit_previous_adds_changes_to_the_json(tmp_path, small_tables):
    path = write_audit(tmp_path, data={"reference": str(small_tables[0]), "production": str(small_tables[1])})
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    main(["audit", str(path), "--json", str(first), "--quiet"])
    assert "changes" not in load(first)
    lenient = ("missing_warn", "missing_fail", "missing_increase_warn", "missing_increase_fail")
    main(["audit", str(path), "--json", str(second), "--quiet", "--previous", str(first),
          *[a for key in lenient for a in ("--set", f"quality.{key}=0.99")]])
    changes = load(second)["changes"]
    assert changes["old_report_id"] == load(first)["integrity"]["results_sha256"]
    assert {c["key"] for c in changes["config"]} == {f"quality.{key}" for key in lenient}
    assert [f["id"] for f in changes["findings"]["resolved"]] == ["quality.missing.income"]
    assert changes["inputs"] == [] and changes["different_model"] is None


def test_audit_previous_of_another_schema_version_exits_2_before_the_audit(tmp_path, small_tables, capsys):
    path = write_audit(tmp_path, data={"reference": str(small_tables[0]), "production": str(small_tables[1])})
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema_version": 0, "provenance": {"inputs": []}}))
    assert main(["audit", str(path), "--quiet", "--previous", str(old)]) == 2
    assert "schema_version 0" in capsys.readouterr().err
