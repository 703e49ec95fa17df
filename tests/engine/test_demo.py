"""The demo audit: deterministic, loadable, and with the problems it claims to have planted."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.metrics import roc_auc_score

from assay.engine.config import AuditConfig
from assay.engine.demo import CATEGORICAL, NEW_CATEGORY, NUMERICAL, write_demo

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = ("reference.parquet", "production.parquet")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo folder, written once for the module with seed 0."""
    return write_demo(tmp_path_factory.mktemp("demo") / "nested", seed=0).parent


@pytest.fixture(scope="module")
def reference(demo: Path) -> pd.DataFrame:
    return pd.read_parquet(demo / "reference.parquet")


@pytest.fixture(scope="module")
def production(demo: Path) -> pd.DataFrame:
    frame = pd.read_parquet(demo / "production.parquet")
    return frame.assign(month=frame["application_date"].dt.month, quarter=frame["application_date"].dt.quarter)


@pytest.fixture(scope="module")
def model(demo: Path):
    config = AuditConfig.from_toml(demo / "audit.toml")
    return sio.load(config.model.path, trusted=list(config.model.trusted_types))


def predict_default(model, frame: pd.DataFrame) -> np.ndarray:
    return model.predict(frame[NUMERICAL + CATEGORICAL])


def test_writes_the_files_and_returns_the_audit_file(demo: Path) -> None:
    names = {p.name for p in demo.iterdir()}
    assert {"audit.toml", "model.skops", "README.txt", *DATA_FILES} <= names
    readme = (demo / "README.txt").read_text(encoding="utf-8")
    for planted in ("Drift", NEW_CATEGORY, "Missing values", "fairness"):
        assert planted in readme


def test_same_seed_in_another_process_gives_identical_files(demo: Path, tmp_path: Path, model) -> None:
    code = (  # also checks that the demo, like all of engine/, leaves Qt and app/ out
        f"import sys; from assay.engine.demo import write_demo; write_demo({str(tmp_path)!r}, seed=0); "
        "qt = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt') or m.startswith('assay.app')]; "
        "assert not qt, qt"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    for name in (*DATA_FILES, "audit.toml", "README.txt"):
        assert (tmp_path / name).read_bytes() == (demo / name).read_bytes(), name
    other = sio.load(tmp_path / "model.skops", trusted=sio.get_untrusted_types(file=tmp_path / "model.skops"))
    rows = pd.read_parquet(demo / "production.parquet").head(2000)
    np.testing.assert_array_equal(
        other.predict_proba(rows[NUMERICAL + CATEGORICAL]), model.predict_proba(rows[NUMERICAL + CATEGORICAL])
    )


def test_another_seed_gives_other_data(demo: Path, tmp_path: Path) -> None:
    write_demo(tmp_path, seed=1)
    for name in DATA_FILES:
        assert (tmp_path / name).read_bytes() != (demo / name).read_bytes(), name
    assert tomllib.loads((tmp_path / "audit.toml").read_text())["audit"]["seed"] == 1


def test_columns_have_the_documented_kinds(reference: pd.DataFrame, production: pd.DataFrame) -> None:
    assert len(reference) == len(production) == 12_000
    assert reference["application_date"].dtype.kind == "M"
    assert reference["application_date"].dt.year.unique().tolist() == [2024]
    assert production["application_date"].dt.year.unique().tolist() == [2025]
    ids = pd.concat([reference["application_id"], production["application_id"]])
    assert ids.is_unique and ids.str.fullmatch(r"A\d{6}").all()
    categorical = [c for c in reference.columns if pd.api.types.is_string_dtype(reference[c])]
    assert {"sex", "age_band", "employment_type", "housing", "purpose", "region"} <= set(categorical)
    assert reference["has_guarantor"].dtype == bool
    assert set(reference["default"].unique()) == {0, 1}
    assert 0.15 <= reference["default"].mean() <= 0.25
    assert production["default"].notna().all()


def test_a_category_appears_only_in_production(reference: pd.DataFrame, production: pd.DataFrame) -> None:
    assert NEW_CATEGORY not in set(reference["employment_type"])
    share = production.groupby("month")["employment_type"].apply(lambda s: (s == NEW_CATEGORY).mean())
    assert share.loc[1:6].eq(0).all()
    assert share.loc[12] > 0.08
    assert share.loc[10:12].mean() > share.loc[7:9].mean()


@pytest.mark.parametrize("column", ["income", "credit_history_years"])
def test_missing_values_rise_month_by_month(reference, production, column: str) -> None:
    by_month = production.groupby("month")[column].apply(lambda s: s.isna().mean())
    assert 0 < reference[column].isna().mean() < by_month.loc[1] < by_month.loc[12]
    assert by_month.loc[12] > 0.10
    assert np.corrcoef(by_month.index, by_month.to_numpy())[0, 1] > 0.9


def test_drift_grows_through_the_year(reference: pd.DataFrame, production: pd.DataFrame) -> None:
    def shift(column: str) -> pd.Series:  # standardised mean difference to the reference, by quarter
        ref = reference[column]
        return production.groupby("quarter")[column].mean().sub(ref.mean()).div(ref.std())

    dti, income, loan = shift("debt_to_income"), shift("income"), shift("loan_amount")
    assert 0 < dti.loc[1] < dti.loc[2] < dti.loc[3] < dti.loc[4] and dti.loc[4] > 1.0
    assert 0 > income.loc[1] > income.loc[4] and income.loc[4] < -0.3
    assert 0 < loan.loc[1] < loan.loc[4]
    consolidation = production.groupby("quarter")["purpose"].apply(lambda s: (s == "debt_consolidation").mean())
    assert (reference["purpose"] == "debt_consolidation").mean() < consolidation.loc[1] < consolidation.loc[4]


def test_the_model_predicts_default_more_often_for_women_and_the_young(model, production: pd.DataFrame) -> None:
    predicted = pd.Series(predict_default(model, production), index=production.index)
    by_sex = predicted.groupby(production["sex"]).mean()
    assert by_sex["female"] - by_sex["male"] > 0.05
    by_band = predicted.groupby(production["age_band"]).mean()
    assert by_band["18-25"] - by_band.drop("18-25").max() > 0.10


def test_performance_degrades_through_the_year(model, production: pd.DataFrame) -> None:
    probabilities = model.predict_proba(production[NUMERICAL + CATEGORICAL])[:, 1]
    auc = production.assign(p=probabilities).groupby("quarter")[["default", "p"]].apply(
        lambda g: roc_auc_score(g["default"], g["p"])
    )
    assert auc.loc[4] < auc.loc[1] - 0.02


def test_the_model_loads_with_the_trusted_types_of_the_audit_file(demo: Path, production: pd.DataFrame) -> None:
    config = AuditConfig.from_toml(demo / "audit.toml")
    assert list(config.model.trusted_types) == sio.get_untrusted_types(file=demo / "model.skops")
    model = sio.load(config.model.path, trusted=list(config.model.trusted_types))
    rows = production[production["employment_type"] == NEW_CATEGORY].head(50)  # unseen category and gaps
    probabilities = model.predict_proba(rows)
    assert probabilities.shape == (len(rows), 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert list(model.classes_) == [0, 1]


def test_audit_file_parses_back_with_relative_paths_that_exist(demo: Path) -> None:
    raw = tomllib.loads((demo / "audit.toml").read_text(encoding="utf-8"))
    assert raw["data"] == {"reference": "reference.parquet", "production": "production.parquet"}
    assert raw["model"]["path"] == "model.skops"
    config = AuditConfig.from_toml(demo / "audit.toml")
    for path in (config.data.reference, config.data.production, config.model.path):
        assert path is not None and path.is_file()
    assert config.audit.title == "Demo credit-lending model audit"
    assert config.audit.auditor == "Demo Analyst" and config.audit.organisation == "Assay demo bank"
    assert config.audit.seed == 0
    assert config.columns.target == "default" and config.columns.positive_label == 1
    assert config.columns.sensitive == ("sex", "age_band")
    assert config.columns.timestamp == "application_date"

