"""The proof that the analysis registry is the only place to edit: the toy analysis of tests/toy_analysis.py,
added to the registry for this test alone, runs in a real audit, has its key in the JSON, its section in the PDF
and its page in the app, with no code of its own anywhere but its AnalysisSpec (STYLE.md, "One table, many
readers")."""
from __future__ import annotations

import json

from toy_analysis import ToyResult

from assay.engine.config import AuditConfig
from assay.engine.pipeline import run_audit
from tests.conftest import write_audit
from tests.report import pdf_tools


def test_the_toy_flows_through_engine_json_pdf_and_app(toy, qtbot, tmp_path, small_tables, monkeypatch):
    config = AuditConfig.from_toml(write_audit(tmp_path, data={"reference": str(small_tables[0]),
                                                               "production": str(small_tables[1])},
                                               toy={"max_rows": 5}))
    report = run_audit(config)

    # engine and JSON
    assert report.result("toy") == ToyResult(rows_reference=8, rows_production=8)
    data = json.loads(report.to_json())
    assert data["toy"] == {"rows_reference": 8, "rows_production": 8}
    assert data["analyses"]["toy"] == {"status": "ran", "reason": ""}
    assert data["provenance"]["config"]["toy"] == {"max_rows": 5}
    assert [(f["id"], f["severity"]) for f in data["findings"] if f["analysis"] == "toy"] == [("toy.rows", "fail")]
    assert report.verdict == "fail"

    # the PDF: a section of its own (the generic one), its finding, its row in the summary
    pdf_tools.require_poppler()
    from assay.engine.report import build_pdf

    build_pdf(report, tmp_path / "report.pdf")
    text = pdf_tools.flat(pdf_tools.text(tmp_path / "report.pdf"))
    assert "Row count" in text and "8 production rows (at most 5 allowed)" in text

    # the app: a page in the list, with the toy's finding on it
    from assay.app import main_window
    from assay.app.pages.result_page import FindingsPage
    from assay.app.settings import AppSettings

    monkeypatch.setattr(main_window, "ask_save_changes", lambda parent, name: "discard")
    window = main_window.MainWindow(AppSettings())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window._ready, timeout=30_000)
    window._show_report(report)
    qtbot.waitUntil(lambda: not window.result_pages_pending(), timeout=30_000)
    assert "toy" in window.page_keys and window.page_title("toy") == "Row count"
    page = window.pages["toy"]
    assert type(page) is FindingsPage
    assert [f.id for f in page.visible_findings()] == ["toy.rows"]
