"""The report id: a fingerprint of the audit's JSON results, printed in every page's footer.

    report id = SHA-256 (hex) of the canonical JSON of AuditReport.to_dict() without the three
                timing fields provenance.started_at, provenance.finished_at and provenance.duration_s

Canonical JSON: keys sorted, no whitespace (separators "," and ":"), non-ASCII characters as
themselves, UTF-8 encoded. The same results give the same id whenever and however long they took to
compute; any other change (a number, an input's SHA-256, a version, a configuration key) changes it.
Anyone can recompute it from the JSON file (`assay audit ... --json OUT`) with `report_id(json.load(f))`.
The footer shows the first 16 hex digits; the scope section prints all 64.
"""
from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

TIMING_FIELDS = ("started_at", "finished_at", "duration_s")
SHORT = 16


def canonical_results(results: dict[str, Any]) -> bytes:
    data = copy.deepcopy(results)
    provenance = data.get("provenance") or {}
    for name in TIMING_FIELDS:
        provenance.pop(name, None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def report_id(report_or_results: Any) -> str:
    """The id of an AuditReport, or of its JSON form (a dict, as read back from the JSON file)."""
    results = report_or_results if isinstance(report_or_results, dict) else report_or_results.to_dict()
    return hashlib.sha256(canonical_results(results)).hexdigest()
