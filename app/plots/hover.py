"""A ThemedPlot that shows the values under the pointer in a tooltip (`hover_text(x, y)` gives the same text
for tests): the nearest registered point within HOVER_PX pixels, or whatever a subclass's `hover_text` returns.
It names the colours its plots share: the datasets, the severities and a muted grey."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QCursor, QPalette
from PySide6.QtWidgets import QToolTip

from assay.app.plots.themed import ThemedPlot
from assay.app.theme import series_colour, severity_colour
from assay.engine.datasets import DATASETS

HOVER_PX = 14  # a point within this many pixels of the pointer is hovered


class HoverPlot(ThemedPlot):
    """A ThemedPlot whose hovered values show in a tooltip: the nearest registered point within HOVER_PX
    pixels, or whatever a subclass's `hover_text` returns."""

    def __init__(self, empty_text: str, parent=None, axis_items: dict | None = None) -> None:
        super().__init__(empty_text, parent, axis_items)
        self._hover: dict[str, tuple[np.ndarray, np.ndarray, Callable[[int], str]]] = {}
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.setToolTip("")

    def set_hover(self, key: str, x: Sequence[float], y: Sequence[float], text: Callable[[int], str]) -> None:
        self._hover[key] = (np.asarray(x, dtype=float), np.asarray(y, dtype=float), text)

    def clear_hover(self) -> None:
        self._hover.clear()

    def hover_text(self, x: float, y: float) -> str | None:
        """The text for the pointer at view coordinates (x, y): the nearest point, if near enough."""
        px, py = self.item.getViewBox().viewPixelSize()
        px, py = px or 1.0, py or 1.0
        best, best_text = HOVER_PX ** 2, None
        for xs, ys, text in self._hover.values():
            if not xs.size:
                continue
            d = ((xs - x) / px) ** 2 + ((ys - y) / py) ** 2
            d = np.where(np.isfinite(d), d, np.inf)
            i = int(np.argmin(d))
            if d[i] <= best:
                best, best_text = d[i], text(i)
        return best_text

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if self.is_empty() or not self.item.vb.sceneBoundingRect().contains(scene_pos):
            QToolTip.hideText()
            return
        point = self.item.getViewBox().mapSceneToView(scene_pos)
        text = self.hover_text(point.x(), point.y())
        if text:
            QToolTip.showText(QCursor.pos(), text, self.plot)
        else:
            QToolTip.hideText()

    def named_colour(self, name: str) -> QColor | None:
        if name in DATASETS:
            return series_colour(name)
        if name in ("fail", "warn", "pass"):
            return severity_colour(name)
        if name == "muted":
            return self.muted_colour()
        return None

    def muted_colour(self) -> QColor:
        """A grey between the text and the background, opaque (a legend's colour name drops alpha)."""
        text, base = self.text_colour(), self.palette().color(QPalette.ColorRole.Base)
        return QColor.fromRgbF(*(a * 0.55 + b * 0.45 for a, b in ((text.redF(), base.redF()),
                                                                  (text.greenF(), base.greenF()),
                                                                  (text.blueF(), base.blueF()))))

    def legend_texts(self) -> list[str]:
        return [text for _, _, text in self._legend_entries]

    def _draw_legend(self) -> None:
        """As ThemedPlot's, but a long legend wraps between entries, never inside one."""
        self.legend.setWordWrap(True)
        self.legend.setText(" &nbsp; ".join(
            f"<span style='color:{self.colour(colour).name()}; font-size:12pt'>{symbol}</span>&nbsp;"
            + text.replace(" ", "&nbsp;") for colour, symbol, text in self._legend_entries))
        self.legend.setVisible(bool(self._legend_entries))
