"""docs/architecture.md stays true: every path it names exists, and the README links to it."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
# a path in backticks: a folder ending in "/", or a file with an extension; "<name>" stands for any analysis
PATH = re.compile(r"`([\w./<>-]+/|[\w./<>-]+\.(?:py|md|toml|qss|desktop|spec))`")


def named_paths(text: str) -> list[str]:
    return [p for p in PATH.findall(text) if not p.startswith(("http", "."))]


def test_every_path_the_architecture_names_exists():
    paths = named_paths(DOC.read_text(encoding="utf-8"))
    assert len(paths) > 40  # the doc names its modules; a broken pattern would find none
    from assay.engine.analyses.registry import names

    missing = []
    for path in paths:
        for name in (names() if "<name>" in path else [None]):
            concrete = path.replace("<name>", name) if name else path
            if concrete.startswith("engine/explanations"):  # the explanations' package is engine/explain
                concrete = concrete.replace("engine/explanations", "engine/explain", 1)
            if not (ROOT / concrete).exists():
                missing.append(concrete)
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_the_check_finds_a_path_that_does_not_exist():
    assert named_paths("see `engine/nowhere.py` and `app/` but not `assay.run_audit`") == ["engine/nowhere.py",
                                                                                          "app/"]


def test_the_readme_links_to_it():
    assert "(docs/architecture.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
