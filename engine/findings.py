"""Policy helpers: grade a value against warn/fail thresholds, and the overall verdict."""
from __future__ import annotations

from collections.abc import Iterable

from assay.engine.results import SEVERITIES, Finding


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
