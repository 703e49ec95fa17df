"""The comparison in an audit: its calculator, built from the audit (the registry names `build`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.comparison.calculator import ComparisonCalculator
from assay.engine.schema import ColumnRole

if TYPE_CHECKING:
    from assay.engine.analyses.run import AnalysisRun
    from assay.engine.comparison.config import ComparisonConfig


def build(run: AnalysisRun, config: ComparisonConfig) -> ComparisonCalculator:
    """The champion is the audit's model (or its prediction columns); the challengers are [[challenger]]."""
    model = run.model
    if model is not None:
        champion, sha, classes = str(model.info.path), model.info.sha256, tuple(model.classes or ())
    else:
        columns = run.schema.names(ColumnRole.PREDICTION, ColumnRole.PROBABILITY)
        champion, sha, classes = f"columns: {', '.join(columns)}", None, tuple(run.schema.classes)
    return ComparisonCalculator(schema=run.schema, config=config, performance=run.config.performance,
                                challengers=run.config.challengers, predictions=run.predictions or {},
                                champion=champion, champion_sha256=sha, champion_classes=classes,
                                from_model=model is not None, seed=run.config.audit.seed,
                                memory_limit_mb=run.config.model.memory_limit_mb, model=model, runner=run.runner)
