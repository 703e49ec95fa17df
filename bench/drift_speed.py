"""Drift speed and memory: Assay against the sort floor, a plain scipy script and the named peers.

One run measures, on the same seeded data (the 25 columns of drift_detection.py: 20 numerical and
5 categorical, drift planted in 9), each in a fresh process, timing the computation only (not
reading the Parquet files):
- sort floor: np.sort of every numerical column of both datasets once (40 arrays at 2 x 20 columns),
  one after another, and over two threads;
- plain scipy: bench/peers/plain_scipy.py, KS and normed Wasserstein per numerical column, chi-square
  and PSI per categorical column, with scipy.stats;
- Assay, same statistics: the same four statistics through Assay's code over its two worker threads:
  KS and Wasserstein by buckets, without sorting (engine.drift.bucketed, as the calculator computes
  them on large columns), chi-square and PSI by the registry (engine.drift.stattests) on the
  calculator's category codes; and once more with every numerical column sorted once and the
  registry's functions on the sorted values (what the other numerical methods cost); every value of
  both is compared with the plain script's;
- Assay, default drift table: DriftCalculator(fit + calculate) with the default [drift] settings,
  multivariate checks off (and once more with them on); its phases and its peak memory;
- peers, each in its own virtual environment (bench/peers/setup.sh): Evidently's DataDriftPreset
  (default and KS forced), NannyML's UnivariateDriftCalculator (binned default and exact), Alibi
  Detect's TabularDrift.

    python bench/drift_speed.py --rows 1000000            # the full run (about 15-25 minutes)
    python bench/drift_speed.py --rows 100000 --no-peers  # Assay only
    ASSAY_BENCH_QUICK=1 python bench/drift_speed.py       # 100,000 rows, no peers

Writes bench/results/drift_speed.md and .json for the full run (1,000,000 rows with peers), else
bench/results/drift_speed_<rows>[_nopeers].md. Data go to bench/results/data/ (ignored by git).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS = HERE / "peers"
RESULTS = HERE / "results"
for path in (ROOT, HERE, PEERS):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from measure import Phase, rss, write_result  # noqa: E402  (bench/peers/measure.py)

SEED = 2024
DRIFT_FILES = ("chunks.py", "schema.py", "config.py", "analyses/base.py")  # besides engine/drift/
WORKERS = 2
PEER_RUNS = [  # (key, venv, script, variant, timeout seconds)
    ("evidently_default", "evidently", "run_evidently.py", "default", 900),
    ("evidently_ks", "evidently", "run_evidently.py", "ks", 900),
    ("nannyml_binned", "nannyml", "run_nannyml.py", "binned", 600),
    ("nannyml_exact", "nannyml", "run_nannyml.py", "exact", 900),
    ("alibi", "alibi-detect", "run_alibi.py", "", 600),
]
QUIET = {"NML_DISABLE_USAGE_LOGGING": "1", "DO_NOT_TRACK": "1", "EVIDENTLY_DISABLE_TELEMETRY": "1",
         "TF_CPP_MIN_LOG_LEVEL": "3"}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(data / "reference.parquet"), pd.read_parquet(data / "production.parquet")


def split_kinds(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    numerical = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    return numerical, [c for c in frame.columns if c not in numerical]


# -- workers (each runs in a fresh process) ------------------------------------------------------


def worker_sort_floor(data: Path) -> dict:
    reference, production = load(data)
    numerical, _ = split_kinds(reference)
    arrays = [f[c].to_numpy(dtype=float, copy=True) for f in (reference, production) for c in numerical]
    with Phase() as sequential:
        for a in arrays:
            np.sort(a)
    with ThreadPoolExecutor(WORKERS) as pool, Phase() as threaded:
        list(pool.map(np.sort, arrays))
    return dict(arrays=len(arrays), rows=int(arrays[0].size), sequential=sequential.as_dict(),
                threaded=threaded.as_dict())


def worker_assay_stats(data: Path, sort: bool = False) -> dict:
    """KS + normed Wasserstein (numerical), chi-square + PSI (categorical) through Assay's own code.

    The fit is DriftCalculator.fit (missing values counted, categories encoded); numerical columns are
    tested the way the calculator tests KS and Wasserstein on large columns (`bucketed_tests`: exact,
    without sorting), categorical ones by the calculator's own preparation and the registry functions,
    over the calculator's worker threads. With `sort`, numerical columns are sorted instead (each once) and
    tested by the registry functions, as for the other methods. (Uses the calculator's
    private helpers, so that the benchmark follows the engine as it changes.)
    """
    from dataclasses import replace

    from assay.engine.config import AuditConfig
    from assay.engine.drift.stattests import REGISTRY, SortedSample
    from assay.engine.drift.univariate import WORKERS as ENGINE_WORKERS
    from assay.engine.drift.encoding import float_values
    from assay.engine.drift.univariate import DriftCalculator, bucketed_pair, bucketed_tests
    from assay.engine.schema import infer_schema

    reference, production = load(data)
    config = AuditConfig().replace("drift", multivariate=False)
    schema = infer_schema(reference, production, config)
    ks, wasserstein = REGISTRY["ks"].numerical, REGISTRY["wasserstein"].numerical

    def calculate(calculator: DriftCalculator, column) -> dict:
        prepared = calculator._production_side(column, production[column.name])
        if column.kind == "numerical" and sort:
            ref = SortedSample(calculator._sorted_reference(column))
            prod = SortedSample(np.sort(prepared[np.isfinite(prepared)]))
            k, w = ks(ref, prod), wasserstein(ref, prod)
            return dict(ks=k.statistic, ks_p=k.p_value, wasserstein=w.statistic)
        if column.kind == "numerical":
            ref, prod = bucketed_pair(float_values(reference[column.name]), prepared)
            ref, prod = ref.part(None), prod.part(None)
            (k, _), = bucketed_tests("ks", ref, [prod], prod)
            (w, _), = bucketed_tests("wasserstein", ref, [prod], prod)
            return dict(ks=k.statistic, ks_p=k.p_value, wasserstein=w.statistic)
        c = calculator._run(replace(column, method=REGISTRY["chi2"]), prepared)[0]
        p = calculator._run(replace(column, method=REGISTRY["psi"]), prepared)[0]
        return dict(chi2=c.statistic, chi2_p=c.p_value, psi=p.statistic)

    cpu = cpu_seconds()
    with ThreadPoolExecutor(ENGINE_WORKERS) as pool, Phase() as whole:
        start = time.perf_counter()
        calculator = DriftCalculator(schema, config.drift, seed=0).fit(reference)
        fit_seconds = time.perf_counter() - start
        columns = calculator._columns
        values = dict(zip([c.name for c in columns], pool.map(lambda c: calculate(calculator, c), columns)))
    cpu = cpu_seconds() - cpu
    return dict(**whole.as_dict(), fit_seconds=fit_seconds, cpu_seconds=cpu, workers=ENGINE_WORKERS,
                values={n: {k: float(v) for k, v in d.items()} for n, d in values.items()})


def worker_assay_table(data: Path, multivariate: bool) -> dict:
    from assay.engine.config import AuditConfig
    from assay.engine.drift.univariate import DriftCalculator
    from assay.engine.schema import infer_schema

    rss_imports = rss()  # the interpreter and the libraries, before the data
    reference, production = load(data)
    config = AuditConfig().replace("drift", multivariate=multivariate)
    start = time.perf_counter()
    schema = infer_schema(reference, production, config)
    schema_seconds = time.perf_counter() - start
    marks: dict[str, float] = {}
    cpu = cpu_seconds()
    with Phase() as whole:
        start = time.perf_counter()
        calculator = DriftCalculator(schema, config.drift, seed=0).fit(reference)
        marks["fit"] = time.perf_counter() - start
        steps = calculator.iter_calculate(production)
        try:
            while True:
                event = next(steps)
                now = time.perf_counter() - start
                if event.fraction >= 0.75:  # every column tested: whole, per chunk, the reference chunks
                    marks.setdefault("columns", now)
        except StopIteration as stop:
            result = stop.value
    cpu = cpu_seconds() - cpu
    features = [f for f in result.features if f.tested]
    return dict(**whole.as_dict(), rss_imports=rss_imports, schema_seconds=schema_seconds, marks=marks, cpu_seconds=cpu,
                multivariate=multivariate, chunks=len(result.chunks),
                drifted=list(result.drifted_features), tested=len(features),
                methods=sorted({f.method for f in features}))


def engine_fingerprint() -> str:
    """The commit and a hash of the files the drift table runs on: the engine may change between runs."""
    import hashlib

    digest = hashlib.sha256()
    paths = sorted((ROOT / "engine" / "drift").glob("*.py")) + [ROOT / "engine" / name for name in DRIFT_FILES]
    for path in paths:
        digest.update(path.read_bytes() if path.exists() else b"")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "engine/drift"] + [f"engine/{n}" for n in DRIFT_FILES],
                               cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    return f"{commit}{'+local drift changes' if dirty else ''} (drift engine sha256 {digest.hexdigest()[:12]})"


def run_worker(task: str, data: Path, out: Path, repeat: int) -> None:
    """Run one measurement `repeat` times in this process; keep every time and summarise.

    The machine is shared, so single timings are noisy: the sort floor keeps its best run (a floor),
    Assay's measurements their median run (with the memory peak of the first run, the coldest).
    """
    started = os.getloadavg()
    runs = []
    for _ in range(repeat):
        if task == "sort_floor":
            runs.append(worker_sort_floor(data))
        elif task == "assay_stats":
            runs.append(worker_assay_stats(data))
        elif task == "assay_stats_sorted":
            runs.append(worker_assay_stats(data, sort=True))
        elif task == "assay_table":
            runs.append(worker_assay_table(data, multivariate=False))
        elif task == "assay_table_mv":
            runs.append(worker_assay_table(data, multivariate=True))
        else:
            raise SystemExit(f"unknown worker task {task!r}")
    if task == "sort_floor":
        result = dict(runs[0])
        for key in ("sequential", "threaded"):
            result[key] = min((r[key] for r in runs), key=lambda x: x["seconds"])
            result[key + "_all"] = [r[key]["seconds"] for r in runs]
    else:
        ordered = sorted(runs, key=lambda r: r["seconds"])
        result = dict(ordered[(len(ordered) - 1) // 2])
        result["all_seconds"] = [r["seconds"] for r in runs]
        result["peak"], result["rss_before"] = runs[0]["peak"], runs[0]["rss_before"]
        result["rss_imports"] = runs[0].get("rss_imports")
    result["repeat"] = repeat
    result["load_start"], result["load_end"] = started, os.getloadavg()
    result["engine"] = engine_fingerprint()
    write_result(str(out), result)


# -- the driver ----------------------------------------------------------------------------------


def load_text(values) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def spawn(command: list[str], out: Path, timeout: float, label: str) -> dict:
    env = dict(os.environ, **QUIET)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), str(PEERS)])
    out.unlink(missing_ok=True)
    start, before = time.perf_counter(), os.getloadavg()
    print(f"  {label} ...", end=" ", flush=True)
    try:
        completed = subprocess.run(command, cwd=PEERS, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"timed out after {timeout:.0f} s", flush=True)
        return dict(error=f"timed out after {timeout:.0f} s", timeout=timeout, load_start=before)
    if completed.returncode != 0 or not out.exists():
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
        print("failed", flush=True)
        return dict(error="\n".join(tail), load_start=before)
    result = json.loads(out.read_text())
    result.setdefault("load_start", before)
    result["wall_with_startup"] = time.perf_counter() - start
    result["load_end"] = os.getloadavg()
    seconds = result.get("seconds", result.get("sequential", {}).get("seconds", float("nan")))
    print(f"{seconds:.2f} s (load {load_text(result['load_start'])})", flush=True)
    return result


def make_files(rows: int, folder: Path) -> dict:
    from drift_detection import make_data

    folder.mkdir(parents=True, exist_ok=True)
    reference, production = make_data(rows, SEED)
    reference.to_parquet(folder / "reference.parquet")
    production.to_parquet(folder / "production.parquet")
    reference, production = load(folder)  # the representation every tool starts from
    numerical, categorical = split_kinds(reference)
    size = int(reference.memory_usage(deep=True).sum() + production.memory_usage(deep=True).sum())
    return dict(rows=rows, numerical=len(numerical), categorical=len(categorical), dataset_bytes=size,
                dtypes={str(k): int(v) for k, v in reference.dtypes.astype(str).value_counts().items()})


def compare(plain: dict, assay: dict) -> dict:
    """Largest relative difference of the statistics and of the p-values; the values off by more than 1e-9."""
    worst = {"statistics": 0.0, "p-values": 0.0}
    notes = []
    for column, values in plain.items():
        for key, expected in values.items():
            got = assay[column][key]
            scale = max(abs(expected), abs(got))
            diff = 0.0 if scale == 0 else abs(got - expected) / scale
            group = "p-values" if key.endswith("_p") else "statistics"
            worst[group] = max(worst[group], diff)
            if diff > 1e-9:
                notes.append(f"{column}.{key}: scipy {expected:.12g}, Assay {got:.12g} (relative {diff:.1e})")
    return dict(worst=worst, notes=notes)


def mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 2 ** 20:,.0f} MiB"


def report(run: dict, path: Path) -> str:
    r = run["results"]
    info = run["data"]
    floor = r["sort_floor"]
    floor_seq, floor_par = floor["sequential"]["seconds"], floor["threaded"]["seconds"]
    stats_s = r["assay_stats"]["seconds"]
    table = r["assay_table"]
    table_s = table["seconds"]
    plain_s = r.get("plain", {}).get("seconds")
    lines = [f"# Drift speed and memory ({info['rows']:,} reference x {info['rows']:,} production rows)", "",
             f"Generated by `bench/drift_speed.py --rows {info['rows']}` on {run['date']}, engine at "
             f"{run.get('engine', '?')}; "
             f"{info['numerical']} numerical and {info['categorical']} categorical columns (the generator of "
             f"`bench/drift_detection.py`, seed {SEED}); {os.cpu_count()} cores; load average (1 min) at the "
             f"start of each measurement in the last column (the machine is shared: other engineers' tests run "
             f"beside it). Times are for the computation only, data already in memory (read from Parquet; "
             f"categorical columns as pandas strings), each tool in a fresh process. The sort floor is the best "
             f"of {floor.get('repeat', 1)} runs, Assay's times the median of {table.get('repeat', 1)} runs, "
             f"the plain script and the peers one run each. In-memory size of the two datasets: "
             f"{mib(info['dataset_bytes'])}.", "",
             "| what | seconds | x Assay same statistics | x Assay default table | load |",
             "|---|---:|---:|---:|---:|"]

    def row(label: str, seconds: float | None, load: object, note: str = "") -> None:
        if seconds is None:
            lines.append(f"| {label} | {note or 'not run'} | | | {load_text(load) if load else ''} |")
            return
        lines.append(f"| {label} | {seconds:.2f} | {seconds / stats_s:.1f} | {seconds / table_s:.1f} | "
                     f"{load_text(load)[:3] if load else ''} |")

    row("sort floor: np.sort of the 40 numerical arrays, one after another", floor_seq, floor["load_start"])
    row("sort floor over 2 threads", floor_par, floor["load_start"])
    row("**Assay, same statistics** (KS, Wasserstein; chi-square, PSI), fit + calculate", stats_s,
        r["assay_stats"]["load_start"])
    if "assay_stats_sorted" in r:
        row("... from sorted columns (each sorted once; the registry's functions, as for the other methods)",
            r["assay_stats_sorted"]["seconds"], r["assay_stats_sorted"]["load_start"])
    plain = r.get("plain", {})
    row("plain scipy/numpy script (KS, Wasserstein; chi-square, PSI)", plain.get("seconds"), plain.get("load_start"),
        plain.get("error", ""))
    row("**Assay, default drift table**: DriftCalculator fit + calculate, multivariate off", table_s,
        table["load_start"])
    mv = r.get("assay_table_mv")
    if mv:
        row("Assay, default drift table with the multivariate checks", mv["seconds"], mv["load_start"])
    labels = {"evidently_default": "Evidently DataDriftPreset (default: normed Wasserstein, Jensen-Shannon)",
              "evidently_ks": "Evidently DataDriftPreset, KS forced (num_method=\"ks\")",
              "nannyml_binned": "NannyML UnivariateDriftCalculator (KS, Wasserstein, chi2, JS; default binned)",
              "nannyml_exact": "NannyML UnivariateDriftCalculator, calculation_method=\"exact\"",
              "alibi": "Alibi Detect TabularDrift (KS + chi-square)"}
    for key, label in labels.items():
        if key in r:
            error = (r[key].get("error") or "").strip().splitlines()
            row(label, r[key].get("seconds"), r[key].get("load_start"), error[-1] if error else "")
        elif run.get("peers_skipped"):
            lines.append(f"| {label} | {run['peers_skipped']} | | | |")
    engines = {x.get("engine") for x in r.values() if x.get("engine")}
    if len(engines) > 1:
        lines += ["", f"**Warning: the engine changed during the run** ({'; '.join(sorted(engines))}); "
                      "run again for figures of one version."]
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    equality = run.get("equality")
    notes = equality["notes"] if equality else []
    if equality:
        worst = equality["worst"]
        other = run.get("equality_sorted")
        also = (f" (from sorted columns: {other['worst']['statistics']:.1e} and {other['worst']['p-values']:.1e})"
                if other else "")
        notes = notes + (other["notes"] if other else [])
        lines.append(f"| same statistics, equal values (relative 1e-9) | largest relative difference: statistics "
                     f"{worst['statistics']:.1e}, p-values {worst['p-values']:.1e}{also} | "
                     f"{'yes' if not notes else 'statistics yes' if worst['statistics'] <= 1e-9 else 'no'} |")
    if plain_s:
        lines.append(f"| same statistics in at most 1/10 of the plain script's time | {stats_s:.2f} s vs "
                     f"{plain_s:.2f} s ({plain_s / stats_s:.1f}x faster) | {'yes' if stats_s <= plain_s / 10 else 'no'} |")
    lines.append(f"| same statistics within 3x of the sort floor | {stats_s:.2f} s vs {floor_seq:.2f} s "
                 f"({stats_s / floor_seq:.1f}x) | {'yes' if stats_s <= 3 * floor_seq else 'no'} |")
    evidently = r.get("evidently_default", {}).get("seconds")
    if evidently:
        lines.append(f"| default drift table at least 30x faster than Evidently's preset | {table_s:.2f} s vs "
                     f"{evidently:.2f} s ({evidently / table_s:.1f}x) | "
                     f"{'yes' if evidently / table_s >= 30 else 'no'} |")
    peak, before, imports = table.get("peak"), table.get("rss_before"), table.get("rss_imports")
    if peak:
        size = info["dataset_bytes"]
        working = peak - before
        lines.append(f"| peak memory at most 2x the two datasets ({mib(size)}) | working memory at the peak "
                     f"{mib(working)} above the process holding the data, so datasets + working memory = "
                     f"{(size + working) / size:.2f}x the datasets (whole process: peak {mib(peak)}, of which "
                     f"{mib(imports)} interpreter and libraries before loading) | "
                     f"{'yes' if size + working <= 2 * size else 'no'} (not counting the interpreter) |")
    busy = max(x.get("load_start", [0])[0] for x in (floor, r["assay_stats"], table)) >= 2.0
    lines.append(f"| both cores used where it helps | CPU time / wall time: same statistics "
                 f"{r['assay_stats']['cpu_seconds'] / stats_s:.2f}, default table {table['cpu_seconds'] / table_s:.2f}"
                 f" (sort floor over 2 threads {floor_seq / floor_par:.2f}x faster than one) | "
                 + ("not shown: the load average was above 2 on 2 cores, no core was free |" if busy else
                    ("yes |" if table["cpu_seconds"] / table_s > 1.3 else "no |")))
    lines += ["", "Every run: sort floor " + ", ".join(f"{x:.2f}" for x in floor.get("sequential_all", []))
              + " s (2 threads " + ", ".join(f"{x:.2f}" for x in floor.get("threaded_all", [])) + " s); Assay same "
              "statistics " + ", ".join(f"{x:.2f}" for x in r["assay_stats"].get("all_seconds", [])) + " s; Assay "
              "default table " + ", ".join(f"{x:.2f}" for x in table.get("all_seconds", [])) + " s."]
    lines += ["", "## Assay's default table, phase by phase", "",
              f"Schema inference (not in the times above): {table['schema_seconds']:.2f} s. "
              f"Fit (count missing values, encode the categories): {table['marks']['fit']:.2f} s; every column "
              f"tested (the whole column, {table['chunks']} production chunks and the reference chunks for the "
              f"bands) at {table['marks'].get('columns', float('nan')):.2f} s; total (corrections, verdicts, "
              f"first drifted chunks) {table_s:.2f} s. "
              f"Methods used: {', '.join(table['methods'])}; drifted columns flagged: {len(table['drifted'])} "
              f"of {table['tested']} ({', '.join(table['drifted'])}).", ""]
    if notes:
        lines += ["Values that differ by more than 1e-9 (relative):", ""] + [f"- {n}" for n in notes[:20]] + [""]
    peers_flagged = [(labels[k], r[k].get("drifted")) for k in labels if k in r and r[k].get("drifted") is not None]
    if peers_flagged:
        lines += ["Columns each peer flagged (a sanity check of the runs; NannyML: an alert in any of its 10 "
                  "production chunks):", ""]
        lines += [f"- {label}: {len(flags)} — {', '.join(flags)}" for label, flags in peers_flagged] + [""]
    text = "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    quick = os.environ.get("ASSAY_BENCH_QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000 if quick else 1_000_000)
    parser.add_argument("--no-peers", action="store_true", default=quick)
    parser.add_argument("--no-multivariate", action="store_true", help="skip the run with multivariate checks")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each Assay measurement and of the floor")
    parser.add_argument("--report-only", type=Path, metavar="JSON", help="rewrite the table from a saved run")
    args = parser.parse_args(argv)
    if args.report_only:
        print(report(json.loads(args.report_only.read_text()), args.report_only.with_suffix(".md")))
        return 0
    if args.worker:
        run_worker(args.worker, args.data, args.out, args.repeat)
        return 0

    data = RESULTS / "data" / f"drift_{args.rows}"
    scratch = RESULTS / "data" / "runs"
    scratch.mkdir(parents=True, exist_ok=True)
    print(f"drift speed: {args.rows:,} x {args.rows:,} rows; load {load_text(os.getloadavg())}", flush=True)
    run: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "engine": engine_fingerprint(),
                 "data": make_files(args.rows, data), "results": {}}
    me = [sys.executable, str(Path(__file__).resolve())]
    tasks = [("sort_floor", "sort floor"), ("assay_stats", "Assay, same statistics"),
             ("assay_stats_sorted", "Assay, same statistics from sorted columns"),
             ("assay_table", "Assay, default table")]
    if not args.no_multivariate:
        tasks.append(("assay_table_mv", "Assay, default table with multivariate"))
    for task, label in tasks:
        out = scratch / f"{task}.json"
        repeat = 1 if task == "assay_table_mv" else args.repeat
        run["results"][task] = spawn(me + ["--worker", task, "--data", str(data), "--out", str(out),
                                           "--repeat", str(repeat)], out, 1800, label)
        if "error" in run["results"][task]:
            print(run["results"][task]["error"], file=sys.stderr)
            return 1
    out = scratch / "plain.json"
    run["results"]["plain"] = spawn([sys.executable, str(PEERS / "plain_scipy.py"), str(data / "reference.parquet"),
                                     str(data / "production.parquet"), str(out)], out, 1800, "plain scipy script")
    if "values" in run["results"]["plain"]:
        run["equality"] = compare(run["results"]["plain"]["values"], run["results"]["assay_stats"]["values"])
        if "values" in run["results"].get("assay_stats_sorted", {}):
            run["equality_sorted"] = compare(run["results"]["plain"]["values"],
                                             run["results"]["assay_stats_sorted"]["values"])
    if args.no_peers:
        run["peers_skipped"] = "not run (--no-peers)"
    else:
        for key, venv, script, variant, timeout in PEER_RUNS:
            python = PEERS / ".venv" / venv / "bin" / "python"
            if not python.exists():
                run["results"][key] = dict(error=f"not installed: run bench/peers/setup.sh ({venv})")
                continue
            out = scratch / f"{key}.json"
            command = [str(python), str(PEERS / script), str(data / "reference.parquet"),
                       str(data / "production.parquet"), str(out)] + ([variant] if variant else [])
            run["results"][key] = spawn(command, out, timeout, key)
    full = args.rows == 1_000_000 and not args.no_peers
    name = "drift_speed" if full else f"drift_speed_{args.rows}" + ("_nopeers" if args.no_peers else "")
    (RESULTS / f"{name}.json").write_text(json.dumps(run, indent=1, default=float), encoding="utf-8")
    print(report(run, RESULTS / f"{name}.md"))
    print(f"wrote {RESULTS / (name + '.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
