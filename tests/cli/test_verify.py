"""Tamper evidence: the JSON report carries the SHA-256 of its own content, and `assay verify REPORT.json`
recomputes it and checks the input files on disk (exit 0 all pass, 1 a check failed, 2 not a readable report)."""
from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.engine.cli import main
from assay.engine.integrity import document_sha256, results_sha256, with_integrity
from assay.engine.verification import verify_report
from tests.conftest import write_audit

TIMING = ("started_at", "finished_at", "duration_s")


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> Path:
    """A small audit run once: a folder with reference.csv, production.csv and report.json."""
    import pandas as pd

    folder = tmp_path_factory.mktemp("verify")
    frame = pd.DataFrame({"age": [25, 32, 47, 51, 38, 29, 60, 44], "city": list("abacbacb"),
                          "target": [0, 1, 0, 1, 0, 0, 1, 1], "prediction": [0, 1, 1, 1, 0, 0, 1, 0]})
    frame.to_csv(folder / "reference.csv", index=False)
    frame.assign(age=frame.age + 3).to_csv(folder / "production.csv", index=False)
    audit = write_audit(folder, audit={"title": "Verify me"},
                        data={"reference": "reference.csv", "production": "production.csv"},
                        columns={"target": "target", "prediction": "prediction"})
    assert main(["audit", str(audit), "--json", str(folder / "report.json"), "--quiet"]) in (0, 1)
    return folder


@pytest.fixture
def copy_of(audited, tmp_path) -> Path:
    """A copy of the audited folder this test may change; returns the copied report.json."""
    target = tmp_path / "copy"
    shutil.copytree(audited, target)
    return target / "report.json"  # it still names the original inputs (absolute paths), which stay unchanged


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assay.engine.cli", *args], check=False, capture_output=True, text=True, timeout=300)


# -- the hash itself ---------------------------------------------------------------------------------------------

def test_the_json_records_both_digests_as_a_hand_calculation_gives_them(audited):
    data = load(audited / "report.json")
    block = data["integrity"]
    assert list(data)[-1] == "integrity"
    assert block["algorithm"] == "sha256"
    assert set(block["covers"]) == set(data) - {"integrity"}
    assert block["results_excludes"] == (["integrity"] + [f"provenance.{t}" for t in TIMING]
                                         + ["review.sha256", "review.signoff"])  # a sign-off names the id (#20)
    # independent: the documented recipe, written out here rather than imported
    body = {k: v for k, v in data.items() if k != "integrity"}
    document = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert block["document_sha256"] == hashlib.sha256(document).hexdigest()
    for name in TIMING:
        del body["provenance"][name]
    for name in ("sha256", "signoff"):
        del body["review"][name]
    results = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert block["results_sha256"] == hashlib.sha256(results).hexdigest()


def test_the_report_id_is_the_results_hash(audited):
    from assay.engine.report import report_id

    data = load(audited / "report.json")
    assert report_id(data) == data["integrity"]["results_sha256"]


def test_timing_changes_the_document_hash_only(audited):
    data = load(audited / "report.json")
    later = copy.deepcopy(data)
    later["provenance"]["duration_s"] = data["provenance"]["duration_s"] + 1
    assert results_sha256(later) == results_sha256(data)
    assert document_sha256(later) != document_sha256(data)


json_leaf = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.text(max_size=8) | \
    st.floats(allow_nan=False, allow_infinity=False)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4) |
                          st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


def _paths(value, prefix=()):
    """Every leaf's path in a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, prefix + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, prefix + (index,))
    else:
        yield prefix


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k not in ("integrity", "provenance")),
                            json_value, min_size=1, max_size=5),
       data=st.data())
def test_any_report_round_trips_through_a_file_and_any_changed_value_is_caught(body, data):
    """Invariants: writing and reading the JSON (any indentation, any key order) keeps the digests; changing any
    one value outside the timing fields changes the results hash."""
    report = with_integrity({"schema_version": 1, "provenance": {"inputs": [], "started_at": "x"}, **body})
    read_back = json.loads(json.dumps(dict(reversed(list(report.items()))), indent=1, ensure_ascii=True))
    assert read_back["integrity"]["results_sha256"] == results_sha256(read_back)
    assert read_back["integrity"]["document_sha256"] == document_sha256(read_back)
    leaves = [p for p in _paths(body) if p]
    if not leaves:
        return
    path = data.draw(st.sampled_from(leaves))
    target = read_back
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    new = data.draw(json_leaf.filter(lambda v: json.dumps(v) != json.dumps(old)))
    target[path[-1]] = new
    assert results_sha256(read_back) != report["integrity"]["results_sha256"]


# -- assay verify ------------------------------------------------------------------------------------------------

def test_an_untouched_report_verifies(audited, capsys):
    assert main(["verify", str(audited / "report.json")]) == 0
    out = capsys.readouterr().out
    assert "VERIFIED: all 4 checks passed" in out
    for name in ("results hash", "document hash", "reference input", "production input"):
        assert name in out
    assert load(audited / "report.json")["integrity"]["results_sha256"] in out


def test_a_changed_number_in_the_findings_fails(copy_of, capsys):
    data = load(copy_of)
    text = json.dumps(data["findings"])
    digit = re.search(r"\d", text)
    assert digit, "the small audit's findings quote numbers"
    data["findings"] = json.loads(text[:digit.start()] + str((int(digit[0]) + 1) % 10) + text[digit.end():])
    save(copy_of, data)
    assert main(["verify", str(copy_of)]) == 1
    out = capsys.readouterr().out
    assert "NOT VERIFIED" in out and "results hash" in out and "the JSON was changed after it was written" in out


@pytest.mark.parametrize("edit", ["number", "verdict", "input hash", "timing"])
def test_any_edit_of_the_results_fails(copy_of, edit):
    data = load(copy_of)
    if edit == "number":
        data["quality"]["columns"][0]["missing_production"] = 0.5
    elif edit == "verdict":
        data["verdict"] = "pass" if data["verdict"] != "pass" else "fail"
    elif edit == "input hash":
        data["provenance"]["inputs"][0]["sha256"] = "0" * 64
    else:  # the run times are covered by the document hash only
        data["provenance"]["finished_at"] = "2020-01-01T00:00:00+00:00"
    save(copy_of, data)
    result = verify_report(copy_of)
    failed = {c.name for c in result.failed}
    assert not result.passed
    assert failed == ({"document hash"} if edit == "timing" else
                      {"results hash", "document hash", "reference input"} if edit == "input hash" else
                      {"results hash", "document hash"})


def test_reformatting_the_json_does_not_fail(copy_of):
    data = load(copy_of)
    copy_of.write_text(json.dumps(data, ensure_ascii=True, sort_keys=True), encoding="utf-8")
    assert verify_report(copy_of).passed


def test_a_changed_input_file_fails_naming_it(audited, tmp_path, capsys):
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(audited / "reference.csv", moved)
    with open(moved / "production.csv", "w", encoding="utf-8") as handle:
        handle.write((audited / "production.csv").read_text(encoding="utf-8") + "99,a,1,1\n")  # one row more
    assert main(["verify", str(audited / "report.json"), "--data-dir", str(moved)]) == 1
    out = capsys.readouterr().out
    assert str(moved / "production.csv") in out and "the file changed since the audit" in out
    assert "NOT VERIFIED: 1 of 4 checks failed (production input)" in out


def test_a_missing_input_is_reported_and_data_dir_finds_moved_ones(audited, tmp_path, capsys):
    folder = tmp_path / "filed"
    folder.mkdir()
    data = load(audited / "report.json")
    for item in data["provenance"]["inputs"]:
        item["path"] = "/nowhere/" + Path(item["path"]).name
    report = folder / "report.json"
    save(report, with_integrity(data))  # as if the audit had read them from /nowhere
    assert main(["verify", str(report)]) == 1
    out = capsys.readouterr().out
    assert "missing" in out and "/nowhere/reference.csv" in out and "--data-dir" in out
    assert main(["verify", str(report), "--data-dir", str(audited)]) == 0
    shutil.copy(audited / "reference.csv", folder)  # filed beside the report: found there without --data-dir
    shutil.copy(audited / "production.csv", folder)
    assert main(["verify", str(report)]) == 0


def test_relative_input_paths_resolve_against_the_reports_folder_then_the_cwd(audited, tmp_path, monkeypatch):
    data = load(audited / "report.json")
    for item in data["provenance"]["inputs"]:
        item["path"] = "inputs/" + Path(item["path"]).name
    (tmp_path / "a").mkdir()
    report = tmp_path / "a" / "report.json"
    save(report, with_integrity(data))
    assert not verify_report(report, cwd=tmp_path).passed
    (tmp_path / "inputs").mkdir()
    for name in ("reference.csv", "production.csv"):
        shutil.copy(audited / name, tmp_path / "inputs")
    assert verify_report(report, cwd=tmp_path).passed  # against the cwd
    shutil.move(tmp_path / "inputs", tmp_path / "a" / "inputs")
    result = verify_report(report, cwd=tmp_path)
    assert result.passed and all(str(tmp_path / "a" / "inputs") in (c.path or "") for c in result.checks[2:])


def test_a_report_without_an_integrity_block_fails(copy_of, capsys):
    data = load(copy_of)
    del data["integrity"]
    save(copy_of, data)
    assert main(["verify", str(copy_of)]) == 1
    assert "no integrity block" in capsys.readouterr().out


def test_json_output_for_ci(audited):
    result = run_cli("verify", str(audited / "report.json"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["passed"] is True and [c["status"] for c in data["checks"]] == ["pass"] * 4


@pytest.mark.parametrize("content, words", [
    (None, "not found"),
    ("folder", "is a folder"),
    (b"{bad", "not valid JSON"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b'{"schema_version": 1, "verdict": NaN}', "NaN is not valid JSON"),
    (b"[1, 2]", "not an Assay report"),
    (b'{"schema_version": 1, "provenance": {"inputs": 3}}', "provenance.inputs"),
])
def test_exit_2_on_a_file_that_is_not_a_readable_report(tmp_path, content, words):
    path = tmp_path / "report.json"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    result = run_cli("verify", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and str(path) in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_exit_2_on_a_data_dir_that_is_not_a_folder(audited, tmp_path):
    result = run_cli("verify", str(audited / "report.json"), "--data-dir", str(tmp_path / "nope"))
    assert result.returncode == 2 and "--data-dir" in result.stderr and "Traceback" not in result.stderr
