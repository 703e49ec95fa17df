"""Tamper evidence in the PDF: it prints the JSON's integrity.results_sha256 (the report id), computed from the
same AuditReport by the same function, and its document hash when the build is not a reproducible one."""
from __future__ import annotations

import json
import os

from assay.engine.report import build_pdf
from tests.report import pdf_tools


def test_the_pdf_prints_the_jsons_results_sha256(demo_report, demo_pdf, tmp_path):
    path = tmp_path / "report.json"
    demo_report.write_json(path)
    integrity = json.loads(path.read_text(encoding="utf-8"))["integrity"]
    text = pdf_tools.flat(pdf_tools.text(demo_pdf))
    assert f"Report id {integrity['results_sha256']}" in text  # cover and scope, all 64 digits
    assert "integrity.results_sha256" in text and "assay verify REPORT.json" in text
    # the document hash covers the run time, which a reproducible build (SOURCE_DATE_EPOCH) leaves out
    assert integrity["document_sha256"] not in text
    assert "Document hash not shown: SOURCE_DATE_EPOCH is set" in text


def test_without_source_date_epoch_the_document_hash_is_printed(data_only_report, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert "SOURCE_DATE_EPOCH" not in os.environ
    pdf = build_pdf(data_only_report, tmp_path / "report.pdf")
    integrity = data_only_report.to_dict()["integrity"]
    text = pdf_tools.flat(pdf_tools.text(pdf))
    assert f"Document hash {integrity['document_sha256']}" in text
    assert f"Report id {integrity['results_sha256']}" in text


def test_the_report_id_is_the_jsons_results_sha256_and_is_kept_on_the_frozen_report(data_only_report):
    import dataclasses

    from assay.engine.integrity import results_sha256
    from assay.engine.report import report_id

    report = dataclasses.replace(data_only_report)  # a fresh object, with no id kept yet
    data = report.to_dict()
    assert report_id(report) == data["integrity"]["results_sha256"] == results_sha256(data) == report_id(data)
    assert report.__dict__["_report_id"] == report_id(report)  # kept: the app computes it off the GUI thread
    changed = dataclasses.replace(report, title="Another title")  # a new report: its own id
    assert report_id(changed) != report_id(report)
    assert report_id(changed) == changed.to_dict()["integrity"]["results_sha256"]


def test_the_report_id_and_the_output_path_check_load_no_pdf_machinery():
    """The app's GUI thread asks for both; reportlab and matplotlib take half a second to import."""
    import subprocess
    import sys

    code = ("import sys\nfrom assay.engine.report import check_output_path, report_id\n"
            "print(','.join(m for m in ('reportlab', 'matplotlib', 'assay.engine.report.pdf') if m in sys.modules))\n"
            "from assay.engine.report import build_pdf\nprint('reportlab' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["", "True"]
