"""Estimated performance's plots: the estimate per chunk with its band and the realised value where labels
exist (the over-time plot with one more series), and the calibration curve before and after calibrating.
Drawn from the result's records; computes nothing."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from assay.app.plots.hover import HoverPlot
from assay.app.plots.over_time import ChunkMetricPlot
from assay.app.plots.themed import NAN, cosmetic_pen, drawn_data, with_alpha
from assay.app.theme import series_colour


class EstimateOverTimePlot(ChunkMetricPlot):
    """ChunkMetricPlot of the estimates, with the realised value (diamonds) of every chunk that has labels."""

    def __init__(self, parent=None) -> None:
        self.realised = pg.ScatterPlotItem(size=10, symbol="d")
        super().__init__(parent)
        self.png_name = "estimate_over_time"
        self.realised.setZValue(12)
        self.plot.addItem(self.realised)
        self.restyle()

    def set_realised(self, values: Sequence[float | None], tips: Sequence[str]) -> None:
        """One value per chunk drawn by `set_chunks` (None: no labels there)."""
        y = np.array([NAN if v is None else v for v in values], dtype=float)
        x = np.arange(y.size, dtype=float)
        shown = np.isfinite(y)
        self.realised.setData(x[shown], y[shown])
        if shown.any():
            shown_tips = [tips[j] for j in np.flatnonzero(shown)]
            self.set_hover("realised", x[shown], y[shown], lambda i: shown_tips[i])
            low, high = self.item.getViewBox().viewRange()[1]
            span = max(high - low, 1e-9)
            self.item.setYRange(min(low, float(y[shown].min()) - 0.05 * span),
                                max(high, float(y[shown].max()) + 0.05 * span), padding=0)
        self._legend_realised(bool(shown.any()))

    def _legend_realised(self, shown: bool) -> None:
        entries = [(c, s, "estimate, per chunk" if t == "production, per chunk" else t)
                   for c, s, t in self._legend_entries if t != "realised (from labels)"]
        if shown:
            entries.append(("reference", "◆", "realised (from labels)"))
        self.set_legend(entries)

    def realised_data(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.realised.getData()
        return np.asarray(x), np.asarray(y)

    def restyle(self) -> None:
        super().restyle()
        if hasattr(self, "realised"):
            self.realised.setBrush(pg.mkBrush(series_colour("reference")))
            self.realised.setPen(pg.mkPen(self.palette().color(QPalette.ColorRole.Base), width=1))


class CalibrationBeforeAfterPlot(HoverPlot):
    """The reference's reliability diagram of the raw scores and of the cross-fitted calibrated ones."""

    CURVES = ("before", "after")

    def __init__(self, parent=None) -> None:
        super().__init__("No calibration to draw.", parent)
        self.png_name = "calibration_before_after"
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.diagonal = pg.PlotDataItem([0, 1], [0, 1])
        self.plot.addItem(self.diagonal)
        self.curves = {name: pg.PlotDataItem(symbol="o", symbolSize=7) for name in self.CURVES}
        for item in self.curves.values():
            self.plot.addItem(item)
        self.set_axis_label("bottom", "mean score")
        self.set_axis_label("left", "observed share")
        self.item.setXRange(0, 1, padding=0.02)
        self.item.setYRange(0, 1, padding=0.02)
        self.apply_palette()

    def set_curves(self, before: Sequence, after: Sequence, ece_before: float | None, ece_after: float | None,
                   what: str) -> None:
        """`before` / `after`: points with score, observed and rows; `what`: the x axis ("positive-class score")."""
        self.clear_hover()
        if not before and not after:
            for item in self.curves.values():
                item.setData([], [])
            self.set_legend([])
            self.show_empty("No calibration: regression has no scores.")
            return
        legend = []
        for name, points, ece in (("before", before, ece_before), ("after", after, ece_after)):
            x = np.array([p.score for p in points], dtype=float)
            y = np.array([p.observed for p in points], dtype=float)
            self.curves[name].setData(x, y)
            self.set_hover(name, x, y, lambda i, name=name, points=points: (
                f"{name} calibrating: mean score {points[i].score:.3f}, observed {points[i].observed:.3f}, "
                f"{points[i].rows:,} rows"))
            text = "raw scores" if name == "before" else "calibrated (cross-fitted)"
            legend.append((name, "━●", f"{text}, ECE {'—' if ece is None else f'{ece:.3f}'}"))
        legend.append(("muted", "┅", "perfectly calibrated"))
        self.set_legend(legend)
        self.set_axis_label("bottom", what)
        self.show_plot()

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return drawn_data(self.curves[name])

    def named_colour(self, name: str) -> QColor | None:
        if name == "before":
            return self.muted_colour()
        if name == "after":
            return series_colour("production")
        return super().named_colour(name)

    def restyle(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for name, item in self.curves.items():
            colour = self.named_colour(name)
            item.setPen(cosmetic_pen(colour, 2.0))
            item.setSymbolBrush(pg.mkBrush(colour))
            item.setSymbolPen(pg.mkPen(base, width=1))
        self.diagonal.setPen(cosmetic_pen(with_alpha(self.muted_colour(), 0.9), 1.2, Qt.PenStyle.DashLine))
