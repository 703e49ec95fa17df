"""engine/ never imports Qt: proved in a fresh interpreter, as napari's import contract does."""
import subprocess
import sys

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "assay.app")


def forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN)


def test_importing_the_engine_loads_no_qt_module():
    code = (
        "import sys, assay, assay.engine, assay.engine.cli, assay.engine.pipeline, assay.engine.demo\n"
        f"bad = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') for f in {FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_running_an_audit_loads_no_qt_module(employment_audit):
    code = (
        "import sys\nfrom assay.engine import AuditConfig, run_audit\n"
        f"run_audit(AuditConfig.from_toml({str(employment_audit)!r}))\n"
        f"print(','.join(sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') for f in {FORBIDDEN!r}))))\n"
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
            assert not any(forbidden(n) for n in names), f"{path}: imports {names}"
    code = ("import sys, assay.app.launcher\n"
            f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN[:4]!r})))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_engines_own_entry_point_says_where_the_desktop_app_starts():
    result = subprocess.run([sys.executable, "-m", "assay.engine.cli", "gui"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "`assay` command" in result.stderr
