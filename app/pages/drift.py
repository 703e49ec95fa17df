"""Drift: how production differs from the reference, column by column, over time and as a whole.

At the top the dataset summary (share of drifted feature columns against the policy, correction,
rule, chunking) and the multivariate verdicts. Three tabs: "Columns" (every compared column, worst
first, with a sparkline over the chunks; the selected column's distributions, ECDFs and effect size
per chunk below), "Columns × chunks" (a heat map) and "Multivariate" (domain classifier and PCA
reconstruction). "How this was tested" folds out the engine's methods text.

A ResultPage (app/pages/result_page.py) for `report.drift`; `select_column(name)` selects a column and
`show_finding(finding)` shows what a drift finding is about (the window calls it when a finding is
clicked on the Overview). Nothing is computed here: every number is the engine's. The plots
(pyqtgraph) are created on the first result.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from assay.app.models.drift import SPARK_WIDTH, DriftTableModel, SparklineDelegate, effect_text, p_text
from assay.app.models.table import FilterProxyModel
from assay.app.pages.common import Card, FilterBox, fit_columns, muted_label, table_view, title_label, titled, vertical_split
from assay.app.pages.result_page import ResultPage
from assay.app.steps import Steps
from assay.app.theme import severity_colour

if TYPE_CHECKING:
    from assay.app.settings import AppSettings
    from assay.engine.config import ReportConfig
    from assay.engine.drift.results import DriftResult
    from assay.engine.results import AuditReport, Finding

RULES = {"both": "corrected p-value below alpha and effect size at its minimum", "p_value": "corrected p-value only",
         "effect": "effect size only"}
CORRECTIONS = {"holm": "Holm", "bonferroni": "Bonferroni", "bh": "Benjamini-Hochberg", "none": "no correction"}
MEASURED_ROWS = 60
ROLES = {"prediction": "model prediction", "score": "model score", "target": "target"}


class DriftPage(ResultPage):
    name = "drift"
    plot_modules = ("assay.app.plots.drift", "assay.app.plots.heatmap")
    methods_title = "How this was tested"
    methods_height = 180

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        super().__init__(settings, parent, name=name)
        self.drift: DriftResult | None = None
        self.share_card, self.share_text = _text_card("Drifted columns")
        self.multivariate_card, self.multivariate_text = _text_card("Multivariate")
        for card in (self.share_card, self.multivariate_card):
            card.body.addStretch(1)

        self.columns = DriftTableModel(self)
        self.proxy = FilterProxyModel(self)
        self.proxy.setSourceModel(self.columns)
        self.table = table_view(self.proxy, stretch_column=DriftTableModel.SPARK_COLUMN + 1)
        self.table.setItemDelegateForColumn(DriftTableModel.SPARK_COLUMN, SparklineDelegate(self.table))
        # fit_columns measures the visible rows and this many more, not all 500 (the worst come first)
        self.table.horizontalHeader().setResizeContentsPrecision(MEASURED_ROWS)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.filter = FilterBox(self.proxy, "Filter columns…")

        # plots: built by plot_steps
        self.distribution: Any = None
        self.ecdf: Any = None
        self.categories: Any = None
        self.over_time: Any = None
        self.heat_map: Any = None
        self.importance: Any = None
        self.reconstruction: Any = None

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._columns_tab(), "Columns")
        self.heat_tab = QWidget()
        QVBoxLayout(self.heat_tab).setContentsMargins(0, 8, 0, 0)
        self.tabs.addTab(self.heat_tab, "Columns × chunks")
        self.tabs.addTab(self._multivariate_tab(), "Multivariate")

        summary = QHBoxLayout()
        summary.setSpacing(12)
        summary.addWidget(self.share_card, 1)
        summary.addWidget(self.multivariate_card, 1)
        self.body.addLayout(summary)
        self.body.addWidget(self.tabs, 1)

    def _columns_tab(self) -> QWidget:
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 8, 0, 0)
        filter_row = QHBoxLayout()
        self.count_label = muted_label()
        filter_row.addWidget(self.count_label, 1)
        filter_row.addWidget(self.filter)
        table_layout.addLayout(filter_row)
        table_layout.addWidget(self.table, 1)

        self.detail = QWidget()
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(0, 6, 0, 0)
        detail_layout.setSpacing(2)
        self.column_title = title_label("", "sectionTitle")
        self.column_text = QLabel()
        self.column_text.setWordWrap(True)
        self.column_text.setTextFormat(Qt.TextFormat.RichText)
        self.column_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plots_row = QHBoxLayout()
        self.plots_row.setSpacing(14)
        self.no_plots = QLabel()
        self.no_plots.setObjectName("emptyState")
        self.no_plots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_plots.setWordWrap(True)
        detail_layout.addWidget(self.column_title)
        detail_layout.addWidget(self.column_text)
        detail_layout.addLayout(self.plots_row, 1)
        detail_layout.addWidget(self.no_plots, 1)

        self.splitter = vertical_split(table_box, self.detail, 1, 1)
        return self.splitter

    def _multivariate_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 8, 0, 0)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.domain_card, self.domain_text = _text_card("Domain classifier")
        self.pca_card, self.pca_text = _text_card("PCA reconstruction error")
        row.addWidget(self.domain_card, 1)
        row.addWidget(self.pca_card, 1)
        self.multivariate_notes = muted_label()
        self.multivariate_empty = QLabel("The multivariate checks did not run.")
        self.multivariate_empty.setObjectName("emptyState")
        self.multivariate_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(row, 1)
        layout.addWidget(self.multivariate_empty, 1)
        layout.addWidget(self.multivariate_notes)
        return tab

    def plot_steps(self) -> Steps:
        """The plots, one per step (about 15 ms each)."""
        from assay.app.plots.drift import CategoryBars, ChunkSeriesPlot, DistributionPlot, EcdfPlot, ImportanceBars
        from assay.app.plots.heatmap import ChunkHeatMap

        boxes, plots = {}, {}
        for key, title, make, stretch in (("distribution", "Distribution", DistributionPlot, 1),
                                          ("ecdf", "Cumulative distribution", EcdfPlot, 1),
                                          ("categories", "Categories", CategoryBars, 2),
                                          ("over_time", "Effect size per chunk", lambda: ChunkSeriesPlot("effect size"),
                                           1)):
            plots[key] = make()
            boxes[key] = titled(title, plots[key])
            self.plots_row.addWidget(boxes[key], stretch)
            yield
        self.distribution, self.ecdf = plots["distribution"], plots["ecdf"]
        self.categories, self.over_time = plots["categories"], plots["over_time"]
        self._plot_boxes = boxes
        heat_map = ChunkHeatMap()
        heat_map.column_clicked.connect(self._on_heat_map_clicked)
        heat_map.column_activated.connect(lambda name: self.select_column(name))
        self.heat_tab.layout().addWidget(heat_map)
        yield
        self.importance = ImportanceBars("drop in ROC-AUC when the column is shuffled")
        self.importance.setMinimumHeight(220)
        self.domain_card.body.addWidget(self.importance, 1)
        yield
        self.reconstruction = ChunkSeriesPlot("reconstruction error")
        self.reconstruction.setMinimumHeight(220)
        self.pca_card.body.addWidget(self.reconstruction, 1)
        self.detail.setMinimumHeight(300)
        self.splitter.setSizes([330, 420])
        self.heat_map = heat_map  # last: the plots are all there once this is set

    # -- showing -----------------------------------------------------------------------------

    @classmethod
    def pdf_section(cls, report: AuditReport | None, settings: ReportConfig | None) -> str:
        top = int(settings.top_columns) if settings is not None else 10
        drift = report.drift if report is not None else None
        if report is None:
            return (f"every column in a table; charts for the {top} most drifted ([report] top_columns); the "
                    "columns × chunks heat map; multivariate checks")
        if drift is None:
            return "the drift table, charts and heat map"
        tested = sum(f.tested for f in drift.features)
        return (f"every column in a table ({len(drift.features)}); charts for the {min(top, tested)} most drifted of "
                f"{tested} tested; the columns × chunks heat map; multivariate checks")

    def result_steps(self, report: AuditReport, drift: DriftResult) -> Steps:
        previous = self.selected_column()
        self.drift = drift
        self.subtitle.setText(_subtitle(drift))
        self.share_text.setText(_share_html(report, drift))
        self.multivariate_text.setText(_multivariate_summary(drift.multivariate))
        self.set_methods("<ul style='margin-left:-20px'>" + "".join(
            f"<li>{_escape(line)}</li>" for line in drift.methods) + "</ul>")
        yield
        self.columns.set_result(drift)
        self.proxy.sort(-1)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        fit_columns(self.table)
        self.table.setColumnWidth(DriftTableModel.SPARK_COLUMN, SPARK_WIDTH)
        self._update_count()
        yield
        rows = self.columns.records()
        self.heat_map.set_cells([r.name for r in rows], [c.label for c in drift.chunks],
                                [r.drift.chunk_effect_sizes for r in rows], [r.drift.chunk_drifted for r in rows])
        yield
        self._show_multivariate(drift)
        yield
        self.show_results_view()
        self.detail.setVisible(bool(rows))
        if rows and not (previous and self.select_column(previous, focus=False)):
            self.select_column(rows[0].name, focus=False)

    def forget(self) -> None:
        self.drift = None
        self.columns.set_records([])

    def select_column(self, name: str, focus: bool = True) -> bool:
        """Select and reveal a column's row on the Columns tab (clearing a filter that hides it)."""
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
        if focus:
            self.tabs.setCurrentIndex(0)
            self.table.setFocus()
        return True

    def show_finding(self, finding: Finding) -> bool:
        """Show what a drift finding is about: its column, or the Multivariate tab for a multivariate one."""
        if finding.column:
            return self.select_column(finding.column)
        if finding.id.startswith("drift.multivariate"):
            self.tabs.setCurrentIndex(2)
            return True
        return False

    def selected_column(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.columns.record(self.proxy.mapToSource(rows[0]).row()).name

    def visible_columns(self) -> list[str]:
        """Column names in the table's current order and filter (what tests assert on)."""
        return [self.proxy.index(r, 0).data() for r in range(self.proxy.rowCount())]

    # -- the selected column -----------------------------------------------------------------

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or self.drift is None:
            return
        self._show_column(self.columns.record(self.proxy.mapToSource(current).row()).drift)

    def _show_column(self, f: Any) -> None:
        self.column_title.setText(f.feature)
        self.column_text.setText(_column_html(f))
        self.heat_map.select(f.feature)
        dist = f.distribution
        numerical = dist is not None and dist.kind == "numerical"
        categorical = dist is not None and dist.kind == "categorical"
        self._plot_boxes["distribution"].setVisible(numerical)
        self._plot_boxes["ecdf"].setVisible(numerical)
        self._plot_boxes["categories"].setVisible(categorical)
        self._plot_boxes["over_time"].setVisible(f.tested)
        self.no_plots.setVisible(not f.tested)
        reason = f.reason_not_tested or "no reason given"
        self.no_plots.setText(f"Nothing to plot: the column was not tested ({reason}).")
        if numerical:
            self.distribution.set_distribution(f.feature, dist.edges, dist.reference_density,
                                               dist.production_density)
            gap = f"KS distance {f.statistic:.3f}" if f.method == "ks" and f.statistic is not None else "largest gap"
            self.ecdf.set_ecdf(f.feature, dist.reference_quantiles, dist.production_quantiles, dist.ks_location,
                               "  " + gap, (dist.edges[0], dist.edges[-1]) if dist.edges else None)
        elif categorical:
            self.categories.set_categories(dist.categories, dist.reference_share, dist.production_share,
                                           dist.new_in_production)
        if f.tested:
            labels = [c.label for c in self.drift.chunks]
            threshold = f.threshold if f.p_value is None else None  # a distance's own threshold
            self.over_time.set_series(labels, f.chunk_effect_sizes, f.band, f.chunk_drifted, threshold)

    # -- other parts -------------------------------------------------------------------------

    def _show_multivariate(self, drift: Any) -> None:
        mv = drift.multivariate
        domain = mv.domain_classifier if mv else None
        rec = mv.reconstruction if mv else None
        self.domain_card.setVisible(domain is not None)
        self.pca_card.setVisible(rec is not None)
        if domain is not None:
            self.domain_text.setText(_domain_html(domain))
            self.importance.set_bars([n for n, _ in domain.top_features], [v for _, v in domain.top_features])
        if rec is not None:
            self.pca_text.setText(_reconstruction_html(rec))
            self.reconstruction.set_series([c.label for c in drift.chunks], rec.chunk_errors, rec.band,
                                           series_name="reconstruction error")
        self.multivariate_empty.setVisible(domain is None and rec is None)
        self.multivariate_notes.setText("\n".join(mv.notes) if mv else "")

    def _update_count(self) -> None:
        features = [r.drift for r in self.columns.records()]
        outputs = sum(f.role != "feature" for f in features)
        untested = sum(not f.tested for f in features)
        parts = [f"{len(features) - outputs} feature columns"]
        if outputs:
            parts.append(f"{outputs} model output or target column{'s' if outputs != 1 else ''}")
        if untested:
            parts.append(f"{untested} not tested")
        self.count_label.setText(" · ".join(parts) + " — most drifted first; hover a header for what it means.")

    def _on_heat_map_clicked(self, name: str) -> None:
        self.select_column(name, focus=False)


# -- pieces ------------------------------------------------------------------------------------


def _text_card(title: str) -> tuple[Card, QLabel]:
    card = Card(title)
    text = QLabel()
    text.setWordWrap(True)
    text.setTextFormat(Qt.TextFormat.RichText)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    card.body.addWidget(text)
    return card, text



def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _coloured(text: str, severity: str) -> str:
    return f"<span style='color:{severity_colour(severity).name()}'><b>{text}</b></span>"


def _subtitle(drift: Any) -> str:
    tested = sum(f.tested for f in drift.features)
    sampled = f"a seeded sample of {drift.sampled_rows:,} rows" if drift.sampled_rows else "every row"
    chunks = (f"{len(drift.chunks)} production chunks ({drift.chunking})" if drift.chunks
              else "production not split into chunks")
    return f"{tested} of {len(drift.features)} columns tested · {chunks} · statistics on {sampled}"


def _share_html(report: Any, drift: Any) -> str:
    features = [f for f in drift.features if f.role == "feature" and f.tested]
    finding = next((f for f in report.findings if f.id == "drift.share"), None)
    severity = finding.severity if finding is not None else "pass"
    share = _coloured(f"{drift.share_drifted:.0%}", severity)
    lines = [f"{share} of feature columns drifted ({len(drift.drifted_features)} of {len(features)})"
             f" — {_coloured(severity.upper(), severity)}"]
    policy = (report.provenance.config or {}).get("drift", {}) if report.provenance else {}
    if "share_warn" in policy and "share_fail" in policy:
        lines.append(f"Policy: warn at {policy['share_warn']:.0%}, fail at {policy['share_fail']:.0%} of "
                     "feature columns")
    lines.append(f"{CORRECTIONS.get(drift.correction, drift.correction)} correction, alpha {drift.alpha:g}; "
                 f"a column drifts when: {RULES.get(drift.rule, drift.rule)}")
    return "<br>".join(lines)


def _verdict(drifted: bool) -> str:
    return _coloured("drifted", "warn") if drifted else "no drift"


def _multivariate_summary(mv: Any) -> str:
    if mv is None or (mv.domain_classifier is None and mv.reconstruction is None):
        return "The multivariate checks did not run."
    lines = []
    if mv.domain_classifier is not None:
        d = mv.domain_classifier
        lines.append(f"Domain classifier: ROC-AUC {d.auc:.3f}, p = {d.p_value:.3g} — {_verdict(d.drifted)}")
    if mv.reconstruction is not None:
        r = mv.reconstruction
        lines.append(f"PCA reconstruction error: {r.production_error:.4g} (expected {r.band[0]:.4g} – "
                     f"{r.band[1]:.4g}) — {_verdict(r.drifted)}")
    lines.append("See the Multivariate tab.")
    return "<br>".join(lines)


def _domain_html(d: Any) -> str:
    return (f"ROC-AUC <b>{d.auc:.3f}</b> (0.5: production rows cannot be told from reference rows), "
            f"p = {d.p_value:.3g} from {d.permutations:,} permutations, {d.rows_per_dataset:,} rows per dataset "
            f"— {_verdict(d.drifted)}.<br>The columns that separate the datasets most:")


def _reconstruction_html(r: Any) -> str:
    return (f"{r.components} components ({r.explained_variance:.0%} of the reference variance). Error "
            f"<b>{r.production_error:.4g}</b> in production, {r.reference_error:.4g} in the reference; "
            f"expected per chunk {r.band[0]:.4g} – {r.band[1]:.4g} — {_verdict(r.drifted)}.")


def _p_phrase(p: float | None) -> str:
    text = p_text(p)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def _column_html(f: Any) -> str:
    role = ROLES.get(f.role, "feature")
    head = f"{f.kind} {role}"
    if not f.tested:
        return f"{head} — {_coloured('not tested', 'warn')}: {_escape(f.reason_not_tested or 'no reason given')}"
    if f.p_value is not None:
        measure = _escape(f"statistic {f.statistic:.4g}, effect size {effect_text(f.effect_size)}, "
                          f"{_p_phrase(f.p_value)} (adjusted {_p_phrase(f.p_value_adjusted)})")
    else:
        measure = f"{f.method} {effect_text(f.statistic)} (threshold {f.threshold:g})"
    verdict = _verdict(f.drifted)
    if f.first_drifted_chunk:
        verdict += f", first in chunk {_escape(f.first_drifted_chunk)}"
    return (f"{head} · <b>{_escape(f.method)}</b>: {measure} — {verdict}"
            f"<br><span style='font-size:small'>{_escape(f.method_reason)}</span>")


PAGE = DriftPage
