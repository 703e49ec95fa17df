"""`assay audit` with a review file: waived failures exit 0, an expired waiver fails again and says so, a waiver
naming no finding is a warning, a bad review file is exit 2 naming the file and the key; `assay verify` checks the
review file's hash."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from assay.engine.cli import main
from assay.engine.review.file import ReviewFile, Waiver, write_review
from tests.conftest import write_audit


@pytest.fixture
def small_audit(tmp_path, small_tables):
    """The small tables' audit (quality findings that fail) and its failing finding ids, from a first run."""
    path = write_audit(tmp_path, data={"reference": str(small_tables[0]), "production": str(small_tables[1])})
    out = tmp_path / "first.json"
    assert main(["audit", str(path), "--json", str(out), "--quiet"]) == 1
    report = json.loads(out.read_text())
    assert report["review"]["file"] == str(tmp_path / "audit.review.toml") and report["review"]["sha256"] is None
    assert {f["status"] for f in report["findings"]} == {"open"}
    return path, [f["id"] for f in report["findings"] if f["severity"] in ("fail", "warn")]


def waivers(ids, expires):
    return ReviewFile(waivers=tuple(Waiver(finding=i, status="remediation planned", reason="MRM-1",
                                           approved_by="J. R.", expires=expires) for i in ids))


def test_exit_0_when_every_failing_finding_is_waived_and_1_when_a_waiver_expired(small_audit, capsys, tmp_path):
    path, ids = small_audit
    review = path.with_name("audit.review.toml")
    write_review(review, waivers(ids, date.today() + timedelta(days=30)))
    out = tmp_path / "waived.json"
    assert main(["audit", str(path), "--json", str(out), "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert {f["status"] for f in data["findings"] if f["id"] in ids} == {"waived"}
    assert data["verdict"] in ("pass", "warn") and data["review"]["sha256"]
    verdict_line = capsys.readouterr().out.splitlines()[0]  # the waived ones apart, never among the failed
    assert f"0 failed, 0 warnings, {len(ids)} waived" in verdict_line

    write_review(review, waivers(ids, date.today() - timedelta(days=1)))
    assert main(["audit", str(path), "--quiet"]) == 1
    printed = capsys.readouterr().out
    assert "Waiver expired" in printed and ids[0] in printed


def test_a_waiver_of_no_finding_is_a_warning(small_audit, capsys):
    path, ids = small_audit
    write_review(path.with_name("audit.review.toml"), waivers(["quality.not.a.finding"], None))
    assert main(["audit", str(path), "--quiet"]) == 1
    assert "the waiver of quality.not.a.finding names no finding of this report" in capsys.readouterr().out


def test_review_file_key_points_elsewhere(small_audit, tmp_path):
    path, ids = small_audit
    elsewhere = tmp_path / "reviews" / "q4.toml"
    elsewhere.parent.mkdir()
    write_review(elsewhere, waivers(ids, None))
    assert main(["audit", str(path), "--quiet", "--set", f"review.file='{elsewhere}'"]) == 0


@pytest.mark.parametrize("text, key", [
    ("[[waiver]\n", "TOML syntax error"),
    ("[[waiver]]\nfinding = 'a'\nstatus = 'accepted risk'\nowner = 'me'\n", "waiver[1].owner"),
    ("[[waiver]]\nfinding = 'a'\nstatus = 'accepted risk'\nreason = 3\n", "waiver[1].reason"),
    ("[[waiver]]\nfinding = 'a'\nstatus = 'accepted risk'\nexpires = 'June'\n", "waiver[1].expires"),
])
def test_exit_2_for_a_bad_review_file_naming_the_file_and_key(small_audit, capsys, text, key):
    path, _ = small_audit
    review = path.with_name("audit.review.toml")
    review.write_text(text, encoding="utf-8")
    assert main(["audit", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(review) in err and key in err and "Traceback" not in err


def test_verify_checks_the_review_files_hash(small_audit, tmp_path, capsys):
    path, ids = small_audit
    review = path.with_name("audit.review.toml")
    write_review(review, waivers(ids, None))
    out = tmp_path / "r.json"
    main(["audit", str(path), "--json", str(out), "--quiet"])
    assert main(["verify", str(out), "--quiet"]) == 0
    review.write_text(review.read_text() + "# changed\n")
    capsys.readouterr()
    assert main(["verify", str(out), "--json"]) == 1
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["review input"]["outcome"] == "differs"
