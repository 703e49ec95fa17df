"""ResultPage: what every analysis page repeats, once; and which page class shows an analysis.

A page for the analysis called `name` (a name in engine/analyses/registry.py) subclasses ResultPage, declares
`name` (and the plot modules it imports, `plot_modules`, which the window imports ahead), adds its widgets to
`self.body` in its constructor and fills in `result_steps(report, result)`; `plot_steps()` when it draws plots,
`forget()` when it keeps state of a result, `show_finding(finding)` when a finding points at something on it.
The base class owns the rest: the title (the spec's) and the subtitle, the empty state before any result with
its Run button (`run_requested`), "<title> was not measured: <reason>" when the analysis was skipped or failed
(the reason from `report.status_of(name)`), the results view, the fold-out methods panel, and stepwise showing
(app/steps.py): `prepare_steps()` builds the plots ahead of any result, `show_steps(report)` shows a report a
step at a time, `show_result(report)` all at once, `clear()` goes back to the empty state.

The window finds the page of an analysis by convention (`page_class`): the module `assay.app.pages.<name>`
exposes its page class as `PAGE`; an analysis without such a module gets `FindingsPage`, which shows its title,
its status and its findings, so that a new analysis shows up in the app before it has a page of its own.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import QStackedLayout, QVBoxLayout, QWidget

from assay.app.models.findings import FindingsModel
from assay.app.models.table import FilterProxyModel
from assay.app.pages.common import EmptyState, methods_fold, muted_label, table_view, title_label
from assay.app.steps import Once, Steps, drain
from assay.engine.analyses import registry
from assay.engine.findings import count_findings, counts_text

if TYPE_CHECKING:
    from assay.app.settings import AppSettings
    from assay.engine.config import ReportConfig
    from assay.engine.results import AnalysisStatus, AuditReport, Finding

PAGE_MODULE = "assay.app.pages.{name}"  # exposes PAGE, the analysis' page class
METHODS_HEIGHT = 170


class ResultPage(QWidget):
    """One analysis' page (see the module's docstring for what a subclass fills in)."""

    run_requested = Signal()

    name: str = ""  # the analysis (a registry name); a FindingsPage is given its name
    plot_modules: ClassVar[tuple[str, ...]] = ()  # what the plots import: the window imports them ahead (_warm_up)
    empty_text: ClassVar[str] = "{title} appears here after the audit has run."
    not_run_text: ClassVar[str] = "{title} was not measured: {reason}."
    methods_title: ClassVar[str] = ""  # the methods panel's button ("How this was computed"); none if empty
    methods_height: ClassVar[int] = METHODS_HEIGHT
    pdf_contents: ClassVar[str] = "what the analysis found, or why it did not run"  # the Report page's line

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        super().__init__(parent)
        self.name = name or type(self).name
        self.spec = registry.spec_of(self.name)
        self.settings = settings
        self.report: AuditReport | None = None
        self._plots = Once(self.plot_steps)  # built a step at a time ahead of any result, or by the first result
        self.empty = EmptyState(self.empty_text.format(title=self.spec.title))
        self.empty.run_requested.connect(self.run_requested)
        self.unavailable = EmptyState("")
        self.unavailable.button.hide()
        self.subtitle = muted_label()

        results = QWidget()
        layout = QVBoxLayout(results)
        layout.setContentsMargins(18, 14, 18, 10)
        layout.setSpacing(6)
        layout.addWidget(title_label(self.spec.title))
        layout.addWidget(self.subtitle)
        layout.addSpacing(2)
        self.body = QVBoxLayout()  # what the subclass shows
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(6)
        layout.addLayout(self.body, 1)
        if self.methods_title:
            # a long methods text scrolls rather than pushing the page away
            self.methods_button, self.methods_text, self.methods_box = methods_fold(self.methods_title,
                                                                                    self.methods_height)
            self.methods_button.toggled.connect(self._fit_methods)
            layout.addWidget(self.methods_button, 0, Qt.AlignmentFlag.AlignLeft)
            layout.addWidget(self.methods_box)

        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.empty)
        self._stack.addWidget(results)
        self._stack.addWidget(self.unavailable)

    # -- what a subclass fills in ------------------------------------------------------------

    def result_of(self, report: AuditReport) -> Any:
        """What this page shows of `report`: the analysis' result; None when there is nothing to show."""
        return report.result(self.name)

    def plot_steps(self) -> Steps:
        """Build the page's plots, one per step (about 15 ms each); run once (see prepare_steps)."""
        yield from ()

    def result_steps(self, report: AuditReport, result: Any) -> Steps:
        """Show `result` a step at a time; the plots are built by then. Call `show_results_view()` when the
        results are ready to be seen (the base class does after the last step)."""
        yield from ()

    def forget(self) -> None:
        """Drop what the page keeps of the last result (another audit, or one where the analysis did not run)."""

    def show_finding(self, finding: Finding) -> bool:
        """Show what `finding` is about (the window calls it when the finding is clicked on the Overview)."""
        return False

    @classmethod
    def pdf_section(cls, report: AuditReport | None, settings: ReportConfig | None) -> str:
        """What this analysis' PDF section shows, for the Report page's table (the report of the last audit, and
        the [report] settings, when there are)."""
        return cls.pdf_contents

    # -- showing -----------------------------------------------------------------------------

    def prepare_steps(self) -> Steps:
        """Build the plots a step at a time (app/steps.py); nothing once built."""
        return self._plots.steps()

    def show_result(self, report: AuditReport) -> None:
        drain(self.show_steps(report))

    def show_steps(self, report: AuditReport) -> Steps:
        """Show `report` a step at a time (app/steps.py); `show_result` runs them all at once."""
        self.report = report
        result = self.result_of(report)
        if result is None:
            self.forget()
            reason = not_run_reason(report.status_of(self.name))
            self.unavailable.label.setText(self.not_run_text.format(title=self.spec.title, reason=reason))
            self._stack.setCurrentWidget(self.unavailable)
            return
        yield from self._plots.steps()
        yield from self.result_steps(report, result)
        self.show_results_view()

    def show_results_view(self) -> None:
        self._stack.setCurrentIndex(1)

    def clear(self) -> None:
        """Back to the empty state (another audit file was opened)."""
        self.report = None
        self.forget()
        self._stack.setCurrentWidget(self.empty)

    def set_methods(self, html: str) -> None:
        self.methods_text.setText(html)
        self._fit_methods()

    def _fit_methods(self, *_: Any) -> None:
        """The methods panel as tall as its text, up to `methods_height` (then it scrolls)."""
        if self.methods_title and self.methods_box.isVisible():
            width = self.methods_box.viewport().width() or self.width() - 40
            self.methods_box.setFixedHeight(min(self.methods_text.heightForWidth(width) + 6, self.methods_height))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_methods()


class FindingsPage(ResultPage):
    """The page of an analysis that has no page module: its title, its status and its findings."""

    not_run_text = "{title} did not run: {reason}."

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None, *,
                 name: str | None = None) -> None:
        super().__init__(settings, parent, name=name)
        self.findings = FindingsModel(self)
        self.findings_proxy = FilterProxyModel(self)
        self.findings_proxy.setSourceModel(self.findings)
        self.findings_view = table_view(self.findings_proxy, stretch_column=3)
        self.findings_empty = muted_label("No findings: every measured value is within the thresholds.")
        self.body.addWidget(self.findings_empty)
        self.body.addWidget(self.findings_view, 1)

    def result_of(self, report: AuditReport) -> Any:
        """Its status, when it ran: the report carries no result the page knows how to show."""
        status = report.status_of(self.name)
        return status if status is not None and status.status == "ran" else None

    def result_steps(self, report: AuditReport, result: Any) -> Steps:
        found = report.findings_for(self.name)
        self.subtitle.setText(f"Ran · {len(found)} finding{'s' if len(found) != 1 else ''} "
                              f"({counts_text(count_findings(found))})")
        self.findings.set_records(found)
        self.findings_proxy.sort(-1)  # the engine's order (worst first)
        self.findings_view.setVisible(bool(found))
        self.findings_empty.setVisible(not found)
        yield

    def forget(self) -> None:
        self.findings.set_records([])

    def visible_findings(self) -> list[Finding]:
        return [self.findings.record(self.findings_proxy.mapToSource(self.findings_proxy.index(row, 0)).row())
                for row in range(self.findings_proxy.rowCount())]

    def show_finding(self, finding: Finding) -> bool:
        """Select the finding's row."""
        if finding not in self.findings.records():
            return False
        source = self.findings.index(self.findings.records().index(finding), 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.findings_view.selectionModel().setCurrentIndex(self.findings_proxy.mapFromSource(source), flags)
        return True


def not_run_reason(status: AnalysisStatus | None) -> str:
    """Why an analysis did not run, from its status."""
    return status.reason if status is not None and status.reason else "the analysis did not run"


def page_class(name: str) -> type[ResultPage]:
    """The page class of the analysis called `name`: `PAGE` of the module assay.app.pages.<name>, or FindingsPage
    when there is no such module."""
    module_name = PAGE_MODULE.format(name=name)
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:  # the module is there, and something it imports is not
            raise
        return FindingsPage
    return module.PAGE


def make_page(name: str, settings: AppSettings | None = None) -> ResultPage:
    """The page of the analysis called `name`."""
    return page_class(name)(settings, name=name)
