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
from typing import TYPE_CHECKING, Any

import numpy as np

from assay.engine.analyses import registry
from assay.engine.atomic import write_atomic
from assay.engine.findings import SEVERITIES  # noqa: F401  (re-exported: the order of severity)
from assay.engine.integrity import with_integrity
from assay.engine.input_files import InputInfo
from assay.engine.schema import Schema

if TYPE_CHECKING:
    from assay.engine.drift.results import DriftResult
    from assay.engine.explain.results import ExplanationsResult
    from assay.engine.fairness.results import FairnessResult
    from assay.engine.performance.results import PerformanceResult
    from assay.engine.quality.results import QualityResult
    from assay.engine.review.apply import ReviewResult
    from assay.engine.review.diff import ReportChanges

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Finding:
    id: str  # stable, e.g. "quality.missing.income"
    analysis: str  # "quality", "performance", ...
    severity: str  # "warn" | "fail" ("pass" for notes that change no verdict)
    title: str  # one line
    detail: str = ""
    column: str | None = None
    status: str = "open"  # "open" | "waived" | "waiver expired": the review file's say (engine/review/waivers.py)


@dataclass(frozen=True)
class AnalysisStatus:
    name: str
    status: str  # "ran" | "skipped" | "failed" (the model failed while this analysis needed it)
    reason: str = ""


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
    compute: dict[str, Any] | None = None  # which path ran: engine/streaming/pipeline.py compute_provenance


@dataclass(frozen=True, init=False)
class AuditReport:
    """The audit's outcome. Each analysis' result is in `results` under its registry name (None: it did not
    run); `report.result(name)` reads it, and so do `report.quality`, `report.drift`, ..."""

    provenance: Provenance
    verdict: str
    findings: tuple[Finding, ...]
    schema: Schema
    analyses: tuple[AnalysisStatus, ...]
    predictions: PredictionSummary | None = None
    schema_version: int = SCHEMA_VERSION
    title: str = "Model audit"
    model_error: str | None = None  # the model failed (would not open, raised, crashed, hung, ran out of memory)
    results: dict[str, Any] = dataclasses.field(default_factory=dict)  # analysis name -> its result
    review: ReviewResult | None = None  # waivers and sign-off applied (engine/review/apply.py)
    changes: ReportChanges | None = None  # since the previous audit (--previous; engine/review/diff.py)

    if TYPE_CHECKING:  # read through __getattr__ from `results`
        quality: QualityResult | None
        performance: PerformanceResult | None
        drift: DriftResult | None
        fairness: FairnessResult | None
        explanations: ExplanationsResult | None

    def __init__(self, provenance: Provenance, verdict: str, findings: tuple[Finding, ...], schema: Schema,
                 analyses: tuple[AnalysisStatus, ...], predictions: PredictionSummary | None = None,
                 schema_version: int = SCHEMA_VERSION, title: str = "Model audit", model_error: str | None = None,
                 results: dict[str, Any] | None = None, review: ReviewResult | None = None,
                 changes: ReportChanges | None = None, **by_name: Any) -> None:
        """The results may also be given by analysis name: AuditReport(..., quality=QualityResult(...))."""
        unknown = sorted(set(by_name) - set(registry.names()))
        if unknown:
            raise TypeError(f"AuditReport() got an unexpected keyword argument {unknown[0]!r}")
        values = {"provenance": provenance, "verdict": verdict, "findings": findings, "schema": schema,
                  "analyses": analyses, "predictions": predictions, "schema_version": schema_version,
                  "title": title, "model_error": model_error, "results": {**(results or {}), **by_name},
                  "review": review, "changes": changes}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """report.quality, report.drift, ...: an analysis' result by its registry name (None: it did not run)."""
        if not name.startswith("_") and name != "results" and (name in self.results or name in registry.names()):
            return self.results.get(name)
        raise AttributeError(f"'AuditReport' object has no attribute {name!r}")

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Reports pickled before the results were kept by name had one field per analysis."""
        results = dict(state.pop("results", None) or {})
        for name in registry.names():
            if name in state:
                results[name] = state.pop(name)
        state.setdefault("review", None)
        state.setdefault("changes", None)
        self.__dict__.update(state, results=results)

    def findings_for(self, analysis: str) -> list[Finding]:
        return [f for f in self.findings if f.analysis == analysis]

    def result(self, analysis: str) -> Any:
        """The result of the analysis called `analysis` (a name in engine/analyses/registry.py), or None."""
        return self.results.get(analysis)

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
        }
        for spec in registry.ANALYSES:
            out[spec.name] = result_to_json(spec, self.results.get(spec.name))
        out["model_error"] = self.model_error
        out["review"] = self.review.to_json() if self.review is not None else None
        if self.changes is not None:  # only with a previous report to compare with
            out["changes"] = self.changes.to_json()
        return with_integrity(out)  # last: the SHA-256 of everything above (engine/integrity.py)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    def write_json(self, path: str | Path) -> None:
        """Written atomically: a temporary file in the same folder, then a rename."""
        write_atomic(Path(path), self.to_json().encode("utf-8"))


def result_to_json(spec: registry.AnalysisSpec, result: Any) -> Any:
    """An analysis' result in the JSON report: its spec's JSON form, or its dataclass fields; None if it did not
    run."""
    if result is None:
        return None
    return to_jsonable(registry.load(spec.to_json)(result) if spec.to_json else result)


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


