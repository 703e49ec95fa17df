"""Result types: frozen dataclasses with no plotting, and their JSON form.

`AuditReport.to_dict()` is the JSON report. It is a contract: fields are only added, never
renamed, without bumping SCHEMA_VERSION and saying so in the README.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from assay.engine.config import write_atomic
from assay.engine.drift.results import DriftResult
from assay.engine.explain.results import ExplanationsResult
from assay.engine.fairness.results import FairnessResult, fairness_to_dict
from assay.engine.integrity import with_integrity
from assay.engine.io import InputInfo
from assay.engine.performance.results import PerformanceResult, performance_to_dict
from assay.engine.schema import Schema

SCHEMA_VERSION = 1
SEVERITIES = ("pass", "warn", "fail")


@dataclass(frozen=True)
class Finding:
    id: str  # stable, e.g. "quality.missing.income"
    analysis: str  # "quality", "performance", ...
    severity: str  # "warn" | "fail" ("pass" for notes that change no verdict)
    title: str  # one line
    detail: str = ""
    column: str | None = None


@dataclass(frozen=True)
class AnalysisStatus:
    name: str
    status: str  # "ran" | "skipped" | "failed" (the model failed while this analysis needed it)
    reason: str = ""


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


@dataclass(frozen=True)
class PredictionSummary:
    """Where the predictions came from and what they look like (the arrays stay in memory)."""

    source: str  # "model" | "columns"
    task: str | None
    positive_label: Any = None
    classes: tuple[Any, ...] = ()
    rows_reference: int = 0
    rows_production: int = 0
    positive_rate_reference: float | None = None
    positive_rate_production: float | None = None
    has_probabilities: bool = False


@dataclass(frozen=True)
class Provenance:
    inputs: tuple[InputInfo, ...]
    versions: dict[str, str]
    config: dict[str, Any]
    seed: int
    started_at: str
    finished_at: str = ""
    duration_s: float = 0.0
    model: dict[str, Any] | None = None  # type, format, parameters


@dataclass(frozen=True)
class AuditReport:
    provenance: Provenance
    verdict: str
    findings: tuple[Finding, ...]
    schema: Schema
    analyses: tuple[AnalysisStatus, ...]
    quality: QualityResult | None = None
    drift: DriftResult | None = None
    fairness: FairnessResult | None = None
    explanations: ExplanationsResult | None = None
    predictions: PredictionSummary | None = None
    schema_version: int = SCHEMA_VERSION
    title: str = "Model audit"
    performance: PerformanceResult | None = None
    model_error: str | None = None  # the model failed (would not open, raised, crashed, hung, ran out of memory)

    def findings_for(self, analysis: str) -> list[Finding]:
        return [f for f in self.findings if f.analysis == analysis]

    def result(self, analysis: str) -> Any:
        """The result of the analysis called `analysis` (a name in engine/analyses/registry.py), or None."""
        return getattr(self, analysis, None)

    def status_of(self, analysis: str) -> AnalysisStatus | None:
        return next((a for a in self.analyses if a.name == analysis), None)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "schema_version": self.schema_version,
            "title": self.title,
            "provenance": to_jsonable(self.provenance),
            "verdict": self.verdict,
            "findings": to_jsonable(self.findings),
            "analyses": {a.name: {"status": a.status, "reason": a.reason} for a in self.analyses},
            "schema": to_jsonable(self.schema.to_dict()),
            "predictions": to_jsonable(self.predictions),
            "quality": to_jsonable(self.quality),
            "performance": performance_to_dict(self.performance) if self.performance else None,
            "drift": to_jsonable(self.drift),
            "fairness": to_jsonable(fairness_to_dict(self.fairness)) if self.fairness else None,
            "explanations": to_jsonable(self.explanations),
            "model_error": self.model_error,
        }
        return with_integrity(out)  # last: the SHA-256 of everything above (engine/integrity.py)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    def write_json(self, path: str | Path) -> None:
        """Written atomically: a temporary file in the same folder, then a rename."""
        write_atomic(Path(path), self.to_json().encode("utf-8"))


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, numpy values, paths -> plain JSON; NaN and infinities -> None."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.metadata.get("json", True)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


