"""`assay audit --json --pdf` stopped by Ctrl+C (SIGINT) or `kill` (SIGTERM): it says so in one line, exits 130
or 143, and leaves no output and no temporary file - during the audit, and during the PDF build after the
JSON was written (a cancelled run writes nothing, not half its outputs)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads a process's CPU time in /proc")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_audit(demo_audit: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    # Ctrl+C as a terminal delivers it: a suite started in the background of a shell without job control inherits
    # SIGINT ignored (its children too), and Python then leaves it ignored
    return subprocess.Popen([sys.executable, "-m", "assay.engine.cli", "audit", str(demo_audit), "--json",
                             str(out / "report.json"), "--pdf", str(out / "report.pdf"), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def stop_and_check(process: subprocess.Popen, sig: int, out: Path) -> None:
    asked = time.perf_counter()
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=120)
    took = time.perf_counter() - asked
    # Ctrl+C: exit status 130, or the process ended by SIGINT itself after its clean-up, which a shell also reports
    # as 130 (seen in about one run in six of the PDF case since the numba kernels; its cause is not known)
    expected = {130, -signal.SIGINT} if sig == signal.SIGINT else {143}
    assert process.returncode in expected, (process.returncode, stderr)
    assert stderr.strip() == "assay: cancelled; nothing was written"
    assert "Traceback" not in stderr + stdout
    assert sorted(p.name for p in out.iterdir()) == []  # no JSON, no PDF, no temporary file
    assert took < 10, f"the process took {took:.1f} s to stop"  # the cancel, then the interpreter's exit


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_audit_leaves_nothing(demo_audit, tmp_path, sig):
    process = start_audit(demo_audit, tmp_path)
    try:
        while cpu_seconds(process.pid) < 4.0:  # past the imports (about 1.5 s of CPU): inside the audit
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        stop_and_check(process, sig, tmp_path)
    finally:
        process.kill()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_pdf_is_built_removes_the_json_of_the_run(demo_audit, tmp_path, sig):
    process = start_audit(demo_audit, tmp_path)
    try:
        while not (tmp_path / "report.json").exists():  # the audit is done; the PDF build starts
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        time.sleep(0.3)
        if process.poll() is not None:
            pytest.skip("the PDF was built before the signal could be sent")
        stop_and_check(process, sig, tmp_path)
    finally:
        process.kill()
