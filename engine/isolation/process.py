"""ModelProcess: the audit's side of the model process (worker.py).

`start_model(config)` starts the child at the start of the audit, so that its imports overlap with reading the
data. The trust decision is made here (engine.model_files.check_model_file), running no code from the file; only then
is the child asked to open it (`call("open", model_file)`). `call(operation, *args, what=...)` sends one request and waits for its reply; it is a generator that
yields (None) every POLL_S while it waits, so the audit's generator stays responsive and closing it kills the
child at once. Every failure of the child becomes a ModelProcessError naming the model file, what happened
and what the model was doing; exceptions the model raises come back as ModelCodeError (or as the Assay error
the operation raised), which the calculators report as before.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assay.engine.errors import CalculationError, ModelOpenError, ModelProcessError

if TYPE_CHECKING:  # for annotations only: `assay audit` starts the model process before it loads the rest
    from assay.engine.config import AuditConfig
    from assay.engine.isolation.local import LocalModel
    from assay.engine.model_files import LoadedModel

T = TypeVar("T")
POLL_S = 0.05  # how often a wait yields: the latency of a cancel while the model works
STARTUP_GRACE_S = 120.0  # added to the timeout for the child's interpreter start and imports
CLOSE_WAIT_S = 0.5  # how long an idle child may take to exit when asked to
SIGNALS = {getattr(signal, name): meaning for name, meaning in (
    ("SIGSEGV", "segmentation fault"), ("SIGABRT", "aborted"), ("SIGKILL", "killed"), ("SIGBUS", "bus error"),
    ("SIGFPE", "floating-point exception"), ("SIGILL", "illegal instruction")) if hasattr(signal, name)}


class ModelCodeError(Exception):
    """An exception the model's own code raised in the model process; `type_name` is its type."""

    def __init__(self, type_name: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.type_name = type_name
        self.details = details


def waiting(steps: Generator[None, None, T], value: Any) -> Generator[Any, None, T]:
    """Run a model request, yielding `value` (the caller's progress so far) each time the request waits."""
    try:
        while True:
            next(steps)
            yield value
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()


def exception_name(exc: BaseException) -> str:
    """The type name to show for an exception, also for one raised in the model process."""
    return getattr(exc, "type_name", type(exc).__name__)


def memory_limit_bytes(setting: int | None) -> int | None:
    """`[model] memory_limit_mb`: unset = three quarters of the physical memory, 0 = no limit."""
    if setting == 0:
        return None
    if setting is not None:
        return setting * 1024 * 1024
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # Windows: no sysconf, and no limit either
        return None
    return max(physical * 3 // 4, 2 * 1024 ** 3)


def start_model(config: AuditConfig, in_process: bool = False) -> ModelProcess | LocalModel | None:
    """The model of an audit configuration, started: a ModelProcess (or, only for the isolation benchmark and
    its tests, a LocalModel in this process). None when the audit has no model."""
    if config.model.path is None:
        return None
    if in_process:
        from assay.engine.isolation.local import LocalModel

        return LocalModel()
    return _take_spare(config) or ModelProcess(config.model.path, timeout_s=config.model.timeout_s,
                                               memory_limit_mb=config.model.memory_limit_mb)


_spare_lock = threading.Lock()
_spare: "ModelProcess | None" = None
_spare_started = threading.Event()  # cleared while a prestart in another thread is starting a spare
_spare_started.set()
SPARE_WAIT_S = 10.0  # how long a run waits for a spare that another thread is starting (it takes about 0.1 s)


def prestart(config: Any) -> None:
    """Start the model process of `config`'s audit ahead of the audit, so that its interpreter and imports
    (1-1.5 s) are done by the time the audit needs the model: `assay audit` calls it before it imports the
    engine, the app when it opens an audit file to run. The next `start_model` with the same timeout and
    memory limit takes it (it has not opened any file: the model file is only named in the audit's "open"
    request, after the trust checks). Nothing happens for an audit without a model."""
    global _spare
    if config.model.path is None:
        return
    with _spare_lock:
        if _spare is not None and _fits(_spare, config):
            return  # one is starting or waiting already
        _spare_started.clear()  # the app calls this in a pool thread: a run that starts meanwhile waits for it
    try:
        fresh = ModelProcess(config.model.path, timeout_s=config.model.timeout_s,
                             memory_limit_mb=config.model.memory_limit_mb)
        with _spare_lock:
            old, _spare = _spare, fresh
    finally:
        _spare_started.set()
    if old is not None:
        old.close()


def _take_spare(config: Any) -> "ModelProcess | None":
    global _spare
    _spare_started.wait(SPARE_WAIT_S)  # a spare being started in another thread: take it, not start a second one
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is None:
        return None
    if _fits(spare, config):
        spare.path = Path(config.model.path)
        return spare
    spare.close()
    return None


def _fits(spare: "ModelProcess", config: Any) -> bool:
    """Whether a started model process can serve `config`'s audit: same limits, alive."""
    return (spare.timeout_s == float(config.model.timeout_s)
            and spare.memory_limit == memory_limit_bytes(config.model.memory_limit_mb)
            and spare._start_error is None and spare._process.is_alive())


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start the child without the parent's __main__: "spawn" would otherwise run the script that started the
    audit again in the child (a script without an `if __name__ == "__main__"` guard would audit recursively).
    The child needs nothing from it: the worker and every message are importable from the engine."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {key: main.__dict__[key] for key in ("__file__", "__spec__") if key in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class ModelProcess:
    """One model in its own process. `call("open", model_file)`, then other requests; `close` always (it kills
    the child)."""

    def __init__(self, path: str | Path, timeout_s: float = 600.0, memory_limit_mb: int | None = None) -> None:
        from assay.engine.isolation import worker

        self.path = Path(path)
        self.timeout_s = float(timeout_s)
        self.memory_limit = memory_limit_bytes(memory_limit_mb)
        self.loaded: LoadedModel | None = None
        self._ready_at: float | None = None
        self._idle = False  # ready and not inside a request: it would read a request to stop
        self._in_flight = False  # a request was sent and its reply not yet read
        self._closed = False
        self._warming: Generator[None, None, Any] | None = None  # a warm-up request whose reply is still to read
        context = multiprocessing.get_context("spawn")  # never fork: the app's process runs Qt threads
        # two one-way OS pipes, not a duplex Pipe (a socket pair): the audit opens no socket of any kind
        self._replies, child_replies = context.Pipe(duplex=False)
        child_requests, self._requests = context.Pipe(duplex=False)
        handle, self._log = tempfile.mkstemp(prefix="assay-model-", suffix=".log")
        os.close(handle)
        self._process = context.Process(target=worker.serve, args=(child_requests, child_replies, self.memory_limit, self._log),
                                        daemon=True, name="assay-model")
        self._started_at = time.monotonic()
        try:
            with _main_module_hidden():
                self._process.start()
        except Exception as exc:  # noqa: BLE001  no fork/exec: say so and let the audit go on without the model
            self._start_error: str | None = (f"{self.path}: the model process could not be started "
                                             f"({type(exc).__name__}: {exc})")
        else:
            self._start_error = None
        finally:
            child_requests.close()
            child_replies.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def model(self) -> LoadedModel:
        assert self.loaded is not None, "open the model first"
        return self.loaded

    # -- requests ----------------------------------------------------------------------------------------------

    def call(self, operation: str, *args: Any, what: str = "") -> Generator[None, None, Any]:
        """Send one request and wait for its reply, yielding every POLL_S; `what` completes the error messages
        ("while predicting the production data, rows 1-20000")."""
        yield from self._wait_ready(what)
        if self._warming is not None:  # one request at a time: the warm-up's reply comes first
            warming, self._warming = self._warming, None
            try:
                yield from warming
            except ModelProcessError:
                raise
            except Exception:  # noqa: BLE001  shap would not import: building the explainer says so
                pass
        self._send(operation, args, what)
        return (yield from self._reply(operation, what, time.monotonic()))

    def warm_up(self) -> None:
        """Ask the model process, idle while the audit computes performance, drift and fairness, to import the
        explainer's libraries meanwhile (shap: about a second). Its reply is read before the next request."""
        if self._closed or not self._idle or self._warming is not None:
            return
        what = "preparing the explainer"
        sent = time.monotonic()
        try:
            self._send("warm", (), what)
        except ModelProcessError:  # it died: the next request says so
            return
        self._warming = self._reply("warm", what, sent)

    def begin_open(self, file: Any) -> Generator[None, None, LoadedModel]:
        """Send the request to open `file` now, even while the child is still starting (it is small: it waits in
        the pipe), and return the wait for its reply, so that the audit does other work meanwhile."""
        what = "opening the model"
        failure: ModelProcessError | None = None
        sent = time.monotonic()
        try:
            if self._start_error:
                raise ModelProcessError(self._start_error)
            self._send("open", (file,), what)
        except ModelProcessError as exc:
            failure = exc

        def reply() -> Generator[None, None, LoadedModel]:
            if failure is not None:
                raise failure
            yield from self._wait_ready(what)
            return (yield from self._reply("open", what, sent))

        return reply()

    def _send(self, operation: str, args: tuple, what: str) -> None:
        self._idle, self._in_flight = False, True
        try:
            self._requests.send((operation, args))
        except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
            raise self._died(what) from None

    def _reply(self, operation: str, what: str, sent: float) -> Generator[None, None, Any]:
        started = max(sent, self._ready_at or sent)  # the model's clock starts when the child can read the request
        while not self._replies.poll(POLL_S):
            if time.monotonic() - started > self.timeout_s:
                self.close()
                raise ModelProcessError(
                    f"{self.path}: the model did not answer within {self.timeout_s:g} s while {what}; it was "
                    f"stopped. If it is only slow, raise [model] timeout_s.")
            if not self._process.is_alive():
                raise self._died(what)
            yield
        try:
            reply = self._replies.recv()
        except (EOFError, OSError):
            raise self._died(what) from None
        self._idle, self._in_flight = True, False
        if reply[0] == "ok":
            if operation == "open":
                self.loaded = reply[1]
            return reply[1]
        _, type_name, message, is_assay, details = reply
        if type_name == "MemoryError":
            self.close()
            raise ModelProcessError(f"{self.path}: the model ran out of memory while {what}{self._limit_text()}; "
                                    f"it was stopped.")
        if operation == "open":  # the model's own error (a pickle that raises) or open_model_file's
            raise ModelOpenError(message if is_assay else
                                 f"{self.path}: the model file could not be loaded ({type_name}: {message}); it may be "
                                 f"damaged or need a library that is not installed.", self.path)
        if is_assay:
            raise CalculationError(message)
        raise ModelCodeError(type_name, message, details)

    def close(self) -> None:
        """Stop the child and wait until it is gone: asked to stop when it is idle (it then cleans up after
        itself), killed when it does not stop within CLOSE_WAIT_S or is busy. Idempotent."""
        if self._process.pid is not None:
            if self._process.is_alive() and self._idle and not self._closed:
                try:
                    self._requests.send(None)
                    self._process.join(CLOSE_WAIT_S)
                except (OSError, EOFError):
                    pass
            if self._process.is_alive():
                self._process.kill()
            self._process.join(5)
        if not self._closed:
            self._closed = True
            self._requests.close()
            self._replies.close()
            try:
                os.unlink(self._log)
            except OSError:
                pass

    def log_tail(self, limit: int = 4000) -> str:
        """The end of what the model process printed (a crash's Python traceback, warnings)."""
        try:
            with open(self._log, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(handle.tell() - limit, 0))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- waiting and dying -------------------------------------------------------------------------------------

    def _wait_ready(self, what: str) -> Generator[None, None, None]:
        if self._ready_at is not None:
            return
        if self._start_error:
            raise ModelProcessError(self._start_error)
        while not self._replies.poll(POLL_S):
            if time.monotonic() - self._started_at > self.timeout_s + STARTUP_GRACE_S:
                self.close()
                raise ModelProcessError(f"{self.path}: the model process did not start within "
                                        f"{self.timeout_s + STARTUP_GRACE_S:g} s; it was stopped.")
            if not self._process.is_alive():
                raise self._died(what or "starting")
            yield
        try:
            self._replies.recv()
        except (EOFError, OSError):
            raise self._died("starting") from None
        self._ready_at = time.monotonic()
        self._idle = not self._in_flight

    def _died(self, what: str) -> ModelProcessError:
        self._process.join(2)
        code = self._process.exitcode
        details = self.log_tail()
        self.close()
        error = self._died_error(what, code)
        error.details = details
        return error

    def _died_error(self, what: str, code: int | None) -> ModelProcessError:
        if code is not None and code < 0:
            number = -code
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            meaning = SIGNALS.get(number, name)
            how = f"signal {number}, {meaning}"
            hint = ""
            if number == getattr(signal, "SIGKILL", None):
                hint = " (the system may have stopped it for using too much memory)"
            elif number == getattr(signal, "SIGABRT", None) and self.memory_limit:
                hint = f"; an abort can also mean it hit the memory limit{self._limit_text()}"
            return ModelProcessError(f"{self.path}: the model process crashed ({how}) while {what}{hint}.")
        return ModelProcessError(f"{self.path}: the model process exited (code {code}) while {what}.")

    def _limit_text(self) -> str:
        if not self.memory_limit:
            return ""
        return f" (the limit is {self.memory_limit // (1024 * 1024):,} MB: [model] memory_limit_mb)"
