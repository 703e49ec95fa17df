"""A toy analysis that counts rows, added to the registry for one test at a time: it shows what an analysis is
(a config section, a calculator, a policy, a result) and that the engine, the report and the app take it in
from its AnalysisSpec alone.

    from toy_analysis import TOY, toy_registered
    with toy_registered():
        report = run_audit(config)        # report.toy, report.status_of("toy"), the JSON's "toy"

The fixture `toy` (tests/conftest.py) does the same for a whole test.
"""
from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from assay.engine.analyses import registry
from assay.engine.analyses.base import Calculator
from assay.engine.analyses.registry import AnalysisSpec
from assay.engine.results import Finding
from assay.engine.section import Section, at_least

if TYPE_CHECKING:
    from assay.engine.analyses.run import AnalysisRun


@dataclass(frozen=True)
class ToyConfig(Section):
    """[toy]: a finding when production has more rows than this."""

    max_rows: int = 1_000_000

    def validate(self, section: str) -> None:
        at_least(self, section, {"max_rows": 1})


@dataclass(frozen=True)
class ToyResult:
    rows_reference: int
    rows_production: int


class RowCounter(Calculator[ToyResult]):
    name = "toy"
    title = "Row count"

    def _fit(self, reference: pd.DataFrame) -> None:
        self.rows_reference = len(reference)

    def _calculate(self, production: pd.DataFrame) -> Generator[float, None, ToyResult]:
        yield 0.5
        yield 1.0
        return ToyResult(rows_reference=self.rows_reference, rows_production=len(production))


def build(run: AnalysisRun, config: ToyConfig) -> RowCounter:
    return RowCounter()


def toy_findings(result: ToyResult, config: ToyConfig) -> list[Finding]:
    severity = "fail" if result.rows_production > config.max_rows else "pass"
    return [Finding(id="toy.rows", analysis="toy", severity=severity,
                    title=f"{result.rows_production:,} production rows (at most {config.max_rows:,} allowed)")]


TOY = AnalysisSpec(name="toy", title="Row count", section="toy", weight=0.05, report_weight=1, config=ToyConfig,
                   calculator="toy_analysis:build", findings="toy_analysis:toy_findings", results="toy_analysis",
                   message="Counting rows")


@contextmanager
def toy_registered(spec: AnalysisSpec = TOY) -> Iterator[AnalysisSpec]:
    """The registry with `spec` added last, for the duration of the block."""
    saved = registry.ANALYSES
    registry.ANALYSES = (*saved, spec)
    try:
        yield spec
    finally:
        registry.ANALYSES = saved
