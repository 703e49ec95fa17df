"""Result types of the comparison (frozen, no plotting) and their JSON form: `comparison` in the report.

Differences are challenger - champion; metric names are those of `performance` (engine/performance/metric_specs.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VERDICTS = ("challenger better", "non-inferior", "worse", "inconclusive")
TESTS = ("delong", "mcnemar", "bootstrap")


@dataclass(frozen=True)
class ComparedModel:
    name: str
    role: str  # "champion" | "challenger"
    source: str  # the model file, or "columns: a, b" for a challenger in shadow mode
    sha256: str | None = None
    error: str | None = None  # why it could not be compared (it failed to open or to predict)


@dataclass(frozen=True)
class MetricComparison:
    """One metric of both models on the same rows; `verdict` one of VERDICTS, `test` one of TESTS."""

    metric: str
    champion: float | None
    challenger: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_value_adjusted: float | None
    test: str
    verdict: str
    margin: float


@dataclass(frozen=True)
class SegmentFlips:
    """Where the decisions differ: one value of a performance segment column."""

    column: str
    segment: str
    rows: int
    flips: int
    rate: float  # flips / rows


@dataclass(frozen=True)
class Agreement:
    rate: float  # share of the rows with the same decision
    flips: int  # rows whose decision differs
    rows: int
    to_right: int  # flips where only the challenger is right
    to_wrong: int  # flips where only the champion is right
    segments: tuple[SegmentFlips, ...]


@dataclass(frozen=True)
class FairnessGap:
    """A disparity (largest minus smallest group rate) of one sensitive column for both models, with the paired
    bootstrap interval of its difference."""

    column: str
    measure: str  # "selection_rate" | "true_positive_rate"
    champion: float | None
    challenger: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class ColumnImportance:
    """One column's permutation importance for both models (the score lost when it is permuted)."""

    column: str
    champion: float
    challenger: float


@dataclass(frozen=True)
class RocCurve:
    model: str
    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    auc: float | None


@dataclass(frozen=True)
class PairComparison:
    champion: str
    challenger: str
    dataset: str  # the rows compared: "production" or "reference"
    rows: int
    metrics: tuple[MetricComparison, ...]
    agreement: Agreement | None  # None for regression (no decisions)
    verdict: str
    fairness: tuple[FairnessGap, ...] = ()
    roc: tuple[RocCurve, ...] = ()  # champion's, challenger's (binary tasks with scores)
    method: str = ""  # how the bootstrap grouped the rows
    importances: tuple[ColumnImportance, ...] = ()  # both models' permutation importances (model files only)
    rank_correlation: float | None = None  # Spearman's, of the two importance rankings
    importance_measure: str = ""  # what a permutation costs: "roc_auc", "accuracy" or "mae"


@dataclass(frozen=True)
class ArmTest:
    """One outcome compared between a control arm and another (unpaired)."""

    measure: str  # "accuracy" | "positive_rate"
    control: str
    arm: str
    control_value: float | None
    arm_value: float | None
    difference: float | None  # arm - control
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str  # "two-proportion z" | "bootstrap"
    detectable: float | None  # the smallest difference these rows could detect (5% two-sided, 80% power)


@dataclass(frozen=True)
class ArmSummary:
    arm: str
    rows: int
    accuracy: float | None
    positive_rate: float | None


@dataclass(frozen=True)
class AbResult:
    column: str
    arms: tuple[ArmSummary, ...]
    tests: tuple[ArmTest, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComparisonResult:
    models: tuple[ComparedModel, ...]
    pairs: tuple[PairComparison, ...]
    margin: float
    margins: dict[str, float]
    confidence: float
    resamples: int
    ab: AbResult | None = None
    notes: tuple[str, ...] = ()
    same_as_champion: tuple[str, ...] = ()  # challengers whose file has the champion's SHA-256


def number_text(value: float | None, digits: int = 4, sign: bool = False) -> str:
    """A value as the page and the PDF show it; "—" when it is not defined."""
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def p_text(value: float | None) -> str:
    return "—" if value is None else (f"{value:.1e}" if value < 0.001 else f"{value:.3f}")


def interval_text(low: float | None, high: float | None, digits: int = 4) -> str:
    return "—" if low is None or high is None else f"{low:+.{digits}f} to {high:+.{digits}f}"


def _metric_dict(m: MetricComparison) -> dict[str, Any]:
    return {"champion": m.champion, "challenger": m.challenger, "difference": m.difference, "ci_low": m.ci_low,
            "ci_high": m.ci_high, "p_value": m.p_value, "p_value_adjusted": m.p_value_adjusted, "test": m.test,
            "verdict": m.verdict, "margin": m.margin}


def _agreement_dict(a: Agreement | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"rate": a.rate, "flips": a.flips, "rows": a.rows, "to_right": a.to_right, "to_wrong": a.to_wrong,
            "segments": [{"column": s.column, "segment": s.segment, "rows": s.rows, "flips": s.flips, "rate": s.rate}
                         for s in a.segments]}


def comparison_to_dict(result: ComparisonResult) -> dict[str, Any]:
    """The JSON contract of issue #19: models, pairs (metrics, agreement, verdict), ab, margin, notes."""
    return {
        "models": [{"name": m.name, "role": m.role, "source": m.source, "sha256": m.sha256,
                    **({"error": m.error} if m.error else {})} for m in result.models],
        "pairs": [{"champion": p.champion, "challenger": p.challenger, "dataset": p.dataset, "rows": p.rows,
                   "metrics": {m.metric: _metric_dict(m) for m in p.metrics},
                   "agreement": _agreement_dict(p.agreement), "verdict": p.verdict,
                   "fairness": [{"column": g.column, "measure": g.measure, "champion": g.champion,
                                 "challenger": g.challenger, "difference": g.difference, "ci_low": g.ci_low,
                                 "ci_high": g.ci_high} for g in p.fairness],
                   "method": p.method,
                   "importances": {"measure": p.importance_measure, "rank_correlation": p.rank_correlation,
                                   "columns": [{"column": i.column, "champion": i.champion,
                                                "challenger": i.challenger} for i in p.importances]}}
                  for p in result.pairs],
        "ab": None if result.ab is None else {
            "column": result.ab.column,
            "arms": [{"arm": a.arm, "rows": a.rows, "accuracy": a.accuracy, "positive_rate": a.positive_rate}
                     for a in result.ab.arms],
            "tests": [{"measure": t.measure, "control": t.control, "arm": t.arm, "control_value": t.control_value,
                       "arm_value": t.arm_value, "difference": t.difference, "ci_low": t.ci_low,
                       "ci_high": t.ci_high, "p_value": t.p_value, "test": t.test, "detectable": t.detectable}
                      for t in result.ab.tests],
            "notes": list(result.ab.notes)},
        "margin": result.margin,
        "margins": dict(result.margins),
        "confidence": result.confidence,
        "resamples": result.resamples,
        "notes": list(result.notes),
    }
