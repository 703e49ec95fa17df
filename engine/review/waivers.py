"""Waivers matched to findings by finding id, whatever the analysis: each finding's status ("open", "waived",
"waiver expired"), the verdict once waived findings no longer count, and the waivers that name no finding of the
report (warnings: a finding id changed, or the finding is gone)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from assay.engine.review.file import ReviewFile, Waiver

OPEN, WAIVED, EXPIRED = "open", "waived", "waiver expired"
FINDING_STATUSES = (OPEN, WAIVED, EXPIRED)


@dataclass(frozen=True)
class WaiverState:
    """A waiver as the report shows it: the waiver, what it did (`state`: one of FINDING_STATUSES, or "unmatched"
    when no finding of this report has its id) and the severity of the finding it names."""

    waiver: Waiver
    state: str
    severity: str | None = None


def is_expired(waiver: Waiver, today: date) -> bool:
    """A waiver holds through its `expires` day and has expired the day after."""
    return waiver.expires is not None and waiver.expires < today


def finding_status(waiver: Waiver | None, today: date) -> str:
    if waiver is None:
        return OPEN
    return EXPIRED if is_expired(waiver, today) else WAIVED


def match_waivers(findings: Iterable[tuple[str, str]], review: ReviewFile, today: date
                  ) -> tuple[dict[str, str], tuple[WaiverState, ...]]:
    """`findings` as (id, severity) pairs -> each finding id's status, and every waiver's state in file order."""
    severities = dict(findings)
    statuses = {fid: finding_status(review.waiver_for(fid), today) for fid in severities}
    states = tuple(WaiverState(waiver=w, state=statuses[w.finding], severity=severities[w.finding])
                   if w.finding in severities else WaiverState(waiver=w, state="unmatched")
                   for w in review.waivers)
    return statuses, states


def counts_for_verdict(status: str) -> bool:
    """A waived finding no longer counts towards the verdict; an open one or one whose waiver expired does."""
    return status != WAIVED
