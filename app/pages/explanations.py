"""Explanations: which columns drive the model's output, whether that changed, and why one row got its score.

At the top the explainer and why it was chosen, the output scale and sample sizes; the cross-check of
SHAP against permutation importance; the findings and notes. Five tabs: "Importance" (mean |SHAP|,
reference beside production, and the permutation importance in the same order), "Beeswarm" (every
explained row's SHAP value per column, coloured by the column's value), "Dependence" (a column's value
against its SHAP value, coloured by a second column), "Rows" (the explained rows with quick picks and
the selected row's waterfall from the base value to its output) and "Attribution drift". The corner
picker chooses whose explained rows the beeswarm, dependence and rows tabs show.

A ResultPage (app/pages/result_page.py) for `report.explanations`; `select_column(name)` opens
the dependence plot of a column; `show_finding(finding)` shows what an explanations finding is about.
Nothing is computed here beyond formatting and normalising colours; the plots (pyqtgraph) are created
on the first result.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from assay.app.models import explanations as X
from assay.app.models.table import FilterProxyModel
from assay.app.pages import explanations_text as T
from assay.app.pages.common import Card, FilterBox, fit_columns, muted_label, tab_layout, table_view, titled
from assay.app.pages.explanation_rows import ExplainedRowsPanel
from assay.app.pages.result_page import ResultPage
from assay.app.steps import Steps, drain

if TYPE_CHECKING:
    from assay.app.settings import AppSettings
    from assay.engine.explain.results import ExplanationsResult
    from assay.engine.results import AuditReport, Finding

TOP_SWARM = 12  # columns in the beeswarm
TABS = ("importance", "beeswarm", "dependence", "rows", "drift")
ROW_TABS = {"beeswarm", "dependence", "rows"}  # tabs that show one dataset's explained rows


class ExplanationsPage(ResultPage):
    name = "explanations"
    plot_modules = ("assay.app.plots.explanations",)
    empty_text = "{title} appear here after the audit has run."
    not_run_text = "{title} were not computed: {reason}."
    pdf_contents = "global importance reference against production, the SHAP beeswarm, attribution drift"

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        super().__init__(settings, parent, name=name)
        self.explanations: ExplanationsResult | None = None
        self._values: dict[tuple[str, str], X.ColumnValues] = {}  # (dataset, column) -> values, per result
        self.explainer_card, self.explainer_text = _text_card("Explainer")
        self.check_card, self.check_text = _text_card("Cross-check")
        self.findings_card, self.findings_text = _text_card("Findings and notes")
        # plots: built by plot_steps
        self.importance: Any = None
        self.permutation: Any = None
        self.beeswarm: Any = None
        self.dependence: Any = None

        self.dataset_box = QComboBox()
        self.dataset_box.setToolTip("Whose explained rows the beeswarm, the dependence plot and the rows table show")
        self.dataset_box.currentIndexChanged.connect(lambda _i: self._show_dataset())
        corner = QWidget()
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 0, 4)
        corner_layout.addWidget(QLabel("Explained rows from"))
        corner_layout.addWidget(self.dataset_box)
        self.corner = corner

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.tabs.addTab(self._importance_tab(), "Importance")
        self.tabs.addTab(self._beeswarm_tab(), "Beeswarm")
        self.tabs.addTab(self._dependence_tab(), "Dependence")
        self.rows_panel = ExplainedRowsPanel()
        self.rows_panel.picked.connect(lambda _position: self.tabs.setCurrentIndex(TABS.index("rows")))
        self.tabs.addTab(self.rows_panel, "Rows")
        self.tabs.addTab(self._drift_tab(), "Attribution drift")

        cards = QHBoxLayout()
        cards.setSpacing(12)
        cards.addWidget(self.explainer_card, 1)
        cards.addWidget(self.check_card, 1)
        cards.addWidget(self.findings_card, 1)
        self.body.addLayout(cards)
        self.body.addWidget(self.tabs, 1)

    # -- building ----------------------------------------------------------------------------

    def _importance_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.importance_caption = muted_label()
        self.importance_row = QHBoxLayout()
        self.importance_row.setSpacing(18)
        layout.addWidget(self.importance_caption)
        layout.addLayout(self.importance_row, 1)
        return tab

    def _beeswarm_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.beeswarm_caption = muted_label()
        self.beeswarm_box = QVBoxLayout()
        layout.addWidget(self.beeswarm_caption)
        layout.addLayout(self.beeswarm_box, 1)
        return tab

    def _dependence_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.column_box = QComboBox()
        self.colour_box = QComboBox()
        for box in (self.column_box, self.colour_box):
            box.setMinimumContentsLength(18)
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.column_box.currentIndexChanged.connect(self._on_column_changed)
        self.colour_box.currentIndexChanged.connect(lambda _i: self._update_dependence())
        controls = QHBoxLayout()
        controls.setSpacing(8)
        controls.addWidget(QLabel("Column"))
        controls.addWidget(self.column_box)
        controls.addSpacing(14)
        controls.addWidget(QLabel("Colour by"))
        controls.addWidget(self.colour_box)
        controls.addSpacing(14)
        self.dependence_caption = muted_label()
        controls.addWidget(self.dependence_caption, 1)
        self.dependence_box = QVBoxLayout()
        layout.addLayout(controls)
        layout.addLayout(self.dependence_box, 1)
        return tab

    def _drift_tab(self) -> QWidget:
        tab, layout = tab_layout()
        self.drift = X.AttributionDriftModel(self)
        self.drift_proxy = FilterProxyModel(self)
        self.drift_proxy.setSourceModel(self.drift)
        self.drift_view = table_view(self.drift_proxy)
        self.drift_filter = FilterBox(self.drift_proxy, "Filter columns…")
        self.drift_caption = muted_label(
            "Mean |SHAP| per column, reference against production, with a bootstrap interval of the change and a KS "
            "test of the SHAP values (Holm-corrected). A column's attributions drifted when the adjusted p-value is "
            "below 0.05 and the interval excludes zero. Ordered by the production rank.")
        row = QHBoxLayout()
        row.addWidget(self.drift_caption, 1)
        row.addWidget(self.drift_filter)
        layout.addLayout(row)
        layout.addWidget(self.drift_view, 1)
        return tab

    def plot_steps(self) -> Steps:
        """The plots, one per step (about 15 ms each)."""
        from assay.app.plots.explanations import Beeswarm, DependencePlot, HorizontalBars

        importance = HorizontalBars("mean |SHAP value|", ("reference", "production"))
        yield
        self.permutation = HorizontalBars("drop in the model's score", ("permutation",),
                                          ("drop in the score when the column is shuffled",))
        self.permutation.item.setYLink(importance.item)
        self.importance_row.addWidget(titled("SHAP importance", importance), 3)
        self.importance_row.addWidget(titled("Permutation importance, same order", self.permutation), 2)
        yield
        self.beeswarm = Beeswarm()
        self.beeswarm_box.addWidget(self.beeswarm)
        yield
        self.dependence = DependencePlot()
        self.dependence_box.addWidget(self.dependence)
        yield
        self.rows_panel.ensure_plot()
        self.importance = importance  # last: the plots are all there once this is set

    # -- showing -----------------------------------------------------------------------------

    def result_steps(self, report: AuditReport, e: ExplanationsResult) -> Steps:
        dataset, position = self.current_dataset(), self.selected_position()
        column, colour = self.column_box.currentText(), self.colour_box.currentText()
        self.explanations = e
        self._values = {}
        findings = report.findings_for("explanations")
        self.subtitle.setText(T.subtitle(e))
        self.explainer_text.setText(T.explainer_html(e))
        self.check_text.setText(T.crosscheck_html(e, findings))
        self.findings_text.setText(T.findings_html(findings, e.notes))
        self._show_importance()
        yield
        self._show_drift()
        yield
        names = [d for d in ("production", "reference") if self._rows_of(d) is not None]
        with QSignalBlocker(self.dataset_box):
            self.dataset_box.clear()
            for name in names:
                self.dataset_box.addItem(name.capitalize(), name)
            self.dataset_box.setCurrentIndex(names.index(dataset) if dataset in names else 0)
        ranked = self._ranked()
        with QSignalBlocker(self.column_box), QSignalBlocker(self.colour_box):
            for box in (self.column_box, self.colour_box):
                box.clear()
                box.addItems(ranked)
            if column in ranked:
                self.column_box.setCurrentText(column)
            self._default_colour(colour)
        self.show_results_view()
        yield from self._dataset_steps(position)
        self._on_tab_changed(self.tabs.currentIndex())

    def forget(self) -> None:
        self.explanations = None
        self._values = {}
        self.rows_panel.clear()
        self.drift.set_records([])

    def select_column(self, name: str) -> bool:
        """Open the dependence plot of a column (and select it in the attribution drift table)."""
        index = self.column_box.findText(name)
        if self.explanations is None or index < 0:
            return False
        self.column_box.setCurrentIndex(index)
        row = self.drift.row_of(name)
        if row is not None:
            self.drift_view.selectRow(self.drift_proxy.mapFromSource(self.drift.index(row, 0)).row())
        self.tabs.setCurrentIndex(TABS.index("dependence"))
        return True

    def show_finding(self, finding: Finding) -> bool:
        if self.explanations is None:
            return False
        if finding.column and self.select_column(finding.column):
            return True
        self.tabs.setCurrentIndex(TABS.index("drift" if finding.id.endswith("attribution_drift") else "importance"))
        return True

    def current_dataset(self) -> str:
        return self.dataset_box.currentData() or "production"

    def set_dataset(self, name: str) -> bool:
        index = self.dataset_box.findData(name)
        if index >= 0:
            self.dataset_box.setCurrentIndex(index)
        return index >= 0

    # -- importance and attribution drift ----------------------------------------------------

    def _ranked(self) -> list[str]:
        """Columns by production importance (the reference's order for columns production lacks)."""
        g = self.explanations.global_importance
        return list(dict.fromkeys([*g.get("production", {}), *g.get("reference", {})]))

    def _show_importance(self) -> None:
        e = self.explanations
        names = self._ranked()
        g = e.global_importance
        self.importance.set_bars(names, {d: [g.get(d, {}).get(n, np.nan) for n in names]
                                         for d in ("reference", "production")})
        if e.permutation_importance:
            self.permutation.set_bars(names, {"permutation": [e.permutation_importance.get(n, np.nan)
                                                                         for n in names]})
        else:
            self.permutation.show_empty("Permutation importance was not computed"
                                        + (f": {e.agreement_note}." if e.agreement_note else "."))
        agreement = f" Spearman rank correlation {e.agreement:.2f}." if e.agreement is not None else ""
        self.importance_caption.setText(
            f"Mean absolute SHAP value per column over the explained rows ({e.output_scale} scale), most important "
            f"in production first. Beside it the drop in the model's score when the column is shuffled.{agreement}")

    def _show_drift(self) -> None:
        e = self.explanations
        self.drift.set_records(sorted(e.attribution_drift, key=lambda d: (d.rank_production, d.feature)))
        self.drift_proxy.sort(-1)
        self.drift_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        fit_columns(self.drift_view, maximum=300)
        count = sum(X.drifted(d) for d in e.attribution_drift)
        self.tabs.setTabText(TABS.index("drift"), f"Attribution drift ({count} drifted)" if count
                             else "Attribution drift")

    # -- one dataset's explained rows --------------------------------------------------------

    def _rows_of(self, dataset: str) -> Any:
        e = self.explanations
        rows = getattr(e, f"{dataset}_rows", None) if e is not None else None
        return rows if rows is not None and len(rows.row_index) else None

    def _kind(self, name: str) -> str | None:
        try:
            return str(self.report.schema[name].kind)
        except (AttributeError, KeyError):
            return None

    def column_values(self, name: str, dataset: str | None = None) -> X.ColumnValues:
        dataset = dataset or self.current_dataset()
        key = (dataset, name)
        if key not in self._values:
            rows = self._rows_of(dataset)
            self._values[key] = X.column_values(name, X.feature_column(rows, name), self._kind(name))
        return self._values[key]

    def _show_dataset(self, position: int | None = None) -> None:
        drain(self._dataset_steps(position))

    def _dataset_steps(self, position: int | None = None) -> Steps:
        if self.explanations is None:
            return
        dataset = self.current_dataset()
        task = self.report.schema.task if self.report is not None else None
        yield from self._beeswarm_steps()
        self._update_dependence()
        yield
        yield from self.rows_panel.rows_steps(self._rows_of(dataset), dataset, self.explanations.output_scale, task,
                                              position)

    def _update_beeswarm(self) -> None:
        drain(self._beeswarm_steps())

    def _beeswarm_steps(self) -> Steps:
        rows = self._rows_of(self.current_dataset())
        if rows is None:
            self.beeswarm.set_swarm([], np.zeros((0, 0)), np.zeros((0, 0)), "")
            return
        names = [n for n in self._ranked() if n in rows.columns][:TOP_SWARM]
        shap = np.column_stack([X.shap_column(rows, n) for n in names])
        levels = np.column_stack([self.column_values(n).levels for n in names])
        yield
        yield from self.beeswarm.swarm_steps(names, shap, levels,
                                             f"SHAP value (impact on the {self.explanations.output_scale})")
        total = len(self._ranked())
        top = f"The {len(names)} most important of {total} columns" if total > len(names) else "Every column"
        self.beeswarm_caption.setText(
            f"{top}, most important on top. Each point is one explained {self.current_dataset()} row: right of the "
            "line the column raised the row's output, left of it lowered it; the colour is the row's value of the "
            "column (categories in order).")

    def _default_colour(self, previous: str = "") -> None:
        """Keep the colour-by column if it is still a choice, else the most important other column."""
        column = self.column_box.currentText()
        names = [self.colour_box.itemText(i) for i in range(self.colour_box.count())]
        if previous in names and previous != column:
            self.colour_box.setCurrentText(previous)
        else:
            self.colour_box.setCurrentText(next((n for n in names if n != column), column))

    def _on_column_changed(self, _index: int) -> None:
        if self.colour_box.currentText() == self.column_box.currentText():
            with QSignalBlocker(self.colour_box):
                self._default_colour()
        self._update_dependence()

    def _update_dependence(self) -> None:
        rows = self._rows_of(self.current_dataset())
        column, colour = self.column_box.currentText(), self.colour_box.currentText()
        if self.dependence is None or rows is None or column not in rows.columns:
            if self.dependence is not None:
                self.dependence.show_empty("No rows of this dataset were explained.")
            return
        colour_values = self.column_values(colour) if colour in rows.columns else None
        self.dependence.set_dependence(self.column_values(column), X.shap_column(rows, column), colour_values,
                                       f"SHAP value of {column}")
        self.dependence_caption.setText(f"Each point is one explained {self.current_dataset()} row. A vertical "
                                        "spread at one value shows interaction with other columns.")

    # -- rows (the Rows tab) -----------------------------------------------------------------

    def select_row(self, position: int) -> bool:
        """Select an explained row of the shown dataset by its position in RowAttributions."""
        return self.rows_panel.select_row(position)

    def selected_position(self) -> int | None:
        return self.rows_panel.selected_position()

    def pick(self, which: str) -> int | None:
        """"highest", "lowest" or "misclassified" (the next one): select it and show the Rows tab."""
        return self.rows_panel.pick(which)

    def _on_tab_changed(self, index: int) -> None:
        self.corner.setVisible(0 <= index < len(TABS) and TABS[index] in ROW_TABS and self.dataset_box.count() > 1)


# -- pieces ------------------------------------------------------------------------------------


def _text_card(title: str) -> tuple[Card, QLabel]:
    card = Card(title)
    text = QLabel()
    text.setWordWrap(True)
    text.setTextFormat(Qt.TextFormat.RichText)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    card.body.addWidget(text)
    card.body.addStretch(1)
    return card, text


PAGE = ExplanationsPage
