"""No network: nothing in the app or the engine opens a network connection, and no telemetry is sent.

Each scenario runs in a fresh interpreter watched by two independent detectors:

- tests/network_guard/sitecustomize.py, first on PYTHONPATH, installs a Python audit hook (PEP 578; it cannot be
  removed) in that interpreter and in every child it starts, since children inherit the environment: any
  internet socket connect/send/bind, host-name lookup or standard-library client (urllib, http.client, ...) is
  logged to a file and refused.
- strace (when the machine has it and allows it) follows every process and thread of the run and records the
  connect, sendto, sendmsg and bind system calls: an AF_INET or AF_INET6 address there is a connection that
  native code (Qt, a C library) tried, which the Python hook cannot see.

The scenarios: the demo audit with its model (SHAP explanations included) writing the JSON and the PDF, then
`assay verify` of that JSON; the census predictions-only audit; and the desktop app's selftest, which opens the
main window offscreen, runs the demo audit through the app's worker, draws every page and writes both reports.
The first two tests prove the detectors catch what they should, so that a clean run means something.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD = Path(__file__).resolve().parent / "network_guard"
EMPLOYMENT = ROOT.parent / "shared" / "data" / "employment_ma"
SYSCALLS = "connect,sendto,sendmsg,bind"


@functools.cache
def strace_works() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-f", "--seccomp-bpf", "-qq", "-o", os.devnull, "true"], check=False,
                           capture_output=True, timeout=60)
    return probe.returncode == 0


@dataclass
class GuardedRun:
    result: subprocess.CompletedProcess
    attempts: list[str]  # what the audit hook refused, one line each
    guarded_pids: set[str]  # interpreters that installed the hook
    native: list[str]  # AF_INET / AF_INET6 system calls strace saw (empty when strace is not used)
    traced: bool


def run_guarded(tmp_path: Path, *args: str, timeout: int = 900, unset: tuple[str, ...] = ()) -> GuardedRun:
    """`python ARGS` with the audit hook in it and its children, under strace when possible; `unset` names
    variables of this environment the run must not see."""
    log = tmp_path / "network.log"
    trace = tmp_path / "syscalls.log"
    env = {k: v for k, v in os.environ.items() if k not in ("ASSAY_NETWORK_LOG", "PYTHONPATH", *unset)}
    env.update(ASSAY_NETWORK_LOG=str(log), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]),
               ASSAY_SETTINGS_DIR=str(tmp_path / "settings"))
    command = [sys.executable, *args]
    traced = strace_works()
    if traced:
        command = ["strace", "-f", "--seccomp-bpf", "-qq", "-e", f"trace={SYSCALLS}", "-o", str(trace), *command]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout, env=env,
                            cwd=tmp_path)
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    native = [line for line in (trace.read_text(encoding="utf-8", errors="replace").splitlines() if traced else [])
              if "AF_INET" in line]
    return GuardedRun(result, [line for line in lines if " guard.installed " not in line],
                      {line.split()[0] for line in lines if " guard.installed " in line}, native, traced)


def assert_offline(run: GuardedRun) -> None:
    assert run.guarded_pids, f"the guard was not installed: {run.result.stderr[-2000:]}"
    assert run.attempts == [], "network attempts (Python):\n" + "\n".join(run.attempts)
    assert run.native == [], "network system calls (native):\n" + "\n".join(run.native)


# -- the detectors work ------------------------------------------------------------------------------------------

PROBE = '''
import ctypes, multiprocessing, socket, struct, urllib.request

def attempt():
    for call in (lambda: socket.socket().connect(("127.0.0.1", 9)),
                 lambda: socket.getaddrinfo("example.org", 443),
                 lambda: urllib.request.urlopen("http://127.0.0.1:9/telemetry", timeout=1)):
        try:
            call()
        except OSError:
            pass  # swallowed, as a careless library would: the log still has it

if __name__ == "__main__":
    attempt()
    child = multiprocessing.get_context("spawn").Process(target=attempt)
    child.start()
    child.join()
    left, right = socket.socketpair()  # local IPC is allowed
    left.sendall(b"x")
    assert right.recv(1) == b"x"
    if NATIVE:  # a connect from C, which no Python hook sees
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
        address = struct.pack("<H", socket.AF_INET) + struct.pack(">H", 9) + socket.inet_aton("127.0.0.1") + bytes(8)
        libc.connect(fd, address, len(address))
    print("probe done")
'''


def test_the_guard_refuses_and_logs_attempts_in_the_process_and_its_spawned_children(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(PROBE.replace("NATIVE", "False"), encoding="utf-8")
    run = run_guarded(tmp_path, str(script), timeout=120)
    assert run.result.returncode == 0 and "probe done" in run.result.stdout, run.result.stderr
    events: dict[str, set[str]] = {}
    for line in run.attempts:
        pid, event = line.split()[:2]
        events.setdefault(pid, set()).add(event)
    assert len(events) == 2  # the parent and its spawned child
    for seen in events.values():
        assert {"socket.connect", "socket.getaddrinfo", "urllib.Request"} <= seen
    with pytest.raises(AssertionError):
        assert_offline(run)


def test_strace_sees_a_connect_made_by_native_code(tmp_path):
    if not strace_works():
        pytest.skip("strace is not installed or not allowed here; the Python audit hook still runs")
    script = tmp_path / "probe.py"
    script.write_text(PROBE.replace("NATIVE", "True"), encoding="utf-8")
    run = run_guarded(tmp_path, str(script), timeout=120)
    assert run.result.returncode == 0, run.result.stderr
    assert any("connect(" in line and "127.0.0.1" in line for line in run.native)


# -- nothing in Assay tries ----------------------------------------------------------------------------------------

def test_the_demo_audit_with_model_shap_and_pdf_and_its_verification_stay_offline(tmp_path):
    demo = tmp_path / "demo"
    assert_offline(run_guarded(tmp_path, "-m", "assay.engine.cli", "demo", str(demo)))
    json_out, pdf_out = tmp_path / "report.json", tmp_path / "report.pdf"
    run = run_guarded(tmp_path, "-m", "assay.engine.cli", "audit", str(demo / "audit.toml"), "--json", str(json_out),
                      "--pdf", str(pdf_out), "--quiet")
    assert run.result.returncode in (0, 1), run.result.stderr  # the demo plants failing findings
    import json

    report = json.loads(json_out.read_text(encoding="utf-8"))
    assert report["analyses"]["explanations"]["status"] == "ran"  # SHAP ran
    assert pdf_out.stat().st_size > 100_000
    assert_offline(run)
    run = run_guarded(tmp_path, "-m", "assay.engine.cli", "verify", str(json_out))
    assert run.result.returncode == 0, run.result.stdout + run.result.stderr
    assert_offline(run)


def test_the_census_predictions_only_audit_stays_offline(tmp_path):
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    audit = tmp_path / "audit.toml"
    audit.write_text(
        f'[data]\nreference = "{EMPLOYMENT / "reference.parquet"}"\nproduction = "{EMPLOYMENT / "production.parquet"}"\n'
        '[columns]\ntarget = "employed"\nprediction = "prediction"\nprobabilities = ["predicted_probability"]\n'
        'sensitive = ["SEX", "RAC1P"]\n', encoding="utf-8")
    run = run_guarded(tmp_path, "-m", "assay.engine.cli", "audit", str(audit), "--json", str(tmp_path / "r.json"), "--quiet")
    assert run.result.returncode in (0, 1), run.result.stderr
    assert (tmp_path / "r.json").stat().st_size > 0
    assert_offline(run)


def test_data_and_model_paths_that_look_like_urls_are_never_fetched(tmp_path):
    audit = tmp_path / "audit.toml"
    audit.write_text('[data]\nreference = "http://127.0.0.1:9/reference.csv"\nproduction = "s3://bucket/p.parquet"\n'
                     '[model]\npath = "https://127.0.0.1:9/model.skops"\n', encoding="utf-8")
    run = run_guarded(tmp_path, "-m", "assay.engine.cli", "audit", str(audit), timeout=300)
    assert run.result.returncode == 2 and "not found" in run.result.stderr, run.result.stderr
    assert_offline(run)


# urllib3 (under MLflow's HTTP client) checks at import whether the machine has IPv6 by binding a socket to the
# loopback address ::1, port 0: no packet leaves, and refused it only concludes "no IPv6". Nothing else may happen.
URLLIB3_IPV6_PROBE = "socket.bind (('::1', 0),)"


def test_an_mlflow_model_audited_and_logged_to_a_local_store_stays_offline(tmp_path):
    """An MLflow model folder audited and the audit logged to a local MLflow store: MLflow's usage telemetry (which
    looks up config.mlflow-telemetry.io) is switched off by Assay. PYTEST_CURRENT_TEST is hidden from the run,
    since MLflow switches its telemetry off by itself under pytest."""
    mlflow_sklearn = pytest.importorskip("mlflow.sklearn")
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=400), "x2": rng.normal(size=400)})
    frame["y"] = (frame["x1"] + rng.normal(size=400) > 0).astype(int)
    frame.iloc[:200].to_csv(tmp_path / "reference.csv", index=False)
    frame.iloc[200:].to_csv(tmp_path / "production.csv", index=False)
    model = LogisticRegression().fit(frame[["x1", "x2"]], frame["y"])
    mlflow_sklearn.save_model(model, tmp_path / "model", serialization_format="skops")
    audit = tmp_path / "audit.toml"
    audit.write_text('[data]\nreference = "reference.csv"\nproduction = "production.csv"\n[model]\npath = "model"\n'
                     '[columns]\ntarget = "y"\n[explain]\nmethod = "none"\n', encoding="utf-8")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    try:
        run = run_guarded(tmp_path, "-m", "assay.engine.cli", "audit", str(audit), "--mlflow", "store", "--quiet",
                          unset=("PYTEST_CURRENT_TEST", "MLFLOW_DISABLE_TELEMETRY"))
    finally:
        os.environ.pop("MLFLOW_ALLOW_FILE_STORE", None)
    assert run.result.returncode in (0, 1), run.result.stderr
    assert (tmp_path / "store").is_dir()
    run.attempts = [line for line in run.attempts if not line.endswith(URLLIB3_IPV6_PROBE)]
    assert_offline(run)


def test_the_app_opening_and_running_the_demo_offscreen_stays_offline(tmp_path):
    run = run_guarded(tmp_path, "-m", "assay.app.launcher", "--selftest", "--selftest-dir", str(tmp_path / "selftest"))
    assert run.result.returncode == 0, run.result.stdout[-3000:] + run.result.stderr[-3000:]
    assert "selftest passed" in run.result.stdout
    assert_offline(run)


# -- and nothing in Assay's source could ---------------------------------------------------------------------------

NETWORK_MODULES = ("socket", "ssl", "urllib.request", "http", "ftplib", "smtplib", "poplib", "imaplib", "webbrowser",
                   "requests", "httpx", "aiohttp", "urllib3", "PySide6.QtNetwork", "PySide6.QtWebEngineCore")


def test_no_module_of_engine_or_app_imports_a_network_client():
    """A quick static companion of the runs above: no network module is imported anywhere in engine/ or app/
    (and so no code path the runs missed can reach one directly)."""
    import ast

    found = []
    for path in sorted((ROOT / "engine").rglob("*.py")) + sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {name}" for name in names
                      if any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES)]
    assert found == []
