"""The streamed audit's input hashes (engine/streaming/input_hashes.py), computed in a thread beside the passes: the
digests hashlib gives, a file that cannot be read raises the error naming it, closing stops the thread."""
from __future__ import annotations

import hashlib
import threading

import numpy as np
import pandas as pd
import pytest

from assay.engine.config import AuditConfig
from assay.engine.progress import drain
from assay.engine.streaming.input_hashes import THREAD_NAME, InputHashes
from assay.engine.streaming.pipeline import iter_streamed_audit
from assay.engine.streaming.sources import open_source


def _hashers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


@pytest.fixture
def inputs(tmp_path):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=4000), "c": rng.choice(["a", "b"], 4000)})
    frame.to_parquet(tmp_path / "reference.parquet", index=False)
    (tmp_path / "parts").mkdir()
    for i, rows in enumerate(np.array_split(np.arange(4000), 2)):
        frame.iloc[rows].to_parquet(tmp_path / "parts" / f"p-{i}.parquet", index=False)
    return tmp_path


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_streamed_audit_reports_each_files_sha256(inputs):
    config = AuditConfig().replace("data", reference=inputs / "reference.parquet", production=inputs / "parts")
    report = drain(iter_streamed_audit(config.replace("compute", path="streamed")))
    files = [inputs / "reference.parquet", inputs / "parts" / "p-0.parquet", inputs / "parts" / "p-1.parquet"]
    assert [(i.path, i.sha256) for i in report.provenance.inputs] == [(str(p), _digest(p)) for p in files]
    assert not _hashers()


def test_the_same_file_as_both_inputs_is_hashed_once_and_reported_twice(inputs):
    path = inputs / "reference.parquet"
    sources = (open_source(path, "reference"), open_source(path, "production"))
    hashes = InputHashes(sources).start()
    found = drain(hashes.wait("load", 0.5))
    assert [(i.role, i.sha256) for i in found] == [("reference", _digest(path)), ("production", _digest(path))]
    assert hashes.hashed == hashes.total


def test_a_file_gone_before_it_is_hashed_raises_naming_it(inputs):
    sources = (open_source(inputs / "reference.parquet", "reference"), open_source(inputs / "parts", "production"))
    hashes = InputHashes(sources)
    gone = inputs / "parts" / "p-1.parquet"
    gone.unlink()
    hashes.start()
    with pytest.raises(FileNotFoundError) as error:
        drain(hashes.wait("load", 0.5))
    assert error.value.filename == str(gone)
    with pytest.raises(FileNotFoundError):
        hashes.check()
    hashes.close()
    assert not _hashers()


def test_closing_stops_the_thread_before_the_files_are_hashed(inputs, monkeypatch):
    import assay.engine.streaming.input_hashes as module

    started, release = threading.Event(), threading.Event()
    real = module.iter_sha256

    def slow(path, chunk=1 << 24):
        started.set()
        release.wait(5)
        yield 0.0
        return (yield from real(path, chunk))

    monkeypatch.setattr(module, "iter_sha256", slow)
    hashes = InputHashes((open_source(inputs / "parts", "production"),)).start()
    assert started.wait(5)  # the thread is in its first file
    threading.Timer(0.2, release.set).start()  # which goes on once close has asked it to stop
    hashes.close()
    assert not _hashers() and hashes.digests == {}
