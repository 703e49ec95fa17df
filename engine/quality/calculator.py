"""The data-quality calculator: schema differences, missing values, ranges, unseen categories, constants,
duplicates."""
from __future__ import annotations

from collections.abc import Generator

import numpy as np
import pandas as pd

from assay.engine.analyses.base import Calculator
from assay.engine.quality.results import ColumnQuality, QualityResult
from assay.engine.labels import keys
from assay.engine.schema import ColumnInfo, ColumnKind, ColumnRole, Schema, infer_kind

TOP_UNSEEN = 20


class QualityCalculator(Calculator[QualityResult]):
    name = "quality"
    title = "Data quality"

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def _fit(self, reference: pd.DataFrame) -> None:
        self._reference = reference
        self._duplicates_reference = _duplicate_rows(reference)

    def _calculate(self, production: pd.DataFrame) -> Generator[float, None, QualityResult]:
        reference = self._reference
        columns = []
        total = max(len(self.schema.columns), 1)
        for i, info in enumerate(self.schema.columns):
            ref = reference[info.name] if info.name in reference.columns else None
            prod = production[info.name] if info.name in production.columns else None
            columns.append(column_quality(info, ref, prod))
            yield (i + 1) / (total + 1)
        result = QualityResult(
            rows_reference=len(reference),
            rows_production=len(production),
            columns=tuple(columns),
            missing_in_production=tuple(c for c in reference.columns if c not in production.columns),
            extra_in_production=tuple(c for c in production.columns if c not in reference.columns),
            duplicates_reference=self._duplicates_reference,
            duplicates_production=_duplicate_rows(production),
        )
        yield 1.0
        return result


def column_quality(info: ColumnInfo, ref: pd.Series | None, prod: pd.Series | None) -> ColumnQuality:
    values: dict = {"name": info.name, "kind": info.kind.value, "role": info.role.value,
                    "mixed_types": info.mixed_types}
    if ref is not None and prod is not None and len(prod):
        prod_kind, _ = infer_kind(prod)
        if prod_kind != info.kind and prod.notna().any() and ref.notna().any():
            values["kind_production"] = prod_kind.value
    for label, series in (("reference", ref), ("production", prod)):
        if series is None:
            continue
        values[f"missing_{label}"] = float(series.isna().mean()) if len(series) else None
        values[f"distinct_{label}"] = int(series.nunique(dropna=True))
        values[f"constant_{label}"] = len(series) > 1 and series.nunique(dropna=True) <= 1 and series.notna().any()
        if pd.api.types.is_float_dtype(series):
            values[f"infinite_{label}"] = int(np.isinf(series.to_numpy(dtype=float, na_value=np.nan)).sum())
    if ref is None or prod is None:
        return ColumnQuality(**values)
    if info.kind == ColumnKind.NUMERICAL and pd.api.types.is_numeric_dtype(ref) and pd.api.types.is_numeric_dtype(prod):
        ref_values = _finite(ref)
        prod_values = _finite(prod)
        if len(ref_values):
            low, high = float(ref_values.min()), float(ref_values.max())
            values["reference_min"], values["reference_max"] = low, high
            if len(prod_values):
                values["out_of_range"] = float(((prod_values < low) | (prod_values > high)).mean())
    elif info.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
        ref_text, prod_text = (_as_text(series, info) for series in (ref, prod))
        known = set(ref_text.unique())
        unseen = prod_text[~prod_text.isin(known)]
        if len(prod):
            values["unseen_share"] = float(len(unseen) / len(prod))
        counts = unseen.value_counts().head(TOP_UNSEEN)
        values["unseen_categories"] = tuple((str(k), int(v)) for k, v in counts.items())
    return ColumnQuality(**values)


def _as_text(series: pd.Series, info: ColumnInfo) -> pd.Series:
    """A column's values present, as text; a target's or prediction's by label (engine/labels.py: 1 and 1.0 are one
    label, not an unseen category)."""
    present = series.dropna()
    if info.role in (ColumnRole.TARGET, ColumnRole.PREDICTION):
        return pd.Series(keys(present), index=present.index, dtype=object)
    return present.astype(str)


def _finite(series: pd.Series) -> np.ndarray:
    array = series.to_numpy(dtype=float, na_value=np.nan)
    return array[np.isfinite(array)]


def _duplicate_rows(frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    try:
        return int(frame.duplicated().sum())
    except TypeError:  # unhashable cells (lists in Parquet): compare their text
        return int(frame.astype(str).duplicated().sum())
