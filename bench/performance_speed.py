"""Performance speed: point estimates and 1,000-resample bootstrap intervals for every binary metric
on 1,000,000 rows, beside the naive loop of scikit-learn calls.

The data: 1,000,000 seeded rows (seed 2024), 30% positives, a positive-class score from a logistic
model with float64 noise (about a million distinct scores), decision threshold 0.5.

Measured, in this process, computation only (the data are made before the clock starts):
- Assay, metrics: the ten binary metrics (accuracy, balanced accuracy, precision, recall, F1,
  ROC-AUC, average precision, log loss, Brier score, ECE) with their exact point estimates and
  95% intervals from 1,000 resamples: the audit's own code path (PerformanceCalculator's
  evaluation of one dataset). Median of 3 runs.
- Assay, whole dataset section: the same plus per-class values, macro / weighted averages, the
  confusion matrix, ROC / PR / calibration curves, the threshold sweep and the distributions.
- Assay, whole stage: reference and production of 1,000,000 rows each, production in 12 monthly
  chunks and one segment column of 5 values (what an audit's performance stage does). One run.
- naive: per resample, draw 1,000,000 row indices and call scikit-learn's accuracy_score,
  balanced_accuracy_score, precision_score, recall_score, f1_score, roc_auc_score,
  average_precision_score, log_loss and brier_score_loss, and compute ECE with numpy. A handful of
  resamples are timed and the time extrapolated to 1,000 (said so in the table).
The point estimates of both are compared (largest absolute difference).

    python bench/performance_speed.py                 # 1,000,000 rows -> results/performance_speed.md/.json
    ASSAY_BENCH_QUICK=1 python bench/performance_speed.py   # 100,000 rows, printed only
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assay.engine import AuditConfig  # noqa: E402
from assay.engine.performance.calculator import PerformanceCalculator  # noqa: E402
from assay.engine.performance.metric_specs import names  # noqa: E402
from assay.engine.predictions import PredictionSet  # noqa: E402
from assay.engine.progress import drain  # noqa: E402
from assay.engine.schema import infer_schema  # noqa: E402

SEED = 2024
RESAMPLES = 1000
TARGET_SECONDS = 10.0
NAIVE_RESAMPLES = 3


def make_data(rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.random(rows) < 0.3
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, rows) + 1.8 * y - 1.2 - shift)))
    when = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 365 * 24 * 60, rows)), unit="min")
    return pd.DataFrame({"y": y.astype(np.int64), "score": score, "when": when,
                         "region": rng.choice(["north", "south", "east", "west", "central"], rows)})


def calculator(reference: pd.DataFrame, production: pd.DataFrame, segments: bool) -> PerformanceCalculator:
    config = AuditConfig().replace("columns", target="y", probabilities=("score",), timestamp="when",
                                   sensitive=("region",) if segments else ())
    config = config.replace("performance", bootstrap_resamples=RESAMPLES, chunk_by="month")
    schema = infer_schema(reference.head(1000), production.head(1000), config)
    predictions = {"reference": PredictionSet(None, reference["score"].to_numpy(), (0, 1)),
                   "production": PredictionSet(None, production["score"].to_numpy(), (0, 1))}
    return PerformanceCalculator(schema, config.performance, predictions, seed=SEED)


def assay_metrics(frame: pd.DataFrame) -> tuple[float, dict]:
    calc = calculator(frame, frame, segments=False)
    start = time.perf_counter()
    prepared = calc._prepare(frame, "reference")
    evaluation = drain(calc._evaluate(prepared, None, RESAMPLES, (0,)))
    metrics = calc._metric_values(evaluation, prepared)
    return time.perf_counter() - start, {name: (m.value, m.ci_low, m.ci_high) for name, m in metrics.items()}


def assay_dataset(frame: pd.DataFrame) -> float:
    calc = calculator(frame, frame, segments=False)
    calc._value_edges = None
    start = time.perf_counter()
    prepared = calc._prepare(frame, "reference")
    drain(calc._dataset(prepared, 0))
    return time.perf_counter() - start


def assay_stage(reference: pd.DataFrame, production: pd.DataFrame) -> tuple[float, int, int]:
    start = time.perf_counter()
    calc = calculator(reference, production, segments=True)
    result = calc.fit(reference).calculate(production)
    return time.perf_counter() - start, len(result.production.chunks), sum(len(s.segments) for s in result.segments)


def naive_metrics(y: np.ndarray, score: np.ndarray) -> dict:
    from sklearn import metrics as skm

    predicted = score >= 0.5
    bins = np.searchsorted(np.linspace(0, 1, 11)[1:-1], score)
    gap = np.bincount(bins, weights=y - score, minlength=10)
    return {
        "accuracy": skm.accuracy_score(y, predicted), "balanced_accuracy": skm.balanced_accuracy_score(y, predicted),
        "precision": skm.precision_score(y, predicted), "recall": skm.recall_score(y, predicted),
        "f1": skm.f1_score(y, predicted), "roc_auc": skm.roc_auc_score(y, score),
        "average_precision": skm.average_precision_score(y, score), "log_loss": skm.log_loss(y, score),
        "brier": skm.brier_score_loss(y, score), "ece": float(np.abs(gap).sum() / y.size),
    }


def naive_loop(frame: pd.DataFrame, resamples: int) -> tuple[float, float, dict]:
    y, score = frame["y"].to_numpy(), frame["score"].to_numpy()
    naive_metrics(y[:1000], score[:1000])  # imports and first-call set-up stay out of the timing
    start = time.perf_counter()
    point = naive_metrics(y, score)
    point_seconds = time.perf_counter() - start
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    for _ in range(resamples):
        rows = rng.integers(0, y.size, y.size)
        naive_metrics(y[rows], score[rows])
    return point_seconds, (time.perf_counter() - start) / resamples, point


def engine_commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h", "--", "engine/performance"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    quick = os.environ.get("ASSAY_BENCH_QUICK") == "1"
    rows = 100_000 if quick else 1_000_000
    load_start = os.getloadavg()[0]
    frame = make_data(rows, SEED)
    print(f"{rows:,} rows, {frame['score'].nunique():,} distinct scores; load average {load_start:.2f}", flush=True)

    runs = []
    for _ in range(3):
        seconds, metrics = assay_metrics(frame)
        runs.append(seconds)
        print(f"  Assay metrics + {RESAMPLES:,}-resample intervals: {seconds:.2f} s", flush=True)
    metrics_seconds = float(np.median(runs))
    dataset_seconds = assay_dataset(frame)
    print(f"  Assay whole dataset section: {dataset_seconds:.2f} s", flush=True)
    stage_seconds, chunks, segments = assay_stage(frame, make_data(rows, SEED + 1, shift=0.3))
    print(f"  Assay whole stage (2 x {rows:,} rows, {chunks} chunks, {segments} segments): {stage_seconds:.2f} s",
          flush=True)

    naive_resamples = 2 if quick else NAIVE_RESAMPLES
    point_seconds, per_resample, naive_point = naive_loop(frame, naive_resamples)
    naive_total = point_seconds + per_resample * RESAMPLES
    print(f"  naive: point {point_seconds:.2f} s, {per_resample:.2f} s per resample (timed {naive_resamples}) "
          f"-> {naive_total:,.0f} s for {RESAMPLES:,} (extrapolated)", flush=True)
    difference = max(abs(metrics[m][0] - naive_point[m]) for m in names("binary"))
    load_end = os.getloadavg()[0]
    figures = {
        "rows": rows, "distinct_scores": int(frame["score"].nunique()), "resamples": RESAMPLES, "seed": SEED,
        "assay_metrics_seconds": round(metrics_seconds, 3), "assay_metrics_runs": [round(r, 3) for r in runs],
        "assay_dataset_section_seconds": round(dataset_seconds, 3),
        "assay_whole_stage_seconds": round(stage_seconds, 3), "stage_chunks": chunks, "stage_segments": segments,
        "naive_point_seconds": round(point_seconds, 3), "naive_seconds_per_resample": round(per_resample, 3),
        "naive_resamples_timed": naive_resamples, "naive_extrapolated_seconds": round(naive_total, 1),
        "speedup": round(naive_total / metrics_seconds, 1), "target_seconds": TARGET_SECONDS,
        "target_met": metrics_seconds <= TARGET_SECONDS,
        "largest_point_difference_vs_scikit_learn": difference,
        "metrics": {m: {"value": v, "ci_low": lo, "ci_high": hi} for m, (v, lo, hi) in metrics.items()},
        "load_average": [round(load_start, 2), round(load_end, 2)], "cores": os.cpu_count(),
        "python": platform.python_version(), "engine_commit": engine_commit(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    print(json.dumps({k: v for k, v in figures.items() if k != "metrics"}, indent=1))
    if not quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "performance_speed.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        (RESULTS / "performance_speed.md").write_text(markdown(figures), encoding="utf-8")


def markdown(f: dict) -> str:
    lines = [
        "# Performance speed",
        "",
        f"{f['rows']:,} rows ({f['distinct_scores']:,} distinct scores), every binary metric with its point estimate "
        f"and a 95% interval from {f['resamples']:,} bootstrap resamples. {f['date']}, engine {f['engine_commit']}, "
        f"{f['cores']} cores, load average {f['load_average'][0]} at the start and {f['load_average'][1]} at the end "
        f"(the machine is shared).",
        "",
        "| what | seconds |",
        "|---|---:|",
        f"| **Assay: point estimates + {f['resamples']:,}-resample intervals, 10 metrics** (median of 3: "
        f"{', '.join(f'{r:.2f}' for r in f['assay_metrics_runs'])}) | **{f['assay_metrics_seconds']:.2f}** |",
        f"| Assay: the whole dataset section (plus per class, averages, confusion matrix, curves, threshold sweep, "
        f"distributions) | {f['assay_dataset_section_seconds']:.2f} |",
        f"| Assay: the whole performance stage, reference and production of {f['rows']:,} rows each, "
        f"{f['stage_chunks']} monthly chunks, {f['stage_segments']} segments (one run) | "
        f"{f['assay_whole_stage_seconds']:.2f} |",
        f"| naive loop over scikit-learn: point estimates once | {f['naive_point_seconds']:.2f} |",
        f"| naive loop over scikit-learn: per resample (mean of {f['naive_resamples_timed']} timed) | "
        f"{f['naive_seconds_per_resample']:.2f} |",
        f"| naive loop over scikit-learn: {f['resamples']:,} resamples, **extrapolated** from the "
        f"{f['naive_resamples_timed']} timed | {f['naive_extrapolated_seconds']:,.0f} |",
        "",
        f"Target: at most {f['target_seconds']:g} s for the point estimates and intervals: "
        f"**{'met' if f['target_met'] else 'not met'}** ({f['assay_metrics_seconds']:.2f} s, "
        f"{f['speedup']:,.0f}x faster than the naive loop). Point estimates equal scikit-learn's to "
        f"{f['largest_point_difference_vs_scikit_learn']:.1e} (largest absolute difference over the 10 metrics).",
        "",
        "| metric | value | 95% interval |",
        "|---|---:|---|",
    ]
    for name, m in f["metrics"].items():
        lines.append(f"| {name} | {m['value']:.5f} | {m['ci_low']:.5f} to {m['ci_high']:.5f} |")
    lines += ["", "Command: `.venv/bin/python bench/performance_speed.py`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
