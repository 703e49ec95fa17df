"""Table model for the Data quality page: one row per column of the data, as the engine measured it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assay.app.models.findings import SEVERITY_ORDER
from assay.app.models.table import Column, RecordTableModel
from assay.app.theme import severity_colour


@dataclass(frozen=True)
class QualityRow:
    """A ColumnQuality with the quality findings about that column (worst first)."""

    quality: Any  # engine.quality.results.ColumnQuality
    findings: tuple[Any, ...] = ()

    @property
    def name(self) -> str:
        return self.quality.name

    @property
    def severity(self) -> str | None:
        return self.findings[0].severity if self.findings else None


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    if 0 < value < 0.001:
        return "<0.1%"
    return f"{value:.1%}"


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _kind(c: Any) -> str:
    return f"{c.kind} → {c.kind_production}" if c.kind_production else c.kind


def _constant(c: Any) -> str:
    return {(True, True): "both", (True, False): "reference", (False, True): "production"}.get(
        (bool(c.constant_reference), bool(c.constant_production)), "")


def _infinite(c: Any) -> int:
    return int(c.infinite_reference or 0) + int(c.infinite_production or 0)


def _infinite_tip(row: QualityRow) -> str | None:
    c = row.quality
    if not _infinite(c):
        return None
    return f"Infinite values: {c.infinite_reference:,} in reference, {c.infinite_production:,} in production"


def _unseen_tip(row: QualityRow) -> str | None:
    values = row.quality.unseen_categories
    if not values:
        return None
    lines = [f"{value!r}: {n:,} rows" for value, n in values]
    return "Categories never seen in the reference (most frequent first):\n" + "\n".join(lines)


def _range_tip(row: QualityRow) -> str | None:
    c = row.quality
    if c.reference_min is None:
        return None
    return f"Reference range [{c.reference_min:.6g}, {c.reference_max:.6g}]"


def _name_tip(row: QualityRow) -> str | None:
    if not row.findings:
        return None
    return "\n".join(f"{f.severity.upper()}: {f.title}" for f in row.findings)


def _status_colour(row: QualityRow):
    return severity_colour(row.severity) if row.severity else None


class ColumnQualityModel(RecordTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__([
            Column("Column", lambda r: r.name, tooltip=_name_tip),
            Column("Status", lambda r: SEVERITY_ORDER.get(r.severity, 3) if r.severity else None,
                   text=lambda rank: {0: "fail", 1: "warn"}.get(rank, ""), colour=_status_colour,
                   tooltip=_name_tip, header_tip="The most severe quality finding about the column"),
            Column("Kind", lambda r: _kind(r.quality),
                   header_tip="Column kind in the reference (→ kind in production when it differs)"),
            Column("Role", lambda r: r.quality.role),
            Column("Missing\nref", lambda r: r.quality.missing_reference, percent, numeric=True,
                   header_tip="Share of reference rows with no value"),
            Column("Missing\nprod", lambda r: r.quality.missing_production, percent, numeric=True,
                   header_tip="Share of production rows with no value"),
            Column("Out of\nrange", lambda r: r.quality.out_of_range, percent, numeric=True, tooltip=_range_tip,
                   header_tip="Share of production values outside the reference's [min, max] (numerical columns)"),
            Column("Unseen\ncategories", lambda r: len(r.quality.unseen_categories) if r.quality.unseen_share is not None
                   else None, count, numeric=True, tooltip=_unseen_tip,
                   header_tip="Number of production categories the reference never had (up to 20 are listed)"),
            Column("Unseen\nshare", lambda r: r.quality.unseen_share, percent, numeric=True, tooltip=_unseen_tip,
                   header_tip="Share of production rows whose category the reference never had"),
            Column("Distinct\nref", lambda r: r.quality.distinct_reference, count, numeric=True,
                   header_tip="Distinct values in the reference"),
            Column("Distinct\nprod", lambda r: r.quality.distinct_production, count, numeric=True,
                   header_tip="Distinct values in production"),
            Column("Constant", lambda r: _constant(r.quality) or None, blank_or_text,
                   header_tip="A single value in the reference, production or both"),
            Column("Infinite", lambda r: _infinite(r.quality) or None, lambda v: count(v) if v else "",
                   numeric=True, tooltip=_infinite_tip, header_tip="Infinite values (reference + production)"),
        ], parent)

    def set_result(self, quality: Any, findings: Sequence[Any]) -> None:
        """Rows for `quality.columns`, each with the findings that name its column."""
        by_column: dict[str, list[Any]] = {}
        for finding in findings:
            if finding.column is not None:
                by_column.setdefault(finding.column, []).append(finding)
        rows = []
        for column in quality.columns:
            found = sorted(by_column.get(column.name, []), key=lambda f: SEVERITY_ORDER.get(f.severity, 3))
            rows.append(QualityRow(column, tuple(found)))
        self.set_records(rows)

    def row_of(self, name: str) -> int | None:
        return next((i for i, r in enumerate(self.records()) if r.name == name), None)


def blank_or_text(value: Any) -> str:
    return "" if value is None else str(value)
