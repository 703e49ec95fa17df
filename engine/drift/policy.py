"""Drift policy: findings from the drift result and the [drift] thresholds."""
from __future__ import annotations

from assay.engine.config import DriftConfig
from assay.engine.drift.results import DriftResult, FeatureDrift
from assay.engine.findings import grade
from assay.engine.results import Finding

MAX_COLUMN_FINDINGS = 20
OUTPUT_TITLES = {"prediction": "Prediction drift", "score": "Score drift", "target": "Target drift"}


def drift_findings(result: DriftResult, config: DriftConfig) -> list[Finding]:
    findings = []
    tested = [f for f in result.features if f.role == "feature" and f.tested]
    drifted = sorted((f for f in tested if f.drifted), key=lambda f: -(f.effect_size or 0.0))
    severity = grade(result.share_drifted, config.share_warn, config.share_fail)
    if severity != "pass":
        names = ", ".join(f.feature for f in drifted[:8]) + (", …" if len(drifted) > 8 else "")
        findings.append(Finding(
            "drift.share", "drift", severity,
            f"{len(drifted)} of {len(tested)} feature columns drifted ({result.share_drifted:.0%}): {names}",
            f"Thresholds on the share of drifted columns: warn {config.share_warn:.0%}, fail {config.share_fail:.0%}."))
    for f in drifted[:MAX_COLUMN_FINDINGS]:
        findings.append(Finding(f"drift.column.{f.feature}", "drift", "warn", f"{f.feature}: drifted ({_measure(f)})",
                                _since(f), f.feature))
    for f in result.features:
        if f.role in OUTPUT_TITLES and f.tested and f.drifted:
            findings.append(Finding(f"drift.{f.role}.{f.feature}", "drift", "warn",
                                    f"{OUTPUT_TITLES[f.role]}: {f.feature} changed ({_measure(f)})", _since(f), f.feature))
    multivariate = result.multivariate
    if multivariate and multivariate.domain_classifier and multivariate.domain_classifier.drifted:
        domain = multivariate.domain_classifier
        top = ", ".join(name for name, _ in domain.top_features[:3])
        smallest = 1 / (domain.permutations + 1)  # no permutation reached the observed AUC
        p_text = f"p ≤ {smallest:.2g}" if domain.p_value <= smallest * (1 + 1e-9) else f"p = {domain.p_value:.3g}"
        findings.append(Finding("drift.multivariate.domain_classifier", "drift", "warn",
                                f"A classifier tells production from reference rows (ROC-AUC {domain.auc:.2f}, "
                                f"{p_text})", f"Columns that separate the sets most: {top}."))
    if multivariate and multivariate.reconstruction and multivariate.reconstruction.drifted:
        rec = multivariate.reconstruction
        findings.append(Finding("drift.multivariate.reconstruction", "drift", "warn",
                                f"PCA reconstruction error rose to {rec.production_error:.3f} (expected up to "
                                f"{rec.band[1]:.3f})", "The correlation structure of the inputs changed."))
    return findings


def _measure(f: FeatureDrift) -> str:
    effect = "KS distance" if f.kind == "numerical" else "TVD"
    if f.p_value is not None:
        p = f.p_value_adjusted if f.p_value_adjusted is not None else f.p_value
        p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        return f"{f.method}, {effect} {f.effect_size:.3f}, adjusted {p_text}"
    return f"{f.method} {f.statistic:.3f} ≥ {f.threshold:g}"


def _since(f: FeatureDrift) -> str:
    return f"First drifted chunk: {f.first_drifted_chunk}." if f.first_drifted_chunk else ""
