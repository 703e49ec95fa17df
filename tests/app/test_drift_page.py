"""The Drift page on a real demo audit (built once for the module) and on hand-made results:
the table's order and filter, the plots of the selected column, the heat map, the multivariate tab,
an audit without drift, and 500 columns × 24 chunks shown well within a second."""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QToolTip

from assay.app.models.table import RECORD_ROLE
from assay.app.pages.drift import DriftPage
from assay.engine.drift.results import (DomainClassifierResult, DriftChunkResult, DriftResult, FeatureDrift,
                                  MultivariateResult, ReconstructionResult)


@pytest.fixture(scope="module")
def demo_report(demo_audit: Path):
    """The full demo audit (about 10 s; monthly chunks need its full size), run once for this module
    on the demo that conftest writes once per session."""
    from assay.engine import AuditConfig, run_audit

    return run_audit(AuditConfig.from_toml(demo_audit))


@pytest.fixture
def page(qtbot):
    page = DriftPage()
    qtbot.addWidget(page)
    page.resize(1230, 900)
    page.show()
    return page


def table_states(page: DriftPage) -> list[str]:
    column = page.columns.column_index("Drifted")
    return [page.proxy.index(r, column).data() for r in range(page.proxy.rowCount())]


def test_empty_state_asks_for_a_run(qtbot, page):
    assert page.empty.isVisible()
    with qtbot.waitSignal(page.run_requested):
        page.empty.button.click()


def test_demo_table_is_sorted_by_severity_and_filters(page, demo_report):
    page.show_result(demo_report)
    drift = demo_report.drift
    assert page.proxy.rowCount() == len(drift.features)
    states = table_states(page)
    drifted = sum(f.drifted for f in drift.features)
    assert states[:drifted] == ["drifted"] * drifted and "drifted" not in states[drifted:]
    effects = [page.columns.record(r).drift.effect_size for r in range(drifted)]
    assert effects == sorted(effects, reverse=True)
    assert page.visible_columns()[0] == "debt_to_income"  # the demo's largest planted drift
    roles = {page.proxy.index(r, 0).data(): page.proxy.index(r, 1).data() for r in range(page.proxy.rowCount())}
    assert roles["score"] == "score" and roles["default"] == "target" and roles["prediction"] == "prediction"
    assert "67%" in page.share_text.text() and "FAIL" in page.share_text.text()
    assert "warn at 10%, fail at 30%" in page.share_text.text()
    assert "Holm" in page.share_text.text() and "calendar months" in page.subtitle.text()

    page.filter.setText("categorical")
    assert set(page.visible_columns()) == {f.feature for f in drift.features if f.kind == "categorical"}
    page.filter.setText("loan_")
    assert page.visible_columns() == ["loan_amount", "loan_term_months"]
    assert page.select_column("income")  # hidden by the filter: the filter is cleared
    assert page.filter.text() == "" and page.selected_column() == "income"
    assert not page.select_column("no such column")


def test_selecting_a_numerical_column_updates_its_plots(page, demo_report):
    page.show_result(demo_report)
    f = demo_report.drift.feature("debt_to_income")
    assert page.select_column("debt_to_income")
    assert page.column_title.text() == "debt_to_income" and "drifted" in page.column_text.text()
    assert page.distribution.isVisibleTo(page) and not page.categories.isVisibleTo(page)
    x, y = page.distribution.production.getData()
    np.testing.assert_allclose(x, f.distribution.edges)
    np.testing.assert_allclose(y, f.distribution.production_density)
    x, y = page.ecdf.reference.getData()
    np.testing.assert_allclose(x, f.distribution.reference_quantiles)
    assert y[0] == 0 and y[-1] == 1
    low, high = page.ecdf.gap_ends()
    assert page.ecdf.gap.getData()[0].tolist() == [f.distribution.ks_location] * 2
    assert high - low == pytest.approx(f.statistic, abs=0.02)  # read off the drawn 101-point ECDFs
    assert "KS distance 0.273" in page.ecdf.gap_label.toPlainText()
    x, y = page.over_time.line.getData()
    np.testing.assert_allclose(y, f.chunk_effect_sizes)
    assert len(page.over_time.drifted.getData()[0]) == sum(bool(d) for d in f.chunk_drifted)
    assert page.over_time.band.getRegion() == pytest.approx(f.band)
    assert page.heat_map.selected.isVisible()


def test_selecting_a_categorical_column_marks_new_categories(page, demo_report):
    page.show_result(demo_report)
    f = demo_report.drift.feature("employment_type")
    page.select_column("employment_type")
    assert page.categories.isVisibleTo(page) and not page.ecdf.isVisibleTo(page)
    assert page.categories.categories == list(f.distribution.categories)
    assert page.categories.new_categories() == ["gig_worker"]
    reference, production, new = page.categories.bar_values()
    assert len(reference) == len(f.distribution.categories) and len(production) + len(new) == len(reference)
    assert new[0] == pytest.approx(f.distribution.production_share[-1] * 100) and reference[-1] == 0
    assert "new in production" in page.categories.legend.text()
    ticks = page.categories.item.getAxis("left")._tickLevels[0]
    assert ticks[-1][1] == "gig_worker  (new)"


def test_heat_map_is_columns_by_chunks_with_hover_text_and_click(qtbot, page, demo_report):
    page.show_result(demo_report)
    drift = demo_report.drift
    heat = page.heat_map
    assert heat.image.image.shape == (len(drift.features), len(drift.chunks))
    assert heat.names == page.visible_columns()
    assert heat.chunks == [c.label for c in drift.chunks]
    row = heat.names.index("employment_type")
    np.testing.assert_allclose(heat.image.image[row], drift.feature("employment_type").chunk_effect_sizes)
    text = heat.cell_text(row, 11)
    assert "employment_type" in text and "2025-12" in text and "drifted" in text
    assert heat.cell_at(0.2, row + 0.5) == (row, 0) and heat.cell_at(-1, 0) is None
    page.tabs.setCurrentIndex(1)
    qtbot.waitExposed(heat.plot)
    heat._on_mouse_moved(heat.item.getViewBox().mapViewToScene(QPointF(11.5, row + 0.5)))
    assert QToolTip.text() == text
    with qtbot.waitSignal(heat.column_clicked) as blocker:
        heat.column_clicked.emit("housing")
    assert blocker.args == ["housing"] and page.selected_column() == "housing"
    page.tabs.setCurrentIndex(1)
    heat.column_activated.emit("age")  # a double click opens the column on the Columns tab
    assert page.tabs.currentIndex() == 0 and page.selected_column() == "age"


def test_multivariate_tab_and_methods(page, demo_report):
    page.show_result(demo_report)
    mv = demo_report.drift.multivariate
    names, widths = page.importance.bar_values()
    assert names == [n for n, _ in mv.domain_classifier.top_features]
    np.testing.assert_allclose(widths, [v for _, v in mv.domain_classifier.top_features])
    x, y = page.reconstruction.line.getData()
    np.testing.assert_allclose(y, mv.reconstruction.chunk_errors)
    assert page.reconstruction.band.getRegion() == pytest.approx(mv.reconstruction.band)
    assert "ROC-AUC 0.767" in page.multivariate_text.text()
    assert not page.methods_box.isVisible()
    page.methods_button.click()
    assert page.methods_box.isVisible() and "holm" in page.methods_text.text()


def test_multivariate_that_did_not_run(page, demo_report):
    report = replace(demo_report, drift=replace(demo_report.drift, multivariate=None))
    page.show_result(report)
    page.tabs.setCurrentIndex(2)
    assert page.multivariate_empty.isVisible()
    assert not page.domain_card.isVisible() and not page.pca_card.isVisible()
    assert "did not run" in page.multivariate_text.text()


def test_findings_open_their_part(page, demo_report):
    page.show_result(demo_report)
    by_id = {f.id: f for f in demo_report.findings_for("drift")}
    page.tabs.setCurrentIndex(1)
    assert page.show_finding(by_id["drift.column.income"])
    assert page.tabs.currentIndex() == 0 and page.selected_column() == "income"
    assert page.show_finding(by_id["drift.multivariate.domain_classifier"]) and page.tabs.currentIndex() == 2
    assert not page.show_finding(by_id["drift.share"])


def test_report_without_drift_says_why(page, demo_report):
    from assay.engine.results import AnalysisStatus

    report = replace(demo_report, drift=None, analyses=(AnalysisStatus("drift", "skipped", "no production data"),))
    page.show_result(report)
    assert page.unavailable.isVisible() and "no production data" in page.unavailable.label.text()
    page.show_result(demo_report)  # and back
    assert page.proxy.rowCount() == len(demo_report.drift.features)
    page.clear()
    assert page.empty.isVisible()


# -- many columns ------------------------------------------------------------------------------


def synthetic_drift(columns: int = 500, chunks: int = 24) -> DriftResult:
    """A hand-made result: every 7th column drifted, every 50th untested, one chunk too small."""
    rng = np.random.default_rng(0)
    edges = tuple(np.linspace(0, 1, 31))
    density = tuple(np.full(30, 1.0))
    quantiles = tuple(np.linspace(0, 1, 101))
    from assay.engine.drift.results import Distribution

    numerical = Distribution("numerical", edges, density, density, quantiles, quantiles, ks_location=0.5)
    categorical = Distribution("categorical", categories=("a", "b", "c"), reference_share=(0.5, 0.5, 0.0),
                               production_share=(0.4, 0.4, 0.2), new_in_production=(False, False, True))
    features = []
    for i in range(columns):
        name = f"column_{i:03d}"
        if i % 50 == 49:
            features.append(FeatureDrift(name, "numerical", "feature", "", None, None, None, None, 0.05, False,
                                         tested=False, reason_not_tested="constant in the reference"))
            continue
        effects = tuple(None if j == 5 else float(v) for j, v in enumerate(rng.uniform(0, 0.2, chunks)))
        drifted = i % 7 == 0
        flags = tuple(None if e is None else drifted and e > 0.1 for e in effects)
        kind = "numerical" if i % 2 else "categorical"
        features.append(FeatureDrift(
            name, kind, "feature", "ks" if i % 2 else "chi2", float(rng.uniform(0, 1)), 0.001 if drifted else 0.4,
            0.002 if drifted else 0.8, float(rng.uniform(0.03, 0.3)) if drifted else float(rng.uniform(0, 0.03)),
            0.05, drifted, "automatic", chunk_effect_sizes=effects, chunk_drifted=flags, band=(0.0, 0.05),
            distribution=numerical if i % 2 else categorical))
    labels = [f"2024-{j + 1:02d}" if j < 12 else f"2025-{j - 11:02d}" for j in range(chunks)]
    chunk_results = tuple(DriftChunkResult(label, 5 if j == 5 else 1000, tested=j != 5) for j, label in
                          enumerate(labels))
    drifted_names = tuple(f.feature for f in features if f.drifted)
    mv = MultivariateResult(
        DomainClassifierResult(0.6, 0.01, 100, 1000, (("column_000", 0.05), ("column_007", 0.02)), True),
        ReconstructionResult(5, 0.7, 1.0, 1.1, (0.9, 1.05), tuple([1.0] * chunks), True))
    return DriftResult(tuple(features), len(drifted_names) / columns, drifted_names, "holm", 0.05, "both",
                       "calendar months", chunk_results, mv, methods=("one", "two"))


def test_five_hundred_columns_show_quickly_and_keep_their_reasons(qtbot, page, demo_report):
    page.show_result(demo_report)  # plots created, pyqtgraph imported: time the update itself
    report = replace(demo_report, drift=synthetic_drift())
    started = time.perf_counter()
    page.show_result(report)
    elapsed = time.perf_counter() - started
    qtbot.wait(10)  # the paint of the visible rows and plots
    assert elapsed < 0.5, f"show_result took {elapsed:.2f} s for 500 columns × 24 chunks"
    assert page.proxy.rowCount() == 500
    assert page.heat_map.image.image.shape == (500, 24)
    image = page.heat_map.image.image
    assert np.isnan(image[:, 5]).all() and np.isnan(image).all(axis=1).sum() == 10  # grey, not zero
    assert "not tested" in page.heat_map.legend.text()
    drifted = sum(f.drifted for f in report.drift.features)
    states = table_states(page)
    assert states[:drifted] == ["drifted"] * drifted and states[-10:] == ["not tested"] * 10
    untested = page.visible_columns()[-1]
    row = page.columns.row_of(untested)
    assert page.columns.index(row, page.columns.column_index("Detail")).data() == "constant in the reference"
    page.select_column(untested)
    assert "constant in the reference" in page.column_text.text()
    assert not page.over_time.isVisibleTo(page) and not page.distribution.isVisibleTo(page)
    page.select_column("column_013")  # far down the table and the heat map: both scroll to it
    low, high = page.heat_map.item.getViewBox().viewRange()[1]
    assert low <= page.heat_map.names.index("column_013") < high
    record = page.proxy.index(0, 0).data(RECORD_ROLE)
    assert record.drift.drifted

    # paging through the whole table: each page a full repaint, sparklines painted (no widget per row)
    bar = page.table.verticalScrollBar()
    pages = range(0, bar.maximum() + 1, max(bar.pageStep(), 1))
    started = time.perf_counter()
    for value in pages:
        bar.setValue(value)
        page.table.viewport().repaint()
    per_page = (time.perf_counter() - started) / len(pages)
    assert per_page < 0.05, f"{per_page * 1000:.0f} ms per page of the table"


def test_sparkline_tooltip_lists_chunks(page, demo_report):
    page.show_result(demo_report)
    column = page.columns.column_index("Over chunks")
    tip = page.proxy.index(0, column).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Effect size per production chunk:") and "2025-12" in tip and "drifted" in tip


def test_theme_change_recolours_plots(qtbot, page, demo_report):
    from PySide6.QtWidgets import QApplication

    from assay.app import theme

    page.show_result(demo_report)
    app = QApplication.instance()
    before = page.distribution.plot.backgroundBrush().color().name()
    try:
        theme.apply_theme(app, "dark")
        qtbot.wait(10)
        assert page.distribution.plot.backgroundBrush().color().name() != before
    finally:
        theme.apply_theme(app, "system")
