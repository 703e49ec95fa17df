"""A model that fails (crashes, raises, cannot be opened) in `assay audit`: the rest of the audit runs, the JSON and
PDF are written, and the command exits 2 with one line on stderr naming the model and what happened."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from misbehaving_models import Misbehaving, RaisesOnLoad, write_model, write_tables
from tests.conftest import write_audit

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    return subprocess.run([sys.executable, "-m", "assay.engine.cli", *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=ROOT)


@pytest.mark.parametrize("model, words", [
    (Misbehaving("segfault", 1), "the model process crashed (signal 11, segmentation fault) while predicting the "
                                 "production data, rows 1-1200"),
    (Misbehaving("raise", 0), "the model failed to predict on the reference data (rows 1-1200): ValueError"),
    (RaisesOnLoad(), "the model file could not be loaded (this pickle raises when it is opened)"),
])
def test_a_failing_model_exits_2_with_one_line_after_writing_the_reports(tmp_path, model, words):
    if "signal" in words and not sys.platform.startswith("linux"):
        pytest.skip("signals are POSIX")
    reference, production = write_tables(tmp_path)
    path = write_audit(tmp_path, data={"reference": str(reference), "production": str(production)},
                       model={"path": str(write_model(tmp_path / "model.joblib", model)), "trusted": True},
                       columns={"target": "y", "sensitive": ["sex"]}, explain={"method": "none"})
    out, pdf = tmp_path / "report.json", tmp_path / "report.pdf"
    result = run_cli("audit", str(path), "--json", str(out), "--pdf", str(pdf), "--quiet")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("assay: error: ") and "Traceback" not in result.stderr
    assert str(tmp_path / "model.joblib") in lines[0] and words in lines[0]
    data = json.loads(out.read_text())
    assert words in data["model_error"] and data["analyses"]["predictions"]["status"] == "failed"
    assert data["analyses"]["drift"]["status"] == "ran" and data["drift"]["features"]
    assert any(f["id"] == "model.failed" and f["severity"] == "fail" for f in data["findings"])
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "Verdict: FAIL" in result.stdout
