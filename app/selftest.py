"""`assay --selftest`: prove that an installed Assay works, end to end, on this machine.

Opens the main window (offscreen unless QT_QPA_PLATFORM says otherwise), writes the demo audit
to a temporary folder (or `--selftest-dir DIR`, which keeps it), runs it through the same session
and worker the app uses, shows every page, writes the JSON and the PDF report and checks them
(the version they name too), then explains a non-tree model with shap's PermutationExplainer (numba
compiles its loops: llvmlite must load). Prints one line per check; exit 0 when all pass, 1 when
one fails (the line says which), 2 when no window can be opened or DIR cannot be written.

Used on the PyInstaller bundle and on a plain `pip install .` by `make bundle-check`.
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from assay.app.history import DATA_DIR_ENV

TIMEOUT_S = 900  # the demo audit takes seconds; a slow CI machine under load gets generous room
EXIT_OK, EXIT_FAILED, EXIT_NO_DISPLAY = 0, 1, 2


class SelftestFailure(Exception):
    pass


def run_selftest(keep: Path | None = None) -> int:
    """Run every check; `keep` names a folder to leave the outputs in (else a temporary one)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="assay-selftest-") as tmp:
        folder = Path(keep) if keep else Path(tmp)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"assay: error: --selftest-dir {folder}: {exc.strerror or exc}; choose a writable folder",
                  file=sys.stderr)
            return EXIT_NO_DISPLAY
        os.environ.setdefault("ASSAY_SETTINGS_DIR", str(folder / "settings"))  # never touch the user's settings
        os.environ.setdefault("ASSAY_STATE_DIR", str(folder / "state"))  # nor their autosave
        os.environ.setdefault(DATA_DIR_ENV, str(folder / "data"))  # nor their audit history
        from assay.app.platform_check import startup_problem

        problem = startup_problem()
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_NO_DISPLAY
        checks = _Checks()
        try:
            _run(folder, checks)
        except SelftestFailure as exc:
            print(f"FAIL  {exc}", file=sys.stderr)
            return EXIT_FAILED
        except Exception as exc:  # noqa: BLE001 - a selftest reports everything, then fails
            traceback.print_exc()
            print(f"FAIL  unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"selftest passed: {checks.count} checks in {time.perf_counter() - checks.started:.1f} s "
              f"(Qt platform: {os.environ.get('QT_QPA_PLATFORM')})" + (f"; outputs in {folder}" if keep else ""))
        return EXIT_OK


class _Checks:
    def __init__(self) -> None:
        self.count = 0
        self.started = time.perf_counter()

    def ok(self, condition: bool, what: str, detail: str = "") -> None:
        if not condition:
            raise SelftestFailure(f"{what}{': ' + detail if detail else ''}")
        self.count += 1
        print(f"ok    {what}{' (' + detail + ')' if detail else ''}", flush=True)


def _run(folder: Path, checks: _Checks) -> None:
    from PySide6.QtGui import QGuiApplication

    from assay.app.main import create_application, create_window
    from assay.engine.cli import version
    from assay.engine.demo import write_demo

    app = create_application()
    checks.ok(True, "Qt application", f"platform {QGuiApplication.platformName()}, version {version()}")
    window = create_window()
    window.resize(1400, 900)
    window.show()
    audit_file = write_demo(folder / "demo")
    checks.ok(audit_file.is_file(), "demo audit written", str(audit_file))

    outcome: dict[str, object] = {}
    window.session.audit_finished.connect(lambda report: outcome.setdefault("report", report))
    window.session.audit_failed.connect(lambda error: outcome.setdefault("error", error))
    window.call_when_ready(lambda: window.open_audit(audit_file, run=True, confirm=False))
    _wait(app, lambda: bool(outcome), TIMEOUT_S, "the demo audit")
    if "error" in outcome:
        raise SelftestFailure(f"the demo audit failed: {outcome['error']}")
    report = outcome["report"]
    # The demo has no challenger and labels in every chunk, so the comparison and the estimate are skipped, with
    # their reasons; an analysis that failed, or one skipped without saying why, is a broken build.
    broken = [a.name for a in report.analyses if a.status == "failed" or (a.status == "skipped" and not a.reason)]
    ran = [a.name for a in report.analyses if a.status == "ran"]
    checks.ok(not broken and bool(ran), "every analysis ran or said why not",
              f"ran: {', '.join(ran)}; skipped: "
              + (", ".join(a.name for a in report.analyses if a.status == "skipped") or "none"))
    from assay.engine.compiled import cached_kernels

    cached = cached_kernels()  # (the audit ran the quality's and the drift's kernels)
    checks.ok(all(cached.values()), "compiled kernels kept on disk (compiled once, not in every run)",
              "; ".join(f"{module.rsplit('.', 2)[-2]}: {', '.join(names) or 'none'}" for module, names in cached.items()))
    _wait(app, lambda: window.current_page() == "overview", 10, "the overview page")

    for page in window.page_keys:
        window.go_to(page)
        app.processEvents()
        image = window.grab().toImage()
        checks.ok(_has_content(image), f"page {page!r} draws", f"{image.width()}x{image.height()}")
    shot = folder / "window.png"
    window.go_to("overview")
    app.processEvents()
    window.grab().save(str(shot))

    json_path = folder / "report.json"
    report.write_json(json_path)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    checks.ok(data.get("verdict") == report.verdict and data.get("schema_version") == report.schema_version,
              "JSON report written and read back", f"verdict {data.get('verdict')}, {json_path.stat().st_size} bytes")
    hashes = {i["role"]: i["sha256"] for i in data["provenance"]["inputs"]}
    checks.ok(len(hashes) == 3 and all(len(h) == 64 for h in hashes.values()), "inputs hashed",
              ", ".join(sorted(hashes)))

    from assay.engine.report import build_pdf

    pdf_path = folder / "report.pdf"
    build_pdf(report, pdf_path)
    head = pdf_path.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", head))
    checks.ok(head.startswith(b"%PDF-") and head.rstrip().endswith(b"%%EOF") and pages >= 3,
              "PDF report written", f"{pages} pages, {len(head)} bytes")
    checks.ok(data["provenance"]["versions"].get("assay") == version()
              and f"/Creator (Assay {version()})".encode() in head,
              "the JSON and the PDF name this version", version())
    window.close()
    window.session.shutdown()
    app.processEvents()
    _check_model_agnostic_explanations(checks)


def _check_model_agnostic_explanations(checks: _Checks) -> None:
    """The demo's tree model takes shap's TreeExplainer; any other model takes the PermutationExplainer,
    whose inner loops numba compiles on first use (llvmlite: the piece a bundle most easily breaks)."""
    import numpy as np
    import pandas as pd
    from sklearn.neighbors import KNeighborsClassifier

    from assay.engine.explain.explainers import build_explainer

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"income": rng.normal(50, 10, 80), "region": rng.choice(["north", "south"], 80)})
    labels = ((frame["income"] > 50) ^ (frame["region"] == "south")).astype(int)
    model = KNeighborsClassifier(5).fit(frame.assign(region=frame["region"].eq("south").astype(int)), labels)

    class Encoded:  # the audit passes models the input columns as they are in the files
        classes_ = model.classes_

        def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
            return model.predict_proba(x.assign(region=pd.Series(x["region"]).eq("south").astype(int)))

        def predict(self, x: pd.DataFrame) -> np.ndarray:
            return self.predict_proba(x).argmax(axis=1)

    started = time.perf_counter()
    explainer = build_explainer(Encoded(), ["income", "region"], frame.head(20), "auto", "binary", 1)
    rows = frame.tail(8).reset_index(drop=True)
    values, outputs = explainer.explain(rows)
    expected = Encoded().predict_proba(rows)[:, 1]
    checks.ok(explainer.method == "permutation" and np.allclose(outputs, expected, atol=1e-6)
              and np.isfinite(values).all(),
              "model-agnostic explanations add up to the model's output",
              f"shap PermutationExplainer with numba, {time.perf_counter() - started:.1f} s")


def _wait(app, done: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise SelftestFailure(f"{what} did not finish within {timeout_s:.0f} s")
        app.processEvents()
        time.sleep(0.01)


def _has_content(image) -> bool:
    """More than one colour on a coarse grid: the page drew something, not a blank rectangle."""
    if image.isNull() or image.width() < 100 or image.height() < 100:
        return False
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    return len(colours) > 3
