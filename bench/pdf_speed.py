"""PDF speed: the audit report of the demo audit and of a 200-column audit, the PDF build alone.

Targets (issue 7): the demo's PDF in at most 5 s, the 200-column audit's in at most 30 s, on this machine. The
audits themselves are not part of the figures: each runs once first and its time is reported on its own line.

Measured, in this process:
- the demo audit (`assay demo`: 12,000 + 12,000 rows, 18 columns, a model, every analysis);
- a 200-column audit (engine.demo_wide: 200 features, half numerical and half categorical, every seventh
  drifting, 5,000 + 5,000 rows, predictions-only, multivariate drift on).
Each PDF is built 3 times (median reported) with `build_pdf`, the same call as `assay audit --pdf` and the app's
Export PDF; one more build is split into its parts: the sections (tables, charts drawn and recorded) and the
layout passes (platypus, twice: the second prints the page numbers the first found).

    python bench/pdf_speed.py                  # -> results/pdf_speed.md and .json
    ASSAY_BENCH_QUICK=1 python bench/pdf_speed.py   # 1 build each, 1,000 rows for the wide audit, printed only
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assay.engine import AuditConfig  # noqa: E402
from assay.engine.pipeline import run_audit  # noqa: E402
from assay.engine.progress import drain  # noqa: E402
from assay.engine.report import build_pdf  # noqa: E402
from assay.engine.report.pdf import _layout, iter_story, make_context  # noqa: E402

QUICK = os.environ.get("ASSAY_BENCH_QUICK") == "1"
RUNS = 1 if QUICK else 3
WIDE_COLUMNS = 200
WIDE_ROWS = 1000 if QUICK else 5000
TARGETS = {"demo": 5.0, "wide": 30.0}


def pdf_pages(path: Path) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", path.read_bytes()))


def measure(name: str, audit_file: Path, folder: Path) -> dict:
    config = AuditConfig.from_toml(audit_file)
    start = time.perf_counter()
    report = run_audit(config)
    audit_seconds = time.perf_counter() - start
    print(f"{name}: audit {audit_seconds:.2f} s (not part of the PDF figures)", flush=True)
    runs = []
    path = folder / f"{name}.pdf"
    for _ in range(RUNS):
        start = time.perf_counter()
        build_pdf(report, path)
        runs.append(time.perf_counter() - start)
    start = time.perf_counter()
    context = make_context(report)
    story = drain(iter_story(context))
    sections = time.perf_counter() - start
    start = time.perf_counter()
    drain(_layout(story, context))
    layout = time.perf_counter() - start
    figures = {
        "audit_seconds": round(audit_seconds, 2),
        "pdf_seconds": round(statistics.median(runs), 2),
        "pdf_runs": [round(r, 2) for r in runs],
        "sections_seconds": round(sections, 2),
        "layout_seconds": round(layout, 2),
        "pages": pdf_pages(path),
        "bytes": path.stat().st_size,
        "columns": len(report.schema.columns),
        "rows": [i.rows for i in report.provenance.inputs if i.rows is not None],
        "target_seconds": TARGETS[name],
    }
    figures["target_met"] = figures["pdf_seconds"] <= TARGETS[name]
    print(f"{name}: PDF {figures['pdf_seconds']:.2f} s median of {RUNS} (sections {sections:.2f} s, layout "
          f"{layout:.2f} s), {figures['pages']} pages, {figures['bytes'] / 1024:,.0f} KB; target <= "
          f"{TARGETS[name]:g} s: {'met' if figures['target_met'] else 'NOT MET'}", flush=True)
    return figures


def commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h", "--", "engine/report"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    from assay.engine.demo import write_demo
    from assay.engine.demo_wide import write_wide_demo

    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="assay-pdf-bench-") as tmp:
        folder = Path(tmp)
        results = {
            "demo": measure("demo", write_demo(folder / "demo"), folder),
            "wide": measure("wide", write_wide_demo(folder / "wide", columns=WIDE_COLUMNS, rows=WIDE_ROWS), folder),
        }
    figures = {
        "date": datetime.now(timezone.utc).isoformat(timespec="minutes"), "machine": platform.platform(),
        "cpus": os.cpu_count(), "python": platform.python_version(), "engine_report_commit": commit(),
        "load_average_start": round(load_start, 2), "load_average_end": round(os.getloadavg()[0], 2),
        "runs": RUNS, "wide_columns": WIDE_COLUMNS, "wide_rows": WIDE_ROWS, **results,
    }
    if not QUICK:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "pdf_speed.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        (RESULTS / "pdf_speed.md").write_text(markdown(figures), encoding="utf-8")
    return 0 if all(r["target_met"] for r in results.values()) else 1


def markdown(f: dict) -> str:
    rows = []
    for name, title in (("demo", "demo audit (24,000 rows, 18 columns, model)"),
                        ("wide", f"{f['wide_columns']}-column audit ({2 * f['wide_rows']:,} rows, predictions-only)")):
        r = f[name]
        rows.append(f"| {title} | {r['audit_seconds']:.1f} | **{r['pdf_seconds']:.2f}** | {r['sections_seconds']:.2f} | "
                    f"{r['layout_seconds']:.2f} | {r['pages']} | {r['bytes'] / 1024:,.0f} | <= {r['target_seconds']:g} | "
                    f"{'yes' if r['target_met'] else '**no**'} |")
    return "\n".join([
        "# PDF speed",
        "",
        f"`python bench/pdf_speed.py`, {f['date']}, {f['machine']}, {f['cpus']} CPUs, Python {f['python']}, "
        f"engine/report at {f['engine_report_commit']}; load average {f['load_average_start']} at the start, "
        f"{f['load_average_end']} at the end.",
        "",
        f"PDF: `build_pdf(report, path)` (what `assay audit --pdf` and the app's Export PDF run), median of {f['runs']} "
        "builds; the audit runs once before and is not part of the figure. Sections: building every section's "
        "tables and charts; layout: the platypus passes (two) and writing the bytes.",
        "",
        "| audit | audit (s) | PDF (s) | sections (s) | layout (s) | pages | KB | target (s) | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
    ])


if __name__ == "__main__":
    sys.exit(main())
