"""Estimated performance (issue #18): accuracy of the estimates against the realised values per chunk, beside
NannyML 0.13's CBPE on the same chunks, and the speed of an estimate with intervals on 1,000,000 rows.

Cases (production's labels hidden from both estimates, then compared):
- employment: ../shared/data/employment_ma (census; the data's own model scores `predicted_probability` and
  labels `prediction`), production's first 200,000 rows in 20 chunks of 10,000 rows in file order.
- demo: the demo audit (`assay demo`), the demo model's scores on both sets, production in 6 chunks of
  2,000 rows. The demo's production has a concept shift on purpose (the share of defaults changes for the
  same inputs), which no label-free estimate can see.
Per case and method: the mean absolute error of estimated accuracy and ROC-AUC over the chunks, and the share
of chunks whose interval (Assay) or band (NannyML) holds the realised value.
Speed: the employment production drawn again to 1,000,000 rows (seed 18), fit and estimate with intervals
(200 resamples) and the domain classifier, in this process. One run.

    python bench/estimation_accuracy.py                     # -> results/estimation_accuracy.md / .json
    python bench/estimation_accuracy.py --no-nannyml        # without the peer (no venv under bench/peers)
NannyML runs in bench/peers/.venv/nannyml (bench/peers/setup.sh installs it).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EMPLOYMENT = ROOT.parent / "shared" / "data" / "employment_ma"
NANNYML = HERE / "peers" / ".venv" / "nannyml" / "bin" / "python"
METRICS = ("accuracy", "roc_auc")


def employment_case() -> tuple[pd.DataFrame, pd.DataFrame, int]:
    reference = pd.read_parquet(EMPLOYMENT / "reference.parquet")
    production = pd.read_parquet(EMPLOYMENT / "production.parquet").iloc[:200_000].reset_index(drop=True)

    def frame(data: pd.DataFrame) -> pd.DataFrame:
        features = data.drop(columns=["id", "employed", "prediction", "predicted_probability", "year"],
                             errors="ignore")
        return features.assign(y=data["employed"].astype(int).to_numpy(), pred=data["prediction"].astype(int).to_numpy(),
                               proba=data["predicted_probability"].astype(float).to_numpy())

    return frame(reference), frame(production), 10_000


def demo_case() -> tuple[pd.DataFrame, pd.DataFrame, int]:
    from assay.engine.config import AuditConfig
    from assay.engine.demo import write_demo
    from assay.engine.model_files import load_model

    folder = Path(tempfile.mkdtemp(prefix="estimation-demo-"))
    config = AuditConfig.from_toml(write_demo(folder))
    model = load_model(config.model.path, trusted_types=config.model.trusted_types)
    target, timestamp = config.columns.target, config.columns.timestamp

    def frame(path: Path, rows: int | None) -> pd.DataFrame:
        data = pd.read_parquet(path)
        data = data.iloc[:rows] if rows else data
        features = data[list(model.expected_columns)] if model.expected_columns is not None else \
            data.drop(columns=[target, timestamp])
        proba = model.model.predict_proba(features)[:, list(model.model.classes_).index(1)]
        return features.assign(y=data[target].astype(int).to_numpy(), pred=(proba >= 0.5).astype(int), proba=proba)

    production = pd.read_parquet(config.data.production)
    rows = len(production) // 2000 * 2000
    return frame(config.data.reference, None), frame(config.data.production, rows), 2000


def assay_estimate(reference: pd.DataFrame, production: pd.DataFrame, chunk_size: int, resamples: int = 200):
    """The estimation analysis' calculator on predictions in columns; production's labels dropped."""
    from assay.engine.config import AuditConfig
    from assay.engine.estimation.calculator import EstimationCalculator
    from assay.engine.predictions import predictions_from_columns
    from assay.engine.schema import infer_schema

    config = (AuditConfig().replace("columns", target="y", prediction="pred", probabilities=("proba",),
                                    positive_label=1, timestamp="", sensitive=())
              .replace("performance", chunk_by="rows", chunk_size=chunk_size)
              .replace("estimation", mode="always", resamples=resamples))
    hidden = production.drop(columns=["y"])
    schema = infer_schema(reference, hidden, config)
    predictions = {"reference": predictions_from_columns(reference, schema),
                   "production": predictions_from_columns(hidden, schema)}
    calculator = EstimationCalculator(schema, config.estimation, config.performance, predictions, seed=0)
    import scipy.optimize  # noqa: F401  (the audit's process has these loaded before the estimate starts)
    import sklearn.ensemble  # noqa: F401
    began, cpu = time.perf_counter(), time.process_time()
    result = calculator.fit(reference).calculate(hidden)
    assay_estimate.cpu_seconds = time.process_time() - cpu  # all threads: the wall time on an idle machine, about
    return result, time.perf_counter() - began


def realised(production: pd.DataFrame, chunk_size: int) -> list[dict[str, float]]:
    from sklearn.metrics import accuracy_score, roc_auc_score

    out = []
    for start in range(0, len(production), chunk_size):
        part = production.iloc[start:start + chunk_size]
        out.append({"accuracy": accuracy_score(part["y"], part["pred"]),
                    "roc_auc": roc_auc_score(part["y"], part["proba"])})
    return out


def nannyml_estimate(reference: pd.DataFrame, production: pd.DataFrame, chunk_size: int) -> dict | None:
    if not NANNYML.exists():
        return None
    with tempfile.TemporaryDirectory() as folder:
        ref, prod, out = (Path(folder) / name for name in ("reference.parquet", "production.parquet", "out.json"))
        reference.to_parquet(ref)
        production.to_parquet(prod)
        subprocess.run([str(NANNYML), str(HERE / "peers" / "run_nannyml_cbpe.py"), str(ref), str(prod), str(out),
                        str(chunk_size)], check=True, cwd=HERE / "peers",
                       env={**os.environ, "NML_DISABLE_USAGE_LOGGING": "1"})
        return json.loads(out.read_text())


def score(estimates: list[dict[str, tuple[float, float, float]]], truth: list[dict[str, float]]) -> dict:
    out = {}
    for metric in METRICS:
        errors = [abs(e[metric][0] - t[metric]) for e, t in zip(estimates, truth)]
        held = [e[metric][1] <= t[metric] <= e[metric][2] for e, t in zip(estimates, truth)]
        out[metric] = {"mae": float(np.mean(errors)), "coverage": float(np.mean(held)), "chunks": len(errors)}
    return out


def accuracy_case(name: str, reference: pd.DataFrame, production: pd.DataFrame, chunk_size: int,
                  peer: bool) -> dict:
    truth = realised(production, chunk_size)
    result, seconds = assay_estimate(reference, production, chunk_size)
    ours = [{m: (c.metrics[m].value, c.metrics[m].ci_low, c.metrics[m].ci_high) for m in METRICS}
            for c in result.chunks]
    row = {"case": name, "chunks": len(truth), "rows": len(production), "assay": score(ours, truth),
           "assay_method": result.method, "assay_seconds": seconds,
           "calibrated": result.calibration.calibrated,
           "domain_auc": result.shift.auc if result.shift else None}
    nanny = nannyml_estimate(reference, production, chunk_size) if peer else None
    if nanny is not None:
        theirs = [{m: (c[m]["value"], c[m]["low"], c[m]["high"]) for m in METRICS} for c in nanny["chunks"]]
        row |= {"nannyml": score(theirs, truth), "nannyml_seconds": nanny["seconds"], "nannyml_tool": nanny["tool"]}
    return row


def speed(rows: int) -> dict:
    reference, production, _ = employment_case()
    rng = np.random.default_rng(18)
    big = production.iloc[rng.integers(0, len(production), rows)].reset_index(drop=True)
    result, seconds = assay_estimate(reference, big, 50_000)
    return {"rows": rows, "seconds": seconds, "chunks": len(result.chunks), "method": result.method,
            "resamples": result.resamples, "cpu_seconds": assay_estimate.cpu_seconds,
            "load_average": os.getloadavg()[0], "cores": os.cpu_count()}


def markdown(report: dict) -> str:
    lines = ["# Estimated performance: accuracy against NannyML's CBPE, and speed", "",
             f"Measured {report['when']} with `python bench/estimation_accuracy.py` (load average "
             f"{report.get('load_at_start', float('nan')):.1f} on {report['speed']['cores']} cores at the start).", "",
             "| case | method | chunks | metric | Assay MAE | NannyML MAE | Assay coverage | NannyML band coverage |",
             "|---|---|---|---|---|---|---|---|"]
    for row in report["accuracy"]:
        for metric in METRICS:
            ours, theirs = row["assay"][metric], row.get("nannyml", {}).get(metric)
            lines.append(f"| {row['case']} | {row['assay_method']} | {row['chunks']} | {metric} | {ours['mae']:.4f} | "
                         f"{theirs['mae']:.4f} | {ours['coverage']:.0%} | {theirs['coverage']:.0%} |" if theirs else
                         f"| {row['case']} | {row['assay_method']} | {row['chunks']} | {metric} | {ours['mae']:.4f} | "
                         f"not run | {ours['coverage']:.0%} | not run |")
    s = report["speed"]
    lines += ["", "Coverage: Assay's 95% interval (sampling of production and of the reference, with the calibration "
                  "refitted, spanning the estimate from the calibration given the inputs); NannyML's band (+-3 standard errors of sampling). The demo's production has a concept "
                  "shift on purpose (defaults change for the same inputs): no estimate without labels sees it, so "
                  "both miss, and the backtest is what shows it."]
    lines += ["", f"Speed: {s['rows']:,} production rows, {s['chunks']} chunks, {s['resamples']} resamples, "
                  f"method {s['method']}: fit and estimate with intervals in {s['seconds']:.1f} s wall, "
                  f"{s['cpu_seconds']:.1f} s CPU (load average {s['load_average']:.1f} on {s['cores']} cores)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-nannyml", action="store_true")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "estimation_accuracy")
    args = parser.parse_args()
    peer = not args.no_nannyml
    report = {"when": time.strftime("%Y-%m-%d %H:%M"), "load_at_start": os.getloadavg()[0], "accuracy": [
        accuracy_case("employment", *employment_case(), peer=peer),
        accuracy_case("demo", *demo_case(), peer=peer)], "speed": speed(args.rows)}
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    args.out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    sys.exit(main())
