"""Many columns, unicode and very long names, and analyses that did not run: the report stays complete and
readable. 500 columns: every column in the tables, charts only for the top N (and the report says so); long names
wrap inside their cells; nothing runs off the page; a section whose analysis was skipped says why."""
from __future__ import annotations

import re

import pytest
from reportlab.platypus import Paragraph, Table

from assay.engine.demo_wide import LONG_NAMES, UNICODE_NAMES
from assay.engine.report import styles as S
from assay.engine.report.pdf import MARGIN, make_context, iter_story
from tests.report import pdf_tools
from tests.report.conftest import WIDE_COLUMNS, build


@pytest.fixture(scope="module")
def wide_text(wide_pdf) -> str:
    return pdf_tools.text(wide_pdf)


def test_every_column_is_in_the_tables(wide_report, wide_text):
    names = [c.name for c in wide_report.schema.columns]
    assert len(names) == WIDE_COLUMNS + 5  # the features, the timestamp, group, label, score, prediction
    packed = re.sub(r"\s+", "", wide_text)  # long names wrap at any character
    for name in names:
        shown = S.drawable(name)
        assert re.sub(r"\s+", "", shown) in packed, name
    drift = [f.feature for f in wide_report.drift.features]
    assert len(drift) >= WIDE_COLUMNS
    lines = wide_text.splitlines()
    for name in (n for n in drift if n.startswith("f") and len(n) == 4):  # f000 ... f4xx: a row each, three tables
        assert sum(line.strip() == name for line in lines) >= 3, name


def test_charts_only_for_the_top_columns_and_the_report_says_so(wide_report, wide_text):
    tested = sum(f.tested for f in wide_report.drift.features)
    flat = pdf_tools.flat(wide_text)
    assert (f"Charts for the 10 most drifted of {tested} tested columns ([report] top_columns = 10); the table above "
            "lists every column.") in flat
    captions = re.findall(r": (?:ks|chi2|z|psi), effect size [\d.]+, adjusted p", flat)
    assert len(captions) == 10
    assert f"The 40 most drifted of {tested} tested columns are drawn." in flat  # the heat map
    assert "the 10 most important of" not in flat  # no model, no importance chart


def test_top_columns_sets_the_number_of_charts(demo_report, tmp_path):
    path = build(demo_report, tmp_path / "three.pdf", top_columns=3)
    flat = pdf_tools.flat(pdf_tools.text(path))
    assert "Charts for the 3 most drifted of 18 tested columns ([report] top_columns = 3)" in flat
    assert len(re.findall(r": (?:ks|chi2|z), effect size [\d.]+, adjusted p", flat)) == 3


def test_unicode_and_long_names(wide_report, wide_text):
    packed = re.sub(r"\s+", "", wide_text)
    for name in UNICODE_NAMES + LONG_NAMES:
        assert re.sub(r"\s+", "", S.drawable(name)) in packed, name
    # what DejaVu can draw stays as written; what it cannot is written as code points, never as empty boxes
    assert "température_moyenne_°C" in wide_text and "Größe_der_Straße" in wide_text and "σ_volatilité" in wide_text
    assert "[U+53CE][U+5165]_[U+6708][U+984D]" in packed and "emoji_[U+1F4C8]_trend" in packed
    assert "收入" not in wide_text
    assert "written as their Unicode code points in brackets" in pdf_tools.flat(wide_text)


def test_no_word_runs_off_the_page(wide_pdf, demo_pdf):
    for path in (wide_pdf, demo_pdf):
        found, (width, height) = pdf_tools.words(path)
        assert found
        left, right = MARGIN - 1.0, width - MARGIN + 1.0
        outside = [w for w in found if w.x_min < left or w.x_max > right or w.y_min < 0 or w.y_max > height]
        assert not outside, outside[:5]


def paragraphs(table: Table) -> list[Paragraph]:
    """The Paragraphs in the table's cells (after wrap() a cell is a tuple of flowables)."""
    found = []
    for row in table._cellvalues:
        for cell in row:
            found += [item for item in (cell if isinstance(cell, (list, tuple)) else [cell])
                      if isinstance(item, Paragraph)]
    return found


def too_wide(paragraph: Paragraph) -> bool:
    """Whether a laid-out line is wider than the cell: reportlab records negative extra space for it."""
    return any((line[0] if isinstance(line, tuple) else line.extraSpace) < -0.5 for line in paragraph.blPara.lines)


def test_long_names_wrap_inside_their_cells(wide_report):
    context = make_context(wide_report)
    steps = iter_story(context)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            story = stop.value
            break
    tables = [f for f in story if isinstance(f, Table)]
    assert len(tables) > 20
    long_cells = []
    for table in tables:
        width, _ = table.wrap(context.width, 10_000)
        assert sum(table._colWidths) <= context.width + 0.01 and width <= context.width + 0.01
        cells = paragraphs(table)
        assert cells and all(hasattr(c, "blPara") for c in cells)  # every cell was laid out at its width
        assert not [c.text for c in cells if too_wide(c)]
        long_cells += [c for c in cells if c.text == LONG_NAMES[0]]
    assert len(long_cells) >= 3  # scope, quality and drift tables
    assert all(len(c.blPara.lines) >= 2 for c in long_cells)  # wrapped, not cut


def test_skipped_analyses_say_so_and_why(data_only_report, tmp_path, wide_pdf):
    statuses = {a.name: a for a in data_only_report.analyses}
    assert {n for n, a in statuses.items() if a.status == "skipped"} >= {"performance", "fairness", "explanations"}
    path = build(data_only_report, tmp_path / "data-only.pdf")
    flat = pdf_tools.flat(pdf_tools.text(path))
    for name, title in (("performance", "performance"), ("fairness", "fairness"), ("explanations", "explanations")):
        reason = statuses[name].reason
        assert reason
        assert f"Not run. The {title} analysis was not run: {reason}" in flat
    marks = [m.title for m in pdf_tools.outline(path) if m.level == 0]
    assert {"Performance", "Fairness", "Explanations"} <= set(marks)  # the sections are there, not left out
    wide = pdf_tools.flat(pdf_tools.text(wide_pdf))
    assert "Not run. The explanations analysis was not run: explanations need a model" in wide


HEADERS = (r"Column\s+Role\s+Kind\s+Method\s+Statistic", r"Column\s+Kind\s+Role\s+Missing", r"^\s*Key\s+Value\s*$",
           r"Section\s+Warning: finding\s+Page", r"Column\s+Kind\s+Role\s+In\s")


def test_a_table_header_never_appears_twice_on_a_page(wide_pdf, demo_pdf):
    for path in (wide_pdf, demo_pdf):
        for number, page in enumerate(pdf_tools.pages_text(path), start=1):
            for header in HEADERS:
                assert len(re.findall(header, page, re.M)) <= 1, (path.name, number, header)


def test_long_lists_are_cut_to_fit_a_cell(data_only_report):
    from assay.engine.report.blocks import Column
    from assay.engine.report.sections.common import listed

    assert listed([]) == "—"
    assert listed(["a", "b"]) == "a, b"
    assert listed([f"c{i}" for i in range(20)], 3, "see the table") == "c0, c1, c2 and 17 more (see the table)"
    names = [f"{LONG_NAMES[0]}_{i}" for i in range(3000)]
    text = listed(names, 150, "the drift table gives each column's method")
    assert len(text) < 3200 and text.endswith("more (the drift table gives each column's method)")
    context = make_context(data_only_report)
    table = context.blocks.table([Column("Method and why", 0.45), Column("Columns", 0.55)], [["ks", text]])
    _, height = table.wrap(context.width, 10_000)
    frame = context.page_size[1] - 2 * MARGIN - 6 * 2.8346  # the body frame (top and bottom margins are larger)
    assert height < frame  # a row taller than a page would stop the layout


def test_a_table_under_its_heading_starts_on_the_same_page_with_one_header_per_page(tmp_path):
    """Whatever room the page has left, a heading keeps its table: the table starts below it when a header and two
    rows fit (else both move on), and runs on with its header once at the top of each further page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import BaseDocTemplate, CondPageBreak, Frame, PageTemplate, Spacer

    from assay.engine.report.blocks import Blocks, Column, Heading, KeepWithTable

    blocks = Blocks(S.Styles(), A4[0] - 2 * MARGIN)
    for offset in range(380, 700, 9):  # how far down the first page the heading falls
        path = tmp_path / f"offset-{offset}.pdf"
        doc = BaseDocTemplate(str(path), pagesize=A4, keepTogetherClass=KeepWithTable, invariant=1)
        doc.addPageTemplates([PageTemplate(frames=[Frame(MARGIN, MARGIN, A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN)])])
        table = blocks.table([Column("Alpha header", 0.5), Column("Beta header", 0.5)],
                             [[f"row {i}", f"value {i}"] for i in range(90)])
        heading = Heading("The heading", blocks.styles.h2, 0, "heading")  # as Blocks.h2 makes it, at the top level
        doc.build([Spacer(1, offset), CondPageBreak(90), heading, table])
        pages = pdf_tools.pages_text(path)
        headers = [len(re.findall(r"Alpha header\s+Beta header", page)) for page in pages]
        assert all(n == 1 for n in headers[1:]) and headers[0] <= 1, (offset, headers)
        first = pdf_tools.flat(pages[0])
        assert ("The heading" in first) == (headers[0] == 1), offset  # the heading is never left alone
        rows = re.findall(r"row (\d+)", " ".join(pages))
        assert rows == [str(i) for i in range(90)], offset  # every row once, in order
