"""Reproducible: the same inputs, configuration and seed, with SOURCE_DATE_EPOCH set, give a byte-identical PDF."""
from __future__ import annotations

import hashlib
import re

from tests.report import pdf_tools
from tests.report.conftest import EPOCH, audit, build, source_date_epoch


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_builds_of_the_same_report_are_byte_identical(demo_report, demo_pdf, tmp_path):
    again = build(demo_report, tmp_path / "again.pdf")
    assert again.read_bytes() == demo_pdf.read_bytes()


def test_two_separate_audits_of_the_demo_give_byte_identical_pdfs(demo_audit, demo_report, demo_pdf, tmp_path):
    second = audit(demo_audit)  # a new run: new timings, new objects, the same inputs, configuration and seed
    assert second is not demo_report
    assert second.provenance.started_at == demo_report.provenance.started_at  # SOURCE_DATE_EPOCH fixed it
    path = build(second, tmp_path / "second.pdf")
    assert digest(path) == digest(demo_pdf)


def test_the_date_comes_from_source_date_epoch(data_only_report, tmp_path):
    first = build(data_only_report, tmp_path / "first.pdf")
    with source_date_epoch(str(int(EPOCH) + 86400)):  # a day later
        from assay.engine.report import build_pdf

        later = build_pdf(data_only_report, tmp_path / "later.pdf")
    assert pdf_tools.info(first)["creationdate"].startswith("2026-01-01")
    assert pdf_tools.info(later)["creationdate"].startswith("2026-01-02")
    assert first.read_bytes() != later.read_bytes()


def test_the_run_time_is_left_out_of_a_reproducible_build(demo_pdf, demo_report):
    text = pdf_tools.flat(pdf_tools.text(demo_pdf))
    assert "Duration not shown: SOURCE_DATE_EPOCH is set" in text
    # The "Duration" row itself, not the number anywhere: other figures in a 30-page report may read "6.0 s".
    assert not re.search(r"Duration [\d,]+\.\d s", text)


def test_without_source_date_epoch_the_duration_row_shows_the_run_time(monkeypatch):
    from assay.engine.report.sections.scope import duration

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert duration(6.04) == "6.0 s"
    assert duration(1234.5) == "1,234.5 s"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert duration(6.04).startswith("not shown")
