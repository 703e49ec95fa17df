"""App test fixtures: offscreen Qt, settings in a temporary folder, and no worker left running."""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ASSAY_NO_PRESTART", "1")  # tests open many audits they never run (test_isolation_app turns it on)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def settings_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own settings file; the user's real settings are never touched."""
    folder = tmp_path / "settings"
    monkeypatch.setenv("ASSAY_SETTINGS_DIR", str(folder))
    monkeypatch.setenv("ASSAY_STATE_DIR", str(tmp_path / "state"))  # the autosave too (app/autosave.py)
    monkeypatch.setenv("ASSAY_DATA_DIR", str(tmp_path / "data"))  # and the audit history (app/history.py)
    return folder


@pytest.fixture(scope="session", autouse=True)
def qt_process_guards(qapp):
    """As in the app (app/garbage.py): Python's cyclic GC runs in the GUI thread only, so a Qt object
    left in a reference cycle by one test is never destroyed in a later test's worker thread."""
    from assay.app import garbage, refcount_guard

    collector = garbage.install(qapp)
    refcount_guard.install(qapp)  # as in the app: PySide6 6.12.0 on Python 3.11 leaks None/True refs
    yield collector
    collector.timer.stop()


@pytest.fixture(autouse=True)
def no_dangling_workers():
    """After every test, no worker is still running (napari's dangling-thread check)."""
    yield
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QThreadPool
    from superqt.utils import WorkerBase

    if QCoreApplication.instance() is None:
        return
    pool = QThreadPool.globalInstance()
    deadline = QDeadlineTimer(20_000)
    while (pool.activeThreadCount() or WorkerBase._worker_set) and not deadline.hasExpired():
        pool.waitForDone(50)
        QCoreApplication.processEvents()  # delivers `finished`, which removes a worker from the set
    import gc

    gc.collect()  # here, in the GUI thread, with no worker running
    if pool.activeThreadCount() or WorkerBase._worker_set:
        pytest.fail(f"workers still running after the test: {pool.activeThreadCount()} threads, "
                    f"{len(WorkerBase._worker_set)} superqt workers")


SMALL_STEP = 24  # every 24th row of the demo: 500 rows a year, and its planted problems still show


@pytest.fixture(scope="session")
def demo_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deterministic demo (data, skops model, audit file), written once per test session."""
    from assay.engine.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def small_demo(demo_audit: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo audit on every 24th row: the same model and findings, a run of about a second."""
    import pandas as pd

    from assay.engine.config import AuditConfig

    folder = tmp_path_factory.mktemp("small_demo")
    for name in ("reference", "production"):
        frame = pd.read_parquet(demo_audit.parent / f"{name}.parquet")
        frame.iloc[::SMALL_STEP].to_parquet(folder / f"{name}.parquet")
    (folder / "model.skops").write_bytes((demo_audit.parent / "model.skops").read_bytes())
    config = AuditConfig.from_toml(demo_audit)
    config = config.replace("data", reference=folder / "reference.parquet", production=folder / "production.parquet")
    config = config.replace("model", path=folder / "model.skops")
    path = folder / "audit.toml"
    config.to_toml(path)
    return path


@pytest.fixture(scope="session")
def small_demo_report(small_demo: Path):
    """The small demo's AuditReport, computed once (no Qt) for the tests that only look at pages."""
    from assay.engine.config import AuditConfig
    from assay.engine.pipeline import run_audit

    return run_audit(AuditConfig.from_toml(small_demo))


@pytest.fixture
def tiny_audit(tmp_path: Path) -> Path:
    """Eight rows as CSV, no model and no predictions: an audit of well under a second."""
    rows = "age,income,city,target\n25,30.0,a,0\n32,42.5,b,1\n47,55.0,a,0\n51,,c,1\n38,61.0,b,0\n29,38.0,a,0\n" \
           "60,70.0,c,1\n44,52.0,b,1\n"
    (tmp_path / "reference.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "production.csv").write_text(rows.replace("32,42.5,b", "32,,d"), encoding="utf-8")
    path = tmp_path / "audit.toml"
    path.write_text('[audit]\ntitle = "Tiny"\n[data]\nreference = "reference.csv"\nproduction = "production.csv"\n',
                    encoding="utf-8")
    return path


@pytest.fixture
def window(qtbot, monkeypatch: pytest.MonkeyPatch):
    """The main window, shown, with the unsaved-changes question answered "discard"."""
    from assay.app import main_window
    from assay.app.settings import AppSettings

    monkeypatch.setattr(main_window, "ask_save_changes", lambda parent, name: "discard")
    win = main_window.MainWindow(AppSettings())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def close_error():
    """close_error(win): close the window's last error dialog and return its text."""

    def close(win) -> str:
        box = win.last_error
        assert box is not None, "no error dialog was shown"
        assert box.isVisible()
        text = f"{box.text()}\n{box.informativeText()}"
        box.close()
        win.last_error = None
        return text

    return close


@pytest.fixture
def models(tmp_path: Path) -> tuple[Path, Path]:
    """A joblib model (opening it needs trust) and a skops model with one type skops does not trust by default."""
    import operator

    import joblib
    import numpy as np
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1]
    joblib_path, skops_path = tmp_path / "model.joblib", tmp_path / "model.skops"
    joblib.dump(LogisticRegression().fit(X, y), joblib_path)
    sio.dump(make_pipeline(FunctionTransformer(operator.neg), LogisticRegression()).fit(X, y), skops_path)
    return joblib_path, skops_path
