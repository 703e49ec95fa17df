"""Scope and provenance: every input with its SHA-256, the model, the columns, the software versions,
the run, the report id and the full audit configuration."""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from reportlab.platypus import Flowable

from assay.engine.report import formats as F
from assay.engine.report import styles as S
from assay.engine.report.blocks import Column
from assay.engine.integrity import NESTED_TIMING_FIELDS
from assay.engine.report.identity import SHORT, TIMING_FIELDS
from assay.engine.report.sections.common import Steps, listed
from assay.engine.report.sections.cover import audit_date
from assay.engine.streaming.provenance import describe_compute

if TYPE_CHECKING:
    from assay.engine.input_files import InputInfo
    from assay.engine.report.pdf import ReportContext
    from assay.engine.results import AuditReport

ROLE_TITLES = {"reference": "Reference data", "production": "Production data", "model": "Model file"}


def build(ctx: ReportContext) -> Steps:
    yield 0.0, "Scope and provenance"
    report, b = ctx.report, ctx.blocks
    prov = report.provenance
    story = [*b.h1("Scope and provenance", "scope"),
             b.p("What this audit was computed from. Each file's SHA-256 identifies its exact content: recompute it "
                 "(for example with sha256sum) to check that a file is the one audited.")]

    story += b.h2("Inputs", "scope-inputs")
    for info in prov.inputs:
        rows: list[tuple[str, Any]] = [("Path", info.path), ("SHA-256", info.sha256),
                                       ("Format", ", ".join(x for x in (info.format, info.detail) if x) or "—")]
        if info.role != "model":
            rows += [("Rows", F.count(info.rows)), ("Columns", F.count(info.columns)),
                     ("Time range", time_range(report, info))]
        story += b.h3(ROLE_TITLES.get(info.role, info.role.capitalize()))
        story.append(b.pairs(rows, key_width=0.16, mono_keys=("SHA-256",)))

    story += b.h2("Model", "scope-model")
    story += model_block(ctx)

    story += b.h2("Predictions", "scope-predictions")
    story += predictions_block(ctx)

    story += b.h2("Columns", "scope-columns")
    columns = report.schema.columns
    story.append(b.p(f"{F.plural(len(columns), 'column')}, with the kind and role the audit used "
                     "(inferred from the data unless set in the audit file's [columns])."))
    odd = [c.name for c in columns if S.undrawable(c.name)]
    if odd:
        story.append(b.small(
            f"{F.plural(len(odd), 'column name has', 'column names have')} characters that the report's font "
            "(DejaVu Sans) cannot draw; throughout the report these characters are written as their Unicode code "
            f"points in brackets, as in {S.drawable(odd[0])}. The JSON report has the names as written."))
    story.append(b.table(
        [Column("Column", 0.44), Column("Kind", 0.16), Column("Role", 0.14), Column("In reference", 0.12),
         Column("In production", 0.14)],
        [[c.name, c.kind.value, c.role.value, "yes" if c.in_reference else "no", "yes" if c.in_production else "no"]
         for c in columns]))

    story += b.h2("Software", "scope-software")
    story.append(b.pairs([(name, version) for name, version in prov.versions.items()], key_width=0.22))

    story += b.h2("Run and report id", "scope-run")
    story.append(b.pairs([
        ("Seed", str(prov.seed)),
        ("Started", audit_date(prov.started_at)),
        ("Finished", audit_date(prov.finished_at)),
        ("Duration", duration(prov.duration_s)),
        ("Computed", describe_compute(prov.compute)),
        ("Report id", ctx.report_id),
        ("Document hash", document_digest(ctx.document_sha256)),
    ], key_width=0.16, mono_keys=("Report id", "Document hash")))
    story.append(b.small(
        "Report id: the SHA-256 of the audit's JSON results, recorded in the JSON report (assay audit --json) as "
        "integrity.results_sha256: its canonical JSON (keys sorted, no spaces, UTF-8), leaving out the integrity "
        "block and the timing fields " + ", ".join([f"provenance.{f}" for f in TIMING_FIELDS]
                                                   + [f"provenance.{a}.{b}" for a, b in NESTED_TIMING_FIELDS])
        + ". It covers the findings, the verdict, every analysis, the configuration and the SHA-256 of each input "
        f"file above. The same results always give the same id; footers show its first {SHORT} digits. Document hash: "
        "the SHA-256 of the same JSON with the timing fields (integrity.document_sha256). Check a JSON report, and the input files "
        "it names, with: assay verify REPORT.json"))

    story += b.h2("Audit configuration", "scope-configuration")
    story.append(b.p("Every key of the audit as it ran, defaults included (the audit file plus any --set overrides)."))
    rows = [[key, value] for key, value in flat_config(prov.config)]
    story.append(b.table([Column("Key", 0.34, mono=True), Column("Value", 0.66, mono=True)], rows))
    return story


def document_digest(digest: str) -> str:
    """The document hash covers the run time, so a reproducible build leaves it out as it does the run time."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
        return "not shown: SOURCE_DATE_EPOCH is set (it covers the run time)"
    return digest or "—"


def duration(seconds: float | None) -> str:
    """The audit's run time; left out of a reproducible build (SOURCE_DATE_EPOCH set), since it changes from one
    run of the same audit to the next."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
        return "not shown: SOURCE_DATE_EPOCH is set (a reproducible build)"
    return f"{seconds:,.1f} s" if seconds else "—"


def time_range(report: AuditReport, info: InputInfo) -> str:
    """The input's time range: recorded with the input when the engine does, else (production) the span of the
    time-based drift chunks."""
    timestamp = next((c.name for c in report.schema.columns if c.role.value == "timestamp"), None)
    recorded = getattr(info, "time_range", None)
    if recorded:
        start, end = recorded
        return f"{start} to {end} (timestamp column {timestamp})" if timestamp else f"{start} to {end}"
    if timestamp is None:
        return "no timestamp column"
    drift = report.result("drift")
    chunks = drift.chunks if drift is not None else ()
    starts = [c.start for c in chunks if c.start]
    ends = [c.end for c in chunks if c.end]
    if info.role == "production" and starts and ends:
        return f"{min(starts)} to {max(ends)} (timestamp column {timestamp}, from the drift chunks)"
    return f"not recorded by the audit engine (timestamp column {timestamp})"


def model_block(ctx: ReportContext) -> list[Flowable]:
    b, model = ctx.blocks, ctx.report.provenance.model
    if not model:
        status = ctx.report.status_of("predictions")
        return [b.p("No model file: " + (status.reason if status and status.reason else "the audit ran without one")
                    + ".")]
    rows: list[tuple[str, Any]] = [("Type", model.get("type", "—")), ("Format", model.get("format", "—")),
                                   ("File", model.get("path", "—")), ("SHA-256", model.get("sha256", "—"))]
    expected = model.get("expected_columns")
    if expected:
        rows.append(("Input columns", f"{len(expected)}: " + listed(expected, 200, "the Columns table lists every "
                                                                           "column")))
    story = [b.pairs(rows, key_width=0.16, mono_keys=("SHA-256",))]
    params = model.get("parameters") or {}
    if params:
        story += b.h3(f"Parameters ({len(params)})")
        story.append(b.table([Column("Parameter", 0.34, mono=True), Column("Value", 0.66, mono=True)],
                             [[str(k), str(v)] for k, v in params.items()]))
    return story


def predictions_block(ctx: ReportContext) -> list[Flowable]:
    b, p = ctx.blocks, ctx.report.predictions
    status = ctx.report.status_of("predictions")
    if p is None:
        return [b.not_run("Prediction", status.reason if status else "")]
    rows: list[tuple[str, Any]] = [("Source", status.reason if status and status.reason else p.source),
                                   ("Task", p.task or "—")]
    if p.classes:
        rows.append(("Classes", listed(p.classes, 200)))
    if p.positive_label is not None:
        rows.append(("Positive label", str(p.positive_label)))
    rows += [("Rows predicted", f"reference {F.count(p.rows_reference)}, production {F.count(p.rows_production)}")]
    if p.positive_rate_reference is not None or p.positive_rate_production is not None:
        rows.append(("Predicted positive rate", f"reference {F.percent(p.positive_rate_reference)}, "
                                                f"production {F.percent(p.positive_rate_production)}"))
    rows.append(("Scores", "yes (probabilities)" if p.has_probabilities else "no"))
    return [b.pairs(rows, key_width=0.22)]


def flat_config(config: dict[str, Any]) -> list[tuple[str, str]]:
    """(dotted key, TOML-like value) for every key, in the file's section order; empty tables shown as {}."""
    out = []
    for section, values in config.items():
        if not isinstance(values, dict):
            out.append((section, _text(values)))
            continue
        for key, value in values.items():
            out.append((f"{section}.{key}", _text(value)))
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


