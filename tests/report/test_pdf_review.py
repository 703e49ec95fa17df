"""The review in the PDF: the findings tables show each waiver's status, reason, approver and expiry; the sign-off
page carries the reviewer's decision, and says so when it was given on a different report."""
from __future__ import annotations

from datetime import date

import pytest

from assay.engine.review.apply import ReviewInput, apply_review
from assay.engine.review.file import ReviewFile, Waiver
from assay.engine.review.signoff import sign_off
from tests.report.conftest import audit, build
from assay.engine.findings import count_findings
from assay.engine.report.sections.common import title_of
from assay.engine.report.sections.summary import GROUPS
from tests.report.pdf_tools import flat, pages_text, text
from tests.report.test_pdf_consistency import row

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def data_only_report(data_only_audit):
    return audit(data_only_audit)


def reviewed_pdf(report, folder, signed_id: str | None):
    first, second = report.findings[0], report.findings[1]
    review = ReviewFile(waivers=(
        Waiver(finding=first.id, status="accepted risk", reason="Known gap in the feed, ticket MRM-142.",
               approved_by="J. Reviewer", expires=date(2027, 6, 30)),
        Waiver(finding=second.id, status="remediation planned", reason="Fix in the next release.",
               approved_by="K. Lead", expires=date(2026, 1, 31))))
    reviewed = apply_review(report, ReviewInput(path=folder / "audit.review.toml", review=review), TODAY)
    report_id = signed_id or reviewed.to_dict()["integrity"]["results_sha256"]
    signoff = sign_off(reviewer="J. Reviewer", role="Model validation", decision="approved with conditions",
                       report_id=report_id, comment="Retrain next quarter.", today=TODAY)
    signed = apply_review(report, ReviewInput(path=folder / "audit.review.toml", review=review.with_signoff(signoff)),
                          TODAY)
    return signed, pages_text(build(signed, folder / "reviewed.pdf"))


def test_waivers_and_the_decision_are_in_the_pdf(data_only_report, tmp_path):
    report, pages = reviewed_pdf(data_only_report, tmp_path, None)
    first, second = report.findings[0], report.findings[1]
    assert (first.status, second.status) == ("waived", "waiver expired")
    summary = flat(next(p for p in pages if "Executive summary" in p and "Contents" not in p))
    assert "Waived (accepted risk): Known gap in the feed, ticket MRM-142; approved by J. Reviewer; expires " \
           "2027-06-30" in summary
    assert "Waiver expired (remediation planned): Fix in the next release; approved by K. Lead; expired " \
           "2026-01-31" in summary
    assert "1 waived by the reviewer" in summary
    # the Analyses table: the waived finding in its own column, not among the failed or the warnings
    lines = [flat(line) for line in text(tmp_path / "reviewed.pdf", layout=True).splitlines()]
    found = count_findings(report.findings_for(first.analysis))
    assert found.waived >= 1
    row(lines, title_of(first.analysis), "ran", str(found.failed), str(found.warnings), str(found.waived))
    group = [f for f in report.findings if f.severity == first.severity]  # its group's heading counts it apart
    heading = dict(GROUPS)[first.severity]
    assert f"{heading} ({sum(f.status != 'waived' for f in group)}, 1 waived)" in summary
    last = flat(pages[-1])
    assert "The reviewer's decision" in last and "approved with conditions" in last
    assert "J. Reviewer, Model validation" in last and "Retrain next quarter." in last
    assert "this report" in last and "a different report" not in last


def test_a_signoff_of_another_report_says_so(data_only_report, tmp_path):
    _, pages = reviewed_pdf(data_only_report, tmp_path, "0" * 64)
    last = flat(pages[-1])
    assert "a different report" in last and "0" * 64 in last.replace(" ", "")


def test_changes_since_the_previous_audit_and_the_documentation_map(data_only_report, tmp_path, monkeypatch):
    import copy
    import dataclasses

    from assay.engine.report import topics
    from assay.engine.review.diff import diff_reports

    new = data_only_report.to_dict()
    old = copy.deepcopy(new)
    old["findings"].append({"id": "quality.missing.gone", "analysis": "quality", "severity": "fail",
                            "title": "gone: 50% missing", "detail": "", "column": "gone", "status": "open"})
    old["provenance"]["config"]["audit"]["seed"] = 3
    changed = dataclasses.replace(data_only_report, changes=diff_reports(old, new))
    monkeypatch.setitem(topics.SECTION_TOPICS, "quality", ("outcomes",))  # the map reads the table
    pages = pages_text(build(changed, tmp_path / "changes.pdf"))
    changes = flat(next(p for p in pages if "Changes since the previous audit" in p and "Contents" not in p))
    assert "resolved" in changes and "gone: 50% missing" in changes and "audit.seed" in changes
    docmap = flat(next(p for p in pages if "Documentation map" in p and "Contents" not in p))
    assert "not legal advice" in docmap
    assert "Data quality Outcomes analysis —" in docmap  # from the patched row: SR 11-7 only, no EU topic
    assert "Changes since the previous audit Ongoing monitoring" in docmap
    for topic in topics.TOPICS:
        assert topic.name in docmap and topic.reference in docmap


def test_every_section_of_the_report_has_a_row_in_the_documentation_map():
    """A new analysis (or section) cannot be forgotten: its row says where a reviewer files it."""
    from assay.engine.report.sections import sections
    from assay.engine.report.topics import NOT_FILED, SECTION_TOPICS, TOPICS

    keys = [s.key for s in sections() if s.key not in NOT_FILED]
    assert {"estimation", "comparison"} <= set(keys)
    assert [k for k in keys if not SECTION_TOPICS.get(k)] == []
    known = {t.key for t in TOPICS}
    assert {k: v for k, v in SECTION_TOPICS.items() if not set(v) <= known} == {}
    assert set(SECTION_TOPICS) <= set(keys)  # no row for a section the report does not have
