"""Reference and production histograms overlaid (shares, or densities when their bins differ), with a line
at each one's mean; hovering names every dataset's bin under the pointer."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from assay.app.plots.hover import HoverPlot
from assay.app.plots.themed import cosmetic_pen, escape, with_alpha
from assay.app.theme import series_colour
from assay.engine.datasets import DATASETS


class HistogramPlot(HoverPlot):
    """Reference and production histograms overlaid: share of rows per bin when both use the same bins,
    density (share per unit of x) when they do not, so that the areas compare."""

    def __init__(self, x_label: str = "", parent=None) -> None:
        super().__init__("Nothing to draw.", parent)
        self.png_name = "distribution"
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.bars = {d: pg.PlotDataItem(stepMode="center", fillLevel=0) for d in DATASETS}
        self.means = {d: pg.InfiniteLine(angle=90, movable=False) for d in DATASETS}
        for d in DATASETS:
            self.plot.addItem(self.bars[d])
            self.plot.addItem(self.means[d])
        self.zero = pg.InfiniteLine(0, angle=90, movable=False)
        self.plot.addItem(self.zero)
        self.heights: dict[str, np.ndarray] = {}
        self.edges: dict[str, np.ndarray] = {}
        self.mode = "share"
        if x_label:
            self.set_axis_label("bottom", x_label)
        self.apply_palette()

    def set_histograms(self, histograms: dict[str, object | None], x_label: str, means: dict | None = None,
                       zero_line: bool = False, empty_text: str = "Nothing to draw.", notes: dict | None = None
                       ) -> None:
        """`histograms`: dataset -> Histogram (None: not drawn); `means`: dataset -> a value marked by a
        line; `notes`: dataset -> legend text after its name."""
        self.clear_hover()
        shown = [d for d in DATASETS if histograms.get(d) is not None and sum(histograms[d].counts) > 0]
        self.heights, self.edges = {}, {}
        if not shown:
            for d in DATASETS:
                self.bars[d].setData([], [])
                self.means[d].setVisible(False)
            self.set_legend([])
            self.show_empty(empty_text)
            return
        same = len({tuple(histograms[d].edges) for d in shown}) == 1
        self.mode = "share" if same else "density"
        legend = []
        for d in DATASETS:
            h = histograms.get(d)
            if d not in shown:
                self.bars[d].setData([], [])
                self.means[d].setVisible(False)
                continue
            edges = np.asarray(h.edges, dtype=float)
            counts = np.asarray(h.counts, dtype=float)
            share = counts / counts.sum()
            heights = share * 100 if same else share / np.diff(edges)
            self.bars[d].setData(edges, heights)
            self.heights[d], self.edges[d] = heights, edges
            centres = (edges[:-1] + edges[1:]) / 2
            self.set_hover(d, centres, heights, lambda i, d=d, e=edges, c=h.counts, s=share: (
                f"{d}: {e[i]:.4g} to {e[i + 1]:.4g}: {c[i]:,} rows ({s[i]:.1%})"))
            mean = (means or {}).get(d)
            self.means[d].setVisible(mean is not None)
            if mean is not None:
                self.means[d].setValue(mean)
            note = (notes or {}).get(d, "")
            legend.append((d, "■", f"{d}{' ' + escape(note) if note else ''}"))
        if means and any(means.get(d) is not None for d in shown):
            legend.append(("text", "┆", "mean"))
        self.zero.setVisible(zero_line)
        self.set_legend(legend)
        self.set_axis_label("bottom", x_label)
        self.set_axis_label("left", "share of rows (%)" if same else "density")
        self.plot.enableAutoRange()
        self.show_plot()

    def hover_text(self, x: float, y: float) -> str | None:
        """Every shown dataset's bin under the pointer (the bars overlap, so position along x decides)."""
        lines = []
        for d, edges in self.edges.items():
            i = int(np.searchsorted(edges, x, side="right")) - 1
            if 0 <= i < len(edges) - 1:
                lines.append(self._hover[d][2](i))
        return "\n".join(lines) or None

    def bar_heights(self, dataset: str) -> np.ndarray:
        return self.heights.get(dataset, np.zeros(0))

    def restyle(self) -> None:
        for d in DATASETS:
            colour = series_colour(d)
            self.bars[d].setPen(cosmetic_pen(colour, 1.8))
            self.bars[d].setBrush(pg.mkBrush(with_alpha(colour, 0.25)))
            self.means[d].setPen(cosmetic_pen(colour, 1.4, Qt.PenStyle.DashLine))
        self.zero.setPen(cosmetic_pen(with_alpha(self.text_colour(), 0.5), 1.0))
