"""The guard rails `make test` runs: ruff's rules and the import contracts, both configured in pyproject.toml.

Both tools come with the `test` extra (`pip install -e '.[test]'`, which `make test` does); they run from the
virtualenv's bin folder, or from PATH when the interpreter's bin folder has no copy.
"""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The installed layout: what import-linter reads as the package `assay` (as installers/assay.spec stages it)
LAYOUT = (("assay", "assay"), ("engine", "assay/engine"), ("app", "assay/app"))


def tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]' (make test does)"
    return found


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    result = run([tool("ruff"), "check", "--no-cache", "."], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_import_contracts_are_kept(tmp_path: Path):
    """import-linter finds a package's modules by walking its folder, but here assay.engine and assay.app are the
    repository's top-level engine/ and app/ (setup.py maps them; assay/__init__.py extends its path when imported).
    So the contracts are checked on a copy in the installed layout, beside a copy of pyproject.toml: lint-imports
    reads the configuration in its working folder and puts that folder first on the path."""
    for source, target in LAYOUT:
        shutil.copytree(ROOT / source, tmp_path / target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    result = run([tool("lint-imports"), "--no-cache"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout
