"""The Estimated performance page: each estimated metric beside the reference's realised value, its interval,
its change and the backtest where production has labels; the selected metric over time (the estimate, its
band and the realised values); the calibration curve before and after calibrating; the assumptions that look
broken; how it was estimated. Computes nothing: it reads the EstimationResult."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from assay.app.models import performance as P
from assay.app.models.table import Column, FilterProxyModel, RecordTableModel
from assay.app.pages.common import fit_columns, muted_label, table_view, titled
from assay.app.pages.result_page import ResultPage
from assay.app.steps import Steps
from assay.app.theme import severity_colour

if TYPE_CHECKING:
    from assay.app.settings import AppSettings
    from assay.engine.results import AuditReport

METHODS = {"cbpe": "confidence-based (CBPE)", "cbpe_weighted": "confidence-based, weighted for the shift "
                                                                "(CBPE weighted)", "dle": "direct loss estimation (DLE)"}


@dataclass(frozen=True)
class MetricRow:
    metric: str
    label: str
    reference: float | None
    estimate: Any  # Estimate
    change: Any  # MetricChange or None
    backtest: Any  # BacktestResult or None


def _interval(metric: str, e: Any) -> str:
    if e is None or e.ci_low is None:
        return "—"
    return f"{P.value_text(metric, e.ci_low, e.value)} – {P.value_text(metric, e.ci_high, e.value)}"


def _change(row: MetricRow) -> str:
    c = row.change
    if c is None or c.change is None:
        return "—"
    text = f"{c.change:+.3f}".replace("-", "−")
    return text + (f" ({c.ci_low:+.3f} to {c.ci_high:+.3f})".replace("-", "−") if c.ci_low is not None else "")


def _dropped(row: MetricRow):
    c = row.change
    return severity_colour("fail") if c is not None and c.beyond_policy and c.significant is not False else None


COLUMNS = (
    Column("Metric", lambda r: r.label),
    Column("Reference (labels)", lambda r: r.reference, lambda v: "—" if v is None else f"{v:.3f}", numeric=True),
    Column("Estimated", lambda r: r.estimate.value if r.estimate else None,
           lambda v: "—" if v is None else f"{v:.3f}", numeric=True, colour=_dropped),
    Column("Interval", lambda r: _interval(r.metric, r.estimate)),
    Column("Change from reference", lambda r: r.change.change if r.change else None, lambda v: "", colour=_dropped,
           header_tip="Estimated production minus the reference's realised value, with its interval"),
    Column("Backtest error", lambda r: r.backtest.mae if r.backtest else None,
           lambda v: "—" if v is None else f"{v:.4f}", numeric=True,
           header_tip="Mean absolute error of the estimates over the chunks that have labels"),
    Column("Interval held", lambda r: r.backtest.coverage if r.backtest else None,
           lambda v: "—" if v is None else f"{v:.0%}", numeric=True,
           header_tip="Share of the chunks with labels whose interval held the realised value"),
)


class ChangeColumnModel(RecordTableModel):
    """The change column's text is built from the whole row (value and interval)."""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and index.isValid() and index.column() == 4:
            return _change(self.record(index.row()))
        return super().data(index, role)


class EstimationPage(ResultPage):
    name = "estimation"
    plot_modules = ("assay.app.plots.estimation", "assay.app.plots.over_time")
    methods_title = "How this was estimated"
    pdf_contents = "estimated metrics with intervals, over time beside the realised values; calibration; assumptions"

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        super().__init__(settings, parent, name=name)
        self.result: Any = None
        self.over_time: Any = None
        self.calibration: Any = None
        self.assumptions = QLabel()
        self.assumptions.setWordWrap(True)
        self.assumptions.setTextFormat(Qt.TextFormat.RichText)
        self.assumptions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.assumptions)
        self.metrics = ChangeColumnModel(COLUMNS, self)
        self.metrics_proxy = FilterProxyModel(self)
        self.metrics_proxy.setSourceModel(self.metrics)
        self.metrics_view = table_view(self.metrics_proxy, stretch_column=4)
        self.metrics_view.setSortingEnabled(False)
        self.metrics_view.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.body.addWidget(self.metrics_view)
        self.metric_box = QComboBox()
        self.metric_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.metric_box.currentIndexChanged.connect(self._on_metric_changed)
        choose = QHBoxLayout()
        label = QLabel("&Metric over time")
        label.setBuddy(self.metric_box)
        choose.addWidget(label)
        choose.addWidget(self.metric_box)
        self.caption = muted_label()
        choose.addWidget(self.caption, 1)
        self.body.addLayout(choose)
        self.plots_row = QHBoxLayout()
        self.plots_row.setSpacing(16)
        self.body.addLayout(self.plots_row, 3)

    def plot_steps(self) -> Steps:
        from assay.app.plots.estimation import CalibrationBeforeAfterPlot, EstimateOverTimePlot

        over_time = EstimateOverTimePlot()
        over_time.setMinimumHeight(220)
        self.plots_row.addWidget(titled("Estimate over time", over_time), 3)
        yield
        calibration = CalibrationBeforeAfterPlot()
        calibration.setMinimumHeight(220)
        self.plots_row.addWidget(titled("Calibration on the reference", calibration), 2)
        self.calibration = calibration
        self.over_time = over_time
        yield

    def result_steps(self, report: AuditReport, result: Any) -> Steps:
        self.result = result
        positive = result.positive_label
        c = result.calibration
        parts = [f"{METHODS.get(result.method, result.method)} · {len(result.chunks)} chunks ({result.chunking})"]
        if result.calibration.calibrated:
            parts.append(f"scores calibrated{' (weighted)' if c.weighted else ''}: ECE {c.ece_before:.3f} → "
                         f"{c.ece_after:.3f}")
        elif c.ece_before is not None:
            parts.append("scores used as they are (calibrating would not help)")
        if result.shift is not None:
            parts.append(f"domain classifier ROC-AUC {result.shift.auc:.2f}")
        self.subtitle.setText(" · ".join(parts) + ". Estimated without production's labels.")
        warnings = "".join(f"<li>{escape(a)}</li>" for a in result.assumptions)
        colour = severity_colour("warn").name()
        self.assumptions.setText(f"<span style='color:{colour}'><b>Assumptions that look broken</b></span>"
                                 f"<ul style='margin:0'>{warnings}</ul>" if warnings else "")
        self.assumptions.setVisible(bool(warnings))
        rows = [MetricRow(metric=name, label=P.metric_name(name, result.task, positive),
                          reference=result.reference.get(name), estimate=result.metrics.get(name),
                          change=result.comparison.get(name), backtest=result.backtest.get(name))
                for name in result.metric_names]
        self.metrics.set_records(rows)
        self.metrics_proxy.sort(-1)  # the metric table's order
        fit_columns(self.metrics_view, maximum=220)
        view = self.metrics_view  # every metric in view: the table is as tall as its rows
        view.setFixedHeight(view.horizontalHeader().height() + view.verticalHeader().defaultSectionSize() * len(rows)
                            + 2 * view.frameWidth() + 2)
        yield
        with QSignalBlocker(self.metric_box):
            self.metric_box.clear()
            for row in rows:
                self.metric_box.addItem(row.label, row.metric)
            self.metric_box.setCurrentIndex(0)
        self.select_metric(result.metric_names[0])
        yield
        self.calibration.set_curves(c.curve_before, c.curve_after, c.ece_before, c.ece_after,
                                    "mean score" if result.task != "binary" else f"score of class {positive}")
        self.set_methods(methods_html(result))
        yield

    def select_metric(self, metric: str) -> None:
        from assay.app.plots.over_time import ChunkPoint, PolicyLine

        r = self.result
        name = P.metric_name(metric, r.task, r.positive_label)
        points, realised, tips = [], [], []
        for chunk in r.chunks:
            e = chunk.metrics.get(metric)
            value = e.value if e is not None else None
            real = (chunk.realized or {}).get(metric)
            tip = (f"{chunk.label}: estimated {P.value_text(metric, value)} ({_interval(metric, e)}), "
                   f"{chunk.rows:,} rows")
            tip += f"\nrealised {P.value_text(metric, real)}" if real is not None else "\nno labels"
            points.append(ChunkPoint(chunk.label, value, e.ci_low if e else None, e.ci_high if e else None,
                                     "ok" if value is not None else "not computed", False, tip))
            realised.append(real)
            tips.append(tip)
        reference = r.reference.get(metric)
        change = r.comparison.get(metric)
        lines = []
        if change is not None and change.allowed_drop is not None and reference is not None \
                and change.drop_scale == "absolute":
            sign = -1 if P.BOUNDS.get(metric, (None, None)) == (0.0, 1.0) and metric not in ("mae", "rmse") else 1
            lines.append(PolicyLine(reference + sign * change.allowed_drop, "max drop"))
        if metric in r.minimum:
            lines.append(PolicyLine(r.minimum[metric], "minimum"))
        self.over_time.set_chunks(name, points, reference, lines, "Production was not split into chunks.",
                                  f"reference {P.value_text(metric, reference)}" if reference is not None else None,
                                  P.BOUNDS.get(metric, (None, None)))
        self.over_time.set_realised(realised, tips)
        self.over_time.png_name = f"estimated_{metric}_over_time"
        backtest = r.backtest.get(metric)
        self.caption.setText(
            f"Backtest over {backtest.chunks} chunks with labels: mean absolute error {backtest.mae:.4f}, interval "
            f"held the realised value in {backtest.coverage:.0%}." if backtest and backtest.coverage is not None
            else "No production chunk has labels: nothing to backtest against.")
        with QSignalBlocker(self.metric_box):
            self.metric_box.setCurrentIndex(max(0, self.metric_box.findData(metric)))

    def _on_metric_changed(self, index: int) -> None:
        if self.result is not None and index >= 0:
            self.select_metric(self.metric_box.itemData(index))

    def _on_row_changed(self, current, _previous) -> None:
        if current.isValid() and self.result is not None:
            self.select_metric(self.metrics.record(self.metrics_proxy.mapToSource(current).row()).metric)

    def forget(self) -> None:
        self.result = None
        self.metrics.set_records([])


def methods_html(result: Any) -> str:
    """How the estimate was made, in plain words (the PDF section says the same)."""
    from assay.engine.estimation.text import methods

    return "".join(f"<p>{escape(line)}</p>" for line in methods(result))


PAGE = EstimationPage
