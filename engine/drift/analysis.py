"""Drift in an audit: its calculator, built from the audit (the registry names `build`). The model's outputs
(predictions and scores) are tested for drift beside the features."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.drift.univariate import DriftCalculator
from assay.engine.predictions import drift_outputs

if TYPE_CHECKING:
    from assay.engine.analyses.run import AnalysisRun
    from assay.engine.drift.config import DriftConfig


def build(run: AnalysisRun, config: DriftConfig) -> DriftCalculator:
    outputs = drift_outputs(run.schema, run.predictions, run.model is not None,
                            {"reference": run.reference.frame, "production": run.production.frame})
    return DriftCalculator(run.schema, config, outputs, run.config.audit.seed)
