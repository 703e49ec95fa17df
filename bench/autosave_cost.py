"""What the autosave costs the GUI thread, and what saving and restoring the last results take.

On the demo audit: the debounced session write (in the GUI thread: config to JSON, atomic write without
fsync), the report's JSON and results (written in the thread pool after each run), reading the results
back at restore, and the first SHA-256 of a 200 MB model file before a run (GUI thread; cached after).
Writes bench/results/autosave_cost.md. Not a test; the figures move with the machine's load.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/autosave_cost.py [--writes 50]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="assay-autosave-bench-") as tmp:
        folder = Path(tmp)
        os.environ["ASSAY_SETTINGS_DIR"] = str(folder / "settings")
        os.environ["ASSAY_STATE_DIR"] = str(folder / "state")
        from assay.app.main import create_application, create_window
        from assay.app.saved_results import dump_report, load_report
        from assay.app.trust import file_sha256
        from assay.engine.config import AuditConfig
        from assay.engine.demo import write_demo
        from assay.engine.pipeline import run_audit

        create_application()
        window = create_window()
        audit = write_demo(folder / "demo")
        window.open_audit(audit, confirm=False)
        writes = []
        for i in range(args.writes):
            window.session.set_config(window.session.config.replace("audit", title=f"edit {i}"))
            start = time.perf_counter()
            window.autosave.save_now()
            writes.append(time.perf_counter() - start)
        report = run_audit(AuditConfig.from_toml(audit))
        start = time.perf_counter()
        text = report.to_json()
        json_s = time.perf_counter() - start
        start = time.perf_counter()
        results = dump_report(report)
        dump_s = time.perf_counter() - start
        start = time.perf_counter()
        load_report(results)
        load_s = time.perf_counter() - start
        model = folder / "model.pkl"
        model.write_bytes(os.urandom(200 * 1024 * 1024))
        start = time.perf_counter()
        file_sha256(model)
        hash_s = time.perf_counter() - start
        start = time.perf_counter()
        file_sha256(model)
        cached_s = time.perf_counter() - start
        window.autosave.finish()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = [
        ("session autosave, GUI thread (median / max of %d)" % args.writes,
         f"{statistics.median(writes) * 1000:.1f} ms / {max(writes) * 1000:.1f} ms"),
        ("report JSON, thread pool", f"{json_s * 1000:.0f} ms, {len(text) / 1e6:.2f} MB"),
        ("report results (restricted pickle), thread pool", f"{dump_s * 1000:.0f} ms, {len(results) / 1e6:.2f} MB"),
        ("results read back at restore, GUI thread", f"{load_s * 1000:.0f} ms"),
        ("SHA-256 of a 200 MB model, read in one go (the app reads it in 4 MB blocks under a progress dialog, painting between them)", f"{hash_s * 1000:.0f} ms (then cached: "
                                                                f"{cached_s * 1000:.2f} ms)"),
    ]
    lines = ["# Autosave cost (demo audit)", "",
             f"`QT_QPA_PLATFORM=offscreen .venv/bin/python bench/autosave_cost.py --writes {args.writes}`; "
             f"load average {load:.1f} on {os.cpu_count()} cores", "", "| what | figure |", "|---|---|"]
    lines += [f"| {what} | {figure} |" for what, figure in rows]
    out = ROOT / "bench" / "results" / "autosave_cost.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
