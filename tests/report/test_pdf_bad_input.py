"""Bad input: a report path in a folder that does not exist or cannot be written gives a clear error, and
nothing is ever half-written (a temporary file in the folder, renamed at the end)."""
from __future__ import annotations

import errno
import os

import pytest

from assay.engine.cli import main
from assay.engine.errors import ConfigError
from assay.engine.report import build_pdf, iter_build_pdf


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_folder_that_does_not_exist(data_only_report, tmp_path):
    target = tmp_path / "no such folder" / "report.pdf"
    with pytest.raises(ConfigError) as error:
        build_pdf(data_only_report, target)
    message = str(error.value)
    assert str(target.parent) in message and "does not exist" in message and "choose another location" in message
    assert not target.parent.exists()


def test_a_folder_given_as_the_file(data_only_report, tmp_path):
    with pytest.raises(ConfigError, match="is a folder; give a file name such as"):
        build_pdf(data_only_report, tmp_path)
    assert leftovers(tmp_path) == []


def test_a_folder_that_is_not_writable(data_only_report, tmp_path, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if os.fspath(path) == os.fspath(folder)
                        else real_access(path, mode, **kw))  # root may write anywhere: the check itself is tested
    with pytest.raises(ConfigError, match="is not writable; choose another location"):
        build_pdf(data_only_report, folder / "report.pdf")
    assert leftovers(folder) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions that bind (not root)")
def test_a_read_only_folder_for_real(data_only_report, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ConfigError, match="not writable"):
            build_pdf(data_only_report, folder / "report.pdf")
        assert leftovers(folder) == []
    finally:
        folder.chmod(0o755)


def test_a_write_that_fails_leaves_nothing_and_keeps_the_old_file(data_only_report, tmp_path, monkeypatch):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the previous report")

    def full_disk(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        build_pdf(data_only_report, target)
    assert leftovers(tmp_path) == ["report.pdf"]  # no temporary file left behind
    assert target.read_bytes() == b"the previous report"


def test_a_cancelled_build_writes_nothing(data_only_report, tmp_path):
    target = tmp_path / "report.pdf"
    steps = iter_build_pdf(data_only_report, target)
    events = [next(steps) for _ in range(5)]
    assert all(e.stage == "pdf" for e in events) and events[-1].fraction < 0.98
    steps.close()
    assert leftovers(tmp_path) == []


def test_progress_runs_from_zero_to_one_and_names_the_file(data_only_report, tmp_path):
    target = tmp_path / "report.pdf"
    events = []
    assert build_pdf(data_only_report, target, on_progress=events.append) == target
    fractions = [e.fraction for e in events]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert events[-1].message == f"Report written to {target}"
    assert target.read_bytes().startswith(b"%PDF-1.4") and leftovers(tmp_path) == ["report.pdf"]


def test_the_cli_checks_the_pdf_path_before_the_audit(data_only_audit, tmp_path, capsys):
    target = tmp_path / "missing" / "report.pdf"
    assert main(["audit", str(data_only_audit), "--pdf", str(target), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--pdf" in err and "does not exist" in err
    assert "Traceback" not in err


def test_the_cli_writes_the_pdf(data_only_audit, tmp_path, capsys):
    target = tmp_path / "report.pdf"
    assert main(["audit", str(data_only_audit), "--pdf", str(target)]) in (0, 1)
    assert f"PDF report written to {target}" in capsys.readouterr().out
    assert target.read_bytes().startswith(b"%PDF-")


def test_an_unknown_page_size_names_the_key(data_only_audit, tmp_path, capsys):
    code = main(["audit", str(data_only_audit), "--pdf", str(tmp_path / "r.pdf"), "--set", "report.page_size=A5"])
    assert code == 2
    assert "report.page_size" in capsys.readouterr().err
    assert leftovers(tmp_path) == []
