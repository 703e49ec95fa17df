"""The demo's full audit (model, every analysis) in memory and streamed, at a production size of your choosing:
time and peak memory of each path, and whether the model analyses' JSON numbers agree.

    python bench/model_streaming.py                    # 100,000 production rows (a couple of minutes)
    python bench/model_streaming.py --rows 1000000     # the issue's size (about 10 minutes on 2 loaded cores)

The demo (write_demo) gives the model, the reference (12,000 rows) and the audit file; production is the demo's
generator drawn again, 12,000 rows a block, until it holds --rows rows, written as Parquet in row groups of
100,000. Each path runs in a fresh process (`python -m assay audit --set compute.path=...`) under GNU time, whose
"Maximum resident set size" is the audit process's peak (the model's process comes on top, the same on both
paths). The JSON of the two runs is compared number by number (whole numbers exactly, others within 1e-12).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from assay.engine.demo import ROWS_PER_YEAR, make_applications, write_demo

MODEL_ANALYSES = ("predictions", "performance", "fairness", "explanations")


def write_production(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    writer, written = None, 0
    try:
        while written < rows:
            block = make_applications(rng, year=2025, first_id=10 * ROWS_PER_YEAR + written + 1, drifted=True)
            block = block.iloc[:rows - written]
            table = pa.Table.from_pandas(block, preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=100_000)
            written += len(block)
    finally:
        if writer is not None:
            writer.close()


def run(audit: Path, path: str, out: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one audit in a fresh process."""
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "assay", "audit", str(audit), "--quiet",
               "--json", str(out), "--set", f'compute.path="{path}"']
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    seconds = time.perf_counter() - start
    if not out.exists():
        raise SystemExit(f"the {path} audit failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return seconds, int(peak.group(1)) / 1024 if peak else float("nan")


def differences(a, b, where: str = "") -> list[str]:
    if isinstance(b, dict):
        if not isinstance(a, dict) or a.keys() != b.keys():
            return [f"{where}: keys differ"]
        return [d for key in b for d in differences(a[key], b[key], f"{where}.{key}")]
    if isinstance(b, list):
        if not isinstance(a, list) or len(a) != len(b):
            return [f"{where}: lengths differ"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if isinstance(b, float) and isinstance(a, (int, float)):
        same = (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-12 * max(1.0, abs(b))
        return [] if same else [f"{where}: {a!r} != {b!r}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="production rows (default 100,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        audit = write_demo(folder)
        write_production(Path(folder) / "production.parquet", args.rows)
        size = (Path(folder) / "production.parquet").stat().st_size / 1e6
        print(f"demo audit: 12,000 reference rows, {args.rows:,} production rows ({size:.0f} MB Parquet), model, "
              f"every analysis; load average {os.getloadavg()[0]:.1f}")
        reports = {}
        for path in ("memory", "streamed"):
            out = Path(folder) / f"{path}.json"
            seconds, peak = run(audit, path, out)
            reports[path] = json.loads(out.read_text())
            print(f"  {path:8s}: {seconds:7.1f} s, peak RSS {peak:7.0f} MB")
        memory, streamed = reports["memory"], reports["streamed"]
        statuses = {a: streamed["analyses"][a]["status"] for a in streamed["analyses"]}
        print(f"  streamed statuses: {statuses}")
        for name in MODEL_ANALYSES:
            found = differences(streamed[name], memory[name], name)
            print(f"  {name}: " + ("the same numbers" if not found else f"{len(found)} differences, e.g. {found[:3]}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
