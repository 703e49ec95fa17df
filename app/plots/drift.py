"""The Drift page's plots of one column and of the multivariate checks. Each draws what the engine
measured (engine.drift.results) and computes no statistic; items are created once and updated.

- DistributionPlot: reference vs production histogram densities over common edges (numerical)
- CategoryBars:     reference vs production shares per category, categories new in production marked
- EcdfPlot:         the two ECDFs with a vertical segment where they are farthest apart (the KS distance)
- ChunkSeriesPlot:  a value per production chunk (effect size, reconstruction error) with its expected band
- ImportanceBars:   one bar per column (the domain classifier's top features)
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from assay.app.plots.themed import NAN, ChunkAxis, ThemedPlot, floats, short, with_alpha
from assay.app.theme import series_colour, severity_colour
from assay.engine.datasets import DATASETS
from assay.engine.drift.distributions import cdf_at

BAR = 0.38  # height of one bar of a pair
VISIBLE_CATEGORIES = 12  # more scroll (drag the plot)


class _SeriesColours(ThemedPlot):
    def named_colour(self, name: str) -> QColor | None:
        if name in DATASETS:
            return series_colour(name)
        if name == "drifted":
            return severity_colour("warn")
        return None


class DistributionPlot(_SeriesColours):
    """Histogram densities of a numerical column, reference and production overlaid."""

    def __init__(self, parent=None) -> None:
        super().__init__("No values to draw.", parent)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.reference = pg.PlotDataItem(stepMode="center", fillLevel=0)
        self.production = pg.PlotDataItem(stepMode="center", fillLevel=0)
        self.plot.addItem(self.reference)
        self.plot.addItem(self.production)
        self.set_axis_label("left", "density")
        self.set_legend([("reference", "■", "reference"), ("production", "■", "production")])
        self.apply_palette()

    def set_distribution(self, name: str, edges: Sequence[float], reference: Sequence[float],
                         production: Sequence[float]) -> None:
        if len(edges) < 2:
            self.reference.setData([], [])
            self.production.setData([], [])
            self.show_empty("No values to draw.")
            return
        x = np.asarray(edges, dtype=float)
        self.reference.setData(x, np.asarray(reference, dtype=float))
        self.production.setData(x, np.asarray(production, dtype=float))
        self.set_axis_label("bottom", name)
        self.plot.enableAutoRange()
        self.show_plot()

    def restyle(self) -> None:
        for item, which in ((self.reference, "reference"), (self.production, "production")):
            colour = series_colour(which)
            item.setPen(pg.mkPen(colour, width=2))
            item.setBrush(pg.mkBrush(with_alpha(colour, 0.28)))


class EcdfPlot(_SeriesColours):
    """The empirical CDFs (values at evenly spaced levels) and the gap between them at `location`."""

    def __init__(self, parent=None) -> None:
        super().__init__("No values to draw.", parent)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.reference = pg.PlotDataItem()
        self.production = pg.PlotDataItem()
        self.gap = pg.PlotDataItem()
        self.gap_label = pg.TextItem(anchor=(0, 0.5))
        for item in (self.reference, self.production, self.gap, self.gap_label):
            self.plot.addItem(item)
        self.item.setYRange(0, 1.02, padding=0)
        self.set_axis_label("left", "cumulative share")
        self.set_legend([("reference", "━", "reference"), ("production", "━", "production"),
                         ("drifted", "┃", "largest gap")])
        self.apply_palette()

    def set_ecdf(self, name: str, reference: Sequence[float], production: Sequence[float],
                 location: float | None, label: str = "", x_range: tuple[float, float] | None = None) -> None:
        """`reference`/`production`: values at len() evenly spaced levels from 0 to 1 (quantiles);
        `x_range`: the span to show (the histogram's, so that both plots line up), else all values."""
        if len(reference) < 2 or len(production) < 2:
            for item in (self.reference, self.production, self.gap):
                item.setData([], [])
            self.show_empty("No values to draw.")
            return
        ref, prod = np.asarray(reference, dtype=float), np.asarray(production, dtype=float)
        self.reference.setData(ref, np.linspace(0.0, 1.0, ref.size))
        self.production.setData(prod, np.linspace(0.0, 1.0, prod.size))
        if location is None:
            self.gap.setData([], [])
            self.gap_label.setText("")
        else:
            low, high = sorted((cdf_at(ref, location), cdf_at(prod, location)))
            self.gap.setData([location, location], [low, high])
            self.gap_label.setText(label)
            self.gap_label.setPos(location, (low + high) / 2)
        self.set_axis_label("bottom", name)
        if x_range is not None:
            self.item.setXRange(*x_range, padding=0.02)
        else:
            self.item.enableAutoRange(axis="x")
        self.item.setYRange(0, 1.02, padding=0)
        self.show_plot()

    def gap_ends(self) -> tuple[float, float] | None:
        x, y = self.gap.getData()
        return None if x is None or not len(x) else (float(y[0]), float(y[1]))

    def restyle(self) -> None:
        self.reference.setPen(pg.mkPen(series_colour("reference"), width=2))
        self.production.setPen(pg.mkPen(series_colour("production"), width=2))
        self.gap.setPen(pg.mkPen(severity_colour("warn"), width=3))
        self.gap_label.setColor(self.text_colour())


class CategoryBars(_SeriesColours):
    """Reference and production share per category, horizontal pairs; new categories in the warning colour."""

    def __init__(self, parent=None) -> None:
        super().__init__("No categories to draw.", parent)
        self.categories: list[str] = []
        self.new: list[bool] = []
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        self.plot.invertY(True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.item.getAxis("bottom").setZValue(-1000)
        empty = np.zeros(0)
        self.reference = pg.BarGraphItem(x0=0, y=empty, height=BAR, width=empty)
        self.production = pg.BarGraphItem(x0=0, y=empty, height=BAR, width=empty)
        self.new_bars = pg.BarGraphItem(x0=0, y=empty, height=BAR, width=empty)
        for bars in (self.reference, self.production, self.new_bars):
            self.plot.addItem(bars)
        self.set_axis_label("bottom", "share of rows (%)")
        self.apply_palette()

    def set_categories(self, categories: Sequence[str], reference: Sequence[float], production: Sequence[float],
                       new: Sequence[bool]) -> None:
        self.categories, self.new = list(categories), [bool(n) for n in new] or [False] * len(categories)
        if not self.categories:
            self.show_empty("No categories to draw.")
            return
        rows = np.arange(len(self.categories), dtype=float)
        ref, prod = np.asarray(reference, dtype=float) * 100, np.asarray(production, dtype=float) * 100
        is_new = np.array(self.new)
        self.reference.setOpts(x0=0, y=rows - BAR / 2, height=BAR, width=ref)
        self.production.setOpts(x0=0, y=rows[~is_new] + BAR / 2, height=BAR, width=prod[~is_new])
        self.new_bars.setOpts(x0=0, y=rows[is_new] + BAR / 2, height=BAR, width=prod[is_new])
        labels = [short(c) + ("  (new)" if n else "") for c, n in zip(self.categories, self.new)]
        axis = self.item.getAxis("left")
        axis.setTicks([[(float(i), label) for i, label in enumerate(labels)], []])
        axis.setWidth(min(max(self.fontMetrics().horizontalAdvance(label) for label in labels) + 14, 240))
        shown = min(len(labels), VISIBLE_CATEGORIES)
        self.item.getViewBox().setLimits(yMin=-0.6, yMax=max(len(labels), 3) - 0.4)  # before the range
        self.item.setXRange(0, max(float(np.nanmax(np.r_[ref, prod])) * 1.1, 1.0), padding=0)
        self.item.setYRange(-0.6, max(shown, 3) - 0.4, padding=0)
        self.plot.setMouseEnabled(x=False, y=len(labels) > VISIBLE_CATEGORIES)
        legend = [("reference", "■", "reference"), ("production", "■", "production")]
        if any(self.new):
            legend.append(("drifted", "■", "new in production"))
        self.set_legend(legend)
        hidden = len(labels) - shown
        self.set_caption(f"{shown} of {len(labels)} categories shown, most frequent first; drag the plot up to "
                         "see the others." if hidden else "")
        self.show_plot()

    def new_categories(self) -> list[str]:
        return [c for c, n in zip(self.categories, self.new) if n]

    def bar_values(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bar lengths (percent) as drawn: reference, production (not new), production of new categories."""
        return tuple(np.asarray(b.opts["width"]) for b in (self.reference, self.production, self.new_bars))

    def restyle(self) -> None:
        for bars, colour in ((self.reference, series_colour("reference")),
                             (self.production, series_colour("production")),
                             (self.new_bars, severity_colour("warn"))):
            bars.setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(colour.darker(115)))


class ChunkSeriesPlot(_SeriesColours):
    """A value per production chunk as a line, the band expected from the reference shaded, drifted chunks
    marked, and optionally a horizontal threshold."""

    def __init__(self, y_label: str, parent=None) -> None:
        self.chunk_axis = ChunkAxis()
        super().__init__("No production chunks to draw.", parent, {"bottom": self.chunk_axis})
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.band = pg.LinearRegionItem((0, 0), orientation="horizontal", movable=False)
        self.band.setZValue(-10)
        for line in self.band.lines:
            line.setPen(pg.mkPen(None))
        self.threshold = pg.InfiniteLine(angle=0, movable=False)
        self.line = pg.PlotDataItem(connect="finite", symbol="o", symbolSize=5)
        self.drifted = pg.ScatterPlotItem(size=10)
        for item in (self.band, self.threshold, self.line, self.drifted):
            self.plot.addItem(item)
        self.set_axis_label("left", y_label)
        self.set_axis_label("bottom", "production chunk")
        self.apply_palette()

    def set_series(self, labels: Sequence[str], values: Sequence[float | None], band: tuple[float, float] | None,
                   drifted: Sequence[bool | None] = (), threshold: float | None = None, y_label: str | None = None,
                   series_name: str = "effect size") -> None:
        y = floats(values)
        if not len(y) or np.isnan(y).all():
            self.line.setData([], [])
            self.drifted.setData([], [])
            self.show_empty("Not measured per chunk (too few rows in each, or the column was not tested).")
            return
        x = np.arange(len(y), dtype=float)
        self.line.setData(x, y)
        flags = np.array([bool(d) for d in drifted], dtype=bool) if len(drifted) == len(y) else np.zeros(len(y), bool)
        self.drifted.setData(x[flags], y[flags])
        self.band.setVisible(band is not None)
        if band is not None:
            self.band.setRegion(band)
        self.threshold.setVisible(threshold is not None)
        if threshold is not None:
            self.threshold.setValue(threshold)
        if y_label:
            self.set_axis_label("left", y_label)
        self.chunk_axis.set_labels(labels)
        top = np.nanmax(np.r_[y, band[1] if band else NAN, threshold if threshold is not None else NAN])
        bottom = np.nanmin(np.r_[y, band[0] if band else NAN])
        span = max(top - bottom, abs(top) * 0.05, 1e-9)
        self.item.setXRange(-0.5, len(y) - 0.5, padding=0)
        self.item.setYRange(bottom - 0.08 * span, top + 0.12 * span, padding=0)
        legend = [("line", "━", series_name)]
        if flags.any():
            legend.append(("drifted", "●", "drifted chunk"))
        if band is not None:
            legend.append(("band", "■", "expected from the reference"))
        if threshold is not None:
            legend.append(("line", "┅", "threshold"))
        self.set_legend(legend)
        self.show_plot()

    def named_colour(self, name: str) -> QColor | None:
        if name == "band":
            return with_alpha(series_colour("reference"), 0.6)
        return super().named_colour(name)

    def restyle(self) -> None:
        text = self.text_colour()
        self.line.setPen(pg.mkPen(text, width=1.6))
        self.line.setSymbolBrush(pg.mkBrush(text))
        self.line.setSymbolPen(pg.mkPen(text))
        warn = severity_colour("warn")
        self.drifted.setBrush(pg.mkBrush(warn))
        self.drifted.setPen(pg.mkPen(self.palette().color(QPalette.ColorRole.Base), width=1.5))
        self.band.setBrush(pg.mkBrush(with_alpha(series_colour("reference"), 0.22)))
        self.threshold.setPen(pg.mkPen(with_alpha(text, 0.6), width=1, style=Qt.PenStyle.DashLine))


class ImportanceBars(ThemedPlot):
    """One horizontal bar per name, the first on top."""

    def __init__(self, x_label: str, parent=None) -> None:
        super().__init__("No columns to rank.", parent)
        self.names: list[str] = []
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        self.plot.invertY(True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.item.getAxis("bottom").setZValue(-1000)
        self.bars = pg.BarGraphItem(x0=0, y=np.zeros(0), height=0.7, width=np.zeros(0))
        self.plot.addItem(self.bars)
        self.set_axis_label("bottom", x_label)
        self.apply_palette()

    def set_bars(self, names: Sequence[str], values: Sequence[float]) -> None:
        self.names = list(names)
        if not self.names:
            self.show_empty()
            return
        widths = np.asarray(values, dtype=float)
        self.bars.setOpts(x0=0, y=np.arange(len(widths), dtype=float), height=0.7, width=widths)
        labels = [short(n) for n in self.names]
        axis = self.item.getAxis("left")
        axis.setTicks([[(float(i), label) for i, label in enumerate(labels)], []])
        axis.setWidth(min(max(self.fontMetrics().horizontalAdvance(label) for label in labels) + 14, 240))
        self.item.setXRange(min(0.0, float(widths.min()) * 1.1), max(float(widths.max()) * 1.1, 1e-6), padding=0)
        self.item.setYRange(-0.6, max(len(labels), 3) - 0.4, padding=0)
        self.show_plot()

    def bar_values(self) -> tuple[list[str], np.ndarray]:
        return list(self.names), np.asarray(self.bars.opts["width"])

    def restyle(self) -> None:
        colour = self.palette().color(QPalette.ColorRole.Highlight)
        self.bars.setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(colour.darker(115)))
