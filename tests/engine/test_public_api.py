"""`import assay` is the public API of the installed package, and `python -m assay` is the `assay` command."""
import subprocess
import sys

import assay


def test_the_public_names_are_the_engines():
    from assay.engine.config import AuditConfig
    from assay.engine.pipeline import iter_audit, run_audit
    from assay.engine.report import build_pdf
    from assay.engine.results import AuditReport

    assert (assay.AuditConfig, assay.run_audit, assay.iter_audit, assay.build_pdf, assay.AuditReport) == (
        AuditConfig, run_audit, iter_audit, build_pdf, AuditReport)
    assert {"AuditConfig", "run_audit", "ConfigError", "verify_report"} <= set(dir(assay))


def test_importing_assay_is_cheap_and_names_no_unknown_attribute():
    code = ("import sys, assay\nprint(sorted(m for m in ('pandas', 'PySide6', 'assay.app') if m in sys.modules))\n"
            "try:\n    assay.no_such_name\nexcept AttributeError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "module 'assay' has no attribute 'no_such_name'"]


def test_python_m_assay_is_the_command():
    result = subprocess.run([sys.executable, "-m", "assay", "--version"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("assay ")
