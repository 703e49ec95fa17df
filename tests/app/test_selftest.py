"""`assay --selftest` passes from the checkout and leaves its outputs in --selftest-dir (make bundle-check runs
it on the bundle, under Xvfb, and on a wheel installed in a fresh virtual environment)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_selftest_passes_and_keeps_its_outputs(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ASSAY_SETTINGS_DIR=str(tmp_path / "settings"))
    env.pop("ASSAY_DATA_DIR", None)  # as on a user's machine: the selftest must not write to their history
    result = subprocess.run([sys.executable, "-m", "assay.app.launcher", "--selftest", "--selftest-dir", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=900, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "selftest passed" in result.stdout and "FAIL" not in result.stdout + result.stderr
    out = tmp_path / "out"
    assert (out / "demo" / "audit.toml").is_file() and (out / "report.pdf").stat().st_size > 10_000
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "fail"  # the demo's planted drift and disparities
    assert (out / "window.png").stat().st_size > 10_000
    assert (out / "data" / "history.sqlite").is_file()  # its run went to its own history, not the user's


def test_selftest_says_when_its_folder_cannot_be_made(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "assay.app.launcher", "--selftest", "--selftest-dir",
                             str(tmp_path / "file" / "out")], capture_output=True, text=True, timeout=300, cwd=ROOT,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 2 and "--selftest-dir" in result.stderr and "Traceback" not in result.stderr


def test_selftest_keeps_its_history_in_its_own_folder(tmp_path, monkeypatch):
    """Without ASSAY_DATA_DIR (a user's machine) the selftest's audit history goes to its folder, not the user's."""
    from assay.app import selftest
    from assay.app.history import DATA_DIR_ENV, History

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    seen = {}
    monkeypatch.setattr(selftest, "_run", lambda folder, checks: seen.update(history=History().path))
    assert selftest.run_selftest(tmp_path / "out") == selftest.EXIT_OK
    assert seen["history"].is_relative_to(tmp_path / "out")
