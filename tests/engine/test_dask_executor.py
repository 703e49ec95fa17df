"""DaskExecutor on a real LocalCluster (two worker processes on 127.0.0.1): the same merged states as the
in-process executor, progress by fragment, a dead scheduler address, workers that die, and cancel."""
from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.engine.errors import CalculationError, ConfigError
from assay.engine.progress import drain as finish
from assay.engine.config import AuditConfig
from assay.engine.streaming.dask_executor import DaskExecutor
from assay.engine.streaming.executor import InProcessExecutor
from assay.engine.streaming.passes import Pass
from assay.engine.streaming.sources import open_source
from tests.engine import dask_passes

BATCH_ROWS = 4_000


@pytest.fixture(scope="module")
def cluster():
    import dask
    import distributed  # noqa: F401  (its defaults enter dask.config first: the `with` below restores them)

    # one worker death per task is forgiven (the default is 3): the test of an audit that cannot finish stays short
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        executor = DaskExecutor("local", batch_rows=BATCH_ROWS)
    yield executor
    executor.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Three Parquet files of unequal sizes, in row groups of 15,000 rows: 11 fragments."""
    folder = tmp_path_factory.mktemp("parts")
    start = 0
    for index, rows in enumerate((40_000, 7_000, 61_000)):
        table = dask_passes.make_table(rows, seed=index)
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False), folder / f"part-{index}.parquet",
                       row_group_size=15_000)
        start += rows
    return folder


def profile_pass(map_function=dask_passes.profile, context=None) -> Pass:
    return Pass(name="profile", role="production", columns=("count", "value", "category"), map=map_function,
                merge=dask_passes.merge_profiles, context=context)


def run_pass(steps):
    """What a pass returns, and the progress it yielded."""
    events = []
    return finish(steps, events.append), events


def test_local_cluster_merges_like_the_in_process_executor(cluster, folder):
    source = open_source(folder, "production")
    expected, _ = run_pass(InProcessExecutor(batch_rows=BATCH_ROWS).run(source, profile_pass()))
    merged, events = run_pass(cluster.run(source, profile_pass()))
    assert merged == expected
    assert merged["ranges"] == [(0, source.rows)]  # every row once, in row order
    assert cluster.workers == 2
    done = [event.rows_done for event in events]
    assert done == sorted(done) and done[0] == 0 and done[-1] == source.rows
    fragment_rows = {fragment.rows for fragment in source.fragments}
    assert all(b - a in fragment_rows or b - a > max(fragment_rows) for a, b in zip(done, done[1:]) if b > a)
    assert all(event.rows_total == source.rows and event.label == "profile" for event in events)
    assert events[-1].rows_per_second > 0


def test_a_streamed_audit_on_the_cluster_writes_the_in_process_json(cluster, folder, tmp_path):
    """The data-only audit of a folder, streamed on the LocalCluster: the same JSON as streamed in process, but for
    the provenance, which says which path ran and on how many workers."""
    import json

    from assay.engine.streaming.pipeline import iter_streamed_audit

    reference = tmp_path / "reference.parquet"
    pq.write_table(pa.Table.from_pandas(dask_passes.make_table(30_000, seed=9), preserve_index=False), reference)
    config = AuditConfig.from_dict({"data": {"reference": str(reference), "production": str(folder)},
                                    "compute": {"batch_rows": BATCH_ROWS}})
    in_process = json.loads(finish(iter_streamed_audit(config)).to_json())  # both before the review is applied
    on_cluster = json.loads(finish(iter_streamed_audit(config.replace("compute", scheduler="local"),
                                                       KeptOpen(cluster))).to_json())
    compute = on_cluster.pop("provenance")["compute"]
    assert in_process.pop("provenance")["compute"]["path"] == "streamed"
    on_cluster.pop("integrity", None), in_process.pop("integrity", None)
    assert on_cluster == in_process
    assert on_cluster["analyses"]["quality"]["status"] == "ran" and on_cluster["quality"]  # the streamed analyses ran
    assert compute["path"] == "dask" and compute["scheduler"] == "local" and compute["workers"] == 2
    assert compute["rows"] == {"reference": 30_000, "production": 108_000} and compute["batches"] > 11


class KeptOpen:
    """The module's cluster, for an audit that closes its executor at the end."""

    def __init__(self, executor: DaskExecutor) -> None:
        self.executor = executor
        self.name, self.workers = executor.name, executor.workers
        self.batches_before = executor.batches

    @property
    def batches(self) -> int:
        return self.executor.batches - self.batches_before

    def run(self, source, step):
        return self.executor.run(source, step)

    def close(self) -> None:
        pass


def test_a_worker_that_dies_is_retried(cluster, folder, tmp_path):
    source = open_source(folder, "production")
    expected, _ = run_pass(InProcessExecutor(batch_rows=BATCH_ROWS).run(source, profile_pass()))
    marker = tmp_path / "died"
    merged, _ = run_pass(cluster.run(source, profile_pass(dask_passes.profile_dying_once, str(marker))))
    assert marker.exists()  # a worker did die
    assert merged == expected


def test_a_task_the_scheduler_gives_up_is_submitted_again(cluster, folder):
    """The scheduler cancels a task whose dependencies it lost (the worker holding the pass died before the task
    reached it): the run submits that fragment again and merges as if nothing happened. Here the cancel comes from
    another client, with force, while the tasks run."""
    from distributed import Client, Future

    source = open_source(folder, "production")
    expected, _ = run_pass(InProcessExecutor(batch_rows=BATCH_ROWS).run(source, profile_pass()))
    steps = cluster.run(source, profile_pass(dask_passes.profile_slowly, 0.05))
    given_up = []
    with Client(cluster.client.scheduler.address) as other:
        def give_one_up(event) -> None:
            if given_up:
                return
            keys = [key for keys in other.processing().values() for key in keys if str(key).startswith("map_fragment")]
            if keys:
                other.cancel([Future(keys[0], client=other)], force=True)
                given_up.append(keys[0])

        merged = finish(steps, give_one_up)
    assert given_up  # a task was given up while it ran
    assert merged == expected


def test_an_audit_that_cannot_finish_is_one_error_naming_the_fragment(cluster, folder):
    source = open_source(folder, "production")
    with pytest.raises(CalculationError, match=r"part-\d\.parquet, row group \d+: every Dask worker that tried .* died"):
        run_pass(cluster.run(source, profile_pass(dask_passes.profile_dying_always)))
    merged, _ = run_pass(cluster.run(source, profile_pass()))  # the cluster works on: the nannies restarted the workers
    assert merged["rows"] == source.rows


def test_closing_the_run_cancels_its_tasks(cluster, folder):
    import time

    source = open_source(folder, "production")
    steps = cluster.run(source, profile_pass(dask_passes.profile_slowly, 0.5))
    first = next(steps)
    assert first.rows_done == 0
    steps.close()
    deadline = time.monotonic() + 30  # a guard against a hang, not a timing: the tasks go long before
    while time.monotonic() < deadline and cluster.client.run_on_scheduler(_tasks_on_scheduler):
        time.sleep(0.05)
    assert cluster.client.run_on_scheduler(_tasks_on_scheduler) == 0


def _tasks_on_scheduler(dask_scheduler) -> int:
    return len(dask_scheduler.tasks)


def test_a_scheduler_that_does_not_answer_is_a_config_error_naming_it():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with pytest.raises(ConfigError, match=f"scheduler at {address} did not answer within 2 s") as caught:
        DaskExecutor(address, connect_timeout_s=2)
    assert caught.value.key == "compute.scheduler"


@pytest.mark.parametrize("address", ["localhost:8786", "tcp://host", "http://host:8786", "tcp://a b:1",
                                     " tcp://host:8786"])
def test_a_malformed_scheduler_address_is_refused_before_connecting(address):
    with pytest.raises(ConfigError, match="compute.scheduler: .* is not a scheduler address"):
        DaskExecutor(address)
    with pytest.raises(ConfigError, match="compute.scheduler: .* is not a scheduler address"):
        AuditConfig.from_dict({"compute": {"scheduler": address}})
    for good in ("", "local", "tcp://10.0.0.5:8786", "tls://scheduler.example:8786"):
        assert AuditConfig.from_dict({"compute": {"scheduler": good}}).compute.scheduler == good


def test_the_model_predicts_on_the_workers_in_their_own_model_process(cluster, demo_audit, tmp_path):
    """The demo's model on the workers, each opening it in an isolated process of its own under the audit's trust
    decision, gives every batch the prediction columns the model gives it in this process."""
    from assay.engine.config import AuditConfig
    from assay.engine.isolation.local import LocalModel
    from assay.engine.model_files import check_model_file
    from assay.engine.prediction_batches import ModelPredictor
    from assay.engine.schema import iter_infer_schema
    from assay.engine.streaming.worker_model import WorkerPredictor
    from assay.engine.tables import load_dataset

    config = AuditConfig.from_toml(demo_audit)
    path = tmp_path / "production.parquet"  # in row groups of 5,000 rows: several fragments, for both workers
    pq.write_table(pq.read_table(config.data.production), path, row_group_size=5_000)
    frames = [load_dataset(config.data.reference, "reference").frame, load_dataset(path, "production").frame]
    schema = finish(iter_infer_schema(*frames, config))
    file = check_model_file(config.model.path, trusted=config.model.trusted, trusted_types=config.model.trusted_types)
    runner = LocalModel()
    here = ModelPredictor(finish(runner.begin_open(file)), runner, schema, config.performance.threshold)
    step = Pass(name="predictions", role="production", columns=None, map=dask_passes.predicted,
                merge=dask_passes.concatenated, with_predictions=True)
    source = open_source(path, "production")
    assert len(source.fragments) > 2
    expected, _ = run_pass(InProcessExecutor(BATCH_ROWS, here).run(source, step))
    cluster.model = config.model
    cluster.predictor = here  # what the streamed audit hands every executor: here it becomes a WorkerPredictor
    assert isinstance(cluster.predictor, WorkerPredictor) and cluster.predictor.file == file
    try:
        found, _ = run_pass(cluster.run(source, step))
        model_processes = cluster.client.run(_model_processes)
    finally:
        cluster.close_models()
    assert found.keys() == expected.keys() and len(found["rows"]) == source.rows
    for key in expected:
        assert np.array_equal(found[key], expected[key]), key
    # one model process per worker that predicted (both, unless one was still restarting), kept for its next tasks
    assert 1 <= sum(model_processes.values()) <= 2 and set(model_processes.values()) <= {0, 1}
    assert sum(cluster.client.run(_model_processes).values()) == 0  # and closed with the executor's models


def _model_processes() -> int:
    from assay.engine.streaming import worker_model

    return len(worker_model._opened)


def test_a_worker_whose_model_file_differs_from_the_trusted_one_does_not_open_it(demo_audit):
    """The trust travels pinned to the file's SHA-256: a worker's copy that differs is refused, naming both hashes,
    before anything is opened."""
    import dataclasses

    from assay.engine.config import AuditConfig
    from assay.engine.errors import InputError
    from assay.engine.model_files import check_model_file
    from assay.engine.streaming import worker_model

    config = AuditConfig.from_toml(demo_audit)
    file = check_model_file(config.model.path, trusted=config.model.trusted, trusted_types=config.model.trusted_types)
    other = dataclasses.replace(file, sha256="0" * 64)
    predictor = worker_model.WorkerPredictor(file=other, schema=None, threshold=0.5)
    with pytest.raises(InputError, match=f"changed since it was trusted \\(expected SHA-256 {'0' * 64}, found "
                                         f"{file.sha256}\\)"):
        predictor(None, "production")
    assert not worker_model._opened
