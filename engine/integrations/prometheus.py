"""The audit's numbers for Prometheus: node_exporter's textfile-collector format (`assay audit --prometheus
FILE.prom`), written atomically by prometheus_client's write_to_textfile. Every series has the labels `audit` (the
report's title, [audit] title) and `model_sha256` (empty without a model); the README lists them:

  assay_verdict                                   0 pass, 1 warn, 2 fail
  assay_findings{severity}                        findings of each severity (fail, warn)
  assay_metric{dataset, metric}                   performance metrics of the reference and production data,
  assay_metric_ci_low / assay_metric_ci_high      and their interval bounds
  assay_drift_effect_size{column, method}         each column's drift effect size and the test that measured it
  assay_drift_share                               the share of drifted feature columns
  assay_fairness_disparity{column, disparity}     production disparities per sensitive column
  assay_audit_timestamp_seconds                   when the audit finished (Unix time)
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from assay.engine.integrations.report_metrics import report_metrics

VERDICTS = {"pass": 0, "warn": 1, "fail": 2}
SEVERITIES = ("fail", "warn")
COMMON = ("audit", "model_sha256")


def write_prometheus(report: dict[str, Any], path: str | Path) -> None:
    """Write the metrics of one JSON report (AuditReport.to_dict()) to `path` (atomically)."""
    from prometheus_client import write_to_textfile

    write_to_textfile(str(path), prometheus_registry(report))


def prometheus_registry(report: dict[str, Any]):
    """A CollectorRegistry holding the report's series (the names and labels above)."""
    from prometheus_client import CollectorRegistry, Gauge

    registry = CollectorRegistry()
    common = {"audit": report.get("title") or "", "model_sha256": ((report.get("provenance") or {}).get("model")
                                                                  or {}).get("sha256") or ""}

    def gauge(name: str, text: str, *labels: str) -> Gauge:
        return Gauge(name, text, (*COMMON, *labels), registry=registry)

    gauge("assay_verdict", "The audit's verdict: 0 pass, 1 warn, 2 fail.").labels(**common).set(
        VERDICTS[report["verdict"]])
    findings = gauge("assay_findings", "Findings of the audit by severity.", "severity")
    for severity in SEVERITIES:
        findings.labels(**common, severity=severity).set(
            sum(f["severity"] == severity for f in report.get("findings") or []))
    series = {bound: gauge(f"assay_metric{suffix}", f"Performance metric of a dataset{text}.", "dataset", "metric")
              for bound, suffix, text in (("value", "", ""), ("ci_low", "_ci_low", ": the interval's low bound"),
                                          ("ci_high", "_ci_high", ": the interval's high bound"))}
    disparity = gauge("assay_fairness_disparity", "Fairness disparity of a sensitive column on the production data.",
                      "column", "disparity")
    for metric in report_metrics(report):
        path = metric.path
        if path[0] == "performance" and len(path) == 4 and path[2] == "metrics":
            for bound, found in series.items():
                value = getattr(metric, bound)
                if value is not None:
                    found.labels(**common, dataset=path[1], metric=path[3]).set(value)
        elif path[:2] == ("fairness", "production") and len(path) == 5 and path[3] == "disparities":
            disparity.labels(**common, column=path[2], disparity=path[4]).set(metric.value)
    drift = report.get("drift") or {}
    effect = gauge("assay_drift_effect_size", "Drift effect size of a column, by the method that measured it.",
                   "column", "method")
    for feature in drift.get("features") or []:
        if isinstance(feature.get("effect_size"), (int, float)):
            effect.labels(**common, column=feature["feature"], method=feature.get("method") or "").set(
                feature["effect_size"])
    if isinstance(drift.get("share_drifted"), (int, float)):
        gauge("assay_drift_share", "Share of feature columns that drifted.").labels(**common).set(
            drift["share_drifted"])
    finished = (report.get("provenance") or {}).get("finished_at")
    if finished:
        gauge("assay_audit_timestamp_seconds", "When the audit finished (Unix time).").labels(**common).set(
            datetime.fromisoformat(finished).timestamp())
    return registry
