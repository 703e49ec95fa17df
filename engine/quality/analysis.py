"""Data quality in an audit: its calculator, built from the audit (the registry names `build`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.quality.calculator import QualityCalculator

if TYPE_CHECKING:
    from assay.engine.analyses.run import AnalysisRun
    from assay.engine.quality.config import QualityConfig


def build(run: AnalysisRun, config: QualityConfig) -> QualityCalculator:
    return QualityCalculator(run.schema)
