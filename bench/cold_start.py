"""Cold start of the desktop app to its first painted window, in fresh interpreters.

Each run starts a new Python process that does what `assay gui` does (app.main: the platform
check, QApplication, fonts, style, MainWindow, show) and notes the window's first paint event,
then the first paint of the Setup page (built right after the first paint: it needs pandas). The time is measured from just before the process is spawned, so it includes the
interpreter's start and every import. Prints each run and the median. Not a test.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/cold_start.py [--runs 7] [--budget 2.0] [--audit AUDIT.toml]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
from assay.app.main import create_application, create_window
from assay.app.platform_check import startup_problem

problem = startup_problem()
if problem:
    print(problem, file=sys.stderr)
    sys.exit(2)
app = create_application()

from PySide6.QtCore import QEvent, QObject, QTimer


class FirstPaint(QObject):
    def __init__(self, window):
        super().__init__()
        self.window = window

        self.painted = False

    def eventFilter(self, obj, event):
        if event.type() != QEvent.Type.Paint or obj is None or not obj.isWidgetType() or obj.window() is not self.window:
            return False
        if not self.painted:
            self.painted = True
            print(f"PAINTED {time.time():.6f}", flush=True)
            ticker.start(20)
            heavy = sorted(m for m in ("pandas", "sklearn", "shap", "scipy", "matplotlib", "pyqtgraph") if m in sys.modules)
            print("LOADED " + ",".join(heavy), flush=True)
        page = self.window._setup_page
        if page is not None and (obj is page or page.isAncestorOf(obj)):
            print(f"READY {time.time():.6f}", flush=True)  # the Setup page itself has painted
            gaps = [b - a for a, b in zip(ticks, ticks[1:])]
            print(f"STALL {max(gaps, default=0.0):.6f}", flush=True)  # longest the event loop stood still
            app.removeEventFilter(self)
            QTimer.singleShot(0, app.quit)
        return False


ticks = []
ticker = QTimer()
ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))
window = create_window()
watcher = FirstPaint(window)
app.installEventFilter(watcher)
window.show()
if len(sys.argv) > 1:  # as main() does for `assay gui AUDIT.toml`
    from pathlib import Path
    window.call_when_ready(lambda: window.open_audit(Path(sys.argv[1])))
QTimer.singleShot(30_000, app.quit)
app.exec()
window.session.shutdown()
"""


def one_run(audit: Path | None, settings_dir: Path) -> tuple[float, float, float, str]:
    """Seconds to the first paint and to the Setup page's first paint, the longest event-loop stall
    between them, and the heavy modules loaded at the first paint."""
    env = dict(os.environ, ASSAY_SETTINGS_DIR=str(settings_dir), ASSAY_STATE_DIR=str(settings_dir / "state"))
    args = [sys.executable, "-c", CHILD] + ([str(audit)] if audit else [])
    start = time.time()
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in result.stdout.splitlines() if " " in line}
    if "PAINTED" not in lines or "READY" not in lines:
        raise SystemExit(f"the app did not paint (exit {result.returncode}):\n{result.stderr.strip()}")
    return (float(lines["PAINTED"]) - start, float(lines["READY"]) - start, float(lines.get("STALL", "nan")),
            lines.get("LOADED", ""))


def bundle_run(executable: Path, settings_dir: Path) -> float:
    """Seconds from spawning an installed `assay` (a bundle) to its window being ready (painted, Setup built)."""
    env = dict(os.environ, ASSAY_SETTINGS_DIR=str(settings_dir), ASSAY_STATE_DIR=str(settings_dir / "state"),
               ASSAY_STARTUP_PROBE="1")
    start = time.time()
    result = subprocess.run([str(executable), "gui"], env=env, capture_output=True, text=True, timeout=120)
    ready = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("READY ")]
    if not ready:
        raise SystemExit(f"{executable} did not open its window (exit {result.returncode}):\n{result.stderr.strip()}")
    return float(ready[0]) - start


def write_bundle_result(executable: Path, line: str) -> None:
    """bench/results/cold_start_bundle.md: the figure, the bundle's size on disk, and the conditions."""
    import platform

    folder = executable.resolve().parent
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "cold_start_bundle.md").write_text(
        f"# Cold start of the bundle\n\n{line}\n\nBundle folder {folder.name}/: {size / 2**20:.0f} MiB in "
        f"{sum(1 for f in folder.rglob('*') if f.is_file())} files. Qt platform "
        f"{os.environ.get('QT_QPA_PLATFORM', '(default)')}; {platform.platform(terse=True)}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end.\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds; exit 1 when the median is above")
    parser.add_argument("--audit", type=Path, help="also open this audit file right after the first paint")
    parser.add_argument("--bundle", type=Path, help="time this executable (e.g. dist/assay/assay) to a ready window")
    args = parser.parse_args()
    import tempfile

    if args.bundle:
        with tempfile.TemporaryDirectory() as folder:
            bundle_run(args.bundle, Path(folder))  # warm the file cache
            times = [bundle_run(args.bundle, Path(folder)) for _ in range(args.runs)]
        median = statistics.median(times)
        line = (f"{args.bundle}: window ready (painted, Setup page built) median {median:.3f} s over {len(times)} "
                f"runs (min {min(times):.3f}, max {max(times):.3f}; budget {args.budget:.1f} s)")
        print(line)
        write_bundle_result(args.bundle, line)
        return 0 if median <= args.budget else 1

    times, ready, stalls = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        one_run(args.audit, Path(folder))  # warm the OS file cache: we measure Python, not the disk
        for i in range(args.runs):
            seconds, setup, stall, loaded = one_run(args.audit, Path(folder))
            times.append(seconds)
            ready.append(setup)
            stalls.append(stall)
            print(f"run {i + 1}: first paint {seconds:.3f} s, Setup page painted {setup:.3f} s, longest stall "
                  f"in between {stall:.3f} s (heavy modules at first paint: {loaded or 'none'})")
    median = statistics.median(times)
    print(f"Setup page (pandas, engine) painted: median {statistics.median(ready):.3f} s; "
          f"longest event-loop stall while it loads: median {statistics.median(stalls):.3f} s")
    print(f"cold start to first paint: median {median:.3f} s over {len(times)} runs "
          f"(min {min(times):.3f}, max {max(times):.3f}; budget {args.budget:.1f} s)")
    return 0 if median <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
