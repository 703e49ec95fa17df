"""The data-quality policy: the quality result graded against the [quality] thresholds."""
from __future__ import annotations

from collections.abc import Callable

from assay.engine.findings import grade, worst
from assay.engine.quality.config import QualityConfig
from assay.engine.quality.results import ColumnQuality, QualityResult
from assay.engine.results import Finding


def quality_findings(result: QualityResult, policy: QualityConfig) -> list[Finding]:
    """Turn the quality result into warn/fail findings using the [quality] thresholds."""
    findings: list[Finding] = []

    def add(key: str, severity: str, title: str, detail: str = "", column: str | None = None) -> None:
        if severity != "pass":
            findings.append(Finding(f"quality.{key}", "quality", severity, title, detail, column))

    if result.rows_production and result.missing_in_production:
        names = ", ".join(result.missing_in_production[:10])
        add("schema.missing_columns", "warn", f"{len(result.missing_in_production)} reference column(s) absent "
            f"from production: {names}", "Columns present in the reference but not in production cannot be "
            "compared; check the export of the production data.")
    if result.extra_in_production:
        names = ", ".join(result.extra_in_production[:10])
        add("schema.extra_columns", "warn", f"{len(result.extra_in_production)} production column(s) not in the "
            f"reference: {names}", "New columns are not analysed against the reference.")
    for c in result.columns:
        if c.role in ("id", "ignored"):
            continue
        _column_findings(c, policy, add)
    for label, count, rows in (("reference", result.duplicates_reference, result.rows_reference),
                               ("production", result.duplicates_production, result.rows_production)):
        share = count / rows if rows else 0.0
        add(f"duplicates.{label}", grade(share, policy.duplicates_warn, policy.duplicates_fail),
            f"{count:,} duplicate rows in the {label} data ({share:.1%})",
            "Rows identical in every column; they may be repeated exports and weigh twice in every statistic.")
    return findings


def _column_findings(c: ColumnQuality, policy: QualityConfig, add: Callable[..., None]) -> None:
    name = c.name
    if c.kind_production:
        add(f"kind_change.{name}", "warn", f"{name}: {c.kind} in reference but {c.kind_production} in production",
            "The column's type changed between the datasets; check the production export.", name)
    for label in ("reference", "production"):
        share = getattr(c, f"missing_{label}")
        if share == 1.0:
            add(f"all_missing.{label}.{name}", "fail", f"{name}: entirely missing in the {label} data",
                "Every value is missing; the column cannot be analysed in this dataset.", name)
    ref_missing, prod_missing = c.missing_reference, c.missing_production
    if prod_missing is not None and prod_missing < 1.0:
        increase = prod_missing - (ref_missing or 0.0)
        severity = worst([grade(prod_missing, policy.missing_warn, policy.missing_fail),
                          grade(increase, policy.missing_increase_warn, policy.missing_increase_fail)])
        ref_text = f"reference {ref_missing:.1%}" if ref_missing is not None else "not in reference"
        add(f"missing.{name}", severity, f"{name}: {prod_missing:.1%} missing in production ({ref_text})",
            f"Thresholds: share {policy.missing_warn:.0%}/{policy.missing_fail:.0%}, increase "
            f"{policy.missing_increase_warn:.0%}/{policy.missing_increase_fail:.0%} (warn/fail).", name)
    if c.out_of_range is not None and c.role != "timestamp":  # production is later by design
        add(f"out_of_range.{name}", grade(c.out_of_range, policy.out_of_range_warn, policy.out_of_range_fail),
            f"{name}: {c.out_of_range:.1%} of production values outside the reference range "
            f"[{c.reference_min:.4g}, {c.reference_max:.4g}]", "The model never saw such values in the reference.",
            name)
    if c.unseen_share is not None and c.unseen_categories:
        listed = ", ".join(f"{v!r} ({n:,})" for v, n in c.unseen_categories[:5])
        count = len(c.unseen_categories)
        add(f"unseen.{name}", grade(c.unseen_share, policy.unseen_warn, policy.unseen_fail),
            f"{name}: {count} categor{'y' if count == 1 else 'ies'} unseen in the reference, {c.unseen_share:.1%} of "
            f"production rows", f"Unseen values: {listed}.", name)
    for label in ("reference", "production"):
        if getattr(c, f"constant_{label}") and c.role != "timestamp":  # one period per dataset is normal
            add(f"constant.{label}.{name}", "warn", f"{name}: constant in the {label} data",
                "A column with a single value carries no information.", name)
        infinite = getattr(c, f"infinite_{label}")
        if infinite:
            add(f"infinite.{label}.{name}", "warn", f"{name}: {infinite:,} infinite values in the {label} data",
                "Infinities are excluded from ranges and statistics; check how the column is computed.", name)
    if c.mixed_types:
        add(f"mixed_types.{name}", "warn", f"{name}: numbers mixed with text; treated as categorical",
            "Most values are numbers but some are not. Clean the column, or list it in [columns] categorical "
            "to silence this.", name)
