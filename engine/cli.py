"""The `assay` command: audit (headless, a CI gate), demo, verify, gui. The desktop app (gui, --selftest) is
handed in by `app/launcher.py`, the installed command's entry point: the engine never imports the app or Qt.

Exit codes: 0 the audit ran and no finding failed; 1 a finding failed; 2 bad input or
configuration (one line on stderr naming the file, column or key; no traceback).
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Protocol

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def version() -> str:
    from assay.engine.version import assay_version

    return assay_version()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every bad input
        self.exit(EXIT_BAD_INPUT, f"assay: error: {message} (see assay --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="assay", description="Audit a machine-learning model offline.")
    parser.add_argument("--version", action="version", version=f"assay {version()}")
    parser.add_argument("--selftest", action="store_true",
                        help="open the window offscreen, run the demo audit, write and check the JSON and PDF; "
                             "exit 0 when everything works on this machine")
    parser.add_argument("--selftest-dir", metavar="DIR", type=Path,
                        help="with --selftest: leave its outputs (demo audit, window.png, report.json, report.pdf) "
                             "in DIR instead of a temporary folder")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    audit = commands.add_parser("audit", help="run an audit headless (exit 0 pass/warn, 1 fail, 2 bad input)")
    audit.add_argument("audit_file", metavar="AUDIT.toml", type=Path)
    audit.add_argument("--json", metavar="OUT", type=Path, help="write the JSON report here")
    audit.add_argument("--pdf", metavar="OUT", type=Path,
                       help="write the PDF audit report here ([report] page_size, top_columns, prepared_by, "
                            "reviewed_by)")
    audit.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="overrides",
                       help="override a key of the audit file, e.g. --set task.type='\"binary\"' (repeatable)")
    audit.add_argument("--trust-model", action="store_true",
                       help="open a pickle/joblib model or accept a skops file's untrusted types (also for the "
                            "--challenger files)")
    audit.add_argument("--previous", metavar="OLD.json", type=Path,
                       help="the previous audit's JSON report: adds what changed since (the PDF's \"Changes since "
                            "the previous audit\", the JSON's changes)")
    audit.add_argument("--challenger", metavar="PATH", type=Path, action="append", default=[], dest="challengers",
                       help="a challenger model compared with the audit's model on the same rows (repeatable; "
                            "adds a [[challenger]])")
    audit.add_argument("--mlflow", metavar="URI", nargs="?", const="",
                       help="log the audit as one MLflow run to this store (a folder, file:///..., sqlite:///...); "
                            "without URI, to [mlflow] tracking_uri; the experiment is [mlflow] experiment. Needs "
                            "pip install 'assay[mlflow]'; a folder store needs MLFLOW_ALLOW_FILE_STORE=true")
    audit.add_argument("--prometheus", metavar="FILE.prom", type=Path,
                       help="write the audit's metrics here in node_exporter's textfile-collector format")
    audit.add_argument("--quiet", "-q", action="store_true", help="print only the verdict line")

    diff = commands.add_parser(
        "diff", help="what changed between two JSON reports (exit 0, 1 when a new failing finding appeared, "
                     "2 not comparable)")
    diff.add_argument("old", metavar="OLD.json", type=Path)
    diff.add_argument("new", metavar="NEW.json", type=Path)
    diff.add_argument("--json", metavar="OUT", type=Path, help="write the changes as JSON here")

    demo = commands.add_parser("demo", help="write the deterministic demo audit into a folder")
    demo.add_argument("folder", metavar="DIR", type=Path)
    demo.add_argument("--seed", type=int, default=0)

    verify = commands.add_parser(
        "verify", help="check a JSON report's own SHA-256 and its input files (exit 0 all pass, 1 a check failed, "
                       "2 not a readable report)")
    verify.add_argument("report", metavar="REPORT.json", type=Path)
    verify.add_argument("--data-dir", metavar="DIR", type=Path, action="append", default=[], dest="data_dirs",
                        help="look for the input files here first, by name (inputs moved since the audit; repeatable)")
    verify.add_argument("--json", action="store_true", dest="as_json",
                        help="print the checks as JSON on stdout (for CI) instead of a table")
    verify.add_argument("--quiet", "-q", action="store_true", help="print only the result line")

    gui = commands.add_parser("gui", help="open the desktop app (the default)")
    gui.add_argument("audit_file", metavar="AUDIT.toml", type=Path, nargs="?")
    gui.add_argument("--run", action="store_true", help="run the audit as soon as it is open")
    return parser


class Desktop(Protocol):
    """The desktop app, as the `assay` command reaches it: `app/launcher.py` passes it in, since the engine never
    imports the app (or Qt)."""

    def open(self, audit_file: Path | None, run: bool) -> int: ...

    def selftest(self, folder: Path | None) -> int: ...


def main(argv: list[str] | None = None, desktop: Desktop | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # the frozen bundle starts the model process by running itself
    args = build_parser().parse_args(argv)
    if args.selftest or args.command in (None, "gui"):
        if desktop is None:
            return _fail("the desktop app starts with the `assay` command (app/launcher.py), not through engine.cli")
        if args.selftest:
            return desktop.selftest(args.selftest_dir)
        return desktop.open(getattr(args, "audit_file", None), getattr(args, "run", False))
    if args.command == "demo":
        return _demo(args.folder, args.seed)
    if args.command == "verify":
        return _verify(args)
    if args.command == "diff":
        return _diff(args)
    with warnings.catch_warnings():
        # Libraries' warnings (scikit-learn on a one-class chunk, say) would break the one-line contract of
        # exit 2 and mean nothing to the reader: the report's notes say what was not defined and why.
        warnings.simplefilter("ignore")
        return _audit(args)


def _fail(message: str) -> int:
    print(f"assay: error: {' '.join(str(message).split())}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _fail_with(exc: Exception, path: object, attach: str) -> int:
    """One line for what stopped a command: the engine's message, a file the system refused (named, or
    `path`), or a bug, with what to attach when reporting it."""
    from assay.engine.errors import AssayError

    if isinstance(exc, AssayError):
        return _fail(str(exc))
    if isinstance(exc, OSError):
        return _fail(f"{exc.filename or path}: {exc.strerror or exc}")
    return _fail(f"internal error ({type(exc).__name__}: {exc}); please report it with {attach}")


def _demo(folder: Path, seed: int) -> int:
    from assay.engine.demo import write_demo
    from assay.engine.errors import AssayError

    try:
        path = write_demo(folder, seed=seed)
    except (AssayError, OSError) as exc:
        return _fail(f"{folder}: cannot write the demo ({exc})")
    print(f"Demo audit written to {path}\nRun it with: assay audit {path}   or open it with: assay gui {path}")
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    from rich.console import Console

    from assay.engine.config import AuditConfig
    from assay.engine.isolation.process import prestart

    err = Console(stderr=True)
    written: list[Path] = []  # outputs of this run: removed again when the run is cancelled
    _cancel_on_sigterm()
    try:
        config = AuditConfig.from_toml(args.audit_file).with_overrides(args.overrides)
        if args.trust_model:
            config = config.replace("model", trusted=True)
        if args.challengers:
            config = config.with_challengers(args.challengers, trusted=args.trust_model)
        prestart(config)  # the model process's interpreter and imports overlap with the engine's imports
        from assay.engine.pipeline import iter_audit
        if args.json is not None:
            _check_output_path(args.json, "--json")
        if args.pdf is not None:
            _check_output_path(args.pdf, "--pdf")
        previous = _previous(args.previous)
        if args.prometheus is not None:
            _check_output_path(args.prometheus, "--prometheus")
        mlflow = _mlflow_target(args.mlflow, config)  # a store MLflow refuses stops the command before the audit
        report = _run_with_progress(iter_audit(config), err, quiet=args.quiet)
        if previous is not None:
            report = _with_changes(report, previous, args.previous)
        if args.json is not None:
            report.write_json(args.json)
            written.append(args.json)
        if args.pdf is not None:
            from assay.engine.report import iter_build_pdf

            _run_with_progress(iter_build_pdf(report, args.pdf, config.report), err, quiet=args.quiet)
        if args.prometheus is not None:
            from assay.engine.integrations.prometheus import write_prometheus

            write_prometheus(report.to_dict(), args.prometheus)
            written.append(args.prometheus)
        if mlflow is not None:
            _log_to_mlflow(mlflow, report, config, args, err)
    except (KeyboardInterrupt, _Terminated) as stop:
        return _cancelled(stop, written)
    except Exception as exc:  # one line, never a traceback
        stop = _interruption(exc)
        if stop is not None:
            return _cancelled(stop, written)
        return _fail_with(exc, "", "the audit file")
    _print_summary(report, Console(), quiet=args.quiet)
    if args.pdf is not None and not args.quiet:
        Console().print(f"PDF report written to {args.pdf}", markup=False, highlight=False, soft_wrap=True)
    if report.model_error:  # the rest of the audit ran and its reports are written; a CI gate must still stop
        return _fail(report.model_error)
    return EXIT_FAILED if report.verdict == "fail" else EXIT_OK


def _previous(path: Path | None) -> dict | None:
    """--previous: the old JSON report, read before the audit runs (bad input is exit 2 at once)."""
    if path is None:
        return None
    from assay.engine.errors import InputError
    from assay.engine.results import SCHEMA_VERSION
    from assay.engine.verification import read_report

    old = read_report(path)
    if old.get("schema_version") != SCHEMA_VERSION:
        raise InputError(f"--previous {path}: schema_version {old.get('schema_version')}, this version of Assay "
                         f"writes schema_version {SCHEMA_VERSION}; reports of different versions are not compared.",
                         path)
    return old


def _with_changes(report, previous: dict, path: Path):
    import dataclasses

    from assay.engine.review.diff import diff_reports

    return dataclasses.replace(report, changes=diff_reports(previous, report.to_dict(), str(path), "this audit"))


def _diff(args: argparse.Namespace) -> int:
    import json

    from assay.engine.atomic import write_atomic
    from assay.engine.review.diff import read_reports, summary_lines

    try:
        if args.json is not None:
            _check_output_path(args.json, "--json")
        changes = read_reports(args.old, args.new)
        if args.json is not None:
            text = json.dumps(changes.to_json(), indent=2, ensure_ascii=False, allow_nan=False)
            write_atomic(args.json, text.encode("utf-8"))
    except Exception as exc:  # one line, never a traceback
        return _fail_with(exc, args.old, "the two JSON files")
    for line in summary_lines(changes):
        print(line)
    failing = changes.newly_failing
    if failing:
        print(f"{len(failing)} new failing finding(s): {', '.join(f.id for f in failing)}")
    return EXIT_FAILED if failing else EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    import json

    from rich.console import Console

    from assay.engine.verification import iter_verify

    try:
        result = _run_with_progress(iter_verify(args.report, args.data_dirs), Console(stderr=True),
                                    quiet=args.quiet or args.as_json)
    except KeyboardInterrupt:
        print("assay: cancelled", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, never a traceback
        return _fail_with(exc, args.report, "the JSON file")
    if args.as_json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_verification(result, Console(), quiet=args.quiet)
    return EXIT_OK if result.passed else EXIT_FAILED


def _print_verification(result, console, quiet: bool) -> None:
    """One line per check (name, outcome, file or digest); a failed check adds the two digests and what it means,
    indented below, so that 64-digit hashes fit an 80-column terminal."""
    from rich.markup import escape

    if not quiet:
        width = max(len(check.name) for check in result.checks) + 2
        for check in result.checks:
            colour = "green" if check.status == "pass" else "red"
            subject = check.path or (check.found if check.status == "pass" else "") or ""
            console.print(f"{escape(check.name):<{width}}[{colour}]{check.outcome:<9}[/] {escape(subject)}",
                          soft_wrap=True, highlight=False)
            if check.status != "pass":
                if check.expected and check.found:
                    console.print(f"    recorded  {check.expected}\n    found     {check.found}", highlight=False)
                if check.note:
                    console.print(f"    {escape(check.note)}", soft_wrap=True, highlight=False)
    failed = result.failed
    if failed:
        console.print(f"[bold red]NOT VERIFIED[/]: {len(failed)} of {len(result.checks)} checks failed "
                      f"({escape(', '.join(c.name for c in failed))})", soft_wrap=True)
    else:
        console.print(f"[bold green]VERIFIED[/]: all {len(result.checks)} checks passed", soft_wrap=True)


def _cancelled(stop: BaseException, written: list[Path]) -> int:
    for path in written:  # a cancelled run leaves no output, not half of them
        Path(path).unlink(missing_ok=True)
    print("assay: cancelled; nothing was written", file=sys.stderr)
    return 143 if isinstance(stop, _Terminated) else 130


def _interruption(exc: BaseException) -> BaseException | None:
    """The Ctrl+C or SIGTERM behind an exception, if any. Python 3.11 wraps one that arrives while a class is
    being created (during an import: matplotlib's, when the PDF build starts) in a RuntimeError ("Error calling
    __set_name__"), which the CLI called an internal error."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (KeyboardInterrupt, _Terminated)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


class _Terminated(BaseException):
    """SIGTERM arrived (a CI job stopped, `kill`): cancel as Ctrl+C does."""


def _cancel_on_sigterm() -> None:
    """Make SIGTERM cancel the audit like Ctrl+C: the audit and PDF generators are closed, their clean-up runs,
    and no temporary or partial file is left (Python's default for SIGTERM ends the process on the spot)."""
    import signal

    def stop(signum, frame):
        raise _Terminated()

    try:
        signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (main() called from a test's thread): leave the default
        pass


def _check_output_path(path: Path, flag: str) -> None:
    """Before the audit runs: the output's folder exists and is writable (the file is written atomically)."""
    import os

    from assay.engine.errors import ConfigError

    example = {"--json": "report.json", "--pdf": "audit-report.pdf", "--prometheus": "assay.prom"}[flag]
    if path.is_dir():
        raise ConfigError(f"{flag} {path}: is a folder; give a file name such as {path / example}")
    folder = path.parent.resolve()
    if not folder.is_dir():
        raise ConfigError(f"{flag} {path}: folder {path.parent} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{flag} {path}: folder {path.parent} is not writable; choose another folder")


def _mlflow_target(uri: str | None, config):
    """Where --mlflow logs the run (None without --mlflow): its URI, or [mlflow] tracking_uri."""
    if uri is None:
        return None
    from assay.engine.errors import ConfigError
    from assay.engine.integrations.mlflow_runs import open_experiment
    from assay.engine.integrations.mlflow_store import mlflow_tracking_uri, tracking_uri

    found = tracking_uri(uri, None) if uri else mlflow_tracking_uri(config)
    if found is None:
        raise ConfigError("--mlflow: give the store's URI (--mlflow sqlite:///mlflow.db, or a folder) or set "
                          "[mlflow] tracking_uri in the audit file.", key="mlflow.tracking_uri")
    return open_experiment(found, config.mlflow.experiment, "--mlflow" if uri else "[mlflow] tracking_uri")


def _log_to_mlflow(target, report, config, args, err) -> None:
    """One MLflow run with the JSON and PDF reports as artifacts (written to a temporary folder when --json or
    --pdf did not ask for them)."""
    import tempfile

    from assay.engine.integrations.mlflow_runs import log_audit_run

    with tempfile.TemporaryDirectory(prefix="assay-mlflow-") as folder:
        json_path = args.json or Path(folder) / "report.json"
        if args.json is None:
            report.write_json(json_path)
        pdf_path = args.pdf or Path(folder) / "audit-report.pdf"
        if args.pdf is None:
            from assay.engine.report import iter_build_pdf

            _run_with_progress(iter_build_pdf(report, pdf_path, config.report), err, quiet=args.quiet)
        run_id = log_audit_run(target, report.to_dict(), [json_path, pdf_path])
    if not args.quiet:
        print(f"MLflow run {run_id} logged to {target.tracking_uri} (experiment {target.experiment!r})")


def _run_with_progress(events, console, quiet: bool):
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<40}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=console, transient=True, disable=quiet) as progress:
        task = progress.add_task("Starting", total=1.0)
        try:
            while True:
                event = next(events)
                progress.update(task, completed=event.fraction, description=escape(event.message or event.stage))
        except StopIteration as stop:
            return stop.value
        finally:
            events.close()


def _print_review(report, console) -> None:
    """What the review file changed: waivers that expired (their findings count again), waivers that name no
    finding of this report, a sign-off of another report. Printed even with --quiet: each can change the gate."""
    from rich.markup import escape

    review = report.review
    if review is None:
        return
    for state in review.waivers:
        waiver = state.waiver
        if state.state == "waiver expired":
            console.print(f"[red]Waiver expired[/] on {waiver.expires}: {escape(waiver.finding)} counts again "
                          f"(renew it in {escape(str(review.file))} or fix the finding)", soft_wrap=True)
        elif state.state == "unmatched":
            console.print(f"[yellow]Warning[/]: the waiver of {escape(waiver.finding)} names no finding of this "
                          f"report (in {escape(str(review.file))})", soft_wrap=True)
    if review.signoff is not None and not review.signoff.current:
        console.print(f"[yellow]Warning[/]: {review.signoff.state} ({escape(review.signoff.signoff.report_id)})",
                      soft_wrap=True)


def _print_summary(report, console, quiet: bool) -> None:
    from rich.markup import escape  # reasons and findings quote audit-file keys such as [columns] sensitive
    from rich.table import Table

    colours = {"pass": "green", "warn": "yellow", "fail": "red"}
    counted = [f for f in report.findings if f.status != "waived"]
    counts = {s: sum(f.severity == s for f in counted) for s in ("fail", "warn")}
    waived = len(report.findings) - len(counted)
    console.print(f"[bold {colours[report.verdict]}]Verdict: {report.verdict.upper()}[/] "
                  f"({counts['fail']} failed, {counts['warn']} warnings"
                  + (f", {waived} waived" if waived else "") + ")")
    _print_review(report, console)
    if quiet:
        return
    estimation = report.result("estimation")
    if estimation is not None:
        from assay.engine.estimation.text import summary_line

        console.print(escape(summary_line(estimation)))
    skipped = [a for a in report.analyses if a.status == "skipped"]
    for status in skipped:
        console.print(f"[dim]Skipped {status.name}: {escape(status.reason)}[/]")
    if report.findings:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("Severity")
        table.add_column("Analysis")
        table.add_column("Finding", overflow="fold")
        reviewed = any(f.status != "open" for f in report.findings)
        if reviewed:
            table.add_column("Status")
        for finding in report.findings:
            status = [escape(finding.status)] if reviewed else []
            table.add_row(f"[{colours[finding.severity]}]{finding.severity}[/]", escape(finding.analysis),
                          escape(finding.title), *status)
        console.print(table)


if __name__ == "__main__":
    sys.exit(main())
