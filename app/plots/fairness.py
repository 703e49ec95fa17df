"""The Fairness page's plot: one metric per group as horizontal bars (group names stay readable however
many groups an intersection has), reference and production side by side or one of them, each bar with
its interval as an error bar, a vertical line at the reference group's value, small groups greyed.

Items are created once and updated with setOpts / setData; nothing is computed but positions.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from assay.app.plots.themed import ThemedPlot, escape, short, with_alpha
from assay.app.theme import series_colour
from assay.engine.datasets import DATASETS

ROW = 0.76  # the bars of one group fill this much of its row
VISIBLE_GROUPS = 12  # more scroll (drag the plot or use the wheel)
LABEL_LIMIT = 30


@dataclass(frozen=True)
class GroupBar:
    """One group's value on one dataset. No value: `missing` says why ('needs labels', 'undefined')."""

    value: float | None
    low: float | None = None
    high: float | None = None
    small: bool = False
    missing: str = ""


def blend(a: QColor, b: QColor, share_of_b: float) -> QColor:
    """An opaque mix of two colours (a greyed bar must not turn black on a light background)."""
    t = min(max(share_of_b, 0.0), 1.0)
    return QColor.fromRgbF(a.redF() * (1 - t) + b.redF() * t, a.greenF() * (1 - t) + b.greenF() * t,
                           a.blueF() * (1 - t) + b.blueF() * t)


class GroupBars(ThemedPlot):
    def __init__(self, parent=None) -> None:
        super().__init__("No groups to draw.", parent)
        self.groups: list[str] = []
        self.datasets: tuple[str, ...] = ()
        self._small: dict[str, np.ndarray] = {}  # per dataset, per drawn bar
        self.small_groups: set[str] = set()  # small in a shown dataset: greyed, "(small)" on the axis
        self.legend.setWordWrap(True)  # five entries must not widen the page
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        self.plot.invertY(True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.item.getAxis("bottom").setZValue(-1000)  # its grid lines go behind the bars
        empty = np.zeros(0)
        self.bars = {d: pg.BarGraphItem(x0=0, y=empty, height=0.3, width=empty) for d in DATASETS}
        self.errors = {d: pg.ErrorBarItem(x=empty, y=empty, left=empty, right=empty, beam=0.1) for d in DATASETS}
        self.reference_lines = {d: pg.InfiniteLine(angle=90, movable=False) for d in DATASETS}
        self.notes: list[pg.TextItem] = []  # "needs labels" where a bar is missing; a pool, grown as needed
        for d in DATASETS:
            self.plot.addItem(self.bars[d])
            self.plot.addItem(self.errors[d])
            self.plot.addItem(self.reference_lines[d])
            self.errors[d].setZValue(5)
            self.reference_lines[d].setZValue(10)
        self.apply_palette()

    # -- data --------------------------------------------------------------------------------

    def set_bars(self, metric: str, groups: Sequence[str], series: dict[str, Sequence[GroupBar]],
                 reference_values: dict[str, float | None], reference_group: str | None = None,
                 min_size: int | None = None) -> None:
        """`series`: dataset -> one GroupBar per group (in `groups` order); `reference_values`: dataset ->
        the reference group's value (the line), None for none."""
        self.groups = list(groups)
        self.datasets = tuple(d for d in DATASETS if d in series)
        if not self.groups or not self.datasets:
            self._clear()
            self.show_empty("No groups to draw.")
            return
        self.small_groups = {self.groups[i] for d in self.datasets for i, b in enumerate(series[d]) if b.small}
        rows = np.arange(len(self.groups), dtype=float)
        height = ROW / len(self.datasets)
        extent: list[float] = []
        notes: list[tuple[float, str]] = []
        for d in DATASETS:
            shown = d in self.datasets
            bars = list(series.get(d, ()))
            offset = (self.datasets.index(d) - (len(self.datasets) - 1) / 2) * height if shown else 0.0
            has = np.array([b.value is not None for b in bars], dtype=bool)
            y = rows[: len(bars)][has] + offset if bars else np.zeros(0)
            values = np.array([b.value for b in bars if b.value is not None], dtype=float)
            self._small[d] = np.array([b.small for b in bars if b.value is not None], dtype=bool)
            self.bars[d].setOpts(x0=np.minimum(values, 0), y=y, height=height * 0.92, width=np.abs(values))
            self.bars[d].setVisible(shown)
            with_ci = [(i, b) for i, b in enumerate(bars) if b.value is not None and b.low is not None
                       and b.high is not None]
            ex = np.array([b.value for _, b in with_ci], dtype=float)
            self.errors[d].setData(x=ex, y=np.array([rows[i] + offset for i, _ in with_ci], dtype=float),
                                   left=ex - np.array([b.low for _, b in with_ci], dtype=float),
                                   right=np.array([b.high for _, b in with_ci], dtype=float) - ex,
                                   beam=height * 0.45)
            self.errors[d].setVisible(shown and bool(with_ci))
            line = self.reference_lines[d]
            line.setVisible(shown and reference_values.get(d) is not None)
            if shown and reference_values.get(d) is not None:
                line.setValue(float(reference_values[d]))
                extent.append(float(reference_values[d]))
            if shown:
                extent += [v for b in bars for v in (b.value, b.high, b.low) if v is not None]
                notes += [(rows[i] + offset, f"{b.missing} ({d})" if len(self.datasets) > 1 else b.missing)
                          for i, b in enumerate(bars) if b.value is None and b.missing]
        self._set_notes(notes)
        self._set_axes(metric, reference_group, extent)
        self._set_legend(reference_group, reference_values, min_size)
        self.restyle()
        self.show_plot()

    def _set_axes(self, metric: str, reference_group: str | None, extent: list[float]) -> None:
        labels = []
        for name in self.groups:
            label = short(name, LABEL_LIMIT)
            if name == reference_group:
                label += "  (ref.)"
            elif name in self.small_groups:
                label += "  (small)"
            labels.append(label)
        axis = self.item.getAxis("left")
        axis.setTicks([[(float(i), label) for i, label in enumerate(labels)], []])
        axis.setWidth(min(max(self.fontMetrics().horizontalAdvance(label) for label in labels) + 16, 300))
        self.set_axis_label("bottom", metric)
        low, high = min([0.0] + extent), max([0.0] + extent)
        span = max(high - low, 1e-9)
        self.item.setXRange(low - (0.04 * span if low < 0 else 0.0), high + 0.08 * span, padding=0)
        shown = min(len(self.groups), VISIBLE_GROUPS)
        self.item.getViewBox().setLimits(yMin=-0.6, yMax=max(len(self.groups), 2) - 0.4)  # before the range
        self.item.setYRange(-0.6, max(shown, 2) - 0.4, padding=0)
        self.plot.setMouseEnabled(x=False, y=len(self.groups) > VISIBLE_GROUPS)
        hidden = len(self.groups) - shown
        self.set_caption(f"{shown} of {len(self.groups)} groups shown, largest first; drag the plot up to see the "
                         "others." if hidden else "")

    def _set_legend(self, reference_group: str | None, reference_values: dict[str, float | None],
                    min_size: int | None) -> None:
        entries = [(d, "■", d) for d in self.datasets]
        entries += [("error", "├┤", "interval")]
        if reference_group is not None and any(reference_values.get(d) is not None for d in self.datasets):
            entries.append(("line", "┆", f"reference group ({escape(short(reference_group, LABEL_LIMIT))})"))
        if self.small_groups:
            under = f"under {min_size:,} rows" if min_size else "too small"
            entries.append(("small", "■", f"small group ({under}, not judged)"))
        self.set_legend(entries)

    def _set_notes(self, notes: list[tuple[float, str]]) -> None:
        while len(self.notes) < len(notes):
            text = pg.TextItem(anchor=(0, 0.5))
            text.setColor(self.palette().color(QPalette.ColorRole.PlaceholderText))
            self.plot.addItem(text)
            self.notes.append(text)
        for item, (y, label) in zip(self.notes, notes):
            item.setText(label)
            item.setPos(0, y)
            item.setVisible(True)
        for item in self.notes[len(notes):]:
            item.setVisible(False)

    def _clear(self) -> None:
        empty = np.zeros(0)
        for d in DATASETS:
            self.bars[d].setOpts(x0=0, y=empty, height=0.3, width=empty)
            self.errors[d].setVisible(False)
            self.reference_lines[d].setVisible(False)
        self._set_notes([])

    def show_empty(self, text: str | None = None) -> None:
        """A sentence instead of the axes, and no legend or caption for bars that are not drawn."""
        self.set_legend([])
        self.set_caption("")
        super().show_empty(text)

    # -- for tests ---------------------------------------------------------------------------

    def bar_values(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        """Bar positions (rows, with the dataset's offset) and signed values as drawn."""
        opts = self.bars[dataset].opts
        x0, width = np.asarray(opts["x0"], dtype=float), np.asarray(opts["width"], dtype=float)
        values = np.where(x0 < 0, x0, width)
        return np.asarray(opts["y"], dtype=float), values

    def intervals(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        """The error bars' (low, high) ends as drawn."""
        opts = self.errors[dataset].opts
        x = np.asarray(opts["x"], dtype=float)
        return x - np.asarray(opts["left"], dtype=float), x + np.asarray(opts["right"], dtype=float)

    def bar_brushes(self, dataset: str) -> list[QColor]:
        brushes = self.bars[dataset].opts.get("brushes")
        return [pg.mkBrush(b).color() for b in brushes] if brushes is not None else []

    def note_texts(self) -> list[str]:
        return [n.toPlainText() for n in self.notes if n.isVisible()]

    # -- colours -----------------------------------------------------------------------------

    def named_colour(self, name: str) -> QColor | None:
        if name in DATASETS:
            return series_colour(name)
        if name == "small":
            return self._grey()
        if name == "line":
            return self.text_colour()
        return None

    def _grey(self) -> QColor:
        return blend(self.text_colour(), self.palette().color(QPalette.ColorRole.Base), 0.45)

    def restyle(self) -> None:
        grey = self._grey()
        text = self.text_colour()
        base = self.palette().color(QPalette.ColorRole.Base)
        for d in DATASETS:
            colour = series_colour(d)
            small = self._small.get(d, np.zeros(0, dtype=bool))
            faded = blend(blend(colour, grey, 0.6), base, 0.45)  # greyed, with a hint of which dataset
            brushes = [pg.mkBrush(faded if s else colour) for s in small]
            pens = [pg.mkPen(grey if s else colour.darker(115)) for s in small]
            # per-bar colours only when there are bars (pyqtgraph 0.14 fails on an empty list of pens)
            self.bars[d].setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(colour.darker(115)), brushes=brushes or None,
                                 pens=pens or None)
            shown = self.errors[d].isVisible()  # setData would show an item that has no intervals to draw
            self.errors[d].setData(pen=pg.mkPen(with_alpha(text, 0.85), width=1.4))
            self.errors[d].setVisible(shown)
            self.reference_lines[d].setPen(pg.mkPen(colour.darker(125) if len(self.datasets) > 1 else text,
                                                    width=1.6, style=Qt.PenStyle.DashLine))
        for note in self.notes:
            note.setColor(self.palette().color(QPalette.ColorRole.PlaceholderText))
