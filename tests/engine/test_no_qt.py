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


def test_the_engine_never_names_the_app_and_the_command_loads_no_qt_for_an_audit():
    """The desktop app reaches the CLI through app/launcher.py (the `assay` entry point), not the other way round."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in (root / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in FORBIDDEN for n in names), f"{path}: imports {names}"
    code = ("import sys, app.launcher\n"
            f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN[:4]!r})))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_engines_own_entry_point_says_where_the_desktop_app_starts():
    result = subprocess.run([sys.executable, "-m", "engine.cli", "gui"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "`assay` command" in result.stderr
