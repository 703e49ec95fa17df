"""DaskExecutor: the streamed passes on a dask.distributed cluster (issue 17, item 3).

The same contract as the in-process executor (executor.py): `run(source, step)` is a generator of
StreamProgress that returns the pass's merged state, equal to InProcessExecutor's. One task per Fragment: the
worker reads the fragment's batches with `read_fragment` (the same batches, at the same batch size, as in
process), maps each and merges them in row order; the client then merges the fragments' states as a balanced
tree in row order (passes.merge_all).
Since a Pass's merge is associative and exact, the grouping does not change the result.

`DaskExecutor("local")` starts a LocalCluster of two worker processes on the loopback address (no dashboard,
nothing listening beyond 127.0.0.1); `DaskExecutor("tcp://host:port")` connects to an existing scheduler, whose
workers must have the same version of Assay installed. A scheduler that does not answer within
CONNECT_TIMEOUT_S is a ConfigError naming the address. A worker that dies takes its tasks with it: the
scheduler gives them to another worker (up to its `allowed-failures`, 3 by default) and a task that raises is
retried TASK_RETRIES times; when a fragment cannot be done, one CalculationError says which fragment and why.
Closing `run`'s generator (a cancel) cancels every task not yet done.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from assay.engine.errors import AssayError, CalculationError, ConfigError
from assay.engine.progress import ProgressEvent
from assay.engine.streaming.config import ComputeConfig, check_scheduler
from assay.engine.streaming.executor import READ_AHEAD, Executor, InProcessExecutor, Predictor, StreamProgress, map_batch, progress
from assay.engine.streaming.passes import Pass, merge_all
from assay.engine.streaming.read_ahead import read_ahead
from assay.engine.streaming.sources import Fragment, Source, empty_frame, read_fragment
from assay.engine.tables import TABLE_BATCH_ROWS

if TYPE_CHECKING:
    from assay.engine.config import ModelConfig

CONNECT_TIMEOUT_S = 4.0  # a scheduler that does not answer: `assay audit` says so within 10 s of its start
TASK_RETRIES = 2  # a task that raises (a file briefly unreadable on a shared disk) runs again this often
LOCAL_WORKERS = 2
WAIT_S = 0.2  # run() yields at least this often, finished tasks or not: a cancel (closing the generator) lands


def open_executor(compute: ComputeConfig, model: ModelConfig | None = None
                  ) -> Generator[ProgressEvent, None, Executor]:
    """The executor of a streamed audit: a DaskExecutor when [compute] scheduler is set (started or connected
    first, so that a scheduler that does not answer stops the audit before any input is read), else in process."""
    if not compute.scheduler:
        return InProcessExecutor(batch_rows=compute.batch_rows)
    yield ProgressEvent("load", 0.0, "Starting a Dask cluster on this machine (2 worker processes)"
                        if compute.scheduler == "local" else f"Connecting to the Dask scheduler at {compute.scheduler}")
    return DaskExecutor(compute.scheduler, batch_rows=compute.batch_rows, model=model)


class DaskExecutor:
    """Runs each Pass as one Dask task per fragment; see the module's docstring.

    `predictor` adds the model's prediction columns to a batch for a Pass `with_predictions`, as for the in-process
    executor, but runs on the workers: it must be picklable (and open the model in an isolated process of the
    worker's own). `batches` counts the batches mapped, for the report's provenance."""

    name = "dask"

    def __init__(self, address: str, batch_rows: int = TABLE_BATCH_ROWS, predictor: Predictor | None = None,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S, retries: int = TASK_RETRIES,
                 model: ModelConfig | None = None) -> None:
        from distributed import Client

        check_scheduler(address)
        self.address = address
        self.batch_rows = batch_rows
        self.model = model  # [model]: the trust and limits under which the workers open the model
        self.predictor = predictor
        self.retries = retries
        self.batches = 0
        self._counting = threading.Lock()  # two analyses may run passes at once (engine/streaming/beside.py)
        self._cluster = None
        if self.address == "local":
            import dask
            from distributed import LocalCluster

            import logging

            from assay.engine.streaming.worker_model import QuietWorker

            # The scheduler and the nannies run in this process: the audit's own messages say what went wrong.
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            # Not daemonic: a worker starts the model's isolated process for the passes that need predictions. Set
            # for this process, not for a block: a nanny reads it again whenever it restarts a worker that died.
            dask.config.set({"distributed.worker.daemon": False})
            self._cluster = LocalCluster(n_workers=LOCAL_WORKERS, threads_per_worker=1, processes=True,
                                         host="127.0.0.1", dashboard_address=None)
            try:
                self.client = Client(self._cluster, timeout=connect_timeout_s)
                self.client.register_plugin(QuietWorker())
            except BaseException:
                self._cluster.close()
                raise
        else:
            try:
                self.client = Client(self.address, timeout=connect_timeout_s)
            except (OSError, TimeoutError):  # refused, unreachable or silent: Dask tries again until the timeout
                raise ConfigError(
                    f"compute.scheduler: the Dask scheduler at {self.address} did not answer within "
                    f"{connect_timeout_s:g} s; check the address and that the scheduler is running, or set "
                    f"[compute] scheduler = \"local\"", key="compute.scheduler") from None
            try:
                self.client.wait_for_workers(1, timeout=connect_timeout_s)
            except (OSError, TimeoutError):
                self.client.close()
                raise ConfigError(f"compute.scheduler: the Dask scheduler at {self.address} has no workers (none "
                                  f"joined within {connect_timeout_s:g} s); start workers for it, or set [compute] "
                                  f"scheduler = \"local\"", key="compute.scheduler") from None
        self._closed = False
        self.workers = self._count_workers()  # the most the passes found (the report's provenance.compute.workers)

    @property
    def predictor(self) -> Predictor | None:
        return self._predictor

    @predictor.setter
    def predictor(self, predictor: Predictor | None) -> None:
        """The streamed audit hands every executor the predictor of the audit's own model process; here it becomes
        a WorkerPredictor, which opens the same file (same SHA-256, same trust) on each worker."""
        from assay.engine.prediction_batches import ModelPredictor
        from assay.engine.streaming.worker_model import for_workers

        if isinstance(predictor, ModelPredictor):
            predictor = for_workers(predictor, self.model)
        self._predictor = predictor

    def _count_workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def run(self, source: Source, step: Pass) -> Generator[StreamProgress, None, Any]:
        from distributed import wait

        fragments = source.fragments
        self.workers = max(self.workers, self._count_workers())
        clock = time.perf_counter()
        yield progress(step, 0, source.rows, clock)
        # The pass (its context: fitted reference state, bucket edges) travels to the cluster once, as a task of its
        # own that the scheduler can run again when the worker holding it dies (scattered data would be lost).
        shared = self.client.submit(given, step, pure=False, retries=self.retries)
        states: list[Any] = [None] * len(fragments)
        futures: list[Any] = []
        pending: dict[Any, int] = {}
        rows_done = 0
        try:
            # Each submit is its own graph update, and the scheduler may take them up out of order (a large pass is
            # unpacked off its event loop): a fragment's task that reached it before the pass would be cancelled for
            # "lost dependencies". So the pass is on the cluster before any fragment is submitted.
            while not shared.done():
                try:
                    wait([shared], timeout=WAIT_S)
                except TimeoutError:  # no worker free yet: the count again, so that a cancel lands
                    yield progress(step, 0, source.rows, clock)

            def submit(index: int) -> Any:
                return self.client.submit(map_fragment, fragments[index], shared, self.batch_rows, source.role,
                                          self.predictor, pure=False, retries=self.retries)

            futures = [submit(index) for index in range(len(fragments))]
            pending = dict(zip((future.key for future in futures), range(len(futures))))
            resubmitted = 0
            while pending:
                try:
                    done = wait([futures[i] for i in pending.values()], timeout=WAIT_S,
                                return_when="FIRST_COMPLETED").done
                except TimeoutError:  # none finished yet: the same count again, so that a cancel lands within WAIT_S
                    done = ()
                except CancelledError:  # the scheduler gave one up (wait says so before anything else)
                    done = [futures[i] for i in pending.values() if futures[i].cancelled()]
                for future in done:
                    if future.status in ("pending", "lost"):  # its worker died since: the scheduler runs it again
                        continue
                    index = pending.pop(future.key)
                    if future.status == "cancelled" and resubmitted < len(fragments) * (self.retries + 1):
                        # not by this run: the scheduler gave the task up when a worker holding what it needs died
                        # ("lost dependencies"); the same fragment once more, after the pass if that went too
                        resubmitted += 1
                        if shared.status == "cancelled":
                            shared = self.client.submit(given, step, pure=False, retries=self.retries)
                        futures[index] = submit(index)
                        pending[futures[index].key] = index
                        continue
                    states[index], batches = _result(future, fragments[index])
                    with self._counting:
                        self.batches += batches
                    rows_done += fragments[index].rows
                yield progress(step, rows_done, source.rows, clock)
        finally:
            if pending:  # cancelled or failed: nothing of this pass keeps running on the cluster
                self.client.cancel([futures[i] for i in pending.values()], force=True)
            self.client.cancel([shared], force=True)
        states = [state for state in states if state is not None]  # fragments without rows
        if not states:  # no rows: the state of an empty batch, as in process
            return map_batch(step, empty_frame(source, step.columns), source.role, self.predictor)
        return merge_all(step, states)

    def close_models(self) -> None:
        """Stop the model processes the predictor started on the workers, and forget the predictor."""
        from assay.engine.streaming.worker_model import close_worker_models

        if self.predictor is None:
            return
        self._predictor = None
        try:
            self.client.run(close_worker_models)
        except (OSError, TimeoutError):  # the cluster is gone already: so are its workers' model processes
            pass

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.close_models()  # the workers' model processes go with the audit
        finally:
            self._close_client()

    def _close_client(self) -> None:
        try:
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def given(value: Any) -> Any:
    return value


def map_fragment(fragment: Fragment, step: Pass, batch_rows: int, role: str, predictor: Predictor | None
                 ) -> tuple[Any, int]:
    """On a worker: the merged state of one fragment's batches in row order (None for a fragment without rows),
    and how many batches it read."""
    state, batches = None, 0
    read = read_ahead(read_fragment(fragment, step.columns, batch_rows), READ_AHEAD)  # the next batch read meanwhile
    try:
        for batch in read:
            partial = map_batch(step, batch, role, predictor)
            state = partial if state is None else step.merge(state, partial)
            batches += 1
    finally:
        read.close()
    return state, batches


def _result(future: Any, fragment: Fragment) -> tuple[Any, int]:
    """A finished task's state and batch count, or the one error that ends the pass: an Assay error raised on the worker as it
    was (a file that cannot be read names it), anything else naming the fragment."""
    if future.status == "finished":
        return future.result()
    where = f"{fragment.path}" + (f", row group {fragment.row_group}" if fragment.row_group is not None else "")
    if future.status == "cancelled":
        raise CalculationError(f"{where}: the Dask scheduler gave this part of the data up again and again (the "
                               f"workers holding what it needs kept leaving); the audit could not finish. Check the "
                               f"workers' memory and logs")
    exc = future.exception()
    if isinstance(exc, AssayError):
        raise exc
    kind = type(exc).__name__
    if kind == "KilledWorker":
        raise CalculationError(f"{where}: every Dask worker that tried this part of the data died while running it; "
                               f"the audit could not finish. Check the workers' memory and logs")
    if kind == "ModuleNotFoundError":
        raise CalculationError(f"{where}: the Dask worker cannot import what the audit runs ({exc}); install the "
                               f"same version of Assay on the workers as here")
    raise CalculationError(f"{where}: the Dask task failed on its worker ({kind}: {exc}); the audit could not "
                           f"finish")
