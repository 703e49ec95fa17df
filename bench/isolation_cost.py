"""What model isolation costs: the demo audit with the model in its own process against the model in this process.

Target (issue 9): isolation costs under 10% of the audit's time.

The demo audit (`assay demo`: 12,000 + 12,000 rows, a skops pipeline, every analysis with SHAP) runs in a fresh
Python process each time, `RUNS` times each way, alternating, so both ways see the same machine load:
- isolated: `iter_audit(config)`, as `assay audit` and the app run it (the model process starts first, its
  imports overlap with reading the data, every batch and every explanation chunk crosses the pipe);
- prestarted: the same, with the model process started before the engine is imported, as `assay audit` and
  `assay gui AUDIT --run` do (its interpreter and imports then overlap with the engine's imports);
- in-process: `iter_audit(config, _model_in_process=True)`, an internal switch kept only for this benchmark.
"audit" is the time of the `iter_audit` run alone (the engine is imported before the clock starts, as in the
app, where it is imported once); "command" is the whole process, interpreter start and imports included, as a
user of `assay audit` waits for it. The figures are medians.

    python bench/isolation_cost.py            # -> results/isolation_cost.md and .json
    ASSAY_BENCH_QUICK=1 python bench/isolation_cost.py   # 2 runs each, printed only
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
QUICK = bool(os.environ.get("ASSAY_BENCH_QUICK"))
RUNS = 2 if QUICK else 5
MODES = ("isolated", "prestarted", "in-process")

ONE_RUN = """
import json, sys, time
from assay.engine.config import AuditConfig
config = AuditConfig.from_toml(sys.argv[1])
if sys.argv[2] == "prestarted":  # as `assay audit` and `assay gui AUDIT --run` do: before the engine's imports
    from assay.engine.isolation.process import prestart
    prestart(config)
from assay.engine.pipeline import iter_audit
in_process = sys.argv[2] == "in-process"
started = time.perf_counter()
events = iter_audit(config, _model_in_process=in_process)
schema_at = None
while True:
    try:
        event = next(events)
    except StopIteration as stop:
        report = stop.value
        break
    if schema_at is None and event.stage == "schema":
        schema_at = time.perf_counter() - started
audit = time.perf_counter() - started
assert report.model_error is None, report.model_error
print(json.dumps({"audit_s": audit, "until_schema_s": schema_at, "verdict": report.verdict}))
"""


def run_once(audit: Path, mode: str) -> dict:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", ONE_RUN, str(audit), mode], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=900)
    command = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"command_s": command}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from assay.engine.demo import write_demo

    with tempfile.TemporaryDirectory() as folder:
        audit = write_demo(Path(folder))
        run_once(audit, "isolated")  # warm the disk cache and numba's cache for both ways
        runs: dict[str, list[dict]] = {"isolated": [], "prestarted": [], "in-process": []}
        loads = []
        for i in range(RUNS):
            for mode in (MODES if i % 2 == 0 else MODES[::-1]):
                runs[mode].append(run_once(audit, mode))
                loads.append(os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan"))
                print(f"{mode:>10}: audit {runs[mode][-1]['audit_s']:.2f} s, command {runs[mode][-1]['command_s']:.2f} s",
                      flush=True)
    median = {mode: {key: statistics.median(r[key] for r in found) for key in ("audit_s", "command_s",
                                                                               "until_schema_s")}
              for mode, found in runs.items()}
    cost = {key: median["isolated"][key] - median["in-process"][key] for key in ("audit_s", "command_s")}
    share = {key: cost[key] / median["in-process"][key] for key in cost}
    # what a user of `assay audit` waits for: the whole command, the model process started first
    prestarted_cost = median["prestarted"]["command_s"] - median["in-process"]["command_s"]
    prestarted_share = prestarted_cost / median["in-process"]["command_s"]
    figures = {"runs": runs, "median": median, "cost_s": cost, "cost_share": share, "target_share": 0.10,
               "prestarted_cost_s": prestarted_cost, "prestarted_cost_share": prestarted_share,
               "met": prestarted_share < 0.10, "load_average": loads, "machine": machine(),
               "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    text = report(figures)
    print(text)
    if not QUICK:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "isolation_cost.json").write_text(json.dumps(figures, indent=2))
        (RESULTS / "isolation_cost.md").write_text(text)
    return 0


def machine() -> dict:
    return {"python": platform.python_version(), "platform": platform.platform(terse=True),
            "cpus": os.cpu_count()}


def report(f: dict) -> str:
    m, share = f["median"], f["cost_share"]
    lines = [
        "# Model isolation: what it costs on the demo audit",
        "",
        f"`python bench/isolation_cost.py`, {f['date']}, {f['machine']['platform']}, {f['machine']['cpus']} CPUs, "
        f"Python {f['machine']['python']}; load average during the runs {min(f['load_average']):.1f}-"
        f"{max(f['load_average']):.1f} (the machine is shared). Median of {len(f['runs']['isolated'])} fresh "
        f"processes each way, alternating.",
        "",
        "| | own process, started by the audit | own process, started first (as `assay audit` does) | "
        "in the audit's process | cost, started by the audit | cost, started first |",
        "|---|---:|---:|---:|---:|---:|",
        f"| the audit (`iter_audit`) | {m['isolated']['audit_s']:.2f} s | {m['prestarted']['audit_s']:.2f} s | "
        f"{m['in-process']['audit_s']:.2f} s | {share['audit_s']:+.1%} | "
        f"{m['prestarted']['audit_s'] / m['in-process']['audit_s'] - 1:+.1%} |",
        f"| the whole command (interpreter and imports too) | {m['isolated']['command_s']:.2f} s | "
        f"{m['prestarted']['command_s']:.2f} s | {m['in-process']['command_s']:.2f} s | {share['command_s']:+.1%} | "
        f"{f['prestarted_cost_share']:+.1%} |",
        f"| until the schema stage starts | {m['isolated']['until_schema_s']:.2f} s | "
        f"{m['prestarted']['until_schema_s']:.2f} s | {m['in-process']['until_schema_s']:.2f} s | | |",
        "",
        f"Target: isolation costs under 10% of the audit's time. As users run it (the whole `assay audit` "
        f"command, the model process started before the engine's imports): "
        f"**{'met' if f['met'] else 'not met'}** ({f['prestarted_cost_share']:+.1%}). A model process started "
        f"only when the audit starts (a library caller of `iter_audit` that does not call `prestart`) costs "
        f"{share['audit_s']:+.1%} of the audit: its interpreter and imports (about 1.5 s) are then on the "
        f"audit's critical path, as the demo has only about a second of work to do before it needs predictions.",
        "",
        "Every run, in order (seconds):",
        "",
        "| way | audit | command |",
        "|---|---:|---:|",
    ]
    for mode, found in f["runs"].items():
        lines += [f"| {mode} | {r['audit_s']:.2f} | {r['command_s']:.2f} |" for r in found]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
