"""The review file (engine/review/): parsing and its errors, waivers matched to findings by id, expiry around
today, the verdict that honours waivers, the sign-off against the report id, and the JSON's review block."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.engine.errors import ConfigError
from assay.engine.integrity import results_sha256
from assay.engine.results import AnalysisStatus, AuditReport, Finding, Provenance
from assay.engine.review.apply import ReviewInput, apply_review
from assay.engine.review.file import ReviewFile, Signoff, Waiver, load_review, write_review
from assay.engine.review.signoff import OTHER_REPORT, THIS_REPORT, sign_off
from assay.engine.review.waivers import EXPIRED, OPEN, WAIVED, finding_status, match_waivers
from assay.engine.schema import Schema

TODAY = date(2026, 12, 6)

WAIVER_TEXT = """
[[waiver]]
finding = "fairness.disparate_impact_ratio.sex"
status = "accepted risk"
reason = "Selection rates reflect the applicant pool; remediation tracked in MRM-142."
approved_by = "J. Reviewer"
expires = 2027-06-30

[signoff]
reviewer = "J. Reviewer"
role = "Model validation"
decision = "approved with conditions"
date = 2026-12-01
report_id = "abc"
comment = "Retrain next quarter."
"""


def report_of(*findings: Finding) -> AuditReport:
    """A small report with these findings (its verdict as the pipeline grades it, before any review)."""
    from assay.engine.findings import verdict

    provenance = Provenance(inputs=(), versions={"assay": "test"}, config={}, seed=0, started_at="2026-12-06")
    return AuditReport(provenance=provenance, verdict=verdict(findings), findings=findings,
                       schema=Schema(columns=(), task=None), analyses=(AnalysisStatus(name="quality", status="ran"),))


FAIL = Finding(id="quality.missing.income", analysis="quality", severity="fail", title="income missing")
WARN = Finding(id="drift.column.age", analysis="drift", severity="warn", title="age drifted")


def waive(finding: str, expires: date | None = None) -> Waiver:
    return Waiver(finding=finding, status="accepted risk", reason="known", approved_by="J. R.", expires=expires)


# -- the file ------------------------------------------------------------------------------------------


def test_the_issues_example_reads_back_and_writes_the_same(tmp_path):
    path = tmp_path / "audit.review.toml"
    path.write_text(WAIVER_TEXT, encoding="utf-8")
    review = load_review(path)
    assert review.waivers == (Waiver(finding="fairness.disparate_impact_ratio.sex", status="accepted risk",
                                     reason="Selection rates reflect the applicant pool; remediation tracked in "
                                            "MRM-142.", approved_by="J. Reviewer", expires=date(2027, 6, 30)),)
    assert review.signoff == Signoff(reviewer="J. Reviewer", role="Model validation",
                                     decision="approved with conditions", date=date(2026, 12, 1), report_id="abc",
                                     comment="Retrain next quarter.")
    copy = tmp_path / "copy.review.toml"
    write_review(copy, review)
    assert load_review(copy) == review
    assert "expires = 2027-06-30" in copy.read_text()  # a TOML date, not text


def test_no_file_is_an_empty_review(tmp_path):
    assert load_review(tmp_path / "none.review.toml") == ReviewFile()


@pytest.mark.parametrize("text, key, words", [
    ("[[waiver]\n", "review.file", "TOML syntax error"),
    ("[[waiver]]\nfinding = 'a'\nstatus = 'accepted risk'\nexpiry = 2027-01-01\n", "waiver[1].expiry",
     "unknown key"),
    ("[[waiver]]\nfinding = 'a'\nstatus = 'accepted risk'\nexpires = 'soon'\n", "waiver[1].expires", "not a date"),
    ("[[waiver]]\nfinding = 'a'\nstatus = 'accepted risk'\nexpires = 20270101\n", "waiver[1].expires", "not a date"),
    ("[[waiver]]\nfinding = 'a'\nstatus = 'fine'\n", "waiver[1].status", "allowed values: accepted risk"),
    ("[[waiver]]\nfinding = 3\nstatus = 'accepted risk'\n", "waiver[1].finding", "expected text"),
    ("[[waiver]]\nstatus = 'accepted risk'\n", "waiver[1].finding", "is missing"),
    ("[[waiver]]\nfinding = 'a'\nstatus = 'accepted risk'\n[[waiver]]\nfinding = 'a'\nstatus = 'false positive'\n",
     "waiver[2].finding", "waived twice"),
    ("[signoff]\nreviewer = 'x'\ndecision = 'ok'\n", "signoff.decision", "allowed values: approved"),
    ("[signoff]\nreviewer = 'x'\ndecision = 'approved'\ndate = 'yesterday'\n", "signoff.date", "not a date"),
    ("signoff = 1\n", "signoff", "must be a [signoff] table"),
    ("[waivers]\n", "waivers", "unknown key"),
])
def test_a_bad_review_file_names_the_file_and_the_key(tmp_path, text, key, words):
    path = tmp_path / "audit.review.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_review(path)
    assert error.value.key == key
    assert str(path) in str(error.value) and words in str(error.value)


def test_a_date_written_as_iso_text_is_read_as_a_date(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("[[waiver]]\nfinding = 'a'\nstatus = 'false positive'\nexpires = '2027-01-31'\n")
    assert load_review(path).waivers[0].expires == date(2027, 1, 31)


# -- waivers and expiry ----------------------------------------------------------------------------------


@pytest.mark.parametrize("expires, status", [
    (None, WAIVED), (TODAY + timedelta(days=1), WAIVED), (TODAY, WAIVED),  # it holds through its last day
    (TODAY - timedelta(days=1), EXPIRED),
])
def test_a_waiver_holds_through_its_expiry_day(expires, status):
    assert finding_status(waive("x", expires), TODAY) == status
    assert finding_status(None, TODAY) == OPEN


@settings(max_examples=200, deadline=None)
@given(expires=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_a_waiver_has_expired_exactly_when_today_is_past_its_expiry(expires, today):
    review = ReviewFile(waivers=(waive(FAIL.id, expires), waive("gone.finding", expires)))
    statuses, states = match_waivers([(FAIL.id, "fail"), (WARN.id, "warn")], review, today)
    assert statuses == {FAIL.id: EXPIRED if today > expires else WAIVED, WARN.id: OPEN}
    assert [s.state for s in states] == [statuses[FAIL.id], "unmatched"]
    reviewed = apply_review(report_of(FAIL, WARN), ReviewInput(path=None, review=review), today=today)
    assert reviewed.verdict == ("fail" if today > expires else "warn")


def test_the_verdict_passes_when_every_failing_and_warning_finding_is_waived():
    report = report_of(FAIL, WARN)
    assert report.verdict == "fail"
    only_fail = apply_review(report, ReviewInput(path=None, review=ReviewFile(waivers=(waive(FAIL.id),))), TODAY)
    assert only_fail.verdict == "warn"
    assert [f.status for f in only_fail.findings] == [WAIVED, OPEN]
    both = ReviewFile(waivers=(waive(FAIL.id), waive(WARN.id)))
    assert apply_review(report, ReviewInput(path=None, review=both), TODAY).verdict == "pass"


def test_waivers_match_by_id_whatever_the_analysis():
    other = Finding(id="estimation.something.new", analysis="estimation", severity="fail", title="new analysis")
    reviewed = apply_review(report_of(other), ReviewInput(path=None, review=ReviewFile(waivers=(waive(other.id),))),
                            TODAY)
    assert reviewed.findings[0].status == WAIVED and reviewed.verdict == "pass"


# -- the JSON and the sign-off ----------------------------------------------------------------------------


def test_the_json_has_the_review_block_and_a_status_on_every_finding(tmp_path):
    review = ReviewFile(waivers=(waive(FAIL.id, date(2027, 6, 30)), waive("gone")))
    given = ReviewInput(path=tmp_path / "a.review.toml", review=review, sha256="0" * 64)
    data = apply_review(report_of(FAIL, WARN), given, TODAY).to_dict()
    assert [f["status"] for f in data["findings"]] == [WAIVED, OPEN]
    block = data["review"]
    assert set(block) == {"file", "sha256", "waivers", "signoff", "unmatched"}
    assert block["file"] == str(tmp_path / "a.review.toml") and block["sha256"] == "0" * 64
    assert block["waivers"][0] == {"finding": FAIL.id, "status": "accepted risk", "reason": "known",
                                   "approved_by": "J. R.", "expires": "2027-06-30", "state": WAIVED}
    assert block["unmatched"] == ["gone"] and block["signoff"] is None


def test_a_signoff_of_this_report_id_matches_and_signing_does_not_change_the_id():
    report = apply_review(report_of(FAIL), ReviewInput(path=None), TODAY)
    report_id = results_sha256(report.to_dict())
    signed = sign_off(reviewer="J. R.", decision="approved", report_id=report_id, today=TODAY)
    reviewed = apply_review(report, ReviewInput(path=None, review=ReviewFile(signoff=signed), sha256="f" * 64),
                            TODAY)
    assert reviewed.review.signoff.state == THIS_REPORT
    assert results_sha256(reviewed.to_dict()) == report_id
    other = dataclasses.replace(signed, report_id="0" * 64)
    elsewhere = apply_review(report, ReviewInput(path=None, review=ReviewFile(signoff=other)), TODAY)
    assert elsewhere.review.signoff.state == OTHER_REPORT == "signed off on a different report"
    assert elsewhere.to_dict()["review"]["signoff"]["state"] == OTHER_REPORT


def test_a_waiver_changes_the_report_id():
    plain = apply_review(report_of(FAIL), ReviewInput(path=None), TODAY)
    waived = apply_review(report_of(FAIL), ReviewInput(path=None, review=ReviewFile(waivers=(waive(FAIL.id),))),
                          TODAY)
    assert results_sha256(plain.to_dict()) != results_sha256(waived.to_dict())


def test_the_review_file_is_written_atomically(tmp_path, monkeypatch):
    path = tmp_path / "a.review.toml"
    write_review(path, ReviewFile(waivers=(waive("a"),)))
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken)
    with pytest.raises(OSError):
        write_review(path, ReviewFile(waivers=(waive("b"),)))
    assert path.read_bytes() == before
    assert [p.name for p in Path(tmp_path).iterdir()] == ["a.review.toml"]  # no temporary file left
