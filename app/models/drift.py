"""Table model for the Drift page: one row per compared column, worst first, and the sparkline
delegate that paints each column's effect size over the production chunks.

The sparkline is painted by `SparklineDelegate` straight from the row's FeatureDrift (no widget per
row), so a table of 500 columns scrolls as smoothly as one of 5: only the visible rows are painted.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from assay.app.models.table import RECORD_ROLE, Column, RecordTableModel
from assay.app.theme import severity_colour

SPARK_WIDTH = 132
DRIFTED, STABLE, NOT_TESTED = 0, 1, 2
STATE_TEXT = {DRIFTED: "drifted", STABLE: "no", NOT_TESTED: "not tested"}
ROLE_TEXT = {"feature": "feature", "prediction": "prediction", "score": "score", "target": "target"}


@dataclass(frozen=True)
class DriftRow:
    """A FeatureDrift with the labels of the production chunks its per-chunk values refer to."""

    drift: Any  # engine.drift.results.FeatureDrift
    chunks: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.drift.feature


def state(f: Any) -> int:
    if not f.tested:
        return NOT_TESTED
    return DRIFTED if f.drifted else STABLE


def severity_key(f: Any) -> tuple[int, float, str]:
    """Drifted columns first, then the other tested ones, then the untested; larger effect first."""
    effect = f.effect_size if f.effect_size is not None and math.isfinite(f.effect_size) else -1.0
    return state(f), -effect, f.feature


def by_severity(features: Sequence[Any]) -> list[Any]:
    return sorted(features, key=severity_key)


def number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.4g}"


def effect_text(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.3f}"


def p_text(value: float | None) -> str:
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _state_colour(row: DriftRow) -> QColor | None:
    s = state(row.drift)
    if s == DRIFTED:
        return severity_colour("warn")
    if s == NOT_TESTED:
        return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
    return None


def _detail(f: Any) -> str:
    if not f.tested:
        return f.reason_not_tested or "not tested"
    if f.first_drifted_chunk:
        return f"first drifted chunk: {f.first_drifted_chunk}"
    return ""


def _name_tip(row: DriftRow) -> str:
    f = row.drift
    lines = [f"{f.feature} ({f.kind} {ROLE_TEXT.get(f.role, f.role)})"]
    if f.method_reason:
        lines.append(f"Method: {f.method_reason}")
    lines.append(f"Values: {f.rows_reference:,} reference, {f.rows_production:,} production; "
                 f"missing: {f.missing_reference:,} reference, {f.missing_production:,} production")
    return "\n".join(lines)


def chunks_tip(row: DriftRow) -> str | None:
    f = row.drift
    if not f.chunk_effect_sizes:
        return None
    lines = ["Effect size per production chunk:"]
    for label, value, drifted in zip(row.chunks, f.chunk_effect_sizes, f.chunk_drifted or ()):
        mark = "  drifted" if drifted else ("  (not tested)" if drifted is None else "")
        lines.append(f"{label}: {effect_text(value)}{mark}")
    if f.band is not None:
        lines.append(f"Expected from the reference: {f.band[0]:.3f} – {f.band[1]:.3f}")
    return "\n".join(lines)


class DriftTableModel(RecordTableModel):
    SPARK_COLUMN = 9

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column("Column", lambda r: r.name, tooltip=_name_tip),
            Column("Role", lambda r: r.drift.role, header_tip="feature, or a model output (prediction, score) "
                   "or the target; outputs and the target are corrected as a separate family"),
            Column("Kind", lambda r: r.drift.kind),
            Column("Method", lambda r: r.drift.method, tooltip=lambda r: r.drift.method_reason or None,
                   header_tip="The test or distance used; hover a cell for why it was chosen"),
            Column("Statistic", lambda r: r.drift.statistic, number, numeric=True,
                   header_tip="The method's own statistic (chi-square, KS distance, z, PSI, …)"),
            Column("Effect\nsize", lambda r: r.drift.effect_size, effect_text, numeric=True,
                   header_tip="On a 0–1 scale across methods: KS distance (numerical), total variation distance "
                              "(categorical), or the distance itself"),
            Column("p-value", lambda r: r.drift.p_value, p_text, numeric=True,
                   header_tip="Raw p-value (— for distances, which have none)"),
            Column("p-value\nadjusted", lambda r: r.drift.p_value_adjusted, p_text, numeric=True,
                   header_tip="After the multiple-testing correction across columns"),
            Column("Drifted", lambda r: state(r.drift), lambda s: STATE_TEXT.get(s, ""), colour=_state_colour,
                   tooltip=lambda r: r.drift.reason_not_tested or None,
                   header_tip="The column's verdict under the audit's rule"),
            Column("Over chunks", lambda r: sum(bool(d) for d in r.drift.chunk_drifted) if r.drift.tested else None,
                   lambda _v: "", tooltip=chunks_tip,
                   header_tip="Effect size per production chunk (dots: drifted chunks; band: expected from the "
                              "reference). Sorts by the number of drifted chunks"),
            Column("Detail", lambda r: _detail(r.drift), tooltip=lambda r: _detail(r.drift) or None),
        ], parent)

    def set_result(self, drift: Any) -> None:
        """Rows for `drift.features`, worst first (the page shows them in this order until the user sorts)."""
        labels = tuple(c.label for c in drift.chunks)
        self.set_records([DriftRow(f, labels) for f in by_severity(drift.features)])

    def row_of(self, name: str) -> int | None:
        return next((i for i, r in enumerate(self.records()) if r.name == name), None)


class SparklineDelegate(QStyledItemDelegate):
    """Paints a row's chunk_effect_sizes as a small line: the reference band shaded, drifted chunks as dots."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, opt.widget)
        row = index.data(RECORD_ROLE)
        values = row.drift.chunk_effect_sizes if row is not None else ()
        if not values:
            return
        finite = [v for v in values if v is not None and math.isfinite(v)]
        band = row.drift.band
        top = max(finite + ([band[1]] if band else []) + [1e-9]) * 1.1
        rect = QRectF(opt.rect).adjusted(6, 4, -6, -4)
        step = rect.width() / max(len(values) - 1, 1)

        def point(i: int, v: float) -> QPointF:
            return QPointF(rect.left() + i * step, rect.bottom() - rect.height() * v / top)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text = opt.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if band:
            fill = QColor(text)
            fill.setAlphaF(0.12)
            low, high = point(0, band[0]).y(), point(0, min(band[1], top)).y()
            painter.fillRect(QRectF(rect.left(), high, rect.width(), low - high), fill)
        line = QColor(text)
        line.setAlphaF(0.75)
        painter.setPen(QPen(line, 1.0))  # 1 px: the rasteriser's fast path (1.3 px is 20x slower)
        segment: list[QPointF] = []
        for i, v in enumerate(values):  # a missing chunk breaks the line
            if v is None or not math.isfinite(v):
                if len(segment) > 1:
                    painter.drawPolyline(segment)
                segment = []
            else:
                segment.append(point(i, v))
        if len(segment) > 1:
            painter.drawPolyline(segment)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(severity_colour("warn"))
        for i, (v, drifted) in enumerate(zip(values, row.drift.chunk_drifted)):
            if drifted and v is not None:
                painter.drawEllipse(point(i, v), 2.6, 2.6)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(SPARK_WIDTH, option.fontMetrics.height() + 8)
