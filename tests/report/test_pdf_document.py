"""Document quality: bookmarks per section, a table of contents whose page numbers are right, "page N of M" and
the report id on every page, metadata, embedded fonts, A4 and US Letter, tables that repeat their header."""
from __future__ import annotations

import re

import pytest

from assay.engine.report import report_id
from assay.engine.report.sections import common
from tests.report import pdf_tools
from tests.report.conftest import build

SECTIONS = ["Contents", "Executive summary", "Scope and provenance", "Data quality", "Performance",
            "Estimated performance", "Drift", "Fairness", "Explanations", "Champion and challengers", "Methodology",
            "Documentation map", "Sign-off"]
A4 = (595.276, 841.89)
LETTER = (612.0, 792.0)


@pytest.fixture(scope="module")
def letter_pdf(demo_report, tmp_path_factory):
    return build(demo_report, tmp_path_factory.mktemp("letter") / "letter.pdf", page_size="letter")


def toc_entries(path) -> list[tuple[str, int]]:
    """(title, page) of every line of the table of contents (page 2)."""
    entries = []
    for line in pdf_tools.text(path, 2, 2, layout=True).splitlines():
        match = re.match(r"^\s*(\S.*?)\s{2,}(\d+)\s*$", line)
        if match:
            entries.append((match.group(1), int(match.group(2))))
    return entries


def check_contents(path) -> None:
    pages = pdf_tools.pages_text(path)
    marks = [m for m in pdf_tools.outline(path) if m.level <= 1 and m.title != "Contents"]
    entries = toc_entries(path)
    assert len(entries) == len(marks) > 30
    for (title, page), mark in zip(entries, marks):
        assert title == mark.title and page == mark.page, (title, page, mark)
        assert title in pdf_tools.flat(pages[page - 1]), (title, page)
        if mark.level == 0:
            heading = next(line for line in pages[page - 1].splitlines()[1:] if line.strip())  # below the header  # a section starts its page: its title is the first line under the page header
            assert pdf_tools.flat(heading) == title


@pytest.mark.parametrize("which", ["a4", "letter"])
def test_contents_page_numbers_match_the_bookmarks_and_the_pages(which, demo_pdf, letter_pdf):
    check_contents(demo_pdf if which == "a4" else letter_pdf)


def test_a_bookmark_for_every_section_and_its_sub_sections(demo_pdf):
    marks = pdf_tools.outline(demo_pdf)
    top = [m.title for m in marks if m.level == 0]
    assert top == SECTIONS
    assert set(common.titles().values()) - {"Predictions", "Methodology", "Sign-off"} <= set(top)
    pages = [m.page for m in marks]
    assert pages == sorted(pages) and pages[0] == 2 and all(p >= 1 for p in pages)
    start = next(i for i, m in enumerate(marks) if m.level == 0 and m.title == "Drift")
    drift = [m.title for m in marks[start + 1:start + 5]]
    assert drift == ["Every column", "Most drifted columns", "Columns × chunks", "Multivariate checks"]


@pytest.mark.parametrize("which", ["a4", "letter"])
def test_page_n_of_m_and_the_report_id_on_every_page(which, demo_pdf, letter_pdf, demo_report):
    path = demo_pdf if which == "a4" else letter_pdf
    total = pdf_tools.info(path)["pages"]
    identity = report_id(demo_report)[:16]
    pages = pdf_tools.pages_text(path)
    assert len(pages) == total > 20
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {total}" in page
        assert f"Report id {identity}" in page


def test_page_sizes(demo_pdf, letter_pdf):
    assert pdf_tools.page_size(demo_pdf) == pytest.approx(A4, abs=0.01)
    assert pdf_tools.page_size(letter_pdf) == pytest.approx(LETTER, abs=0.01)


def test_metadata(demo_pdf, demo_report):
    info = pdf_tools.info(demo_pdf)
    assert info["title"] == demo_report.title == "Demo credit-lending model audit"
    assert info["author"] == "Demo Analyst"  # [audit] auditor, as [report] prepared_by is empty
    assert info["subject"].startswith("Model audit report: Pipeline(") and info["subject"].endswith("verdict FAIL")
    keywords = info["keywords"]
    for word in ("model audit", "Assay", "drift", "fairness", "explanations", "verdict fail",
                 f"report id {report_id(demo_report)}"):
        assert word in keywords
    assert info["creator"].startswith("Assay ")


def test_prepared_by_is_the_author_and_is_signed_for(data_only_report, tmp_path):
    path = build(data_only_report, tmp_path / "signed.pdf", prepared_by="R. Reviewer-Prepared",
                 reviewed_by="Q. Checker")
    assert pdf_tools.info(path)["author"] == "R. Reviewer-Prepared"
    last = pdf_tools.flat(pdf_tools.pages_text(path)[-1])
    assert "Sign-off" in last and "Prepared by R. Reviewer-Prepared" in last and "Reviewed by Q. Checker" in last


def test_every_font_is_embedded_dejavu(demo_pdf, wide_pdf):
    for path in (demo_pdf, wide_pdf):
        fonts = pdf_tools.fonts(path)
        assert fonts
        for font in fonts:
            assert font.embedded and font.subset, font
            assert "DejaVu" in font.name, font  # no base-14 font that would depend on the reader's machine


def test_the_text_is_real_text(demo_pdf):
    text = pdf_tools.text(demo_pdf)
    # chart labels are text too (recorded as text, not outlines): the drift charts' titles and axis labels
    for words in ("cumulative share (ECDF)", "effect size per chunk", "selection rate by group", "ROC curve",
                  "SHAP value (log-odds)"):
        assert words in text


def test_a_table_that_runs_onto_more_pages_repeats_its_header(wide_pdf):
    marks = pdf_tools.outline(wide_pdf)
    titles = [m.title for m in marks]
    drift = titles.index("Drift")
    start = marks[titles.index("Every column", drift)].page
    end = marks[titles.index("Most drifted columns", drift)].page
    assert end - start >= 5  # 500 columns: the table runs over many pages
    pages = pdf_tools.pages_text(wide_pdf)
    for number in range(start + 1, end):  # pages the table runs onto
        body = [line for line in pages[number - 1].splitlines() if line.strip()][1:4]
        assert any(re.search(r"Column\s+Role\s+Kind\s+Method\s+Statistic", line) for line in body), number
