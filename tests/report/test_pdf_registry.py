"""The PDF reads the analysis registry (engine/analyses/registry.py): an analysis added to the table, with no
report code of its own, gets its section in the registry's order, its row in the summary, its findings, its
"not run" notice and its place in the methodology. The toy analyses are added here, in the test only."""
from __future__ import annotations

import dataclasses

import pytest

from assay.engine.analyses import registry
from assay.engine.report.sections import common, sections
from assay.engine.results import AnalysisStatus, Finding
from tests.report import pdf_tools
from tests.report.conftest import build

TOY = "toy"  # ran, with a finding, and no result the report knows how to draw
BOX = "toybox"  # did not run


@pytest.fixture
def toy_registry(monkeypatch):
    """The registry with two toy analyses after drift; each a copy of a real spec, so fields added later carry."""
    base = registry.spec_of("drift")
    toy = dataclasses.replace(base, name=TOY, title="Toy analysis", section=TOY, report_weight=2)
    box = dataclasses.replace(base, name=BOX, title="Toy box", section=BOX, report_weight=1)
    at = registry.names().index("drift") + 1
    monkeypatch.setattr(registry, "ANALYSES", (*registry.ANALYSES[:at], toy, box, *registry.ANALYSES[at:]))
    return toy, box


@pytest.fixture
def toy_report(demo_report, toy_registry):
    finding = Finding(id=f"{TOY}.odd.income", analysis=TOY, severity="warn", title="The toy found income odd",
                      detail="a detail only the toy gives", column="income")
    return dataclasses.replace(
        demo_report, findings=(*demo_report.findings, finding),
        analyses=(*demo_report.analyses, AnalysisStatus(name=TOY, status="ran"),
                  AnalysisStatus(name=BOX, status="skipped", reason="toys need a box")))


def test_the_sections_follow_the_registry(toy_registry):
    keys = [section.key for section in sections()]
    assert keys == ["cover", "summary", "changes", "scope", *registry.names(), "methodology", "docmap", "signoff"]
    assert keys.index(TOY) == keys.index("drift") + 1
    weights = {section.key: section.weight for section in sections()}
    assert weights[TOY] == 2 and weights["drift"] == registry.spec_of("drift").report_weight
    assert common.titles()[TOY] == "Toy analysis" and common.section_key(TOY) == TOY


def test_an_analysis_named_for_a_report_module_is_refused(monkeypatch):
    clash = dataclasses.replace(registry.ANALYSES[0], name="summary")
    monkeypatch.setattr(registry, "ANALYSES", (*registry.ANALYSES, clash))
    with pytest.raises(ValueError, match="summary"):
        sections()


def test_a_new_analysis_appears_in_the_pdf_without_report_code(toy_report, tmp_path):
    path = build(toy_report, tmp_path / "toy.pdf")
    marks = pdf_tools.outline(path)
    top = [m.title for m in marks if m.level == 0]
    assert top[top.index("Drift") + 1:top.index("Fairness")] == ["Toy analysis", "Toy box"]
    pages = pdf_tools.pages_text(path)

    def section(title: str) -> str:
        first = next(m.page for m in marks if m.level == 0 and m.title == title)
        following = next(m.page for m in marks if m.level == 0 and m.page > first)
        return pdf_tools.flat(" ".join(pages[first - 1:following - 1]))

    toy = section("Toy analysis")
    assert "Findings (1)" in toy and "The toy found income odd" in toy and "a detail only the toy gives" in toy
    assert 'Toy analysis ran; the JSON report holds its full result under "toy".' in toy
    box = section("Toy box")
    assert "Not run. The toy-box analysis was not run: toys need a box." in box
    assert "Findings" not in box

    summary = section("Executive summary")
    assert "Toy analysis ran 0 1 0" in summary and "Toy box not run 0 0 0 toys need a box" in summary  # failed, warnings, waived
    assert "Toy analysis The toy found income odd" in summary  # the warning, under its section's title

    methodology = section("Methodology")
    drift = methodology.index("Drift • Production compared with the reference")
    toy_at = methodology.index("Toy analysis", drift)
    box_at = methodology.index("Toy box Not run: toys need a box.", toy_at)
    assert methodology.index("Fairness", box_at) > box_at
    assert "Toy box was not run: toys need a box." in methodology  # the run's limitations
