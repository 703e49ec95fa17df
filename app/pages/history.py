"""History: every run of the open audit on this computer (app/history.py), oldest first — a plot over time of the
headline metrics (with their intervals) and each run's verdict (app/plots/history.py), a table of when, the
verdict, the failed findings and warnings and the headline metrics — and what changed between any two runs."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from assay.app.history import History, Run
from assay.app.pages.common import muted_label, title_label
from assay.app.theme import severity_colour

METRICS_SHOWN = 4  # headline metrics as columns and lines: the first ones the runs have
ALL_METRICS = "All headline metrics"


class HistoryPage(QWidget):
    def __init__(self, history: History | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history or History()
        self.audit: str | None = None
        self.run_list: list[Run] = []
        self.metrics: list[str] = []
        self.title = title_label("History")
        self.subtitle = muted_label("Every run of this audit on this computer, oldest first: its headline metrics "
                                    "over time (with their intervals), each run's marker in the colour of its "
                                    "verdict. Select two runs in the table and compare them: findings new and "
                                    "resolved, metrics that changed significantly, drift, inputs and configuration.")
        self.subtitle.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.compare_button = QPushButton("&Compare selected runs")
        self.compare_button.setEnabled(False)
        self.compare_button.clicked.connect(self.compare_selected)
        self.changes = QPlainTextEdit()
        self.changes.setReadOnly(True)
        self.changes.setPlaceholderText("Select two runs (Ctrl+click) and compare them.")
        self.empty = muted_label("No run of this audit yet: each audit you run is kept here.")
        self.plot = None  # RunHistoryPlot, made when there is something to draw: pyqtgraph loads after the first paint
        self.metric_choice = QComboBox()
        self.metric_choice.setToolTip("The headline metrics drawn: all together, or one (metrics on different "
                                      "scales read better one at a time)")
        self.metric_choice.currentIndexChanged.connect(self._draw_plot)
        metric_label = QLabel("&Metric:")
        metric_label.setBuddy(self.metric_choice)
        choice = QHBoxLayout()
        choice.addWidget(metric_label)
        choice.addWidget(self.metric_choice)
        choice.addStretch(1)
        self.over_time = QWidget()
        over_time = QVBoxLayout(self.over_time)
        over_time.setContentsMargins(0, 0, 0, 0)
        over_time.addLayout(choice)
        self.plot_box = QVBoxLayout()
        over_time.addLayout(self.plot_box, 1)
        runs = QWidget()
        runs_layout = QVBoxLayout(runs)
        runs_layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        buttons.addWidget(self.compare_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.empty)
        runs_layout.addWidget(self.table, 1)
        runs_layout.addLayout(buttons)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setChildrenCollapsible(False)
        for widget, stretch in ((self.over_time, 5), (runs, 3), (self.changes, 2)):
            self.split.addWidget(widget)
            self.split.setStretchFactor(self.split.indexOf(widget), stretch)
        self.split.setSizes([420, 260, 120])
        layout.addWidget(self.split, 1)

    def show_audit(self, audit: str | None) -> None:
        """Show the runs of `audit` (app/history.py's audit_key), newest last."""
        self.audit = audit
        self.run_list = self.history.runs(audit) if audit is not None else []
        metrics = list(dict.fromkeys(name for run in self.run_list for name in run.metrics))[:METRICS_SHOWN]
        headers = ["Finished", "Verdict", "Failed", "Warnings", *metrics, "Report id"]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(self.run_list))
        for row, run in enumerate(self.run_list):
            values = [run.finished_at.replace("T", " ")[:19], run.verdict.upper(), str(run.failed),
                      str(run.warnings), *(f"{run.metrics[m]:.4f}" if m in run.metrics else "—" for m in metrics),
                      run.report_id[:16]]
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setForeground(severity_colour(run.verdict))
                if column >= 2 and column < len(values) - 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
        self.metrics = metrics
        self.metric_choice.blockSignals(True)
        chosen = self.metric_choice.currentText()
        self.metric_choice.clear()
        self.metric_choice.addItems([ALL_METRICS, *metrics] if len(metrics) > 1 else metrics)
        self.metric_choice.setCurrentIndex(max(self.metric_choice.findText(chosen), 0))
        self.metric_choice.blockSignals(False)
        self.metric_choice.setEnabled(len(metrics) > 1)
        self._draw_plot()
        self.empty.setVisible(not self.run_list)
        self.split.setVisible(bool(self.run_list))
        self.changes.clear()
        self._on_selection()

    def _draw_plot(self) -> None:
        if self.plot is None:
            from assay.app.plots.history import RunHistoryPlot

            self.plot = RunHistoryPlot()
            self.plot.setMinimumHeight(220)
            self.plot_box.addWidget(self.plot)
        chosen = self.metric_choice.currentText()
        self.plot.set_runs(self.run_list, self.metrics if chosen in ("", ALL_METRICS) else [chosen])

    def selected_runs(self) -> list[Run]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.run_list[r] for r in rows]

    def _on_selection(self) -> None:
        self.compare_button.setEnabled(len(self.selected_runs()) == 2)

    def compare_selected(self) -> None:
        """The changes from the older of the two selected runs to the newer (engine/review/diff.py)."""
        from assay.engine.review.diff import diff_reports, summary_lines

        runs = self.selected_runs()
        if len(runs) != 2:
            return
        old, new = runs
        try:
            changes = diff_reports(self.history.report(old.id), self.history.report(new.id),
                                   f"the run of {old.finished_at}", f"the run of {new.finished_at}")
        except Exception as exc:  # reports of another schema version: say so, never crash
            self.changes.setPlainText(str(exc))
            return
        head = (f"From the run of {old.finished_at[:19].replace('T', ' ')} to the run of "
                f"{new.finished_at[:19].replace('T', ' ')}:")
        self.changes.setPlainText("\n".join([head, *summary_lines(changes)]))
