"""The longest event-loop stall of the app (issue #9, item 6): target 100 ms or less in each of
(0) start-up, from the window's first paint until every page has built its plots (app/steps.py),
(a) the demo audit run in the app, from Run to the pages showing its results,
(b) the PDF export from the Report page,
(c) a production CSV of about 1 GB (the demo's columns) opened in the Setup page, which reads it in a worker,
    and then run: the audit's load stage, cancelled once the data is read (the audit of 8 million rows
    itself is the large-data engine's business; the cancel and its clean-up are measured too).

A QTimer ticks every 10 ms in the GUI thread (a precise timer); the stall is the largest gap between two
ticks less the 10 ms interval, and where it happened (the last progress message). Offscreen, as the
tests run. The load average before and after each scenario is recorded: on a busy 2-core machine
every figure grows.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/ui_stall.py [--csv-gb 1.0] [--no-csv]

Writes bench/results/ui_stall.md and ui_stall.json (--name another name; --busy N runs N CPU-bound processes
alongside, for a loaded machine).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RESULTS = Path(__file__).resolve().parent / "results"
INTERVAL_MS = 10
LONG_GAP_S = 0.06
TARGET_MS = 100


class StallMeter:
    """Largest gap between ticks of a GUI-thread timer, with the label current when it happened."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self.label = self.previous_label = ""
        self.reset()

        import gc

        self._gc_began = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        """Python's cyclic collections (app/garbage.py runs them in the GUI thread): the longest, as a cause."""
        if phase == "start":
            self._gc_began = time.perf_counter()
        elif self._gc_began:
            took = time.perf_counter() - self._gc_began
            if took > self.gc_worst[0]:
                self.gc_worst = (took, info.get("generation", -1))

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.worst, self.where, self.ticks = 0.0, "", 0
        self.gaps: list[float] = []
        self.long_gaps: list[tuple] = []
        self.started = self.last
        self.gc_worst = (0.0, -1)
        self.previous_label = self.label

    def start(self) -> None:
        self.reset()
        self.timer.start()

    def stop(self) -> dict:
        self._tick()
        self.timer.stop()
        gaps = sorted(self.gaps)
        p99 = gaps[int(0.99 * (len(gaps) - 1))] if gaps else 0.0
        return {"stall_ms": round(max(self.worst * 1000 - INTERVAL_MS, 0.0), 1), "where": self.where,
                "ticks": self.ticks, "p99_gap_ms": round(p99 * 1000, 1),
                "longest_gc_ms": round(self.gc_worst[0] * 1000, 1), "longest_gc_generation": self.gc_worst[1],
                "long_gaps": self.long_gaps}

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self.last
        self.gaps.append(gap)
        if gap > LONG_GAP_S:  # every long gap, for the record: when, and what was going on
            began = self.previous_label
            self.long_gaps.append((round(now - self.started, 2), round(gap * 1000 - INTERVAL_MS, 1),
                                   began if began == self.label else f"{began} -> {self.label}"))
        if gap > self.worst:  # the label when the gap began, and the one it ended with
            began = self.previous_label
            self.worst, self.where = gap, began if began == self.label else f"{began} -> {self.label}"
        self.last, self.previous_label = now, self.label
        self.ticks += 1


def wait_for(signal, timeout_s: float, app) -> tuple:
    """Run the event loop until `signal` fires; return its arguments."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    got: list[tuple] = []

    def done(*args):
        got.append(args)
        loop.quit()

    signal.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(done)
    if not got:
        raise TimeoutError(f"nothing after {timeout_s:.0f} s")
    return got[0]


def settle(app, seconds: float) -> None:
    """Let the event loop run (pages finish drawing, timers fire)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def write_big_csv(source: Path, target: Path, gigabytes: float) -> tuple[int, int]:
    """The demo's production rows repeated into a CSV of about `gigabytes`; returns (rows, bytes)."""
    import pandas as pd

    frame = pd.read_parquet(source)
    block = frame.to_csv(index=False).encode("utf-8")
    header, body = block.split(b"\n", 1)
    wanted = int(gigabytes * 1e9)
    rows = 0
    with open(target, "wb") as out:
        out.write(header + b"\n")
        while out.tell() < wanted:
            out.write(body)
            rows += len(frame)
    return rows, target.stat().st_size


def scenario(name: str, results: dict, run) -> None:
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    figures = run()
    figures |= {"seconds": round(time.perf_counter() - began, 1), "load_before": round(load_before, 2),
                "load_after": round(os.getloadavg()[0], 2)}
    figures["met"] = figures["stall_ms"] <= TARGET_MS
    results[name] = figures
    print(f"{name}: longest stall {figures['stall_ms']} ms ({figures['where']}), p99 {figures['p99_gap_ms']} ms, "
          f"longest GC {figures['longest_gc_ms']} ms (gen {figures['longest_gc_generation']}), {figures['seconds']} s, "
          f"load {figures['load_before']} -> {figures['load_after']}", flush=True)
    for at, ms, where in figures["long_gaps"]:
        print(f"    at {at:6.2f} s: {ms:6.1f} ms  {where}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv-gb", type=float, default=1.0)
    parser.add_argument("--no-csv", action="store_true")
    parser.add_argument("--busy", type=int, default=0,
                        help="also keep this many CPU-bound processes running throughout (a loaded machine)")
    parser.add_argument("--name", default="ui_stall", help="results file name (default ui_stall)")
    args = parser.parse_args()
    import subprocess

    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]

    folder = Path(tempfile.mkdtemp(prefix="assay-ui-stall-"))
    os.environ.setdefault("ASSAY_SETTINGS_DIR", str(folder / "settings"))
    from PySide6.QtWidgets import QApplication

    from assay.app import garbage
    from assay.app.main_window import MainWindow
    from assay.app.settings import AppSettings
    from assay.engine.demo import write_demo

    app = QApplication.instance() or QApplication(sys.argv)
    garbage.install(app)  # as app/main.py does: cyclic GC in the GUI thread
    audit = write_demo(folder / "demo")
    window = MainWindow(AppSettings())
    window.resize(1400, 900)
    meter = StallMeter()
    window.session.audit_progressed.connect(lambda event: setattr(meter, "label", f"{event.stage}: {event.message}"))
    results: dict[str, dict] = {}
    turn = window.steps._turn  # which page was being built or filled when a stall happened

    def labelled_turn() -> None:
        keys = window.steps.keys()
        meter.label = f"pages: {keys[0]}" if keys else "pages"
        turn()
        meter.label = f"pages: after {keys[0]}" if keys else "pages"

    window.steps._turn = labelled_turn
    progress = window.report_page._on_progress

    def labelled_progress(generation, event) -> None:
        meter.label = f"PDF export: {getattr(event, 'message', event)}"
        progress(generation, event)

    window.report_page._on_progress = labelled_progress

    def start_up() -> dict:
        """From the window's first paint (before it, nothing is on screen to freeze) until the pages are ready."""
        shown = time.perf_counter()
        window.show()
        while not window._painted:
            app.processEvents()
        first_paint_ms = round((time.perf_counter() - shown) * 1000)
        meter.start()
        meter.label = "start-up: after the first paint"
        end = time.perf_counter() + 120
        while not window.is_warmed_up() and time.perf_counter() < end:  # the pages have built their plots
            app.processEvents()
            time.sleep(0.002)
        settle(app, 0.5)
        return meter.stop() | {"first_paint_ms": first_paint_ms}

    def run_demo() -> dict:
        assert window.open_audit(audit)
        settle(app, 2.0)  # the Setup page reads the tables
        meter.start()
        meter.label = "Run pressed"
        window.run_action.trigger()
        wait_for(window.session.audit_finished, 600, app)
        meter.label = "showing the results"
        while window.result_pages_pending():  # every page has shown the report
            app.processEvents()
            time.sleep(0.002)
        settle(app, 1.0)
        return meter.stop()

    def export_pdf() -> dict:
        page = window.report_page
        meter.start()
        meter.label = "PDF export"
        target = folder / "report.pdf"
        assert page.export_pdf(target)
        wait_for(page.export_finished, 600, app)
        settle(app, 0.5)
        figures = meter.stop()
        figures["pdf_bytes"] = target.stat().st_size
        return figures

    scenario("start-up, from the first paint until the pages are ready", results, start_up)
    scenario("demo audit", results, run_demo)
    scenario("PDF export", results, export_pdf)

    if not args.no_csv:
        big = folder / "production.csv"
        rows, size = write_big_csv(audit.parent / "production.parquet", big, args.csv_gb)
        print(f"wrote {big} ({size / 1e9:.2f} GB, {rows:,} rows)", flush=True)
        from assay.engine.config import AuditConfig

        config = AuditConfig.from_toml(audit).replace("data", production=big)
        big_audit = folder / "demo" / "big.toml"
        config.to_toml(big_audit)

        def open_big() -> dict:
            setup = window.setup_page
            read = setup._on_read

            def labelled_read(result) -> None:
                meter.label = "Setup: showing the columns read"
                read(result)
                meter.label = "Setup: columns shown"

            setup._on_read = labelled_read
            meter.start()
            meter.label = "opening the audit with the 1 GB CSV (Setup reads it)"
            assert window.open_audit(big_audit)
            wait_for(window.setup_page.columns_updated, 900, app)
            settle(app, 1.0)
            figures = meter.stop()
            figures |= {"csv_bytes": size, "csv_rows": rows}
            return figures

        def load_big() -> dict:
            meter.start()
            meter.label = "Run pressed (1 GB CSV)"
            reached: list[bool] = []
            stages = window.session.audit_progressed

            def at_stage(event):
                if event.stage not in ("load",) and not reached:
                    reached.append(True)
                    meter.label = "cancel after the load stage"
                    window.cancel_audit()

            stages.connect(at_stage)
            window.run_action.trigger()
            wait_for(window.session.audit_cancelled, 1800, app)
            stages.disconnect(at_stage)
            from PySide6.QtCore import QThreadPool

            while QThreadPool.globalInstance().activeThreadCount():  # the cancelled worker winds down
                app.processEvents()
                time.sleep(0.002)
            settle(app, 0.5)
            return meter.stop()

        scenario("1 GB CSV opened in Setup", results, open_big)
        scenario("1 GB CSV: audit load stage, then cancel", results, load_big)

    window.session.shutdown()
    for hog in hogs:
        hog.kill()
    write_results(results, args.name, args.busy)
    return 0 if all(r["met"] for r in results.values()) else 1


def write_results(results: dict, name: str = "ui_stall", busy: int = 0) -> None:
    RESULTS.mkdir(exist_ok=True)
    meta = {"python": platform.python_version(), "platform": platform.platform(terse=True),
            "cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "busy": busy}
    (RESULTS / f"{name}.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    command = "QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/ui_stall.py" + (f" --busy {busy}" if busy else "")
    lines = [
        "# Event-loop stalls in the app" + (f", with {busy} CPU-bound processes running alongside" if busy else ""),
        "",
        f"`{command}` (issue #9, item 6; target: the longest stall {TARGET_MS} ms or less). A {INTERVAL_MS} ms "
        "GUI-thread timer; stall = the largest gap between its ticks less the interval. Run on "
        f"{meta['platform']}, Python {meta['python']}, {meta['cpus']} CPUs, {meta['when']}; the machine is shared, "
        "so the load average (1 min) before and after each scenario is given.",
        "",
        "| scenario | longest stall | where | 99th percentile gap | time | load before / after | target met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for scenario_name, r in results.items():
        lines.append(f"| {scenario_name} | {r['stall_ms']} ms | {r['where']} | {r['p99_gap_ms']} ms | {r['seconds']} s | "
                     f"{r['load_before']} / {r['load_after']} | {'yes' if r['met'] else 'no'} |")
    lines += ["", f"Every gap over {LONG_GAP_S * 1000:.0f} ms (seconds into the scenario; the stall, which is the gap less "
              f"the {INTERVAL_MS} ms interval; what was going on):", ""]
    for scenario_name, r in results.items():
        gaps = "; ".join(f"{at} s: {ms} ms ({where})" for at, ms, where in r["long_gaps"]) or "none"
        lines.append(f"- {scenario_name}: {gaps}")
    first_paint = next((r["first_paint_ms"] for r in results.values() if "first_paint_ms" in r), None)
    if first_paint is not None:
        lines += ["", f"Start-up: from `window.show()` to the window's first paint, {first_paint} ms (nothing is on "
                  "screen before it, so the start-up row counts from that paint)."]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
