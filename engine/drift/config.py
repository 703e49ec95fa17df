"""[drift]: methods, the verdict rule, corrections, chunks and multivariate checks (light: the registry imports
it at start-up; the method names are checked against the stat-test registry only when one is named)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assay.engine.section import Section, at_least, choice, fail, shares, warn_below_fail


@dataclass(frozen=True)
class DriftConfig(Section):
    """[drift]: methods, the per-column verdict rule, corrections, chunks and multivariate checks."""

    numerical_method: str = "auto"  # a registry name, or "auto"
    categorical_method: str = "auto"
    per_column: dict[str, str] = field(default_factory=dict)  # [drift.per_column] column = "method"
    thresholds: dict[str, float] = field(default_factory=dict)  # [drift.thresholds] method = threshold
    alpha: float = 0.05  # significance level of p-value tests, after correction
    correction: Literal["holm", "bonferroni", "bh", "none"] = "holm"
    rule: Literal["both", "p_value", "effect"] = "both"  # what makes a p-value-tested column drifted
    min_effect_numerical: float = 0.025  # KS distance
    min_effect_categorical: float = 0.025  # total variation distance
    psi_bins: int = 10
    psi_smoothing: float = 0.0001
    share_warn: float = 0.1  # share of drifted feature columns
    share_fail: float = 0.3
    chunk_by: Literal["auto", "day", "week", "month", "quarter", "year", "rows"] = "auto"
    chunk_size: int = 5000  # rows per chunk when chunk_by = "rows" (or no timestamp)
    min_chunk_rows: int = 50
    sample_rows: int = 0  # 0: exact statistics on every row; otherwise a seeded sample per dataset
    multivariate: bool = True
    domain_rows: int = 5000  # rows per dataset for the domain classifier
    permutations: int = 1000  # label permutations for the domain classifier's p-value

    def validate(self, section: str) -> None:
        named = (self.numerical_method, self.categorical_method, *self.per_column.values(), *self.thresholds)
        if any(name != "auto" for name in named):
            self._validate_methods(section)
        shares(self, section, ("alpha", "min_effect_numerical", "min_effect_categorical", "share_warn",
                               "share_fail"))
        warn_below_fail(self, section, "share")
        at_least(self, section, {"psi_bins": 2, "chunk_size": 10, "min_chunk_rows": 2, "domain_rows": 100,
                                 "permutations": 0, "sample_rows": 0})
        if not 0 < self.psi_smoothing < 0.1:
            raise fail(section, "psi_smoothing", "use a small positive share such as 0.0001")

    def _validate_methods(self, section: str) -> None:
        from assay.engine.drift.stattests import REGISTRY, method_names  # the registry is the list of valid names

        for key, kind in (("numerical_method", "numerical"), ("categorical_method", "categorical")):
            choice(getattr(self, key), ["auto", *method_names(kind)], section, key, f"{kind} drift method")
        for column, name in self.per_column.items():
            choice(name, ["auto", *method_names()], section, f"per_column.{column}", "drift method")
        for name, value in self.thresholds.items():
            if name not in REGISTRY:
                raise fail(section, f"thresholds.{name}", f"not a drift method; allowed names: "
                                                          f"{', '.join(method_names())}")
            if value < 0:
                raise fail(section, f"thresholds.{name}", "must not be negative")
