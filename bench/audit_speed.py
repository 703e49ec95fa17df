"""Time the demo audit and the predictions-only census audit end to end (median of runs)."""
import statistics
import sys
import tempfile
import time
from pathlib import Path

from assay.engine import AuditConfig, run_audit
from assay.engine.demo import write_demo

RUNS = 3
EMPLOYMENT = Path(__file__).resolve().parents[2] / "shared" / "data" / "employment_ma"


def median_seconds(config: AuditConfig) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run_audit(config)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        demo = AuditConfig.from_toml(write_demo(folder))
        print(f"demo audit (24,000 rows, model): {median_seconds(demo):.2f} s median of {RUNS}")
    if EMPLOYMENT.is_dir():
        census = AuditConfig.from_dict({
            "data": {"reference": str(EMPLOYMENT / "reference.parquet"),
                     "production": str(EMPLOYMENT / "production.parquet")},
            "columns": {"target": "employed", "prediction": "prediction",
                        "probabilities": ["predicted_probability"]},
        })
        print(f"census audit (277,677 rows, predictions-only): {median_seconds(census):.2f} s median of {RUNS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
