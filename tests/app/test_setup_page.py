"""The Setup page: files, the column table, edits -> config, errors, drag and drop, trust questions."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QThreadPool, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QProgressBar, QPushButton, QTableView

from assay.app import dialogs, trust
from assay.app.models.columns_model import CHOICES_ROLE, ColumnRow, with_role
from assay.app.pages.setup import FileRow, SetupPage
from assay.engine.config import AuditConfig
from assay.engine.errors import InputError, ModelTrustError, UntrustedTypesError
from assay.engine.input_files import sha256_file
from assay.engine.schema import ColumnKind, ColumnRole

DATA = Path("/work/shared/data/employment_ma")
EMPLOYMENT = AuditConfig().replace(
    "data", reference=DATA / "reference.parquet", production=DATA / "production.parquet"
).replace("columns", target="employed")
WAIT = 30_000


@pytest.fixture
def page(qtbot):
    widget = SetupPage()
    qtbot.addWidget(widget)
    yield widget
    assert QThreadPool.globalInstance().waitForDone(WAIT), "a worker is still running"


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, error: shown.append((title, error)))
    return shown


@pytest.fixture
def employment(page, qtbot, errors):
    with qtbot.waitSignal(page.columns_updated, timeout=WAIT):
        page.set_config(EMPLOYMENT)
    return page


@pytest.fixture
def tables(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    pd.DataFrame({"x": [1.5, 2.5, None, 4.0], "label": ["yes", "no", "yes", "no"]}).to_csv(a, index=False)
    pd.DataFrame({"u": [1, 2, 3, 4], "v": list("abca"), "w": [0.1, 0.2, 0.3, 0.4]}).to_csv(b, index=False)
    return a, b


def rows(page) -> dict[str, ColumnRow]:
    return {row.name: row for row in page.findChild(QTableView, "columns_table").columns.rows()}


def file_row(page, slot: str) -> FileRow:
    return page.findChild(FileRow, f"file_{slot}")


def cell(page, name: str, column: int):
    table = page.findChild(QTableView, "columns_table")
    proxy = table.model()
    for r in range(proxy.rowCount()):
        if proxy.index(r, 0).data() == name:
            return proxy.index(r, column)
    raise KeyError(name)


def edit_cell(page, qtbot, name, column, value):
    """Change a cell as the model sees it; wait for the config and the re-read table."""
    with qtbot.waitSignals([page.config_changed, page.columns_updated], timeout=WAIT):
        assert page.findChild(QTableView, "columns_table").model().setData(cell(page, name, column), value)


def drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)
    return event


# -- the table ------------------------------------------------------------------------------


def test_set_config_fills_the_table_with_kinds_roles_and_missing_shares(employment, errors):
    shown = rows(employment)
    assert len(shown) == 21 and list(shown)[:2] == ["id", "AGEP"]
    assert (shown["id"].kind, shown["id"].role) == (ColumnKind.IDENTIFIER, ColumnRole.ID)
    assert (shown["employed"].role, shown["employed"].guessed) == (ColumnRole.TARGET, False)
    assert (shown["prediction"].role, shown["prediction"].guessed) == (ColumnRole.PREDICTION, True)
    assert shown["AGEP"].kind == ColumnKind.NUMERICAL and shown["SCHL"].kind == ColumnKind.CATEGORICAL
    assert shown["SEX"].role == ColumnRole.SENSITIVE
    assert shown["AGEP"].missing_reference == 0.0 and shown["AGEP"].missing_production == 0.0
    assert cell(employment, "prediction", 2).data() == "prediction  (guessed)"
    assert cell(employment, "AGEP", 3).data() == "none"
    assert "68,785 rows" in file_row(employment, "reference").hint.text()
    assert employment.findChild(QLabel, "task_detected").text() == "detected: binary \u00b7 classes 0, 1"
    assert employment.config() == EMPLOYMENT and not errors
    assert not employment.findChild(QLineEdit, "columns_filter").text()


def test_set_config_emits_nothing_and_ignores_an_equal_config(page, qtbot, errors):
    with qtbot.assertNotEmitted(page.config_changed):
        with qtbot.waitSignal(page.columns_updated, timeout=WAIT):
            page.set_config(EMPLOYMENT)
        with qtbot.assertNotEmitted(page.columns_updated, wait=100):
            page.set_config(EMPLOYMENT)


def test_changing_a_role_writes_columns_and_emits(employment, qtbot):
    with qtbot.waitSignal(employment.config_changed, timeout=WAIT) as emitted:
        with qtbot.waitSignal(employment.columns_updated, timeout=WAIT):
            employment.findChild(QTableView, "columns_table").model().setData(
                cell(employment, "RAC1P", 2), "sensitive")
    config = employment.config()
    assert emitted.args == [config]
    assert config.columns.sensitive == ("SEX", "RAC1P")  # the guess is kept, written out
    assert rows(employment)["RAC1P"].role == ColumnRole.SENSITIVE and not rows(employment)["SEX"].guessed

    edit_cell(employment, qtbot, "prediction", 2, "target")
    assert employment.config().columns.target == "prediction"
    assert rows(employment)["employed"].role == ColumnRole.FEATURE

    edit_cell(employment, qtbot, "AGEP", 2, "ignored")
    assert employment.config().columns.ignore == ("AGEP",)
    edit_cell(employment, qtbot, "AGEP", 2, "feature")
    assert employment.config().columns.ignore == ()


def test_changing_a_kind_stores_an_override_and_the_inferred_kind_removes_it(employment, qtbot):
    assert cell(employment, "AGEP", 1).data(CHOICES_ROLE) == ["numerical", "categorical"]
    assert cell(employment, "SCHL", 1).data(CHOICES_ROLE) == ["categorical"]  # codes stored as text
    edit_cell(employment, qtbot, "AGEP", 1, "categorical")
    assert employment.config().columns.categorical == ("AGEP",)
    assert cell(employment, "AGEP", 1).data() == "categorical  (inferred numerical)"
    edit_cell(employment, qtbot, "AGEP", 1, "numerical")
    assert employment.config().columns.categorical == () and employment.config().columns.numerical == ()


def test_an_identifier_made_a_feature_gets_a_kind_override(employment, qtbot):
    edit_cell(employment, qtbot, "id", 2, "feature")
    assert employment.config().columns.numerical == ("id",)
    assert rows(employment)["id"].role == ColumnRole.FEATURE


def test_a_guessed_role_can_be_taken_away(employment, qtbot):
    with qtbot.waitSignal(employment.columns_updated, timeout=WAIT):
        employment.findChild(QTableView, "columns_table").model().setData(cell(employment, "prediction", 2), "feature")
    assert rows(employment)["prediction"].role == ColumnRole.FEATURE
    assert employment.config().columns.prediction == ""  # "none": the engine must not guess it back
    assert not employment.findChild(QLabel, "columns_notice").isVisibleTo(employment)


def test_the_role_editor_in_the_table_commits_on_pick(employment, qtbot):
    table = employment.findChild(QTableView, "columns_table")
    employment.resize(1200, 800)
    index = cell(employment, "MAR", 2)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    editor = table.viewport().findChild(QComboBox)
    assert editor is not None and editor.currentText() == "feature"
    with qtbot.waitSignals([employment.config_changed, employment.columns_updated], timeout=WAIT):
        editor.setCurrentText("sensitive")
        editor.activated.emit(editor.currentIndex())
    assert employment.config().columns.sensitive == ("SEX", "MAR")


def test_filter_narrows_the_table(employment):
    employment.findChild(QLineEdit, "columns_filter").setText("de")
    table = employment.findChild(QTableView, "columns_table")
    names = {table.model().index(r, 0).data() for r in range(table.model().rowCount())}
    assert names == {"DEAR", "DEYE"}


def test_with_role_pins_guessed_probabilities_and_stores_id_as_ignore():
    def row(name, role, kind=ColumnKind.NUMERICAL):
        return ColumnRow(name, kind, kind, role, False, False, True, 0, 0)

    shown = (row("p1", ColumnRole.PROBABILITY), row("p2", ColumnRole.PROBABILITY), row("x", ColumnRole.FEATURE))
    config = with_role(AuditConfig(), shown, "p2", ColumnRole.FEATURE)
    assert config.columns.probabilities == ("p1",)
    assert with_role(AuditConfig(), shown, "x", ColumnRole.ID).columns.ignore == ("x",)
    assert with_role(AuditConfig(), shown, "x", ColumnRole.SENSITIVE).columns.sensitive == ("x",)


# -- files ----------------------------------------------------------------------------------


def test_an_unreadable_file_shows_an_error_and_keeps_everything_else(employment, qtbot, errors, tmp_path):
    qtbot.keyClicks(employment.findChild(QLineEdit, "audit_title"), " 2024")
    before = employment.config()
    assert before.audit.title == "Model audit 2024"
    missing = tmp_path / "nope.csv"
    with qtbot.assertNotEmitted(employment.config_changed):
        with qtbot.waitSignal(employment.columns_updated, timeout=WAIT):
            employment.set_path("production", missing)
    assert len(errors) == 1 and "production" in errors[0][0] and "nope.csv" in str(errors[0][1])
    assert employment.config() == before and len(rows(employment)) == 21
    assert file_row(employment, "production").edit.text() == str(DATA / "production.parquet")

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with qtbot.waitSignal(employment.columns_updated, timeout=WAIT):
        employment.set_path("reference", empty)
    assert "empty" in str(errors[1][1]) and employment.config() == before


def test_a_config_naming_an_unreadable_file_is_kept_and_marked(page, qtbot, errors, tmp_path, tables):
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    config = AuditConfig().replace("data", reference=tables[0], production=empty)
    with qtbot.waitSignal(page.columns_updated, timeout=WAIT):
        page.set_config(config)
    assert page.config() == config and list(rows(page)) == ["x", "label"]
    assert "empty.parquet" in str(errors[0][1]) and "Cannot read" in file_row(page, "production").hint.text()


def test_a_stale_read_is_dropped(page, qtbot, errors, tables):
    a, b = tables
    with qtbot.waitSignal(page.config_changed, timeout=WAIT) as emitted:
        page.set_path("reference", a)
        page.set_path("reference", b)
    qtbot.waitUntil(lambda: not page.findChild(QProgressBar, "columns_busy").isVisibleTo(page), timeout=WAIT)
    assert emitted.args[0].data.reference == b and page.config().data.reference == b
    assert list(rows(page)) == ["u", "v", "w"]
    assert rows(page)["u"].missing_production is None
    assert cell(page, "u", 4).data() == "not in file"


def test_config_names_absent_columns_are_reported(page, qtbot, errors, tables):
    config = AuditConfig().replace("data", reference=tables[0]).replace("columns", target="employed")
    with qtbot.waitSignal(page.columns_updated, timeout=WAIT):
        page.set_config(config)
    notice = page.findChild(QLabel, "columns_notice")
    assert "target 'employed'" in notice.text() and page.config() == config and not errors


def test_dropped_files_go_to_empty_slots_and_models_to_the_model(page, qtbot, errors, tables, models, monkeypatch):
    monkeypatch.setattr(trust, "ask_types_trust", lambda parent, path, types: True)
    with qtbot.waitSignal(page.columns_updated, timeout=WAIT):
        event = drop(page, [tables[0], models[1]])
    assert event.isAccepted()
    assert page.config().data.reference == tables[0] and page.config().model.path == models[1]
    with qtbot.waitSignal(page.columns_updated, timeout=WAIT):
        drop(page, [tables[1]])
    assert page.config().data.production == tables[1]
    assert page.findChild(QPushButton, "run_audit").isEnabled()


def test_a_row_takes_its_own_kind_of_file_only(page, qtbot, errors, tables, models):
    row = file_row(page, "production")
    with qtbot.waitSignal(page.columns_updated, timeout=WAIT):
        drop(row, [tables[1]])
    assert page.config().data.production == tables[1] and page.config().data.reference is None
    assert not drop(row, [models[0]]).isAccepted()  # left to the page, which sends it to the model


def test_audit_fields_task_and_positive_label_write_the_config(employment, qtbot):
    with qtbot.waitSignal(employment.config_changed):
        qtbot.keyClicks(employment.findChild(QLineEdit, "audit_auditor"), "Ada")
    assert employment.config().audit.auditor == "Ada"
    task = employment.findChild(QComboBox, "task_type")
    with qtbot.waitSignal(employment.columns_updated, timeout=WAIT):
        task.setCurrentText("binary")
        task.activated.emit(task.currentIndex())
    assert employment.config().task.type == "binary"
    positive = employment.findChild(QComboBox, "positive_label")
    assert [positive.itemText(i) for i in range(positive.count())] == ["0", "1"]
    with qtbot.waitSignal(employment.columns_updated, timeout=WAIT):
        positive.setCurrentIndex(0)
        positive.activated.emit(0)
    assert employment.config().columns.positive_label == 0


# -- models and trust -----------------------------------------------------------------------


def test_a_pickle_model_is_opened_only_after_trust(page, qtbot, errors, models, monkeypatch):
    asked = []
    monkeypatch.setattr(trust, "ask_pickle_trust", lambda parent, path, sha: asked.append((path, sha)) or False)
    page.set_path("model", models[0])
    assert page.config().model.path is None and asked == [(models[0], sha256_file(models[0]))]
    assert file_row(page, "model").edit.text() == ""

    monkeypatch.setattr(trust, "ask_pickle_trust", lambda parent, path, sha: True)
    with qtbot.waitSignal(page.config_changed):
        page.set_path("model", models[0])
    assert page.config().model.path == models[0] and page.config().model.trusted
    assert "trusted by you" in file_row(page, "model").hint.text()

    with qtbot.waitSignal(page.config_changed):
        file_row(page, "model").clear_button.click()
    assert page.config().model.path is None and not page.config().model.trusted
    assert "predictions-only or data-only" in file_row(page, "model").hint.text()


def test_skops_untrusted_types_are_listed_and_accepted_or_refused(page, errors, models, monkeypatch):
    monkeypatch.setattr(trust, "ask_types_trust", lambda parent, path, types: False)
    page.set_path("model", models[1])
    assert page.config().model.path is None
    seen = []
    monkeypatch.setattr(trust, "ask_types_trust", lambda parent, path, types: seen.append(list(types)) or True)
    page.set_path("model", models[1])
    assert seen == [["_operator.neg"]]
    assert page.config().model.path == models[1] and page.config().model.trusted_types == ("_operator.neg",)
    assert not page.config().model.trusted and not errors


def test_a_broken_model_file_shows_an_error(page, errors, tmp_path):
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"not a zip")
    page.set_path("model", broken)
    assert page.config().model.path is None and "broken.skops" in str(errors[0][1])


def test_resolve_trust_answers_a_run_s_trust_errors(models, monkeypatch):
    config = AuditConfig().replace("model", path=models[0])
    pickle_error = ModelTrustError(models[0], "ab" * 32)
    monkeypatch.setattr(trust, "ask_pickle_trust", lambda parent, path, sha: sha == "ab" * 32)
    assert trust.resolve_trust(None, config, pickle_error).model.trusted
    monkeypatch.setattr(trust, "ask_pickle_trust", lambda parent, path, sha: False)
    assert trust.resolve_trust(None, config, pickle_error) is None

    config = AuditConfig().replace("model", path=models[1], trusted_types=["a.B"])
    types_error = UntrustedTypesError(models[1], ["_operator.neg"])
    monkeypatch.setattr(trust, "ask_types_trust", lambda parent, path, types: True)
    assert trust.resolve_trust(None, config, types_error).model.trusted_types == ("a.B", "_operator.neg")
    monkeypatch.setattr(trust, "ask_types_trust", lambda parent, path, types: False)
    assert trust.resolve_trust(None, config, types_error) is None
    assert trust.resolve_trust(None, config, InputError("other")) is None


def test_trust_dialogs_show_the_facts_and_default_to_refusing(qtbot, models):
    dialog = trust.pickle_dialog(None, models[0], "c0ffee" * 10)
    qtbot.addWidget(dialog)
    assert "c0ffee" in dialog.details.toPlainText() and str(models[0]) in dialog.details.toPlainText()
    assert dialog.refuse_button.isDefault() and not dialog.accept_button.isDefault()
    dialog.open()
    dialog.accept_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted

    dialog = trust.types_dialog(None, models[1], ["_operator.neg", "x.Y"])
    qtbot.addWidget(dialog)
    assert dialog.details.toPlainText() == "_operator.neg\nx.Y"
    dialog.open()
    dialog.refuse_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_choosing_the_same_file_again_reads_nothing_and_changes_nothing(employment, qtbot):
    with qtbot.assertNotEmitted(employment.config_changed):
        with qtbot.waitSignal(employment.columns_updated, timeout=WAIT):
            employment.set_path("reference", DATA / "reference.parquet")
    assert employment.findChild(QPushButton, "run_audit").isEnabled()
    assert "68,785 rows" in file_row(employment, "reference").hint.text()


def test_a_large_file_is_sampled_for_the_columns_and_says_so(page, qtbot, errors, tmp_path, tables, monkeypatch):
    """The page reads only the first rows of a large file (the audit reads it all) and says which."""
    import assay.engine.csv_reader as csv_reader
    from assay.app.models import columns_model

    monkeypatch.setattr(columns_model, "SAMPLE_BYTES", 1 << 20)
    monkeypatch.setattr(csv_reader, "CSV_BLOCK", 1 << 18)
    big = tmp_path / "big.csv"
    big.write_text("u,v,w\n" + "".join(f"{i},{'abc'[i % 3]},{i / 7:.4f}\n" for i in range(300_000)))
    config = AuditConfig().replace("data", reference=big, production=tables[1])
    with qtbot.waitSignal(page.columns_updated, timeout=WAIT):
        page.set_config(config)
    assert not errors and list(rows(page)) == ["u", "v", "w"]
    hint = file_row(page, "reference").hint.text()
    assert hint.startswith("5.") and "MB \u00b7 columns from the first" in hint
    shown = int(hint.split("first ")[1].split(" rows")[0].replace(",", ""))
    assert 10_000 < shown < 300_000
    assert file_row(page, "production").hint.text().startswith("4 rows")
    summary = page.findChild(QLabel, "columns_summary") or page._summary
    assert f"reference first {shown:,} rows" in summary.text() and "production 4 rows" in summary.text()
    assert summary.text().endswith("the audit reads every row")


def test_a_folder_of_parquet_files_is_read_as_a_data_input(page, qtbot, errors, tmp_path, monkeypatch):
    """The Folder… button chooses a folder; its files' columns fill the table from a seeded sample."""
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "production"
    folder.mkdir()
    for i in range(3):
        pd.DataFrame({"amount": [1.5 * i, 2.0, 3.0], "region": ["n", "s", "e"]}).to_parquet(folder / f"p-{i}.parquet")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(folder))
    row = page.findChild(FileRow, "file_production")
    with qtbot.waitSignal(page.columns_updated, timeout=WAIT):
        row.folder_button.click()
    assert page.config().data.production == folder and not errors
    assert {r.name for r in page.findChild(QTableView).model().sourceModel().rows()} >= {"amount", "region"}
    assert not hasattr(page.findChild(FileRow, "file_model"), "folder_button")
    page.resize(1100, 700)
    page.grab().save("/tmp/stream-core-setup-folder.png")
