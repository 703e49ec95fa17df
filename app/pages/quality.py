"""Data quality: schema differences, duplicates, a sortable and filterable table of every column,
and a bar plot of the missing share per column (reference vs production).

A ResultPage (app/pages/result_page.py) for `report.quality`; `select_column(name)` selects a column's row
(`show_finding` does, for a quality finding clicked on the Overview). Nothing is computed here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from assay.app.models.quality import ColumnQualityModel, percent
from assay.app.models.table import FilterProxyModel
from assay.app.pages.common import Card, FilterBox, fit_columns, table_view, title_label, vertical_split
from assay.app.pages.result_page import ResultPage
from assay.app.steps import Steps

if TYPE_CHECKING:
    from assay.app.settings import AppSettings
    from assay.engine.quality.results import QualityResult
    from assay.engine.results import AuditReport, Finding


class QualityPage(ResultPage):
    name = "quality"
    plot_modules = ("assay.app.plots.missing",)
    pdf_contents = "missing values, ranges, unseen categories and duplicates for every column"

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        super().__init__(settings, parent, name=name)
        self.schema_card = Card("Schema differences")
        self.schema_text = _body_label()
        self.schema_card.body.addWidget(self.schema_text)
        self.schema_card.body.addStretch(1)
        self.duplicates_card = Card("Duplicate rows")
        self.duplicates_text = _body_label()
        self.duplicates_card.body.addWidget(self.duplicates_text)
        self.duplicates_card.body.addStretch(1)

        self.columns = ColumnQualityModel(self)
        self.proxy = FilterProxyModel(self)
        self.proxy.setSourceModel(self.columns)
        self.table = table_view(self.proxy)
        self.filter = FilterBox(self.proxy, "Filter columns (name, kind, role, status…)")
        self.plot: Any = None  # MissingShareBars, built by plot_steps (pyqtgraph loads then)
        self._plot_box = QWidget()
        self._plot_layout = QVBoxLayout(self._plot_box)
        self._plot_layout.setContentsMargins(0, 0, 0, 0)
        self._plot_layout.addWidget(title_label("Missing values", "sectionTitle"))

        cards = QVBoxLayout()
        cards.setContentsMargins(0, 0, 0, 0)
        cards.setSpacing(10)
        cards.addWidget(self.schema_card)
        cards.addWidget(self.duplicates_card)
        cards.addStretch(1)
        top = QWidget()
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 4)
        top_layout.setSpacing(16)
        top_layout.addLayout(cards, 2)
        top_layout.addWidget(self._plot_box, 3)

        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 4, 0, 0)
        filter_row = QHBoxLayout()
        filter_row.addWidget(title_label("Columns", "sectionTitle"))
        filter_row.addStretch(1)
        filter_row.addWidget(self.filter)
        table_layout.addLayout(filter_row)
        table_layout.addWidget(self.table, 1)

        # the summary (cards and plot) above, the table of every column below; the user can resize
        self.splitter = vertical_split(top, table_box, 0, 1)
        self.body.addSpacing(2)
        self.body.addWidget(self.splitter, 1)

    # -- showing -----------------------------------------------------------------------------

    def plot_steps(self) -> Steps:
        from assay.app.plots.missing import MissingShareBars

        self.plot = MissingShareBars()
        self.plot.setMinimumHeight(200)
        self._plot_layout.addWidget(self.plot, 1)
        self.splitter.setSizes([300, 500])
        yield

    def result_steps(self, report: AuditReport, quality: QualityResult) -> Steps:
        self.subtitle.setText(f"{quality.rows_reference:,} reference rows · {quality.rows_production:,} production "
                              f"rows · {len(quality.columns)} columns")
        self.schema_text.setText(_schema_html(quality))
        self.duplicates_text.setText(_duplicates_html(quality))
        yield
        self.columns.set_result(quality, report.findings_for("quality"))
        self.proxy.sort(-1)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        fit_columns(self.table)
        yield
        self.plot.set_columns([c.name for c in quality.columns], [c.missing_reference for c in quality.columns],
                              [c.missing_production for c in quality.columns])

    def forget(self) -> None:
        self.columns.set_records([])

    def show_finding(self, finding: Finding) -> bool:
        """A quality finding about a column selects the column's row."""
        return bool(finding.column) and self.select_column(finding.column)

    def select_column(self, name: str) -> bool:
        """Select and reveal a column's row (clearing a filter that hides it). False if unknown."""
        row = self.columns.row_of(name)
        if row is None:
            return False
        source = self.columns.index(row, 0)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            self.filter.clear()
            index = self.proxy.mapFromSource(source)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index, self.table.ScrollHint.PositionAtCenter)
        self.table.setFocus()
        return True

    def selected_column(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.columns.record(self.proxy.mapToSource(rows[0]).row()).name


def _body_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


def _names(names: tuple[str, ...], limit: int = 12) -> str:
    if not names:
        return "none"
    shown = ", ".join(_escape(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _schema_html(quality: QualityResult) -> str:
    changed = [c for c in quality.columns if c.kind_production]
    mixed = [c.name for c in quality.columns if c.mixed_types]
    rows = [
        ("Missing in production", _names(quality.missing_in_production)),
        ("New in production", _names(quality.extra_in_production)),
        ("Kind changed", ", ".join(f"{_escape(c.name)} ({c.kind} → {c.kind_production})" for c in changed) or "none"),
        ("Numbers mixed with text", _names(tuple(mixed))),
    ]
    if not (quality.missing_in_production or quality.extra_in_production or changed or mixed):
        return "Both datasets have the same columns, and every column has the same kind in both."
    return _table_html(rows)


def _duplicates_html(quality: QualityResult) -> str:
    rows = []
    for label, n, total in (("Reference", quality.duplicates_reference, quality.rows_reference),
                            ("Production", quality.duplicates_production, quality.rows_production)):
        share = n / total if total else 0.0
        rows.append((label, f"{n:,} of {total:,} rows ({percent(share)})" if n else f"none of {total:,} rows"))
    return _table_html(rows) + "<div style='margin-top:4px'>Rows identical in every column.</div>"


def _table_html(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td style='padding-right:14px'><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    return f"<table cellspacing='0' cellpadding='1'>{cells}</table>"


PAGE = QualityPage
