"""The Explanations page's "Rows" tab: the explained rows of one dataset in a filterable, sortable table,
quick picks (highest and lowest score, the next misclassified row), and the selected row's waterfall
from the base value to its model output. Nothing is computed but the order of the contributions."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from assay.app.models import explanations as X
from assay.app.models.table import FilterProxyModel
from assay.app.pages import explanations_text as T
from assay.app.pages.common import FilterBox, fit_columns, muted_label, table_view
from assay.app.steps import Steps, drain

TOP_STEPS = 12  # contributions in the waterfall before "other N columns"
MEASURED_ROWS = 60  # fit_columns measures the visible rows and this many more, not all 1,000


class ExplainedRowsPanel(QSplitter):
    picked = Signal(int)  # a quick pick selected this row (its position in RowAttributions)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.attributions: Any = None  # RowAttributions of the shown dataset
        self.dataset = "production"
        self.scale = ""
        self._misclassified_turn = -1
        self.waterfall: Any = None  # Waterfall, created by ensure_plot
        self.rows = X.ExplainedRowsModel(self)
        self.proxy = FilterProxyModel(self)
        self.proxy.setSourceModel(self.rows)
        self.view = table_view(self.proxy)
        self.view.horizontalHeader().setResizeContentsPrecision(MEASURED_ROWS)
        self.view.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.filter = FilterBox(self.proxy, "Filter rows…")
        self.highest_button = QPushButton("Highest score")
        self.lowest_button = QPushButton("Lowest score")
        self.misclassified_button = QPushButton("Misclassified")
        self.highest_button.setToolTip("The explained row with the largest model output")
        self.lowest_button.setToolTip("The explained row with the smallest model output")
        self.highest_button.clicked.connect(lambda: self.pick("highest"))
        self.lowest_button.clicked.connect(lambda: self.pick("lowest"))
        self.misclassified_button.clicked.connect(lambda: self.pick("misclassified"))
        picks = QHBoxLayout()
        picks.setSpacing(6)
        picks.addWidget(QLabel("Go to"))
        for button in (self.highest_button, self.lowest_button, self.misclassified_button):
            picks.addWidget(button)
        picks.addStretch(1)
        picks.addWidget(self.filter)
        self.caption = muted_label()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 8, 0, 0)
        left_layout.addLayout(picks)
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(self.caption)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        right = QWidget()
        self._right_layout = QVBoxLayout(right)
        self._right_layout.setContentsMargins(8, 8, 0, 0)
        self._right_layout.setSpacing(4)
        self._right_layout.addWidget(self.title)
        self.addWidget(left)
        self.addWidget(right)
        self.setChildrenCollapsible(False)
        self.setStretchFactor(0, 5)
        self.setStretchFactor(1, 6)

    def ensure_plot(self) -> None:
        if self.waterfall is None:
            from assay.app.plots.explanations import Waterfall

            self.waterfall = Waterfall()
            self._right_layout.addWidget(self.waterfall, 1)
            self.setSizes([600, 560])

    def set_rows(self, attributions: Any, dataset: str, scale: str, task: str | None,
                 position: int | None = None) -> None:
        """Show a dataset's explained rows (None: none) and select `position`, else the first row."""
        drain(self.rows_steps(attributions, dataset, scale, task, position))

    def rows_steps(self, attributions: Any, dataset: str, scale: str, task: str | None,
                   position: int | None = None) -> Steps:
        """`set_rows` a step at a time (app/steps.py)."""
        self.ensure_plot()
        self.attributions, self.dataset, self.scale = attributions, dataset, scale
        self._misclassified_turn = -1
        records = X.explained_rows(attributions, task)
        yield
        self.rows.set_records(records)
        self.proxy.sort(-1)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        yield
        fit_columns(self.view, maximum=220)
        yield
        wrong = sum(bool(r.misclassified) for r in records)
        known = any(r.misclassified is not None for r in records)
        self.misclassified_button.setText(f"Misclassified ({wrong})" if known else "Misclassified")
        self.misclassified_button.setEnabled(wrong > 0)
        self.misclassified_button.setToolTip("The next row whose predicted label differs from its true label"
                                             if known else "Needs true labels and predicted labels of a classifier")
        for button in (self.highest_button, self.lowest_button):
            button.setEnabled(bool(records))
        self.caption.setText(f"{len(records):,} explained {dataset} rows; select one for its waterfall."
                             if records else "No rows of this dataset were explained.")
        if not records:
            self.waterfall.clear_steps()
            self.title.setText("")
        elif position is None or not self.select_row(position):
            self.select_row(records[0].position)

    def clear(self) -> None:
        self.attributions = None
        self.rows.set_records([])

    def select_row(self, position: int) -> bool:
        """Select an explained row by its position in RowAttributions (clearing a filter that hides it)."""
        row = self.rows.row_of(position)
        if row is None:
            return False
        source = self.rows.index(row, 0)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            self.filter.clear()
            index = self.proxy.mapFromSource(source)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.view.selectionModel().setCurrentIndex(index, flags)
        self.view.scrollTo(index, self.view.ScrollHint.PositionAtCenter)
        return True

    def selected_position(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.rows.record(self.proxy.mapToSource(rows[0]).row()).position

    def pick(self, which: str) -> int | None:
        """Select the row with the highest or lowest output, or the next misclassified row."""
        records = self.rows.records()
        if not records:
            return None
        if which == "highest":
            chosen = max(records, key=lambda r: r.output)
        elif which == "lowest":
            chosen = min(records, key=lambda r: r.output)
        else:
            wrong = [r for r in records if r.misclassified]
            if not wrong:
                return None
            self._misclassified_turn = (self._misclassified_turn + 1) % len(wrong)
            chosen = wrong[self._misclassified_turn]
        self.select_row(chosen.position)
        self.picked.emit(chosen.position)
        return chosen.position

    def _on_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or self.attributions is None or self.waterfall is None:
            return
        record = self.rows.record(self.proxy.mapToSource(current).row())
        steps = X.waterfall_steps(self.attributions, record.position, TOP_STEPS)
        self.waterfall.set_steps(steps, self.attributions.base_value, record.output, self.scale)
        self.title.setText(T.row_title(record, self.scale, self.dataset))
