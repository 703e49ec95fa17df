"""Explanations in an audit: its calculator, built from the audit (the registry names `build`). The explainer
runs next to the model, in the audit's model process."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.explain.calculator import ExplanationCalculator

if TYPE_CHECKING:
    from assay.engine.analyses.run import AnalysisRun
    from assay.engine.explain.config import ExplainConfig


def build(run: AnalysisRun, config: ExplainConfig) -> ExplanationCalculator:
    return ExplanationCalculator(run.model, run.schema, config, run.predictions, run.config.audit.seed,
                                 runner=run.runner)
