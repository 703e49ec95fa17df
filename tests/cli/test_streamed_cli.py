"""The streamed audit through the `assay` command: a folder of Parquet files audits as the single file does and the
report says which path ran; files disagreeing on a column's type, or a truncated file, stop it with exit 2, one
line naming the files (and the column), and nothing written."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import write_audit


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assay.engine.cli", *args], capture_output=True, text=True,
                          timeout=300)


def _parts(frame: pd.DataFrame, folder, parts: int = 3) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), parts)):
        paths.append(folder / f"part-{i}.parquet")
        frame.iloc[rows].to_parquet(paths[-1], index=False)
    return paths


@pytest.fixture
def tables(tmp_path):
    rng = np.random.default_rng(5)

    def table(n: int, shift: float) -> pd.DataFrame:
        return pd.DataFrame({"amount": rng.normal(shift, 1, n), "region": rng.choice(["n", "s", "e"], n),
                             "age": rng.integers(18, 80, n)})

    reference, production = table(900, 0.0), table(1100, 0.3)
    reference.to_parquet(tmp_path / "reference.parquet", index=False)
    production.to_parquet(tmp_path / "production.parquet", index=False)
    return tmp_path, production


def _json(tmp_path, audit, *extra: str) -> dict:
    out = tmp_path / "out.json"
    result = run_cli("audit", str(audit), "--json", str(out), "--quiet", *extra)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(out.read_text())


def test_a_folder_audits_streamed_as_the_file_does_in_memory(tables):
    folder, production = tables
    _parts(production, folder / "production")
    single = write_audit(folder, data={"reference": str(folder / "reference.parquet"),
                                       "production": str(folder / "production.parquet")})
    memory = _json(folder, single)
    assert memory["provenance"]["compute"]["path"] == "memory"
    (folder / "streamed").mkdir()
    streamed_audit = write_audit(folder / "streamed", data={"reference": str(folder / "reference.parquet"),
                                                            "production": str(folder / "production")})
    streamed = _json(folder, streamed_audit)
    compute = streamed["provenance"]["compute"]
    assert compute["path"] == "streamed" and compute["rows"] == {"reference": 900, "production": 1100}
    assert compute["batches"] >= 2
    assert streamed["quality"] == memory["quality"]
    files = [i["path"] for i in streamed["provenance"]["inputs"] if i["role"] == "production"]
    assert [f.rsplit("/", 1)[-1] for f in files] == ["part-0.parquet", "part-1.parquet", "part-2.parquet"]
    globbed = _json(folder, single, "--set", f'data.production="{folder / "production" / "part-*.parquet"}"')
    assert globbed["quality"] == memory["quality"]


def test_files_disagreeing_on_a_column_type_exit_2_naming_both_and_the_column(tables):
    folder, production = tables
    paths = _parts(production, folder / "production")
    changed = production.iloc[:10].assign(age=lambda f: f["age"].astype(str))
    changed.to_parquet(paths[1], index=False)
    audit = write_audit(folder, data={"reference": str(folder / "reference.parquet"),
                                      "production": str(folder / "production")})
    out = folder / "out.json"
    result = run_cli("audit", str(audit), "--json", str(out))
    assert result.returncode == 2
    assert str(paths[0]) in result.stderr and str(paths[1]) in result.stderr and "'age'" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_a_truncated_file_exits_2_naming_it_and_nothing_is_written(tables):
    folder, production = tables
    paths = _parts(production, folder / "production")
    data = paths[2].read_bytes()
    paths[2].write_bytes(data[: len(data) * 2 // 3])
    audit = write_audit(folder, data={"reference": str(folder / "reference.parquet"),
                                      "production": str(folder / "production")})
    out, pdf = folder / "out.json", folder / "out.pdf"
    result = run_cli("audit", str(audit), "--json", str(out), "--pdf", str(pdf))
    assert result.returncode == 2
    assert str(paths[2]) in result.stderr and "truncated" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not pdf.exists()


def test_a_truncated_single_file_streamed_exits_2(tables):
    folder, _ = tables
    data = (folder / "production.parquet").read_bytes()
    (folder / "production.parquet").write_bytes(data[:-100])
    audit = write_audit(folder, data={"reference": str(folder / "reference.parquet"),
                                      "production": str(folder / "production.parquet")},
                        compute={"path": "streamed"})
    result = run_cli("audit", str(audit))
    assert result.returncode == 2 and str(folder / "production.parquet") in result.stderr
