"""The reviewer's sign-off checked against the report: it names the report id the reviewer read, and a report
with another id was not the one signed off."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from assay.engine.review.file import Signoff

THIS_REPORT = "signed off on this report"
OTHER_REPORT = "signed off on a different report"


@dataclass(frozen=True)
class SignoffState:
    signoff: Signoff
    state: str  # THIS_REPORT or OTHER_REPORT

    @property
    def current(self) -> bool:
        return self.state == THIS_REPORT


def check_signoff(signoff: Signoff, report_id: str) -> SignoffState:
    matches = bool(signoff.report_id) and signoff.report_id.lower() == report_id.lower()
    return SignoffState(signoff=signoff, state=THIS_REPORT if matches else OTHER_REPORT)


def sign_off(*, reviewer: str, decision: str, report_id: str, role: str = "", comment: str = "",
             today: date | None = None) -> Signoff:
    """A sign-off of the report `report_id`, dated today."""
    return Signoff(reviewer=reviewer, decision=decision, role=role, date=today or date.today(),
                   report_id=report_id, comment=comment)
