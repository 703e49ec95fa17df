"""Performance: does the model still perform, how sure are we, since when not, and for whom not.

At the top every headline metric for the reference and production with its bootstrap interval, the
change with its interval, the policy's limits and what the audit judged; beside it the findings, the
rows used and the notes. Tabs below: "Over time" (the chosen metric per production chunk with its
interval band, the reference and the policy's lines; chunks without labels say so), "Segments" (worst
first, with sizes and intervals), "Curves" (ROC, precision-recall and reliability, reference and
production overlaid), "Confusion matrix", "Threshold" (binary: metrics against the decision threshold),
"Residuals" (regression), "Per class" and "Predictions" (what the model predicted, labels or not).
When production has no labels the page says so plainly and shows the reference and the predictions.

A ResultPage (app/pages/result_page.py) for `report.performance`; `select_metric(name)`, `select_segment_column(name)`
and `show_finding(finding)` are how other parts of the window point at something. Nothing is computed
here: switching metric, class or segment column only redraws what the engine measured. The plots
(pyqtgraph) are created on the first result. Choices (tab, metric, segment column) are remembered.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from assay.app.models import performance as P
from assay.app.models.table import FilterProxyModel
from assay.app.pages import performance_text as T
from assay.app.pages.common import Card, fit_columns, muted_label, tab_layout, table_view, titled, vertical_split
from assay.app.pages.result_page import ResultPage
from assay.app.steps import Steps

if TYPE_CHECKING:
    from assay.app.settings import AppSettings
    from assay.engine.performance.results import PerformanceResult
    from assay.engine.results import AuditReport, Finding

TABS = ("time", "segments", "curves", "confusion", "threshold", "residuals", "classes", "predictions")
TAB_TITLES = {"time": "Over time", "segments": "Segments", "curves": "Curves", "confusion": "Confusion matrix",
              "threshold": "Threshold", "residuals": "Residuals", "classes": "Per class", "predictions": "Predictions"}
SIDE_WIDTH = 380
SHORT_PAGE = 700  # a page shorter than this shows four rows of the metric table (it scrolls)
MIN_SUMMARY_HEIGHT = 230  # the summary gets at least this much height when it has that much to say
MIN_SUMMARY_WIDTH = 232
RESULT_COLUMN = 5  # of the metric table: it stretches


class PerformancePage(ResultPage):
    name = "performance"
    plot_modules = ("assay.app.plots.performance",)
    methods_title = "How this was computed"
    pdf_contents = "metrics with intervals, reference against production; curves; metrics over time; worst segments"

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        if settings is None:
            from assay.app.settings import AppSettings

            settings = AppSettings()
        super().__init__(settings, parent, name=name)
        self.settings: AppSettings = settings
        self.result: PerformanceResult | None = None
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # plots: built by plot_steps
        self.over_time: Any = None
        self.roc: Any = None
        self.pr: Any = None
        self.calibration: Any = None
        self.confusion: dict[str, Any] = {}
        self.sweeps: dict[str, Any] = {}
        self.residuals: Any = None
        self.errors: Any = None
        self.segment_bars: Any = None
        self.label_bars: Any = None
        self.scores: Any = None

        self.metrics = P.MetricTableModel(self)
        self.metrics_view = table_view(self.metrics, stretch_column=RESULT_COLUMN)
        self.metrics_view.setSortingEnabled(False)
        self.metrics_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.metrics_view.selectionModel().currentRowChanged.connect(self._on_metric_row_changed)
        self.metrics_caption = muted_label("Select a metric to follow it over time and by segment. Hover a cell "
                                           "for the reason a value is missing.")
        self.summary_card = Card("Findings and rows")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary_card.body.addWidget(self.summary)
        self.summary_card.body.addStretch(1)
        self.summary_box = QScrollArea()
        self.summary_box.setWidget(self.summary_card)
        self.summary_box.setWidgetResizable(True)
        self.summary_box.setFrameShape(QFrame.Shape.NoFrame)
        self.summary_box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.summary_box.setFixedWidth(SIDE_WIDTH)

        self.metric_box = QComboBox()
        self.metric_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.metric_box.setToolTip("The metric the Over time and Segments tabs show (also: select its row above)")
        self.metric_box.currentIndexChanged.connect(self._on_metric_changed)
        corner = QWidget()
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 0, 4)
        metric_label = QLabel("&Metric")
        metric_label.setBuddy(self.metric_box)
        corner_layout.addWidget(metric_label)
        corner_layout.addWidget(self.metric_box)
        self.corner = corner

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self._tab_widgets: dict[str, QWidget] = {}
        for key, build in (("time", self._time_tab), ("segments", self._segments_tab), ("curves", self._curves_tab),
                           ("confusion", self._confusion_tab), ("threshold", self._threshold_tab),
                           ("residuals", self._residuals_tab), ("classes", self._classes_tab),
                           ("predictions", self._predictions_tab)):
            self._tab_widgets[key] = build()
            self.tabs.addTab(self._tab_widgets[key], TAB_TITLES[key])
        self.tabs.currentChanged.connect(self._on_tab_changed)

        top = self.top = QWidget()
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 4)
        top_layout.setSpacing(14)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.setSpacing(4)
        table_layout.addWidget(self.metrics_view)
        table_layout.addWidget(self.metrics_caption)
        table_layout.addStretch(1)
        top_layout.addWidget(table_box, 1)
        top_layout.addWidget(self.summary_box, 0)
        self.splitter = vertical_split(top, self.tabs, 0, 1)
        self.body.addWidget(self.banner)
        self.body.addWidget(self.splitter, 1)

    # -- building ----------------------------------------------------------------------------

    def _time_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.time_caption = muted_label()
        layout.addWidget(self.time_caption)
        self.chunks = P.ChunkTableModel(self)
        self.chunks_view = table_view(self.chunks, stretch_column=P.ChunkTableModel.VALUE + 1)
        self.chunks_view.setSortingEnabled(False)
        self.chunks_view.selectionModel().currentRowChanged.connect(self._on_chunk_row_changed)
        self.time_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.time_plot_box = QWidget()
        QVBoxLayout(self.time_plot_box).setContentsMargins(0, 0, 0, 0)
        self.time_splitter.addWidget(self.time_plot_box)
        self.time_splitter.addWidget(self.chunks_view)
        self.time_splitter.setChildrenCollapsible(False)
        self.time_splitter.setStretchFactor(0, 3)
        self.time_splitter.setStretchFactor(1, 2)
        layout.addWidget(self.time_splitter, 1)
        return tab

    def _segments_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.segment_box = QComboBox()
        self.segment_box.setMinimumContentsLength(14)
        self.segment_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.segment_box.currentIndexChanged.connect(self._on_segment_changed)
        self.segment_controls = QWidget()
        controls = QHBoxLayout(self.segment_controls)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setSpacing(8)
        label = QLabel("Segment &column")
        label.setBuddy(self.segment_box)
        controls.addWidget(label)
        controls.addWidget(self.segment_box)
        controls.addSpacing(14)
        self.segment_caption = muted_label()
        controls.addWidget(self.segment_caption, 1)
        layout.addWidget(self.segment_controls)
        self.segments = P.SegmentTableModel(self)
        self.segments_proxy = FilterProxyModel(self)
        self.segments_proxy.setSourceModel(self.segments)
        self.segments_view = table_view(self.segments_proxy)
        self.segments_empty = QLabel()
        self.segments_empty.setObjectName("emptyState")
        self.segments_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.segments_empty.setWordWrap(True)
        self.segment_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.segment_plot_box = QWidget()
        QVBoxLayout(self.segment_plot_box).setContentsMargins(0, 0, 0, 0)
        self.segment_splitter.addWidget(self.segment_plot_box)
        self.segment_splitter.addWidget(self.segments_view)
        self.segment_splitter.setChildrenCollapsible(False)
        self.segment_splitter.setStretchFactor(0, 2)
        self.segment_splitter.setStretchFactor(1, 3)
        layout.addWidget(self.segment_splitter, 1)
        layout.addWidget(self.segments_empty, 1)
        return tab

    def _curves_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.class_box = QComboBox()
        self.class_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.class_box.setToolTip("The class scored against the rest in the ROC and precision-recall curves")
        self.class_box.currentIndexChanged.connect(self._on_class_changed)
        controls = QHBoxLayout()
        controls.setSpacing(8)
        self.class_picker = QWidget()
        picker = QHBoxLayout(self.class_picker)
        picker.setContentsMargins(0, 0, 14, 0)
        self.class_label = QLabel("C&lass")
        self.class_label.setBuddy(self.class_box)
        picker.addWidget(self.class_label)
        picker.addWidget(self.class_box)
        controls.addWidget(self.class_picker)
        self.curves_caption = muted_label()
        controls.addWidget(self.curves_caption, 1)
        layout.addLayout(controls)
        self.curves_row = QHBoxLayout()
        self.curves_row.setSpacing(16)
        layout.addLayout(self.curves_row, 1)
        return tab

    def _confusion_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.confusion_caption = muted_label()
        layout.addWidget(self.confusion_caption)
        self.confusion_row = QHBoxLayout()
        self.confusion_row.setSpacing(24)
        layout.addLayout(self.confusion_row, 1)
        return tab

    def _threshold_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.threshold_caption = muted_label()
        layout.addWidget(self.threshold_caption)
        self.threshold_row = QHBoxLayout()
        self.threshold_row.setSpacing(16)
        layout.addLayout(self.threshold_row, 1)
        return tab

    def _residuals_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.residuals_caption = muted_label()
        layout.addWidget(self.residuals_caption)
        self.residuals_row = QHBoxLayout()
        self.residuals_row.setSpacing(16)
        layout.addLayout(self.residuals_row, 1)
        return tab

    def _classes_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.classes_caption = muted_label("Each class against the rest, with its interval; the averages below: "
                                           "macro (unweighted) and weighted by each class's rows.")
        self.classes = P.ClassTableModel(self)
        self.classes_proxy = FilterProxyModel(self)
        self.classes_proxy.setSourceModel(self.classes)
        self.classes_view = table_view(self.classes_proxy)
        self.classes_view.horizontalHeader().setStretchLastSection(False)
        layout.addWidget(self.classes_caption)
        layout.addWidget(self.classes_view, 1)
        return tab

    def _predictions_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.predictions_caption = muted_label()
        layout.addWidget(self.predictions_caption)
        self.predictions_row = QHBoxLayout()
        self.predictions_row.setSpacing(16)
        layout.addLayout(self.predictions_row, 1)
        return tab

    def plot_steps(self) -> Steps:
        """The thirteen plots, one per step (about 15 ms each)."""
        from assay.app.plots import performance as G

        over_time = G.ChunkMetricPlot()
        over_time.setMinimumHeight(200)
        self.time_plot_box.layout().addWidget(over_time)
        yield
        curves = []
        for title, plot in (("ROC curve", G.CurvePlot("roc")), ("Precision-recall curve", G.CurvePlot("pr")),
                            ("Calibration (reliability)", G.CalibrationPlot())):
            plot.setMinimumHeight(200)
            self.curves_row.addWidget(titled(title, plot), 1)
            curves.append(plot)
            yield
        self.roc, self.pr, self.calibration = curves
        for d in P.DATASETS:  # one per dataset, side by side: the confusion matrices, the threshold sweeps
            for make, name, row, kept in ((G.ConfusionMap, "confusion_matrix", self.confusion_row, self.confusion),
                                          (G.SweepPlot, "threshold_sweep", self.threshold_row, self.sweeps)):
                plot = make()  # one plot per step
                plot.png_name = f"{name}_{d}"
                plot.setMinimumHeight(200)
                row.addWidget(titled(d.capitalize(), plot), 1)
                kept[d] = plot
                yield
        residuals = G.ResidualPlot()
        yield
        errors = G.HistogramPlot()
        errors.png_name = "error_distribution"
        self.residuals_row.addWidget(titled("Residuals against the predicted value", residuals), 3)
        self.residuals_row.addWidget(titled("Error distribution", errors), 2)
        self.residuals, self.errors = residuals, errors
        yield
        segment_bars = G.PairedBars("No segments to draw.")
        segment_bars.png_name = "segments"
        self.segment_plot_box.layout().addWidget(segment_bars)
        self.segment_bars = segment_bars
        yield
        label_bars = G.PairedBars("No predicted labels.")
        label_bars.png_name = "predicted_labels"
        yield
        scores = G.HistogramPlot()
        scores.png_name = "score_distribution"
        self.label_bars, self.scores = label_bars, scores
        self.label_box = titled("Predicted labels", self.label_bars)
        self.scores_box = titled("Scores", self.scores)
        self.predictions_row.addWidget(self.label_box, 2)
        self.predictions_row.addWidget(self.scores_box, 3)
        self.time_splitter.setSizes([700, 460])
        self.segment_splitter.setSizes([480, 680])
        for plot in (residuals, errors, segment_bars, label_bars, scores):
            plot.setMinimumHeight(200)
        self.over_time = over_time  # last: the plots are all there once this is set

    # -- showing -----------------------------------------------------------------------------

    def result_steps(self, report: AuditReport, result: PerformanceResult) -> Steps:
        self.result = result
        findings = report.findings_for("performance")
        self.subtitle.setText(T.subtitle(result))
        text = T.banner(result)
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.summary.setText(T.summary_html(result, findings))
        self.set_methods(T.methods_html(result))
        self.metrics.set_result(result, findings)
        fit_columns(self.metrics_view, maximum=300)
        self._fit_metrics_table()
        yield
        self._fill_metric_box()
        self._set_tabs_visible()
        self._fill_segment_box()
        self._fill_class_box()
        self.show_results_view()
        yield
        for show in (self._show_confusion, self._show_threshold, self._show_residuals, self._show_classes,
                     self._show_predictions):
            show()
            yield
        self._on_metric_changed()
        yield
        self._on_segment_changed()
        self._on_class_changed()
        wanted = self.settings.choice("performance/tab")
        if self.result.production.status != "ok" and wanted in ("time", "segments", None):
            wanted = "predictions" if self.result.production.status == P.NO_LABELS else wanted
        self.select_tab(wanted if wanted in self.visible_tabs() else self.visible_tabs()[0], remember=False)
        QTimer.singleShot(0, self, self._refit)  # again once the new content is laid out

    def _refit(self) -> None:
        if self.result is not None:
            self._fit_metrics_table()

    def forget(self) -> None:
        self.result = None
        for model in (self.metrics, self.chunks, self.classes):
            model.set_records([])

    # -- public choices ------------------------------------------------------------------------

    def select_metric(self, name: str) -> bool:
        index = self.metric_box.findData(name)
        if index >= 0:
            self.metric_box.setCurrentIndex(index)
        return index >= 0

    def current_metric(self) -> str | None:
        return self.metric_box.currentData()

    def metric_names(self) -> list[str]:
        return [self.metric_box.itemData(i) for i in range(self.metric_box.count())]

    def select_segment_column(self, name: str) -> bool:
        index = self.segment_box.findData(name)
        if index >= 0:
            self.segment_box.setCurrentIndex(index)
        return index >= 0

    def current_segment_column(self) -> str | None:
        return self.segment_box.currentData()

    def select_class(self, label: str) -> bool:
        index = self.class_box.findData(label)
        if index >= 0:
            self.class_box.setCurrentIndex(index)
        return index >= 0

    def select_tab(self, key: str, remember: bool = True) -> bool:
        if key not in TABS or not self.tabs.isTabVisible(TABS.index(key)):
            return False
        with QSignalBlocker(self.tabs):
            self.tabs.setCurrentIndex(TABS.index(key))
        if remember:
            self.settings.set_choice("performance/tab", key)
        return True

    def current_tab(self) -> str:
        return TABS[self.tabs.currentIndex()]

    def visible_tabs(self) -> list[str]:
        return [key for i, key in enumerate(TABS) if self.tabs.isTabVisible(i)]

    def show_finding(self, finding: Finding) -> bool:
        """A metric's finding shows that metric over time; 'no labels' shows the predictions."""
        if self.result is None:
            return False
        if finding.id == "performance.no_labels":
            return self.select_tab("predictions", remember=False)
        parts = finding.id.split(".")
        if len(parts) == 3 and self.select_metric(parts[2]):
            row = self.metrics.row_of(parts[2])
            if row is not None:
                self.metrics_view.scrollTo(self.metrics.index(row, 0))
            return self.select_tab("time" if self.tabs.isTabVisible(0) else self.visible_tabs()[0], remember=False)
        return False

    # -- filling -------------------------------------------------------------------------------

    def _fit_metrics_table(self) -> None:
        """The table as tall as its rows (a short window: four rows, and it scrolls) and as wide as its
        columns where the page allows; the summary beside it takes what is left, and scrolls."""
        view = self.metrics_view
        header, row = view.horizontalHeader().sizeHint().height(), view.verticalHeader().defaultSectionSize()
        rows = self.metrics.rowCount() if self.height() >= SHORT_PAGE else min(self.metrics.rowCount(), 4)
        height = header + rows * row + 2 * view.frameWidth() + 2
        width = sum(view.columnWidth(c) for c in range(self.metrics.columnCount())) + 2 * view.frameWidth() + 2
        room = self.top.width() - width - self.top.layout().spacing()
        self.summary_box.setFixedWidth(min(max(room, MIN_SUMMARY_WIDTH), SIDE_WIDTH))
        # the Result column stretches into what is left; below its smallest width the table scrolls
        beside = self.top.width() - self.summary_box.width() - self.top.layout().spacing()
        if beside < width - view.columnWidth(RESULT_COLUMN) + 90:
            height += view.horizontalScrollBar().sizeHint().height()
        view.setFixedHeight(height)
        top = height + self.metrics_caption.heightForWidth(max(beside, 200)) + 10
        margins = self.summary_card.body.contentsMargins()
        summary = (self.summary.heightForWidth(self.summary_box.width() - margins.left() - margins.right() - 4)
                   + margins.top() + margins.bottom() + self.summary_card.body.itemAt(0).widget().sizeHint().height()
                   + 28)
        if self.height() >= SHORT_PAGE:
            top = max(top, min(summary, MIN_SUMMARY_HEIGHT))
        self.top.setFixedHeight(top)

    def _fill_metric_box(self) -> None:
        r = self.result
        previous = self.current_metric() or self.settings.choice(f"performance/metric/{r.task}")
        with QSignalBlocker(self.metric_box):
            self.metric_box.clear()
            for name in r.metric_names:
                self.metric_box.addItem(P.metric_name(name, r.task, r.positive_label), name)
                self.metric_box.setItemData(self.metric_box.count() - 1, P.metric_tip(name, r.higher_is_better(name)),
                                            Qt.ItemDataRole.ToolTipRole)
            names = list(r.metric_names)
            default = _default_metric(r)
            self.metric_box.setCurrentIndex(names.index(previous) if previous in names else names.index(default))

    def _set_tabs_visible(self) -> None:
        r = self.result
        classification = r.task != "regression"
        has_curves = any(d.roc or d.pr or d.calibration for d in (r.reference, r.production))
        has_sweep = any(d.threshold_sweep is not None for d in (r.reference, r.production))
        visible = {
            "time": bool(r.production.chunks) or r.production.status == "ok",
            "segments": True,
            "curves": classification,
            "confusion": classification,
            "threshold": r.task == "binary" and has_sweep,
            "residuals": not classification,
            "classes": classification,
            "predictions": True,
        }
        for i, key in enumerate(TABS):
            self.tabs.setTabVisible(i, visible[key])
        self.tabs.setTabToolTip(TABS.index("curves"), "" if has_curves else
                                "No scores: the predictions are labels only, so there are no curves")

    def _fill_segment_box(self) -> None:
        columns = [s.column for s in self.result.segments]
        previous = self.current_segment_column() or self.settings.choice("performance/segment_column")
        with QSignalBlocker(self.segment_box):
            self.segment_box.clear()
            for name in columns:
                self.segment_box.addItem(name, name)
            if columns:
                self.segment_box.setCurrentIndex(columns.index(previous) if previous in columns else 0)
        self.segment_controls.setVisible(bool(columns))

    def _fill_class_box(self) -> None:
        r = self.result
        labels = list(dict.fromkeys(c.label for d in (r.reference, r.production) for c in d.roc + d.pr))
        previous = self.class_box.currentData()
        with QSignalBlocker(self.class_box):
            self.class_box.clear()
            for label in labels:
                self.class_box.addItem(label, label)
            if labels:
                self.class_box.setCurrentIndex(labels.index(previous) if previous in labels else 0)
        multi = r.task == "multiclass" and len(labels) > 1
        self.class_picker.setVisible(multi)

    # -- the chosen metric ---------------------------------------------------------------------

    def _on_metric_changed(self, _index: int = -1) -> None:
        metric = self.current_metric()
        if self.result is None or metric is None:
            return
        self.settings.set_choice(f"performance/metric/{self.result.task}", metric)
        row = self.metrics.row_of(metric)
        if row is not None and self.metrics_view.currentIndex().row() != row:
            with QSignalBlocker(self.metrics_view.selectionModel()):
                flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                self.metrics_view.selectionModel().setCurrentIndex(self.metrics.index(row, 0), flags)
        self._show_over_time(metric)
        self._show_segments()
        for sweep in self.sweeps.values():
            if sweep.highlight != metric:
                sweep.highlight = metric
                sweep.restyle()

    def _on_metric_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self.result is not None:
            self.select_metric(self.metrics.record(current.row()).metric)

    def _show_over_time(self, metric: str) -> None:
        from assay.app.plots.performance import ChunkPoint, PolicyLine

        r = self.result
        name = P.metric_name(metric, r.task, r.positive_label)
        points = []
        for chunk in r.production.chunks:
            estimate = chunk.metrics.get(metric)
            if chunk.status == P.NO_LABELS:
                status = P.NO_LABELS
            elif estimate is None or estimate.value is None:
                status = "not computed"
            else:
                status = "small" if chunk.status == P.SMALL else "ok"
            value = estimate.value if estimate is not None and status in ("ok", "small") else None
            points.append(ChunkPoint(chunk.label, value, estimate.ci_low if value is not None else None,
                                     estimate.ci_high if value is not None else None, status,
                                     metric in chunk.dropped, P.chunk_tip(chunk, metric, name)))
        reference = r.reference.metrics.get(metric)
        lines = [PolicyLine(v, t) for v, t in P.policy_lines(r, metric)]
        empty = "Production was not split into chunks." if not points else \
            f"{name} is not measured per chunk."
        ref_value = reference.value if reference is not None else None
        self.over_time.set_chunks(name, points, ref_value, lines, empty,
                                  f"reference {P.value_text(metric, ref_value)}" if ref_value is not None else None,
                                  P.BOUNDS.get(metric, (None, None)))
        self.over_time.png_name = f"{metric}_over_time"
        self.chunks.set_metric(metric)
        if self.chunks.records() != list(r.production.chunks):
            self.chunks.set_records(list(r.production.chunks))
            fit_columns(self.chunks_view, maximum=240)
        else:
            fit_columns(self.chunks_view, maximum=240)
        unlabelled = sum(c.status == P.NO_LABELS for c in r.production.chunks)
        dropped = [c.label for c in r.production.chunks if metric in c.dropped]
        parts = [f"{name} per production chunk ({r.chunking}) with its {r.confidence:.0%} interval; the dashed lines "
                 "are the reference and the policy."]
        if dropped:
            parts.append(f"Significant drop beyond the policy in {len(dropped)} chunk{'s' if len(dropped) > 1 else ''}"
                         f", first {dropped[0]}.")
        if unlabelled:
            parts.append(f"{unlabelled} chunk{'s have' if unlabelled > 1 else ' has'} no labels: shaded, not scored.")
        self.time_caption.setText(" ".join(parts))

    def _on_chunk_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """Selecting a chunk in the table shows its tooltip text in the caption (keyboard users have no hover)."""
        if current.isValid() and self.result is not None and self.current_metric():
            chunk = self.chunks.record(current.row())
            metric = self.current_metric()
            name = P.metric_name(metric, self.result.task, self.result.positive_label)
            self.time_caption.setText(P.chunk_tip(chunk, metric, name).replace("\n", " · "))

    # -- segments --------------------------------------------------------------------------------

    def _segment_column(self) -> Any:
        name = self.current_segment_column()
        return next((s for s in self.result.segments if s.column == name), None) if self.result else None

    def _on_segment_changed(self, _index: int = -1) -> None:
        if self.result is None:
            return
        if self.current_segment_column():
            self.settings.set_choice("performance/segment_column", self.current_segment_column())
        self._show_segments(refit=True)

    def _show_segments(self, refit: bool = False) -> None:
        from assay.app.plots.performance import Bar

        r = self.result
        column = self._segment_column()
        has = column is not None and bool(column.segments)
        self.segment_splitter.setVisible(has)
        self.segments_empty.setVisible(not has)
        if not has:
            self.segments.set_records([])
            if column is not None:
                text = "No segments: " + ("; ".join(column.notes) or "no labelled rows") + "."
            elif r.production.status != "ok" and r.reference.status != "ok":
                text = "No segments: neither dataset has labels."
            else:
                text = ("No segment columns. Set [performance] segment_by (by default the sensitive columns) to "
                        "break performance down by a categorical column.")
            self.segments_empty.setText(text)
            self.segment_caption.setText("")
            return
        if refit or self.segments.column is not column:
            self.segments.set_column(column, r.metric_names, r.task, r.positive_label)
            _engine_order(self.segments_view, self.segments_proxy)
            fit_columns(self.segments_view, maximum=220)
        self.segment_caption.setText(T.segment_caption(column, r.task, r.positive_label))
        metric = self.current_metric()
        name = P.metric_name(metric, r.task, r.positive_label)
        if not any(metric in s.metrics for s in column.segments):
            self.segment_bars.set_bars([], {}, name, empty_text=f"{name} is not measured per segment.")
            return
        dataset = column.dataset
        bars, reference_bars = [], []
        for s in column.segments:
            estimate = s.metrics.get(metric)
            tip = (f"{s.segment}: {s.rows:,} rows ({s.share:.1%}), {s.rows_used:,} labelled\n{name} in {dataset}: "
                   f"{P.estimate_text(metric, estimate)}" + ("\ntoo few labelled rows: not judged" if s.small else ""))
            if metric == column.ranked_by and s.reference_value is not None:
                tip += f"\nin the reference: {P.value_text(metric, s.reference_value)}"
            bars.append(Bar(estimate.value if estimate is not None else None,
                            estimate.ci_low if estimate is not None else None,
                            estimate.ci_high if estimate is not None else None, s.small, tip))
            reference_bars.append(Bar(s.reference_value, small=s.small, tip=tip))
        series = {dataset: bars}
        if dataset == "production" and metric == column.ranked_by and any(b.value is not None for b in reference_bars):
            series["reference"] = reference_bars
        overall = (r.production if dataset == "production" else r.reference).metrics.get(metric)
        line = (overall.value, f"all {dataset} rows {P.value_text(metric, overall.value)}") \
            if overall is not None and overall.value is not None else None
        self.segment_bars.set_bars([s.segment for s in column.segments], series, name, line, dots=True)
        self.segment_bars.png_name = f"{metric}_by_{column.column}"

    # -- curves ----------------------------------------------------------------------------------

    def _on_class_changed(self, _index: int = -1) -> None:
        if self.result is None or self.roc is None:
            return
        r = self.result
        label = self.class_box.currentData()
        curves = {"roc": {}, "pr": {}}
        base_rates, points = {}, {}
        for d in P.DATASETS:
            data = getattr(r, d)
            for kind in ("roc", "pr"):
                curves[kind][d] = next((c for c in getattr(data, kind) if c.label == label), None)
            support = {c.label: c.support for c in data.per_class}
            total = sum(support.values())
            base_rates[d] = support[label] / total if total and label in support else None
            points[d] = _operating_points(r, data, label)
        empty = _no_curve_text(r)
        self.roc.set_curves(curves["roc"], {d: p[0] if p else None for d, p in points.items()}, r.threshold,
                            empty_text=empty)
        self.pr.set_curves(curves["pr"], {d: p[1] if p else None for d, p in points.items()}, r.threshold,
                           base_rates, empty_text=empty)
        binary = r.task == "binary"
        self.calibration.set_calibration(
            {d: getattr(r, d).calibration for d in P.DATASETS},
            {d: _metric_value(getattr(r, d), "ece") for d in P.DATASETS},
            f"mean score of class {r.positive_label}" if binary else "mean top-label confidence",
            f"observed share of class {r.positive_label}" if binary else "share where the top label is right",
            empty_text=empty)
        self.roc.png_name = f"roc_curve_{label}" if label else "roc_curve"
        self.pr.png_name = f"precision_recall_curve_{label}" if label else "precision_recall_curve"
        parts = []
        if r.task == "multiclass":
            parts.append(f"Class {label} against the rest (one-vs-rest). The calibration uses the top-label "
                         "confidence of every class.")
        elif label:
            parts.append(f"Class {label} is the positive class.")
        if r.production.status != "ok":
            parts.append("Production has no labels: reference only.")
        parts.append("Hover a curve for its values and thresholds; right-click a plot to save it as PNG.")
        self.curves_caption.setText(" ".join(parts))
        if label:
            self.settings.set_choice("performance/class", label)

    # -- the rest --------------------------------------------------------------------------------

    def _show_confusion(self) -> None:
        r = self.result
        for d in P.DATASETS:
            data = getattr(r, d)
            matrix = data.confusion
            empty = ("No labels: no confusion matrix." if data.status == P.NO_LABELS
                     else "No predictions." if data.status != "ok" else "No confusion matrix.")
            self.confusion[d].set_matrix(matrix.labels if matrix else (), matrix.counts if matrix else None, empty)
        at = f" at the decision threshold {r.threshold:g}" if r.threshold is not None else ""
        self.confusion_caption.setText(f"Rows: the true class; columns: the predicted class{at}. Each cell: the count "
                                       "and its share of the true class's rows (hover for the share of all rows).")

    def _show_threshold(self) -> None:
        r = self.result
        for d in P.DATASETS:
            data = getattr(r, d)
            empty = "No labels: no threshold sweep." if data.status == P.NO_LABELS else "No threshold sweep."
            self.sweeps[d].set_sweep(data.threshold_sweep, r.threshold, self.current_metric(), empty)
        if r.threshold is not None:
            self.threshold_caption.setText(
                f"The metrics if the decision threshold were moved; the audit uses {r.threshold:g} ([performance] "
                "threshold). The chosen metric is drawn thicker; hover for every value at a threshold.")

    def _show_residuals(self) -> None:
        r = self.result
        if r.task != "regression":
            return
        self.residuals.set_residuals({d: getattr(r, d).residuals for d in P.DATASETS},
                                     "No labels: no residuals." if r.production.status != "ok" else
                                     "No residuals to draw.")
        bias = {d: _metric_value(getattr(r, d), "mean_error") for d in P.DATASETS}
        self.errors.set_histograms({d: getattr(r, d).residuals.histogram if getattr(r, d).residuals else None
                                    for d in P.DATASETS}, "error (prediction − target)", zero_line=True,
                                   notes={d: f"(mean {P.signed_text('mean_error', b)})" for d, b in bias.items()
                                          if b is not None})
        self.residuals_caption.setText(
            "Error = prediction − target: above 0 the model predicts too high. Left: the mean error per band of "
            "predicted values with the middle 80% of errors, over a sample of rows. Right: every error.")

    def _show_classes(self) -> None:
        if self.result.task == "regression":
            self.classes.set_records([])
            return
        self.classes.set_records(P.class_rows(self.result))
        _engine_order(self.classes_view, self.classes_proxy)
        fit_columns(self.classes_view, maximum=220)

    def _show_predictions(self) -> None:
        from assay.app.plots.performance import Bar

        r = self.result
        distributions = {d: getattr(r, d).distribution for d in P.DATASETS}
        classification = r.task != "regression"
        self.label_box.setVisible(classification)
        if classification:
            labels = list(dict.fromkeys(label for dist in distributions.values() if dist for label, _ in dist.labels))
            series = {}
            for d, dist in distributions.items():
                if dist is None or not dist.labels:
                    continue
                counts = dict(dist.labels)
                total = sum(counts.values())
                if not total:
                    continue
                series[d] = [Bar(counts.get(label, 0) / total, tip=f"{label} ({d}): {counts.get(label, 0):,} rows, "
                                                                   f"{counts.get(label, 0) / total:.1%}")
                             for label in labels]
            self.label_bars.set_bars(labels, series, "share of rows predicted (%)", percent=True)
        score_name = next((dist.score_name for dist in distributions.values() if dist and dist.score_name), "")
        self.scores_box.findChild(QLabel).setText(f"<b>{(score_name or 'scores').capitalize()}</b>")
        means = {d: dist.mean_score for d, dist in distributions.items() if dist and dist.mean_score is not None}
        self.scores.set_histograms({d: dist.scores if dist else None for d, dist in distributions.items()},
                                   score_name or "score", means,
                                   empty_text="No scores: the predictions are labels only.",
                                   notes={d: f"(mean {m:.3f})" if classification else f"(mean {P.units_text(m)})"
                                          for d, m in means.items()})
        text = ("What the model predicted on every row with a prediction, labelled or not — so it is known even "
                "when production has no labels.")
        if r.production.status == P.NO_LABELS:
            text = ("Production has no labels: what the model predicted is what can be compared. A shift in the "
                    "predicted labels or scores is a reason to get labels.")
        self.predictions_caption.setText(text)

    # -- events ----------------------------------------------------------------------------------

    def _on_tab_changed(self, index: int) -> None:
        if 0 <= index < len(TABS) and self.result is not None:
            self.settings.set_choice("performance/tab", TABS[index])

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._refit()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._refit()


# -- pieces ------------------------------------------------------------------------------------


def _default_metric(result: Any) -> str:
    for name in ("roc_auc", "accuracy", "mae"):
        if name in result.metric_names and _metric_value(result.reference, name) is not None:
            return name
    return result.metric_names[0]


def _metric_value(data: Any, name: str) -> float | None:
    estimate = data.metrics.get(name) if data is not None else None
    return estimate.value if estimate is not None else None


def _operating_points(result: Any, data: Any, label: str | None) -> tuple | None:
    """The binary decision threshold's point on the ROC and PR curves, read off the confusion matrix
    (which the engine counted at that threshold): ((FPR, TPR), (recall, precision))."""
    if result.task != "binary" or result.threshold is None or data.confusion is None or label is None:
        return None
    labels = list(data.confusion.labels)
    if label not in labels or len(labels) != 2:
        return None
    pos = labels.index(label)
    neg = 1 - pos
    counts = data.confusion.counts
    tp, fn = counts[pos][pos], counts[pos][neg]
    fp, tn = counts[neg][pos], counts[neg][neg]
    if tp + fn == 0 or fp + tn == 0:
        return None
    recall = tp / (tp + fn)
    precision = tp / (tp + fp) if tp + fp else None
    return (fp / (fp + tn), recall), ((recall, precision) if precision is not None else None)


def _no_curve_text(result: Any) -> str:
    if all(d.status != "ok" for d in (result.reference, result.production)):
        return "No labels: no curves."
    scored = any(d.roc or d.pr or d.calibration for d in (result.reference, result.production))
    return "No curve to draw." if scored else "No scores: the predictions are labels only, so there are no curves."


def _engine_order(view: Any, proxy: FilterProxyModel) -> None:
    """Rows in the engine's order (worst first), until the user clicks a header."""
    proxy.sort(-1)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)


PAGE = PerformancePage
