"""A metric per production chunk over time: its interval band, the reference value and the policy's lines;
chunks without labels are shaded and say "no labels" (never drawn as zero), small ones are hollow and
significant drops are marked. Drawn from ChunkPoint records; computes nothing."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPalette, QPolygonF
from PySide6.QtWidgets import QGraphicsPathItem

from assay.app.plots.hover import HoverPlot
from assay.app.plots.themed import NAN, ChunkAxis, cosmetic_pen, drawn_data, with_alpha
from assay.app.theme import series_colour, severity_colour


@dataclass(frozen=True)
class ChunkPoint:
    """One production chunk as the over-time plot draws it. `status`: 'ok', 'small', 'no labels', or
    'not computed' (the metric is not measured per chunk, or is undefined there)."""

    label: str
    value: float | None
    low: float | None
    high: float | None
    status: str
    dropped: bool
    tip: str


@dataclass(frozen=True)
class PolicyLine:
    value: float
    text: str


class ChunkMetricPlot(HoverPlot):
    def __init__(self, parent=None) -> None:
        self.chunk_axis = ChunkAxis()
        super().__init__("No production chunks to draw.", parent, {"bottom": self.chunk_axis})
        self.png_name = "metric_over_time"
        self.points: list[ChunkPoint] = []
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.band = QGraphicsPathItem()
        self.band.setZValue(-5)
        self.line = pg.PlotDataItem(connect="finite")
        self.ok = pg.ScatterPlotItem(size=7, symbol="o")
        self.small = pg.ScatterPlotItem(size=8, symbol="o")
        self.dropped = pg.ScatterPlotItem(size=11, symbol="o")
        self.reference = pg.InfiniteLine(angle=0, movable=False, label="reference",
                                         labelOpts={"position": 0.0, "anchors": [(0, 1), (0, 1)]})
        self.reference.label.setZValue(20)
        self.policy: list[pg.InfiniteLine] = []
        self.no_label_regions: list[pg.LinearRegionItem] = []
        self.no_label_texts: list[pg.TextItem] = []
        self.plot.addItem(self.band)
        for item in (self.reference, self.line, self.ok, self.small, self.dropped):
            self.plot.addItem(item)
        for item in (self.ok, self.small, self.dropped):
            item.setZValue(10)
        self.set_axis_label("bottom", "production chunk")
        self.apply_palette()

    def set_chunks(self, metric_label: str, points: Sequence[ChunkPoint], reference: float | None = None,
                   policy: Sequence[PolicyLine] = (), empty_text: str = "No production chunks to draw.",
                   reference_text: str | None = None, bounds: tuple[float | None, float | None] = (None, None)
                   ) -> None:
        """`bounds`: the metric's possible range (0 and 1 for shares), which the y range never passes."""
        self.clear_hover()
        self.points = list(points)
        n = len(self.points)
        values = np.array([NAN if p.value is None else p.value for p in self.points], dtype=float)
        if not n:
            self._clear()
            self.show_empty(empty_text)
            return
        x = np.arange(n, dtype=float)
        low = np.array([NAN if p.low is None else p.low for p in self.points], dtype=float)
        high = np.array([NAN if p.high is None else p.high for p in self.points], dtype=float)
        self.line.setData(x, values)
        status = np.array([p.status for p in self.points])
        dropped = np.array([p.dropped for p in self.points], dtype=bool)
        defined = np.isfinite(values)
        ok = defined & (status == "ok") & ~dropped
        small = defined & (status == "small")
        self.ok.setData(x[ok], values[ok])
        self.small.setData(x[small], values[small])
        self.dropped.setData(x[dropped & defined], values[dropped & defined])
        self.band.setPath(_band_path(x, low, high))
        self.reference.setVisible(reference is not None)
        if reference is not None:
            self.reference.setValue(reference)
            self.reference.label.setFormat(reference_text or f"reference {reference:.4g}")
        missing = [i for i, p in enumerate(self.points) if p.status == "no labels"]
        self._set_no_labels(missing)
        self.chunk_axis.set_labels([p.label for p in self.points])
        self.set_axis_label("left", metric_label)
        extent = np.r_[values, low, high, [reference] if reference is not None else [],
                       [line.value for line in policy]]
        extent = extent[np.isfinite(extent)]
        bottom, top = (float(extent.min()), float(extent.max())) if extent.size else (0.0, 1.0)
        span = max(top - bottom, abs(top) * 0.05, 1e-9)
        bottom, top = bottom - 0.1 * span, top + 0.14 * span
        if bounds[0] is not None:
            bottom = max(bottom, bounds[0] - 0.02 * span)
        if bounds[1] is not None:
            top = min(top, bounds[1] + 0.04 * span)
        self._set_policy(policy, 0.03 * (top - bottom))
        self.item.setXRange(-0.5, n - 0.5, padding=0)
        self.item.setYRange(bottom, top, padding=0)
        self.set_hover("chunks", x, np.where(defined, values, NAN), lambda i: self.points[i].tip)
        self._legend(defined.any(), small.any(), (dropped & defined).any(), bool(missing), reference is not None,
                     policy, np.isfinite(low).any())
        if not defined.any() and not missing:
            self.set_legend([])
            self.show_empty(empty_text)
            return
        self.show_plot()

    def hover_text(self, x: float, y: float) -> str | None:
        i = int(round(x))
        if 0 <= i < len(self.points) and abs(x - i) <= 0.5:
            return self.points[i].tip
        return None

    def _legend(self, any_value: bool, any_small: bool, any_dropped: bool, any_missing: bool, reference: bool,
                policy: Sequence[PolicyLine], intervals: bool) -> None:
        entries = []
        if any_value:
            entries.append(("production", "━●", "production, per chunk"))
        if intervals:
            entries.append(("band", "■", "interval"))
        if reference:
            entries.append(("reference", "┅", "reference"))
        if policy:
            entries.append(("fail", "┅", "policy"))
        if any_dropped:
            entries.append(("fail", "●", "significant drop beyond the policy"))
        if any_small:
            entries.append(("production", "○", "too few labelled rows to judge"))
        if any_missing:
            entries.append(("muted", "■", "no labels"))
        self.set_legend(entries)

    def _set_policy(self, policy: Sequence[PolicyLine], near: float = 0.0) -> None:
        """Lines closer than `near` share one line and one label (their labels would overlap)."""
        merged: list[PolicyLine] = []
        for spec in policy:
            same = next((i for i, m in enumerate(merged) if abs(m.value - spec.value) <= near), None)
            if same is None:
                merged.append(spec)
            elif spec.text:
                text = " · ".join(t for t in (merged[same].text, spec.text) if t)
                merged[same] = PolicyLine(merged[same].value, text)
        policy = merged
        while len(self.policy) < len(policy):
            line = pg.InfiniteLine(angle=0, movable=False, label="",
                                   labelOpts={"position": 1.0, "anchors": [(1, 0), (1, 0)]})
            line.label.setZValue(20)
            self.plot.addItem(line)
            self.policy.append(line)
        for item, spec in zip(self.policy, policy):
            item.setValue(spec.value)
            item.label.setFormat(spec.text)
            item.setVisible(True)
        for item in self.policy[len(policy):]:
            item.setVisible(False)
        self._style_lines()

    def _set_no_labels(self, indices: list[int]) -> None:
        while len(self.no_label_regions) < len(indices):
            region = pg.LinearRegionItem((0, 1), orientation="vertical", movable=False)
            region.setZValue(-10)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            text = pg.TextItem("no labels", anchor=(0.5, 0.5), angle=90)
            self.plot.addItem(region)
            self.plot.addItem(text)
            self.no_label_regions.append(region)
            self.no_label_texts.append(text)
        show_text = len(indices) <= 40
        for region, text, i in zip(self.no_label_regions, self.no_label_texts, indices):
            region.setRegion((i - 0.45, i + 0.45))
            region.setVisible(True)
            text.setVisible(show_text)
            text.setPos(i, 0)
        for region, text in zip(self.no_label_regions[len(indices):], self.no_label_texts[len(indices):]):
            region.setVisible(False)
            text.setVisible(False)
        self._style_regions()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_texts()

    def _place_texts(self) -> None:
        """'no labels' in the middle of the visible height (the y range is the metric's)."""
        low, high = self.item.getViewBox().viewRange()[1]
        for text in self.no_label_texts:
            text.setPos(text.pos().x(), (low + high) / 2)

    def show_plot(self) -> None:
        super().show_plot()
        self._place_texts()

    def _clear(self) -> None:
        for item in (self.line, self.ok, self.small, self.dropped):
            item.setData([], [])
        self.band.setPath(QPainterPath())
        self.reference.setVisible(False)
        self._set_policy([])
        self._set_no_labels([])
        self.set_legend([])

    # for tests
    def series(self) -> tuple[np.ndarray, np.ndarray]:
        return drawn_data(self.line)

    def band_rect(self) -> QRectF:
        return self.band.path().boundingRect()

    def no_label_chunks(self) -> list[int]:
        return [round(sum(r.getRegion()) / 2) for r in self.no_label_regions if r.isVisible()]

    def policy_values(self) -> list[float]:
        return [line.value() for line in self.policy if line.isVisible()]

    def policy_labels(self) -> list[str]:
        return [line.label.format for line in self.policy if line.isVisible()]

    def named_colour(self, name: str) -> QColor | None:
        if name == "band":
            return with_alpha(series_colour("production"), 0.5)
        return super().named_colour(name)

    def _style_lines(self) -> None:
        fill = pg.mkBrush(with_alpha(self.palette().color(QPalette.ColorRole.Base), 0.8))
        for line in self.policy:
            line.setPen(cosmetic_pen(severity_colour("fail"), 1.4, Qt.PenStyle.DashLine))
            line.label.setColor(severity_colour("fail"))
            line.label.fill = fill
        self.reference.label.fill = fill

    def _style_regions(self) -> None:
        grey = with_alpha(self.muted_colour(), 0.16)
        for region in self.no_label_regions:
            region.setBrush(pg.mkBrush(grey))
            region.setHoverBrush(pg.mkBrush(grey))
        for text in self.no_label_texts:
            text.setColor(self.muted_colour())

    def restyle(self) -> None:
        colour = series_colour("production")
        base = self.palette().color(QPalette.ColorRole.Base)
        self.line.setPen(cosmetic_pen(colour, 1.8))
        self.ok.setBrush(pg.mkBrush(colour))
        self.ok.setPen(pg.mkPen(base, width=1))
        self.small.setBrush(pg.mkBrush(base))
        self.small.setPen(pg.mkPen(colour, width=1.6))
        self.dropped.setBrush(pg.mkBrush(severity_colour("fail")))
        self.dropped.setPen(pg.mkPen(base, width=1.5))
        self.band.setBrush(pg.mkBrush(with_alpha(colour, 0.2)))
        self.band.setPen(pg.mkPen(None))
        self.reference.setPen(cosmetic_pen(series_colour("reference"), 1.6, Qt.PenStyle.DashLine))
        self.reference.label.setColor(series_colour("reference"))
        self._style_lines()
        self._style_regions()


def _band_path(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> QPainterPath:
    """One polygon per run of chunks with an interval; a lone chunk gets a narrow box."""
    path = QPainterPath()
    has = np.isfinite(low) & np.isfinite(high)
    i, n = 0, len(x)
    while i < n:
        if not has[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and has[j + 1]:
            j += 1
        xs = x[i:j + 1]
        if i == j:
            xs_top, lo, hi = np.array([xs[0] - 0.15, xs[0] + 0.15]), np.repeat(low[i], 2), np.repeat(high[i], 2)
        else:
            xs_top, lo, hi = xs, low[i:j + 1], high[i:j + 1]
        polygon = QPolygonF([QPointF(a, b) for a, b in zip(xs_top, hi)]
                            + [QPointF(a, b) for a, b in zip(xs_top[::-1], lo[::-1])])
        path.addPolygon(polygon)
        path.closeSubpath()
        i = j + 1
    return path
