"""The report id: a fingerprint of the audit's JSON results, printed in every page's footer.

    report id = the JSON's integrity.results_sha256 = SHA-256 (hex) of the canonical JSON of
                AuditReport.to_dict() without its "integrity" block and without the three timing fields
                provenance.started_at, provenance.finished_at and provenance.duration_s, nor the review file's
                SHA-256 and sign-off (review.sha256, review.signoff: a sign-off names the id it signs)

Canonical JSON (engine/integrity.py defines it): keys sorted, no whitespace (separators "," and ":"),
non-ASCII characters as themselves, UTF-8 encoded. The same results give the same id whenever and however long
they took to compute; any other change (a number, an input's SHA-256, a version, a configuration key) changes
it. Anyone can recompute it from the JSON file (`assay audit ... --json OUT`) with `report_id(json.load(f))`,
or check it with `assay verify OUT`. The footer shows the first 16 hex digits; the cover and the scope section
print all 64.
"""
from __future__ import annotations

from typing import Any

from assay.engine.integrity import TIMING_FIELDS, canonical_json, results_sha256

SHORT = 16
KEPT = "_report_id"  # the attribute an AuditReport keeps its id in
__all__ = ["SHORT", "TIMING_FIELDS", "canonical_results", "report_id"]


def canonical_results(results: dict[str, Any]) -> bytes:
    return canonical_json(results)


def report_id(report_or_results: Any) -> str:
    """The id of an AuditReport, or of its JSON form (a dict, as read back from the JSON file).

    An AuditReport is frozen, so its id is computed once and kept on it: the app computes it in the audit's worker
    thread, and the Report page and the PDF read it back."""
    if isinstance(report_or_results, dict):
        return results_sha256(report_or_results)
    kept = getattr(report_or_results, "__dict__", {}).get(KEPT)
    if kept is None:
        kept = report_or_results.to_dict()["integrity"]["results_sha256"]  # to_dict hashes it (engine/integrity.py)
        try:
            object.__setattr__(report_or_results, KEPT, kept)
        except (AttributeError, TypeError):  # an object without a __dict__: nothing kept
            pass
    return kept
