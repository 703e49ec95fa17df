"""[quality]: the data-quality thresholds (light: the registry imports it at start-up)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from assay.engine.section import Section, shares, warn_below_fail

STEMS = ("missing", "missing_increase", "out_of_range", "unseen", "duplicates")


@dataclass(frozen=True)
class QualityConfig(Section):
    """[quality]: warn/fail thresholds for data-quality findings (shares between 0 and 1)."""

    missing_warn: float = 0.05
    missing_fail: float = 0.30
    missing_increase_warn: float = 0.05
    missing_increase_fail: float = 0.20
    out_of_range_warn: float = 0.05
    out_of_range_fail: float = 0.20
    unseen_warn: float = 0.01
    unseen_fail: float = 0.10
    duplicates_warn: float = 0.01
    duplicates_fail: float = 0.10

    def validate(self, section: str) -> None:
        shares(self, section, (f.name for f in dataclasses.fields(self)),
               "{value} is not a share; use a number between 0 and 1")
        for stem in STEMS:
            warn_below_fail(self, section, stem)
