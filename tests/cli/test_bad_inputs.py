"""The bad-input corpus (tests/data/bad/cases.toml) through `assay audit`.

Refused cases run the real command in a subprocess: exit 2, exactly one line on stderr with the
expected fragments, and no traceback anywhere. Cases that load run through `engine.cli.main`
in-process (faster: they run whole audits) and check that the values were read right.
"""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from assay.engine.cli import main
from assay.engine.tables import load_dataset
from tests.bad_inputs import BAD, cli_env, load_cases, prepare, restore_permissions

CASES = load_cases()
ERRORS = [c for c in CASES if c.is_error]
LOADS = [c for c in CASES if not c.is_error]


def test_the_corpus_has_at_least_40_cases_of_every_kind():
    assert len(CASES) >= 40
    assert {c.kind for c in CASES} == {"data", "audit", "model"}
    assert len(ERRORS) >= 40 and len(LOADS) >= 20
    for case in ERRORS:
        assert case.expect, f"{case.id}: an error case names what its message must say"
    assert sum(f.stat().st_size for f in BAD.rglob("*") if f.is_file()) < 1_000_000  # big files are generated


def run_cli(audit: Path, cwd: Path, as_user: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "assay.engine.cli", "audit", str(audit), "--quiet"]
    env = cli_env()
    if as_user is not None:  # root reads everything: run as an unprivileged user to see a permission error
        command = ["setpriv", "--reuid", as_user, "--regid", as_user, "--clear-groups", *command]
        env["MPLCONFIGDIR"] = str(cwd)
        env["HOME"] = str(cwd)
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def run_case(case, folder: Path) -> subprocess.CompletedProcess | None:
    """The CLI's run of one case; None when it cannot be made here (root without setpriv)."""
    as_user = None
    if case.unreadable and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            return None
        folder = Path(tempfile.mkdtemp(prefix="assay-unreadable-"))  # reachable by the unprivileged user
        folder.chmod(0o755)
        as_user = "65534"  # nobody
    try:
        return run_cli(prepare(case, folder), folder, as_user)
    finally:
        restore_permissions(folder)
        if as_user is not None:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def refused_results(request, tmp_path_factory) -> dict[str, subprocess.CompletedProcess | None]:
    """Every selected error case's CLI run, two at a time (each is mostly the interpreter starting)."""
    from concurrent.futures import ThreadPoolExecutor

    selected = [item.callspec.params["case"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_refused_input_exits_2_with_one_line_and_no_traceback"]
    base = tmp_path_factory.mktemp("refused")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case.id: pool.submit(run_case, case, base / case.id) for case in selected}
    return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("case", ERRORS, ids=[c.id for c in ERRORS])
def test_refused_input_exits_2_with_one_line_and_no_traceback(case, refused_results):
    result = refused_results[case.id]
    if result is None:
        pytest.skip("running as root without setpriv: a file cannot be made unreadable")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, f"{case.id}: exit {result.returncode}\n{result.stderr}\n{result.stdout}"
    assert "Traceback" not in result.stderr + result.stdout
    assert len(lines) == 1, f"{case.id}: expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("assay: error: ")
    missing = [f for f in case.expect if f not in lines[0]]
    assert not missing, f"{case.id}: {missing} not in: {lines[0]}"
    assert "internal error" not in lines[0]


@pytest.mark.parametrize("case", LOADS, ids=[c.id for c in LOADS])
def test_awkward_input_that_is_valid_is_read_right_and_audited(case, tmp_path, capsys):
    audit = prepare(case, tmp_path)
    code = main(["audit", str(audit), "--quiet"])
    captured = capsys.readouterr()
    assert code in case.exit, f"{case.id}: exit {code}\n{captured.err}"
    assert captured.err == "", f"{case.id}: nothing on stderr when the audit runs, got:\n{captured.err}"
    assert "Verdict:" in captured.out
    if not case.check:
        return
    check = case.check
    role = check.get("file", "reference")
    dataset = load_dataset(tmp_path / getattr(case, role), role)
    if "column" in check:
        assert check["column"] in dataset.frame.columns, list(dataset.frame.columns)
    if "value" in check:
        actual = dataset.frame[check["column"]].iloc[check["row"]]
        expected = check["value"]
        if isinstance(expected, float):
            assert math.isclose(float(actual), expected) or (math.isinf(expected) and actual == expected), actual
        else:
            assert actual == expected, f"{case.id}: {actual!r} != {expected!r}"
    if "detail" in check:
        assert check["detail"] in dataset.info.detail, dataset.info.detail
