"""Model isolation: the model runs in its own process; whatever it does, the audit names it and carries on.

The misbehaving models are pickles of classes in tests/misbehaving_models.py (the model process unpickles
them by module name), trusted through the audit configuration.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assay.engine.analyses.registry import MODEL_FAILED
from assay.engine.config import AuditConfig
from assay.engine.errors import ConfigError, ModelTrustError
from assay.engine.pipeline import iter_audit, run_audit
from misbehaving_models import Misbehaving, NoPredict, RaisesOnLoad, write_model, write_tables

LINUX = sys.platform.startswith("linux")


def audit(folder: Path, model: object | None, explain: str = "none", **model_keys) -> AuditConfig:
    """A small audit of `model` (pickled into `folder`); explanations off unless asked for (shap is slow to
    start on a busy machine)."""
    reference, production = write_tables(folder)
    path = write_model(folder / "model.joblib", model) if model is not None else model_keys.pop("path")
    return AuditConfig.from_dict({
        "data": {"reference": str(reference), "production": str(production)},
        "model": {"path": str(path), "trusted": True} | model_keys,
        "columns": {"target": "y", "sensitive": ["sex"]},
        "explain": {"rows": 60, "background_rows": 20, "bootstrap_resamples": 50, "method": explain},
        "performance": {"bootstrap_resamples": 50}, "fairness": {"bootstrap_resamples": 50},
        "drift": {"permutations": 50},
    })


def model_processes() -> list:
    """Live model processes started by this process (multiprocessing's own bookkeeping)."""
    return [p for p in multiprocessing.active_children() if p.name == "assay-model"]


def child_pids() -> set[int]:
    """Every live child of this process according to the kernel, but multiprocessing's resource tracker."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        state = stat.rsplit(")", 1)[1].split()[0]
        if parent == os.getpid() and state != "Z" and b"resource_tracker" not in cmdline:
            found.add(int(entry.name))
    return found


@pytest.fixture
def no_orphans():
    before = child_pids() if LINUX else set()
    yield
    assert not model_processes()
    if LINUX:
        assert child_pids() <= before, "a model process outlived its audit"


@pytest.fixture
def small_batches(monkeypatch):
    import assay.engine.predictions

    monkeypatch.setattr(assay.engine.predictions, "BATCH_ROWS", 500)  # 1,200 rows: batches 1-500, 501-1000, 1001-1200


def assert_carried_on(report, message: str, failed: str = "predictions") -> None:
    statuses = {a.name: a.status for a in report.analyses}
    assert statuses[failed] == "failed"
    assert statuses["quality"] == "ran" and statuses["drift"] == "ran"
    assert report.quality is not None and report.drift is not None and report.drift.features
    assert message in report.model_error and "model.joblib" in report.model_error
    finding = next(f for f in report.findings if f.id == "model.failed")
    assert finding.severity == "fail" and finding.detail == report.model_error and report.verdict == "fail"
    if failed == "predictions":
        assert statuses["performance"] == statuses["fairness"] == statuses["explanations"] == "skipped"
        assert report.status_of("explanations").reason in ("turned off in [explain] method", MODEL_FAILED)
        assert report.performance is None and report.fairness is None and report.explanations is None
        assert "the model failed" in report.status_of("performance").reason
    data = report.to_dict()
    assert data["model_error"] == report.model_error and data["analyses"][failed]["status"] == "failed"


@pytest.mark.parametrize("mode, after, keys, message", [
    ("raise", 3, {}, "the model failed to predict on the production data (rows 1-500): ValueError: this model "
                     "cannot predict on these rows"),
    ("segfault", 4, {}, "the model process crashed (signal 11, segmentation fault) while predicting the production "
                        "data, rows 501-1000"),
    ("abort", 0, {}, "the model process crashed (signal 6, aborted) while predicting the reference data, rows 1-500"),
    ("exit", 1, {}, "the model process exited (code 3) while predicting the reference data, rows 501-1000"),
    ("hang", 3, {"timeout_s": 2}, "the model did not answer within 2 s while predicting the production data, "
                                  "rows 1-500; it was stopped. If it is only slow, raise [model] timeout_s"),
    ("wrong_shape", 0, {}, "the model returned 1197 predictions for 1200 reference rows; it must return one per row"),
    ("nan", 0, {}, "the model returned missing or infinite probabilities for 401 reference rows"),
    ("network", 0, {}, "PermissionError: Assay blocks network access from model code: getaddrinfo to 'example.org' "
                       "refused"),
    ("connect", 0, {}, "PermissionError: Assay blocks network access from model code: connect to ('127.0.0.1', 9) "
                       "refused"),
])
def test_a_failing_model_is_named_and_the_rest_of_the_audit_carries_on(tmp_path, small_batches, no_orphans,
                                                                       mode, after, keys, message):
    if mode in ("segfault", "abort") and not LINUX:
        pytest.skip("signals are POSIX")
    report = run_audit(audit(tmp_path, Misbehaving(mode, after), **keys))
    assert_carried_on(report, message)


@pytest.mark.skipif(not LINUX, reason="the memory limit is enforced on Linux only")
def test_a_model_that_eats_memory_is_stopped_at_the_limit(tmp_path, no_orphans):
    report = run_audit(audit(tmp_path, Misbehaving("memory", 0), memory_limit_mb=1200, timeout_s=120))
    assert_carried_on(report, "the model ran out of memory while predicting the reference data, rows 1-1200 (the "
                              "limit is 1,200 MB: [model] memory_limit_mb); it was stopped")


def test_a_model_that_crashes_while_explained_leaves_the_other_results(tmp_path, no_orphans):
    report = run_audit(audit(tmp_path, Misbehaving("segfault", 2), explain="auto"))  # two batches, then the explainer
    assert_carried_on(report, "the model process crashed (signal 11, segmentation fault) while preparing the "
                              "explainer", failed="explanations")
    assert report.performance is not None and report.fairness is not None and report.explanations is None
    assert {a.name: a.status for a in report.analyses}["predictions"] == "ran"


@pytest.mark.parametrize("model, message", [
    (RaisesOnLoad(), "the model file could not be loaded (this pickle raises when it is opened)"),
    (NoPredict(), "the object in the file (NoPredict) has no predict method"),
])
def test_a_model_that_cannot_be_opened_leaves_an_audit_without_it(tmp_path, no_orphans, model, message):
    report = run_audit(audit(tmp_path, model))
    assert_carried_on(report, message)
    assert report.provenance.model["error"] == report.model_error
    assert report.provenance.inputs[-1].role == "model" and len(report.provenance.inputs[-1].sha256) == 64


def test_a_damaged_skops_file_leaves_an_audit_without_it(tmp_path, no_orphans):
    damaged = tmp_path / "model.skops"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    report = run_audit(audit(tmp_path, None, path=damaged))
    assert "model.skops: not a valid skops model file" in report.model_error
    assert report.status_of("predictions").status == "failed" and report.drift is not None


def test_an_untrusted_pickle_still_stops_the_audit_with_the_trust_question(tmp_path, no_orphans):
    config = audit(tmp_path, Misbehaving()).replace("model", trusted=False)
    with pytest.raises(ModelTrustError) as caught:
        run_audit(config)
    assert caught.value.sha256 and "can run arbitrary code" in str(caught.value)


def test_predictions_come_back_in_batches_with_progress(tmp_path, small_batches, no_orphans):
    events = []
    report = run_audit(audit(tmp_path, Misbehaving(), timeout_s=120), events.append)
    predict = [e for e in events if e.stage == "predict"]
    assert len({e.fraction for e in predict}) >= 6  # three batches for each dataset
    assert [e.fraction for e in predict] == sorted(e.fraction for e in predict)
    assert report.model_error is None and report.status_of("predictions").status == "ran"
    assert report.performance is not None and report.fairness is not None


def test_closing_the_audit_kills_the_model_process_at_once(tmp_path, no_orphans):
    events = iter_audit(audit(tmp_path, Misbehaving("hang", 0)))
    for event in events:
        if event.stage == "predict":
            break
    time.sleep(0.3)  # the model is now inside its endless predict
    [process] = model_processes()
    started = time.perf_counter()
    events.close()
    assert time.perf_counter() - started < 1.0
    assert not process.is_alive() and process.exitcode is not None


def test_the_model_process_starts_before_the_data_is_read_and_ends_with_the_audit(tmp_path, no_orphans):
    events = iter_audit(audit(tmp_path, Misbehaving(), timeout_s=120))
    first = next(events)
    assert first.message == "Reading the reference data" and len(model_processes()) == 1
    for _ in events:
        pass
    assert not model_processes()


def test_results_are_identical_to_running_the_model_in_process(demo_audit, no_orphans):
    config = AuditConfig.from_toml(demo_audit)
    isolated = run_audit(config)
    local = _in_process(config)
    assert isolated.model_error is None and local.model_error is None
    a, b = isolated.to_dict(), local.to_dict()
    for key in a:
        if key not in ("provenance", "integrity"):  # run times differ, and the document hash covers them
            assert a[key] == b[key], key
    for rows in ("reference_rows", "production_rows"):
        left, right = getattr(isolated.explanations, rows), getattr(local.explanations, rows)
        np.testing.assert_array_equal(np.asarray(left.values), np.asarray(right.values))
        assert left.row_index == right.row_index and left.predictions == right.predictions


def _in_process(config: AuditConfig):
    events = iter_audit(config, _model_in_process=True)
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value


def test_model_keys_are_validated():
    config = AuditConfig.from_dict({"model": {"timeout_s": 30, "memory_limit_mb": 4096}})
    assert config.model.timeout_s == 30.0 and config.model.memory_limit_mb == 4096
    assert AuditConfig().model.timeout_s == 600.0 and AuditConfig().model.memory_limit_mb is None
    with pytest.raises(ConfigError, match=r"model.timeout_s: 0 must be a positive number of seconds") as caught:
        AuditConfig.from_dict({"model": {"timeout_s": 0}})
    assert caught.value.key == "model.timeout_s"
    with pytest.raises(ConfigError, match=r"model.memory_limit_mb: 100 MB is too little") as caught:
        AuditConfig.from_dict({"model": {"memory_limit_mb": 100}})
    assert caught.value.key == "model.memory_limit_mb"
    with pytest.raises(ConfigError, match=r"model.memory_limit_mb: expected a whole number"):
        AuditConfig.from_dict({"model": {"memory_limit_mb": "lots"}})
    assert AuditConfig.from_dict({"model": {"memory_limit_mb": 0}}).model.memory_limit_mb == 0  # no limit


def test_the_default_memory_limit_is_three_quarters_of_the_machine():
    from assay.engine.isolation.process import memory_limit_bytes

    assert memory_limit_bytes(0) is None and memory_limit_bytes(2048) == 2048 * 1024 ** 2
    if hasattr(os, "sysconf"):
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        assert memory_limit_bytes(None) == max(physical * 3 // 4, 2 * 1024 ** 3)


def test_a_script_without_a_main_guard_does_not_run_again_in_the_model_process(tmp_path):
    """"spawn" runs the parent's main script again in the child unless told not to: an audit script without an
    `if __name__ == "__main__"` guard would audit itself recursively."""
    import subprocess

    config = audit(tmp_path, Misbehaving(), timeout_s=120)
    config.to_toml(tmp_path / "audit.toml")
    script = tmp_path / "script.py"
    script.write_text("from assay.engine.config import AuditConfig\nfrom assay.engine.pipeline import run_audit\n"
                      f"print('started', flush=True)\nreport = run_audit(AuditConfig.from_toml({str(tmp_path / 'audit.toml')!r}))\n"
                      "print('error', report.model_error)\n")
    root = Path(__file__).resolve().parents[2]
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(root), str(root / "tests")])}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["started", "error", "None"]


def test_a_prestarted_model_process_is_the_one_the_audit_uses(tmp_path, no_orphans):
    from assay.engine.isolation import process

    config = audit(tmp_path, Misbehaving(), timeout_s=120)
    process.prestart(config)
    spare = process._spare
    assert spare is not None and spare.pid is not None and len(model_processes()) == 1
    events = iter_audit(config)
    next(events)
    assert process._spare is None and [p.pid for p in model_processes()] == [spare.pid]  # taken, not a second one
    report = None
    try:
        while True:
            next(events)
    except StopIteration as stop:
        report = stop.value
    assert report.model_error is None and report.status_of("predictions").status == "ran"


def test_a_run_waits_for_the_spare_another_thread_is_starting_and_takes_it(tmp_path, no_orphans, monkeypatch):
    """The app starts the spare in a pool thread (spawning takes about 0.1 s, too long for its GUI thread): a run
    that begins meanwhile must take that process, not start a second one that would be left over."""
    import threading

    from assay.engine.isolation import process

    config = audit(tmp_path, Misbehaving(), timeout_s=120)
    spawning, go_on = threading.Event(), threading.Event()
    real = process.ModelProcess

    def slow_spawn(*args, **kwargs):
        spawning.set()
        assert go_on.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(process, "ModelProcess", slow_spawn)
    starter = threading.Thread(target=process.prestart, args=(config,))
    starter.start()
    assert spawning.wait(30)
    monkeypatch.setattr(process, "ModelProcess", real)
    taken: list = []
    runner = threading.Thread(target=lambda: taken.append(process.start_model(config)))
    runner.start()
    runner.join(0.3)
    assert runner.is_alive()  # waiting for the spare, not spawning its own
    go_on.set()
    starter.join(30)
    runner.join(30)
    try:
        assert len(taken) == 1 and process._spare is None and [p.pid for p in model_processes()] == [taken[0].pid]
    finally:
        taken[0].close()


def test_a_prestarted_model_process_with_other_limits_is_stopped_not_used(tmp_path, no_orphans):
    from assay.engine.isolation import process

    config = audit(tmp_path, Misbehaving(), timeout_s=120)
    process.prestart(config.replace("model", timeout_s=60))
    spare = process._spare
    runner = process.start_model(config)
    try:
        assert runner is not spare and runner.timeout_s == 120 and not spare._process.is_alive()
    finally:
        runner.close()


def test_prestarting_again_keeps_a_fitting_spare_and_replaces_another(tmp_path, no_orphans):
    from assay.engine.isolation import process

    config = audit(tmp_path, Misbehaving(), timeout_s=120)
    process.prestart(config)
    first = process._spare
    process.prestart(config)
    assert process._spare is first
    process.prestart(config.replace("model", timeout_s=60))
    second = process._spare
    try:
        assert second is not first and not first._process.is_alive() and len(model_processes()) == 1
    finally:
        process._spare = None
        second.close()
