"""History: every run of the open audit on this computer (app/history.py), oldest first — when, the verdict, the
failed findings and warnings, the headline metrics — and what changed between any two of them."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QPlainTextEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from assay.app.history import History, Run
from assay.app.pages.common import muted_label, title_label
from assay.app.theme import severity_colour

METRICS_SHOWN = 4  # headline metrics as columns: the first ones the runs have


class HistoryPage(QWidget):
    def __init__(self, history: History | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history or History()
        self.audit: str | None = None
        self.run_list: list[Run] = []
        self.title = title_label("History")
        self.subtitle = muted_label("Every run of this audit on this computer, oldest first. Select two runs and "
                                    "compare them: findings new and resolved, metrics that changed significantly, "
                                    "drift, inputs and configuration.")
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
        buttons = QHBoxLayout()
        buttons.addWidget(self.compare_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.changes, 2)

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
        self.empty.setVisible(not self.run_list)
        self.table.setVisible(bool(self.run_list))
        self.changes.clear()
        self._on_selection()

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
