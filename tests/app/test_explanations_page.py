"""The Explanations page on real audits: the demo (a tree model, run once for the module) and the census
data in predictions-only mode (no model: explanations are skipped). Plot data are read from the items,
not from pixels."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assay.app.models import explanations as X
from assay.app.pages.explanation_rows import TOP_STEPS
from assay.app.pages.explanations import TABS, TOP_SWARM, ExplanationsPage

EMPLOYMENT = Path(__file__).resolve().parents[3] / "shared" / "data" / "employment_ma"


@pytest.fixture(scope="module")
def demo_report(demo_audit: Path):
    """The full demo audit (a tree model, 1,000 explained rows per dataset), run once for this module; the
    multivariate drift checks play no part in explanations."""
    from assay.engine import AuditConfig, run_audit

    return run_audit(AuditConfig.from_toml(demo_audit).with_overrides(["drift.multivariate=false"]))


@pytest.fixture(scope="module")
def predictions_only_report(tmp_path_factory: pytest.TempPathFactory):
    """Census data with prediction columns and no model (every 20th row: a run of about a second)."""
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    import tomli_w

    from assay.engine import AuditConfig, run_audit

    folder = tmp_path_factory.mktemp("explain_predictions_only")
    for name in ("reference", "production"):
        pd.read_parquet(EMPLOYMENT / f"{name}.parquet").iloc[::20].to_parquet(folder / f"{name}.parquet")
    path = folder / "audit.toml"
    path.write_text(tomli_w.dumps({
        "data": {"reference": str(folder / "reference.parquet"), "production": str(folder / "production.parquet")},
        "columns": {"target": "employed", "prediction": "prediction", "probabilities": ["predicted_probability"]},
        "drift": {"multivariate": False}}), encoding="utf-8")
    return run_audit(AuditConfig.from_toml(path))


@pytest.fixture
def page(qtbot):
    page = ExplanationsPage()
    qtbot.addWidget(page)
    page.resize(1240, 860)
    page.show()
    return page


def ticks(plot) -> list[str]:
    return [label for _, label in plot.item.getAxis("left")._tickLevels[0]]


def test_empty_state_asks_for_a_run(qtbot, page):
    assert page.empty.isVisible()
    with qtbot.waitSignal(page.run_requested):
        page.empty.button.click()


def test_importance_bars_match_the_global_importance(page, demo_report):
    e = demo_report.explanations
    page.show_result(demo_report)
    names = list(e.global_importance["production"])
    for dataset in ("reference", "production"):
        drawn_names, widths = page.importance.bar_values(dataset)
        assert drawn_names == names
        assert widths == pytest.approx([e.global_importance[dataset][n] for n in names])
    assert ticks(page.importance)[0] == names[0]
    drawn_names, widths = page.permutation.bar_values("permutation")  # the cross-check, in the same order
    assert drawn_names == names
    assert widths == pytest.approx([e.permutation_importance[n] for n in names])
    assert f"{e.agreement:.2f}" in page.check_text.text()
    assert e.method_reason in page.explainer_text.text() and e.output_scale in page.explainer_text.text()
    assert f"{e.background_rows:,} background rows" in page.explainer_text.text()


def test_beeswarm_has_a_point_per_row_and_column(page, demo_report):
    rows = demo_report.explanations.production_rows
    page.show_result(demo_report)
    swarm = page.beeswarm
    assert not swarm.is_empty()
    columns = min(TOP_SWARM, len(rows.columns))
    assert swarm.point_count() == len(rows.row_index) * columns
    assert swarm.names == list(demo_report.explanations.global_importance["production"])[:columns]
    x, y = swarm.points.getData()
    first = swarm.names[0]  # the points of the top row are that column's SHAP values, around y = 0
    assert np.sort(x[: len(rows.row_index)]) == pytest.approx(np.sort(X.shap_column(rows, first)))
    assert np.abs(y[: len(rows.row_index)]).max() < 0.5
    assert "low" in swarm.legend.text() and "high" in swarm.legend.text()


def test_selecting_a_row_draws_its_waterfall_from_the_base_value_to_the_output(page, demo_report):
    rows = demo_report.explanations.production_rows
    page.show_result(demo_report)
    page.tabs.setCurrentIndex(TABS.index("rows"))
    assert page.select_row(7)
    assert page.selected_position() == 7
    steps = page.rows_panel.waterfall.steps()
    assert steps[0][1] == pytest.approx(rows.base_value)
    assert steps[-1][2] == pytest.approx(rows.output[7], abs=1e-6)
    for (_, _, end), (_, start, _) in zip(steps, steps[1:]):  # each step starts where the previous ended
        assert start == pytest.approx(end)
    assert len(steps) == min(TOP_STEPS + 1, len(rows.columns))
    assert steps[-1][0] == f"other {len(rows.columns) - TOP_STEPS} columns"
    sizes = [abs(e - s) for _, s, e in steps[:-1]]
    assert sizes == sorted(sizes, reverse=True)  # largest contribution first
    assert page.rows_panel.waterfall.base == pytest.approx(rows.base_value)
    assert page.rows_panel.waterfall.output == pytest.approx(rows.output[7])
    assert f"row {rows.row_index[7]:,}" in page.rows_panel.title.text()


def test_quick_picks_select_the_highest_lowest_and_misclassified_rows(page, demo_report):
    rows = demo_report.explanations.production_rows
    page.show_result(demo_report)
    page.rows_panel.highest_button.click()
    assert page.selected_position() == int(np.argmax(rows.output))
    assert page.tabs.currentIndex() == TABS.index("rows")
    page.rows_panel.lowest_button.click()
    assert page.selected_position() == int(np.argmin(rows.output))
    assert page.rows_panel.waterfall.output == pytest.approx(min(rows.output))
    wrong = [i for i in range(len(rows.row_index)) if str(rows.labels[i]) != str(rows.predictions[i])]
    assert wrong and page.rows_panel.misclassified_button.isEnabled()
    assert f"({len(wrong)})" in page.rows_panel.misclassified_button.text()
    page.rows_panel.misclassified_button.click()
    first = page.selected_position()
    page.rows_panel.misclassified_button.click()
    second = page.selected_position()
    assert first in wrong and second in wrong and first != second  # it cycles
    assert "misclassified" in page.rows_panel.title.text()


def test_quick_pick_finds_a_row_hidden_by_the_filter(page, demo_report):
    page.show_result(demo_report)
    page.rows_panel.filter.setText("no such text")
    assert page.rows_panel.proxy.rowCount() == 0
    page.rows_panel.highest_button.click()
    assert page.rows_panel.filter.text() == ""
    assert page.selected_position() == int(np.argmax(demo_report.explanations.production_rows.output))


def test_dependence_plot_follows_the_chosen_columns(page, demo_report):
    rows = demo_report.explanations.production_rows
    page.show_result(demo_report)
    ranked = list(demo_report.explanations.global_importance["production"])
    assert page.column_box.currentText() == ranked[0]
    assert page.colour_box.currentText() == ranked[1]  # the most important other column
    assert page.select_column("income")
    assert page.tabs.currentIndex() == TABS.index("dependence")
    assert page.dependence.column == "income"
    x, y = page.dependence.points.getData()
    income = np.array([np.nan if v is None else float(v) for v in X.feature_column(rows, "income")])
    shap = X.shap_column(rows, "income")
    keep = np.isfinite(income)
    assert x == pytest.approx(income[keep]) and y == pytest.approx(shap[keep])
    assert ("missing" in page.dependence.caption.text()) == (not keep.all())
    page.column_box.setCurrentText("employment_type")  # categorical: names on the axis, points near them
    x, _ = page.dependence.points.getData()
    labels = [label for _, label in page.dependence.item.getAxis("bottom")._tickLevels[0]]
    assert set(labels) == {str(v) for v in X.feature_column(rows, "employment_type")}
    assert len(x) == len(rows.row_index) and x.min() > -0.5 and x.max() < len(labels) - 0.5
    page.colour_box.setCurrentText("sex")
    assert page.dependence.colour_by == "sex" and "female" in page.dependence.legend.text()
    assert not page.select_column("no such column")


def test_the_reference_rows_can_be_shown(page, demo_report):
    rows = demo_report.explanations.reference_rows
    page.show_result(demo_report)
    assert page.set_dataset("reference")
    assert page.rows_panel.rows.rowCount() == len(rows.row_index)
    assert page.beeswarm.point_count() == len(rows.row_index) * min(TOP_SWARM, len(rows.columns))
    page.rows_panel.highest_button.click()
    assert page.rows_panel.waterfall.output == pytest.approx(max(rows.output))
    assert "Reference row" in page.rows_panel.title.text()


def test_attribution_drift_table_in_production_rank_order(page, demo_report):
    e = demo_report.explanations
    page.show_result(demo_report)
    shown = [page.drift_proxy.index(r, 0).data() for r in range(page.drift_proxy.rowCount())]
    assert shown == [d.feature for d in sorted(e.attribution_drift, key=lambda d: d.rank_production)]
    first = min(e.attribution_drift, key=lambda d: d.rank_production)
    assert page.drift_proxy.index(0, 6).data() == f"{first.rank_reference} → {first.rank_production}"
    drifted = [d.feature for d in e.attribution_drift if X.drifted(d)]
    finding = next(f for f in demo_report.findings if f.id == "explanations.attribution_drift")
    assert f"for {len(drifted)} column" in finding.title and all(name in finding.title for name in drifted[:6])
    assert f"({len(drifted)} drifted)" in page.tabs.tabText(TABS.index("drift"))
    assert page.show_finding(finding) and page.tabs.currentIndex() == TABS.index("drift")


def test_showing_again_keeps_the_choices(page, demo_report):
    """The window shows the report again when the theme changes: the user's place must survive."""
    page.show_result(demo_report)
    page.select_column("age")
    page.colour_box.setCurrentText("income")
    page.select_row(42)
    page.tabs.setCurrentIndex(TABS.index("rows"))
    page.show_result(demo_report)
    assert page.selected_position() == 42
    assert (page.column_box.currentText(), page.colour_box.currentText()) == ("age", "income")
    assert page.tabs.currentIndex() == TABS.index("rows")


def test_predictions_only_audit_says_explanations_need_a_model(page, demo_report, predictions_only_report):
    assert predictions_only_report.explanations is None
    page.show_result(demo_report)
    page.show_result(predictions_only_report)
    assert page.unavailable.isVisible()
    assert "need a model" in page.unavailable.label.text()
    assert page.rows_panel.rows.rowCount() == 0 and page.drift.rowCount() == 0
    assert page.pick("highest") is None and page.pick("misclassified") is None
    assert not page.select_column("age")
    page.show_result(demo_report)  # and a later audit with a model shows again
    assert not page.unavailable.isVisible() and page.rows_panel.rows.rowCount() > 0
    page.clear()
    assert page.empty.isVisible()


def test_a_report_without_explanations_shows_an_empty_state(page, demo_report):
    report = replace(demo_report, explanations=None,
                     analyses=tuple(a for a in demo_report.analyses if a.name != "explanations"))
    page.show_result(report)
    assert page.unavailable.isVisible()
    assert "did not run" in page.unavailable.label.text()


def test_a_dataset_without_explained_rows_draws_empty_plots(page, demo_report):
    e = replace(demo_report.explanations, production_rows=None, reference_rows=None)
    page.show_result(replace(demo_report, explanations=e))
    assert page.beeswarm.is_empty() and page.rows_panel.waterfall.is_empty()
    assert page.rows_panel.rows.rowCount() == 0 and not page.rows_panel.highest_button.isEnabled()
    assert page.importance.bar_values("production")[0]  # the importance still shows


def test_colour_levels_and_waterfall_steps():
    numbers = X.column_values("x", [1.0, None, 3.0, 2.0], "numerical")
    assert np.isnan(numbers.levels[1]) and numbers.levels[0] == 0.0 and numbers.levels[2] == 1.0
    categories = X.column_values("c", ["b", "a", None, "b"], "categorical")
    assert categories.categories == ("a", "b")
    assert list(categories.numbers[[0, 1, 3]]) == [1, 0, 1] and np.isnan(categories.levels[2])
    assert X.column_values("flag", [True, False], None).categories == ("False", "True")

    class Rows:
        columns = ("a", "b", "c")
        values = ((0.5, -2.0, 0.25),)
        base_value = 1.0
        features = ((1, "x", 2.5),)

    steps = X.waterfall_steps(Rows, 0, top=1)
    assert [s.label for s in steps] == ["b = x", "other 2 columns"]
    assert steps[0].start == 1.0 and steps[-1].end == pytest.approx(1.0 + 0.5 - 2.0 + 0.25)
