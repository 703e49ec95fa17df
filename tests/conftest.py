"""Fixtures shared by every test folder: small audits on real and on hand-made data."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EMPLOYMENT = SHARED_DATA / "employment_ma"


def write_audit(folder: Path, **sections: dict) -> Path:
    """Write an audit.toml into `folder` from section dicts, e.g. data={...}, columns={...}."""
    import tomli_w

    path = folder / "audit.toml"
    path.write_text(tomli_w.dumps(sections), encoding="utf-8")
    return path


@pytest.fixture
def employment_audit(tmp_path: Path) -> Path:
    """The shared census data in predictions-only mode (no model)."""
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    return write_audit(
        tmp_path,
        data={"reference": str(EMPLOYMENT / "reference.parquet"), "production": str(EMPLOYMENT / "production.parquet")},
        columns={"target": "employed", "prediction": "prediction", "probabilities": ["predicted_probability"],
                 "sensitive": ["SEX", "RAC1P"]},
    )


@pytest.fixture
def small_tables(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny reference/production pair as CSV, with known quality problems."""
    reference = pd.DataFrame({
        "age": [25, 32, 47, 51, 38, 29, 60, 44],
        "income": [30.0, 42.5, 55.0, None, 61.0, 38.0, 70.0, 52.0],
        "city": ["a", "b", "a", "c", "b", "a", "c", "b"],
        "const": [1, 1, 1, 1, 1, 1, 1, 1],
        "target": [0, 1, 0, 1, 0, 0, 1, 1],
    })
    production = pd.DataFrame({
        "age": [22, 35, 90, 51, 38, 38, 15, 44],
        "income": [None, None, 55.0, 80.0, None, None, 20.0, 52.0],
        "city": ["a", "d", "a", "d", "e", "e", "c", "b"],
        "const": [1, 1, 1, 1, 1, 1, 1, 1],
        "target": [0, 1, 1, 1, 0, 0, 1, 0],
    })
    production.loc[5] = production.loc[4]  # one duplicate row
    ref_path, prod_path = tmp_path / "reference.csv", tmp_path / "production.csv"
    reference.to_csv(ref_path, index=False)
    production.to_csv(prod_path, index=False)
    return ref_path, prod_path


@pytest.fixture(scope="session")
def demo_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo (model, reference, production, audit.toml), written once per test run."""
    from assay.engine.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def toy():
    """The toy analysis (tests/toy_analysis.py) in the registry for this test; yields its AnalysisSpec."""
    from toy_analysis import toy_registered

    with toy_registered() as spec:
        yield spec
