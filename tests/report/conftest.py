"""Report fixtures: the demo audit's report and PDF, a 500-column audit, a data-only audit, each built once.

Audits and PDFs are made with SOURCE_DATE_EPOCH set (inside the fixtures only: the variable is restored, so no
other test sees it), as a reproducible build would be.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.report.pdf_tools import require_poppler

EPOCH = "1767225600"  # 2026-01-01 00:00:00 UTC
WIDE_COLUMNS = 500
WIDE_ROWS = 1200
# multivariate drift on 500 columns takes most of a minute (engine/drift); the report's handling of many columns
# is what these tests are about, and the demo's report covers the multivariate section
WIDE_OVERRIDES = ["drift.multivariate=false"]


@contextmanager
def source_date_epoch(value: str = EPOCH):
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = value
    try:
        yield value
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def audit(path: Path, overrides: list[str] | tuple[str, ...] = ()):
    from assay.engine.config import AuditConfig
    from assay.engine.pipeline import run_audit

    with source_date_epoch():
        return run_audit(AuditConfig.from_toml(path).with_overrides(list(overrides)))


def build(report, path: Path, **settings) -> Path:
    """The report's PDF with its own [report] settings, some replaced by `settings`."""
    import dataclasses

    from assay.engine.report import build_pdf
    from assay.engine.report.pdf import report_settings

    config = dataclasses.replace(report_settings(report), **settings)
    with source_date_epoch():
        return build_pdf(report, path, config)


@pytest.fixture(scope="session", autouse=True)
def poppler():
    require_poppler()


@pytest.fixture(scope="session")
def demo_report(demo_audit: Path):
    return audit(demo_audit)


@pytest.fixture(scope="session")
def demo_pdf(demo_report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(demo_report, tmp_path_factory.mktemp("demo_pdf") / "demo-report.pdf")


@pytest.fixture(scope="session")
def wide_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from assay.engine.demo_wide import write_wide_demo

    return write_wide_demo(tmp_path_factory.mktemp("wide"), columns=WIDE_COLUMNS, rows=WIDE_ROWS)


@pytest.fixture(scope="session")
def wide_report(wide_audit: Path):
    return audit(wide_audit, WIDE_OVERRIDES)


@pytest.fixture(scope="session")
def wide_pdf(wide_report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(wide_report, tmp_path_factory.mktemp("wide_pdf") / "wide-report.pdf")


@pytest.fixture(scope="session")
def data_only_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight rows as CSV, no model, no predictions, no target: only quality and drift can run."""
    folder = tmp_path_factory.mktemp("data_only")
    rows = "age,income,city\n25,30.0,a\n32,42.5,b\n47,55.0,a\n51,,c\n38,61.0,b\n29,38.0,a\n60,70.0,c\n44,52.0,b\n"
    (folder / "reference.csv").write_text(rows, encoding="utf-8")
    (folder / "production.csv").write_text(rows.replace("32,42.5,b", "32,,d"), encoding="utf-8")
    path = folder / "audit.toml"
    path.write_text('[audit]\ntitle = "Data only"\n[data]\nreference = "reference.csv"\nproduction = "production.csv"\n',
                    encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def data_only_report(data_only_audit: Path):
    return audit(data_only_audit)
