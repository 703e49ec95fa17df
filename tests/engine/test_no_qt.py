"""engine/ never imports Qt: proved in a fresh interpreter, as napari's import contract does."""
import subprocess
import sys

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "app")


def test_importing_the_engine_loads_no_qt_module():
    code = (
        "import sys, engine, engine.cli, engine.pipeline, engine.demo\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_running_an_audit_loads_no_qt_module(employment_audit):
    code = (
        "import sys\nfrom engine import AuditConfig, run_audit\n"
        f"run_audit(AuditConfig.from_toml({str(employment_audit)!r}))\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
