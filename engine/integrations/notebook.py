"""The notebook API: `assay.audit(reference=..., production=..., model=..., target=..., **settings)` runs an audit
and returns a NotebookReport (verdict, findings as a DataFrame, to_json, to_pdf, and an HTML summary in Jupyter).

Settings use the audit file's names: each keyword is a section and its value a dict of that section's keys, as in
the TOML file — `drift={"numerical_method": "psi"}`, `performance={"threshold": 0.4}`,
`columns={"sensitive": ["sex"]}`, `audit={"title": "Q3 review"}`; `audit_file=` starts from an audit file's
settings. `reference`, `production`, `model` and `target` are shortcuts for [data] reference, [data] production,
[model] path and [columns] target.

DataFrames are audited in memory: no file is written (engine/tables.py's iter_dataset_from_frame; their
provenance is the SHA-256 of their Arrow IPC stream and the path "<reference DataFrame>"). A fitted model object
is the one exception: the model runs in its own process, which opens models from files, so the object is written
with joblib to a temporary folder (removed when the audit ends) and trusted, since it is the caller's own.
"""
from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path
from typing import Any

from assay.engine.integrations.report_metrics import report_metrics

DATA_SHORTCUTS = ("reference", "production")


def audit(reference: Any = None, production: Any = None, model: Any = None, target: str | None = None, *,
          audit_file: str | os.PathLike[str] | None = None, **settings: dict[str, Any]) -> NotebookReport:
    """Run an audit and return its NotebookReport. `reference` and `production` are DataFrames or table files;
    `model` a model file, an MLflow model folder or address, a fitted scikit-learn model, or a dict (the [model]
    section); `target` the target column. Other keywords are audit-file sections (see the module's docstring).
    Bad input raises the engine's errors (ConfigError, InputError) with the same messages as the CLI."""
    from assay.engine.config import AuditConfig
    from assay.engine.pipeline import iter_audit
    from assay.engine.progress import drain

    data = AuditConfig.from_toml(audit_file).to_dict() if audit_file is not None else {}
    base = Path(audit_file).resolve().parent if audit_file is not None else Path.cwd()
    for section, values in settings.items():
        data[section] = {**data.get(section, {}), **values} if isinstance(values, dict) else values
    frames = {}
    for role, given in zip(DATA_SHORTCUTS, (reference, production)):
        if isinstance(given, (str, os.PathLike)):
            data.setdefault("data", {})[role] = str(given)
        elif given is not None:
            frames[role] = given
            data.get("data", {}).pop(role, None)
    if target is not None:
        data.setdefault("columns", {})["target"] = target
    with tempfile.TemporaryDirectory(prefix="assay-notebook-") as folder:
        if isinstance(model, dict):
            data["model"] = {**data.get("model", {}), **model}
        elif isinstance(model, (str, os.PathLike)):
            data.setdefault("model", {})["path"] = str(model)
        elif model is not None:
            data["model"] = {**data.get("model", {}), "path": _write_model(model, Path(folder)), "trusted": True}
        config = AuditConfig.from_dict(data, base_dir=base)
        report = drain(iter_audit(config, frames=frames))
    return NotebookReport(report, config)


def _write_model(model: Any, folder: Path) -> str:
    import joblib

    from assay.engine.errors import InputError

    if not (hasattr(model, "predict") or hasattr(model, "predict_proba")):
        raise InputError(f"model: a {type(model).__name__} has no predict method; give a fitted scikit-learn model "
                         f"or pipeline, or the path of a model file.")
    path = folder / "model.joblib"
    joblib.dump(model, path)
    return str(path)


class NotebookReport:
    """An audit's report for notebooks: `verdict`, `findings` (a DataFrame), `to_json()`, `to_pdf(path)`,
    `metrics` (name -> value, as logged to MLflow), and `report` (the AuditReport, whose other attributes this
    object also answers)."""

    def __init__(self, report: Any, config: Any) -> None:
        self.report = report
        self.config = config

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.report, name)

    def __repr__(self) -> str:
        return f"<NotebookReport {self.report.title!r}: {self.verdict} ({self._counts()})>"

    @property
    def verdict(self) -> str:
        return self.report.verdict

    @property
    def findings(self):
        """One row per finding: id, analysis, severity, title, detail, column."""
        import pandas as pd

        columns = ["id", "analysis", "severity", "title", "detail", "column"]
        return pd.DataFrame([{c: getattr(f, c) for c in columns} for f in self.report.findings], columns=columns)

    @property
    def metrics(self) -> dict[str, float]:
        from assay.engine.integrations.report_metrics import metric_values

        return metric_values(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return self.report.to_dict()

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The JSON report as text; with `path`, also written there (atomically)."""
        if path is not None:
            self.report.write_json(path)
        return self.report.to_json()

    def to_pdf(self, path: str | os.PathLike[str]) -> Path:
        """Write the PDF audit report ([report] settings of the audit) and return its path."""
        from assay.engine.report import build_pdf

        return build_pdf(self.report, path, self.config.report)

    def _counts(self) -> str:
        fail = sum(f.severity == "fail" for f in self.report.findings)
        warn = sum(f.severity == "warn" for f in self.report.findings)
        return f"{fail} failed, {warn} warnings"

    def _repr_html_(self) -> str:
        """Jupyter's summary: the verdict, the failed findings and the headline metrics."""
        colours = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e"}
        e = html.escape
        parts = [f"<div class='assay-report'><h3 style='margin:0 0 .4em'>{e(self.report.title)}</h3>",
                 f"<p><span style='background:{colours[self.verdict]};color:white;padding:2px 8px;"
                 f"border-radius:4px;font-weight:bold'>{e(self.verdict.upper())}</span> {e(self._counts())}</p>"]
        failed = [f for f in self.report.findings if f.severity == "fail"]
        if failed:
            rows = "".join(f"<tr><td>{e(f.analysis)}</td><td>{e(f.title)}</td><td>{e(f.detail)}</td></tr>"
                           for f in failed)
            parts.append(f"<h4>Failed findings</h4><table><tr><th>Analysis</th><th>Finding</th><th>Detail</th></tr>"
                         f"{rows}</table>")
        headline = self._headline()
        if headline:
            rows = "".join(f"<tr><td>{e(name)}</td><td>{e(value)}</td></tr>" for name, value in headline)
            parts.append(f"<h4>Headline metrics</h4><table><tr><th>Metric</th><th>Value</th></tr>{rows}</table>")
        skipped = [a for a in self.report.analyses if a.status != "ran"]
        if skipped:
            parts.append("<p style='color:#666'>" + "<br>".join(
                f"{e(a.name)} {e(a.status)}: {e(a.reason)}" for a in skipped) + "</p>")
        return "".join(parts) + "</div>"

    def _headline(self) -> list[tuple[str, str]]:
        """The production data's performance metrics with their intervals, and the share of drifted columns."""
        found = []
        for metric in report_metrics(self.to_dict()):
            path = metric.path
            if path[:3] == ("performance", "production", "metrics"):
                interval = (f" [{metric.ci_low:.3f}, {metric.ci_high:.3f}]"
                            if metric.ci_low is not None and metric.ci_high is not None else "")
                found.append((path[3], f"{metric.value:.3f}{interval}"))
            elif path == ("drift", "share_drifted"):
                found.append(("drifted columns", f"{metric.value:.0%}"))
        return found
