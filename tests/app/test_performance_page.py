"""The Performance page on synthetic results (tests/app/performance_results.py: binary, multiclass,
regression, production without labels) and on the real small demo audit. Plot data are read from the
items, not from pixels; hover texts from `hover_text(x, y)`."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from assay.app.models import performance as P
from assay.app.pages.performance import TABS, PerformancePage
from assay.app.settings import AppSettings
from tests.app import performance_results as R


def report_of(result):
    return R.FakeReport(result, findings=R.binary_findings(result))


@pytest.fixture(scope="module")
def binary():
    return R.binary_result()


@pytest.fixture(scope="module")
def unlabelled():
    return R.binary_result(production_labels=False)


@pytest.fixture(scope="module")
def multiclass():
    return R.multiclass_result()


@pytest.fixture(scope="module")
def regression():
    return R.regression_result()


@pytest.fixture
def page(qtbot):
    page = PerformancePage(AppSettings())
    qtbot.addWidget(page)
    page.resize(1250, 830)
    page.show()
    return page


def table_texts(page: PerformancePage, column: str) -> list[str]:
    model = page.metrics
    c = model.column_index(column)
    return [model.index(r, c).data() for r in range(model.rowCount())]


def same(a, b) -> bool:
    """Equal arrays where NaN equals NaN (a chunk without labels is NaN, never 0)."""
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


# -- states ----------------------------------------------------------------------------------------


def test_empty_state_asks_for_a_run_and_a_skipped_analysis_says_why(qtbot, page):
    assert page.empty.isVisible()
    with qtbot.waitSignal(page.run_requested):
        page.empty.button.click()
    page.show_result(R.skipped_report("no model and no prediction columns"))
    assert page.unavailable.isVisible()
    assert page.unavailable.label.text() == "Performance was not measured: no model and no prediction columns."
    page.clear()
    assert page.empty.isVisible()


# -- the metric table --------------------------------------------------------------------------------


def test_metric_table_shows_every_metric_with_intervals_change_and_verdict(page, binary):
    report = report_of(binary)
    page.show_result(report)
    assert [r.metric for r in page.metrics.records()] == list(binary.metric_names)
    assert table_texts(page, "Metric")[2] == "Precision (class yes)"
    accuracy = binary.reference.metrics["accuracy"]
    assert table_texts(page, "Reference")[0] == (f"{accuracy.value:.3f} ({accuracy.ci_low:.3f}–"
                                                 f"{accuracy.ci_high:.3f})")
    change = binary.comparison["accuracy"]
    assert table_texts(page, "Change")[0] == (f"{change.change:+.3f} ({change.ci_low:+.3f} to "
                                              f"{change.ci_high:+.3f})").replace("-", "−")
    results = dict(zip(binary.metric_names, table_texts(page, "Result")))
    failed = {f.id.split(".")[-1] for f in report.findings}
    assert failed  # the fixture has drops beyond the policy
    assert {m for m, text in results.items() if text.startswith("fail")} == failed
    # the policy: max_drop for every metric, and the minimum where one is set
    policies = dict(zip(binary.metric_names, table_texts(page, "Policy")))
    assert policies["roc_auc"] == "≥ 0.8 · drop ≤ 0.05" and policies["accuracy"] == "drop ≤ 0.05"
    assert "FAIL" in page.summary.text() and "7 without a label" in page.summary.text()
    assert "positive class “yes”" in page.subtitle.text() and "decision threshold 0.5" in page.subtitle.text()
    assert not page.banner.isVisible()


def test_keyboard_moves_through_metrics_and_the_tabs_follow(qtbot, page, binary):
    page.show_result(report_of(binary))
    page.metrics_view.setFocus()
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    page.metrics_view.selectionModel().setCurrentIndex(page.metrics.index(0, 0), flags)
    assert page.current_metric() == "accuracy"
    qtbot.keyClick(page.metrics_view, Qt.Key.Key_Down)
    assert page.current_metric() == "balanced_accuracy"
    assert page.chunks.headerData(P.ChunkTableModel.VALUE, Qt.Orientation.Horizontal) == "Balanced accuracy"
    # and the other way: the combo box selects the table's row
    page.select_metric("log_loss")
    assert page.metrics_view.currentIndex().row() == list(binary.metric_names).index("log_loss")


# -- over time -----------------------------------------------------------------------------------------


def test_over_time_draws_each_chunk_with_its_interval_and_no_labels_is_never_zero(page, binary):
    page.show_result(report_of(binary))
    page.select_metric("accuracy")
    page.select_tab("time")
    chunks = binary.production.chunks
    x, y = page.over_time.series()
    expected = [c.metrics["accuracy"].value if c.status != "no labels" else np.nan for c in chunks]
    assert same(y, expected)
    unlabelled = [i for i, c in enumerate(chunks) if c.status == "no labels"]
    assert unlabelled == [10, 11] and page.over_time.no_label_chunks() == unlabelled
    assert all(math.isnan(v) for v in y[unlabelled])  # not drawn, and certainly not at 0
    assert "no labels" in page.over_time.hover_text(10, 0.5)
    assert "2024-01" in page.over_time.hover_text(0, y[0]) and "accuracy" in page.over_time.hover_text(0, 0).lower()
    # the interval band spans the lowest and highest interval ends
    rect = page.over_time.band_rect()
    lows = [c.metrics["accuracy"].ci_low for c in chunks if c.metrics]
    highs = [c.metrics["accuracy"].ci_high for c in chunks if c.metrics]
    assert rect.top() == pytest.approx(min(lows)) and rect.bottom() == pytest.approx(max(highs))
    # the reference and the policy's largest allowed drop (absolute for accuracy)
    reference = binary.reference.metrics["accuracy"].value
    assert page.over_time.reference.value() == pytest.approx(reference)
    assert page.over_time.policy_values() == pytest.approx([reference - R.MAX_DROP])
    # the small chunk is drawn hollow, apart from the others
    small = [i for i, c in enumerate(chunks) if c.status == "small"]
    assert list(page.over_time.small.getData()[0]) == small
    assert "2 chunks have no labels" in page.time_caption.text()
    assert [page.chunks.index(r, P.ChunkTableModel.VALUE).data() for r in unlabelled] == ["no labels"] * 2


def test_policy_lines_merge_a_minimum_with_the_allowed_drop_and_mean_error_has_both_signs(page, binary, regression):
    lines = P.policy_lines(binary, "roc_auc")
    reference = binary.reference.metrics["roc_auc"].value
    assert [v for v, _ in lines] == pytest.approx([0.8, reference - R.MAX_DROP])
    page.show_result(report_of(binary))
    page.select_metric("roc_auc")
    assert abs(reference - R.MAX_DROP - 0.8) < 0.005  # the two lines nearly coincide: one line, one label
    assert page.over_time.policy_values() == pytest.approx([0.8])
    assert page.over_time.policy_labels() == ["minimum 0.8 · largest allowed drop"]
    bias = P.policy_lines(regression, "mean_error")
    ref, allowed = regression.reference.metrics["mean_error"].value, regression.comparison["mean_error"].allowed_drop
    assert [v for v, _ in bias] == pytest.approx([abs(ref) + allowed, -(abs(ref) + allowed)])  # absolute scale
    mae = P.policy_lines(regression, "mae")
    assert mae[0][0] == pytest.approx(regression.reference.metrics["mae"].value + 0.1)  # fixture: absolute


def test_switching_metric_reads_the_result_and_computes_nothing(page, binary, monkeypatch):
    from assay.engine.performance import bootstrap, calculator, metrics

    page.show_result(report_of(binary))

    def refuse(*_args, **_kwargs):
        raise AssertionError("the page must not compute")

    for module in (bootstrap, metrics):
        for name in dir(module):
            if not name.startswith("_") and callable(getattr(module, name)) and \
                    getattr(getattr(module, name), "__module__", "") == module.__name__:
                monkeypatch.setattr(module, name, refuse)
    monkeypatch.setattr(calculator.PerformanceCalculator, "__init__", refuse)
    for metric in binary.metric_names:
        assert page.select_metric(metric)
        _, y = page.over_time.series()
        assert same(y, [c.metrics[metric].value if c.metrics else np.nan for c in binary.production.chunks])
    for column in ("age_band", "region"):
        assert page.select_segment_column(column)
    page.select_tab("segments")
    assert page.current_segment_column() == "region"


# -- curves, confusion, threshold ------------------------------------------------------------------------


def test_curves_overlay_reference_and_production_and_mark_the_decision_threshold(page, binary):
    page.show_result(report_of(binary))
    page.select_tab("curves")
    for d in ("reference", "production"):
        data = getattr(binary, d)
        x, y = page.roc.curve_data(d)
        assert same(x, data.roc[0].x) and same(y, data.roc[0].y)
        x, y = page.pr.curve_data(d)
        assert same(x, data.pr[0].x) and same(y, data.pr[0].y)
        x, y = page.calibration.curve_data(d)
        assert same(x, data.calibration.mean_score) and same(y, data.calibration.observed)
        # the operating point: recall at the threshold is the true positive rate, and precision
        fpr, tpr = page.roc.point_data(d)
        recall, precision = page.pr.point_data(d)
        assert tpr == pytest.approx(data.metrics["recall"].value)
        assert recall == pytest.approx(data.metrics["recall"].value)
        assert precision == pytest.approx(data.metrics["precision"].value)
        (tn, fp), _ = data.confusion.counts
        assert fpr == pytest.approx(fp / (fp + tn))
    assert f"production (AUC {binary.production.roc[0].area:.3f})" in page.roc.legend_texts()
    x, y = page.roc.curve_data("production")
    text = page.roc.hover_text(x[40], y[40])
    assert text.startswith("production: false positive rate") and "scores ≥" in text


def test_confusion_matrices_show_counts_and_shares_of_the_true_class(page, binary):
    page.show_result(report_of(binary))
    page.select_tab("confusion")
    for d in ("reference", "production"):
        counts = np.array(getattr(binary, d).confusion.counts)
        shown = page.confusion[d]
        assert np.array_equal(shown.counts, counts)
        shares = counts / counts.sum(axis=1, keepdims=True)
        assert shown.cell_texts() == [f"{counts[i, j]:,}\n{shares[i, j]:.1%}" for i in range(2) for j in range(2)]
        tip = shown.hover_text(0.5, 1.5)  # true "yes", predicted "no"
        assert tip.startswith(f"true yes, predicted no (wrong): {counts[1, 0]:,} rows")
        assert f"{counts[1, 0] / counts.sum():.1%} of all" in tip


def test_threshold_sweep_draws_every_metric_and_the_decision_threshold(page, binary):
    page.show_result(report_of(binary))
    assert page.select_tab("threshold")
    sweep = binary.production.threshold_sweep
    plot = page.sweeps["production"]
    for name, values in sweep.metrics.items():
        x, y = plot.line_data(name)
        assert same(x, sweep.thresholds) and same(y, [np.nan if v is None else v for v in values])
    assert plot.threshold.value() == pytest.approx(0.5)
    i = list(sweep.thresholds).index(0.3)
    text = plot.hover_text(0.301, 0.5)
    assert text.splitlines()[0] == "threshold 0.30"
    assert f"recall: {sweep.metrics['recall'][i]:.3f}" in text
    page.select_metric("f1")
    assert plot.highlight == "f1"


# -- segments -----------------------------------------------------------------------------------------------


def test_segments_worst_first_with_sizes_intervals_and_the_reference(page, binary):
    page.show_result(report_of(binary))
    page.select_tab("segments")
    page.select_segment_column("region")
    page.select_metric("accuracy")
    column = next(s for s in binary.segments if s.column == "region")
    proxy = page.segments_proxy
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == [s.segment for s in column.segments]
    rows = page.segments.column_index("Rows")
    assert [proxy.index(r, rows).data() for r in range(proxy.rowCount())] == [f"{s.rows:,}" for s in column.segments]
    bars = page.segment_bars
    assert bars.groups == [s.segment for s in column.segments]
    assert same(bars.bar_values("production"), [s.metrics["accuracy"].value for s in column.segments])
    assert same(bars.bar_values("reference"), [s.reference_value for s in column.segments])  # ranked by accuracy
    small = [s.segment for s in column.segments if s.small]
    assert small == ["islands"] and "too few labelled rows to judge" in bars.legend_texts()
    assert "islands" in bars.hover_text(0.5, len(column.segments) - 1 + 0.15)
    # another metric: production only (the reference value is of the ranking metric)
    page.select_metric("f1")
    assert "reference" not in bars.datasets
    assert same(bars.bar_values("production"), [s.metrics["f1"].value for s in column.segments])
    # another column
    page.select_segment_column("age_band")
    assert page.segments.rowCount() == 5 and "age_band" in page.segment_caption.text()


# -- other tasks ----------------------------------------------------------------------------------------------


def test_multiclass_curves_per_class_and_the_per_class_table(page, multiclass):
    page.show_result(report_of(multiclass))
    assert "threshold" not in page.visible_tabs() and "residuals" not in page.visible_tabs()
    page.select_tab("curves")
    assert page.class_picker.isVisibleTo(page)
    assert [page.class_box.itemText(i) for i in range(page.class_box.count())] == ["high", "low", "mid"]
    page.select_class("mid")
    curve = next(c for c in multiclass.production.roc if c.label == "mid")
    assert same(page.roc.curve_data("production")[1], curve.y)
    assert page.roc.point_data("production") is None  # no single decision threshold for multiclass
    assert "Precision (macro)" in table_texts(page, "Metric")
    page.select_tab("classes")
    assert page.classes.rowCount() == 3 + 2  # the classes and the macro and weighted averages
    first = page.classes_proxy.index(0, 0).data()
    assert first == "high" and page.classes_proxy.index(4, 0).data() == "weighted average"


def test_regression_shows_residuals_and_the_error_distribution(page, regression):
    page.show_result(report_of(regression))
    assert page.visible_tabs() == ["time", "segments", "residuals", "predictions"]
    page.select_tab("residuals")
    for d in ("reference", "production"):
        x, y = page.residuals.mean_data(d)
        r = getattr(regression, d).residuals
        assert same(x, r.binned_predicted) and same(y, r.binned_mean_error)
        counts = np.array(r.histogram.counts, dtype=float)
        assert page.errors.bar_heights(d) == pytest.approx(counts / counts.sum() * 100)
    mape = regression.production.metrics["mape"]
    assert table_texts(page, "Production")[2] == f"{mape.value:.1%} ({mape.ci_low:.1%}–{mape.ci_high:.1%})"
    assert "Predicted value" in page.scores_box.findChild(type(page.subtitle)).text()
    page.select_metric("mae")
    _, y = page.over_time.series()
    assert same(y, [c.metrics["mae"].value for c in regression.production.chunks])
    assert list(page.over_time.dropped.getData()[0]) == [4]  # 2024-Q1 dropped
    status = page.chunks.column_index("Status")
    assert [page.chunks.index(r, status).data() for r in range(5)] == ["ok"] * 4 + ["drop"]
    page.select_metric("rmse")
    assert [page.chunks.index(r, status).data() for r in range(5)] == ["ok"] * 5  # only MAE dropped there


def test_production_without_labels_says_so_and_shows_reference_and_predictions(page, unlabelled):
    report = R.FakeReport(unlabelled)
    page.show_result(report)
    assert page.banner.isVisible()
    assert "Production has no labels, so its performance cannot be measured" in page.banner.text()
    assert set(table_texts(page, "Production")) == {"no labels"}
    assert all(t != "—" for t in table_texts(page, "Reference"))
    assert page.current_tab() == "predictions"
    assert page.scores.bar_heights("production").size and page.scores.bar_heights("reference").size
    labels = dict(unlabelled.production.distribution.labels)
    total = sum(labels.values())
    assert same(page.label_bars.bar_values("production"), [labels["no"] / total, labels["yes"] / total])
    # over time: every chunk says "no labels", none is drawn
    _, y = page.over_time.series()
    assert np.isnan(y).all() and page.over_time.no_label_chunks() == list(range(12))
    # curves: the reference only
    assert page.roc.curve_data("production")[0].size == 0 and page.roc.curve_data("reference")[0].size
    assert page.confusion["production"].is_empty() and "No labels" in page.confusion["production"].empty.text()
    # segments come from the reference
    assert "the reference (production has no labels)" in page.segment_caption.text()


# -- choices, findings, saving ------------------------------------------------------------------------------


def test_choices_are_remembered_between_pages(qtbot, binary):
    settings = AppSettings()
    first = PerformancePage(settings)
    qtbot.addWidget(first)
    first.show_result(report_of(binary))
    first.select_metric("f1")
    first.select_segment_column("age_band")
    first.tabs.setCurrentIndex(TABS.index("confusion"))  # as a click on the tab does
    assert first.current_tab() == "confusion"
    second = PerformancePage(settings)
    qtbot.addWidget(second)
    second.show_result(report_of(binary))
    assert second.current_metric() == "f1"
    assert second.current_segment_column() == "age_band"
    assert second.current_tab() == "confusion"


def test_a_finding_opens_its_metric_over_time(page, binary):
    report = report_of(binary)
    page.show_result(report)
    page.select_tab("curves")
    finding = next(f for f in report.findings if f.id == "performance.drop.log_loss")
    assert page.show_finding(finding)
    assert page.current_metric() == "log_loss" and page.current_tab() == "time"


def test_every_plot_saves_as_png(page, binary, tmp_path):
    page.show_result(report_of(binary))
    for plot in (page.over_time, page.roc, page.pr, page.calibration, page.confusion["production"],
                 page.sweeps["reference"], page.segment_bars, page.label_bars, page.scores):
        path = plot.save_png(tmp_path / f"{plot.png_name}.png")
        assert path.stat().st_size > 1000
        assert plot.context_menu().actions()[0].text() == "Save as PNG…"


def test_formatting_of_values_and_intervals():
    assert P.value_text("accuracy", 0.83133) == "0.831"
    assert P.value_text("mape", 0.1234) == "12.3%"
    assert P.units_text(12345.6) == "12,346" and P.units_text(6.4723) == "6.472" and P.units_text(0.0298) == "0.0298"
    assert P.interval_text("mean_error", -0.213, 0.153, like=0.213) == "−0.213 to 0.153"
    assert P.signed_text("accuracy", -0.118) == "−0.118"
    assert P.signed_text("accuracy", -0.0001) == "0.000"  # no sign on what rounds to zero


# -- the real demo -----------------------------------------------------------------------------------------


def test_the_demo_audit_on_the_page(page, small_demo_report):
    report = small_demo_report
    result = report.performance
    page.show_result(report)
    assert page.visible_tabs() == ["time", "segments", "curves", "confusion", "threshold", "classes", "predictions"]
    for row, metric in enumerate(result.metric_names):
        assert page.metrics.index(row, 1).data() == P.estimate_text(metric, result.reference.metrics[metric])
    failed = {f.id.split(".")[-1] for f in report.findings_for("performance") if f.severity == "fail"}
    results = dict(zip(result.metric_names, table_texts(page, "Result")))
    assert {m for m, t in results.items() if t.startswith("fail")} == failed
    page.select_metric("accuracy")
    _, y = page.over_time.series()
    assert same(y, [c.metrics["accuracy"].value if c.metrics else np.nan for c in result.production.chunks])
    assert len(y) == len(result.production.chunks) == 12
    status = page.chunks.column_index("Status")
    assert [page.chunks.index(r, status).data() for r in range(12)] == [  # every 24th row: chunks are small
        "small: not judged" if c.status == "small" else "drop" if "accuracy" in c.dropped else "ok"
        for c in result.production.chunks]
    assert page.roc.curve_data("production")[0].size > 10
    page.select_tab("segments")
    assert page.current_segment_column() in {s.column for s in result.segments}


def test_the_window_puts_the_page_between_quality_and_the_estimate_and_findings_open_it(qtbot, window, small_demo_report):
    # the window imports the Setup page's modules in a pool thread after its first paint; importing
    # pyqtgraph (show_result) in the GUI thread meanwhile is a concurrent import of Qt's modules
    qtbot.waitUntil(lambda: window._ready, timeout=30_000)
    keys = window.page_keys
    assert keys.index("performance") == keys.index("quality") + 1 == keys.index("estimation") - 1
    titles = [window.page_list.item(i).text() for i in range(window.page_list.count())]
    assert titles[keys.index("performance")] == window.page_title("performance") == "Performance"
    window.page_actions[keys.index("performance")].trigger()  # Ctrl+4
    assert window.current_page() == "performance"
    assert window.page_actions[keys.index("performance")].shortcut().toString() == "Ctrl+4"
    for key in ("overview", "performance"):
        window.pages[key].show_result(small_demo_report)
    finding = next(f for f in small_demo_report.findings if f.id.startswith("performance.drop."))
    window.go_to("overview")
    window._on_finding_activated(finding)
    assert window.current_page() == "performance"
    assert window.pages["performance"].current_metric() == finding.id.split(".")[-1]
    assert window.pages["performance"].current_tab() == "time"


def test_settings_keep_a_choice_and_forget_an_empty_one():
    settings = AppSettings()
    assert settings.choice("performance/tab") is None and settings.choice("performance/tab", "time") == "time"
    settings.set_choice("performance/tab", "segments")
    assert AppSettings().choice("performance/tab") == "segments"
    settings.set_choice("performance/tab", None)
    assert AppSettings().choice("performance/tab") is None


def test_labels_only_and_a_reference_without_labels_come_from_the_engine(page):
    """Two audits the engine makes and the fixtures do not: a binary model with labels only (no scores,
    so no curves and no sweep), and a reference without a target column."""
    from tests.engine.test_performance import binary_frame, performance_of

    reference, production = binary_frame(600, 1), binary_frame(700, 2)
    for frame in (reference, production):
        frame["yhat"] = np.where(frame["p_bad"] >= 0.5, "bad", "good")
    labels_only, _ = performance_of(reference, production, {"target": "y", "prediction": "yhat",
                                                            "positive_label": "bad", "timestamp": "when"})
    page.show_result(R.FakeReport(labels_only))
    assert "threshold" not in page.visible_tabs() and "curves" in page.visible_tabs()
    assert page.roc.is_empty() and "labels only" in page.roc.empty.text()
    assert page.calibration.is_empty()
    rows = dict(zip(labels_only.metric_names, table_texts(page, "Production")))
    assert rows["roc_auc"] == "not defined" and rows["accuracy"].startswith("0.")
    assert "Not defined: no scores" in page.metrics.index(5, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert page.scores.is_empty() and page.label_bars.bar_values("production").size == 2

    unlabelled_reference, _ = performance_of(reference.drop(columns=["y"]), production,
                                             {"target": "y", "probabilities": ["p_bad"], "positive_label": "bad"})
    page.show_result(R.FakeReport(unlabelled_reference))
    assert set(table_texts(page, "Reference")) == {"no labels"}
    assert all(t.startswith("0.") or t.startswith("1.") for t in table_texts(page, "Production"))
    assert page.roc.curve_data("reference")[0].size == 0 and page.roc.curve_data("production")[0].size
    page.select_tab("time")
    _, y = page.over_time.series()
    assert np.isfinite(y).all()
    assert not page.over_time.reference.isVisible()  # no reference value to draw
