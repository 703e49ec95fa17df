"""Overview: the verdict, the findings (most severe first) and which analyses ran or were skipped.

Clicking a finding emits `finding_activated(finding)`; the window opens the page that explains it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QHeaderView, QLabel, QPushButton, QScrollArea, QStackedLayout,
                               QVBoxLayout, QWidget)

from assay.app.models.findings import AnalysesModel, FindingsModel, analysis_name
from assay.app.models.table import RECORD_ROLE, FilterProxyModel
from assay.app.pages.common import EmptyState, FilterBox, muted_label, table_view, title_label
from assay.app.steps import Steps, drain
from assay.app.theme import SEVERITY_FILL, SEVERITY_ON_FILL
from assay.engine.findings import count_findings
from assay.engine.streaming.provenance import describe_compute

if TYPE_CHECKING:
    from assay.engine.results import AuditReport, Finding

VERDICT_TEXT = {
    "pass": "No finding failed and there are no warnings.",
    "warn": "No finding failed, but some need a look.",
    "fail": "At least one finding failed the audit's thresholds.",
}


class OverviewPage(QWidget):
    finding_activated = Signal(object)  # engine.results.Finding
    run_requested = Signal()
    status_requested = Signal(object)  # engine.results.Finding: the reviewer wants to set its status

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: AuditReport | None = None
        self.empty = EmptyState("No audit has run yet.\nChoose the data on the Setup page, then run the audit.")
        self.empty.run_requested.connect(self.run_requested)

        self.title = title_label("Overview")
        self.title.setWordWrap(True)  # (a long audit title in a narrow window)
        self.subtitle = muted_label()
        self.verdict = QLabel()
        self.verdict.setObjectName("verdictBadge")
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verdict.setMinimumWidth(150)
        self.verdict_text = QLabel()
        self.verdict_text.setWordWrap(True)
        self.counts = muted_label()

        self.findings = FindingsModel(self)
        self.findings_proxy = FilterProxyModel(self)
        self.findings_proxy.setSourceModel(self.findings)
        self.findings_view = table_view(self.findings_proxy, stretch_column=4)
        self.findings_view.setMouseTracking(True)
        self.findings_view.clicked.connect(self._on_clicked)
        self.findings_view.activated.connect(self._on_clicked)
        self.filter = FilterBox(self.findings_proxy, "Filter findings…")
        self.findings_empty = muted_label("No findings: every measured value is within the thresholds.")

        self.analyses = AnalysesModel(self)
        self.analyses_view = table_view(self.analyses, stretch_column=2)
        self.analyses_view.setSortingEnabled(False)
        self.analyses_view.setSelectionMode(self.analyses_view.SelectionMode.NoSelection)
        self.analyses_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        titles.addSpacing(6)
        titles.addWidget(self.verdict_text)
        titles.addWidget(self.counts)
        header.addLayout(titles, 1)
        header.addWidget(self.verdict, 0, Qt.AlignmentFlag.AlignTop)

        self.review_button = QPushButton("&Review finding…")
        self.review_button.setToolTip("Set the selected finding's status — open, or waived with a reason, approver "
                                      "and expiry — in the review file (Ctrl+Shift+R)")
        self.review_button.setEnabled(False)
        self.review_button.clicked.connect(self.request_status)
        self.review_shortcut = QShortcut(QKeySequence("Ctrl+Shift+R"), self)
        self.review_shortcut.activated.connect(self.request_status)
        self.findings_view.selectionModel().currentChanged.connect(
            lambda current, _previous: self.review_button.setEnabled(current.isValid()))
        self.review_note = muted_label()
        self.review_note.setWordWrap(True)

        filter_row = QHBoxLayout()
        filter_row.addWidget(title_label("Findings", "sectionTitle"))
        filter_row.addStretch(1)
        filter_row.addWidget(self.review_button)
        filter_row.addWidget(self.filter)

        results = QWidget()
        layout = QVBoxLayout(results)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addSpacing(8)
        layout.addLayout(filter_row)
        layout.addWidget(self.findings_empty)
        layout.addWidget(self.findings_view, 100)
        layout.addWidget(self.review_note)
        layout.addSpacing(6)
        layout.addWidget(title_label("Analyses", "sectionTitle"))
        layout.addWidget(self.analyses_view)
        layout.addStretch(1)  # takes what the findings (capped at their rows' height) leave

        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.empty)
        scroll = QScrollArea()  # a short window scrolls the page rather than squeezing its wrapped lines
        scroll.setWidget(results)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._stack.addWidget(scroll)

    # -- showing -----------------------------------------------------------------------------

    def show_result(self, report: AuditReport) -> None:
        drain(self.show_steps(report))

    def show_steps(self, report: AuditReport) -> Steps:
        """Show `report` in two steps (app/steps.py): the verdict and the findings, then the analyses."""
        self.report = report
        self.title.setText(report.title or "Model audit")
        self.subtitle.setText(_run_line(report))
        self.verdict.setText(report.verdict.upper())
        self.verdict.setStyleSheet(f"background: {SEVERITY_FILL[report.verdict]}; "
                                   f"color: {SEVERITY_ON_FILL[report.verdict]};")
        self.verdict.setToolTip(VERDICT_TEXT.get(report.verdict, ""))
        self.verdict_text.setText(VERDICT_TEXT.get(report.verdict, ""))
        counts = count_findings(report.findings)
        ran = sum(a.status == "ran" for a in report.analyses)
        skipped = [a for a in report.analyses if a.status == "skipped"]
        parts = [_plural(counts.failed, "failed finding"), _plural(counts.warnings, "warning"),
                 f"{ran} analyses ran"]
        if counts.waived:
            parts.insert(2, f"{counts.waived} waived")
        self.review_note.setText(review_note(report))
        self.review_note.setVisible(bool(self.review_note.text()))
        if skipped:
            parts.append(f"{len(skipped)} skipped ({', '.join(analysis_name(a.name).lower() for a in skipped)})")
        failed = [a for a in report.analyses if a.status == "failed"]  # the model failed while they needed it
        if failed:
            parts.append(f"{len(failed)} failed ({', '.join(analysis_name(a.name).lower() for a in failed)})")
        self.counts.setText(" · ".join(parts))

        self.findings.set_records(report.findings)
        self.findings_proxy.sort(-1)  # keep the engine's order (worst first) until the user sorts
        self.findings_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        has_findings = bool(report.findings)
        self.findings_view.setVisible(has_findings)
        self.filter.setVisible(has_findings)
        self.findings_empty.setVisible(not has_findings)
        self.findings_view.resizeColumnToContents(0)
        self.findings_view.resizeColumnToContents(1)
        self.findings_view.setColumnWidth(2, max(360, min(self.findings_view.sizeHintForColumn(2) + 16, 560)))
        self.findings_view.resizeColumnToContents(3)
        # as tall as its rows (a few findings leave no empty box), scrolling when there are many
        rows_height = self.findings_view.horizontalHeader().height() + 4 + sum(
            self.findings_view.rowHeight(r) for r in range(self.findings_proxy.rowCount()))
        self.findings_view.setMaximumHeight(max(rows_height, 80))
        self._stack.setCurrentIndex(1)
        yield

        self.analyses.set_records(report.analyses)
        self.analyses_view.resizeColumnToContents(0)
        self.analyses_view.resizeColumnToContents(1)
        rows = max(len(report.analyses), 1)
        height = self.analyses_view.horizontalHeader().height() + rows * self.analyses_view.rowHeight(0) + 4
        self.analyses_view.setFixedHeight(height)
        self.analyses_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

    def clear(self) -> None:
        """Back to the empty state (another audit file was opened)."""
        self.report = None
        self.findings.set_records([])
        self.analyses.set_records([])
        self._stack.setCurrentIndex(0)

    def visible_findings(self) -> list[Finding]:
        """The findings in the order shown (after sorting and filtering)."""
        proxy = self.findings_proxy
        return [proxy.index(row, 0).data(RECORD_ROLE) for row in range(proxy.rowCount())]

    def selected_finding(self) -> Finding | None:
        index = self.findings_view.currentIndex()
        return index.data(RECORD_ROLE) if index.isValid() else None

    def request_status(self) -> None:
        """Review finding… (Ctrl+Shift+R): the window opens the status dialog for the selected finding."""
        finding = self.selected_finding()
        if finding is not None and self.report is not None:
            self.status_requested.emit(finding)

    def _on_clicked(self, index: QModelIndex) -> None:
        finding = index.data(RECORD_ROLE)
        if finding is not None:
            self.finding_activated.emit(finding)


def review_note(report: AuditReport) -> str:
    """One line on the review file: expired waivers, waivers of no finding, a sign-off of another report."""
    review = getattr(report, "review", None)
    if review is None:
        return ""
    parts = []
    if review.error:
        parts.append("The review file could not be read, so no waiver applies: " + review.error)
    expired = [w.waiver.finding for w in review.waivers if w.state == "waiver expired"]
    if expired:
        parts.append(f"Waiver expired: {', '.join(expired)} count again.")
    unmatched = [w.waiver.finding for w in review.unmatched]
    if unmatched:
        parts.append(f"Waivers of no finding of this report: {', '.join(unmatched)}.")
    if review.signoff is not None:
        s = review.signoff
        parts.append(f"{s.signoff.reviewer}: {s.signoff.decision} ({s.state}).")
    return " ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _run_line(report: AuditReport) -> str:
    """Two lines: what was audited, and when."""
    p = report.provenance
    parts = []
    if report.quality is not None:
        parts.append(f"{report.quality.rows_reference:,} reference rows, {report.quality.rows_production:,} production rows")
    if p.model:
        parts.append(f"model {p.model.get('type', '')}")
    elif report.predictions is not None:
        parts.append("predictions read from the data")
    when = p.finished_at.replace("T", " ").replace("+00:00", " UTC") if p.finished_at else ""
    ran = f"Ran {when} in {p.duration_s:.1f} s, {describe_compute(p.compute, rows=False)}" if when else ""
    return "\n".join(line for line in (" · ".join(parts), ran) if line)
