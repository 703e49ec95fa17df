"""Audit files, JSON and PDF reports are written atomically: a write that fails midway (full disk, a kill)
leaves the old file exactly as it was and no temporary file behind."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import assay.engine.atomic as atomic_module
from assay.engine.atomic import write_atomic
from assay.engine.config import AuditConfig

ROOT = Path(__file__).resolve().parents[2]


class HalfWriter:
    """A file handle that writes the first half of what it is given, then fails as a full disk does."""

    def __init__(self, handle):
        self.handle = handle

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()
        return False


@pytest.fixture
def failing_midway(monkeypatch):
    real = os.fdopen
    monkeypatch.setattr(atomic_module.os, "fdopen", lambda fd, mode="r", *a, **k: HalfWriter(real(fd, mode, *a, **k)))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory):
    """A data-only audit of two small tables: enough for a real JSON and PDF report."""
    import pandas as pd

    from assay.engine.pipeline import run_audit

    folder = tmp_path_factory.mktemp("tiny")
    frame = pd.DataFrame({"age": [25, 32, 47, 51, 38, 29, 60, 44] * 4, "city": list("abacbacb") * 4})
    frame.to_csv(folder / "reference.csv", index=False)
    frame.assign(age=frame.age + 3).to_csv(folder / "production.csv", index=False)
    config = AuditConfig().replace("data", reference=folder / "reference.csv", production=folder / "production.csv")
    return run_audit(config.replace("drift", multivariate=False))


def test_write_atomic_replaces_whole_and_keeps_permissions(tmp_path):
    target = tmp_path / "audit.toml"
    write_atomic(target, b"new file")
    assert target.read_bytes() == b"new file"
    assert target.stat().st_mode & 0o777 == 0o666 & ~atomic_module._umask()  # not mkstemp's 0600
    target.chmod(0o640)
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second" and target.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []


def test_a_toml_save_that_fails_midway_leaves_the_old_audit_file(tmp_path, failing_midway):
    target = tmp_path / "audit.toml"
    target.write_text('[audit]\ntitle = "old"\n', encoding="utf-8")
    with pytest.raises(OSError, match="No space"):
        AuditConfig().replace("audit", title="new").to_toml(target)
    assert target.read_text(encoding="utf-8") == '[audit]\ntitle = "old"\n'
    assert leftovers(tmp_path) == []


def test_a_json_report_that_fails_midway_leaves_the_old_report(tmp_path, tiny_report, failing_midway):
    target = tmp_path / "report.json"
    target.write_text('{"old": true}', encoding="utf-8")
    with pytest.raises(OSError, match="No space"):
        tiny_report.write_json(target)
    assert target.read_text(encoding="utf-8") == '{"old": true}' and leftovers(tmp_path) == []


def test_a_pdf_that_fails_midway_leaves_the_old_pdf(tmp_path, tiny_report, monkeypatch):
    from assay.engine.report import build_pdf

    target = tmp_path / "report.pdf"
    build_pdf(tiny_report, target)
    before = target.read_bytes()
    assert before.startswith(b"%PDF")
    real = os.fdopen
    monkeypatch.setattr(atomic_module.os, "fdopen", lambda fd, mode="r", *a, **k: HalfWriter(real(fd, mode, *a, **k)))
    with pytest.raises(OSError, match="No space"):
        build_pdf(tiny_report, target)
    assert target.read_bytes() == before and leftovers(tmp_path) == []


def test_a_failed_rename_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "audit.toml"
    target.write_bytes(b"old")

    def refuse(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic_module.os, "replace", refuse)
    with pytest.raises(PermissionError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []


KILLED_WRITER = r"""
import sys, time
from pathlib import Path
import assay.engine.atomic as c

class Slow:
    def __init__(self, handle): self.handle = handle
    def write(self, data):
        self.handle.write(data[:10]); self.handle.flush()
        print("WRITING", flush=True)
        time.sleep(60)
    def __getattr__(self, name): return getattr(self.handle, name)
    def __enter__(self): return self
    def __exit__(self, *exc): self.handle.close()

real = c.os.fdopen
c.os.fdopen = lambda fd, mode="r", *a, **k: Slow(real(fd, mode, *a, **k))
c.write_atomic(Path(sys.argv[1]), b"new contents " * 1000)
"""


def test_a_process_killed_while_writing_leaves_the_old_file(tmp_path):
    target = tmp_path / "audit.toml"
    target.write_bytes(b"old contents")
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], cwd=ROOT,
                             env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "WRITING"
        time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert target.read_bytes() == b"old contents"
    # a kill leaves its temporary file (hidden, named after the target): never the target half-written
    assert all(name.startswith(".audit.toml.") for name in leftovers(tmp_path))


def test_the_bytes_reach_the_disk_before_the_rename_unless_told_otherwise(tmp_path, monkeypatch):
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(atomic_module.os, "fsync", lambda fd: events.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(atomic_module.os, "replace", lambda a, b: events.append("replace") or real_replace(a, b))
    write_atomic(tmp_path / "report.json", b"{}")
    expected = ["fsync", "replace", "fsync"] if os.name == "posix" else ["fsync", "replace"]  # file, rename, folder
    assert events == expected
    events.clear()
    write_atomic(tmp_path / "autosave.json", b"{}", sync=False)  # the app's frequent autosave
    assert events == ["replace"] and (tmp_path / "autosave.json").read_bytes() == b"{}"
