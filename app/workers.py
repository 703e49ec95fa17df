"""Background work as superqt generator workers: the audit and the PDF run in Qt's thread pool, never in the GUI
thread.

`start_audit_worker(config, ...)` wraps `engine.pipeline.iter_audit` (and `start_pdf_worker(report, path,
settings, ...)` wraps `engine.report.iter_build_pdf`) in a `superqt.utils.GeneratorWorker`: every
ProgressEvent arrives as `yielded`, the AuditReport (the PDF's path) as `returned`, an exception as
`errored`, a cancel as `aborted`; `finished` always comes last.
`worker.quit()` cancels: the worker stops at the next yield and the audit generator is closed in
the worker thread, so the engine's `finally` blocks run before `finished`.

The engine (pandas, scikit-learn) is imported inside the worker, so the window paints without it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import Qt
from superqt.utils import GeneratorWorker, create_worker


class AuditCrashed(Exception):
    """A RuntimeError raised by the audit, re-raised as another type.

    superqt reads a RuntimeError from `work()` as "the worker object was deleted" and then emits
    neither `errored` nor `finished`; the run would hang forever. The original is `__cause__`.
    """


def audit_steps(config: Any) -> Generator[Any, None, Any]:
    """The audit as a generator, importing the engine on first use (in the worker thread)."""
    from assay.engine.pipeline import iter_audit
    from assay.engine.report import report_id
    from assay.engine.results import AuditReport

    try:
        review = review_or_none(config)  # unreadable: the audit runs without it (the pipeline reads a good one)
        report = yield from (iter_audit(config, review=review) if review.error else iter_audit(config))
    except RuntimeError as exc:
        raise AuditCrashed(str(exc)) from exc
    if isinstance(report, AuditReport):
        report_id(report)  # here, not in the GUI thread: hashing a whole report takes a while (the id is kept)
    return report


def review_or_none(config: Any) -> Any:
    """The audit's review file; one that cannot be read gives an empty review that says why (report.review.error:
    the window shows it in a dialog), and the audit runs without it."""
    from assay.engine.errors import ConfigError
    from assay.engine.review.apply import ReviewInput, read_review, review_path

    try:
        return read_review(config)
    except ConfigError as exc:
        return ReviewInput(path=review_path(config), error=str(exc))


def pdf_steps(report: Any, path: Any, settings: Any) -> Generator[Any, None, Any]:
    """The PDF build as a generator, importing the report engine on first use (in the worker thread)."""
    from assay.engine.report import iter_build_pdf

    try:
        return (yield from iter_build_pdf(report, path, settings))
    except RuntimeError as exc:
        raise AuditCrashed(str(exc)) from exc


def _delegate(steps: Generator[Any, None, Any]) -> Generator[Any, None, Any]:
    return (yield from steps)


def start_audit_worker(config: Any, *, yielded: Callable, returned: Callable, errored: Callable,
                       aborted: Callable, finished: Callable) -> GeneratorWorker:
    """Start an audit of `config` in the thread pool; the callbacks run in the GUI thread."""
    return _start(audit_steps(config), yielded=yielded, returned=returned, errored=errored, aborted=aborted,
                  finished=finished)


def start_pdf_worker(report: Any, path: Any, settings: Any, *, yielded: Callable, returned: Callable,
                     errored: Callable, aborted: Callable, finished: Callable) -> GeneratorWorker:
    """Build the PDF of `report` at `path` in the thread pool; the callbacks run in the GUI thread. A cancel
    closes the build, which then writes nothing."""
    return _start(pdf_steps(report, path, settings), yielded=yielded, returned=returned, errored=errored,
                  aborted=aborted, finished=finished)


def _start(steps: Generator[Any, None, Any], *, yielded: Callable, returned: Callable, errored: Callable,
           aborted: Callable, finished: Callable) -> GeneratorWorker:
    worker = create_worker(
        _delegate, steps, _start_thread=False,
        _connect={"yielded": yielded, "returned": returned, "errored": errored, "aborted": aborted,
                  "finished": finished},
    )
    # Close the generator in the worker thread as soon as the worker stops on a cancel:
    # superqt only stops sending to it, and the engine's clean-up would otherwise wait for the GC.
    worker.aborted.connect(lambda: _close_quietly(steps), Qt.ConnectionType.DirectConnection)
    worker.start()
    return worker


def _close_quietly(steps: Generator[Any, None, Any]) -> None:
    """Close the cancelled audit (in the worker thread). An error while cleaning up is logged, never shown:
    this runs outside the GUI thread, and the user has already been told the run was cancelled."""
    try:
        steps.close()
    except Exception:  # noqa: BLE001
        logging.getLogger(__name__).exception("error while closing a cancelled audit")


def original_error(error: BaseException) -> BaseException:
    """The exception the engine raised, unwrapping AuditCrashed."""
    if isinstance(error, AuditCrashed) and error.__cause__ is not None:
        return error.__cause__
    return error
