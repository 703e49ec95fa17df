"""Columns × production chunks: each cell the column's effect size in that chunk, drifted cells dotted.

One ImageItem (row-major: image[column, chunk]) with a sequential colour map that starts at the
plot's background, so small effects fade into it in light and dark themes alike; chunks where the
column was not tested are grey. Column names on the left, chunk labels below; hovering a cell
shows column, chunk and effect size; clicking one emits `column_clicked(name)`, double-clicking
`column_activated(name)`. With many columns the first VISIBLE_ROWS are shown and the rest are a
drag (or wheel zoom) away.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QPalette
from PySide6.QtWidgets import QGraphicsRectItem, QToolTip

from assay.app.plots.themed import ChunkAxis, ThemedPlot, short, with_alpha
from assay.app.theme import is_dark, severity_colour

VISIBLE_ROWS = 30
MIN_TOP = 0.1  # the colour scale reaches at least this effect size, so that tiny effects stay pale
# Sequential maps from the background to a strong orange-red (ColorBrewer OrRd, and reversed for dark).
LIGHT_MAP = ("#ffffff", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")
DARK_MAP = ("#1f2023", "#7f2704", "#d94801", "#fd8d3c", "#fee6ce")


class ChunkHeatMap(ThemedPlot):
    column_clicked = Signal(str)  # a cell was clicked: its column's name
    column_activated = Signal(str)  # double-clicked

    def __init__(self, parent=None) -> None:
        self.chunk_axis = ChunkAxis(offset=0.5)
        super().__init__("No production chunks to draw.", parent, {"bottom": self.chunk_axis})
        self.names: list[str] = []
        self.chunks: list[str] = []
        self.values = np.zeros((0, 0))
        self.drifted_cells = np.zeros((0, 0), dtype=bool)
        self.plot.invertY(True)
        self.plot.setMouseEnabled(x=False, y=True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.untested = QGraphicsRectItem()  # grey behind the image: shows through NaN (untested) cells
        self.untested.setPen(pg.mkPen(None))
        self.untested.setZValue(-5)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.dots = pg.ScatterPlotItem(size=5, pxMode=True)
        self.selected = QGraphicsRectItem()
        self.selected.setZValue(10)
        for item in (self.untested, self.image, self.dots, self.selected):
            self.plot.addItem(item)
        self.colour_bar = pg.ColorBarItem(values=(0, 1), width=14, interactive=False, colorMapMenu=False)
        self.colour_bar.setImageItem(self.image, insert_in=self.item)
        self.colour_bar.getAxis("right").enableAutoSIPrefix(False)
        self.set_axis_label("bottom", "production chunk")
        scene = self.plot.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)
        self.apply_palette()

    def set_cells(self, names: Sequence[str], chunks: Sequence[str], values: Sequence[Sequence[float | None]],
                  drifted: Sequence[Sequence[bool | None]]) -> None:
        """values[i][j]: column i's effect size in chunk j (None: not tested); drifted the same shape."""
        self.names, self.chunks = list(names), list(chunks)
        n, m = len(self.names), len(self.chunks)
        if not n or not m:
            self.values = np.zeros((n, m))
            self.show_empty("No production chunks to draw." if n else "No columns were compared.")
            return
        self.values = np.array([[np.nan if v is None else v for v in row] + [np.nan] * (m - len(row))
                                for row in values], dtype=float).reshape(n, m)
        self.drifted_cells = np.array([[bool(d) for d in row] + [False] * (m - len(row)) for row in drifted],
                                      dtype=bool).reshape(n, m)
        finite = self.values[np.isfinite(self.values)]
        top = max(float(finite.max()) if finite.size else 0.0, MIN_TOP)
        self.image.setImage(self.values, autoLevels=False)
        self.colour_bar.setLevels((0.0, top))
        rows, cols = np.nonzero(self.drifted_cells)
        self.dots.setData(cols + 0.5, rows + 0.5)
        self.untested.setRect(QRectF(0, 0, m, n))
        legend = [("text", "•", "drifted in that chunk")]
        if np.isnan(self.values).any():
            legend.append(("untested", "■", "not tested (too few rows, or the column was not tested)"))
        self.set_legend(legend)
        left = self.item.getAxis("left")
        left.setTicks([[(i + 0.5, short(name, 28)) for i, name in enumerate(self.names)], []])
        metrics = self.fontMetrics()
        left.setWidth(min(max(metrics.horizontalAdvance(short(name, 28)) for name in self.names) + 14, 220))
        self.chunk_axis.set_labels(self.chunks)
        box = self.item.getViewBox()
        box.setLimits(xMin=0, xMax=m, yMin=0, yMax=n, maxYRange=n, minYRange=min(n, 3))
        self.item.setXRange(0, m, padding=0)
        self.item.setYRange(0, min(n, VISIBLE_ROWS), padding=0)
        self.set_caption(f"The {VISIBLE_ROWS} most drifted of {n} columns are shown; drag the map up or down, or "
                         "scroll to zoom, to see the others." if n > VISIBLE_ROWS else "")
        self.select(None)
        self.show_plot()

    def select(self, name: str | None) -> None:
        """Outline a column's row (None: none) and bring it into view."""
        if name not in self.names:
            self.selected.setVisible(False)
            return
        row = self.names.index(name)
        self.selected.setRect(QRectF(0, row, len(self.chunks), 1))
        self.selected.setVisible(True)
        low, high = self.item.getViewBox().viewRange()[1]
        if not low <= row < high - 1:
            span = high - low
            start = min(max(row - span / 2, 0), max(len(self.names) - span, 0))
            self.item.setYRange(start, start + span, padding=0)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, chunk) of the cell at view coordinates, or None outside the map."""
        row, col = int(np.floor(y)), int(np.floor(x))
        if 0 <= row < len(self.names) and 0 <= col < len(self.chunks):
            return row, col
        return None

    def cell_text(self, row: int, col: int) -> str:
        value = self.values[row, col]
        effect = "not tested" if np.isnan(value) else f"effect size {value:.3f}"
        drifted = " — drifted" if self.drifted_cells[row, col] else ""
        return f"{self.names[row]}\n{self.chunks[col]}: {effect}{drifted}"

    # -- mouse -------------------------------------------------------------------------------

    def _cell_under(self, scene_pos: QPointF) -> tuple[int, int] | None:
        if self.is_empty() or not self.item.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.item.getViewBox().mapSceneToView(scene_pos)
        return self.cell_at(point.x(), point.y())

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        cell = self._cell_under(scene_pos)
        if cell is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(QCursor.pos(), self.cell_text(*cell), self.plot)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self._cell_under(event.scenePos())
        if cell is not None:
            signal = self.column_activated if event.double() else self.column_clicked
            signal.emit(self.names[cell[0]])

    # -- look --------------------------------------------------------------------------------

    def named_colour(self, name: str) -> QColor | None:
        if name == "untested":
            return self._untested_colour()
        return None

    def _untested_colour(self) -> QColor:
        return with_alpha(self.text_colour(), 0.3)

    def restyle(self) -> None:
        stops = DARK_MAP if is_dark() else LIGHT_MAP
        colour_map = pg.ColorMap(np.linspace(0.0, 1.0, len(stops)), [QColor(s) for s in stops])
        self.colour_bar.setColorMap(colour_map)
        self.untested.setBrush(pg.mkBrush(self._untested_colour()))
        self.dots.setBrush(pg.mkBrush(self.text_colour()))
        self.dots.setPen(pg.mkPen(self.palette().color(QPalette.ColorRole.Base), width=0.8))
        pen = pg.mkPen(severity_colour("warn"), width=2)
        pen.setCosmetic(True)
        self.selected.setPen(pen)
        for key in ("left", "right", "top", "bottom"):
            axis = self.colour_bar.getAxis(key)
            axis.setPen(pg.mkPen(self.palette().color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(self.text_colour()))
        self.colour_bar.setLabel("right", "effect size", color=self.text_colour().name())
