"""Scale: a data-only audit of large Parquet folders, streamed, in memory and on a LocalCluster (issue 17).

The data are the 25 columns of drift_detection.py's generator (20 numerical, 5 categorical, drift planted in
9), written as a folder of Parquet files per dataset (row groups of `--row-group-rows`, `--file-rows` rows per
file), a block of rows at a time with one seeded generator per block, so that any size fits in memory while it
is written. They are kept in bench/results/data/ (ignored by git) and reused while their sizes match.

Each measurement runs in a fresh process while this one samples the resident set of that process and all its
children (the Dask nanny and worker processes, the model process) from /proc every 0.1 s; its peak is the
figure:
- `floor`: pyarrow reads every column of every row group of both folders once (no pandas): the time the
  streamed audit is compared with (target: at most 3x);
- `streamed`: `assay audit` with `[compute] path = "streamed"` (data only: no model, target or predictions);
- `memory`: the same audit on the in-memory path, when the datasets fit (`--memory-max-rows`), of the same rows
  copied into one file per dataset (the in-memory path reads files);
- `dask`: the streamed audit with `--scheduler local` (a LocalCluster of 2 worker processes on 127.0.0.1).
The JSON reports are compared number by number (the provenance, timings and hashes left out): the in-memory
and Dask reports against the streamed one.

    PYTHONPATH=$PWD python bench/scale.py                          # 2,000,000 + 200,000 rows
    PYTHONPATH=$PWD python bench/scale.py --production-rows 20000000 --reference-rows 2000000
    PYTHONPATH=$PWD python bench/scale.py --production-rows 100000000 --reference-rows 2000000   # the issue's target

Writes bench/results/scale.json (one entry per size, kept across runs) and bench/results/scale.md (every size).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DATA = RESULTS / "data"
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

SEED = 2024
SAMPLE_S = 0.1
TARGET_PEAK_BYTES = 2 * 1024 ** 3
TARGET_FLOOR_RATIO = 3.0
SKIPPED_KEYS = {"provenance", "integrity", "seconds", "created", "generated_at", "sha256", "duration_s"}
PHASES = ("floor", "streamed", "memory", "dask")


# -- the data ------------------------------------------------------------------------------------------------


def make_folder(folder: Path, role: str, rows: int, row_group_rows: int, file_rows: int) -> None:
    """`rows` rows of `role`'s distributions as Parquet files in `folder` (kept while the sizes match)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from drift_detection import make_frame

    stamp = dict(rows=rows, row_group_rows=row_group_rows, file_rows=file_rows, seed=SEED, role=role)
    marker = folder / "_sizes.json"  # names starting with "_" are not data to the Source
    if marker.exists() and json.loads(marker.read_text()) == stamp:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    marker.unlink(missing_ok=True)
    written, block = 0, 0
    started = time.perf_counter()
    while written < rows:
        path = folder / f"part-{written // file_rows:05d}.parquet"
        with pq.ParquetWriter(path, schema=_schema(), compression="snappy") as writer:
            in_file = 0
            while in_file < file_rows and written < rows:
                size = min(row_group_rows, file_rows - in_file, rows - written)
                seeds = [SEED, 0 if role == "reference" else 1, block]  # one generator per block of rows
                frame = make_frame(role, size, np.random.default_rng(seeds))
                writer.write_table(pa.Table.from_pandas(frame, schema=_schema(), preserve_index=False),
                                   row_group_size=size)
                in_file += size
                written += size
                block += 1
        print(f"  {role}: {written:,} of {rows:,} rows written ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr)
    marker.write_text(json.dumps(stamp))


def _schema():
    import numpy as np
    import pyarrow as pa

    from drift_detection import make_frame

    if not hasattr(_schema, "value"):
        sample = make_frame("reference", 10, np.random.default_rng(0))
        _schema.value = pa.Schema.from_pandas(sample, preserve_index=False)
    return _schema.value


def single_file(folder: Path) -> Path:
    """The folder's rows as one Parquet file beside it (the in-memory path reads files, not folders), copied a row
    group at a time with pyarrow; kept while the folder's sizes match."""
    import pyarrow.parquet as pq

    path = folder.with_suffix(".parquet")
    stamp = folder.with_suffix(".json")
    sizes = (folder / "_sizes.json").read_text()
    if path.exists() and stamp.exists() and stamp.read_text() == sizes:
        return path
    with pq.ParquetWriter(path, schema=_schema(), compression="snappy") as writer:
        for part in sorted(folder.glob("*.parquet")):
            parquet = pq.ParquetFile(part)
            for group in range(parquet.num_row_groups):
                writer.write_table(parquet.read_row_group(group))
    stamp.write_text(sizes)
    return path


def write_audit(folder: Path, reference: Path, production: Path, name: str = "audit.toml") -> Path:
    """A data-only audit of the two folders: no model, and no column taken for a target or predictions."""
    import tomli_w

    path = folder / name
    path.write_text(tomli_w.dumps({
        "audit": {"title": "Scale benchmark", "seed": 0},
        "data": {"reference": str(reference), "production": str(production)},
        "columns": {"target": "", "prediction": "", "probabilities": [], "sensitive": []},
    }), encoding="utf-8")
    return path


# -- measuring -----------------------------------------------------------------------------------------------


def tree_rss(root: int) -> int:
    """The resident set of process `root` and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * page
        except OSError:
            pass
        todo.extend(children.get(pid, ()))
    return total


def measure(command: list[str], timeout: float) -> dict:
    """Run `command`; its wall time, exit code, the last lines of its stderr and the peak resident set of its
    process tree."""
    import resource

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(process.pid))
            done.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        err += f"\ntimed out after {timeout:.0f} s"
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the process tree's CPU time: on a shared machine the
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)  # wall time says little alone
    return dict(command=" ".join(command), seconds=seconds, cpu_seconds=cpu, exit_code=process.returncode,
                peak_rss=peak[0],
                load_start=load, load_end=os.getloadavg()[0], stdout_tail=out.strip().splitlines()[-3:],
                stderr_tail=err.strip().splitlines()[-5:])


def read_floor(folders: list[str]) -> None:
    """In a fresh process: every column of every row group of the folders' files, read once with pyarrow."""
    import pyarrow.parquet as pq

    rows, started = 0, time.perf_counter()
    for folder in folders:
        for path in sorted(Path(folder).glob("*.parquet")):
            parquet = pq.ParquetFile(path)
            for group in range(parquet.num_row_groups):
                rows += parquet.read_row_group(group).num_rows
    print(json.dumps(dict(rows=rows, seconds=time.perf_counter() - started)))


def numbers(report: object, prefix: str = "") -> dict[str, float]:
    """The report's numbers by path, without the keys that differ between runs or paths (provenance, timings)."""
    found: dict[str, float] = {}
    if isinstance(report, dict):
        for key, value in report.items():
            if key not in SKIPPED_KEYS:
                found.update(numbers(value, f"{prefix}/{key}"))
    elif isinstance(report, list):
        for index, value in enumerate(report):
            found.update(numbers(value, f"{prefix}/{index}"))
    elif isinstance(report, (int, float)) and not isinstance(report, bool):
        found[prefix] = float(report)
    return found


def compare(expected: Path, found: Path) -> dict:
    """How two JSON reports' numbers differ: how many, which are missing, the largest relative difference."""
    a = numbers(json.loads(expected.read_text()))
    b = numbers(json.loads(found.read_text()))
    differing, largest = [], 0.0
    for key in a.keys() & b.keys():
        x, y = a[key], b[key]
        if x == y or (math.isnan(x) and math.isnan(y)):
            continue
        relative = abs(x - y) / max(abs(x), abs(y))
        largest = max(largest, relative)
        differing.append(key)
    return dict(numbers=len(a), identical=not differing and a.keys() == b.keys(), differing=len(differing),
                examples=sorted(differing)[:5], only_in_one=sorted(a.keys() ^ b.keys())[:5],
                largest_relative_difference=largest)


# -- the run -------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict:
    name = f"scale-{args.reference_rows}-{args.production_rows}-{args.row_group_rows}"
    data = args.data or DATA / name
    reference, production = data / "reference", data / "production"
    print(f"data in {data}", file=sys.stderr)
    make_folder(reference, "reference", args.reference_rows, args.row_group_rows, args.file_rows)
    make_folder(production, "production", args.production_rows, args.row_group_rows, args.file_rows)
    audit = write_audit(data, reference, production)
    on_disk = sum(path.stat().st_size for folder in (reference, production) for path in folder.glob("*.parquet"))
    python = sys.executable
    audit_command = [python, "-m", "assay", "audit", str(audit), "--quiet"]
    phases = {"floor": [python, str(Path(__file__).resolve()), "--floor", str(reference), str(production)],
              "streamed": [*audit_command, "--json", str(data / "streamed.json"),
                           "--set", 'compute.path="streamed"'],
              "memory": [],
              "dask": [*audit_command, "--json", str(data / "dask.json"), "--set", 'compute.path="streamed"',
                       "--scheduler", "local"]}
    rows = args.reference_rows + args.production_rows
    if rows > args.memory_max_rows:
        phases.pop("memory")
    else:  # the same rows as one file per dataset
        files = write_audit(data, single_file(reference), single_file(production), "audit-files.toml")
        phases["memory"] = [python, "-m", "assay", "audit", str(files), "--quiet", "--json", str(data / "memory.json"),
                            "--set", 'compute.path="memory"']
    if args.no_dask:
        phases.pop("dask")
    result = dict(reference_rows=args.reference_rows, production_rows=args.production_rows,
                  row_group_rows=args.row_group_rows, file_rows=args.file_rows, columns=25, bytes_on_disk=on_disk,
                  engine=engine_version(), cores=os.cpu_count(), python=sys.version.split()[0],
                  run_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), phases={}, compared={})
    for phase, command in phases.items():
        (data / f"{phase}.json").unlink(missing_ok=True)
        print(f"{phase}: {' '.join(command)}", file=sys.stderr)
        measured = measure(command, args.timeout)
        result["phases"][phase] = measured
        if phase == "floor" and measured["exit_code"] == 0:  # the read alone, without the interpreter's start
            measured.update(process_seconds=measured["seconds"], **json.loads(measured["stdout_tail"][-1]))
        print(f"  {measured['seconds']:.1f} s, peak {measured['peak_rss'] / 2**20:,.0f} MiB, exit "
              f"{measured['exit_code']}", file=sys.stderr)
        if measured["exit_code"] not in (0, 1):
            print("  " + "\n  ".join(measured["stderr_tail"]), file=sys.stderr)
    streamed = data / "streamed.json"
    if streamed.exists():  # what the figures cover: the analyses this engine streams
        analyses = json.loads(streamed.read_text())["analyses"]
        result["analyses_ran"] = [name for name, status in analyses.items() if status["status"] == "ran"]
    for phase in ("memory", "dask"):
        if streamed.exists() and (data / f"{phase}.json").exists():
            result["compared"][phase] = compare(streamed, data / f"{phase}.json")
    return result


def engine_version() -> str:
    from drift_detection import engine_version as version

    return version()


def write_results(result: dict, path: Path) -> None:
    """Keep one entry per size in scale.json and write every entry's table into scale.md."""
    entries = json.loads(path.with_suffix(".json").read_text()) if path.with_suffix(".json").exists() else {}
    entries[f"{result['reference_rows']}+{result['production_rows']}"] = result
    path.with_suffix(".json").write_text(json.dumps(entries, indent=1), encoding="utf-8")
    lines = ["# Scale: a data-only audit of Parquet folders (bench/scale.py)", "",
             "Each phase ran in a fresh process; peak = the largest resident set of its whole process tree "
             "(Dask's nanny and worker processes included), sampled every 0.1 s. Load = the 1-minute load "
             "average at the start and the end of the phase (2 cores, shared).", ""]
    for key, entry in sorted(entries.items(), key=lambda item: item[1]["production_rows"]):
        lines += table(entry)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def table(entry: dict) -> list[str]:
    phases = entry["phases"]
    ran = {phase: measured for phase, measured in phases.items() if measured["exit_code"] in (0, 1)}
    floor = ran.get("floor", {}).get("seconds")
    lines = [f"## {entry['production_rows']:,} production + {entry['reference_rows']:,} reference rows", "",
             f"{entry['columns']} columns, {entry['bytes_on_disk'] / 1e9:.2f} GB of Parquet (row groups of "
             f"{entry['row_group_rows']:,} rows, {entry['file_rows']:,} rows per file); {entry['run_at']}, "
             f"{entry['engine']}.", "",
             "| phase | seconds | x floor | CPU s | peak MiB | exit | load |", "|---|---:|---:|---:|---:|---:|---|"]
    # the floor's seconds are its read alone; an audit's are its whole command (interpreter start included)
    names = {"floor": "pyarrow read floor (every column once)", "streamed": "streamed audit (data only)",
             "memory": "in-memory audit", "dask": "LocalCluster (2 worker processes)"}
    for phase, measured in phases.items():
        if phase not in ran:
            lines.append(f"| {names[phase]} | failed: {' '.join(measured['stderr_tail'][-1:])} | | | | "
                         f"{measured['exit_code']} | |")
            continue
        ratio = f"{measured['seconds'] / floor:.1f}" if floor and phase != "floor" else ""
        cpu = f"{measured['cpu_seconds']:.0f}" if "cpu_seconds" in measured else "not measured"
        lines.append(f"| {names[phase]} | {measured['seconds']:.1f} | {ratio} | {cpu} | {measured['peak_rss'] / 2**20:,.0f} "
                     f"| {measured['exit_code']} | {measured['load_start']:.1f}-{measured['load_end']:.1f} |")
    lines.append("")
    if "analyses_ran" in entry:
        lines.append(f"- analyses that ran (streamed JSON): {', '.join(entry['analyses_ran']) or 'none'}")
    for phase, compared in entry.get("compared", {}).items():
        verdict = ("identical" if compared["identical"] else
                   f"{compared['differing']} differ (largest relative difference "
                   f"{compared['largest_relative_difference']:.1e}; e.g. {', '.join(compared['examples'][:3])})")
        lines.append(f"- {names[phase]} against the streamed JSON: {compared['numbers']:,} numbers, {verdict}"
                     + (f"; only in one: {', '.join(compared['only_in_one'])}" if compared["only_in_one"] else ""))
    streamed = ran.get("streamed")
    if streamed and floor:
        lines.append(f"- targets (at 100,000,000 production rows): peak {streamed['peak_rss'] / 2**30:.2f} GiB "
                     f"(<= 2 GiB: {'yes' if streamed['peak_rss'] <= TARGET_PEAK_BYTES else 'no'}); time "
                     f"{streamed['seconds'] / floor:.1f}x the read floor (<= 3x: "
                     f"{'yes' if streamed['seconds'] <= TARGET_FLOOR_RATIO * floor else 'no'})")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--floor":  # the floor's own process
        read_floor(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--production-rows", type=int, default=2_000_000)
    parser.add_argument("--reference-rows", type=int, default=200_000)
    parser.add_argument("--row-group-rows", type=int, default=1_000_000)
    parser.add_argument("--file-rows", type=int, default=5_000_000, help="rows per Parquet file")
    parser.add_argument("--memory-max-rows", type=int, default=22_000_000,
                        help="run the in-memory audit only up to this many rows in all (it reads them whole)")
    parser.add_argument("--no-dask", action="store_true", help="leave out the LocalCluster run")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per phase")
    parser.add_argument("--data", type=Path, help="the data folder (default: bench/results/data/scale-...)")
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.md")
    args = parser.parse_args(argv)
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_results(result, args.out)
    print("\n".join(table(result)))
    print(f"wrote {args.out} and {args.out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
