"""The streamed quality passes alone on an audit's data: CPU and wall seconds, peak memory, and the QualityResult
pickled so that two checkouts can be compared (issue #17). Reading is included; the schema comes first, outside
the clock.

    PYTHONPATH=$PWD python bench/quality_passes.py AUDIT.toml RESULT.pkl            # e.g. the 20M+2M bench data
    PYTHONPATH=$PWD python bench/quality_passes.py AUDIT.toml RESULT.pkl --profile  # with cProfile's top 25
"""
from __future__ import annotations

import argparse
import cProfile
import pickle
import pstats
import resource
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audit")
    parser.add_argument("result")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    from assay.engine.config import AuditConfig
    from assay.engine.quality import partials
    from assay.engine.schema import infer_schema
    from assay.engine.streaming.pipeline import make_executor, sample_frame
    from assay.engine.streaming.run import StreamRun, iter_stream
    from assay.engine.streaming.sources import open_source

    config = AuditConfig.from_toml(args.audit)
    reference = open_source(config.data.reference, "reference")
    production = open_source(config.data.production, "production")
    sample = {s.role: sample_frame(s, config.compute.sample_rows, config.audit.seed) for s in (reference, production)}
    schema = infer_schema(sample["reference"], sample["production"], config)
    run = StreamRun(config=config, schema=schema, reference=reference, production=production,
                    executor=make_executor(config), sample=sample, seed=config.audit.seed, runner=None)

    def quality():
        steps = iter_stream(partials.stream(run), run, "quality", 0.0, 1.0)
        try:
            while True:
                next(steps)
        except StopIteration as stop:
            return stop.value

    cpu, wall = time.process_time(), time.perf_counter()
    if args.profile:
        profile = cProfile.Profile()
        result = profile.runcall(quality)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    else:
        result = quality()
    print(f"quality: cpu {time.process_time() - cpu:.2f} s, wall {time.perf_counter() - wall:.2f} s, "
          f"maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    with open(args.result, "wb") as out:
        pickle.dump(result, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
