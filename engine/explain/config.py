"""[explain]: the SHAP explainer, sample sizes and the attribution-drift test (light: the registry imports it at
start-up)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assay.engine.section import Section, at_least, confidence


@dataclass(frozen=True)
class ExplainConfig(Section):
    """[explain]: SHAP explainer, sample sizes, and the attribution-drift test."""

    method: Literal["auto", "tree", "linear", "permutation", "none"] = "auto"
    background_rows: int = 200  # reference rows the explainer integrates over (linear, permutation)
    rows: int = 1000  # rows explained per dataset (a seeded sample)
    chunk_rows: int = 250  # rows per step: progress and cancel between steps
    bootstrap_resamples: int = 500
    confidence: float = 0.95
    permutation_repeats: int = 5  # scikit-learn permutation importance, the cross-check
    top_columns: int = 3  # a finding when the set of the top columns changes

    def validate(self, section: str) -> None:
        at_least(self, section, {"background_rows": 10, "rows": 10, "chunk_rows": 10, "bootstrap_resamples": 0,
                                 "permutation_repeats": 1, "top_columns": 1})
        confidence(self.confidence, section)
