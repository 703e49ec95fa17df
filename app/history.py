"""The app's audit history: every report the app runs, kept in SQLite (the standard library's sqlite3) in the
user data folder — platformdirs' user_data_dir, or $ASSAY_DATA_DIR, which tests point at a temporary folder.

One row per run: the audit it belongs to (its file, resolved; or its title when it has no file), the report id,
when it finished, its verdict, its failed and warning counts (waived findings not counted), its headline metrics
(performance in production) with their intervals (a column added later: older rows have none), and the whole JSON
report, compressed, so that any two runs can be compared (engine/review/diff.py). No Qt here.
"""
from __future__ import annotations

import json
import os
import sqlite3
import zlib
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.engine.findings import count_graded

DATA_DIR_ENV = "ASSAY_DATA_DIR"
FILE_NAME = "history.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    audit TEXT NOT NULL,
    title TEXT NOT NULL,
    report_id TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    verdict TEXT NOT NULL,
    failed INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    report BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_audit ON runs (audit, finished_at);
"""
ADDED_COLUMNS = {"intervals": "TEXT NOT NULL DEFAULT '{}'"}  # a history written before them gains them on opening


def data_dir() -> Path:
    """Where Assay keeps its data: $ASSAY_DATA_DIR, else the platform's user data folder."""
    folder = os.environ.get(DATA_DIR_ENV)
    if folder:
        return Path(folder)
    import platformdirs

    return Path(platformdirs.user_data_dir("Assay", appauthor=False))


@dataclass(frozen=True)
class Run:
    id: int
    audit: str
    title: str
    report_id: str
    finished_at: str
    verdict: str
    failed: int
    warnings: int
    metrics: dict[str, float]
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # by metric: (low, high), where stored


def audit_key(audit_file: Path | None, title: str) -> str:
    """The runs of one audit: its file, resolved; an audit without a file by its title."""
    return str(Path(audit_file).resolve()) if audit_file is not None else f"title:{title}"


class History:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / FILE_NAME

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10)
        connection.executescript(SCHEMA)
        present = {row[1] for row in connection.execute("PRAGMA table_info(runs)")}
        for name, kind in ADDED_COLUMNS.items():
            if name not in present:
                connection.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
        return connection

    def record(self, data: dict[str, Any], audit_file: Path | None) -> Run:
        """Keep one run: `data` is the JSON report (AuditReport.to_dict())."""
        counts = count_graded((f["severity"], f.get("status", "open")) for f in data.get("findings") or [])
        metrics = headline_metrics(data)
        intervals = headline_intervals(data)
        title = str(data.get("title") or "")
        row = (audit_key(audit_file, title), title, data["integrity"]["results_sha256"],
               str(data["provenance"].get("finished_at") or ""), str(data["verdict"]),
               counts.failed, counts.warnings,
               json.dumps(metrics), zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8")),
               json.dumps(intervals))
        with closing(self._connect()) as connection, connection:
            cursor = connection.execute(
                "INSERT INTO runs (audit, title, report_id, finished_at, verdict, failed, warnings, metrics, report, "
                "intervals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            run_id = int(cursor.lastrowid)
        return Run(id=run_id, audit=row[0], title=title, report_id=row[2], finished_at=row[3], verdict=row[4],
                   failed=row[5], warnings=row[6], metrics=metrics, intervals=_pairs(intervals))

    def runs(self, audit: str) -> list[Run]:
        """The runs of one audit, oldest first."""
        if not self.path.is_file():
            return []
        with closing(self._connect()) as connection:
            rows = connection.execute(
                "SELECT id, audit, title, report_id, finished_at, verdict, failed, warnings, metrics, intervals FROM runs "
                "WHERE audit = ? ORDER BY finished_at, id", (audit,)).fetchall()
        return [Run(id=r[0], audit=r[1], title=r[2], report_id=r[3], finished_at=r[4], verdict=r[5], failed=r[6],
                    warnings=r[7], metrics=json.loads(r[8]),
                    intervals=_pairs(json.loads(r[9]))) for r in rows]

    def report(self, run_id: int) -> dict[str, Any]:
        """The JSON report of one run."""
        with closing(self._connect()) as connection:
            row = connection.execute("SELECT report FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return json.loads(zlib.decompress(row[0]).decode("utf-8"))


def headline_metrics(data: dict[str, Any]) -> dict[str, float]:
    """The production metrics of the performance analysis, by name (those with a value)."""
    return {name: m["value"] for name, m in _production_metrics(data).items() if m.get("value") is not None}


def headline_intervals(data: dict[str, Any]) -> dict[str, list[float]]:
    """The intervals of those metrics, by name: [ci_low, ci_high] (those with both ends)."""
    return {name: [m["ci_low"], m["ci_high"]] for name, m in _production_metrics(data).items()
            if m.get("value") is not None and m.get("ci_low") is not None and m.get("ci_high") is not None}


def _pairs(intervals: dict[str, list[float]]) -> dict[str, tuple[float, float]]:
    return {name: (float(low), float(high)) for name, (low, high) in intervals.items()}


def _production_metrics(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    performance = data.get("performance") or {}
    metrics = (performance.get("production") or {}).get("metrics") or {}
    return {name: m for name, m in metrics.items() if isinstance(m, dict)}
