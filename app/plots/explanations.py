"""The Explanations page's plots. Each draws SHAP values the engine computed (engine/explain) and
measures nothing; items are created once and updated with setData / setOpts.

- HorizontalBars: one bar per column and series (mean |SHAP| reference vs production, or the
  permutation importance), the most important on top
- Beeswarm:       every explained row's SHAP value per column, coloured by the row's value of that column
- DependencePlot: a column's value against its SHAP value, coloured by a second column
- Waterfall:      one row's contributions from the base value to the model output
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from assay.app.models.explanations import (NEGATIVE_COLOUR, POSITIVE_COLOUR, RAMP_SIZE, ColumnValues, Step, ramp,
                                     ramp_index, signed, theme_pair)
from assay.app.plots.themed import ThemedPlot, escape, short, with_alpha
from assay.app.theme import is_dark, series_colour
from assay.engine.datasets import DATASETS

VISIBLE_ROWS = 15  # bars beyond this scroll (drag the plot)
JITTER = 0.38  # half the height of a beeswarm row at its densest
BINS = 60
MISSING = "#9e9e9e"
LEGEND_STEPS = 7


def _axis_names(plot: ThemedPlot, labels: Sequence[str], limit: int = 260) -> None:
    axis = plot.item.getAxis("left")
    axis.setTicks([[(float(i), label) for i, label in enumerate(labels)], []])
    widest = max((plot.fontMetrics().horizontalAdvance(label) for label in labels), default=40)
    axis.setWidth(min(widest + 16, limit))


def _ramp_legend(title: str, low: str = "low", high: str = "high",
                 missing: bool = False) -> str:
    colours = ramp(LEGEND_STEPS)
    swatches = "".join(f"<span style='color:{c.name()}; font-size:12pt'>■</span>" for c in colours)
    text = f"{title}&nbsp;&nbsp;{low}&nbsp;{swatches}&nbsp;{high}"
    if missing:
        text += f"&nbsp;&nbsp;&nbsp;<span style='color:{MISSING}; font-size:12pt'>■</span>&nbsp;missing"
    return text


class _RampPlot(ThemedPlot):
    """A plot whose points are coloured along the low -> high ramp; the legend is the ramp itself."""

    def __init__(self, empty_text: str, parent=None) -> None:
        super().__init__(empty_text, parent)
        self._brushes = [pg.mkBrush(c) for c in ramp(RAMP_SIZE)] + [pg.mkBrush(MISSING)]
        self._ramp_legend = ""
        self.legend.setWordWrap(True)

    def brushes_for(self, levels: np.ndarray) -> list:
        index = ramp_index(levels)
        index[index < 0] = RAMP_SIZE  # the grey brush
        brushes = self._brushes
        return [brushes[i] for i in index.tolist()]

    def set_ramp_legend(self, html: str) -> None:
        self._ramp_legend = html
        self._draw_legend()

    def _draw_legend(self) -> None:
        self.legend.setText(self._ramp_legend)
        self.legend.setVisible(bool(self._ramp_legend))


class HorizontalBars(ThemedPlot):
    """Bars per name (the first on top) for one or more series side by side within each row."""

    def __init__(self, x_label: str, series: Sequence[str], legend: Sequence[str] = (), parent=None) -> None:
        super().__init__("No columns to rank.", parent)
        self.legend_texts = tuple(legend) or tuple(series)
        self.names: list[str] = []
        self.series = tuple(series)
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        self.plot.invertY(True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.item.getAxis("bottom").setZValue(-1000)
        self.bars = {s: pg.BarGraphItem(x0=0, y=np.zeros(0), height=0.3, width=np.zeros(0)) for s in self.series}
        for bars in self.bars.values():
            self.plot.addItem(bars)
        self.set_axis_label("bottom", x_label)
        self.apply_palette()

    def set_bars(self, names: Sequence[str], values: dict[str, Sequence[float]]) -> None:
        self.names = list(names)
        if not self.names:
            self.show_empty()
            return
        rows = np.arange(len(self.names), dtype=float)
        height = 0.76 / len(self.series)
        widths = {}
        for k, s in enumerate(self.series):
            w = np.asarray(values.get(s, np.full(len(rows), np.nan)), dtype=float)
            widths[s] = w
            self.bars[s].setOpts(x0=0, y=rows - 0.38 + height * (k + 0.5), height=height, width=np.nan_to_num(w))
        _axis_names(self, [short(n, 28) for n in self.names])
        every = np.concatenate([w[np.isfinite(w)] for w in widths.values()] + [np.zeros(1)])
        self.item.setXRange(min(0.0, float(every.min()) * 1.1), max(float(every.max()) * 1.08, 1e-9), padding=0)
        shown = min(len(self.names), VISIBLE_ROWS)
        self.item.getViewBox().setLimits(yMin=-0.6, yMax=max(len(self.names), 3) - 0.4)
        self.item.setYRange(-0.6, max(shown, 3) - 0.4, padding=0)
        self.plot.setMouseEnabled(x=False, y=len(self.names) > VISIBLE_ROWS)
        self.set_legend([(s, "■", text) for s, text in zip(self.series, self.legend_texts)])
        hidden = len(self.names) - shown
        self.set_caption(f"{shown} of {len(self.names)} columns shown; drag the plot up to see the others."
                         if hidden else "")
        self.show_plot()

    def bar_values(self, series: str) -> tuple[list[str], np.ndarray]:
        return list(self.names), np.asarray(self.bars[series].opts["width"], dtype=float)

    def named_colour(self, name: str) -> QColor | None:
        if name in DATASETS:
            return series_colour(name)
        if name in self.series:  # a neutral grey: a cross-check, not a dataset
            return QColor("#a0a7ad" if is_dark() else "#7b858c")
        return None

    def restyle(self) -> None:
        for s, bars in self.bars.items():
            colour = self.colour(s)
            bars.setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(colour.darker(115)))


class Beeswarm(_RampPlot):
    """One row per column (the first on top); a point per explained row at its SHAP value, spread
    vertically by how many points share its neighbourhood, coloured by the row's value of the column."""

    def __init__(self, parent=None) -> None:
        super().__init__("No rows were explained.", parent)
        self.names: list[str] = []
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.plot.invertY(True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.zero = pg.InfiniteLine(pos=0, angle=90, movable=False)
        self.points = pg.ScatterPlotItem(size=4.5, pen=None)
        self.plot.addItem(self.zero)
        self.plot.addItem(self.points)
        self.apply_palette()

    def set_swarm(self, names: Sequence[str], shap: np.ndarray, levels: np.ndarray, x_label: str) -> None:
        """`shap`, `levels`: rows x len(names); levels in 0..1 (nan: missing value)."""
        for _ in self.swarm_steps(names, shap, levels, x_label):
            pass

    def swarm_steps(self, names: Sequence[str], shap: np.ndarray, levels: np.ndarray, x_label: str) -> Iterator[None]:
        """`set_swarm` a column at a time (app/steps.py): 12 columns of 1,000 points took 50 ms in one go."""
        self.names = list(names)
        shap = np.asarray(shap, dtype=float).reshape(-1, len(self.names)) if self.names else np.zeros((0, 0))
        if not self.names or not shap.size:
            self.points.setData([], [])
            self.show_empty("No rows were explained.")
            return
        n = shap.shape[0]
        rng = np.random.default_rng(0)  # the same picture every time
        low, high = float(np.nanmin(shap)), float(np.nanmax(shap))
        edges = np.linspace(low, high if high > low else low + 1.0, BINS + 1)
        levels = np.asarray(levels, dtype=float).reshape(n, len(self.names))
        self.points.clear()
        _axis_names(self, [short(name, 28) for name in self.names])
        span = max(high - low, 1e-9)
        self.item.setXRange(low - 0.04 * span, high + 0.04 * span, padding=0)
        self.item.setYRange(-0.6, len(self.names) - 0.4, padding=0)
        self.set_axis_label("bottom", x_label)
        self.set_ramp_legend(_ramp_legend("Value of the column:", missing=bool(np.isnan(levels).any())))
        self.show_plot()
        for j in range(len(self.names)):
            values = shap[:, j]
            bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, BINS - 1)
            counts = np.bincount(bins, minlength=BINS)
            spread = JITTER * np.sqrt(counts[bins] / max(counts.max(), 1))
            y = j + spread * rng.uniform(-1.0, 1.0, n)
            yield
            self.points.addPoints(x=values, y=y, brush=self.brushes_for(levels[:, j]))

    def point_count(self) -> int:
        return len(self.points.data)

    def restyle(self) -> None:
        self.zero.setPen(pg.mkPen(with_alpha(self.text_colour(), 0.45), width=1))


class DependencePlot(_RampPlot):
    """A column's value (x; categories at whole positions, spread sideways) against its SHAP value (y),
    each point coloured by the row's value of a second column."""

    def __init__(self, parent=None) -> None:
        super().__init__("No rows were explained.", parent)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.zero = pg.InfiniteLine(pos=0, angle=0, movable=False)
        self.points = pg.ScatterPlotItem(size=6, pen=None)
        self.plot.addItem(self.zero)
        self.plot.addItem(self.points)
        self.column = ""
        self.colour_by = ""
        self.apply_palette()

    def set_dependence(self, x: ColumnValues, shap: np.ndarray, colour: ColumnValues | None, y_label: str) -> None:
        self.column, self.colour_by = x.name, colour.name if colour is not None else ""
        shap = np.asarray(shap, dtype=float)
        keep = np.isfinite(x.numbers) & np.isfinite(shap)
        if not keep.any():
            self.points.setData([], [])
            self.show_empty(f"No values of {x.name} to draw.")
            return
        xs = x.numbers[keep]
        axis = self.item.getAxis("bottom")
        if x.categorical:
            xs = xs + np.random.default_rng(0).uniform(-0.28, 0.28, xs.size)
            axis.setTicks([[(float(i), short(c, 18)) for i, c in enumerate(x.categories)], []])
            self.item.setXRange(-0.6, len(x.categories) - 0.4, padding=0)
        else:
            axis.setTicks(None)
            self.item.enableAutoRange(axis="x")
        levels = colour.levels[keep] if colour is not None else np.full(int(keep.sum()), 0.5)
        self.points.setData(x=xs, y=shap[keep], brush=self.brushes_for(levels))
        self.item.enableAutoRange(axis="y")
        self.set_axis_label("bottom", x.name)
        self.set_axis_label("left", y_label)
        dropped = int((~keep).sum())
        self.set_caption(f"{dropped} row{'s' if dropped != 1 else ''} with a missing {x.name} not drawn."
                         if dropped else "")
        self.set_ramp_legend(_colour_legend(colour))
        self.show_plot()

    def restyle(self) -> None:
        self.zero.setPen(pg.mkPen(with_alpha(self.text_colour(), 0.45), width=1))


def _colour_legend(colour: ColumnValues | None) -> str:
    if colour is None:
        return ""
    missing = bool(np.isnan(colour.levels).any())
    name = f"Colour: <b>{escape(colour.name)}</b>"
    if colour.categorical and len(colour.categories) <= 8:
        colours = ramp(RAMP_SIZE)
        index = ramp_index(np.arange(len(colour.categories)) / max(len(colour.categories) - 1, 1))
        if len(colour.categories) == 1:
            index = ramp_index(np.array([0.5]))
        parts = [f"<span style='color:{colours[i].name()}; font-size:12pt'>■</span>&nbsp;{escape(short(c, 20))}"
                 for i, c in zip(index.tolist(), colour.categories)]
        if missing:
            parts.append(f"<span style='color:{MISSING}; font-size:12pt'>■</span>&nbsp;missing")
        return name + "&nbsp;&nbsp;&nbsp;" + "&nbsp;&nbsp;&nbsp;".join(parts)
    low, high = ("first", "last category") if colour.categorical else ("low", "high")
    return _ramp_legend(name, low, high, missing)


class Waterfall(ThemedPlot):
    """Rows top to bottom: the base value, each contribution as a bar from where the previous one
    ended, the model output. Bars that raise the output and bars that lower it differ in colour."""

    BAR = 0.62

    def __init__(self, parent=None) -> None:
        super().__init__("Pick a row to see how each column moved its output.", parent)
        self._steps: list[Step] = []
        self.base: float | None = None
        self.output: float | None = None
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.plot.invertY(True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.item.getAxis("bottom").setZValue(-1000)
        empty = np.zeros(0)
        self.up = pg.BarGraphItem(x0=empty, y=empty, height=self.BAR, width=empty)
        self.down = pg.BarGraphItem(x0=empty, y=empty, height=self.BAR, width=empty)
        self.links = pg.PlotDataItem(connect="pairs")
        self.base_line = pg.InfiniteLine(angle=90, movable=False)
        self.output_line = pg.InfiniteLine(angle=90, movable=False)
        self.ends = pg.ScatterPlotItem(size=11, symbol="d")
        for item in (self.base_line, self.output_line, self.links, self.up, self.down, self.ends):
            self.plot.addItem(item)
        self.labels: list[pg.TextItem] = []  # a pool, grown as needed
        self.apply_palette()

    def set_steps(self, steps: Sequence[Step], base: float, output: float, scale: str) -> None:
        self._steps, self.base, self.output = list(steps), float(base), float(output)
        k = len(self._steps)
        y = np.arange(1, k + 1, dtype=float)
        start = np.array([s.start for s in self._steps], dtype=float)
        end = np.array([s.end for s in self._steps], dtype=float)
        up = end >= start
        for bars, mask in ((self.up, up), (self.down, ~up)):
            bars.setOpts(x0=np.minimum(start, end)[mask], y=y[mask], height=self.BAR,
                         width=np.abs(end - start)[mask])
        link_x = np.repeat(np.r_[base, end], 2)
        link_y = np.column_stack([np.r_[0.0, y] + self.BAR / 2 * np.r_[0.4, np.ones(k)],
                                  np.r_[y, k + 1.0] - self.BAR / 2 * np.r_[np.ones(k), 0.4]]).ravel()
        self.links.setData(link_x, link_y)
        self.base_line.setValue(base)
        self.output_line.setValue(output)
        self.ends.setData([base, output], [0.0, k + 1.0])
        while len(self.labels) < k:
            label = pg.TextItem()
            self.plot.addItem(label)
            self.labels.append(label)
        for label in self.labels:
            label.setVisible(False)
        colour = self.text_colour()
        for i, s in enumerate(self._steps):
            label = self.labels[i]
            label.setText(signed(s.value))
            label.setAnchor((0, 0.5) if s.value >= 0 else (1, 0.5))
            label.setPos(s.end, i + 1.0)
            label.setColor(colour)
            label.setVisible(True)
        ends = (f"base value  {base:.4g}", f"model output  {output:.4g}")
        _axis_names(self, [ends[0].replace("-", "−")] + [short(s.label, 40) for s in self._steps]
                    + [ends[1].replace("-", "−")], limit=300)
        self._fit_x()
        self.item.setYRange(-0.6, k + 1.6, padding=0)
        self.set_axis_label("bottom", f"model output ({scale})")
        self.set_legend([("up", "■", "raises the output"), ("down", "■", "lowers it"),
                         ("ends", "◆", "base value and model output")])
        self.show_plot()

    def _fit_x(self) -> None:
        """An x range with room beside the extreme bars for their value labels (measured in pixels)."""
        if self.base is None:
            return
        xs = np.r_[self.base, self.output, [s.start for s in self._steps], [s.end for s in self._steps]]
        low, high = float(xs.min()), float(xs.max())
        span = max(high - low, 1e-9)
        metrics = self.fontMetrics()
        label = max((metrics.horizontalAdvance(signed(s.value)) for s in self._steps), default=0) + 14
        width = self.item.getViewBox().width()
        width = width if width > 50 else max(self.width() - 260, 300)
        pad = span * label / max(width - 2 * label, width / 3)
        self.item.setXRange(low - pad, high + pad, padding=0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_x()

    def clear_steps(self) -> None:
        self._steps, self.base, self.output = [], None, None
        self.show_empty()

    def steps(self) -> list[tuple[str, float, float]]:
        """(label, start, end) per drawn contribution, top to bottom."""
        return [(s.label, s.start, s.end) for s in self._steps]

    def named_colour(self, name: str) -> QColor | None:
        if name in ("up", "down"):
            return theme_pair(POSITIVE_COLOUR if name == "up" else NEGATIVE_COLOUR, is_dark())
        return None

    def restyle(self) -> None:
        for bars, name in ((self.up, "up"), (self.down, "down")):
            colour = self.colour(name)
            bars.setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(colour.darker(115)))
        text = self.text_colour()
        muted = with_alpha(text, 0.5)
        self.links.setPen(pg.mkPen(muted, width=1))
        for line in (self.base_line, self.output_line):
            line.setPen(pg.mkPen(with_alpha(text, 0.35), width=1, style=Qt.PenStyle.DashLine))
        self.ends.setBrush(pg.mkBrush(text))
        self.ends.setPen(pg.mkPen(self.palette().color(QPalette.ColorRole.Base), width=1))
        for label in self.labels:
            label.setColor(text)
