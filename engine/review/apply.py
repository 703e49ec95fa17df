"""The review applied to a report: each finding's status, the verdict that honours waivers, and the report's
`review` block {file, sha256, waivers, signoff, unmatched}. The pipeline applies the review file at the end of
every audit; the app applies it again, without re-running the audit, each time the reviewer changes it."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.engine.findings import worst
from assay.engine.review.file import ReviewFile, default_review_path, file_sha256, load_review
from assay.engine.review.signoff import SignoffState, check_signoff
from assay.engine.review.waivers import WaiverState, counts_for_verdict, match_waivers

if TYPE_CHECKING:
    from assay.engine.config import AuditConfig
    from assay.engine.results import AuditReport


@dataclass(frozen=True)
class ReviewInput:
    """A review file as read: where it is (None: the audit has no file of its own), what it says, its SHA-256
    (None: there is no such file yet) and, when it could not be used, why (the audit then runs without it)."""

    path: Path | None
    review: ReviewFile = ReviewFile()
    sha256: str | None = None
    error: str = ""


@dataclass(frozen=True)
class ReviewResult:
    """The report's `review` block."""

    file: str | None
    sha256: str | None
    waivers: tuple[WaiverState, ...] = ()
    signoff: SignoffState | None = None
    error: str = ""

    @property
    def unmatched(self) -> tuple[WaiverState, ...]:
        return tuple(w for w in self.waivers if w.state == "unmatched")

    def waiver_for(self, finding: str) -> WaiverState | None:
        return next((w for w in self.waivers if w.waiver.finding == finding), None)

    def to_json(self) -> dict[str, Any]:
        def waiver(state: WaiverState) -> dict[str, Any]:
            w = state.waiver
            return {"finding": w.finding, "status": w.status, "reason": w.reason, "approved_by": w.approved_by,
                    "expires": w.expires.isoformat() if w.expires else None, "state": state.state}

        signoff = None
        if self.signoff is not None:
            s = self.signoff.signoff
            signoff = {"reviewer": s.reviewer, "role": s.role, "decision": s.decision,
                       "date": s.date.isoformat() if s.date else None, "report_id": s.report_id,
                       "comment": s.comment, "state": self.signoff.state}
        out = {"file": self.file, "sha256": self.sha256, "waivers": [waiver(w) for w in self.waivers],
               "signoff": signoff, "unmatched": [w.waiver.finding for w in self.unmatched]}
        if self.error:
            out["error"] = self.error
        return out


def review_path(config: AuditConfig) -> Path | None:
    """`[review] file`, else `<audit stem>.review.toml` beside the audit file; None for an audit with no file."""
    if config.review.file is not None:
        return config.review.file
    return default_review_path(config.source) if config.source is not None else None


def read_review(config: AuditConfig) -> ReviewInput:
    """The audit's review file, or ConfigError naming the file and the key (the CLI's exit 2)."""
    path = review_path(config)
    if path is None:
        return ReviewInput(path=None)
    review = load_review(path)
    return ReviewInput(path=path, review=review, sha256=file_sha256(path) if path.is_file() else None)


def apply_review(report: AuditReport, given: ReviewInput, today: date | None = None) -> AuditReport:
    """The report with every finding's status, the verdict without the waived findings, and its review block."""
    today = today or date.today()
    statuses, states = match_waivers(((f.id, f.severity) for f in report.findings), given.review, today)
    findings = tuple(dataclasses.replace(f, status=statuses[f.id]) for f in report.findings)
    result = ReviewResult(file=str(given.path) if given.path is not None else None, sha256=given.sha256,
                          waivers=states, error=given.error)
    reviewed = dataclasses.replace(
        report, findings=findings, review=result,
        verdict=worst(f.severity for f in findings if counts_for_verdict(f.status)))
    if given.review.signoff is None:
        return reviewed
    report_id = reviewed.to_dict()["integrity"]["results_sha256"]  # the id leaves the sign-off out
    signoff = check_signoff(given.review.signoff, report_id)
    return dataclasses.replace(reviewed, review=dataclasses.replace(result, signoff=signoff))
