"""[fairness]: groups, the reference group, small groups, intervals and the policy (light: the registry imports
it at start-up)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assay.engine.section import Section, at_least, confidence, fail, not_negative, shares


@dataclass(frozen=True)
class FairnessConfig(Section):
    """[fairness]: groups, the reference group, small groups, intervals and the policy."""

    intersections: tuple[tuple[str, ...], ...] = ()  # e.g. [["sex", "age_band"]]
    bands: dict[str, tuple[float, ...]] = field(default_factory=dict)  # edges for numeric sensitive columns
    reference_groups: dict[str, str] = field(default_factory=dict)  # column = group; default: the largest
    min_group_size: int = 30
    max_demographic_parity_difference: float = 0.1
    min_disparate_impact_ratio: float = 0.8
    max_equalized_odds_difference: float = 0.1
    bootstrap_resamples: int = 1000
    confidence: float = 0.95
    correction: Literal["holm", "bonferroni", "bh", "none"] = "holm"
    alpha: float = 0.05
    proxy_threshold: float = 0.3  # association strength (Cramér's V / correlation ratio) listed as a proxy

    def validate(self, section: str) -> None:
        shares(self, section, ("max_demographic_parity_difference", "min_disparate_impact_ratio",
                               "max_equalized_odds_difference", "alpha", "proxy_threshold"))
        confidence(self.confidence, section)
        at_least(self, section, {"min_group_size": 1})
        not_negative(self.bootstrap_resamples, section, "bootstrap_resamples", " (0 turns intervals off)")
        for group in self.intersections:
            if len(group) < 2:
                raise fail(section, "intersections", f"each intersection lists two or more columns, got "
                                                     f"{list(group)}")
        for column, edges in self.bands.items():
            if list(edges) != sorted(set(edges)) or not edges:
                raise fail(section, f"bands.{column}", f"edges must be increasing numbers, got {list(edges)}")
