"""Performance in an audit: its calculator, built from the audit (the registry names `build`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.performance.calculator import PerformanceCalculator

if TYPE_CHECKING:
    from assay.engine.analyses.run import AnalysisRun
    from assay.engine.performance.config import PerformanceConfig


def build(run: AnalysisRun, config: PerformanceConfig) -> PerformanceCalculator:
    model_name = str(run.model.info.path) if run.model else None  # None: the predictions came from columns
    return PerformanceCalculator(run.schema, config, run.predictions, run.config.audit.seed, model_name=model_name)
