"""Findings counted as the verdict counts them: a waived finding is neither failed nor a warning but waived; one
whose waiver expired counts again."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assay.engine.findings import count_findings, count_graded, counts_text
from assay.engine.results import Finding

SEVERITY = st.sampled_from(["fail", "warn", "pass"])
STATUS = st.sampled_from(["open", "waived", "waiver expired"])


def finding(i: int, severity: str, status: str) -> Finding:
    return Finding(id=f"quality.missing.c{i}", analysis="quality", severity=severity, title=f"c{i}", detail="",
                   status=status)


def test_a_hand_counted_table():
    findings = [finding(0, "fail", "open"), finding(1, "fail", "waived"), finding(2, "fail", "waiver expired"),
                finding(3, "warn", "waived"), finding(4, "warn", "open"), finding(5, "pass", "open")]
    counts = count_findings(findings)
    assert (counts.failed, counts.warnings, counts.notes, counts.waived) == (2, 1, 1, 2)
    assert counts_text(counts) == "2 failed, 1 warning, 2 waived"
    assert counts_text(count_findings(findings[:1])) == "1 failed, 0 warnings"  # nothing waived: not mentioned


@given(st.lists(st.tuples(SEVERITY, STATUS), max_size=30))
def test_every_finding_is_counted_once_and_the_json_pairs_count_alike(graded):
    counts = count_findings([finding(i, s, t) for i, (s, t) in enumerate(graded)])
    assert counts.failed + counts.warnings + counts.notes + counts.waived == len(graded)
    assert counts.waived == sum(t == "waived" for _, t in graded)
    assert counts.failed == sum(s == "fail" and t != "waived" for s, t in graded)
    assert count_graded(graded) == counts
