"""Comparison speed: 1,000,000 rows, two models' outputs given (scores and the decisions at 0.5): DeLong's test
of the ROC-AUCs (Sun & Xu's midranks), the exact McNemar test of the accuracies, and 1,000 paired resamples of
every binary metric (accuracy, balanced accuracy, precision, recall, F1, ROC-AUC, average precision, log loss,
Brier score, ECE) with their Holm-corrected verdicts: the comparison's own code path
(engine/comparison/paired_metrics.iter_compare_metrics). Target: <= 10 s.

The data: 1,000,000 seeded rows (seed 2024), 30% positives, the champion's score a logistic model's with float64
noise, the challenger's a correlated one (about a million distinct scores each). The data are made before the
clock starts. Median of 3 runs, with each part timed on its own too.

    python bench/comparison_speed.py               # 1,000,000 rows -> results/comparison_speed.md/.json
    ASSAY_BENCH_QUICK=1 python bench/comparison_speed.py   # 100,000 rows, printed only
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assay.engine.comparison.config import ComparisonConfig  # noqa: E402
from assay.engine.comparison.delong import delong_test  # noqa: E402
from assay.engine.comparison.mcnemar import mcnemar_test  # noqa: E402
from assay.engine.comparison.paired_metrics import PairedRows, iter_compare_metrics, paired_cells  # noqa: E402
from assay.engine.progress import drain  # noqa: E402

SEED = 2024
RESAMPLES = 1000
TARGET_SECONDS = 10.0
RUNS = 3


def make_rows(rows: int, seed: int = SEED) -> PairedRows:
    rng = np.random.default_rng(seed)
    y = rng.random(rows) < 0.3
    signal = rng.normal(size=rows)
    a = 1 / (1 + np.exp(-(1.2 * y + signal + 0.4 * rng.normal(size=rows) - 0.9)))
    b = 1 / (1 + np.exp(-(1.3 * y + 0.9 * signal + 0.5 * rng.normal(size=rows) - 0.9)))
    codes = y.astype(np.int64)
    return PairedRows(task="binary", y=codes, pred_a=(a >= 0.5).astype(np.int64), pred_b=(b >= 0.5).astype(np.int64),
                      scores_a=a, scores_b=b, k=2, positive=1, threshold=0.5, bins=10)


CPU: dict[str, list[float]] = {}


def timed(function, name: str = "") -> tuple[float, object]:
    """Wall seconds (and, by `name`, this process's CPU seconds: the machine is shared, so both are reported)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = function()
    CPU.setdefault(name, []).append(time.process_time() - cpu)
    return time.perf_counter() - start, value


def main() -> None:
    quick = os.environ.get("ASSAY_BENCH_QUICK") == "1"
    rows = 100_000 if quick else 1_000_000
    data = make_rows(rows)
    config = ComparisonConfig(bootstrap_resamples=RESAMPLES)
    parts = {"delong": [], "mcnemar": [], "paired cells": [], "whole comparison": []}
    for run in range(RUNS):
        parts["delong"].append(timed(lambda: delong_test(data.y == 1, data.scores_a, data.scores_b), "delong")[0])
        parts["mcnemar"].append(timed(lambda: mcnemar_test(data.pred_a == data.y, data.pred_b == data.y), "mcnemar")[0])
        seconds, cells = timed(lambda: paired_cells(data), "paired cells")
        parts["paired cells"].append(seconds)
        seconds, (metrics, method) = timed(
            lambda run=run: drain(iter_compare_metrics(data, config, np.random.default_rng([SEED, run]))),
            "whole comparison")
        parts["whole comparison"].append(seconds)
    medians = {name: statistics.median(values) for name, values in parts.items()}
    cpu = {name: statistics.median(values) for name, values in CPU.items()}
    whole = medians["whole comparison"]
    lines = [
        f"# Comparison speed ({rows:,} rows, {RESAMPLES:,} paired resamples)", "",
        f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}, {platform.platform(terse=True)}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs", "",
        "| part | wall, median of 3 (s) | CPU of this process, median of 3 (s) |", "|---|---|---|",
        *(f"| {name} | {value:.2f} | {cpu[name]:.2f} |" for name, value in medians.items()), "",
        f"Whole comparison (DeLong + McNemar + {RESAMPLES:,} paired resamples of the {len(metrics)} binary metrics, "
        f"Holm, verdicts): **{whole:.2f} s** wall, {cpu['whole comparison']:.2f} s CPU (target <= "
        f"{TARGET_SECONDS:g} s: {'met' if whole <= TARGET_SECONDS else 'NOT met'} in wall time, "
        f"{'met' if cpu['whole comparison'] <= TARGET_SECONDS else 'NOT met'} in CPU time). Load average at the "
        f"end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs (a shared machine makes "
        f"wall time longer than the work).", "",
        f"Cells: {method}", "",
        "| metric | champion | challenger | difference | interval | test |", "|---|---|---|---|---|---|",
        *(f"| {m.metric} | {m.champion:.4f} | {m.challenger:.4f} | {m.difference:+.4f} | "
          f"{m.ci_low:+.4f} to {m.ci_high:+.4f} | {m.test} |" for m in metrics),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "comparison_speed.md").write_text(text, encoding="utf-8")
        (RESULTS / "comparison_speed.json").write_text(json.dumps(
            {"rows": rows, "resamples": RESAMPLES, "seconds": medians, "cpu_seconds": cpu,
             "target_seconds": TARGET_SECONDS},
            indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
