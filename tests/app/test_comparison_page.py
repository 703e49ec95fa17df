"""The Comparison page on a real audit: the small demo with a challenger trained in the test (the demo's pipeline
with other hyperparameters, saved with skops). Table and plot data are read from the models and the items."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from assay.app.pages.comparison import ComparisonPage


@pytest.fixture(scope="module")
def compared_report(small_demo: Path, tmp_path_factory: pytest.TempPathFactory):
    from assay.engine.config import AuditConfig
    from assay.engine.demo import CATEGORICAL, NUMERICAL, TARGET, train_model
    from assay.engine.pipeline import run_audit

    reference = pd.read_parquet(small_demo.parent / "reference.parquet")
    model = train_model(reference, seed=2).set_params(classifier__max_iter=40, classifier__max_leaf_nodes=5)
    model.fit(reference[NUMERICAL + CATEGORICAL], reference[TARGET])
    path = tmp_path_factory.mktemp("page_challenger") / "shallow.skops"
    sio.dump(model, path)
    config = AuditConfig.from_toml(small_demo).with_overrides(["drift.multivariate=false", 'explain.method="none"'])
    return run_audit(config.with_challengers([path], trusted=True))


@pytest.fixture
def page(qtbot):
    page = ComparisonPage()
    qtbot.addWidget(page)
    page.resize(1200, 760)
    return page


def test_the_page_shows_the_metrics_the_roc_curves_and_the_flips(page, compared_report):
    page.show_result(compared_report)
    result = compared_report.comparison
    (pair,) = result.pairs
    assert page.challenger.currentText() == "shallow"
    shown = page.metrics.records()
    assert [m.metric for m in shown] == [m.metric for m in pair.metrics]
    for index, curve in enumerate(pair.roc):
        x, y = page.plot.curve_data(index)
        np.testing.assert_allclose(x, curve.fpr)
        np.testing.assert_allclose(y, curve.tpr)
    assert sum(s.flips for s in page.flips.records() if s.column == "sex") == pair.agreement.flips
    assert f"{pair.agreement.rate:.1%}" in page.agreement.text()
    assert pair.verdict in page.verdict.text()
    assert [i.column for i in page.importances.records()] == [i.column for i in pair.importances]
    assert f"{pair.rank_correlation:.2f}" in page.importance_note.text()
    page.show()
    page.grab().save("/tmp/comparison_page.png")
    # every metric column in view at 1200 px (beside the ROC plot the table scrolled sideways)
    assert page.metrics_view.horizontalScrollBar().maximum() == 0
    page.tabs.setCurrentIndex(2)
    page.grab().save("/tmp/comparison_page_importances.png")


def test_a_skipped_comparison_says_why(page, small_demo_report):
    page.show_result(small_demo_report)
    assert "no challenger and no A/B arm" in page.unavailable.label.text()

