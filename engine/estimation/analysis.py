"""Estimated performance in an audit: when it runs (`skip_reason`) and its calculator (`build`), both named by
the registry."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine import labels as L
from assay.engine.chunks import make_chunks
from assay.engine.estimation.calculator import EstimationCalculator
from assay.engine.schema import ColumnRole

if TYPE_CHECKING:
    from assay.engine.analyses.run import AnalysisRun
    from assay.engine.estimation.config import EstimationConfig


def skip_reason(run: AnalysisRun, config: EstimationConfig) -> str | None:
    """Why the estimate is not made in this audit, or None. Checked after the registry's needs."""
    task = run.schema.task
    classification = task in ("binary", "multiclass")
    if classification and config.method == "dle":
        return "[estimation] method = \"dle\" is for regression; use \"auto\", \"cbpe\" or \"cbpe_weighted\""
    if task == "regression" and config.method in ("cbpe", "cbpe_weighted"):
        return f"[estimation] method = \"{config.method}\" is for classification; use \"auto\" or \"dle\""
    if classification and any(p.scores is None for p in run.predictions.values()):
        return ("needs the model's scores (probabilities): the predictions hold labels only; give a model with "
                "predict_proba or name the probability columns in [columns] probabilities")
    target = run.schema.first(ColumnRole.TARGET)
    if classification and len({k for k in L.keys(run.reference.frame[target].dropna()) if k is not None}) < 2:
        return ("the reference's labels hold one class only: there is nothing to calibrate the scores against; "
                "give a reference with both outcomes")
    if config.mode == "auto":
        production = run.production.frame
        if target not in production.columns:
            return None
        labelled = production[target].notna().to_numpy()
        chunking = make_chunks(production, run.schema.timestamp, run.config.performance.chunk_by,
                               run.config.performance.chunk_size)
        if all(labelled[chunk.indices].any() for chunk in chunking.chunks) and labelled.any():
            return ("every production chunk has labels, so performance is measured, not estimated; set "
                    "[estimation] mode = \"always\" to estimate it anyway and backtest the estimate")
    return None


def build(run: AnalysisRun, config: EstimationConfig) -> EstimationCalculator:
    model_name = str(run.model.info.path) if run.model else None
    return EstimationCalculator(run.schema, config, run.config.performance, run.predictions, run.config.audit.seed,
                                model_name=model_name)
