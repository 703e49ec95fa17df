"""What changed between two JSON reports (`assay diff OLD.json NEW.json`, `assay audit --previous OLD.json`).

- findings by id: new, resolved, and those whose severity changed; a new failing finding is one that fails (and
  is not waived) in the new report and did not fail in the old one — `assay diff` exits 1 when there is one;
- production metrics (performance.production.metrics) whose change is significant: each report's interval at its
  `performance.confidence` gives a standard error (half-width / z), and the change is significant when it is
  larger than z * sqrt(se_old² + se_new²) — the usual test for the difference of two independent estimates;
- columns newly drifted and no longer drifted (drift.drifted_features);
- input files whose SHA-256 changed (provenance.inputs, by role) and configuration keys whose value changed
  (provenance.config, as dotted keys);
- whether the two reports audit different models (the model file's SHA-256): allowed, and said first.

Reports of different `schema_version` are not compared (InputError naming both: the CLI's exit 2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

from assay.engine.errors import InputError


@dataclass(frozen=True)
class FindingChange:
    id: str
    title: str
    old_severity: str | None  # None: not in the old report
    new_severity: str | None  # None: not in the new report (resolved)
    new_status: str | None = None

    @property
    def newly_failing(self) -> bool:
        return self.new_severity == "fail" and self.new_status != "waived" and self.old_severity != "fail"


@dataclass(frozen=True)
class MetricChange:
    metric: str
    old: float
    new: float
    change: float
    ci_low: float  # the change's interval at `confidence`
    ci_high: float
    confidence: float
    worse: bool | None  # None: the metric has no better direction recorded


@dataclass(frozen=True)
class ValueChange:
    key: str  # "reference" (an input's role) or "drift.alpha" (a configuration key)
    old: Any
    new: Any


@dataclass(frozen=True)
class ReportChanges:
    old_id: str
    new_id: str
    old_title: str
    different_model: str  # "" when both audit the same model file (or neither has one)
    new_findings: tuple[FindingChange, ...]
    resolved_findings: tuple[FindingChange, ...]
    severity_changes: tuple[FindingChange, ...]
    metrics: tuple[MetricChange, ...]  # the significant changes only
    newly_drifted: tuple[str, ...]
    no_longer_drifted: tuple[str, ...]
    inputs: tuple[ValueChange, ...]
    config: tuple[ValueChange, ...]

    @property
    def newly_failing(self) -> tuple[FindingChange, ...]:
        return tuple(f for f in (*self.new_findings, *self.severity_changes) if f.newly_failing)

    @property
    def empty(self) -> bool:
        return not any((self.new_findings, self.resolved_findings, self.severity_changes, self.metrics,
                        self.newly_drifted, self.no_longer_drifted, self.inputs, self.config))

    def to_json(self) -> dict[str, Any]:
        from assay.engine.results import to_jsonable

        def finding(f: FindingChange) -> dict[str, Any]:
            return {"id": f.id, "title": f.title, "old_severity": f.old_severity, "new_severity": f.new_severity,
                    "new_status": f.new_status}

        return {"old_report_id": self.old_id, "new_report_id": self.new_id, "old_title": self.old_title,
                "different_model": self.different_model or None,
                "findings": {"new": [finding(f) for f in self.new_findings],
                             "resolved": [finding(f) for f in self.resolved_findings],
                             "severity_changed": [finding(f) for f in self.severity_changes]},
                "newly_failing": [f.id for f in self.newly_failing],
                "metrics": to_jsonable(self.metrics),
                "drift": {"newly_drifted": list(self.newly_drifted),
                          "no_longer_drifted": list(self.no_longer_drifted)},
                "inputs": to_jsonable(self.inputs), "config": to_jsonable(self.config)}


def diff_reports(old: dict[str, Any], new: dict[str, Any], old_name: str = "OLD", new_name: str = "NEW"
                 ) -> ReportChanges:
    """The changes from `old` to `new`, two JSON reports as dicts (read back, or AuditReport.to_dict())."""
    if old.get("schema_version") != new.get("schema_version"):
        raise InputError(f"{old_name} has schema_version {old.get('schema_version')} and {new_name} has "
                         f"schema_version {new.get('schema_version')}: reports of different versions are not "
                         f"compared; re-run the older audit with this version of Assay.")
    new_findings, resolved, changed = _findings(old, new)
    old_drifted, new_drifted = _drifted(old), _drifted(new)
    return ReportChanges(
        old_id=_report_id(old), new_id=_report_id(new), old_title=str(old.get("title") or ""),
        different_model=_different_model(old, new),
        new_findings=new_findings, resolved_findings=resolved, severity_changes=changed,
        metrics=_metrics(old, new),
        newly_drifted=tuple(c for c in new_drifted if c not in old_drifted),
        no_longer_drifted=tuple(c for c in old_drifted if c not in new_drifted),
        inputs=_inputs(old, new), config=_config(old, new))


def read_reports(old: Path, new: Path) -> ReportChanges:
    from assay.engine.verification import read_report

    return diff_reports(read_report(Path(old)), read_report(Path(new)), str(old), str(new))


def _report_id(report: dict[str, Any]) -> str:
    """The id the report records (the one its PDF prints), else computed."""
    from assay.engine.integrity import results_sha256

    recorded = (report.get("integrity") or {}).get("results_sha256")
    return recorded if isinstance(recorded, str) else results_sha256(report)


def _findings(old: dict[str, Any], new: dict[str, Any]):
    before = {f["id"]: f for f in old.get("findings") or []}
    after = {f["id"]: f for f in new.get("findings") or []}
    added = tuple(FindingChange(id=i, title=f.get("title", ""), old_severity=None, new_severity=f.get("severity"),
                                new_status=f.get("status")) for i, f in after.items() if i not in before)
    gone = tuple(FindingChange(id=i, title=f.get("title", ""), old_severity=f.get("severity"), new_severity=None)
                 for i, f in before.items() if i not in after)
    changed = tuple(FindingChange(id=i, title=f.get("title", ""), old_severity=before[i].get("severity"),
                                  new_severity=f.get("severity"), new_status=f.get("status"))
                    for i, f in after.items() if i in before and before[i].get("severity") != f.get("severity"))
    return added, gone, changed


def _production_metrics(report: dict[str, Any]) -> tuple[dict[str, Any], float, dict[str, bool]]:
    performance = report.get("performance") or {}
    metrics = ((performance.get("production") or {}).get("metrics")) or {}
    return metrics, float(performance.get("confidence") or 0.95), performance.get("higher_is_better") or {}


def _metrics(old: dict[str, Any], new: dict[str, Any]) -> tuple[MetricChange, ...]:
    before, old_confidence, _ = _production_metrics(old)
    after, new_confidence, higher = _production_metrics(new)
    found = []
    for name, value in after.items():
        if name not in before:
            continue
        a, b = before[name], value
        if not all(isinstance(x.get(k), (int, float)) for x in (a, b) for k in ("value", "ci_low", "ci_high")):
            continue
        se_old = (a["ci_high"] - a["ci_low"]) / 2 / _z(old_confidence)
        se_new = (b["ci_high"] - b["ci_low"]) / 2 / _z(new_confidence)
        confidence = min(old_confidence, new_confidence)
        half = _z(confidence) * math.hypot(se_old, se_new)
        change = b["value"] - a["value"]
        if abs(change) <= half:
            continue
        worse = None if name not in higher else (change < 0) == bool(higher[name])
        found.append(MetricChange(metric=name, old=a["value"], new=b["value"], change=change, ci_low=change - half,
                                  ci_high=change + half, confidence=confidence, worse=worse))
    return tuple(found)


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _drifted(report: dict[str, Any]) -> tuple[str, ...]:
    return tuple((report.get("drift") or {}).get("drifted_features") or ())


def _inputs(old: dict[str, Any], new: dict[str, Any]) -> tuple[ValueChange, ...]:
    def by_role(report):
        return {str(e.get("role")): e.get("sha256") for e in (report.get("provenance") or {}).get("inputs") or []}

    before, after = by_role(old), by_role(new)
    return tuple(ValueChange(key=role, old=before.get(role), new=after.get(role))
                 for role in dict.fromkeys([*before, *after]) if before.get(role) != after.get(role))


def _config(old: dict[str, Any], new: dict[str, Any]) -> tuple[ValueChange, ...]:
    before = _flat((old.get("provenance") or {}).get("config") or {})
    after = _flat((new.get("provenance") or {}).get("config") or {})
    return tuple(ValueChange(key=key, old=before.get(key), new=after.get(key))
                 for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key))


def _flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _different_model(old: dict[str, Any], new: dict[str, Any]) -> str:
    def model(report):
        entry = (report.get("provenance") or {}).get("model") or {}
        return entry.get("sha256"), entry.get("path")

    (old_hash, old_path), (new_hash, new_path) = model(old), model(new)
    if old_hash == new_hash:
        return ""
    def name(digest, path):
        return f"{Path(str(path)).name} (SHA-256 {str(digest)[:12]}…)" if digest else "no model"
    return (f"The two reports audit different models: {name(old_hash, old_path)} before, "
            f"{name(new_hash, new_path)} now.")


def summary_lines(changes: ReportChanges) -> list[str]:
    """The changes as plain lines, most important first (the CLI prints them; the PDF section lays them out)."""
    lines = [changes.different_model] if changes.different_model else []
    if changes.empty:
        return [*lines, "No change: the same findings, metrics, drifted columns, inputs and configuration."]
    for title, items in (("New findings", changes.new_findings), ("Resolved findings", changes.resolved_findings),
                         ("Severity changed", changes.severity_changes)):
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines += [f"  {_severities(f)}  {f.id}: {f.title}" for f in items]
    if changes.metrics:
        lines.append(f"Metrics changed significantly ({len(changes.metrics)}):")
        lines += [f"  {m.metric}: {m.old:.4g} -> {m.new:.4g} (change {m.change:+.4g}, "
                  f"{m.confidence:.0%} interval {m.ci_low:+.4g} to {m.ci_high:+.4g})"
                  + ("; worse" if m.worse else "; better" if m.worse is False else "") for m in changes.metrics]
    if changes.newly_drifted:
        lines.append(f"Newly drifted columns: {', '.join(changes.newly_drifted)}")
    if changes.no_longer_drifted:
        lines.append(f"No longer drifted: {', '.join(changes.no_longer_drifted)}")
    for title, items in (("Input files changed", changes.inputs), ("Configuration keys changed", changes.config)):
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines += [f"  {c.key}: {_short(c.old)} -> {_short(c.new)}" for c in items]
    return lines


def _severities(f: FindingChange) -> str:
    old = f.old_severity or "—"
    new = f.new_severity or "—"
    status = f" ({f.new_status})" if f.new_status and f.new_status != "open" else ""
    return f"{old} -> {new}{status}"


def _short(value: Any) -> str:
    text = "unset" if value is None else str(value)
    return text[:16] + "…" if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else text
