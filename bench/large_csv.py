"""Large CSV: reading a CSV of several GB with `load_dataset` (issue 9, item 8).

Generates a CSV with the demo's 18 columns (loan applications; default 3 GB, in /tmp, deleted after unless
--keep), then, each in a fresh process so that peak memory is the read's own:
- `read`: `load_dataset(path)` (the whole read: detection, parsing, pandas frame, SHA-256): wall time,
  throughput, peak RSS (VmHWM) and RSS before, the final frame's `memory_usage(deep=True)`, and the ratio
  peak / frame (target: about 2 or less);
- `cancel` (when the engine has `iter_load_dataset`): the longest gap between two progress events, and the
  time from asking to cancel (closing the generator) at about 50 % to the generator being closed, with the
  RSS left afterwards.
Also the SHA-256 of the file alone (the cost that hashing while reading saves).

    PYTHONPATH=$PWD python bench/large_csv.py                # 3 GB -> results/large_csv.md (appends a section)
    PYTHONPATH=$PWD python bench/large_csv.py --gb 0.5 --label quick --no-write
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def make_csv(path: Path, gigabytes: float, seed: int = 0) -> int:
    """Write about `gigabytes` GB of demo-like rows to `path`; return the number of rows."""
    import numpy as np

    from assay.engine.demo import make_applications

    rng = np.random.default_rng(seed)
    block = make_applications(rng, 2025, 1, drifted=True)
    header, _, body = block.to_csv(index=False).partition("\n")
    body_bytes = body.encode()
    rows_per_block = len(block)
    target = int(gigabytes * 1e9)
    rows = 0
    with open(path, "wb") as handle:
        handle.write(header.encode() + b"\n")
        written = len(header) + 1
        while written < target:
            handle.write(body_bytes)
            written += len(body_bytes)
            rows += rows_per_block
    return rows


def _vm(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def child_read(path: str) -> dict:
    from assay.engine import tables

    before = _vm("VmRSS")
    start = last = time.perf_counter()
    last_cpu = time.process_time()
    gap, gap_cpu, gap_at, first_step, events = 0.0, 0.0, None, None, 0
    if hasattr(tables, "iter_load_dataset"):  # the same read as load_dataset, timing the steps between events
        steps = tables.iter_load_dataset(path, "production")
        fraction = 0.0
        while True:
            try:
                new = next(steps)
            except StopIteration as stop:
                dataset = stop.value
                break
            now, cpu = time.perf_counter(), time.process_time()
            events += 1
            if events == 2:  # the step after the first event: opening the file and its first block
                first_step = (now - last, cpu - last_cpu)
            if now - last > gap:
                gap, gap_cpu, gap_at = now - last, cpu - last_cpu, (fraction, new)
            last, last_cpu, fraction = now, cpu, new
    else:
        dataset = tables.load_dataset(path, "production")
    seconds = time.perf_counter() - start
    frame_bytes = int(dataset.frame.memory_usage(deep=True).sum())
    return {"seconds": seconds, "rss_before": before, "peak": _vm("VmHWM"), "frame_bytes": frame_bytes,
            "rows": len(dataset.frame), "columns": dataset.frame.shape[1], "sha256": dataset.info.sha256,
            "detail": dataset.info.detail, "max_gap_s": gap, "max_gap_cpu_s": gap_cpu, "gap_at": gap_at,
            "first_step": first_step, "events": events,
            "dtypes": sorted({str(t) for t in dataset.frame.dtypes})}


def child_cancel(path: str) -> dict:
    from assay.engine import tables

    if not hasattr(tables, "iter_load_dataset"):
        return {"skipped": "this engine has no iter_load_dataset"}
    steps = tables.iter_load_dataset(path, "production")
    start = last = time.perf_counter()
    gaps, fraction = [], 0.0
    while fraction < 0.5:
        fraction = next(steps)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    asked = time.perf_counter()
    steps.close()
    closed = time.perf_counter()
    import gc

    import pyarrow as pa

    gc.collect()
    held = pa.total_allocated_bytes()  # what Arrow still holds after the cancel (the pool may keep freed pages)
    pa.default_memory_pool().release_unused()
    return {"at": fraction, "after_s": asked - start, "close_s": closed - asked, "max_gap_s": max(gaps[1:] or gaps),
            "first_event_s": gaps[0], "events": len(gaps), "rss_after": _vm("VmRSS"), "peak": _vm("VmHWM"),
            "arrow_after": held}


def child_hash(path: str) -> dict:
    from assay.engine.input_files import sha256_file

    start = time.perf_counter()
    sha256_file(Path(path))
    return {"seconds": time.perf_counter() - start}


def run_child(kind: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(path)], capture_output=True, text=True,
                         env=os.environ | {"PYTHONPATH": str(ROOT)})
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=3.0, help="size of the generated CSV (default 3)")
    parser.add_argument("--path", default="/tmp/assay_large.csv")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the generated file")
    parser.add_argument("--label", default="", help="a name for this run in the results")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        print(json.dumps({"read": child_read, "cancel": child_cancel, "hash": child_hash}[kind](path)))
        return

    path = Path(args.path)
    if not (args.keep and path.exists()):
        start = time.perf_counter()
        rows = make_csv(path, args.gb)
        print(f"generated {path}: {gb(path.stat().st_size)}, {rows:,} rows in {time.perf_counter() - start:.0f} s")
    size = path.stat().st_size
    try:
        read = run_child("read", path)
        print("read", read)
        cancel = run_child("cancel", path)
        print("cancel", cancel)
        hashed = run_child("hash", path)
        print("hash", hashed)
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [f"## {args.label or 'run'}: {gb(size)} CSV, engine at {commit or 'unknown'}",
             "", f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
             f"{os.cpu_count()} cores (load average {load:.1f} at the end: other jobs share them), "
             f"Python {platform.python_version()}. Command: "
             f"`PYTHONPATH=$PWD python bench/large_csv.py --gb {args.gb:g}"
             f"{' --label ' + args.label if args.label else ''}`", ""]
    if "error" in read:
        lines.append(f"- read: failed: {read['error']}")
    else:
        lines += [
            f"- read: {read['rows']:,} rows x {read['columns']} columns in {read['seconds']:.1f} s "
            f"({size / 1e6 / read['seconds']:.0f} MB/s), {read['detail']}",
            f"- memory: frame {gb(read['frame_bytes'])} (memory_usage deep); peak RSS {gb(read['peak'])} "
            f"(before reading {gb(read['rss_before'])}); peak / frame **{read['peak'] / read['frame_bytes']:.2f}**, "
            f"(peak - before) / frame {(read['peak'] - read['rss_before']) / read['frame_bytes']:.2f}",
            f"- dtypes: {', '.join(read['dtypes'])}",
        ]
        if read.get("gap_at"):
            cpu = f", {read['max_gap_cpu_s'] * 1000:.0f} ms CPU" if "max_gap_cpu_s" in read else ""
            lines.append(f"- longest step between two progress events over the whole read: "
                         f"{read['max_gap_s'] * 1000:.0f} ms{cpu} (from {read['gap_at'][0]:.1%} to "
                         f"{read['gap_at'][1]:.1%}; reading the file is 0-90 %, converting the columns to pandas "
                         f"90-100 %; CPU: all the process's threads)")
        if read.get("first_step"):
            wall, cpu = read["first_step"]
            lines.append(f"- first step (opening the file, its first block and the column types): {wall * 1000:.0f} ms "
                         f"({cpu * 1000:.0f} ms CPU); {read['events']} progress events in all")
    if "skipped" in cancel or "error" in cancel:
        lines.append(f"- cancel: {cancel.get('skipped') or cancel.get('error')}")
    else:
        lines.append(
            f"- cancel: asked at {cancel['at']:.0%} ({cancel['after_s']:.1f} s in), closed in "
            f"{cancel['close_s'] * 1000:.0f} ms; longest gap between progress events {cancel['max_gap_s'] * 1000:.0f} ms "
            f"(first event after {cancel['first_event_s'] * 1000:.0f} ms, {cancel['events']} events); after closing, Arrow "
            f"holds {gb(cancel['arrow_after'])} and the RSS is {gb(cancel['rss_after'])} (the allocator keeps some "
            f"freed pages)")
    if "seconds" in hashed:
        lines.append(f"- SHA-256 of the file alone: {hashed['seconds']:.1f} s ({size / 1e6 / hashed['seconds']:.0f} MB/s)")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / "large_csv.md"
        if not out.exists():
            out.write_text("# Large CSV read (issue 9, item 8)\n\nWritten by `bench/large_csv.py`; newest run last.\n\n")
        with open(out, "a") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
