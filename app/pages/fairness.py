"""Fairness: whether the model treats the groups of a sensitive column (or an intersection) alike.

Pick an attribute and a metric: the plot draws the metric per group (reference and production side by
side, or one of them) with intervals and the reference group's value as a line; small groups are greyed.
Beside it the policy's three rules with pass / fail. Tabs below: every rate per group, each group against
the reference group (raw and adjusted p-values), the change since the reference, and proxies. "How this
was computed" folds out the engine's methods text.

A ResultPage (app/pages/result_page.py) for `report.fairness`; `select_attribute(name)` picks an attribute
(`show_finding` does, for a fairness finding clicked on the Overview). Nothing is computed here: every number is the
engine's. The plot (pyqtgraph) is created on the first result.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QFrame, QHBoxLayout, QLabel, QRadioButton,
                               QScrollArea, QTableView, QTabWidget, QVBoxLayout, QWidget)

from assay.app.models import fairness as F
from assay.app.models.table import FilterProxyModel
from assay.app.pages import fairness_text as T
from assay.app.pages.common import Card, FilterBox, fit_columns, muted_label, table_view, title_label, vertical_split
from assay.app.pages.result_page import ResultPage
from assay.app.steps import Steps

if TYPE_CHECKING:
    from assay.app.settings import AppSettings
    from assay.engine.fairness.results import FairnessResult
    from assay.engine.results import AuditReport, Finding

SHOW = {"both": ("reference", "production"), "reference": ("reference",), "production": ("production",)}
SHOW_TEXT = {"both": "Both, side by side", "reference": "Reference", "production": "Production"}
METRIC_ORDER = ("selection_rate", "tpr", "fpr", "base_rate", "accuracy", "fnr", "precision", "mean_prediction",
                "mean_target", "mae")


class FairnessPage(ResultPage):
    name = "fairness"
    plot_modules = ("assay.app.plots.fairness",)
    methods_title = "How this was computed"
    pdf_contents = "group tables with intervals, disparity charts, the four-fifths rule, changes and proxies"

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        super().__init__(settings, parent, name=name)
        self.fairness: FairnessResult | None = None
        self.plot: Any = None  # GroupBars, built by plot_steps (pyqtgraph loads then)

        self.attribute_box = QComboBox()
        self.attribute_box.setMinimumContentsLength(16)
        self.attribute_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.metric_box = QComboBox()
        self.metric_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.show_group = QButtonGroup(self)
        self.show_buttons = {key: QRadioButton(text) for key, text in SHOW_TEXT.items()}
        for key, button in self.show_buttons.items():
            self.show_group.addButton(button)
            button.setToolTip({"both": "Reference and production bars for each group",
                               "reference": "The reference data only (what the model was validated on)",
                               "production": "The production data only (what the verdicts judge)"}[key])
        self.show_buttons["both"].setChecked(True)
        self.attribute_box.currentIndexChanged.connect(self._on_attribute_changed)
        self.metric_box.currentIndexChanged.connect(lambda _i: self._update_plot())
        self.show_group.buttonToggled.connect(self._on_show_toggled)
        self.notes_card = Card("Groups and notes")
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.notes_card.body.addWidget(self.info)

        self.plot_title = title_label("", "sectionTitle")
        self._plot_box = QWidget()
        self._plot_layout = QVBoxLayout(self._plot_box)
        self._plot_layout.setContentsMargins(0, 0, 0, 0)
        self._plot_layout.setSpacing(2)
        self._plot_layout.addWidget(self.plot_title)
        self.policy_card = self._policy_card()
        self.side = QWidget()  # the policy and the notes beside the plot, as wide as the policy table
        side_layout = QVBoxLayout(self.side)
        side_layout.setContentsMargins(0, 6, 0, 0)
        side_layout.setSpacing(10)
        side_layout.addWidget(self.policy_card)
        side_layout.addWidget(self.notes_card)
        side_layout.addStretch(1)
        self.side_box = QScrollArea()  # a short window scrolls the notes rather than squeezing the policy
        self.side_box.setWidget(self.side)
        self.side_box.setWidgetResizable(True)
        self.side_box.setFrameShape(QFrame.Shape.NoFrame)
        self.side_box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        top = QWidget()
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 4)
        top_layout.setSpacing(16)
        top_layout.addWidget(self._plot_box, 1)
        top_layout.addWidget(self.side_box, 0)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.rates = F.GroupRatesModel(F.RATE_NAMES, self)
        self.rates_proxy = FilterProxyModel(self)
        self.rates_proxy.setSourceModel(self.rates)
        self.rates_view = table_view(self.rates_proxy)
        self.rates_filter = FilterBox(self.rates_proxy, "Filter groups…")
        self.versus = F.VersusModel(self)
        self.versus_proxy = FilterProxyModel(self)
        self.versus_proxy.setSourceModel(self.versus)
        self.versus_view = table_view(self.versus_proxy)
        self.versus_filter = FilterBox(self.versus_proxy, "Filter groups or comparisons…")
        self.changes = F.ChangeModel(self)
        self.changes_view = _fixed_table(self.changes)
        self.proxies = F.ProxyModel(self)
        self.proxies_view = _fixed_table(self.proxies)
        self.rates_caption, self.versus_caption = muted_label(), muted_label()
        self.changes_caption, self.proxies_caption = muted_label(), muted_label()
        self.tabs.addTab(_tab(self.rates_view, self.rates_caption, self.rates_filter), "Groups")
        self.tabs.addTab(_tab(self.versus_view, self.versus_caption, self.versus_filter),
                         "Compared with the reference group")
        self.tabs.addTab(_tab(self.changes_view, self.changes_caption), "Change since the reference")
        self.tabs.addTab(_tab(self.proxies_view, self.proxies_caption), "Proxies")

        self.splitter = vertical_split(top, self.tabs, 3, 2)

        controls = QHBoxLayout()
        controls.setSpacing(8)
        controls.addWidget(QLabel("Attribute"))
        controls.addWidget(self.attribute_box)
        controls.addSpacing(14)
        controls.addWidget(QLabel("Metric"))
        controls.addWidget(self.metric_box)
        controls.addSpacing(14)
        controls.addWidget(QLabel("Show"))
        for button in self.show_buttons.values():
            controls.addWidget(button)
        controls.addStretch(1)
        self.body.addLayout(controls)
        self.body.addWidget(self.splitter, 1)

    def _policy_card(self) -> Card:
        card = Card("Policy")
        self.policy_title = card.findChild(QLabel, "sectionTitle")
        self.policy = F.PolicyModel(self)
        self.policy_view = _fixed_table(self.policy)
        self.policy_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.policy_summary = QLabel()
        self.policy_summary.setTextFormat(Qt.TextFormat.RichText)
        self.policy_caption = muted_label()
        card.body.addWidget(self.policy_summary)
        card.body.addWidget(self.policy_view)
        card.body.addWidget(self.policy_caption)
        return card

    # -- showing -----------------------------------------------------------------------------

    def plot_steps(self) -> Steps:
        from assay.app.plots.fairness import GroupBars

        self.plot = GroupBars()
        self.plot.setMinimumHeight(230)
        self._plot_layout.addWidget(self.plot, 1)
        self.splitter.setSizes([430, 300])
        yield

    def result_of(self, report: AuditReport) -> FairnessResult | None:
        """The result, when it measured a sensitive column in either dataset."""
        fairness = report.fairness
        return fairness if fairness is not None and (fairness.reference or fairness.production) else None

    def result_steps(self, report: AuditReport, fairness: FairnessResult) -> Steps:
        previous = self.attribute_box.currentText()
        self.fairness = fairness
        self.subtitle.setText(T.subtitle(fairness))
        self.set_methods(T.methods_html(fairness.methods))
        self._show_proxies()
        yield
        names = list(dict.fromkeys([*fairness.reference, *fairness.production]))
        with QSignalBlocker(self.attribute_box):
            self.attribute_box.clear()
            for name in names:
                self.attribute_box.addItem(name, name)
                self.attribute_box.setItemData(self.attribute_box.count() - 1, T.attribute_tip(name),
                                               Qt.ItemDataRole.ToolTipRole)
            self.attribute_box.setCurrentIndex(names.index(previous) if previous in names else 0)
        self.show_results_view()
        self._on_attribute_changed()

    def forget(self) -> None:
        self.fairness = None
        for model in (self.rates, self.versus, self.changes, self.proxies, self.policy):
            model.set_records([])

    def show_finding(self, finding: Finding) -> bool:
        """A fairness finding about a sensitive column (or an intersection) shows that attribute."""
        return bool(finding.column) and self.select_attribute(finding.column)

    def select_attribute(self, name: str) -> bool:
        """Show a sensitive column or intersection ('A & B'); False if the result has no such attribute."""
        index = self.attribute_box.findData(name)
        if index < 0:
            return False
        self.attribute_box.setCurrentIndex(index)
        return True

    def current_attribute(self) -> str | None:
        return self.attribute_box.currentData()

    def attribute_names(self) -> list[str]:
        return [self.attribute_box.itemData(i) for i in range(self.attribute_box.count())]

    def current_metric(self) -> str | None:
        return self.metric_box.currentData()

    def select_metric(self, name: str) -> bool:
        index = self.metric_box.findData(name)
        if index >= 0:
            self.metric_box.setCurrentIndex(index)
        return index >= 0

    def metric_names(self) -> list[str]:
        return [self.metric_box.itemData(i) for i in range(self.metric_box.count())]

    def shown(self) -> str:
        return next(key for key, button in self.show_buttons.items() if button.isChecked())

    def set_shown(self, key: str) -> None:
        self.show_buttons[key].setChecked(True)

    # -- the selected attribute --------------------------------------------------------------

    def _attributes(self) -> dict[str, Any]:
        name = self.current_attribute()
        if self.fairness is None or name is None:
            return {}
        return {d: getattr(self.fairness, d).get(name) for d in F.DATASETS if getattr(self.fairness, d).get(name)}

    def _datasets(self) -> tuple[str, ...]:
        return tuple(d for d in SHOW[self.shown()] if d in self._attributes())

    def _on_attribute_changed(self, _index: int = -1) -> None:
        if self.fairness is None or self.current_attribute() is None:
            return
        self._fill_metrics()
        self.info.setText(T.notes_html(self.fairness, self.current_attribute(), self._attributes()))
        self._update_plot()
        self._update_tables()

    def _on_show_toggled(self, _button: Any, checked: bool) -> None:
        if checked and self.fairness is not None:
            self._fill_metrics()
            self._update_plot()
            self._update_tables()

    def _fill_metrics(self) -> None:
        attributes = self._attributes()
        present = {m for a in attributes.values() for g in a.groups for m in g.metrics}
        present |= {m for a in attributes.values() for m in a.needs_labels}
        ordered = [m for m in METRIC_ORDER if m in present] + sorted(present - set(METRIC_ORDER))
        previous = self.current_metric()
        with QSignalBlocker(self.metric_box):
            self.metric_box.clear()
            for metric in ordered:
                lacking = [d for d in self._datasets() if metric in attributes[d].needs_labels]
                suffix = f"  (needs labels: none in {' or '.join(lacking)})" if lacking else ""
                self.metric_box.addItem(F.rate_name(metric) + suffix, metric)
                self.metric_box.setItemData(self.metric_box.count() - 1, F.RATE_TIPS.get(metric, ""),
                                            Qt.ItemDataRole.ToolTipRole)
            self.metric_box.setCurrentIndex(ordered.index(previous) if previous in ordered else 0)

    def _update_plot(self) -> None:
        from assay.app.plots.fairness import GroupBar

        metric, attributes, datasets = self.current_metric(), self._attributes(), self._datasets()
        if metric is None or self.plot is None:
            return
        groups = F.group_order(attributes, datasets)
        series, lines = {}, {}
        for d in datasets:
            a = attributes[d]
            by_name = {g.group: g for g in a.groups}
            series[d] = [_bar(GroupBar, a, by_name.get(name), metric) for name in groups]
            reference = by_name.get(a.reference_group)
            estimate = reference.metrics.get(metric) if reference is not None else None
            lines[d] = estimate.value if estimate is not None else None
        reference_group = next((attributes[d].reference_group for d in datasets), None)
        self.plot_title.setText(f"{F.rate_name(metric)} per group")
        self.plot.set_bars(F.rate_name(metric).lower(), groups, series, lines, reference_group, self._min_size())
        if datasets and all(metric in attributes[d].needs_labels for d in datasets):
            self.plot.show_empty(f"The {F.rate_name(metric).lower()} needs labels, and the "
                                 f"{' and '.join(datasets)} data {'have' if len(datasets) > 1 else 'has'} none. "
                                 "Pick the selection rate, or show the reference.")

    def _update_tables(self) -> None:
        attributes, datasets = self._attributes(), self._datasets()
        min_size = self._min_size()
        rates = [m for m in METRIC_ORDER if m in {self.metric_box.itemData(i)
                                                 for i in range(self.metric_box.count())}]
        if tuple(rates) != self.rates.rates:  # another task: other rate columns
            self.rates.deleteLater()
            self.rates = F.GroupRatesModel(rates, self)
            self.rates_proxy.setSourceModel(self.rates)
        self.rates.set_records(F.group_rows(attributes, datasets, min_size))
        self.versus.set_records(F.versus_rows(attributes, datasets, min_size))
        self.changes.set_records(F.change_rows(self.fairness, self.current_attribute()))
        judged = "reference" if self.shown() == "reference" else "production"
        self.policy.set_records(F.policy_rows(self.fairness, attributes.get(judged)))
        self.policy_title.setText(f"Policy — {judged}")
        self.policy_caption.setText(T.policy_caption(judged, min_size, self.fairness.task))
        self.policy_summary.setText(T.policy_summary(self.policy.results(), judged))
        for view, proxy in ((self.rates_view, self.rates_proxy), (self.versus_view, self.versus_proxy)):
            proxy.sort(-1)
            view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            view.setColumnHidden(1, len(datasets) < 2)  # the Dataset column
        for view in (self.rates_view, self.versus_view, self.changes_view, self.policy_view):
            fit_columns(view, maximum=320)
        _fit_height(self.policy_view)
        _fit_height(self.changes_view)
        self._fit_side()
        self._update_captions(attributes, datasets)

    def _update_captions(self, attributes: dict[str, Any], datasets: tuple[str, ...]) -> None:
        reference = next((attributes[d].reference_group for d in datasets if attributes[d].reference_group), None)
        self.rates_caption.setText("Each rate with its interval; greyed rows are groups too small to judge. "
                                   "Hover a header for what a rate means.")
        self.versus_caption.setText(
            f"Each group against the reference group ({reference}); p-values adjusted across the groups."
            if reference else "No reference group: every group is too small, or the task has none.")
        grew = sum(bool(c.grew) for c in self.fairness.changes if c.attribute == self.current_attribute())
        self.changes_caption.setText(
            "Column-level disparities over the groups large enough to judge, in the reference and in production. "
            + (f"{grew} grew: production is worse and its interval excludes the reference value." if grew
               else "None grew beyond its interval."))
        self.tabs.setTabText(2, f"Change since the reference ({grew} grew)" if grew else "Change since the reference")

    def _fit_side(self) -> None:
        """The side column as wide as the policy table, so that its Result column is never cut off."""
        view = self.policy_view
        table = sum(view.columnWidth(c) for c in range(self.policy.columnCount())) + 2 * view.frameWidth() + 2
        view.setMinimumWidth(table)
        margins = self.policy_card.body.contentsMargins()
        width = max(table + margins.left() + margins.right() + 2, 400)
        self.side_box.setFixedWidth(width + self.side_box.verticalScrollBar().sizeHint().width())

    # -- other parts -------------------------------------------------------------------------

    def _min_size(self) -> int:
        return int(self.fairness.policy.get("min_group_size", 0)) if self.fairness is not None else 0

    def _show_proxies(self) -> None:
        f = self.fairness
        self.proxies.set_records(list(f.proxies))
        fit_columns(self.proxies_view, maximum=360)
        _fit_height(self.proxies_view)
        threshold = ((self.report.provenance.config or {}).get("fairness", {}).get("proxy_threshold")
                     if self.report is not None and self.report.provenance else None)
        reach = f" of at least {threshold:g}" if threshold is not None else ""
        inputs = ", ".join(f.sensitive_inputs)
        text = (f"Inputs whose association with a sensitive column reaches a strength{reach}: the model can "
                "learn the group from them even without the sensitive column.")
        if inputs:
            text = f"Sensitive columns the model uses as inputs: {inputs} (listed first). " + text
        if not f.proxies:
            text = f"No model input is associated with a sensitive column at a strength{reach}."
        self.proxies_caption.setText(text)
        self.tabs.setTabText(3, f"Proxies ({len(f.proxies)})")


# -- pieces ------------------------------------------------------------------------------------


def _bar(make: Any, attribute: Any, group: Any, metric: str) -> Any:
    if group is None:
        return make(None, missing="absent")
    estimate = group.metrics.get(metric)
    if estimate is None:
        return make(None, small=group.small, missing=F.NEEDS_LABELS if metric in attribute.needs_labels else "—")
    if estimate.value is None:
        return make(None, small=group.small, missing="undefined")
    return make(estimate.value, estimate.ci_low, estimate.ci_high, group.small)


def _fixed_table(model: Any) -> QTableView:
    """A short table that shows all its rows (no sorting, no scroll bar)."""
    view = table_view(model)
    view.setSortingEnabled(False)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return view


def _fit_height(view: QTableView) -> None:
    rows = view.model().rowCount()
    height = view.horizontalHeader().sizeHint().height() + rows * view.verticalHeader().defaultSectionSize()
    scroll = view.horizontalScrollBar().sizeHint().height() if view.horizontalScrollBar().isVisible() else 0
    view.setFixedHeight(height + 2 * view.frameWidth() + scroll + 2)


def _tab(view: QTableView, caption: QLabel, filter_box: FilterBox | None = None) -> QWidget:
    tab = QWidget()
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(0, 8, 0, 0)
    row = QHBoxLayout()
    row.addWidget(caption, 1)
    if filter_box is not None:
        filter_box.setMinimumWidth(240)
        row.addWidget(filter_box)
    layout.addLayout(row)
    layout.addWidget(view, 0 if filter_box is None else 1)
    if filter_box is None:
        layout.addStretch(1)
    return tab


PAGE = FairnessPage
