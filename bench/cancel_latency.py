"""Cancel latency at every stage (issue #9, item 5), in wall-clock and CPU seconds, with the load average.

For each audit: the longest step between two yields per stage over a whole run (the worst case of a cancel
at that stage), and a cancel asked from another thread shortly after each stage starts (the time until the
generator is closed). The same measurements as tests/engine/test_cancel.py, which asserts the issue's 1 s;
here the figures are written down:

    PYTHONPATH=. python bench/cancel_latency.py [--wide-columns 500 --wide-rows 1200] [--census] [--steps-over 0.3]

`--steps-over S` also lists every step longer than S seconds (wall or CPU), not only the longest per stage.

Writes bench/results/cancel_latency.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assay.engine import AuditConfig
from assay.engine.pipeline import iter_audit
from tests.engine.test_cancel import AUDIT_STAGES, cancel_latency, yield_gaps

RESULTS = Path(__file__).resolve().parent / "results"
EMPLOYMENT = Path(__file__).resolve().parents[2] / "shared" / "data" / "employment_ma"


def measure(name: str, config: AuditConfig, stages: tuple[str, ...], over: float | None = None,
            long_steps: list[str] | None = None) -> list[str]:
    load = os.getloadavg()[0]
    began = time.perf_counter()
    every: list = []
    worst, _ = yield_gaps(iter_audit(config), every)
    total = time.perf_counter() - began
    if over is not None and long_steps is not None:
        for stage, cpu, wall, where in every:
            if max(cpu, wall) > over:
                long_steps.append(f"| {name} | {stage} | {wall:.2f} s | {cpu:.2f} s | {where} |")
                print(long_steps[-1], flush=True)
    rows = []
    for stage in [s for s in AUDIT_STAGES if s in worst]:
        cpu, wall, where = worst[stage]
        cancel = ""
        if stage in stages:
            c_cpu, c_wall, running = cancel_latency(lambda: iter_audit(config), stage)
            cancel = f"{c_wall:.2f} s ({c_cpu:.2f} s CPU)" + ("" if running else ", run had ended")
        rows.append(f"| {name} | {stage} | {wall:.2f} s | {cpu:.2f} s | {where} | {cancel} |")
        print(rows[-1], flush=True)
    rows.append(f"| {name} | whole audit | {total:.1f} s | | load average {load:.1f} -> {os.getloadavg()[0]:.1f} | |")
    print(rows[-1], flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wide-columns", type=int, default=500)
    parser.add_argument("--wide-rows", type=int, default=1200)
    parser.add_argument("--census", action="store_true", help="also the census data (../shared/data/employment_ma)")
    parser.add_argument("--steps-over", type=float, default=None, metavar="S",
                        help="also list every step longer than S seconds (wall or CPU)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="assay-cancel-"))
    from assay.engine.demo import write_demo
    from assay.engine.demo_wide import write_wide_demo

    over, long_steps = args.steps_over, []
    rows = measure("demo", AuditConfig.from_toml(write_demo(folder / "demo")), AUDIT_STAGES, over, long_steps)
    wide = AuditConfig.from_toml(write_wide_demo(folder / "wide", columns=args.wide_columns, rows=args.wide_rows))
    rows += measure(f"wide {args.wide_columns} x {args.wide_rows}", wide.replace("drift", multivariate=True),
                    ("drift", "fairness"), over, long_steps)
    if args.census and EMPLOYMENT.is_dir():
        census = AuditConfig.from_dict({
            "data": {"reference": str(EMPLOYMENT / "reference.parquet"),
                     "production": str(EMPLOYMENT / "production.parquet")},
            "columns": {"target": "employed", "prediction": "prediction",
                        "probabilities": ["predicted_probability"], "sensitive": ["SEX", "RAC1P"]}})
        rows += measure("census", census, ("drift", "fairness"), over, long_steps)
    RESULTS.mkdir(exist_ok=True)
    command = "PYTHONPATH=. python bench/cancel_latency.py " + " ".join(sys.argv[1:])
    (RESULTS / "cancel_latency.md").write_text("\n".join([
        "# Cancel latency by stage",
        "",
        f"`{command.strip()}` on {platform.platform(terse=True)}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Longest step = the longest time between two "
        "yields of the audit generator in that stage (the worst case of a cancel there); cancel = a cancel asked "
        "from another thread 50 ms after the stage starts, until the generator is closed. The machine is shared: "
        "see the load average.",
        "",
        "| audit | stage | longest step (wall) | its CPU time | where | cancel (wall, CPU) |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        *([] if over is None else [
            "", f"Every step longer than {over:g} s (wall or CPU; CPU counts all the process's threads):", "",
            "| audit | stage | step (wall) | its CPU time | where |", "| --- | --- | --- | --- | --- |",
            *(long_steps or ["| (none) | | | | |"])]),
    ]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
