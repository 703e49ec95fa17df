"""The Estimated performance page on results the engine computed (a small synthetic audit with labels in part
of production, and a regression), and its "not measured" state. Plot data are read from the items."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from assay.app.pages.estimation import EstimationPage
from assay.engine.results import AnalysisStatus, Finding
from tests.engine.test_estimation import BINARY, calibrated_frame, estimate


@dataclass
class Report:
    estimation: Any
    analyses: tuple = (AnalysisStatus("estimation", "ran"),)
    findings: tuple = field(default_factory=tuple)

    def result(self, analysis: str) -> Any:
        return self.estimation if analysis == "estimation" else None

    def status_of(self, analysis: str):
        return next((a for a in self.analyses if a.name == analysis), None)

    def findings_for(self, analysis: str) -> list[Finding]:
        return [f for f in self.findings if f.analysis == analysis]


@pytest.fixture(scope="module")
def binary():
    reference, production = calibrated_frame(4000, 31), calibrated_frame(6000, 32)
    production.loc[4000:, "y"] = np.nan  # the last chunk has no labels
    production["y"] = production["y"].astype("Int64")
    result, _ = estimate(reference, production, BINARY)
    return result


@pytest.fixture
def page(qtbot):
    page = EstimationPage()
    qtbot.addWidget(page)
    page.resize(1250, 830)
    page.show()
    return page


def test_page_shows_estimates_realised_values_and_calibration(page, binary):
    page.show_result(Report(binary))
    assert page.metrics.rowCount() == len(binary.metric_names)
    first = page.metrics.record(0)
    assert first.metric == "accuracy" and first.estimate.value == binary.metrics["accuracy"].value
    x, y = page.over_time.series()
    assert np.allclose(y, [c.metrics["accuracy"].value for c in binary.chunks])
    realised_x, realised_y = page.over_time.realised_data()
    labelled = [i for i, c in enumerate(binary.chunks) if c.realized]
    assert list(realised_x) == labelled and labelled == [0, 1]  # the third chunk has no labels
    assert np.allclose(realised_y, [binary.chunks[i].realized["accuracy"] for i in labelled])
    before_x, _ = page.calibration.curve_data("before")
    assert len(before_x) == len(binary.calibration.curve_before)
    assert "realised (from labels)" in page.over_time.legend_texts()
    assert "Backtest over 2 chunks" in page.caption.text()
    page.select_metric("roc_auc")
    _, y = page.over_time.series()
    assert np.allclose(y, [c.metrics["roc_auc"].value for c in binary.chunks])
    assert page.metric_box.currentData() == "roc_auc"
    page.grab().save("/tmp/estimation-page-test.png")


def test_page_says_why_it_was_not_measured(page):
    reason = "every production chunk has labels, so performance is measured, not estimated"
    page.show_result(Report(None, (AnalysisStatus("estimation", "skipped", reason),)))
    assert reason in page.unavailable.label.text()


def test_regression_has_no_calibration_curve(page):
    rng = np.random.default_rng(33)
    x = rng.uniform(0, 3, 3000)
    frame = pd.DataFrame({"x": x, "target": 2 * x + rng.normal(0, 1, 3000), "prediction": 2 * x})
    columns = {"target": "target", "prediction": "prediction", "timestamp": "", "sensitive": []}
    result, _ = estimate(frame.iloc[:1500], frame.iloc[1500:].reset_index(drop=True), columns, task="regression",
                         performance={"chunk_size": 500})
    page.show_result(Report(result))
    assert page.metrics.rowCount() == 2 and page.calibration.is_empty()
    _, y = page.over_time.series()
    assert np.allclose(y, [c.metrics["mae"].value for c in result.chunks])
