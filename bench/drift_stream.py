"""Drift streamed against drift in memory (issue #17): the same DriftResult, and what each costs.

The 25 columns of drift_detection.py's generator (20 numerical, 5 categorical, drift planted in 9) are written as
Parquet files (row groups of 262,144 rows): a reference of --reference rows and a production of --production rows.
Each path runs in a fresh process with the default [drift] settings (multivariate checks on):
- in memory: the files read whole (load_dataset, timed apart), then DriftCalculator.fit + calculate;
- streamed: engine/drift/partials.py:stream through stream-core's sources and in-process executor (batches of
  262,144 rows), reading the files included: its passes read them again each time.
Both report their time and their peak memory (VmHWM, from after the imports); the parent checks that every
statistic of the two agrees (relative 1e-12) and that the counts are equal.

    python bench/drift_stream.py                                          # 200,000 / 1,000,000 rows
    python bench/drift_stream.py --reference 1000000 --production 5000000  # the issue's 5,000,000 rows

Writes bench/results/drift_stream_<production>.md and .json. Data go to bench/results/data/ (ignored by git).
"""
from __future__ import annotations

import argparse
import json
import math
import pickle
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
for path in (ROOT, HERE, HERE / "peers"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

SEED = 2024
ROW_GROUP = 262_144


def write_data(reference_rows: int, production_rows: int) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from drift_detection import make_data

    folder = RESULTS / "data" / f"drift_stream_{reference_rows}_{production_rows}"
    paths = folder / "reference.parquet", folder / "production.parquet"
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    reference, production = make_data(reference_rows, SEED, production_rows)
    for frame, path in zip((reference, production), paths):
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=ROW_GROUP)
    return paths


def worker(mode: str, reference: Path, production: Path, out: Path) -> None:
    """One path in this process: its result pickled to `out`, its figures printed as JSON."""
    from measure import peak, reset_peak

    from assay.engine.config import AuditConfig
    from assay.engine.drift.univariate import DriftCalculator
    from assay.engine.progress import drain
    from assay.engine.schema import infer_schema
    from assay.engine.streaming.executor import InProcessExecutor
    from assay.engine.streaming.run import StreamRun, iter_stream
    from assay.engine.streaming.sources import open_source
    from assay.engine.tables import load_dataset

    config = AuditConfig()
    import pyarrow.parquet as pq

    heads = [pq.ParquetFile(p).read_row_group(0).to_pandas() for p in (reference, production)]
    schema = infer_schema(*heads, config)  # (the kinds of these columns: the same from any rows)
    del heads
    reset_peak()
    figures = {}
    if mode == "memory":
        began = time.perf_counter()
        frames = [load_dataset(p).frame for p in (reference, production)]
        figures["read_seconds"] = time.perf_counter() - began
        began = time.perf_counter()
        result = DriftCalculator(schema, config.drift, (), config.audit.seed).fit(frames[0]).calculate(frames[1])
        figures["drift_seconds"] = time.perf_counter() - began
    else:
        executor = InProcessExecutor(batch_rows=ROW_GROUP)
        run = StreamRun(config=config, schema=schema, reference=open_source(reference, "reference"),
                        production=open_source(production, "production"), executor=executor)
        from assay.engine.drift.partials import stream

        began = time.perf_counter()
        result = drain(iter_stream(stream(run), run, "drift", 0.0, 1.0))
        figures["drift_seconds"] = time.perf_counter() - began
        figures["batches"] = executor.batches
    figures["peak_bytes"] = peak()
    out.write_bytes(pickle.dumps(result))
    print(json.dumps(figures))


def differences(a, b, path: str = "") -> list:
    import dataclasses

    if dataclasses.is_dataclass(a):
        return [d for f in dataclasses.fields(a) if f.name != "methods"
                for d in differences(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")]
    if isinstance(a, (tuple, list)):
        if len(a) != len(b):
            return [(path, len(a), len(b))]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        ok = a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
        return [] if ok else [(path, a, b)]
    return [] if a == b else [(path, a, b)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=int, default=200_000)
    parser.add_argument("--production", type=int, default=1_000_000)
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]), Path(args.worker[3]))
        return 0
    began = time.perf_counter()
    reference, production = write_data(args.reference, args.production)
    print(f"data: {time.perf_counter() - began:.0f} s", flush=True)
    figures, results = {}, {}
    for mode in ("memory", "streamed"):
        out = RESULTS / "data" / f"drift_stream_{mode}.pickle"
        done = subprocess.run([sys.executable, __file__, "--worker", mode, str(reference), str(production), str(out)],
                              check=True, capture_output=True, text=True)
        figures[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        results[mode] = pickle.loads(out.read_bytes())
        print(mode, figures[mode], flush=True)
    found = differences(results["memory"], results["streamed"])
    out = {"reference_rows": args.reference, "production_rows": args.production, "figures": figures,
           "differences": [list(map(str, d)) for d in found[:20]], "equal": not found}
    name = f"drift_stream_{args.production}"
    (RESULTS / f"{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    memory, streamed = figures["memory"], figures["streamed"]
    lines = [
        f"# Drift streamed against in memory: {args.reference:,} reference rows, {args.production:,} production rows",
        "",
        "25 columns of drift_detection.py's generator, Parquet, default [drift] settings (multivariate on), 2-core "
        "machine shared with other work.",
        "",
        "| path | read (s) | drift (s) | total (s) | peak memory (MB) |",
        "|---|---|---|---|---|",
        f"| in memory | {memory['read_seconds']:.1f} | {memory['drift_seconds']:.1f} | "
        f"{memory['read_seconds'] + memory['drift_seconds']:.1f} | {memory['peak_bytes'] / 2**20:,.0f} |",
        f"| streamed ({streamed['batches']} batches, reads included) | - | {streamed['drift_seconds']:.1f} | "
        f"{streamed['drift_seconds']:.1f} | {streamed['peak_bytes'] / 2**20:,.0f} |",
        "",
        "Every statistic equal (relative 1e-12), counts exact: " + ("yes" if not found else f"NO: {found[:5]}"),
        "",
        f"Command: python bench/drift_stream.py --reference {args.reference} --production {args.production}",
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if not found else 1


if __name__ == "__main__":
    raise SystemExit(main())
