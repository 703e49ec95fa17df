"""The `assay` command: exit codes 0/1/2, one clear line on stderr for bad input, no traceback."""
import json
import subprocess
import sys

import pytest

from assay.engine.cli import main
from tests.conftest import write_audit


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assay.engine.cli", *args], capture_output=True, text=True, timeout=300)


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("assay ")


def test_exit_0_when_nothing_fails_and_json_is_written(tmp_path, employment_audit):
    out = tmp_path / "report.json"
    # the census model's race disparities fail the default fairness policy; without sensitive columns it passes
    assert main(["audit", str(employment_audit), "--json", str(out), "--quiet", "--set", "columns.sensitive=[]"]) == 0
    data = json.loads(out.read_text())
    assert data["verdict"] in ("pass", "warn")


def test_exit_1_when_the_census_models_disparities_fail_the_policy(employment_audit, capsys):
    assert main(["audit", str(employment_audit)]) == 1
    assert "RAC1P" in capsys.readouterr().out


def test_exit_1_when_a_finding_fails(tmp_path, small_tables, capsys):
    path = write_audit(tmp_path, data={"reference": str(small_tables[0]), "production": str(small_tables[1])})
    assert main(["audit", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Verdict: FAIL" in out and "income" in out


def test_set_overrides_a_key(tmp_path, small_tables):
    path = write_audit(tmp_path, data={"reference": str(small_tables[0]), "production": str(small_tables[1])})
    lenient = [f"quality.{k}=1.0" for k in ("missing_warn", "missing_fail", "missing_increase_warn",
                                            "missing_increase_fail", "out_of_range_warn", "out_of_range_fail",
                                            "unseen_warn", "unseen_fail", "duplicates_warn", "duplicates_fail")]
    args = ["audit", str(path), "--quiet"] + [a for pair in zip(["--set"] * len(lenient), lenient) for a in pair]
    assert main(args) == 0


@pytest.mark.parametrize("audit_text, words", [
    (None, "audit file not found"),
    ("[data\n", "TOML syntax error"),
    ("[data]\nrefrence = 'x.csv'\n", "unknown key 'refrence' in [data]; allowed keys: reference, production"),
    ("[task]\ntype = 'classification'\n", "task.type: 'classification' is not allowed; allowed values"),
    ("[audit]\nseed = 'x'\n", "audit.seed: expected a whole number"),
    ("[data]\nreference = 'nope.csv'\nproduction = 'nope.csv'\n", "nope.csv: reference data file not found"),
    ("[data]\nreference = '.'\nproduction = '.'\n", "is a folder"),
    ("[data]\nproduction = 'p.csv'\n", "[data] reference is not set"),
])
def test_exit_2_on_bad_configuration_with_one_line_and_no_traceback(tmp_path, audit_text, words):
    path = tmp_path / "audit.toml"
    if audit_text is not None:
        path.write_text(audit_text)
    result = run_cli("audit", str(path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert words in lines[0]


def test_exit_2_for_a_missing_column_and_an_untrusted_pickle(tmp_path, small_tables):
    import joblib
    from sklearn.dummy import DummyClassifier

    joblib.dump(DummyClassifier().fit([[0], [1]], [0, 1]), tmp_path / "m.joblib")
    data = {"reference": str(small_tables[0]), "production": str(small_tables[1])}
    path = write_audit(tmp_path, data=data, columns={"target": "tagret"})
    result = run_cli("audit", str(path))
    assert result.returncode == 2 and "Did you mean 'target'" in result.stderr
    path = write_audit(tmp_path, data=data, model={"path": "m.joblib"})
    result = run_cli("audit", str(path))
    assert result.returncode == 2 and "can run arbitrary code" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_arguments_exit_2(tmp_path):
    result = run_cli("audit")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = run_cli("audit", str(tmp_path / "a.toml"), "--json", str(tmp_path))
    assert result.returncode == 2


def test_the_summary_prints_audit_file_keys_in_brackets(tmp_path, capsys):
    """rich reads "[columns]" as markup and would print "name them in  sensitive"."""
    rows = "age,city\n25,a\n32,b\n47,a\n51,c\n"
    (tmp_path / "reference.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "production.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "audit.toml").write_text('[data]\nreference = "reference.csv"\nproduction = "production.csv"\n',
                                         encoding="utf-8")
    main(["audit", str(tmp_path / "audit.toml")])
    out = " ".join(capsys.readouterr().out.split())
    assert "name them in [columns] sensitive" in out
