"""The model process: the child's side. It opens the model and answers the audit's requests one at a time.

Started by ModelProcess with multiprocessing's "spawn" context (a fresh interpreter: a Qt process is never
forked). Before it imports anything heavy it limits its own memory (`[model] memory_limit_mb`, Linux), makes
sure it dies with its parent (Linux), ignores Ctrl+C (the parent decides when it stops) and installs an audit
hook that refuses every network operation, so model code cannot phone home.

Messages on the two one-way pipes are picklable tuples:
  child -> parent  ("ready",) once its imports are done, then one reply per request:
                   ("ok", result) or ("error", type name, message, whether it is an Assay error, traceback)
  parent -> child  (operation, args) with an operation of LocalModel.OPERATIONS, or None to stop.
"""
from __future__ import annotations

import os
import signal
import sys
import traceback
from typing import Any

# Audit events through which Python code reaches the network. Refused in the model process.
NETWORK_EVENTS = frozenset({
    "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo",
})
NETWORK_REFUSED = "Assay blocks network access from model code"


def serve(requests: Any, replies: Any, memory_limit_bytes: int | None, log_path: str | None = None) -> None:
    """The child's main function: set its limits, import, say ready, then answer requests until told to stop.

    What the model prints, and Python's report of a crash (faulthandler), go to `log_path`, never to the
    terminal of the CLI: the parent quotes its end in the error's details."""
    _redirect_output(log_path)
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limited = _limit_memory(memory_limit_bytes)
    sys.addaudithook(_refuse_network)
    import multiprocessing
    from multiprocessing import resource_tracker

    multiprocessing.current_process()._config["daemon"] = False  # models may start their own workers (joblib)
    # Semaphores the model's libraries create are tracked by a tracker of this process's own, not the parent's:
    # when this process is killed, its tracker cleans them up and reports it in this process's log, never on
    # the terminal of the CLI.
    own = resource_tracker._resource_tracker = resource_tracker.ResourceTracker()
    resource_tracker.ensure_running, resource_tracker.register = own.ensure_running, own.register
    resource_tracker.unregister, resource_tracker.getfd = own.unregister, own.getfd
    import numpy  # noqa: F401  the imports every model needs, while the parent reads the data
    import pandas  # noqa: F401
    import sklearn  # noqa: F401
    import skops.io  # noqa: F401  the recommended model format (0.5 s): before the audit asks to open it

    from assay.engine.isolation.local import LocalModel
    from assay.engine.progress import drain

    model = LocalModel()
    replies.send(("ready", limited))
    while True:
        try:
            request = requests.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if request is None:
            _exit_at_once()
        operation, args = request
        try:
            reply = ("ok", drain(model.call(operation, *args)))
        except BaseException as exc:  # noqa: BLE001  everything the model raises goes back to the parent
            reply = _error_reply(exc)
        try:
            replies.send(reply)
        except (BrokenPipeError, EOFError):
            return
        except Exception as exc:  # noqa: BLE001  a result that cannot be pickled
            replies.send(("error", type(exc).__name__,
                             f"the model returned something that cannot be sent back ({exc})", False, ""))


def _exit_at_once() -> None:
    """Exit without the interpreter's clean-up: with the model's libraries loaded it took 0.6 s, longer than the
    parent waits (process.CLOSE_WAIT_S) before killing the process anyway, so every audit's end and every cancel
    while the model was idle waited half a second for nothing. What the process holds goes with it as when it
    is killed: its resource tracker removes the semaphores and folders the model's libraries registered."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(0)


def _redirect_output(log_path: str | None) -> None:
    if not log_path:
        return
    import faulthandler

    log = open(log_path, "a", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115  kept open
    for stream, number in ((sys.stdout, 1), (sys.stderr, 2)):
        try:
            stream.flush()
        except (AttributeError, OSError):
            pass
        try:
            os.dup2(log.fileno(), number)
        except OSError:
            pass
    sys.stdout = sys.stderr = log
    faulthandler.enable(log)


def _error_reply(exc: BaseException) -> tuple:
    from assay.engine.errors import AssayError

    return ("error", type(exc).__name__, str(exc), isinstance(exc, AssayError),
            "".join(traceback.format_exception(exc)))


def _refuse_network(event: str, args: tuple) -> None:
    if event in NETWORK_EVENTS:
        target = args[1] if event in ("socket.connect", "socket.bind", "socket.sendto") and len(args) > 1 else \
            (args[0] if args else "")
        raise PermissionError(f"{NETWORK_REFUSED}: {event.split('.', 1)[1]} to {target!r} refused")


def _limit_memory(limit: int | None) -> bool:
    """Cap the address space (RLIMIT_AS) on Linux; elsewhere the limit is not enforced. True when set."""
    if not limit or not sys.platform.startswith("linux"):
        return False
    import resource

    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return True
    except (ValueError, OSError):
        return False


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies, so a killed app leaves no model process."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl
            os._exit(0)
    except (OSError, AttributeError):
        pass
