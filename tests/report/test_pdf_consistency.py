"""Consistency: the PDF's numbers are the JSON report's. The text pdftotext extracts from the demo's PDF is checked
against the JSON written from the same AuditReport, formatted as engine.report.formats formats them."""
from __future__ import annotations

import json
import re

import pytest

from assay.engine.report import formats as F
from assay.engine.report import report_id
from tests.report import pdf_tools


@pytest.fixture(scope="module")
def results(demo_report, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("json") / "report.json"
    demo_report.write_json(path)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def text(demo_pdf) -> str:
    return pdf_tools.flat(pdf_tools.text(demo_pdf))


@pytest.fixture(scope="module")
def lines(demo_pdf) -> list[str]:
    # pdftotext's layout mode drops the thin spaces around a slash ("1 / 1" reads "1/1"): drop them everywhere
    return [pdf_tools.flat(line).replace(" / ", "/") for line in pdf_tools.text(demo_pdf, layout=True).splitlines()]


def row(lines: list[str], first: str, *cells: str) -> str:
    """The line of a table row that starts with `first` and holds `cells` in this order."""
    pattern = re.compile(r"^" + re.escape(first) + r"\b" + "".join(r".*?(?<!\S)" + re.escape(c) + r"(?!\S)"
                                                                    for c in cells))
    found = [line for line in lines if pattern.search(line)]
    assert found, f"no row {first!r} with {cells}"
    return found[0]


def test_the_verdict_is_the_jsons(results, text, demo_report):
    assert results["verdict"] == demo_report.verdict == "fail"  # the demo plants failures
    assert "Verdict: FAIL" in text
    fails = sum(f["severity"] == "fail" for f in results["findings"])
    warns = sum(f["severity"] == "warn" for f in results["findings"])
    assert f"{fails} findings failed, {warns} warnings" in text
    for finding in results["findings"]:  # every finding's title, in the summary and its section
        assert pdf_tools.flat(finding["title"]) in text


def test_every_inputs_sha256_and_size_are_printed(results, text):
    inputs = results["provenance"]["inputs"]
    assert {i["role"] for i in inputs} == {"reference", "production", "model"}
    for item in inputs:
        assert re.fullmatch(r"[0-9a-f]{64}", item["sha256"])
        assert item["sha256"] in text
    for item in (i for i in inputs if i["role"] != "model"):
        assert f"Rows {F.count(item['rows'])} Columns {F.count(item['columns'])}" in text
        start, end = item["time_range"]
        assert f"Time range {start} to {end}" in text


def test_the_report_id_is_the_hash_of_the_json(results, text, demo_report, demo_pdf):
    identity = report_id(results)
    assert identity == report_id(demo_report)
    assert identity in text  # cover, scope and sign-off
    for page in pdf_tools.pages_text(demo_pdf):
        assert f"Report id {identity[:16]}" in page


def test_performance_values_with_intervals(results, lines, text, demo_report):
    performance = results["performance"]
    assert performance is not None
    for metric in demo_report.performance.metric_names:
        values = []
        for dataset in ("reference", "production"):
            m = performance[dataset]["metrics"][metric]
            values.append(f"{F.number(m['value'])} ({F.interval(m['ci_low'], m['ci_high'])})")
        change = performance["comparison"][metric]
        values.append(f"{F.signed(change['change'])} ({F.interval(change['ci_low'], change['ci_high'])})")
        for value in values:
            assert value in text, (metric, value)
    accuracy = performance["comparison"]["accuracy"]
    row(lines, "Accuracy", F.number(accuracy["reference"]), F.number(accuracy["production"]),
        F.signed(accuracy["change"]), f"{accuracy['allowed_drop']:g}", "fail")


def test_every_drift_row(results, lines):
    features = results["drift"]["features"]
    assert len(features) == 18
    for f in features:
        row(lines, f["feature"], f["role"], f["kind"], f["method"], F.number(f["statistic"]),
            F.p_value(f["p_value_adjusted"]), F.number(f["effect_size"]), F.number(f["threshold"]),
            "drifted" if f["drifted"] else "no")
    share = results["drift"]["share_drifted"]
    drifted = [f for f in features if f["role"] == "feature" and f["drifted"]]
    assert any(f"Drifted feature columns {len(drifted)} of 15 ({F.percent(share)})" in line for line in lines)


def test_fairness_disparities(results, text):
    for attribute, block in results["fairness"]["production"].items():
        for name, d in block["disparities"].items():
            if d["value"] is None:
                continue
            reference = results["fairness"]["reference"][attribute]["disparities"][name]
            assert (f"{F.label(name)} {F.number(reference['value'])} ({F.interval(reference['ci_low'], reference['ci_high'])})"
                    f" {F.number(d['value'])} ({F.interval(d['ci_low'], d['ci_high'])})") in text, (attribute, name)


def test_explanation_importance(results, lines):
    e = results["explanations"]
    for a in e["attribution_drift"]:
        row(lines, a["feature"], F.number(a["reference"]), F.number(a["production"]),
            f"{a['rank_reference']}/{a['rank_production']}", F.signed(a["change"]))
        assert a["reference"] == e["global_importance"]["reference"][a["feature"]]
