"""The data-quality result: per column, then the whole tables (frozen dataclasses, no plotting)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ColumnQuality:
    name: str
    kind: str
    role: str
    kind_production: str | None = None  # only when it differs from the reference kind
    missing_reference: float | None = None  # share of rows; None if the column is absent
    missing_production: float | None = None
    infinite_reference: int = 0
    infinite_production: int = 0
    reference_min: float | None = None
    reference_max: float | None = None
    out_of_range: float | None = None  # share of production values outside [reference_min, reference_max]
    distinct_reference: int | None = None
    distinct_production: int | None = None
    unseen_share: float | None = None  # share of production rows whose category the reference never had
    unseen_categories: tuple[tuple[str, int], ...] = ()  # (value, production count), most frequent first
    constant_reference: bool = False
    constant_production: bool = False
    mixed_types: bool = False


@dataclass(frozen=True)
class QualityResult:
    rows_reference: int
    rows_production: int
    columns: tuple[ColumnQuality, ...]
    missing_in_production: tuple[str, ...] = ()
    extra_in_production: tuple[str, ...] = ()
    duplicates_reference: int = 0
    duplicates_production: int = 0

    def column(self, name: str) -> ColumnQuality:
        return next(c for c in self.columns if c.name == name)
