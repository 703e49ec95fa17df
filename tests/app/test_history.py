"""The audit history (app/history.py, SQLite in the user data folder — a temporary folder here) and the History
page: every run of the same audit over time, and any two runs compared."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel


def test_the_store_keeps_runs_by_audit_oldest_first(tmp_path):
    from assay.app.history import History, audit_key, data_dir

    assert data_dir() == Path(os.environ["ASSAY_DATA_DIR"])  # the test's folder, never the user's
    history = History(tmp_path / "h.sqlite")

    def report(when, verdict, accuracy):
        return {"title": "T", "verdict": verdict, "provenance": {"finished_at": when},
                "integrity": {"results_sha256": when * 4},
                "findings": [{"id": "a", "severity": "fail", "status": "waived"},
                             {"id": "b", "severity": "warn", "status": "open"}],
                "performance": {"production": {"metrics": {"accuracy": {"value": accuracy}, "auc": {"value": None}}}}}

    audit = tmp_path / "audit.toml"
    second = history.record(report("2026-02-01", "warn", 0.7), audit)
    first = history.record(report("2026-01-01", "pass", 0.8), audit)
    history.record(report("2026-03-01", "fail", 0.5), tmp_path / "other.toml")
    runs = history.runs(audit_key(audit, "T"))
    assert [r.id for r in runs] == [first.id, second.id]
    assert (runs[0].verdict, runs[0].failed, runs[0].warnings, runs[0].metrics) == ("pass", 0, 1, {"accuracy": 0.8})
    assert history.report(second.id)["provenance"]["finished_at"] == "2026-02-01"
    assert History(tmp_path / "h.sqlite").runs(audit_key(audit, "T")) == runs  # kept across restarts


def test_intervals_are_kept_and_a_history_from_before_them_still_opens(tmp_path):
    import sqlite3

    from assay.app.history import SCHEMA, History, audit_key

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as connection:  # a history written before the intervals column
        connection.executescript(SCHEMA)
        connection.execute("INSERT INTO runs (audit, title, report_id, finished_at, verdict, failed, warnings, "
                            "metrics, report) VALUES ('title:T', 'T', 'r0', '2026-01-01', 'pass', 0, 0, "
                            "'{\"accuracy\": 0.8}', x'')")
    connection.close()
    history = History(path)
    metric = {"value": 0.75, "ci_low": 0.7, "ci_high": 0.79}
    new = history.record({"title": "T", "verdict": "warn", "provenance": {"finished_at": "2026-02-01"},
                          "integrity": {"results_sha256": "r1"}, "findings": [],
                          "performance": {"production": {"metrics": {"accuracy": metric}}}}, None)
    old, again = history.runs(audit_key(None, "T"))
    assert (old.intervals, old.metrics) == ({}, {"accuracy": 0.8})
    assert again == new and again.intervals == {"accuracy": (metric["ci_low"], metric["ci_high"])}


def test_the_history_page_shows_every_run_and_compares_two(qtbot, window, small_demo, tmp_path):
    window.open_audit(small_demo)
    for missing_warn in (0.05, 0.2):  # two runs of the same audit, one configuration key apart
        config = window.session.config.replace("quality", missing_warn=missing_warn)
        window.setup_page.set_config(config)
        with qtbot.waitSignal(window.session.audit_finished, timeout=120_000):
            window.run_audit()
    window.go_to("history")
    page = window.history_page
    assert page.table.rowCount() == 2 and page.table.isVisible()
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    assert headers[:4] == ["Finished", "Verdict", "Failed", "Warnings"] and "accuracy" in headers
    report = window.session.report
    assert page.table.item(1, 1).text() == report.verdict.upper()
    assert page.table.item(1, headers.index("accuracy")).text() == f"{report.performance.production.metrics['accuracy'].value:.4f}"
    assert not page.compare_button.isEnabled()
    selection = page.table.selectionModel()
    for row in (0, 1):
        selection.select(page.table.model().index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    assert page.compare_button.isEnabled()
    page.compare_button.click()
    text = page.changes.toPlainText()
    assert "quality.missing_warn: 0.05 -> 0.2" in text
    # the plot: each run's headline metric at its date, its interval, and its marker in the colour of its verdict
    from assay.app.plots.history import run_time
    from assay.app.theme import severity_colour

    plot = page.plot
    assert not plot.is_empty() and plot.metrics == page.metrics and "accuracy" in plot.metrics
    x, y = plot.series("accuracy")
    assert list(x) == [run_time(run) for run in page.run_list]
    assert list(y) == [run.metrics["accuracy"] for run in page.run_list]
    assert y[-1] == report.performance.production.metrics["accuracy"].value
    assert plot.interval_count("accuracy") == 2
    assert plot.marker_colours("accuracy") == [severity_colour(run.verdict).name() for run in page.run_list]
    assert f"verdict {report.verdict}" in plot.legend_texts()
    page.metric_choice.setCurrentText("accuracy")  # one metric alone: its own axis
    assert plot.metrics == ["accuracy"] and plot.item.getAxis("left").labelText == "accuracy"
    window.grab().save("/tmp/review-history.png")

    window.open_audit(small_demo)  # opened again (a restart reads the same database): the runs are there
    assert page.table.rowCount() == 2
