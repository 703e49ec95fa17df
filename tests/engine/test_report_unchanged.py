"""The demo audit's JSON report is a contract: restructuring the engine (the analysis registry, the metric
registry, the split modules) must not change it. tests/data/golden/demo_report.json is the demo's report as
written by the code before the registry (commit 3b9a406) — less two notes that were false, taken out on purpose
by issue #16 (commit 0081ebe: the demo's labels are numbers, not text) — with what legitimately differs between two runs
taken out: the run times, the integrity digests (they hash the times and paths), the library versions, the
folder the demo was written to, and the model file's SHA-256 (skops writes a fresh zip each time).

To accept an intended change to the report, regenerate the file with
`python tests/engine/test_report_unchanged.py OUT.json` and say why in the commit.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden" / "demo_report.json"
TIMES = ("started_at", "finished_at", "duration_s", "versions")


def normalised(report: dict, folder: Path) -> dict:
    """The report without what differs between two runs of the same audit (see the module's docstring)."""
    text = json.dumps(report, ensure_ascii=False).replace(json.dumps(str(folder))[1:-1], "DEMO")
    out = json.loads(text)
    out.pop("integrity", None)
    for key in TIMES:
        out["provenance"].pop(key, None)
    for entry in out["provenance"]["inputs"]:
        if entry["role"] == "model":
            entry.pop("sha256")
    if out["provenance"].get("model"):
        out["provenance"]["model"].pop("sha256", None)
    if out["provenance"].get("compute"):
        out["provenance"]["compute"].pop("seconds", None)
    return out


def differences(expected, actual, path: str = "") -> list[str]:
    """Every place where `actual` differs from `expected`; floats within 1e-9 (relative) are equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = [f"{path}/{k}: missing" for k in expected if k not in actual]
        found += [f"{path}/{k}: not in the golden report" for k in actual if k not in expected]
        for key in expected.keys() & actual.keys():
            found += differences(expected[key], actual[key], f"{path}/{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(actual)} items, golden {len(expected)}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{path}[{i}]")]
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return [] if math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12) else [f"{path}: {actual} != {expected}"]
    return [] if expected == actual and type(expected) is type(actual) else [f"{path}: {actual!r} != {expected!r}"]


def demo_json(folder: Path) -> dict:
    from assay.engine.config import AuditConfig
    from assay.engine.pipeline import run_audit

    return json.loads(run_audit(AuditConfig.from_toml(folder / "audit.toml")).to_json())


def test_the_demo_report_is_what_it_was_before_the_registry(demo_audit):
    folder = demo_audit.parent
    found = differences(json.loads(GOLDEN.read_text(encoding="utf-8")), normalised(demo_json(folder), folder))
    assert not found, f"{len(found)} differences, the first: " + "; ".join(found[:10])


def test_the_comparison_sees_a_changed_number_and_a_new_key():
    golden = {"a": [1.0, {"b": "x"}], "c": 0.1}
    assert differences(golden, {"a": [1.0, {"b": "x"}], "c": 0.1 + 1e-14}) == []
    assert differences(golden, {"a": [1.0, {"b": "y"}], "c": 0.1}) == ["/a[1]/b: 'y' != 'x'"]
    assert sorted(differences(golden, {"a": [1.0, {"b": "x"}], "c": 0.2, "d": 1})) == [
        "/c: 0.2 != 0.1", "/d: not in the golden report"]


if __name__ == "__main__":  # regenerate: python tests/engine/test_report_unchanged.py OUT.json
    import tempfile

    from assay.engine.demo import write_demo

    with tempfile.TemporaryDirectory() as tmp:
        audit = write_demo(Path(tmp) / "demo")
        Path(sys.argv[1]).write_text(json.dumps(normalised(demo_json(audit.parent), audit.parent), indent=1,
                                                ensure_ascii=False) + "\n", encoding="utf-8")
