"""Fairness in an audit: its calculator, built from the audit (the registry names `build`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.fairness.calculator import FairnessCalculator
from assay.engine.predictions import model_input_columns

if TYPE_CHECKING:
    from assay.engine.analyses.run import AnalysisRun
    from assay.engine.fairness.config import FairnessConfig


def build(run: AnalysisRun, config: FairnessConfig) -> FairnessCalculator:
    model_inputs = model_input_columns(run.model, run.schema) if run.model else None
    return FairnessCalculator(run.schema, config, run.predictions, model_inputs, run.config.audit.seed)
