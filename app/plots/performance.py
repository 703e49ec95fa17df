"""The Performance page's own plots. Each draws what the engine measured (engine.performance.results) and
computes no statistic; items are created once and updated with setData / setOpts. Hovering a plot shows
the values under the pointer (HoverPlot); every plot's context menu saves it as a PNG (ThemedPlot).

- CurvePlot:        ROC or precision-recall curves, reference and production overlaid, the decision
                    threshold's point marked, the chance line
- CalibrationPlot:  the reliability diagram: mean score against the observed share per score bin
- ConfusionMap:     one confusion matrix as a heat map, each cell's count and share of its true class
- SweepPlot:        metrics against the decision threshold, the chosen threshold marked
- ResidualPlot:     error against predicted value: sampled rows, the binned mean error and its 10-90% band

The page's other plots draw nothing specific to performance: a metric per chunk (over_time.ChunkMetricPlot),
histograms (histogram.HistogramPlot) and bars per group (paired_bars.PairedBars).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPalette

from assay.app.plots.heatmap import DARK_MAP, LIGHT_MAP
from assay.app.plots.hover import HoverPlot
from assay.app.plots.themed import NAN, cosmetic_pen, drawn_data, floats, short, with_alpha
from assay.app.theme import is_dark, series_colour
from assay.engine.datasets import DATASETS
from assay.engine.performance.metric_specs import METRICS

# Okabe-Ito, readable by people with the common colour-vision deficiencies; lighter variants for dark
SWEEP_COLOURS = {
    "accuracy": ("#0072b2", "#56a8e0"), "balanced_accuracy": ("#009e73", "#3cc79d"),
    "precision": ("#d55e00", "#ff8c42"), "recall": ("#cc79a7", "#e6a0c8"), "f1": ("#1d1d1d", "#f0f0f0"),
    "positive_rate": ("#e69f00", "#f5c04a"),
}
SWEEP_NAMES = {m.name: m.in_sentence for m in METRICS} | {"positive_rate": "predicted positive rate"}


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


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
        return drawn_data(self.curves[dataset])

    def point_data(self, dataset: str) -> tuple[float, float] | None:
        x, y = self.points[dataset].getData()
        return (float(x[0]), float(y[0])) if len(x) else None

    def restyle(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for d in DATASETS:
            colour = series_colour(d)
            self.curves[d].setPen(cosmetic_pen(colour, 2.2))
            self.points[d].setBrush(pg.mkBrush(colour))
            self.points[d].setPen(pg.mkPen(base, width=1.5))
            chance = colour if self.kind == "pr" else self.muted_colour()
            self.chance[d].setPen(cosmetic_pen(with_alpha(chance, 0.8), 1.2, Qt.PenStyle.DashLine))


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
        return drawn_data(self.curves[dataset])

    def restyle(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for d in DATASETS:
            colour = series_colour(d)
            self.curves[d].setPen(cosmetic_pen(colour, 2.0))
            self.curves[d].setSymbolBrush(pg.mkBrush(colour))
            self.curves[d].setSymbolPen(pg.mkPen(base, width=1))
        self.diagonal.setPen(cosmetic_pen(with_alpha(self.muted_colour(), 0.9), 1.2, Qt.PenStyle.DashLine))


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
        self.values = {name: floats(values) for name, values in sweep.metrics.items()}
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
        return drawn_data(self.lines[name])

    def named_colour(self, name: str) -> QColor | None:
        if name in SWEEP_COLOURS:
            light, dark = SWEEP_COLOURS[name]
            return QColor(dark if is_dark() else light)
        return super().named_colour(name)

    def restyle(self) -> None:
        for name, line in self.lines.items():
            width = 3.2 if name == self.highlight else 1.8
            style = Qt.PenStyle.DashLine if name == "positive_rate" else Qt.PenStyle.SolidLine
            line.setPen(cosmetic_pen(self.colour(name), width, style))
        self.threshold.setPen(cosmetic_pen(with_alpha(self.text_colour(), 0.75), 1.4))
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
        return drawn_data(self.means[dataset])

    def named_colour(self, name: str) -> QColor | None:
        if name == "band":
            return with_alpha(self.text_colour(), 0.35)
        return super().named_colour(name)

    def restyle(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        for d in DATASETS:
            colour = series_colour(d)
            self.dots[d].setBrush(pg.mkBrush(with_alpha(colour, 0.22)))
            self.means[d].setPen(cosmetic_pen(colour, 2.2))
            self.means[d].setSymbolBrush(pg.mkBrush(colour))
            self.means[d].setSymbolPen(pg.mkPen(base, width=1))
            for item in (self.lows[d], self.highs[d]):
                item.setPen(cosmetic_pen(with_alpha(colour, 0.5), 1.0))
            self.bands[d].setBrush(pg.mkBrush(with_alpha(colour, 0.16)))
        self.zero.setPen(cosmetic_pen(with_alpha(self.text_colour(), 0.6), 1.2, Qt.PenStyle.DashLine))

