"""Tamper evidence: the SHA-256 a JSON report carries of its own content, defined so that any tool can recompute it.

Canonical JSON of a report (a dict, as `AuditReport.to_dict()` makes it or `json.load` reads it back):

    json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    encoded as UTF-8, where data is the report without its "integrity" key

(NaN and infinities never reach it: the JSON writes them as null.) Two digests of it:

- `results_sha256`, also called the report id: the canonical JSON without the three timing fields
  provenance.started_at, provenance.finished_at and provenance.duration_s. It covers the findings, the verdict,
  every analysis, the schema, the configuration, the versions and the input files' SHA-256; the same audit of
  the same files gives the same value whenever it runs, so the PDF (which prints it on every page) stays
  byte-identical under SOURCE_DATE_EPOCH.
- `document_sha256`: the canonical JSON with the timing fields, i.e. every key but "integrity".

The report's "integrity" block records both with this definition, and `assay verify` recomputes them with the
definition below (never the one a file claims, which a tamperer could have edited too). A SHA-256 is evidence,
not a signature: whoever can edit the file can also recompute the hash; what it shows is that the JSON, the PDF
that prints the same id and the input files still belong together.
"""
from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

ALGORITHM = "sha256"
INTEGRITY_KEY = "integrity"
TIMING_FIELDS = ("started_at", "finished_at", "duration_s")
CANONICAL = ('json.dumps(report without "integrity", sort_keys=True, separators=(",", ":"), ensure_ascii=False, '
             'allow_nan=False) encoded as UTF-8')
NESTED_TIMING_FIELDS = (("compute", "seconds"),)  # provenance.compute.seconds: a run time too
RESULTS_EXCLUDES = ((INTEGRITY_KEY,) + tuple(f"provenance.{name}" for name in TIMING_FIELDS)
                    + tuple(f"provenance.{section}.{name}" for section, name in NESTED_TIMING_FIELDS))
DOCUMENT_EXCLUDES = (INTEGRITY_KEY,)


def canonical_json(report: dict[str, Any], *, timing: bool = False) -> bytes:
    """The bytes that are hashed: without "integrity", and without the timing fields unless `timing`."""
    data = {key: value for key, value in report.items() if key != INTEGRITY_KEY}
    if not timing and isinstance(data.get("provenance"), dict):
        data["provenance"] = {k: v for k, v in data["provenance"].items() if k not in TIMING_FIELDS}
        for section, name in NESTED_TIMING_FIELDS:
            if isinstance(data["provenance"].get(section), dict):
                data["provenance"][section] = {k: v for k, v in data["provenance"][section].items() if k != name}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def results_sha256(report: dict[str, Any]) -> str:
    """The report id: SHA-256 of the canonical JSON without the timing fields."""
    return hashlib.sha256(canonical_json(report)).hexdigest()


def document_sha256(report: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of every key but "integrity"."""
    return hashlib.sha256(canonical_json(report, timing=True)).hexdigest()


def integrity_block(report: dict[str, Any]) -> dict[str, Any]:
    """The "integrity" entry of a JSON report: what is hashed, how, and the two digests."""
    covers = sorted(key for key in report if key != INTEGRITY_KEY)
    return {
        "algorithm": ALGORITHM,
        "canonical": CANONICAL,
        "covers": covers,
        "results_excludes": list(RESULTS_EXCLUDES),
        "results_sha256": results_sha256(report),
        "document_excludes": list(DOCUMENT_EXCLUDES),
        "document_sha256": document_sha256(report),
    }


def with_integrity(report: dict[str, Any]) -> dict[str, Any]:
    """The report with its "integrity" block last (a copy; `report` is not changed)."""
    out = copy.copy(report)
    out.pop(INTEGRITY_KEY, None)
    out[INTEGRITY_KEY] = integrity_block(out)
    return out
