"""The data-quality calculator: schema differences, missing values, ranges, unseen categories, constants,
duplicates. In memory, each table is one batch of the streamed quality's partial states (engine/quality/partials.py):
one pass per table, the same statistics whichever path runs."""
from __future__ import annotations

from collections.abc import Generator

import pandas as pd

from assay.engine.analyses.base import Calculator
from assay.engine.quality import partials
from assay.engine.quality.partials import QualityContext, TableState
from assay.engine.quality.results import ColumnQuality, QualityResult
from assay.engine.schema import ColumnInfo, Schema


class QualityCalculator(Calculator[QualityResult]):
    name = "quality"
    title = "Data quality"

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def _fit(self, reference: pd.DataFrame) -> None:
        self._reference_columns = list(reference.columns)
        self._reference = partials.table_state(reference, QualityContext(plans=partials.plans_for(self.schema)))
        self._duplicates_reference = partials.frame_duplicates(reference, self._reference)

    def _calculate(self, production: pd.DataFrame) -> Generator[float, None, QualityResult]:
        yield 0.0
        state = partials.table_state(production, partials.production_context(self.schema, self._reference))
        yield 0.6
        duplicates = partials.frame_duplicates(production, state)
        kinds = partials.kinds_of_production(self.schema, state, dict(production.dtypes), production)
        yield 0.9
        return partials.quality_result(self.schema, self._reference, state, self._reference_columns,
                                       list(production.columns), kinds, self._duplicates_reference, duplicates)


def column_quality(info: ColumnInfo, ref: pd.Series | None, prod: pd.Series | None) -> ColumnQuality:
    """One column's quality from its reference and production values (None: the dataset has no such column)."""
    schema = Schema((info,), None)
    reference = _state(ref, info, QualityContext(plans=partials.plans_for(schema)))
    production = None
    if prod is not None:
        context = (partials.production_context(schema, reference) if reference is not None
                   else QualityContext(plans=partials.plans_for(schema)))
        production = _state(prod, info, context)
    kinds = (partials.kinds_of_production(schema, production, {info.name: prod.dtype}, prod.to_frame(info.name))
             if production is not None else {})
    return partials.column_quality(info, reference and reference.columns[info.name],
                                   production and production.columns[info.name], kinds.get(info.name))


def _state(series: pd.Series | None, info: ColumnInfo, context: QualityContext) -> TableState | None:
    if series is None:
        return None
    return partials.table_state(series.rename(info.name).to_frame(), context)
