"""The Fairness page on real audits: the demo with an intersection (built once for the module), a
small demo whose production has no labels (small groups, "needs labels"), an audit where fairness was
skipped, and a hand-made regression result. Plot data are read from the items, not from pixels."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assay.app.models import fairness as F
from assay.app.pages.fairness import FairnessPage
from assay.app.theme import series_colour

INTERSECTION = 'fairness.intersections=[["sex", "age_band"]]'


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from assay.engine.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("fairness_demo"))


@pytest.fixture(scope="module")
def demo_report(demo_folder: Path):
    """The full demo audit with the sex × age_band intersection (about 12 s), run once for this module."""
    from assay.engine import AuditConfig, run_audit

    # the multivariate drift checks (5 s) play no part in fairness
    return run_audit(AuditConfig.from_toml(demo_folder).with_overrides([INTERSECTION, "drift.multivariate=false"]))


@pytest.fixture(scope="module")
def unlabelled_config(demo_folder: Path, tmp_path_factory: pytest.TempPathFactory):
    """Every 24th demo row (so the intersection has groups under 30 rows), production without its labels."""
    from assay.engine import AuditConfig

    folder = tmp_path_factory.mktemp("fairness_unlabelled")
    config = AuditConfig.from_toml(demo_folder)
    target = config.columns.target
    pd.read_parquet(demo_folder.parent / "reference.parquet").iloc[::24].to_parquet(folder / "reference.parquet")
    production = pd.read_parquet(demo_folder.parent / "production.parquet").iloc[::24].drop(columns=[target])
    production.to_parquet(folder / "production.parquet")
    config = config.replace("data", reference=folder / "reference.parquet", production=folder / "production.parquet")
    config = config.replace("model", path=demo_folder.parent / "model.skops")
    return config.with_overrides([INTERSECTION, "drift.multivariate=false"])


@pytest.fixture(scope="module")
def unlabelled_report(unlabelled_config):
    from assay.engine import run_audit

    return run_audit(unlabelled_config)


@pytest.fixture
def page(qtbot):
    page = FairnessPage()
    qtbot.addWidget(page)
    page.resize(1240, 860)
    page.show()
    return page


def ticks(page: FairnessPage) -> list[str]:
    return [label for _, label in page.plot.item.getAxis("left")._tickLevels[0]]


def test_empty_state_asks_for_a_run(qtbot, page):
    assert page.empty.isVisible()
    with qtbot.waitSignal(page.run_requested):
        page.empty.button.click()


def test_attribute_picker_lists_columns_and_the_intersection(page, demo_report):
    page.show_result(demo_report)
    assert sorted(page.attribute_names()) == ["age_band", "sex", "sex & age_band"]
    assert "2 sensitive columns and 1 intersection" in page.subtitle.text()
    assert page.select_attribute("sex & age_band") and page.current_attribute() == "sex & age_band"
    groups = [g.group for g in demo_report.fairness.reference["sex & age_band"].groups]  # the reference's order
    assert page.plot.groups == groups and len(groups) == 10
    assert set(groups) == {g.group for g in demo_report.fairness.production["sex & age_band"].groups}
    assert ticks(page)[0] == "male & 36-50  (ref.)" and "female & 65+" in ticks(page)
    assert not page.select_attribute("no such column")


def test_picking_a_metric_updates_bars_intervals_and_the_reference_line(page, demo_report):
    page.show_result(demo_report)
    page.select_attribute("sex")
    assert page.metric_names()[:3] == ["selection_rate", "tpr", "fpr"]
    for metric in ("selection_rate", "tpr"):
        assert page.select_metric(metric)
        assert page.plot_title.text() == f"{F.rate_name(metric)} per group"
        for dataset in ("reference", "production"):
            attribute = getattr(demo_report.fairness, dataset)["sex"]
            estimates = [g.metrics[metric] for g in attribute.groups]
            y, values = page.plot.bar_values(dataset)
            np.testing.assert_allclose(values, [e.value for e in estimates])
            low, high = page.plot.intervals(dataset)
            np.testing.assert_allclose(low, [e.ci_low for e in estimates])
            np.testing.assert_allclose(high, [e.ci_high for e in estimates])
            reference = next(g for g in attribute.groups if g.group == attribute.reference_group)
            line = page.plot.reference_lines[dataset]
            assert line.isVisible() and line.value() == pytest.approx(reference.metrics[metric].value)
        ref_y, _ = page.plot.bar_values("reference")
        prod_y, _ = page.plot.bar_values("production")
        assert (ref_y < prod_y).all()  # side by side: reference above production in each row

    page.set_shown("production")
    assert not page.plot.bars["reference"].isVisible() and not page.plot.reference_lines["reference"].isVisible()
    assert page.plot.bars["production"].isVisible()
    assert "reference" not in page.plot.legend.text() or "reference group" in page.plot.legend.text()
    assert page.rates_view.isColumnHidden(1)  # one dataset: no Dataset column


def test_policy_shows_the_planted_disparate_impact_failure(page, demo_report):
    page.show_result(demo_report)
    page.select_attribute("sex")
    results = page.policy.results()
    assert results["disparate_impact_ratio"] == "fail"
    assert page.policy.column_texts("Limit") == ["≤ 0.1", "≥ 0.8", "≤ 0.1"]
    estimate = demo_report.fairness.production["sex"].disparities["disparate_impact_ratio"]
    row = list(results).index("disparate_impact_ratio")
    assert page.policy.column_texts("Value")[row] == f"{estimate.value:.3f}"
    assert page.policy.column_texts("Interval")[row] == f"{estimate.ci_low:.3f}–{estimate.ci_high:.3f}"
    assert "rules fail" in page.policy_summary.text() and page.policy_title.text() == "Policy — production"
    # the page's pass / fail agrees with the engine's findings, attribute by attribute
    findings = {f.id for f in demo_report.findings_for("fairness")}
    for name in page.attribute_names():
        page.select_attribute(name)
        for disparity, result in page.policy.results().items():
            assert (result == "fail") == (f"fairness.{disparity}.{name}" in findings), (name, disparity)
    page.set_shown("reference")
    assert page.policy_title.text() == "Policy — reference"


def test_tables_groups_comparisons_changes_and_proxies(page, demo_report):
    page.show_result(demo_report)
    page.select_attribute("sex")
    fairness = demo_report.fairness
    female = next(g for g in fairness.production["sex"].groups if g.group == "female")
    rows = page.rates.records()
    assert [(r.name, r.dataset) for r in rows] == [("male", "reference"), ("male", "production"),
                                                    ("female", "reference"), ("female", "production")]
    index = rows.index(next(r for r in rows if r.name == "female" and r.dataset == "production"))
    selection = female.metrics["selection_rate"]
    assert page.rates.column_texts("Rows")[index] == f"{female.count:,}"
    assert page.rates.column_texts("Selection\nrate")[index] == (
        f"{selection.value:.3f} ({selection.ci_low:.3f}–{selection.ci_high:.3f})")
    assert "reference group" in page.rates.column_texts("Note")[0]

    versus = page.versus.records()
    assert {r.group.group for r in versus} == {"female"}  # the reference group is not compared with itself
    assert {r.comparison for r in versus} == set(female.versus_reference)
    di = next(r for r in versus if r.dataset == "production" and r.comparison == "disparate_impact_ratio")
    row = versus.index(di)
    assert page.versus.column_texts("p-value")[row] == "<0.001"
    assert page.versus.column_texts("p-value\nadjusted")[row] == "<0.001"
    assert page.versus.column_texts("Value")[row] == f"{female.versus_reference['disparate_impact_ratio'].value:.3f}"

    grew = {c.disparity for c in fairness.changes if c.attribute == "sex" and c.grew}
    changes = page.changes.records()
    assert [r.disparity for r in changes[:3]] == [d for d, _, _ in F.POLICY_RULES]  # the policy's rules first
    texts = dict(zip((r.disparity for r in changes), page.changes.column_texts("Grew")))
    assert {d for d, t in texts.items() if t == "grew"} == grew and grew
    assert f"({len(grew)} grew)" in page.tabs.tabText(2)

    proxies = page.proxies.records()
    assert proxies[0].column == "sex" and proxies[0].is_sensitive_input
    assert page.proxies.column_texts("Note")[0] == "the sensitive column itself is a model input"
    assert [p.strength for p in proxies[1:]] == sorted((p.strength for p in proxies[1:]), reverse=True)
    assert "is a model input" in page.info.text() and "male" in page.info.text()


def test_reshowing_keeps_the_choice_and_methods_fold_out(page, demo_report):
    page.show_result(demo_report)
    page.select_attribute("age_band")
    page.select_metric("fpr")
    page.show_result(demo_report)  # as after a theme change
    assert page.current_attribute() == "age_band" and page.current_metric() == "fpr"
    assert not page.methods_box.isVisible()
    page.methods_button.click()
    assert page.methods_box.isVisible() and "bootstrap" in page.methods_text.text()


def test_small_groups_are_greyed_and_marked(page, unlabelled_report):
    page.show_result(unlabelled_report)
    page.select_attribute("sex & age_band")
    attribute = unlabelled_report.fairness.reference["sex & age_band"]
    small = {g.group for g in attribute.groups if g.small}
    assert small  # the planted data: 500 rows a year leave some combinations under 30 rows
    assert page.plot.small_groups >= small
    labels = dict(zip(page.plot.groups, ticks(page)))
    assert all(labels[name].endswith("(small)") for name in small)
    assert "small group (under 30 rows, not judged)" in page.plot.legend.text()
    brushes = page.plot.bar_brushes("reference")
    colour = series_colour("reference").name()
    drawn = [g.group for g in attribute.groups if g.metrics["selection_rate"].value is not None]
    assert [b.name() != colour for b in brushes] == [name in small for name in drawn]
    notes = dict(((r.name, r.dataset), n) for r, n in zip(page.rates.records(), page.rates.column_texts("Note")))
    for name in small:
        assert notes[(name, "reference")].startswith("small:")
    assert "kept out of verdicts" in page.info.text()


def test_production_without_labels_says_needs_labels(page, unlabelled_report):
    page.show_result(unlabelled_report)
    page.select_attribute("sex")
    assert "Production has no labels" in page.info.text()
    assert page.policy.results()["equalized_odds_difference"] == F.NEEDS_LABELS
    assert page.policy.results()["disparate_impact_ratio"] in ("pass", "fail")
    assert "needs labels" in page.metric_box.itemText(page.metric_names().index("tpr"))
    keys = [(r.name, r.dataset) for r in page.rates.records()]
    texts = dict(zip(keys, page.rates.column_texts("True positive\nrate")))
    assert texts[("female", "production")] == F.NEEDS_LABELS
    assert texts[("female", "reference")] not in (F.NEEDS_LABELS, "0.000", "—")
    production = dict(zip((r.disparity for r in page.changes.records()), page.changes.column_texts("Production")))
    assert production["equalized_odds_difference"] == F.NEEDS_LABELS

    page.select_metric("tpr")  # both datasets: reference bars, and a note where production's would be
    _, production = page.plot.bar_values("production")
    assert len(production) == 0 and len(page.plot.bar_values("reference")[1]) == 2
    assert page.plot.note_texts() == ["needs labels (production)"] * 2
    page.set_shown("production")
    assert page.plot.is_empty() and "needs labels" in page.plot.empty.text()
    assert page.plot.legend.text() == ""
    page.select_metric("selection_rate")
    assert not page.plot.is_empty() and page.plot.note_texts() == []


def test_a_skipped_analysis_says_why(page, unlabelled_config):
    from assay.engine import run_audit

    report = run_audit(unlabelled_config.with_overrides(["columns.sensitive=[]", "fairness.intersections=[]"]))
    assert report.fairness is None
    page.show_result(report)
    assert page.unavailable.isVisible() and not page.unavailable.button.isVisible()
    assert page.unavailable.label.text() == f"Fairness was not measured: {report.status_of('fairness').reason}."
    assert "sensitive" in page.unavailable.label.text()
    page.clear()
    assert page.empty.isVisible()


def test_a_regression_result_shows_without_intervals_or_policy(page, demo_report):
    from assay.engine.fairness.results import AttributeFairness, Estimate, FairnessResult, GroupMetrics

    def attribute(shift: float) -> AttributeFairness:
        groups = tuple(GroupMetrics(name, n, n / 300, n < 30, {"mean_prediction": Estimate(v + shift),
                                                               "mean_target": Estimate(v), "mae": Estimate(1.5)}, {})
                       for name, n, v in (("a", 200, 10.0), ("b", 80, 12.0), ("c", 20, 9.0)))
        return AttributeFairness("region", None, "", groups, {"mean_prediction_difference": Estimate(2.0)},
                                 notes=("regression: differences between group means; no intervals",))

    result = FairnessResult("regression", {"region": attribute(0.0)}, {"region": attribute(0.5)}, (), (), (),
                            dict(demo_report.fairness.policy), ("Regression: differences of group means.",))
    page.show_result(replace(demo_report, fairness=result))
    assert page.metric_names() == ["mean_prediction", "mean_target", "mae"]
    np.testing.assert_allclose(page.plot.bar_values("production")[1], [10.5, 12.5, 9.5])
    assert not page.plot.errors["production"].isVisible() and not page.plot.reference_lines["production"].isVisible()
    assert set(page.policy.results().values()) == {"not computed"}
    assert "classification" in page.policy_caption.text()
    assert page.versus.rowCount() == 0 and page.changes.rowCount() == 1
