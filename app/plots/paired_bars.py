"""Horizontal bars per group, reference and production side by side, with intervals: shares as bars from 0,
metrics as dots; small groups hollow. Drawn from Bar records; computes nothing."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from assay.app.plots.hover import HoverPlot
from assay.app.plots.themed import NAN, cosmetic_pen, escape, short, with_alpha
from assay.app.theme import series_colour
from assay.engine.datasets import DATASETS


@dataclass(frozen=True)
class Bar:
    value: float | None
    low: float | None = None
    high: float | None = None
    small: bool = False
    tip: str = ""


class PairedBars(HoverPlot):
    """Horizontal bars per group (first on top), reference and production side by side, with intervals;
    small groups are drawn hollow. Shares (predicted labels) are bars from 0; metrics (segments) are dots
    with their intervals over the range of the values, where differences of a few points show."""

    VISIBLE = 12  # more groups scroll (drag or wheel)
    ROW = 0.76

    def __init__(self, empty_text: str = "Nothing to draw.", parent=None) -> None:
        super().__init__(empty_text, parent)
        self.png_name = "bars"
        self.groups: list[str] = []
        self.datasets: tuple[str, ...] = ()
        self.bar_specs: dict[str, list[Bar]] = {}
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.plot.invertY(True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.item.getAxis("bottom").setZValue(-1000)
        empty = np.zeros(0)
        self.bars = {d: pg.BarGraphItem(x0=0, y=empty, height=0.3, width=empty) for d in DATASETS}
        self.hollow = {d: pg.BarGraphItem(x0=0, y=empty, height=0.3, width=empty) for d in DATASETS}
        self.errors = {d: pg.ErrorBarItem(x=empty, y=empty, left=empty, right=empty) for d in DATASETS}
        self.dots = {d: pg.ScatterPlotItem(size=11, symbol="o") for d in DATASETS}
        self.hollow_dots = {d: pg.ScatterPlotItem(size=10, symbol="o") for d in DATASETS}
        self.mode = "bars"
        self.line = pg.InfiniteLine(angle=90, movable=False)
        for d in DATASETS:
            for item in (self.bars[d], self.hollow[d], self.errors[d], self.dots[d], self.hollow_dots[d]):
                self.plot.addItem(item)
            self.errors[d].setZValue(5)
            self.dots[d].setZValue(6)
            self.hollow_dots[d].setZValue(6)
        self.plot.addItem(self.line)
        self.line.setZValue(8)
        self.apply_palette()

    def set_bars(self, groups: Sequence[str], series: dict[str, Sequence[Bar]], x_label: str,
                 line: tuple[float, str] | None = None, percent: bool = False, empty_text: str = "Nothing to draw.",
                 dots: bool = False) -> None:
        """`series`: dataset -> one Bar per group; `line`: (value, label) drawn across, e.g. all rows;
        `dots`: a dot per value instead of a bar from 0."""
        self.clear_hover()
        self.mode = "dots" if dots else "bars"
        self.groups = list(groups)
        self.datasets = tuple(d for d in DATASETS if d in series)
        self.bar_specs = {d: list(series[d]) for d in self.datasets}
        if not self.groups or not self.datasets:
            for d in DATASETS:
                self._clear(d)
            self.line.setVisible(False)
            self.set_legend([])
            self.set_caption("")
            self.show_empty(empty_text)
            return
        scale = 100.0 if percent else 1.0
        extent = [] if dots else [0.0]
        any_small = False
        for d in DATASETS:
            if d not in self.datasets:
                self._clear(d)
                continue
            found, small = self._draw_dataset(d, scale, dots)
            extent += found
            any_small |= small
        self.line.setVisible(line is not None)
        if line is not None:
            self.line.setValue(line[0] * scale)
            extent.append(line[0] * scale)
        self._fit(extent, dots)
        legend = [(d, "●" if dots else "■", d) for d in self.datasets]
        if any(self.errors[d].isVisible() for d in self.datasets):
            legend.append(("text", "├┤", "interval"))
        if line is not None:
            legend.append(("text", "┆", escape(line[1])))
        if any_small:
            legend.append(("muted", "○" if dots else "□", "too few labelled rows to judge"))
        self.set_legend(legend)
        self.set_axis_label("bottom", x_label)
        self.restyle()
        self.show_plot()

    def _offset(self, dataset: str) -> float:
        """Where a dataset's bars sit in their group's row, from its middle."""
        height = self.ROW / len(self.datasets)
        return (self.datasets.index(dataset) - (len(self.datasets) - 1) / 2) * height

    def _draw_dataset(self, d: str, scale: float, dots: bool) -> tuple[list[float], bool]:
        """One dataset's bars (or dots) and intervals; (the values and interval ends drawn, whether any group
        with a value is small)."""
        height = self.ROW / len(self.datasets)
        bars = self.bar_specs[d]
        has = np.array([b.value is not None for b in bars], dtype=bool)
        small = np.array([b.small for b in bars], dtype=bool)
        values = np.array([NAN if b.value is None else b.value * scale for b in bars], dtype=float)
        y = np.arange(len(bars), dtype=float) + self._offset(d)
        full, thin = has & ~small, has & small
        if dots:
            self._clear(d)
            self.dots[d].setData(values[full], y[full])
            self.hollow_dots[d].setData(values[thin], y[thin])
        else:
            self.dots[d].setData([], [])
            self.hollow_dots[d].setData([], [])
            self.bars[d].setOpts(x0=np.minimum(values[full], 0), y=y[full], height=height * 0.9,
                                 width=np.abs(values[full]))
            self.hollow[d].setOpts(x0=np.minimum(values[thin], 0), y=y[thin], height=height * 0.9,
                                   width=np.abs(values[thin]))
        with_ci = [i for i, b in enumerate(bars) if b.value is not None and b.low is not None and b.high is not None]
        ex = values[with_ci]
        self.errors[d].setData(x=ex, y=y[with_ci], left=ex - np.array([bars[i].low * scale for i in with_ci]),
                               right=np.array([bars[i].high * scale for i in with_ci]) - ex, beam=height * 0.4)
        self.errors[d].setVisible(bool(with_ci))
        self.set_hover(d, np.where(has, values, 0.0), y,
                       lambda i, d=d: self.bar_specs[d][i].tip or f"{self.groups[i]} ({d})")
        extent = [v for v in values[has]] + [bars[i].high * scale for i in with_ci] + \
            [bars[i].low * scale for i in with_ci]
        return extent, bool((small & has).any())

    def _fit(self, extent: list[float], dots: bool) -> None:
        """Group names on the left axis; x over the values drawn, y over the first VISIBLE groups (the others a
        drag away)."""
        labels = [short(g, 26) for g in self.groups]
        axis = self.item.getAxis("left")
        axis.setTicks([[(float(i), label) for i, label in enumerate(labels)], []])
        axis.setWidth(min(max(self.fontMetrics().horizontalAdvance(label) for label in labels) + 16, 240))
        low, high = (min(extent), max(extent)) if extent else (0.0, 1.0)
        span = max(high - low, abs(high) * 0.05, 1e-9)
        if dots:
            self.item.setXRange(low - 0.08 * span, high + 0.08 * span, padding=0)
        else:
            self.item.setXRange(low - (0.04 * span if low < 0 else 0.0), high + 0.1 * span, padding=0)
        shown = min(len(self.groups), self.VISIBLE)
        self.item.getViewBox().setLimits(yMin=-0.6, yMax=max(len(self.groups), 2) - 0.4)
        self.item.setYRange(-0.6, max(shown, 2) - 0.4, padding=0)
        self.plot.setMouseEnabled(x=False, y=len(self.groups) > self.VISIBLE)
        self.set_caption(f"{shown} of {len(self.groups)} shown; drag the plot up to see the others."
                         if len(self.groups) > shown else "")

    def hover_text(self, x: float, y: float) -> str | None:
        """The bar under the pointer: the row (and dataset) by y, anywhere along its length."""
        if not self.groups:
            return None
        height = self.ROW / len(self.datasets)
        for d in self.datasets:
            offset = self._offset(d)
            i = int(round(y - offset))
            if 0 <= i < len(self.groups) and abs(y - offset - i) <= height / 2:
                bar = self.bar_specs[d][i]
                return bar.tip or f"{self.groups[i]} ({d})"
        return None

    def bar_values(self, dataset: str) -> np.ndarray:
        """Each group's value as given (None as NaN), in group order."""
        return np.array([NAN if b.value is None else b.value for b in self.bar_specs.get(dataset, [])], dtype=float)

    def _clear(self, d: str) -> None:
        empty = np.zeros(0)
        self.bars[d].setOpts(x0=0, y=empty, height=0.3, width=empty)
        self.hollow[d].setOpts(x0=0, y=empty, height=0.3, width=empty)
        self.errors[d].setVisible(False)
        if self.mode == "bars":
            self.dots[d].setData([], [])
            self.hollow_dots[d].setData([], [])

    def restyle(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for d in DATASETS:
            colour = series_colour(d)
            self.bars[d].setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(colour.darker(115)))
            self.hollow[d].setOpts(brush=pg.mkBrush(base), pen=pg.mkPen(colour, width=1.5))
            self.dots[d].setBrush(pg.mkBrush(colour))
            self.dots[d].setPen(pg.mkPen(base, width=1.2))
            self.hollow_dots[d].setBrush(pg.mkBrush(base))
            self.hollow_dots[d].setPen(pg.mkPen(colour, width=1.8))
            shown = self.errors[d].isVisible()
            self.errors[d].setData(pen=pg.mkPen(with_alpha(self.text_colour(), 0.85), width=1.4))
            self.errors[d].setVisible(shown)
        self.line.setPen(cosmetic_pen(with_alpha(self.text_colour(), 0.8), 1.4, Qt.PenStyle.DashLine))
