"""The Comparison page's plot: the ROC curves of the champion and each challenger overlaid on the same rows, the
chance line dashed. It draws what the engine measured (engine.comparison.results) and computes nothing."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from assay.app.plots.hover import HoverPlot
from assay.app.plots.themed import cosmetic_pen, drawn_data, with_alpha
from assay.app.theme import is_dark

# Okabe-Ito, readable with the common colour-vision deficiencies: the champion first, then the challengers
MODEL_COLOURS = (("#0072b2", "#56a8e0"), ("#d55e00", "#ff8c42"), ("#009e73", "#3cc79d"), ("#cc79a7", "#e6a0c8"),
                 ("#e69f00", "#f5c04a"))


def model_colour(index: int) -> QColor:
    light, dark = MODEL_COLOURS[index % len(MODEL_COLOURS)]
    return QColor(dark if is_dark() else light)


class RocOverlay(HoverPlot):
    """ROC curves of several models on the same rows (x false positive rate, y true positive rate)."""

    png_name = "roc_comparison"

    def __init__(self, parent=None) -> None:
        super().__init__("No ROC curves: the comparison has them for binary tasks with scores.", parent)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.chance = pg.PlotDataItem([0, 1], [0, 1])
        self.plot.addItem(self.chance)
        self.items: list[pg.PlotDataItem] = []
        self.set_axis_label("bottom", "false positive rate")
        self.set_axis_label("left", "true positive rate")
        self.item.setXRange(0, 1, padding=0.02)
        self.item.setYRange(0, 1, padding=0.02)
        self.apply_palette()

    def set_curves(self, curves: Sequence[object]) -> None:
        """`curves`: RocCurve records (model, fpr, tpr, auc), the champion's first."""
        self.clear_hover()
        while len(self.items) < len(curves):
            item = pg.PlotDataItem()
            self.plot.addItem(item)
            self.items.append(item)
        legend = []
        for i, item in enumerate(self.items):
            if i >= len(curves):
                item.setData([], [])
                continue
            curve = curves[i]
            x, y = np.asarray(curve.fpr, dtype=float), np.asarray(curve.tpr, dtype=float)
            item.setData(x, y)
            item.setPen(cosmetic_pen(model_colour(i), 2.2))
            auc = "—" if curve.auc is None else f"{curve.auc:.3f}"
            legend.append((f"model{i}", "━", f"{curve.model} (AUC {auc})"))
            self.set_hover(f"model{i}", x, y, lambda j, m=curve.model, x=x, y=y:
                           f"{m}: false positive rate {x[j]:.3f}, true positive rate {y[j]:.3f}")
        if not curves:
            self.set_legend([])
            self.show_empty()
            return
        legend.append(("muted", "┅", "chance"))
        self.set_legend(legend)
        self.show_plot()

    def named_colour(self, name: str) -> QColor | None:
        return model_colour(int(name[5:])) if name.startswith("model") else super().named_colour(name)

    def curve_data(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return drawn_data(self.items[index])

    def restyle(self) -> None:
        if not hasattr(self, "chance"):  # the frame restyles once before the items exist
            return
        for i, item in enumerate(self.items):
            item.setPen(cosmetic_pen(model_colour(i), 2.2))
        self.chance.setPen(cosmetic_pen(with_alpha(self.muted_colour(), 0.8), 1.2, Qt.PenStyle.DashLine))
