"""Champion and challengers: for the challenger chosen, the metric table (both models' values, the difference
challenger - champion with its interval, the test, the Holm-adjusted p and the verdict), the ROC curves of every
model overlaid, and the rows whose decision flips by segment; the A/B test's arms when there is one.

A ResultPage (app/pages/result_page.py) for `report.comparison`. Nothing is computed here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QWidget

from assay.app.models.table import Column, FilterProxyModel, RecordTableModel
from assay.app.pages.common import fit_columns, tab_layout, table_view, titled, vertical_split
from assay.app.pages.result_page import ResultPage
from assay.app.steps import Steps
from assay.engine.comparison.results import interval_text, number_text, p_text
from assay.engine.performance.metric_specs import label

if TYPE_CHECKING:
    from assay.app.settings import AppSettings
    from assay.engine.comparison.results import ComparisonResult, PairComparison
    from assay.engine.results import AuditReport

VERDICT_COLOURS = {"worse": "#c0392b", "challenger better": "#1e8449", "non-inferior": "#2e86c1",
                   "inconclusive": "#9a7d0a"}


def _number(value: float | None, sign: bool = False) -> str:
    return number_text(value, 3, sign)


def _interval(m: Any) -> str:
    return interval_text(m.ci_low, m.ci_high, 3)


def _arm_text(t: Any) -> str:
    return f"p {p_text(t.p_value)}" if t.p_value is not None else interval_text(t.ci_low, t.ci_high, 3)



METRIC_COLUMNS = (
    Column("Metric", lambda m: label(m.metric)),
    Column("Champion", lambda m: m.champion, _number, numeric=True),
    Column("Challenger", lambda m: m.challenger, _number, numeric=True),
    Column("Difference", lambda m: m.difference, lambda v: _number(v, sign=True), numeric=True,
           header_tip="challenger - champion"),
    Column("Interval", _interval, header_tip="the difference's interval (DeLong, McNemar or paired bootstrap)"),
    Column("Verdict", lambda m: m.verdict, colour=lambda m: QColor(VERDICT_COLOURS.get(m.verdict, "#777777"))),
    Column("p (Holm)", lambda m: m.p_value_adjusted, p_text, numeric=True),
    Column("Test", lambda m: m.test),
    Column("Margin", lambda m: m.margin, lambda v: f"{v:g}", numeric=True),
)
FLIP_COLUMNS = (
    Column("Column", lambda s: s.column),
    Column("Segment", lambda s: s.segment),
    Column("Rows", lambda s: s.rows, lambda v: f"{v:,}", numeric=True),
    Column("Flips", lambda s: s.flips, lambda v: f"{v:,}", numeric=True),
    Column("Flip rate", lambda s: s.rate, lambda v: f"{v:.1%}", numeric=True),
)
FAIRNESS_COLUMNS = (
    Column("Column", lambda g: g.column),
    Column("Disparity", lambda g: g.measure.replace("_", " ")),
    Column("Champion", lambda g: g.champion, _number, numeric=True),
    Column("Challenger", lambda g: g.challenger, _number, numeric=True),
    Column("Difference", lambda g: g.difference, lambda v: _number(v, sign=True), numeric=True),
    Column("Interval", _interval, header_tip="paired bootstrap interval of the difference"),
)
IMPORTANCE_COLUMNS = (
    Column("Column", lambda i: i.column),
    Column("Champion", lambda i: i.champion, lambda v: _number(v, sign=True), numeric=True),
    Column("Challenger", lambda i: i.challenger, lambda v: _number(v, sign=True), numeric=True),
)
ARM_COLUMNS = (
    Column("Measure", lambda t: t.measure.replace("_", " ")),
    Column("Control", lambda t: t.control),
    Column("Arm", lambda t: t.arm),
    Column("Control value", lambda t: t.control_value, _number, numeric=True),
    Column("Arm value", lambda t: t.arm_value, _number, numeric=True),
    Column("Difference", lambda t: t.difference, lambda v: _number(v, sign=True), numeric=True),
    Column("Test", lambda t: t.test),
    Column("p / interval", lambda t: _arm_text(t)),
    Column("Detectable", lambda t: t.detectable, _number, numeric=True,
           header_tip="the smallest difference these rows could detect (5% two-sided, 80% power)"),
)


def _table(columns: tuple[Column, ...], parent: QWidget, stretch: int | None = None):
    """A table in the engine's order (the user may sort it by any column)."""
    model = RecordTableModel(columns, parent)
    proxy = FilterProxyModel(parent)
    proxy.setSourceModel(model)
    view = table_view(proxy, stretch_column=stretch)
    proxy.sort(-1)
    view.horizontalHeader().setSortIndicatorShown(False)
    return model, view


class ComparisonPage(ResultPage):
    name = "comparison"
    plot_modules = ("assay.app.plots.comparison",)
    pdf_contents = "the paired tests of every metric, the verdicts, where the decisions flip and the A/B arms"

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        super().__init__(settings, parent, name=name)
        self.result: ComparisonResult | None = None
        self.challenger = QComboBox()
        self.challenger.currentIndexChanged.connect(self._show_pair)
        self.verdict = QLabel()
        self.verdict.setObjectName("sectionTitle")
        picker = QHBoxLayout()
        picker.addWidget(QLabel("Challenger:"))
        picker.addWidget(self.challenger)
        picker.addSpacing(12)
        picker.addWidget(self.verdict, 1)
        self.body.addLayout(picker)

        self.metrics, self.metrics_view = _table(METRIC_COLUMNS, self, stretch=7)  # (spare width: after the test)
        self.flips, self.flips_view = _table(FLIP_COLUMNS, self, stretch=1)
        self.fairness, self.fairness_view = _table(FAIRNESS_COLUMNS, self, stretch=1)
        self.arms, self.arms_view = _table(ARM_COLUMNS, self)
        self.importances, self.importances_view = _table(IMPORTANCE_COLUMNS, self, stretch=0)
        self.importance_note = QLabel()
        self.importance_note.setWordWrap(True)
        self.agreement = QLabel()
        self.agreement.setWordWrap(True)
        self.plot: Any = None  # RocOverlay, built by plot_steps
        self._plot_box = QWidget()
        self._plot_layout = QHBoxLayout(self._plot_box)
        self._plot_layout.setContentsMargins(0, 0, 0, 0)

        tabs = QTabWidget()
        flips_tab, flips_layout = tab_layout()
        flips_layout.addWidget(self.agreement)
        flips_layout.addWidget(self.flips_view, 1)
        tabs.addTab(flips_tab, "Flips by segment")
        fairness_tab, fairness_layout = tab_layout()
        fairness_layout.addWidget(self.fairness_view, 1)
        tabs.addTab(fairness_tab, "Fairness side by side")
        importance_tab, importance_layout = tab_layout()
        importance_layout.addWidget(self.importance_note)
        importance_layout.addWidget(self.importances_view, 1)
        tabs.addTab(importance_tab, "Importances side by side")
        ab_tab, ab_layout = tab_layout()
        self.ab_note = QLabel()
        self.ab_note.setWordWrap(True)
        ab_layout.addWidget(self.ab_note)
        ab_layout.addWidget(self.arms_view, 1)
        tabs.addTab(ab_tab, "A/B arms")
        self.tabs = tabs

        # the metrics' nine columns across the page's width (beside the plot they scrolled sideways at 1200 px);
        # the tabs' narrower tables beside the ROC curves
        bottom = QWidget()
        bottom_layout = QHBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(tabs, 3)
        bottom_layout.addWidget(self._plot_box, 2)
        top = titled("Metrics: challenger - champion on the same rows", self.metrics_view)
        self.body.addWidget(vertical_split(top, bottom, 1, 1), 1)

    def plot_steps(self) -> Steps:
        from assay.app.plots.comparison import RocOverlay

        self.plot = RocOverlay()
        self._plot_layout.addWidget(titled("ROC curves on the same rows", self.plot))
        yield

    def result_steps(self, report: AuditReport, result: ComparisonResult) -> Steps:
        self.result = result
        failed = [m for m in result.models if m.error]
        pairs = len(result.pairs)
        self.subtitle.setText(
            f"{pairs} challenger{'s' if pairs != 1 else ''} compared with the champion"
            + (f" · {len(failed)} could not be compared ({', '.join(m.name for m in failed)})" if failed else "")
            + f" · margin {result.margin:g} · {result.confidence:.0%} intervals · {result.resamples:,} paired "
              f"resamples")
        self.challenger.blockSignals(True)
        self.challenger.clear()
        self.challenger.addItems([p.challenger for p in result.pairs])
        self.challenger.blockSignals(False)
        self._show_pair(0)
        yield
        ab = result.ab
        self.arms.set_records(ab.tests if ab else [])
        self.ab_note.setText(
            "No arm column: set [comparison] arm to compare the serving arms of live traffic." if ab is None else
            f"Arms in {ab.column!r}: " + ", ".join(f"{a.arm} ({a.rows:,} rows)" for a in ab.arms)
            + (". " + "; ".join(ab.notes) if ab.notes else ""))
        fit_columns(self.arms_view)
        yield

    def _show_pair(self, index: int) -> None:
        pair = self._pair(index)
        self.metrics.set_records(pair.metrics if pair else [])
        self.flips.set_records(pair.agreement.segments if pair and pair.agreement else [])
        self.fairness.set_records(pair.fairness if pair else [])
        self.importances.set_records(pair.importances if pair else [])
        self.importance_note.setText(_importance_note(pair))
        if pair is None:
            self.verdict.setText("No challenger could be compared")
            self.agreement.setText("")
        else:
            colour = VERDICT_COLOURS.get(pair.verdict, "#777777")
            self.verdict.setText(f"Verdict: <span style='color:{colour}'>{pair.verdict}</span> · {pair.rows:,} "
                                 f"{pair.dataset} rows")
            a = pair.agreement
            self.agreement.setText(
                "No decisions to compare (regression)." if a is None else
                f"The models agree on {a.rate:.1%} of the rows; {a.flips:,} decisions flip ({a.to_right:,} to the "
                f"right label, {a.to_wrong:,} to the wrong one).")
        if self.plot is not None:
            self.plot.set_curves(list(pair.roc) if pair else [])
        for view in (self.metrics_view, self.flips_view, self.fairness_view, self.importances_view):
            fit_columns(view)

    def _pair(self, index: int) -> PairComparison | None:
        if self.result is None or not 0 <= index < len(self.result.pairs):
            return None
        return self.result.pairs[index]

    def forget(self) -> None:
        self.result = None
        for model in (self.metrics, self.flips, self.fairness, self.arms, self.importances):
            model.set_records([])


def _importance_note(pair: PairComparison | None) -> str:
    if pair is None or not pair.importances:
        return ("No importances: they need both models as files (a challenger given as columns, or a champion "
                "given as columns, has no model to permute).")
    rho = "—" if pair.rank_correlation is None else f"{pair.rank_correlation:.2f}"
    measure = {"roc_auc": "ROC-AUC", "accuracy": "accuracy", "mae": "MAE"}.get(pair.importance_measure,
                                                                               pair.importance_measure)
    return (f"Permutation importance: the {measure} each model loses when a column is shuffled (the same rows, the "
            f"same shuffle for both). Spearman rank correlation of the two rankings: {rho}.")


PAGE = ComparisonPage
