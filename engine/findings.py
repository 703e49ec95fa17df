"""Policy helpers: grade a value against warn/fail thresholds, and the overall verdict."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assay.engine.review.waivers import counts_for_verdict

if TYPE_CHECKING:
    from assay.engine.results import Finding

# Least to most severe. Defined here, not in engine/results.py (which re-exports it), so that the app's pages can
# count findings without loading pandas before the window's first paint (tests/app/test_startup.py).
SEVERITIES = ("pass", "warn", "fail")


def grade(value: float | None, warn: float, fail: float) -> str:
    """'fail' at or above `fail`, 'warn' at or above `warn` (when above zero), else 'pass'."""
    if value is None or value != value:
        return "pass"
    if value >= fail and value > 0:
        return "fail"
    if value >= warn and value > 0:
        return "warn"
    return "pass"


def worst(severities: Iterable[str]) -> str:
    return max(severities, key=SEVERITIES.index, default="pass")


def verdict(findings: Iterable[Finding]) -> str:
    """The audit's verdict: the most severe finding; 'pass' when there is none."""
    return worst(f.severity for f in findings)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Most severe first; then by analysis and id, so the order is stable."""
    return tuple(sorted(findings, key=lambda f: (-SEVERITIES.index(f.severity), f.analysis, f.id)))


@dataclass(frozen=True)
class FindingCounts:
    """Findings counted as the verdict counts them: failed, warnings and notes not waived by the reviewer
    (an expired waiver counts again); the waived ones, whatever their severity, apart."""

    failed: int
    warnings: int
    notes: int
    waived: int


def count_findings(findings: Iterable[Finding]) -> FindingCounts:
    return count_graded((f.severity, f.status) for f in findings)


def counts_text(counts: FindingCounts) -> str:
    """'2 failed, 1 warnings, 1 waived': the waived part only when the reviewer waived something."""
    return (f"{counts.failed} failed, {counts.warnings} warning{'s' if counts.warnings != 1 else ''}"
            + (f", {counts.waived} waived" if counts.waived else ""))


def count_graded(graded: Iterable[tuple[str, str]]) -> FindingCounts:
    """`graded`: (severity, status) pairs — of Finding records, or of a JSON report's findings."""
    counts = {"fail": 0, "warn": 0, "pass": 0, "waived": 0}
    for severity, status in graded:
        counts[severity if counts_for_verdict(status) else "waived"] += 1
    return FindingCounts(failed=counts["fail"], warnings=counts["warn"], notes=counts["pass"],
                         waived=counts["waived"])
