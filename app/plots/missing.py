"""Missing share per column, reference vs production: horizontal bars, one pair per column.

The two BarGraphItems are created once and updated with `setOpts`; the left axis names the
columns. Only columns with missing values are drawn (the most affected first, at most
MAX_COLUMNS); when none has any, the plot says so instead of showing empty axes.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from assay.app.theme import series_colour

MAX_COLUMNS = 15
MIN_ROWS = 5
BAR = 0.38  # height of one bar; a pair fills 0.76 of a row


class MissingShareBars(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=False, alpha=0.25)
        self.plot.invertY(True)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "missing share (%)")
        item.getAxis("left").setStyle(tickLength=0)
        item.getAxis("bottom").setZValue(-1000)  # its grid lines go behind the bars
        self.reference = pg.BarGraphItem(x0=0, y=np.zeros(0), height=BAR, width=np.zeros(0), name="reference")
        self.production = pg.BarGraphItem(x0=0, y=np.zeros(0), height=BAR, width=np.zeros(0), name="production")
        self.plot.addItem(self.reference)
        self.plot.addItem(self.production)

        self.empty = QLabel("No missing values in any column.")
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel()
        self.caption.setObjectName("muted")
        self.legend = QLabel()  # a text legend above the plot never hides a bar
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.plot)
        self._stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.legend)
        layout.addLayout(self._stack, 1)
        layout.addWidget(self.caption)
        self._apply_palette()
        self.set_columns([], [], [])

    def set_columns(self, names: Sequence[str], reference: Sequence[float | None],
                    production: Sequence[float | None]) -> None:
        """Shares between 0 and 1 per column (None: absent from that dataset)."""
        ref = np.array([np.nan if v is None else v for v in reference], dtype=float)
        prod = np.array([np.nan if v is None else v for v in production], dtype=float)
        worst = np.fmax(np.nan_to_num(ref, nan=0.0), np.nan_to_num(prod, nan=0.0))
        shown = [i for i in np.argsort(-worst, kind="stable") if worst[i] > 0][:MAX_COLUMNS]
        self.names = [names[i] for i in shown]
        rows = np.arange(len(shown), dtype=float)
        ref_pct = np.nan_to_num(ref[shown], nan=0.0) * 100 if shown else np.zeros(0)
        prod_pct = np.nan_to_num(prod[shown], nan=0.0) * 100 if shown else np.zeros(0)
        self.reference.setOpts(x0=0, y=rows - BAR / 2, height=BAR, width=ref_pct)
        self.production.setOpts(x0=0, y=rows + BAR / 2, height=BAR, width=prod_pct)
        axis = self.plot.getPlotItem().getAxis("left")
        labels = [_short(name) for name in self.names]
        axis.setTicks([[(float(i), label) for i, label in enumerate(labels)], []])
        widest = max((self.fontMetrics().horizontalAdvance(label) for label in labels), default=20)
        axis.setWidth(widest + 12)  # pyqtgraph would hide names wider than its default axis
        if shown:
            top = float(max(ref_pct.max(), prod_pct.max()))
            self.plot.setXRange(0, max(top * 1.12, 1.0), padding=0)
            # at least MIN_ROWS rows of room, so two columns do not become two huge slabs
            self.plot.setYRange(-0.6, max(len(shown), MIN_ROWS) - 0.4, padding=0)
        self._stack.setCurrentWidget(self.plot if shown else self.empty)
        with_missing = int((worst > 0).sum())
        if not len(names):
            self.caption.setText("")
        elif with_missing > len(shown):
            self.caption.setText(f"{with_missing} of {len(names)} columns have missing values; "
                                 f"the {len(shown)} most affected are shown.")
        else:
            self.caption.setText(f"{with_missing} of {len(names)} columns have missing values.")

    def bar_values(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The names and bar lengths (percent) as drawn: what tests assert on."""
        return list(self.names), np.asarray(self.reference.opts["width"]), np.asarray(self.production.opts["width"])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def _apply_palette(self) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
        item.getAxis("bottom").setLabel("missing share (%)", color=text.name())
        for bars, which in ((self.reference, "reference"), (self.production, "production")):
            colour = series_colour(which)
            bars.setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(colour.darker(115)))
        self.legend.setText("&nbsp;&nbsp;".join(
            f"<span style='color:{series_colour(which).name()}; font-size:13pt'>&#9632;</span>&nbsp;{which}"
            for which in ("reference", "production")))


def _short(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
