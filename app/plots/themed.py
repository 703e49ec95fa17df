"""The frame every Assay plot sits in: a pyqtgraph PlotWidget that follows the palette (light or dark),
a text legend above it (a legend above the plot never hides data), a caption below, and a sentence
in place of the axes when there is nothing to draw. Every plot can be saved as a PNG: its context menu
(right click, or the menu key) has "Save as PNG…", and `save_png(path)` writes what is on screen,
legend and caption included.

Subclasses create their items once, update them with setData / setOpts, and re-colour them in
`restyle()`, which runs at construction and again whenever the palette changes.
"""
from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QMessageBox, QStackedLayout, QVBoxLayout, QWidget

PNG_SIZE = QSize(900, 560)  # a plot saved before it was ever laid out on screen gets this size


class ThemedPlot(QWidget):
    def __init__(self, empty_text: str = "Nothing to show.", parent: QWidget | None = None,
                 axis_items: dict[str, pg.AxisItem] | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems=axis_items)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            self.item.getAxis(name).enableAutoSIPrefix(False)  # "(x0.001)" in a label reads badly
        self._axis_labels: dict[str, str] = {}
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.caption = QLabel()
        self.caption.setObjectName("muted")
        self.caption.setWordWrap(True)
        self.caption.hide()
        self.empty = QLabel(empty_text)
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.plot)
        self._stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        layout.addLayout(self._stack, 1)
        layout.addWidget(self.caption)
        self._legend_entries: list[tuple[str, str, str]] = []
        self.png_name = "plot"  # the file name "Save as PNG…" proposes
        for widget in (self.plot, self.empty):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(
                lambda position, w=widget: self._show_context_menu(w.mapToGlobal(position)))

    # -- saving ------------------------------------------------------------------------------

    def save_png(self, path: str | Path) -> Path:
        """Write the plot as shown (legend, axes and caption) to a PNG file; OSError if it cannot be written."""
        path = Path(path)
        if not self.isVisible() and (self.width() < 200 or self.height() < 150):
            self.resize(self.size().expandedTo(PNG_SIZE))  # never laid out: give it a readable size
        layout = self.layout()
        if layout is not None:
            layout.activate()
        image = self.grab()
        if image.isNull() or not image.save(str(path), "PNG"):
            raise OSError(f"Could not write the image {path}: check that the folder exists and can be written to.")
        return path

    def save_png_dialog(self) -> Path | None:
        """Ask where to save, then save; a failure is shown in a dialog. Returns the path written."""
        start = Path.home() / f"{self.png_name}.png"
        chosen, _ = QFileDialog.getSaveFileName(self, "Save plot as PNG", str(start), "PNG images (*.png)")
        if not chosen:
            return None
        path = Path(chosen) if Path(chosen).suffix else Path(chosen).with_suffix(".png")
        try:
            return self.save_png(path)
        except OSError as exc:
            QMessageBox.warning(self, "Plot not saved", str(exc))
            return None

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.addAction("Save as PNG…", self.save_png_dialog)
        return menu

    def _show_context_menu(self, global_position: QPoint) -> None:
        menu = self.context_menu()
        menu.exec(global_position)
        menu.deleteLater()

    # -- for subclasses ----------------------------------------------------------------------

    def set_axis_label(self, axis: str, text: str) -> None:
        self._axis_labels[axis] = text
        self.item.setLabel(axis, text, color=self.text_colour().name())

    def set_legend(self, entries: Sequence[tuple[str, str, str]]) -> None:
        """(colour name or role, symbol, text) per entry; colours are resolved at restyle time."""
        self._legend_entries = list(entries)
        self._draw_legend()

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self.caption.setVisible(bool(text))

    def show_empty(self, text: str | None = None) -> None:
        if text is not None:
            self.empty.setText(text)
        self._stack.setCurrentWidget(self.empty)

    def show_plot(self) -> None:
        self._stack.setCurrentWidget(self.plot)

    def is_empty(self) -> bool:
        return self._stack.currentWidget() is self.empty

    def text_colour(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Text)

    def colour(self, name: str) -> QColor:
        """A legend colour by name: a subclass's own names via `named_colour`, else the text colour."""
        return self.named_colour(name) or self.text_colour()

    def named_colour(self, name: str) -> QColor | None:
        return None

    def restyle(self) -> None:
        """Re-colour the items (subclasses); the frame and axes are done by `_apply_palette`."""

    # -- palette -----------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_palette()
        super().changeEvent(event)

    def apply_palette(self) -> None:
        palette = self.palette()
        text = self.text_colour()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        for name in ("left", "bottom"):
            axis = self.item.getAxis(name)
            axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
        for axis, label in self._axis_labels.items():
            self.item.setLabel(axis, label, color=text.name())
        self.restyle()
        self._draw_legend()

    def _draw_legend(self) -> None:
        self.legend.setText("&nbsp;&nbsp;&nbsp;".join(
            f"<span style='color:{self.colour(colour).name()}; font-size:12pt'>{symbol}</span>&nbsp;{text}"
            for colour, symbol, text in self._legend_entries))
        self.legend.setVisible(bool(self._legend_entries))


def with_alpha(colour: QColor, alpha: float) -> QColor:
    out = QColor(colour)
    out.setAlphaF(alpha)
    return out


class ChunkAxis(pg.AxisItem):
    """A bottom axis that names production chunks (at x = index + offset), writing only as many labels
    as fit its width and a bare tick for the others; it re-thins them when resized or zoomed."""

    def __init__(self, offset: float = 0.0) -> None:
        super().__init__("bottom")
        self.enableAutoSIPrefix(False)
        self.setStyle(hideOverlappingLabels=30)  # the first and last chunk's labels may reach past the ends
        self.labels: list[str] = []
        self.offset = offset
        self._step = 1

    def set_labels(self, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        self.picture = None
        self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        visible = [i for i in range(len(self.labels)) if minVal <= i + self.offset <= maxVal]
        if not visible:
            return []
        metrics = QFontMetrics(self.style.get("tickFont") or self.font())
        widest = max(metrics.horizontalAdvance(self.labels[i]) for i in visible) + 14
        self._step = max(1, math.ceil(len(visible) / max(1, int(size // widest))))
        major = [i + self.offset for i in visible if i % self._step == 0]
        minor = [i + self.offset for i in visible if i % self._step]
        return [(float(self._step), major), (1.0, minor)] if minor else [(float(self._step), major)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if spacing != self._step:
            return [""] * len(values)
        return [self.labels[int(round(v - self.offset))] if 0 <= round(v - self.offset) < len(self.labels)
                else "" for v in values]


def short(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


NAN = float("nan")


def floats(values: Sequence[float | None]) -> np.ndarray:
    """The values as a float array, None as NaN."""
    return np.array([NAN if v is None else v for v in values], dtype=float)


def escape(text: str) -> str:
    """Text for a rich-text legend: &, < and > as entities."""
    return html.escape(text, quote=False)


def cosmetic_pen(colour: QColor, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine):
    """A pen of `width` pixels whatever the zoom."""
    pen = pg.mkPen(colour, width=width, style=style)
    pen.setCosmetic(True)
    return pen


def drawn_data(item: pg.PlotDataItem) -> tuple[np.ndarray, np.ndarray]:
    """The x and y an item draws (empty arrays before any), for tests."""
    x, y = item.getData()
    return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))
