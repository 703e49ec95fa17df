"""Fairness policy: findings from the production disparities and the [fairness] thresholds."""
from __future__ import annotations

from assay.engine.config import FairnessConfig
from assay.engine.fairness.results import Estimate, FairnessResult
from assay.engine.results import Finding

NAMES = {"demographic_parity_difference": "demographic parity difference",
         "disparate_impact_ratio": "disparate impact ratio", "equalized_odds_difference": "equalized odds difference"}


def fairness_findings(result: FairnessResult, config: FairnessConfig) -> list[Finding]:
    findings = []
    rules = (("demographic_parity_difference", config.max_demographic_parity_difference, "max"),
             ("disparate_impact_ratio", config.min_disparate_impact_ratio, "min"),
             ("equalized_odds_difference", config.max_equalized_odds_difference, "max"))
    for attribute, fairness in result.production.items():
        for name, limit, kind in rules:
            estimate = fairness.disparities.get(name)
            if estimate is None or estimate.value is None:
                continue
            broken = estimate.value > limit if kind == "max" else estimate.value < limit
            if broken:
                findings.append(Finding(
                    f"fairness.{name}.{attribute}", "fairness", "fail",
                    f"{attribute}: {NAMES[name]} {estimate.value:.3f} {'above' if kind == 'max' else 'below'} the "
                    f"policy's {limit:g}", _detail(estimate, fairness.reference_group), attribute))
    grown: dict[str, list[str]] = {}
    for change in result.changes:
        if change.grew:
            grown.setdefault(change.attribute, []).append(
                f"{change.disparity.replace('_', ' ')} {change.reference:.3f} → {change.production:.3f}")
    for attribute, changes in grown.items():
        findings.append(Finding(
            f"fairness.grew.{attribute}", "fairness", "warn",
            f"{attribute}: {len(changes)} disparit{'y' if len(changes) == 1 else 'ies'} grew since the reference",
            "; ".join(changes) + ". Each production interval excludes the reference value.", attribute))
    for column in result.sensitive_inputs:
        findings.append(Finding(f"fairness.sensitive_input.{column}", "fairness", "warn",
                                f"{column}: a sensitive column is a model input",
                                "The model uses the attribute directly; check that this is lawful and intended.",
                                column))
    return findings


def _detail(estimate: Estimate, reference_group: str | None) -> str:
    parts = []
    if estimate.ci_low is not None:
        parts.append(f"interval {estimate.ci_low:.3f} to {estimate.ci_high:.3f}")
    if estimate.p_value is not None:
        parts.append("p < 0.001" if estimate.p_value < 0.001 else f"p = {estimate.p_value:.3f}")
    if reference_group:
        parts.append(f"reference group {reference_group}")
    return "; ".join(parts).capitalize() + "." if parts else ""
