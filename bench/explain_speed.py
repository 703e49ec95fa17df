"""Time and peak memory to explain 10,000 production rows: the demo model, and a 200-tree random forest
on 30 columns. Each case runs in a fresh subprocess so that its peak memory (ru_maxrss) is its own.

    python bench/explain_speed.py            # both cases, 10,000 rows
    python bench/explain_speed.py --rows 2000
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASE = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
from assay.engine.config import ExplainConfig, AuditConfig
from assay.engine.explain.calculator import ExplanationCalculator
from assay.engine.input_files import InputInfo
from assay.engine.model_files import LoadedModel, load_model
from assay.engine.schema import infer_schema

case, rows, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if case == "demo":
    config = AuditConfig.from_toml(folder + "/audit.toml")
    reference = pd.read_parquet(folder + "/reference.parquet")
    production = pd.read_parquet(folder + "/production.parquet")
    production = production.sample(rows, replace=len(production) < rows, random_state=0).reset_index(drop=True)
    model = load_model(config.model.path, trusted_types=config.model.trusted_types)
else:
    from sklearn.ensemble import RandomForestClassifier
    rng = np.random.default_rng(0)
    n = max(rows, 5000)
    columns = [f"x{i}" for i in range(30)]
    def make(shift):
        frame = pd.DataFrame(rng.normal(shift, 1, size=(n, 30)), columns=columns)
        frame["y"] = (frame["x0"] + frame["x1"] - frame["x2"] + rng.normal(size=n) > 0).astype(int)
        return frame
    reference, production = make(0.0), make(0.1).iloc[:rows]
    forest = RandomForestClassifier(n_estimators=200, max_depth=8, n_jobs=1, random_state=0)
    forest.fit(reference[columns], reference["y"])
    model = LoadedModel(forest, InputInfo("model", "forest", "0" * 64), "RandomForestClassifier", {}, tuple(columns))
    config = AuditConfig().replace("columns", target="y")
schema = infer_schema(reference, production, config)
settings = ExplainConfig(rows=rows, background_rows=200, bootstrap_resamples=500, permutation_repeats=5)
start = time.perf_counter()
calculator = ExplanationCalculator(model, schema, settings, seed=0).fit(reference)
result = calculator.calculate(production)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"case": case, "rows": result.rows, "method": result.method, "seconds": round(seconds, 2),
                  "peak_mb": round(peak), "additivity_error": result.additivity_error}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-c", "import sys; from assay.engine.demo import write_demo; write_demo(sys.argv[1])",
                        folder], check=True, cwd=root)
        for case in ("demo", "forest"):
            started = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", CASE, case, str(args.rows), folder], check=True, cwd=root,
                                 capture_output=True, text=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{case:7s} {result['method']:6s} rows {result['rows']}: {result['seconds']:.1f} s explaining "
                  f"(both datasets, incl. permutation cross-check), peak {result['peak_mb']} MB, additivity error "
                  f"{result['additivity_error']:.1e}  [{time.perf_counter() - started:.0f} s with start-up]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
