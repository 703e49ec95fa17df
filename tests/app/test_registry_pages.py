"""The app reads the analysis registry: a toy analysis added to it (for this test only) gets a page, a title, a
shortcut, its status and its findings, with no app code written for it."""
from __future__ import annotations

import dataclasses

import pytest

from assay.engine.analyses import registry
from assay.engine.analyses.registry import AnalysisSpec
from assay.engine.results import AnalysisStatus, Finding

TOY = AnalysisSpec(name="toy", title="Toy check", section="toy", weight=0.01, report_weight=1)
FOUND = (Finding(id="toy.wobble", analysis="toy", severity="warn", title="The toy wobbles", detail="a bit"),
         Finding(id="toy.colour", analysis="toy", severity="fail", title="The toy is the wrong colour"))


@pytest.fixture
def toy_window(qtbot, monkeypatch: pytest.MonkeyPatch):
    """The main window, built after the toy joined the registry (before the report, after the others)."""
    from assay.app import main_window
    from assay.app.settings import AppSettings

    monkeypatch.setattr(registry, "ANALYSES", (*registry.ANALYSES, TOY))
    monkeypatch.setattr(main_window, "ask_save_changes", lambda parent, name: "discard")
    win = main_window.MainWindow(AppSettings())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win._ready, timeout=30_000)  # the Setup page's imports are done (see main_window.py)
    return win


def with_toy(report, status: AnalysisStatus, findings: tuple[Finding, ...] = ()):
    """The demo report, as if the toy had been part of its audit."""
    return dataclasses.replace(report, analyses=(*report.analyses, status), findings=(*report.findings, *findings))


def show(qtbot, window, report) -> None:
    window._show_report(report)
    qtbot.waitUntil(lambda: not window.result_pages_pending(), timeout=30_000)


def test_the_toy_gets_a_page_with_its_title_and_shortcut(toy_window):
    from assay.app.pages.result_page import FindingsPage

    keys = toy_window.page_keys
    assert keys == ("setup", "overview", "quality", "performance", "estimation", "drift", "fairness", "explanations",
                    "comparison", "toy", "report", "history")
    titles = [toy_window.page_list.item(i).text() for i in range(toy_window.page_list.count())]
    assert titles[keys.index("toy")] == "Toy check"
    assert type(toy_window.pages["toy"]) is FindingsPage  # no page module: the generic page
    action = toy_window.page_actions[keys.index("toy")]
    number = keys.index("toy") + 1
    assert action.text() == "Toy check" and action.shortcut().toString() == (f"Ctrl+{number}" if number <= 9 else "")
    action.trigger()
    assert toy_window.current_page() == "toy"
    # every page, the tenth and later too, is a Ctrl+PgDown / Ctrl+PgUp away from its neighbours
    assert toy_window.next_page_action.shortcut().toString() == "Ctrl+PgDown"
    toy_window.go_to(keys[keys.index("toy") - 1])
    toy_window.next_page_action.trigger()
    assert toy_window.current_page() == "toy"
    toy_window.previous_page_action.trigger()
    assert toy_window.current_page() == keys[keys.index("toy") - 1]
    toy_window.go_to(keys[0])
    toy_window.previous_page_action.trigger()
    assert toy_window.current_page() == keys[-1]  # wraps round
    toy_window.go_to("toy")
    page = toy_window.pages["toy"]
    assert page.empty.isVisible() and page.empty.label.text() == "Toy check appears here after the audit has run."


def test_the_generic_page_says_why_the_toy_did_not_run(qtbot, toy_window, small_demo_report):
    report = with_toy(small_demo_report, AnalysisStatus(name="toy", status="skipped", reason="there are no toys"))
    show(qtbot, toy_window, report)
    toy_window.go_to("toy")
    page = toy_window.pages["toy"]
    assert page.unavailable.isVisible()
    assert page.unavailable.label.text() == "Toy check did not run: there are no toys."
    # the Overview and the Report page name it by its title
    overview = toy_window.overview_page
    rows = [[overview.analyses.index(r, c).data() for c in range(3)] for r in range(overview.analyses.rowCount())]
    assert ["Toy check", "skipped", "there are no toys"] in rows
    sections = toy_window.report_page.sections
    row = next(r for r in range(sections.rowCount()) if sections.item(r, 0).text() == "Toy check")
    assert sections.item(row, 1).text() == "not run: there are no toys (the section says so)"
    assert sections.item(row + 1, 0).text() == "Methodology"  # the toy's section after the other analyses


def test_the_generic_page_shows_the_toys_findings_and_a_finding_opens_it(qtbot, toy_window, small_demo_report):
    report = with_toy(small_demo_report, AnalysisStatus(name="toy", status="ran"), FOUND)
    show(qtbot, toy_window, report)
    page = toy_window.pages["toy"]
    assert page.visible_findings() == list(FOUND)
    assert page.subtitle.text() == "Ran · 2 findings (1 failed, 1 warning)"
    toy_window.go_to("overview")
    assert "Toy check" in {toy_window.overview_page.findings_proxy.index(r, 1).data()
                           for r in range(toy_window.overview_page.findings_proxy.rowCount())}

    toy_window._on_finding_activated(FOUND[1])  # what clicking it on the Overview does
    assert toy_window.current_page() == "toy"
    assert page.findings_view.isVisible()
    selected = page.findings_view.selectionModel().selectedRows()
    assert [page.findings_proxy.index(index.row(), 2).data() for index in selected] == ["The toy is the wrong colour"]
