"""The result views on a hand-made report: what they show, with no audit run (fast, and every branch)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from assay.app.pages.overview import OverviewPage
from assay.app.pages.quality import QualityPage
from assay.engine.quality.results import ColumnQuality, QualityResult
from assay.engine.results import AnalysisStatus, AuditReport, Finding, Provenance
from assay.engine.schema import Schema

FINDINGS = (
    Finding("quality.all_missing.production.score", "quality", "fail", "score: entirely missing in production",
            "Every value is missing.", "score"),
    Finding("quality.unseen.city", "quality", "warn", "city: 2 categories unseen in the reference", "", "city"),
    Finding("quality.duplicates.production", "quality", "warn", "3 duplicate rows in the production data"),
)
COLUMNS = (
    ColumnQuality("age", "numerical", "feature", missing_reference=0.0, missing_production=0.25,
                  infinite_production=4, reference_min=18, reference_max=90, out_of_range=0.125,
                  distinct_reference=40, distinct_production=38),
    ColumnQuality("city", "categorical", "feature", kind_production="numerical", missing_reference=0.1,
                  missing_production=0.0, distinct_reference=3, distinct_production=5, unseen_share=0.375,
                  unseen_categories=(("d", 2), ("e", 1))),
    ColumnQuality("const", "numerical", "feature", missing_reference=0.0, missing_production=0.0,
                  constant_reference=True, constant_production=True, distinct_reference=1, distinct_production=1),
    ColumnQuality("score", "numerical", "feature", missing_reference=0.0, missing_production=1.0),
    ColumnQuality("old", "categorical", "feature", missing_reference=0.0),
)


def make_report(findings=FINDINGS, quality=True, analyses=None) -> AuditReport:
    result = QualityResult(rows_reference=8, rows_production=8, columns=COLUMNS, missing_in_production=("old",),
                           extra_in_production=("new_col",), duplicates_reference=0, duplicates_production=3)
    statuses = analyses or (
        AnalysisStatus("predictions", "skipped", "no model and no prediction columns"),
        AnalysisStatus("quality", "ran"),
    )
    provenance = Provenance(inputs=(), versions={}, config={}, seed=0, started_at="2025-01-01T10:00:00+00:00",
                            finished_at="2025-01-01T10:00:02+00:00", duration_s=2.0)
    verdict = max((f.severity for f in findings), key=("pass", "warn", "fail").index, default="pass")
    return AuditReport(provenance=provenance, verdict=verdict, findings=tuple(findings),
                       schema=Schema(columns=(), task=None), analyses=tuple(statuses),
                       quality=result if quality else None, title="Hand-made audit")


def test_overview_shows_verdict_findings_and_skipped_analyses(qtbot):
    page = OverviewPage()
    qtbot.addWidget(page)
    page.show()
    assert page.empty.isVisible()  # before any run: the empty state with a Run button
    with qtbot.waitSignal(page.run_requested):
        page.empty.button.click()

    report = make_report()
    page.show_result(report)
    assert page.title.text() == "Hand-made audit"
    assert page.verdict.text() == "FAIL" and "#c62828" in page.verdict.styleSheet()
    assert "1 failed finding" in page.counts.text() and "2 warnings" in page.counts.text()
    assert "1 skipped (predictions)" in page.counts.text()
    assert "Ran 2025-01-01 10:00:02 UTC in 2.0 s" in page.subtitle.text()
    assert page.visible_findings() == list(FINDINGS)
    severity = page.findings_proxy.index(0, 0)
    assert severity.data() == "FAIL" and severity.data(Qt.ItemDataRole.ForegroundRole) is not None
    rows = [[page.analyses.index(r, c).data() for c in range(3)] for r in range(page.analyses.rowCount())]
    assert rows == [["Predictions", "skipped", "no model and no prediction columns"], ["Data quality", "ran", ""]]

    page.filter.setText("city")
    assert [f.column for f in page.visible_findings()] == ["city"]
    page.filter.clear()
    page.findings_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # severity: pass/warn before fail
    assert page.visible_findings()[-1].severity == "fail"

    with qtbot.waitSignal(page.finding_activated) as blocker:
        page.findings_view.clicked.emit(page.findings_proxy.index(0, 2))
    assert blocker.args[0] is page.visible_findings()[0]


def test_overview_without_findings_says_so(qtbot):
    page = OverviewPage()
    qtbot.addWidget(page)
    page.show()
    page.show_result(make_report(findings=()))
    assert page.verdict.text() == "PASS"
    assert page.findings_empty.isVisible() and not page.findings_view.isVisible()
    page.clear()
    assert page.empty.isVisible() and page.report is None


def test_overview_in_the_smallest_window_scrolls_rather_than_clipping_its_lines(qtbot, small_demo_report):
    """In a small window the header's wrapped lines (title, run line, counts) once got less height than they need
    and were cut off mid-line, and a long title was cut at the page's edge: now each line gets its full height and
    the page scrolls."""
    page = OverviewPage()
    qtbot.addWidget(page)
    page.show_result(small_demo_report)
    for height in (640, 440):  # the page's room in a 760 x 720 and a 760 x 520 window
        page.resize(544, height)
        page.show()
        qtbot.wait(50)
        for label in (page.title, page.subtitle, page.counts):
            assert label.height() >= label.heightForWidth(label.width()), (height, label.text())
            assert label.sizeHint().width() <= label.width() or label.wordWrap(), label.text()


def test_quality_page_shows_every_measure(qtbot):
    page = QualityPage()
    qtbot.addWidget(page)
    page.show()
    report = make_report()
    page.show_result(report)
    model = page.columns
    cell = {(model.record(r).name, model.headerData(c, Qt.Orientation.Horizontal)): model.index(r, c).data()
            for r in range(model.rowCount()) for c in range(model.columnCount())}
    assert cell[("age", "Missing\nprod")] == "25.0%"
    assert cell[("age", "Out of\nrange")] == "12.5%"
    assert cell[("age", "Infinite")] == "4"
    assert cell[("city", "Kind")] == "categorical → numerical"
    assert cell[("city", "Unseen\ncategories")] == "2" and cell[("city", "Unseen\nshare")] == "37.5%"
    assert cell[("city", "Status")] == "warn" and cell[("score", "Status")] == "fail"
    assert cell[("const", "Constant")] == "both"
    assert cell[("old", "Missing\nprod")] == "—"  # absent from production

    schema = page.schema_text.text()
    assert "old" in schema and "new_col" in schema and "city (categorical → numerical)" in schema
    assert "3 of 8 rows (37.5%)" in page.duplicates_text.text()

    names, ref, prod = page.plot.bar_values()
    assert names == ["score", "age", "city"]  # columns with missing values, the most affected first
    assert list(prod) == [100.0, 25.0, 0.0] and list(ref) == [0.0, 0.0, pytest.approx(10.0)]
    assert "3 of 5 columns have missing values" in page.plot.caption.text()

    # blanks sort last in both directions
    column = model.column_index("Out of\nrange")
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        page.table.sortByColumn(column, order)
        assert page.proxy.index(0, 0).data() == "age"
        assert page.proxy.index(page.proxy.rowCount() - 1, column).data() == "—"


def test_quality_page_when_the_analysis_did_not_run(qtbot):
    page = QualityPage()
    qtbot.addWidget(page)
    page.show()
    report = make_report(quality=False, analyses=(AnalysisStatus("quality", "skipped", "no production data"),))
    page.show_result(report)
    assert page.unavailable.isVisible() and "no production data" in page.unavailable.label.text()
    assert page.plot is None


def test_a_plot_without_missing_values_says_so(qtbot):
    from assay.app.plots.missing import MissingShareBars

    plot = MissingShareBars()
    qtbot.addWidget(plot)
    plot.show()
    plot.set_columns(["a", "b"], [0.0, 0.0], [0.0, None])
    assert plot.empty.isVisible() and not plot.plot.isVisible()
    assert plot.bar_values()[0] == []
    plot.set_columns(["a", "b"], [0.0, 0.5], [0.2, None])
    assert plot.plot.isVisible() and plot.bar_values()[0] == ["b", "a"]


def test_switching_theme_recolours_and_is_remembered(qtbot, window):
    app = QApplication.instance()
    try:
        window.set_theme("dark")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 128
        assert window.settings.theme == "dark"
        window.set_theme("light")
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 128
    finally:
        window.set_theme("system")
