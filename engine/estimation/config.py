"""[estimation]: performance estimated without labels (light: the registry imports it at start-up)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assay.engine.section import Section, at_least


@dataclass(frozen=True)
class EstimationConfig(Section):
    """[estimation]: when to estimate performance from the model's own confidence, and how.

    mode "auto" runs when a production chunk has no labels and the model gives scores (or predicts a number);
    "always" also runs when every chunk has labels (the backtest); "off" never runs. method "auto": `cbpe` for
    classification, with the `cbpe_weighted` estimate beside it when a domain classifier tells production from
    the reference (and a warning when the two disagree), `dle` for regression; `cbpe_weighted` makes the
    weighted estimate the headline and keeps the plain one beside it. The policy is [performance]'s (max_drop, minimum); the intervals
    use its confidence and chunks."""

    mode: Literal["auto", "always", "off"] = "auto"
    method: Literal["auto", "cbpe", "cbpe_weighted", "dle"] = "auto"
    resamples: int = 200  # bootstrap resamples of the reference (refitting the calibration) and production

    def validate(self, section: str) -> None:
        at_least(self, section, {"resamples": 20})
