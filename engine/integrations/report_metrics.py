"""The numbers of a JSON report (AuditReport.to_dict()) as named metrics, found by the report's shape rather than
listed analysis by analysis, so that a new analysis' numbers come out too:

- an estimate, a table with a numeric `value` (and `ci_low`, `ci_high` when it has an interval), is a metric
  named by its path: performance.production.metrics.roc_auc -> `performance.production.roc_auc`;
- a numeric value under one of HEADLINE_KEYS (drift's `share_drifted`, a column's `effect_size`) is a metric;
- a list of records is followed when its records name themselves by one of RECORD_NAMES (drift's features by
  `feature`): drift.features[age].effect_size -> `drift.features.age.effect_size`. Other lists (chunks over
  time, curves) are series, not headline numbers, and are left out.

Path parts named in SKIPPED_PARTS (`metrics`) are left out of the name. Names keep to the characters MLflow
and Prometheus labels accept.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

HEADLINE_KEYS = ("share_drifted", "effect_size")
RECORD_NAMES = ("feature", "column")
SKIPPED_PARTS = ("metrics",)
NOT_ANALYSES = ("schema_version", "title", "provenance", "verdict", "findings", "analyses", "schema", "predictions",
                "model_error", "integrity")  # the report's own keys; every other top-level key is an analysis'


@dataclass(frozen=True)
class ReportMetric:
    """One number of the report: its path in the JSON (names of tables and records) and its interval, if any."""

    path: tuple[str, ...]
    value: float
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def name(self) -> str:
        return ".".join(clean_name(part) for part in self.path if part not in SKIPPED_PARTS)


def report_metrics(report: dict[str, Any]) -> list[ReportMetric]:
    """Every metric of a JSON report, in the report's order."""
    found: list[ReportMetric] = []
    for key, value in report.items():
        if key not in NOT_ANALYSES:
            found.extend(_walk(value, (key,)))
    return found


def metric_values(report: dict[str, Any]) -> dict[str, float]:
    """name -> value for every metric and its interval bounds (`NAME.ci_low`, `NAME.ci_high`)."""
    values: dict[str, float] = {}
    for metric in report_metrics(report):
        values[metric.name] = metric.value
        for bound in ("ci_low", "ci_high"):
            if getattr(metric, bound) is not None:
                values[f"{metric.name}.{bound}"] = getattr(metric, bound)
    return values


def clean_name(text: Any) -> str:
    """A name part MLflow accepts: letters, digits, _ - . / and spaces; others become _ ("65+" -> "65_")."""
    return re.sub(r"[^A-Za-z0-9_\-. /]", "_", str(text))


def _walk(node: Any, path: tuple[str, ...]) -> Iterator[ReportMetric]:
    if isinstance(node, dict):
        value = _number(node.get("value"))
        if value is not None:
            yield ReportMetric(path=path, value=value, ci_low=_number(node.get("ci_low")),
                               ci_high=_number(node.get("ci_high")))
            return
        for key, child in node.items():
            number = _number(child)
            if number is not None and key in HEADLINE_KEYS:
                yield ReportMetric(path=path + (str(key),), value=number)
            elif isinstance(child, (dict, list)):
                yield from _walk(child, path + (str(key),))
    elif isinstance(node, list):
        for record in node:
            name = _record_name(record)
            if name is not None:
                yield from _walk(record, path + (name,))


def _record_name(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    return next((str(record[key]) for key in RECORD_NAMES if isinstance(record.get(key), str)), None)


def _number(value: Any) -> float | None:
    """A finite number (not a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None
