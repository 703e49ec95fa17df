"""The Performance page's plots. Each draws what the engine measured (engine.performance.results) and
computes no statistic; items are created once and updated with setData / setOpts. Hovering a plot shows
the values under the pointer (`hover_text(x, y)` gives the same text for tests); every plot's context
menu saves it as a PNG (ThemedPlot).

- CurvePlot:        ROC or precision-recall curves, reference and production overlaid, the decision
                    threshold's point marked, the chance line
- CalibrationPlot:  the reliability diagram: mean score against the observed share per score bin
- ConfusionMap:     one confusion matrix as a heat map, each cell's count and share of its true class
- ChunkMetricPlot:  a metric per production chunk with its interval band, the reference value, the policy's
                    lines; chunks without labels are shaded and say "no labels" (never drawn as zero)
- SweepPlot:        metrics against the decision threshold, the chosen threshold marked
- ResidualPlot:     error against predicted value: sampled rows, the binned mean error and its 10-90% band
- HistogramPlot:    reference and production histograms overlaid (shares, or densities when bins differ)
- PairedBars:       horizontal bars per group, reference and production, with intervals (segments, labels)
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QCursor, QPainterPath, QPalette, QPolygonF
from PySide6.QtWidgets import QGraphicsPathItem, QToolTip

from assay.app.plots.heatmap import DARK_MAP, LIGHT_MAP
from assay.app.plots.themed import ChunkAxis, ThemedPlot, short, with_alpha
from assay.app.theme import is_dark, series_colour, severity_colour
from assay.engine.performance.metric_specs import METRICS

DATASETS = ("reference", "production")
HOVER_PX = 14  # a point within this many pixels of the pointer is hovered
NAN = float("nan")
# Okabe-Ito, readable by people with the common colour-vision deficiencies; lighter variants for dark
SWEEP_COLOURS = {
    "accuracy": ("#0072b2", "#56a8e0"), "balanced_accuracy": ("#009e73", "#3cc79d"),
    "precision": ("#d55e00", "#ff8c42"), "recall": ("#cc79a7", "#e6a0c8"), "f1": ("#1d1d1d", "#f0f0f0"),
    "positive_rate": ("#e69f00", "#f5c04a"),
}
SWEEP_NAMES = {m.name: m.in_sentence for m in METRICS} | {"positive_rate": "predicted positive rate"}


def _floats(values: Sequence[float | None]) -> np.ndarray:
    return np.array([NAN if v is None else v for v in values], dtype=float)


def _escape(text: str) -> str:  # legends are rich text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


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


def _pen(colour: QColor, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine):
    pen = pg.mkPen(colour, width=width, style=style)
    pen.setCosmetic(True)
    return pen


# -- ROC and precision-recall ------------------------------------------------------------------------


class CurvePlot(HoverPlot):
    """ROC (x false positive rate, y true positive rate) or precision-recall (x recall, y precision)."""

    def __init__(self, kind: str, parent=None) -> None:
        super().__init__("No curve to draw.", parent)
        self.kind = kind
        self.png_name = "roc_curve" if kind == "roc" else "precision_recall_curve"
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.curves = {d: pg.PlotDataItem() for d in DATASETS}
        self.points = {d: pg.ScatterPlotItem(size=10, symbol="o") for d in DATASETS}
        self.chance = {d: pg.PlotDataItem() for d in DATASETS}  # ROC: one diagonal; PR: each dataset's base rate
        for d in DATASETS:
            self.plot.addItem(self.chance[d])
        for d in DATASETS:
            self.plot.addItem(self.curves[d])
        for d in DATASETS:
            self.plot.addItem(self.points[d])
            self.points[d].setZValue(10)
        if kind == "roc":
            self.set_axis_label("bottom", "false positive rate")
            self.set_axis_label("left", "true positive rate (recall)")
        else:
            self.set_axis_label("bottom", "recall")
            self.set_axis_label("left", "precision")
        self.item.setXRange(0, 1, padding=0.02)
        self.item.setYRange(0, 1, padding=0.02)
        self.apply_palette()

    def set_curves(self, curves: dict[str, object | None], points: dict[str, tuple[float, float] | None],
                   threshold: float | None = None, base_rates: dict[str, float | None] | None = None,
                   empty_text: str = "No curve to draw.") -> None:
        """`curves`: dataset -> Curve (or None); `points`: dataset -> (x, y) at the decision threshold;
        `base_rates`: dataset -> share of positives (the PR curve's chance level)."""
        self.clear_hover()
        shown = [d for d in DATASETS if curves.get(d) is not None]
        if not shown:
            for d in DATASETS:
                self.curves[d].setData([], [])
                self.points[d].setData([], [])
                self.chance[d].setData([], [])
            self.set_legend([])
            self.show_empty(empty_text)
            return
        area_name = "AUC" if self.kind == "roc" else "AP"
        legend = []
        for d in DATASETS:
            curve = curves.get(d)
            if curve is None:
                self.curves[d].setData([], [])
                self.points[d].setData([], [])
                self.chance[d].setData([], [])
                continue
            x, y = np.asarray(curve.x, dtype=float), np.asarray(curve.y, dtype=float)
            self.curves[d].setData(x, y, stepMode=None)
            thresholds = list(curve.thresholds)
            self.set_hover(d, x, y, lambda i, d=d, x=x, y=y, t=thresholds: self._curve_tip(d, x[i], y[i], t[i]))
            legend.append((d, "━", f"{d} ({area_name} {_fmt(curve.area)})"))
            point = points.get(d)
            if point is not None and None not in point:
                self.points[d].setData([point[0]], [point[1]])
                self.set_hover(f"{d} point", [point[0]], [point[1]],
                               lambda _i, d=d, p=point: f"{d} at the decision threshold {threshold:g}:\n"
                                                         + self._xy_text(*p))
            else:
                self.points[d].setData([], [])
            if self.kind == "roc":
                self.chance[d].setData([0, 1], [0, 1] if d == shown[0] else [NAN, NAN])
            else:
                rate = (base_rates or {}).get(d)
                self.chance[d].setData([0, 1], [rate, rate] if rate is not None else [NAN, NAN])
        if self.kind == "roc":
            legend.append(("muted", "┅", "chance"))
        elif base_rates and any(base_rates.get(d) is not None for d in shown):
            legend.append(("muted", "┅", "chance (share of positives)"))
        if any(points.get(d) is not None for d in shown) and threshold is not None:
            legend.append(("text", "●", f"at the decision threshold {threshold:g}"))
        self.set_legend(legend)
        self.item.setXRange(0, 1, padding=0.02)
        self.item.setYRange(0, 1, padding=0.02)
        self.show_plot()

    def _xy_text(self, x: float, y: float) -> str:
        if self.kind == "roc":
            return f"false positive rate {x:.3f}, true positive rate {y:.3f}"
        return f"recall {x:.3f}, precision {y:.3f}"

    def _curve_tip(self, dataset: str, x: float, y: float, threshold: float | None) -> str:
        text = f"{dataset}: {self._xy_text(x, y)}"
        if threshold is not None:
            text += f"\nscores ≥ {threshold:.4g} predicted positive"
        return text

    def curve_data(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.curves[dataset].getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

    def point_data(self, dataset: str) -> tuple[float, float] | None:
        x, y = self.points[dataset].getData()
        return (float(x[0]), float(y[0])) if len(x) else None

    def restyle(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for d in DATASETS:
            colour = series_colour(d)
            self.curves[d].setPen(_pen(colour, 2.2))
            self.points[d].setBrush(pg.mkBrush(colour))
            self.points[d].setPen(pg.mkPen(base, width=1.5))
            chance = colour if self.kind == "pr" else self.muted_colour()
            self.chance[d].setPen(_pen(with_alpha(chance, 0.8), 1.2, Qt.PenStyle.DashLine))


# -- reliability ----------------------------------------------------------------------------------------


class CalibrationPlot(HoverPlot):
    """Per score bin: the mean score (x) against the observed share (y); on the diagonal is calibrated."""

    def __init__(self, parent=None) -> None:
        super().__init__("No calibration to draw.", parent)
        self.png_name = "calibration"
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.diagonal = pg.PlotDataItem([0, 1], [0, 1])
        self.plot.addItem(self.diagonal)
        self.curves = {d: pg.PlotDataItem(symbol="o", symbolSize=7) for d in DATASETS}
        for d in DATASETS:
            self.plot.addItem(self.curves[d])
        self.set_axis_label("bottom", "mean predicted score")
        self.set_axis_label("left", "observed share")
        self.item.setXRange(0, 1, padding=0.02)
        self.item.setYRange(0, 1, padding=0.02)
        self.apply_palette()

    def set_calibration(self, curves: dict[str, object | None], ece: dict[str, float | None],
                        x_label: str = "mean predicted score", y_label: str = "observed share",
                        empty_text: str = "No calibration to draw.") -> None:
        self.clear_hover()
        shown = [d for d in DATASETS if curves.get(d) is not None and len(curves[d].mean_score)]
        if not shown:
            for d in DATASETS:
                self.curves[d].setData([], [])
            self.set_legend([])
            self.show_empty(empty_text)
            return
        legend = []
        for d in DATASETS:
            c = curves.get(d)
            if d not in shown:
                self.curves[d].setData([], [])
                continue
            x, y = np.asarray(c.mean_score, dtype=float), np.asarray(c.observed, dtype=float)
            self.curves[d].setData(x, y)
            self.set_hover(d, x, y, lambda i, d=d, c=c: (
                f"{d}: scores {c.bin_low[i]:.2f}–{c.bin_high[i]:.2f}, {c.count[i]:,} rows\n"
                f"mean score {c.mean_score[i]:.3f}, observed {c.observed[i]:.3f}"))
            legend.append((d, "━●", f"{d} (ECE {_fmt(ece.get(d))})"))
        legend.append(("muted", "┅", "perfectly calibrated"))
        self.set_legend(legend)
        self.set_axis_label("bottom", x_label)
        self.set_axis_label("left", y_label)
        self.item.setXRange(0, 1, padding=0.02)
        self.item.setYRange(0, 1, padding=0.02)
        self.show_plot()

    def curve_data(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.curves[dataset].getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

    def restyle(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for d in DATASETS:
            colour = series_colour(d)
            self.curves[d].setPen(_pen(colour, 2.0))
            self.curves[d].setSymbolBrush(pg.mkBrush(colour))
            self.curves[d].setSymbolPen(pg.mkPen(base, width=1))
        self.diagonal.setPen(_pen(with_alpha(self.muted_colour(), 0.9), 1.2, Qt.PenStyle.DashLine))


# -- confusion matrix -----------------------------------------------------------------------------------


class ConfusionMap(HoverPlot):
    """True classes (rows, top to bottom) by predicted classes (columns). Colour: the cell's share of its
    true class (so that a rare class reads as clearly as a common one); text: the count and that share."""

    MAX_TEXT_CLASSES = 12  # more classes: the counts are in the tooltip only

    def __init__(self, parent=None) -> None:
        super().__init__("No confusion matrix.", parent)
        self.png_name = "confusion_matrix"
        self.labels: list[str] = []
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.shares = np.zeros((0, 0))
        self.plot.invertY(True)
        for name in ("left", "bottom"):
            self.item.getAxis(name).setStyle(tickLength=0)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.texts: list[pg.TextItem] = []
        self.set_axis_label("left", "true class")
        self.set_axis_label("bottom", "predicted class")
        self.apply_palette()

    def set_matrix(self, labels: Sequence[str], counts: Sequence[Sequence[int]] | None,
                   empty_text: str = "No confusion matrix.") -> None:
        self.clear_hover()
        if counts is None or not len(labels):
            self.labels, self.counts, self.shares = [], np.zeros((0, 0), dtype=np.int64), np.zeros((0, 0))
            self._set_texts([])
            self.set_caption("")
            self.show_empty(empty_text)
            return
        self.labels = [str(label) for label in labels]
        k = len(self.labels)
        self.counts = np.asarray(counts, dtype=np.int64).reshape(k, k)
        totals = self.counts.sum(axis=1, keepdims=True)
        self.shares = np.divide(self.counts, totals, out=np.zeros((k, k)), where=totals > 0)
        self.image.setImage(self.shares, levels=(0.0, 1.0))
        self.image.setRect(QRectF(0, 0, k, k))
        self._colour_image()
        ticks = [(i + 0.5, short(label, 18)) for i, label in enumerate(self.labels)]
        self.item.getAxis("left").setTicks([ticks, []])
        self.item.getAxis("bottom").setTicks([ticks, []])
        self.item.getAxis("left").setWidth(min(max(self.fontMetrics().horizontalAdvance(t) for _, t in ticks) + 14,
                                               170))
        cells = []
        if k <= self.MAX_TEXT_CLASSES:
            for i in range(k):
                for j in range(k):
                    cells.append((j + 0.5, i + 0.5, f"{self.counts[i, j]:,}\n{self.shares[i, j]:.1%}",
                                  self.shares[i, j]))
        self._set_texts(cells)
        xs, ys = np.meshgrid(np.arange(k) + 0.5, np.arange(k) + 0.5)
        self.set_hover("cells", xs.ravel(), ys.ravel(), lambda n: self.cell_text(n // k, n % k))
        total = int(self.counts.sum())
        correct = int(np.trace(self.counts))
        self.set_caption(f"{total:,} labelled rows, {correct:,} on the diagonal (correct). Colour and percentage: "
                         "share of the true class's rows" + ("" if k <= self.MAX_TEXT_CLASSES else
                                                              "; hover a cell for its count") + ".")
        self.item.getViewBox().setLimits(xMin=0, xMax=k, yMin=0, yMax=k)
        self.item.setXRange(0, k, padding=0)
        self.item.setYRange(0, k, padding=0)
        self.show_plot()

    def hover_text(self, x: float, y: float) -> str | None:
        k = len(self.labels)
        i, j = int(np.floor(y)), int(np.floor(x))
        if 0 <= i < k and 0 <= j < k:
            return self.cell_text(i, j)
        return None

    def cell_text(self, i: int, j: int) -> str:
        total = self.counts.sum()
        kind = "correct" if i == j else "wrong"
        return (f"true {self.labels[i]}, predicted {self.labels[j]} ({kind}): {self.counts[i, j]:,} rows\n"
                f"{self.shares[i, j]:.1%} of the rows whose true class is {self.labels[i]}; "
                f"{self.counts[i, j] / total if total else 0:.1%} of all")

    def cell_texts(self) -> list[str]:
        return [t.toPlainText() for t in self.texts if t.isVisible()]

    def _set_texts(self, cells: list[tuple[float, float, str, float]]) -> None:
        while len(self.texts) < len(cells):
            text = pg.TextItem(anchor=(0.5, 0.5))
            text.setZValue(5)
            self.plot.addItem(text)
            self.texts.append(text)
        for item, (x, y, label, share) in zip(self.texts, cells):
            item.setText(label)
            item.setPos(x, y)
            item.setColor(QColor("#ffffff") if share > 0.55 and not is_dark() else
                          QColor("#1d1d1d") if share > 0.55 else self.text_colour())
            item.setVisible(True)
        for item in self.texts[len(cells):]:
            item.setVisible(False)

    def _colour_image(self) -> None:
        stops = DARK_MAP if is_dark() else LIGHT_MAP
        colour_map = pg.ColorMap(np.linspace(0.0, 1.0, len(stops)), [QColor(s) for s in stops])
        self.image.setLookupTable(colour_map.getLookupTable(0.0, 1.0, 256))
        self.image.setLevels((0.0, 1.0))

    def restyle(self) -> None:
        self._colour_image()
        if self.labels and len(self.labels) <= self.MAX_TEXT_CLASSES:
            k = len(self.labels)
            self._set_texts([(j + 0.5, i + 0.5, f"{self.counts[i, j]:,}\n{self.shares[i, j]:.1%}", self.shares[i, j])
                             for i in range(k) for j in range(k)])


# -- over time --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkPoint:
    """One production chunk as the over-time plot draws it. `status`: 'ok', 'small', 'no labels', or
    'not computed' (the metric is not measured per chunk, or is undefined there)."""

    label: str
    value: float | None
    low: float | None
    high: float | None
    status: str
    dropped: bool
    tip: str


@dataclass(frozen=True)
class PolicyLine:
    value: float
    text: str


class ChunkMetricPlot(HoverPlot):
    def __init__(self, parent=None) -> None:
        self.chunk_axis = ChunkAxis()
        super().__init__("No production chunks to draw.", parent, {"bottom": self.chunk_axis})
        self.png_name = "metric_over_time"
        self.points: list[ChunkPoint] = []
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.band = QGraphicsPathItem()
        self.band.setZValue(-5)
        self.line = pg.PlotDataItem(connect="finite")
        self.ok = pg.ScatterPlotItem(size=7, symbol="o")
        self.small = pg.ScatterPlotItem(size=8, symbol="o")
        self.dropped = pg.ScatterPlotItem(size=11, symbol="o")
        self.reference = pg.InfiniteLine(angle=0, movable=False, label="reference",
                                         labelOpts={"position": 0.0, "anchors": [(0, 1), (0, 1)]})
        self.reference.label.setZValue(20)
        self.policy: list[pg.InfiniteLine] = []
        self.no_label_regions: list[pg.LinearRegionItem] = []
        self.no_label_texts: list[pg.TextItem] = []
        self.plot.addItem(self.band)
        for item in (self.reference, self.line, self.ok, self.small, self.dropped):
            self.plot.addItem(item)
        for item in (self.ok, self.small, self.dropped):
            item.setZValue(10)
        self.set_axis_label("bottom", "production chunk")
        self.apply_palette()

    def set_chunks(self, metric_label: str, points: Sequence[ChunkPoint], reference: float | None = None,
                   policy: Sequence[PolicyLine] = (), empty_text: str = "No production chunks to draw.",
                   reference_text: str | None = None, bounds: tuple[float | None, float | None] = (None, None)
                   ) -> None:
        """`bounds`: the metric's possible range (0 and 1 for shares), which the y range never passes."""
        self.clear_hover()
        self.points = list(points)
        n = len(self.points)
        values = np.array([NAN if p.value is None else p.value for p in self.points], dtype=float)
        if not n:
            self._clear()
            self.show_empty(empty_text)
            return
        x = np.arange(n, dtype=float)
        low = np.array([NAN if p.low is None else p.low for p in self.points], dtype=float)
        high = np.array([NAN if p.high is None else p.high for p in self.points], dtype=float)
        self.line.setData(x, values)
        status = np.array([p.status for p in self.points])
        dropped = np.array([p.dropped for p in self.points], dtype=bool)
        defined = np.isfinite(values)
        ok = defined & (status == "ok") & ~dropped
        small = defined & (status == "small")
        self.ok.setData(x[ok], values[ok])
        self.small.setData(x[small], values[small])
        self.dropped.setData(x[dropped & defined], values[dropped & defined])
        self.band.setPath(_band_path(x, low, high))
        self.reference.setVisible(reference is not None)
        if reference is not None:
            self.reference.setValue(reference)
            self.reference.label.setFormat(reference_text or f"reference {reference:.4g}")
        missing = [i for i, p in enumerate(self.points) if p.status == "no labels"]
        self._set_no_labels(missing)
        self.chunk_axis.set_labels([p.label for p in self.points])
        self.set_axis_label("left", metric_label)
        extent = np.r_[values, low, high, [reference] if reference is not None else [],
                       [line.value for line in policy]]
        extent = extent[np.isfinite(extent)]
        bottom, top = (float(extent.min()), float(extent.max())) if extent.size else (0.0, 1.0)
        span = max(top - bottom, abs(top) * 0.05, 1e-9)
        bottom, top = bottom - 0.1 * span, top + 0.14 * span
        if bounds[0] is not None:
            bottom = max(bottom, bounds[0] - 0.02 * span)
        if bounds[1] is not None:
            top = min(top, bounds[1] + 0.04 * span)
        self._set_policy(policy, 0.03 * (top - bottom))
        self.item.setXRange(-0.5, n - 0.5, padding=0)
        self.item.setYRange(bottom, top, padding=0)
        self.set_hover("chunks", x, np.where(defined, values, NAN), lambda i: self.points[i].tip)
        self._legend(defined.any(), small.any(), (dropped & defined).any(), bool(missing), reference is not None,
                     policy, np.isfinite(low).any())
        if not defined.any() and not missing:
            self.set_legend([])
            self.show_empty(empty_text)
            return
        self.show_plot()

    def hover_text(self, x: float, y: float) -> str | None:
        i = int(round(x))
        if 0 <= i < len(self.points) and abs(x - i) <= 0.5:
            return self.points[i].tip
        return None

    def _legend(self, any_value: bool, any_small: bool, any_dropped: bool, any_missing: bool, reference: bool,
                policy: Sequence[PolicyLine], intervals: bool) -> None:
        entries = []
        if any_value:
            entries.append(("production", "━●", "production, per chunk"))
        if intervals:
            entries.append(("band", "■", "interval"))
        if reference:
            entries.append(("reference", "┅", "reference"))
        if policy:
            entries.append(("fail", "┅", "policy"))
        if any_dropped:
            entries.append(("fail", "●", "significant drop beyond the policy"))
        if any_small:
            entries.append(("production", "○", "too few labelled rows to judge"))
        if any_missing:
            entries.append(("muted", "■", "no labels"))
        self.set_legend(entries)

    def _set_policy(self, policy: Sequence[PolicyLine], near: float = 0.0) -> None:
        """Lines closer than `near` share one line and one label (their labels would overlap)."""
        merged: list[PolicyLine] = []
        for spec in policy:
            same = next((i for i, m in enumerate(merged) if abs(m.value - spec.value) <= near), None)
            if same is None:
                merged.append(spec)
            elif spec.text:
                text = " · ".join(t for t in (merged[same].text, spec.text) if t)
                merged[same] = PolicyLine(merged[same].value, text)
        policy = merged
        while len(self.policy) < len(policy):
            line = pg.InfiniteLine(angle=0, movable=False, label="",
                                   labelOpts={"position": 1.0, "anchors": [(1, 0), (1, 0)]})
            line.label.setZValue(20)
            self.plot.addItem(line)
            self.policy.append(line)
        for item, spec in zip(self.policy, policy):
            item.setValue(spec.value)
            item.label.setFormat(spec.text)
            item.setVisible(True)
        for item in self.policy[len(policy):]:
            item.setVisible(False)
        self._style_lines()

    def _set_no_labels(self, indices: list[int]) -> None:
        while len(self.no_label_regions) < len(indices):
            region = pg.LinearRegionItem((0, 1), orientation="vertical", movable=False)
            region.setZValue(-10)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            text = pg.TextItem("no labels", anchor=(0.5, 0.5), angle=90)
            self.plot.addItem(region)
            self.plot.addItem(text)
            self.no_label_regions.append(region)
            self.no_label_texts.append(text)
        show_text = len(indices) <= 40
        for region, text, i in zip(self.no_label_regions, self.no_label_texts, indices):
            region.setRegion((i - 0.45, i + 0.45))
            region.setVisible(True)
            text.setVisible(show_text)
            text.setPos(i, 0)
        for region, text in zip(self.no_label_regions[len(indices):], self.no_label_texts[len(indices):]):
            region.setVisible(False)
            text.setVisible(False)
        self._style_regions()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_texts()

    def _place_texts(self) -> None:
        """'no labels' in the middle of the visible height (the y range is the metric's)."""
        low, high = self.item.getViewBox().viewRange()[1]
        for text in self.no_label_texts:
            text.setPos(text.pos().x(), (low + high) / 2)

    def show_plot(self) -> None:
        super().show_plot()
        self._place_texts()

    def _clear(self) -> None:
        for item in (self.line, self.ok, self.small, self.dropped):
            item.setData([], [])
        self.band.setPath(QPainterPath())
        self.reference.setVisible(False)
        self._set_policy([])
        self._set_no_labels([])
        self.set_legend([])

    # for tests
    def series(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.line.getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

    def band_rect(self) -> QRectF:
        return self.band.path().boundingRect()

    def no_label_chunks(self) -> list[int]:
        return [round(sum(r.getRegion()) / 2) for r in self.no_label_regions if r.isVisible()]

    def policy_values(self) -> list[float]:
        return [line.value() for line in self.policy if line.isVisible()]

    def policy_labels(self) -> list[str]:
        return [line.label.format for line in self.policy if line.isVisible()]

    def named_colour(self, name: str) -> QColor | None:
        if name == "band":
            return with_alpha(series_colour("production"), 0.5)
        return super().named_colour(name)

    def _style_lines(self) -> None:
        fill = pg.mkBrush(with_alpha(self.palette().color(QPalette.ColorRole.Base), 0.8))
        for line in self.policy:
            line.setPen(_pen(severity_colour("fail"), 1.4, Qt.PenStyle.DashLine))
            line.label.setColor(severity_colour("fail"))
            line.label.fill = fill
        self.reference.label.fill = fill

    def _style_regions(self) -> None:
        grey = with_alpha(self.muted_colour(), 0.16)
        for region in self.no_label_regions:
            region.setBrush(pg.mkBrush(grey))
            region.setHoverBrush(pg.mkBrush(grey))
        for text in self.no_label_texts:
            text.setColor(self.muted_colour())

    def restyle(self) -> None:
        colour = series_colour("production")
        base = self.palette().color(QPalette.ColorRole.Base)
        self.line.setPen(_pen(colour, 1.8))
        self.ok.setBrush(pg.mkBrush(colour))
        self.ok.setPen(pg.mkPen(base, width=1))
        self.small.setBrush(pg.mkBrush(base))
        self.small.setPen(pg.mkPen(colour, width=1.6))
        self.dropped.setBrush(pg.mkBrush(severity_colour("fail")))
        self.dropped.setPen(pg.mkPen(base, width=1.5))
        self.band.setBrush(pg.mkBrush(with_alpha(colour, 0.2)))
        self.band.setPen(pg.mkPen(None))
        self.reference.setPen(_pen(series_colour("reference"), 1.6, Qt.PenStyle.DashLine))
        self.reference.label.setColor(series_colour("reference"))
        self._style_lines()
        self._style_regions()


def _band_path(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> QPainterPath:
    """One polygon per run of chunks with an interval; a lone chunk gets a narrow box."""
    path = QPainterPath()
    has = np.isfinite(low) & np.isfinite(high)
    i, n = 0, len(x)
    while i < n:
        if not has[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and has[j + 1]:
            j += 1
        xs = x[i:j + 1]
        if i == j:
            xs_top, lo, hi = np.array([xs[0] - 0.15, xs[0] + 0.15]), np.repeat(low[i], 2), np.repeat(high[i], 2)
        else:
            xs_top, lo, hi = xs, low[i:j + 1], high[i:j + 1]
        polygon = QPolygonF([QPointF(a, b) for a, b in zip(xs_top, hi)]
                            + [QPointF(a, b) for a, b in zip(xs_top[::-1], lo[::-1])])
        path.addPolygon(polygon)
        path.closeSubpath()
        i = j + 1
    return path


# -- threshold sweep --------------------------------------------------------------------------------------


class SweepPlot(HoverPlot):
    """Each metric of the sweep as a line over the threshold; the decision threshold as a vertical line."""

    def __init__(self, parent=None) -> None:
        super().__init__("No threshold sweep.", parent)
        self.png_name = "threshold_sweep"
        self.thresholds = np.zeros(0)
        self.values: dict[str, np.ndarray] = {}
        self.highlight: str | None = None
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.threshold = pg.InfiniteLine(angle=90, movable=False, label="",
                                         labelOpts={"position": 0.97, "anchors": [(0, 0), (0, 0)]})
        self.threshold.setZValue(5)
        self.plot.addItem(self.threshold)
        self.set_axis_label("bottom", "decision threshold (score ≥ threshold: positive)")
        self.set_axis_label("left", "metric")
        self.item.setXRange(0, 1, padding=0.02)
        self.item.setYRange(0, 1, padding=0.02)
        self.apply_palette()

    def set_sweep(self, sweep: object | None, threshold: float | None, highlight: str | None = None,
                  empty_text: str = "No threshold sweep.") -> None:
        self.highlight = highlight
        if sweep is None or not len(sweep.thresholds):
            self.thresholds, self.values = np.zeros(0), {}
            for line in self.lines.values():
                line.setData([], [])
            self.set_legend([])
            self.show_empty(empty_text)
            return
        self.thresholds = np.asarray(sweep.thresholds, dtype=float)
        self.values = {name: _floats(values) for name, values in sweep.metrics.items()}
        for name, values in self.values.items():
            if name not in self.lines:
                self.lines[name] = pg.PlotDataItem(connect="finite")
                self.plot.addItem(self.lines[name])
            self.lines[name].setData(self.thresholds, values)
        for name, line in self.lines.items():
            if name not in self.values:
                line.setData([], [])
        self.threshold.setVisible(threshold is not None)
        if threshold is not None:
            self.threshold.setValue(threshold)
            self.threshold.label.setFormat(f" threshold {threshold:g}")
        self.set_legend([(name, "━", SWEEP_NAMES.get(name, name)) for name in self.values]
                        + ([("text", "┃", "decision threshold")] if threshold is not None else []))
        self.restyle()
        self.item.setXRange(0, 1, padding=0.02)
        self.item.setYRange(0, 1, padding=0.02)
        self.show_plot()

    def hover_text(self, x: float, y: float) -> str | None:
        if not self.thresholds.size or not (-0.02 <= x <= 1.02):
            return None
        i = int(np.argmin(np.abs(self.thresholds - x)))
        lines = [f"threshold {self.thresholds[i]:.2f}"]
        for name, values in self.values.items():
            lines.append(f"{SWEEP_NAMES.get(name, name)}: {_fmt(values[i])}")
        return "\n".join(lines)

    def line_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.lines[name].getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

    def named_colour(self, name: str) -> QColor | None:
        if name in SWEEP_COLOURS:
            light, dark = SWEEP_COLOURS[name]
            return QColor(dark if is_dark() else light)
        return super().named_colour(name)

    def restyle(self) -> None:
        for name, line in self.lines.items():
            width = 3.2 if name == self.highlight else 1.8
            style = Qt.PenStyle.DashLine if name == "positive_rate" else Qt.PenStyle.SolidLine
            line.setPen(_pen(self.colour(name), width, style))
        self.threshold.setPen(_pen(with_alpha(self.text_colour(), 0.75), 1.4))
        self.threshold.label.setColor(self.text_colour())


# -- regression residuals ---------------------------------------------------------------------------------


class ResidualPlot(HoverPlot):
    """Error (prediction − target) against the predicted value: sampled rows as dots, the mean error per
    quantile bin of the prediction as a line with the band holding the middle 80% of the errors."""

    def __init__(self, parent=None) -> None:
        super().__init__("No residuals to draw.", parent)
        self.png_name = "residuals"
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.zero = pg.InfiniteLine(0, angle=0, movable=False)
        self.plot.addItem(self.zero)
        self.dots = {d: pg.ScatterPlotItem(size=3, pen=None) for d in DATASETS}
        self.lows = {d: pg.PlotDataItem() for d in DATASETS}
        self.highs = {d: pg.PlotDataItem() for d in DATASETS}
        self.bands = {d: pg.FillBetweenItem(self.lows[d], self.highs[d]) for d in DATASETS}
        self.means = {d: pg.PlotDataItem(symbol="o", symbolSize=6) for d in DATASETS}
        for d in DATASETS:
            self.plot.addItem(self.dots[d])
        for d in DATASETS:
            for item in (self.lows[d], self.highs[d], self.bands[d], self.means[d]):
                self.plot.addItem(item)
            self.means[d].setZValue(10)
        self.set_axis_label("bottom", "predicted value")
        self.set_axis_label("left", "error (prediction − target)")
        self.apply_palette()

    def set_residuals(self, residuals: dict[str, object | None], empty_text: str = "No residuals to draw.") -> None:
        self.clear_hover()
        shown = [d for d in DATASETS if residuals.get(d) is not None and len(residuals[d].binned_predicted)]
        if not shown:
            for d in DATASETS:
                self._clear(d)
            self.set_legend([])
            self.show_empty(empty_text)
            return
        legend = []
        for d in DATASETS:
            r = residuals.get(d)
            if d not in shown:
                self._clear(d)
                continue
            px, py = np.asarray(r.predicted, dtype=float), np.asarray(r.error, dtype=float)
            self.dots[d].setData(px, py)
            bx = np.asarray(r.binned_predicted, dtype=float)
            self.means[d].setData(bx, np.asarray(r.binned_mean_error, dtype=float))
            self.lows[d].setData(bx, np.asarray(r.binned_low, dtype=float))
            self.highs[d].setData(bx, np.asarray(r.binned_high, dtype=float))
            self.set_hover(f"{d} rows", px, py, lambda i, d=d, px=px, py=py: (
                f"{d} row (sampled): predicted {px[i]:.4g}, error {py[i]:+.4g}"))
            self.set_hover(f"{d} bins", bx, r.binned_mean_error, lambda i, d=d, r=r: (
                f"{d}, predictions near {r.binned_predicted[i]:.4g}:\nmean error {r.binned_mean_error[i]:+.4g}; "
                f"80% of errors between {r.binned_low[i]:+.4g} and {r.binned_high[i]:+.4g}"))
            legend.append((d, "━●", f"{d}: mean error"))
        legend.append(("band", "■", "middle 80% of errors"))
        legend.append(("muted", "·", "sampled rows"))
        self.set_legend(legend)
        self._fit(shown, residuals)
        self.show_plot()

    def _fit(self, shown: list[str], residuals: dict) -> None:
        """The range of the binned bands and of most sampled rows (a few wild rows must not squash the plot)."""
        xs = np.concatenate([np.asarray(residuals[d].predicted or residuals[d].binned_predicted, dtype=float)
                             for d in shown])
        ys = np.concatenate([np.r_[residuals[d].binned_low, residuals[d].binned_high,
                                   np.asarray(residuals[d].error, dtype=float)] for d in shown])
        xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
        if xs.size and ys.size:
            x0, x1 = np.percentile(xs, [0.5, 99.5])
            y0, y1 = np.percentile(ys, [1, 99])
            y0, y1 = min(y0, 0.0), max(y1, 0.0)
            self.item.setXRange(float(x0), float(x1) if x1 > x0 else float(x0) + 1, padding=0.04)
            self.item.setYRange(float(y0), float(y1) if y1 > y0 else float(y0) + 1, padding=0.06)

    def _clear(self, d: str) -> None:
        for item in (self.dots[d], self.means[d], self.lows[d], self.highs[d]):
            item.setData([], [])

    def mean_data(self, dataset: str) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.means[dataset].getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

    def named_colour(self, name: str) -> QColor | None:
        if name == "band":
            return with_alpha(self.text_colour(), 0.35)
        return super().named_colour(name)

    def restyle(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for d in DATASETS:
            colour = series_colour(d)
            self.dots[d].setBrush(pg.mkBrush(with_alpha(colour, 0.22)))
            self.means[d].setPen(_pen(colour, 2.2))
            self.means[d].setSymbolBrush(pg.mkBrush(colour))
            self.means[d].setSymbolPen(pg.mkPen(base, width=1))
            for item in (self.lows[d], self.highs[d]):
                item.setPen(_pen(with_alpha(colour, 0.5), 1.0))
            self.bands[d].setBrush(pg.mkBrush(with_alpha(colour, 0.16)))
        self.zero.setPen(_pen(with_alpha(self.text_colour(), 0.6), 1.2, Qt.PenStyle.DashLine))


# -- histograms -------------------------------------------------------------------------------------------


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
            legend.append((d, "■", f"{d}{' ' + _escape(note) if note else ''}"))
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
            self.bars[d].setPen(_pen(colour, 1.8))
            self.bars[d].setBrush(pg.mkBrush(with_alpha(colour, 0.25)))
            self.means[d].setPen(_pen(colour, 1.4, Qt.PenStyle.DashLine))
        self.zero.setPen(_pen(with_alpha(self.text_colour(), 0.5), 1.0))


# -- bars per group ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    value: float | None
    low: float | None = None
    high: float | None = None
    small: bool = False
    tip: str = ""


class PairedBars(HoverPlot):
    """Horizontal bars per group (first on top), reference and production side by side, with intervals;
    small groups are drawn hollow. Shares (predicted labels) are bars from 0; metrics (segments) are dots
    with their intervals over the range of the values, where differences of a few points show."""

    VISIBLE = 12  # more groups scroll (drag or wheel)
    ROW = 0.76

    def __init__(self, empty_text: str = "Nothing to draw.", parent=None) -> None:
        super().__init__(empty_text, parent)
        self.png_name = "bars"
        self.groups: list[str] = []
        self.datasets: tuple[str, ...] = ()
        self.bar_specs: dict[str, list[Bar]] = {}
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.plot.invertY(True)
        self.item.getAxis("left").setStyle(tickLength=0)
        self.item.getAxis("bottom").setZValue(-1000)
        empty = np.zeros(0)
        self.bars = {d: pg.BarGraphItem(x0=0, y=empty, height=0.3, width=empty) for d in DATASETS}
        self.hollow = {d: pg.BarGraphItem(x0=0, y=empty, height=0.3, width=empty) for d in DATASETS}
        self.errors = {d: pg.ErrorBarItem(x=empty, y=empty, left=empty, right=empty) for d in DATASETS}
        self.dots = {d: pg.ScatterPlotItem(size=11, symbol="o") for d in DATASETS}
        self.hollow_dots = {d: pg.ScatterPlotItem(size=10, symbol="o") for d in DATASETS}
        self.mode = "bars"
        self.line = pg.InfiniteLine(angle=90, movable=False)
        for d in DATASETS:
            for item in (self.bars[d], self.hollow[d], self.errors[d], self.dots[d], self.hollow_dots[d]):
                self.plot.addItem(item)
            self.errors[d].setZValue(5)
            self.dots[d].setZValue(6)
            self.hollow_dots[d].setZValue(6)
        self.plot.addItem(self.line)
        self.line.setZValue(8)
        self.apply_palette()

    def set_bars(self, groups: Sequence[str], series: dict[str, Sequence[Bar]], x_label: str,
                 line: tuple[float, str] | None = None, percent: bool = False, empty_text: str = "Nothing to draw.",
                 dots: bool = False) -> None:
        """`series`: dataset -> one Bar per group; `line`: (value, label) drawn across, e.g. all rows;
        `dots`: a dot per value instead of a bar from 0."""
        self.clear_hover()
        self.mode = "dots" if dots else "bars"
        self.groups = list(groups)
        self.datasets = tuple(d for d in DATASETS if d in series)
        self.bar_specs = {d: list(series[d]) for d in self.datasets}
        if not self.groups or not self.datasets:
            for d in DATASETS:
                self._clear(d)
            self.line.setVisible(False)
            self.set_legend([])
            self.set_caption("")
            self.show_empty(empty_text)
            return
        scale = 100.0 if percent else 1.0
        rows = np.arange(len(self.groups), dtype=float)
        height = self.ROW / len(self.datasets)
        extent = [] if dots else [0.0]
        any_small = False
        for d in DATASETS:
            if d not in self.datasets:
                self._clear(d)
                continue
            bars = self.bar_specs[d]
            offset = (self.datasets.index(d) - (len(self.datasets) - 1) / 2) * height
            has = np.array([b.value is not None for b in bars], dtype=bool)
            small = np.array([b.small for b in bars], dtype=bool)
            any_small |= bool((small & has).any())
            values = np.array([NAN if b.value is None else b.value * scale for b in bars], dtype=float)
            y = rows[:len(bars)] + offset
            full, thin = has & ~small, has & small
            if dots:
                self._clear(d)
                self.dots[d].setData(values[full], y[full])
                self.hollow_dots[d].setData(values[thin], y[thin])
            else:
                self.dots[d].setData([], [])
                self.hollow_dots[d].setData([], [])
                self.bars[d].setOpts(x0=np.minimum(values[full], 0), y=y[full], height=height * 0.9,
                                     width=np.abs(values[full]))
                self.hollow[d].setOpts(x0=np.minimum(values[thin], 0), y=y[thin], height=height * 0.9,
                                       width=np.abs(values[thin]))
            with_ci = [i for i, b in enumerate(bars)
                       if b.value is not None and b.low is not None and b.high is not None]
            ex = values[with_ci]
            self.errors[d].setData(x=ex, y=y[with_ci], left=ex - np.array([bars[i].low * scale for i in with_ci]),
                                   right=np.array([bars[i].high * scale for i in with_ci]) - ex, beam=height * 0.4)
            self.errors[d].setVisible(bool(with_ci))
            extent += [v for v in values[has]] + [bars[i].high * scale for i in with_ci] + \
                      [bars[i].low * scale for i in with_ci]
            self.set_hover(d, np.where(has, values, 0.0), y,
                           lambda i, d=d: self.bar_specs[d][i].tip or f"{self.groups[i]} ({d})")
        self.line.setVisible(line is not None)
        if line is not None:
            self.line.setValue(line[0] * scale)
            extent.append(line[0] * scale)
        labels = [short(g, 26) for g in self.groups]
        axis = self.item.getAxis("left")
        axis.setTicks([[(float(i), label) for i, label in enumerate(labels)], []])
        axis.setWidth(min(max(self.fontMetrics().horizontalAdvance(label) for label in labels) + 16, 240))
        low, high = (min(extent), max(extent)) if extent else (0.0, 1.0)
        span = max(high - low, abs(high) * 0.05, 1e-9)
        if dots:
            self.item.setXRange(low - 0.08 * span, high + 0.08 * span, padding=0)
        else:
            self.item.setXRange(low - (0.04 * span if low < 0 else 0.0), high + 0.1 * span, padding=0)
        shown = min(len(self.groups), self.VISIBLE)
        self.item.getViewBox().setLimits(yMin=-0.6, yMax=max(len(self.groups), 2) - 0.4)
        self.item.setYRange(-0.6, max(shown, 2) - 0.4, padding=0)
        self.plot.setMouseEnabled(x=False, y=len(self.groups) > self.VISIBLE)
        self.set_caption(f"{shown} of {len(self.groups)} shown; drag the plot up to see the others."
                         if len(self.groups) > shown else "")
        legend = [(d, "●" if dots else "■", d) for d in self.datasets]
        if any(self.errors[d].isVisible() for d in self.datasets):
            legend.append(("text", "├┤", "interval"))
        if line is not None:
            legend.append(("text", "┆", _escape(line[1])))
        if any_small:
            legend.append(("muted", "○" if dots else "□", "too few labelled rows to judge"))
        self.set_legend(legend)
        self.set_axis_label("bottom", x_label)
        self.restyle()
        self.show_plot()

    def hover_text(self, x: float, y: float) -> str | None:
        """The bar under the pointer: the row (and dataset) by y, anywhere along its length."""
        if not self.groups:
            return None
        height = self.ROW / len(self.datasets)
        for d in self.datasets:
            offset = (self.datasets.index(d) - (len(self.datasets) - 1) / 2) * height
            i = int(round(y - offset))
            if 0 <= i < len(self.groups) and abs(y - offset - i) <= height / 2:
                bar = self.bar_specs[d][i]
                return bar.tip or f"{self.groups[i]} ({d})"
        return None

    def bar_values(self, dataset: str) -> np.ndarray:
        """Each group's value as given (None as NaN), in group order."""
        return np.array([NAN if b.value is None else b.value for b in self.bar_specs.get(dataset, [])], dtype=float)

    def _clear(self, d: str) -> None:
        empty = np.zeros(0)
        self.bars[d].setOpts(x0=0, y=empty, height=0.3, width=empty)
        self.hollow[d].setOpts(x0=0, y=empty, height=0.3, width=empty)
        self.errors[d].setVisible(False)
        if self.mode == "bars":
            self.dots[d].setData([], [])
            self.hollow_dots[d].setData([], [])

    def restyle(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for d in DATASETS:
            colour = series_colour(d)
            self.bars[d].setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(colour.darker(115)))
            self.hollow[d].setOpts(brush=pg.mkBrush(base), pen=pg.mkPen(colour, width=1.5))
            self.dots[d].setBrush(pg.mkBrush(colour))
            self.dots[d].setPen(pg.mkPen(base, width=1.2))
            self.hollow_dots[d].setBrush(pg.mkBrush(base))
            self.hollow_dots[d].setPen(pg.mkPen(colour, width=1.8))
            shown = self.errors[d].isVisible()
            self.errors[d].setData(pen=pg.mkPen(with_alpha(self.text_colour(), 0.85), width=1.4))
            self.errors[d].setVisible(shown)
        self.line.setPen(_pen(with_alpha(self.text_colour(), 0.8), 1.4, Qt.PenStyle.DashLine))
