"""The pipeline recipes, checked without a container engine: the Containerfile's install step names a package
and extras this repository defines, whose requirements resolve here (as pip would resolve them), and its
entrypoint is the real `assay audit`; the Kubeflow component passes only flags the CLI's parser has; the CI gate
script passes the audit's exit code on."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from assay.engine.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "integrations"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, rest) of a Containerfile, continuation lines joined, comments left out."""
    found, pending = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
            pending = ""
    return found


def audit_options() -> dict[str, object]:
    """The `assay audit` subcommand's options, by flag, from the real parser."""
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    return {flag: action for action in commands.choices["audit"]._actions for flag in action.option_strings}


def test_the_containerfile_installs_this_package_with_extras_it_defines():
    steps = instructions(RECIPES / "container" / "Containerfile")
    base = next(rest for word, rest in steps if word == "FROM")
    assert "python:3.11" in base and PYPROJECT["project"]["requires-python"] == ">=3.11"
    source, destination = next(rest.split() for word, rest in steps if word == "COPY")
    assert (ROOT / source / "setup.py").is_file() and (ROOT / source / "pyproject.toml").is_file()
    install = next(shlex.split(rest) for word, rest in steps if word == "RUN" and "pip install" in rest)
    target = next(arg for arg in install[install.index("install") + 1:] if not arg.startswith("-"))
    path, _, extras = target.partition("[")
    assert path == destination
    extras = [e.strip() for e in extras.rstrip("]").split(",") if e.strip()]
    assert extras == ["mlflow"] and set(extras) <= set(PYPROJECT["project"]["optional-dependencies"])
    # what pip resolves for that line: the core requirements and the extras', each satisfied here
    wanted = PYPROJECT["project"]["dependencies"] + [
        r for extra in extras for r in PYPROJECT["project"]["optional-dependencies"][extra]]
    for text in wanted:
        requirement = Requirement(text)
        installed = metadata.version(requirement.name)
        assert requirement.specifier.contains(installed, prereleases=True), f"{requirement}: {installed} installed"


def test_the_containers_entrypoint_is_the_real_assay_audit(tmp_path):
    steps = dict(instructions(RECIPES / "container" / "Containerfile"))
    entrypoint, default = json.loads(steps["ENTRYPOINT"]), json.loads(steps["CMD"])
    assert entrypoint == ["assay", "audit"]
    assert PYPROJECT["project"]["scripts"]["assay"] == "assay.app.launcher:main"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", "import sys; from assay.app.launcher import main; "
                             "sys.exit(main(sys.argv[1:]))", *entrypoint[1:], *default],
                            capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert result.returncode == 0 and "--prometheus" in result.stdout and "--mlflow" in result.stdout


def test_the_kubeflow_component_passes_only_the_clis_flags():
    component = yaml.safe_load((RECIPES / "kubeflow" / "component.yaml").read_text(encoding="utf-8"))
    container = component["implementation"]["container"]
    assert container["command"] == ["assay", "audit"]
    options = audit_options()
    args = container["args"]
    inputs = {i["name"] for i in component["inputs"]}
    outputs = {o["name"] for o in component["outputs"]}
    for i, arg in enumerate(args):
        if isinstance(arg, str) and arg.startswith("-"):
            assert arg in options, f"{arg} is not an option of assay audit"
            if options[arg].nargs != 0:  # a flag with a value: the next argument is its placeholder
                assert isinstance(args[i + 1], dict) and set(args[i + 1]) & {"outputPath", "inputPath", "inputValue"}
        elif isinstance(arg, dict):
            for kind, name in _placeholders(arg):
                assert name in (outputs if kind == "outputPath" else inputs), f"{kind} {name} is not declared"
    assert {name for arg in args if isinstance(arg, dict) for kind, name in _placeholders(arg)
            if kind == "outputPath"} == outputs


def _placeholders(arg):
    if isinstance(arg, dict):
        for kind, value in arg.items():
            if kind in ("inputPath", "inputValue", "outputPath"):
                yield kind, value
            else:
                for part in value:
                    yield from _placeholders(part)


@pytest.mark.parametrize("code", [0, 1, 2])
def test_the_ci_gate_passes_the_audits_exit_code_on(code, tmp_path):
    calls = tmp_path / "calls"
    fake = tmp_path / "assay"
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {calls}\nexit {code}\n")
    fake.chmod(0o755)
    result = subprocess.run(["sh", str(RECIPES / "ci" / "audit-gate.sh"), "audit.toml", str(tmp_path / "out")],
                            capture_output=True, text=True, env={**os.environ, "ASSAY": str(fake)}, timeout=60)
    assert result.returncode == code
    assert ("passed" in result.stdout) == (code == 0) and ("failed" in result.stderr) == (code == 1)
    args = calls.read_text().split()
    assert args[:2] == ["audit", "audit.toml"] and (tmp_path / "out").is_dir()
    options = audit_options()
    assert all(arg in options for arg in args if arg.startswith("-"))
    workflow = yaml.safe_load((RECIPES / "ci" / "github-actions.yml").read_text(encoding="utf-8"))
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any("integrations/ci/audit-gate.sh" in run for run in runs)
