"""Explanation findings: the top columns changed, or attributions drifted."""
from __future__ import annotations

from assay.engine.config import ExplainConfig
from assay.engine.explain.results import ExplanationsResult
from assay.engine.results import Finding


def explanation_findings(result: ExplanationsResult, config: ExplainConfig) -> list[Finding]:
    findings = []
    k = config.top_columns
    top_ref = list(result.global_importance["reference"])[:k]
    top_prod = list(result.global_importance["production"])[:k]
    if set(top_ref) != set(top_prod):
        findings.append(Finding(
            "explanations.top_columns", "explanations", "warn",
            f"The model's top {k} columns changed: {', '.join(top_ref)} → {', '.join(top_prod)}",
            "Ranked by mean absolute SHAP value on the explained rows of each dataset."))
    drifted = [d for d in result.attribution_drift if d.drifted]
    if drifted:
        listed = ", ".join(f"{d.feature} ({d.change:+.3f})" for d in drifted[:6])
        findings.append(Finding(
            "explanations.attribution_drift", "explanations", "warn",
            f"Attributions drifted for {len(drifted)} column(s): {listed}",
            "KS test on each column's SHAP values (Holm-corrected), and a bootstrap interval of the change in "
            "mean |SHAP| that excludes zero."))
    if result.agreement is not None and result.agreement < 0.5:
        findings.append(Finding("explanations.agreement", "explanations", "warn",
                                f"SHAP and permutation importance disagree (Spearman {result.agreement:.2f})",
                                "Treat the importance ranking with caution; correlated inputs can split credit."))
    return findings
