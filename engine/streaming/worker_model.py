"""The model on Dask workers: a picklable predictor (the DaskExecutor's `predictor`) that opens the model in an
isolated process of each worker's own, under the trust the audit's process decided.

The trust decision is made once, in the audit's process (engine.model_files.check_model_file, running no code
from the file), and travels as its ModelFile: the path, the SHA-256 and what was accepted. A worker repeats the
check with that decision (its copy of the file must have the same SHA-256, else an InputError naming the file and
both hashes), starts a ModelProcess (engine/isolation/process.py: the same child, requests, timeout and memory
limit as in process) and keeps it for the tasks that follow; the batches' prediction columns are written as
engine/prediction_batches.py's ModelPredictor writes them, so the numbers equal the in-process ones.

A daemonic worker process may not start child processes, so the workers must run with
`distributed.worker.daemon: false` (DaskExecutor("local") starts them so; for a cluster of your own, set
DASK_DISTRIBUTED__WORKER__DAEMON=False where the workers start). `close_worker_models` (run on every worker when
the executor closes) stops the model processes. QuietWorker sets up the audit's own LocalCluster workers.
"""
from __future__ import annotations

import multiprocessing
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from distributed import WorkerPlugin

from assay.engine.errors import CalculationError
from assay.engine.model_files import ModelFile, check_model_file
from assay.engine.schema import Schema

if TYPE_CHECKING:
    from assay.engine.config import ModelConfig

_lock = threading.Lock()
_opened: dict[tuple, tuple[Any, Any, threading.Lock]] = {}  # key -> (ModelProcess, LoadedModel, its lock)


@dataclass(frozen=True)
class WorkerPredictor:
    """(batch, role) -> the batch with the model's prediction columns, computed on the worker that runs it."""

    file: ModelFile  # the audit's trust decision
    schema: Schema
    threshold: float
    timeout_s: float = 600.0
    memory_limit_mb: int | None = None

    def __call__(self, batch: pd.DataFrame, role: str) -> pd.DataFrame:
        from assay.engine.prediction_batches import ModelPredictor

        runner, model, lock = self._model()
        with lock:  # the model process answers one request at a time; a worker may run tasks on several threads
            return ModelPredictor(model, runner, self.schema, self.threshold)(batch, role)

    def _model(self) -> tuple[Any, Any, threading.Lock]:
        key = (str(self.file.path), self.file.sha256, self.timeout_s, self.memory_limit_mb)
        with _lock:
            if key not in _opened:
                _opened[key] = (*self._open(), threading.Lock())
            return _opened[key]

    def _open(self) -> tuple[Any, Any]:
        from assay.engine.isolation.process import ModelProcess
        from assay.engine.progress import drain

        if multiprocessing.current_process().daemon:
            raise CalculationError(
                f"{self.file.path}: this Dask worker runs as a daemonic process, which may not start the model's "
                f"isolated process; start the workers with DASK_DISTRIBUTED__WORKER__DAEMON=False")
        accepted = self.file.format != "skops"  # pickle/joblib: the user trusted it; skops: the types accepted
        file = check_model_file(self.file.path, trusted=accepted, trusted_types=self.file.accepted_types,
                                sha256=self.file.sha256)
        runner = ModelProcess(file.path, timeout_s=self.timeout_s, memory_limit_mb=self.memory_limit_mb)
        try:
            model = drain(runner.begin_open(file))
        except BaseException:
            runner.close()
            raise
        return runner, model


def for_workers(predictor: Any, model: ModelConfig | None) -> WorkerPredictor:
    """The WorkerPredictor of the audit's in-process ModelPredictor: the trust decision made again here on the same
    file, pinned to the SHA-256 the audit's model process opened (it runs no code from the file), with [model]'s
    timeout and memory limit."""
    from assay.engine.config import ModelConfig

    model = model or ModelConfig()
    info = predictor.model.info
    file = check_model_file(info.path, trusted=model.trusted, trusted_types=model.trusted_types, sha256=info.sha256)
    return WorkerPredictor(file=file, schema=predictor.schema, threshold=predictor.threshold,
                           timeout_s=model.timeout_s, memory_limit_mb=model.memory_limit_mb)


class QuietWorker(WorkerPlugin):
    """Set up on each worker of the audit's own LocalCluster (and again on a worker restarted after dying): Ctrl+C
    is the audit's to handle (it cancels the tasks and closes the cluster), and Dask's log lines stay out of the
    terminal, where `assay audit` prints one line for what stopped it."""

    name = "assay-quiet-worker"

    def setup(self, worker: Any) -> None:
        import logging
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        logging.getLogger("distributed").setLevel(logging.CRITICAL)


def close_worker_models() -> int:
    """Stop this process's model processes; how many there were."""
    with _lock:
        opened = list(_opened.values())
        _opened.clear()
    for runner, model, lock in opened:
        runner.close()
    return len(opened)
