"""Data-quality speed: the quality analysis (fit on the reference, calculate on production) on the 25 seeded
columns of bench/drift_detection.py's generator, in memory, and streamed from a Parquet file of the same rows.
Timing the computation only (the generator and the schema are outside the clock), in seconds and in CPU
seconds (on a loaded machine the CPU time says more).

    python bench/quality_speed.py --reference-rows 2000000 --rows 5000000
    python bench/quality_speed.py --rows 200000                # a quick look
    python bench/quality_speed.py --rows 5000000 --memory-only # the in-memory path alone (runs on older commits)

Prints the seconds of each path and whether the two results are equal.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drift_detection import make_data  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="production rows")
    parser.add_argument("--reference-rows", type=int, default=None, help="reference rows (default: --rows)")
    parser.add_argument("--memory-only", action="store_true", help="time the in-memory path only")
    args = parser.parse_args(argv)

    from assay.engine.config import AuditConfig
    from assay.engine.quality.calculator import QualityCalculator
    from assay.engine.schema import infer_schema

    reference, production = make_data(args.reference_rows or args.rows, seed=7, production_rows=args.rows)
    config = AuditConfig()
    schema = infer_schema(reference, production, config)
    clock, cpu = time.perf_counter(), time.process_time()
    calculator = QualityCalculator(schema).fit(reference)
    in_memory = calculator.calculate(production)
    print(f"in memory: {time.perf_counter() - clock:.1f} s ({time.process_time() - cpu:.1f} s of CPU) for "
          f"{len(reference):,} reference and {len(production):,} production rows, 25 columns", flush=True)
    if args.memory_only:
        return 0
    from assay.engine.quality.partials import stream
    from assay.engine.streaming.executor import InProcessExecutor
    from assay.engine.streaming.run import StreamRun, iter_stream
    from assay.engine.streaming.sources import open_source
    from assay.engine.progress import drain

    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for role, frame in (("reference", reference), ("production", production)):
            paths[role] = Path(folder) / f"{role}.parquet"
            frame.to_parquet(paths[role], index=False, row_group_size=1 << 20)
        del reference, production
        clock, cpu = time.perf_counter(), time.process_time()
        run = StreamRun(config=config, schema=schema, reference=open_source(paths["reference"], "reference"),
                        production=open_source(paths["production"], "production"), executor=InProcessExecutor())
        streamed = drain(iter_stream(stream(run), run, "quality", 0.0, 1.0))
        seconds, cpu = time.perf_counter() - clock, time.process_time() - cpu
    print(f"streamed from Parquet (reading included): {seconds:.1f} s ({cpu:.1f} s of CPU); equal to in memory: "
          f"{streamed == in_memory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
