"""Table models and display helpers for the Explanations page.

- ExplainedRowsModel: one row per explained row of a dataset (output, predicted and true label,
  misclassified, the largest contribution); the page's quick picks read its records.
- AttributionDriftModel: the change in mean |SHAP| per column, reference against production.
- column_values: a column's input values as numbers for plotting (category codes for categorical
  columns) and as colour levels in 0..1 (numerical: clipped to the 5th..95th percentile).
- waterfall_steps: a row's contributions from the base value to the model output, largest first.

Nothing here measures anything: every number is the engine's; these are sorting, formatting and
the normalisation that turns a value into a colour.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from assay.app.models.table import Column, Index, RecordTableModel
from assay.app.theme import severity_colour

CATEGORICAL_KINDS = {"categorical", "boolean", "text", "identifier"}
SCALE_TEXT = {"log-odds": "log-odds", "probability": "probability", "prediction": "prediction"}


def number(value: float | None, digits: int = 4) -> str:
    if value is None or not isinstance(value, (int, float, np.number)) or not math.isfinite(value):
        return "—"
    return f"{value:.{digits}g}"


def signed(value: float) -> str:
    return f"{value:+.3g}".replace("-", "−")


def p_text(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def value_text(value: Any) -> str:
    """An input value as the user would write it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}" if abs(v) >= 1e4 else str(int(v))
        return f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.4g}"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}" if abs(int(value)) >= 1e4 else str(int(value))
    return str(value)


def label_text(value: Any) -> str:
    return "" if value is None else value_text(value)


# -- colours and values -----------------------------------------------------------------------

RAMP_STOPS = ("#1e88e5", "#8e44d4", "#ff0d57")  # low -> high: SHAP's blue, purple, magenta
RAMP_SIZE = 64
POSITIVE_COLOUR = ("#e8175d", "#ff4f81")  # raises the output (light, dark theme)
NEGATIVE_COLOUR = ("#1e88e5", "#4fa3f7")  # lowers it


def ramp(n: int = RAMP_SIZE) -> list[QColor]:
    """`n` colours from low to high along RAMP_STOPS."""
    stops = [QColor(s) for s in RAMP_STOPS]
    out = []
    for i in range(n):
        t = i / max(n - 1, 1) * (len(stops) - 1)
        k = min(int(t), len(stops) - 2)
        a, b, f = stops[k], stops[k + 1], t - k
        out.append(QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * f, a.greenF() + (b.greenF() - a.greenF()) * f,
                                   a.blueF() + (b.blueF() - a.blueF()) * f))
    return out


def ramp_index(levels: np.ndarray, n: int = RAMP_SIZE) -> np.ndarray:
    """Colour index per level (0..n-1), -1 where the level is missing."""
    levels = np.asarray(levels, dtype=float)
    index = np.full(levels.shape, -1, dtype=int)
    finite = np.isfinite(levels)
    index[finite] = np.clip(np.rint(levels[finite] * (n - 1)), 0, n - 1).astype(int)
    return index


@dataclass(frozen=True)
class ColumnValues:
    """One column's input values over the explained rows, ready to plot and colour."""

    name: str
    numbers: np.ndarray  # the value (numerical) or the category code (categorical); nan where missing
    levels: np.ndarray  # 0..1 for the colour ramp; nan where missing
    categories: tuple[str, ...] = ()  # in code order; empty for a numerical column

    @property
    def categorical(self) -> bool:
        return bool(self.categories)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and math.isnan(value))


def is_categorical(values: Sequence[Any], kind: str | None = None) -> bool:
    if kind is not None:
        return str(kind) in CATEGORICAL_KINDS
    return any(isinstance(v, (str, bool, np.bool_)) for v in values if not _missing(v))


def column_values(name: str, values: Sequence[Any], kind: str | None = None) -> ColumnValues:
    """Numbers and colour levels for `values`; `kind` is the schema's column kind when known."""
    if is_categorical(values, kind):
        present = [v for v in values if not _missing(v)]
        categories = sorted({value_text(v) for v in present}, key=_category_key)
        code = {c: i for i, c in enumerate(categories)}
        numbers = np.array([np.nan if _missing(v) else code[value_text(v)] for v in values], dtype=float)
        levels = numbers / max(len(categories) - 1, 1) if len(categories) > 1 else np.where(
            np.isnan(numbers), np.nan, 0.5)
        return ColumnValues(name, numbers, levels, tuple(categories))
    numbers = np.array([np.nan if _missing(v) else float(v) for v in values], dtype=float)
    finite = numbers[np.isfinite(numbers)]
    if not finite.size:
        return ColumnValues(name, numbers, numbers.copy())
    low, high = np.percentile(finite, [5, 95])
    if high <= low:
        low, high = float(finite.min()), float(finite.max())
    if high <= low:
        levels = np.where(np.isfinite(numbers), 0.5, np.nan)
    else:
        levels = np.clip((numbers - low) / (high - low), 0.0, 1.0)
    return ColumnValues(name, numbers, levels)


def _category_key(text: str) -> tuple[int, float, str]:
    try:
        return 0, float(text), text
    except ValueError:
        return 1, 0.0, text.lower()


def feature_column(rows: Any, name: str) -> list[Any]:
    j = rows.columns.index(name)
    return [row[j] for row in rows.features]


def shap_column(rows: Any, name: str) -> np.ndarray:
    return np.asarray(rows.values, dtype=float)[:, rows.columns.index(name)]


# -- explained rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExplainedRow:
    position: int  # position in RowAttributions
    row_index: int  # position in the dataset
    output: float
    prediction: Any
    label: Any
    misclassified: bool | None  # None: no label or no prediction, or a regression
    top_column: str
    top_value: float


def explained_rows(rows: Any, task: str | None = None) -> list[ExplainedRow]:
    if rows is None:
        return []
    from assay.engine.labels import same  # imports pandas: not before the window's first paint (test_startup)

    values = np.asarray(rows.values, dtype=float)
    n = len(rows.row_index)
    top = np.argmax(np.abs(values), axis=1) if values.size else np.zeros(n, dtype=int)
    labels = rows.labels if len(rows.labels) == n else (None,) * n
    predictions = rows.predictions if len(rows.predictions) == n else (None,) * n
    classified = task in ("binary", "multiclass")
    out = []
    for i in range(n):
        label, prediction = labels[i], predictions[i]
        known = classified and not _missing(label) and not _missing(prediction)
        j = int(top[i]) if values.size else 0
        out.append(ExplainedRow(i, int(rows.row_index[i]), float(rows.output[i]), prediction, label,
                                (not same(label, prediction)) if known else None,
                                rows.columns[j] if rows.columns else "", float(values[i, j]) if values.size else 0.0))
    return out


def _yes(value: bool | None) -> str:
    return {True: "yes", False: "", None: "—"}[value]


class ExplainedRowsModel(RecordTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__([
            Column("Row", lambda r: r.row_index, numeric=True, header_tip="Position of the row in its dataset"),
            Column("Model\noutput", lambda r: r.output, lambda v: number(v).replace("-", "−"), numeric=True,
                   header_tip="The model's output for the row, on the explained scale"),
            Column("Predicted", lambda r: label_text(r.prediction), header_tip="The predicted label"),
            Column("True\nlabel", lambda r: label_text(r.label), header_tip="The true label, where known"),
            Column("Mis-\nclassified", lambda r: r.misclassified, _yes,
                   colour=lambda r: severity_colour("warn") if r.misclassified else None,
                   header_tip="The predicted label differs from the true label"),
            Column("Largest\ncontribution", lambda r: r.top_column,
                   lambda name: name, tooltip=lambda r: f"{r.top_column}: {signed(r.top_value)}",
                   header_tip="The column that moved this row's output the most, either way"),
            Column("SHAP", lambda r: r.top_value, signed, numeric=True,
                   header_tip="That column's contribution to the output"),
        ], parent)

    def row_of(self, position: int) -> int | None:
        return next((i for i, r in enumerate(self.records()) if r.position == position), None)


# -- the waterfall ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str  # "debt_to_income = 0.073", or "other 3 columns"
    start: float
    end: float

    @property
    def value(self) -> float:
        return self.end - self.start


def waterfall_steps(rows: Any, position: int, top: int = 12) -> list[Step]:
    """The row's contributions, largest |value| first, each starting where the previous ended (at the
    base value for the first); beyond `top` columns the rest are summed as one step."""
    values = np.asarray(rows.values, dtype=float)[position]
    order = np.argsort(-np.abs(values), kind="stable")
    shown, rest = order[:top], order[top:]
    if len(rest) == 1:
        shown, rest = order, order[:0]
    steps, at = [], float(rows.base_value)
    for j in shown:
        name = rows.columns[j]
        steps.append(Step(f"{name} = {value_text(rows.features[position][j])}", at, at + float(values[j])))
        at += float(values[j])
    if len(rest):
        other = float(values[rest].sum())
        steps.append(Step(f"other {len(rest)} columns", at, at + other))
    return steps


# -- attribution drift ------------------------------------------------------------------------


def drifted(d: Any) -> bool:
    """Whether the engine judged this column's attributions drifted."""
    return bool(d.drifted)


def change_text(d: Any) -> str:
    if d.ci_low is None or d.ci_high is None:
        return signed(d.change)
    return f"{signed(d.change)}  [{signed(d.ci_low)}, {signed(d.ci_high)}]"


class AttributionDriftModel(RecordTableModel):
    def __init__(self, parent=None) -> None:
        warn = lambda d: severity_colour("warn") if drifted(d) else None  # noqa: E731
        super().__init__([
            Column("Column", lambda d: d.feature),
            Column("Importance\nreference", lambda d: d.reference, number, numeric=True,
                   header_tip="Mean |SHAP| over the explained reference rows"),
            Column("Importance\nproduction", lambda d: d.production, number, numeric=True,
                   header_tip="Mean |SHAP| over the explained production rows"),
            Column("Change [95% interval]", lambda d: d.change, lambda _v: "", colour=warn,
                   header_tip="Production minus reference, with a bootstrap interval"),
            Column("p-value", lambda d: d.p_value, p_text, numeric=True,
                   header_tip="KS test of the column's SHAP values, reference against production"),
            Column("p-value\nadjusted", lambda d: d.p_value_adjusted, p_text, numeric=True, colour=warn,
                   header_tip="Holm-corrected across the columns"),
            Column("Rank\nref → prod", lambda d: d.rank_production,
                   lambda _v: "", header_tip="Rank by importance in the reference and in production (1: most "
                                             "important); sorts by the production rank"),
            Column("Drifted", lambda d: drifted(d), lambda v: "drifted" if v else "", colour=warn,
                   header_tip="Adjusted p-value below 0.05 and an interval that excludes zero"),
        ], parent)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # two columns show text built from the whole record (they sort by the change, the production rank)
        if role == Qt.ItemDataRole.DisplayRole and index.isValid() and index.column() in (3, 6):
            d = self.record(index.row())
            return change_text(d) if index.column() == 3 else f"{d.rank_reference} → {d.rank_production}"
        return super().data(index, role)

    def row_of(self, name: str) -> int | None:
        return next((i for i, d in enumerate(self.records()) if d.feature == name), None)


def theme_pair(pair: tuple[str, str], dark: bool) -> QColor:
    return QColor(pair[1] if dark else pair[0])
