"""The analyses, in one table: every layer (pipeline, config, JSON, PDF, app) loops over ANALYSES and nobody
else writes the list out again (STYLE.md, "One table, many readers").

This module is light on purpose: the app reads it at start-up, so it imports no pandas, scipy or scikit-learn.
What is heavy (the calculator, the findings policy) is named by module and loaded when the audit runs it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnalysisSpec:
    """One analysis: what it is called everywhere, and what it needs."""

    name: str  # the JSON key, the name in `analyses`, the finding ids' prefix, the app page's and PDF section's key
    title: str  # "Data quality": page, PDF section and tables
    section: str  # its audit-file section ([explain] for the explanations)
    weight: float  # its share of the audit's progress bar (the loading, schema and prediction stages excepted)
    report_weight: int  # its PDF section's share of the PDF's progress bar (charts take the time)


ANALYSES: tuple[AnalysisSpec, ...] = (
    AnalysisSpec(name="quality", title="Data quality", section="quality", weight=0.07, report_weight=3),
    AnalysisSpec(name="performance", title="Performance", section="performance", weight=0.08, report_weight=6),
    AnalysisSpec(name="drift", title="Drift", section="drift", weight=0.23, report_weight=12),
    AnalysisSpec(name="fairness", title="Fairness", section="fairness", weight=0.045, report_weight=6),
    AnalysisSpec(name="explanations", title="Explanations", section="explain", weight=0.015, report_weight=6),
)


def spec_of(name: str) -> AnalysisSpec:
    """The analysis called `name`; a KeyError lists the names there are."""
    for spec in ANALYSES:
        if spec.name == name:
            return spec
    raise KeyError(f"no analysis {name!r}; the analyses are {', '.join(s.name for s in ANALYSES)}")


def names() -> tuple[str, ...]:
    return tuple(spec.name for spec in ANALYSES)
