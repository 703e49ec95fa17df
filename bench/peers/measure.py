"""Tiny stdlib-only helpers shared by the benchmark workers and the peer scripts (any venv).

Peak memory: Linux keeps the high-water mark of the resident set (VmHWM); writing "5" to
/proc/self/clear_refs resets it, so the peak of one phase can be read after the data is loaded.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _status(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def rss() -> int | None:
    return _status("VmRSS")


def peak() -> int | None:
    return _status("VmHWM")


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Phase:
    """Times a block and records the resident set before it and its peak during it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.rss_before = None
        self.peak = None
        self.peak_reset = False

    def __enter__(self) -> "Phase":
        self.rss_before = rss()
        self.peak_reset = reset_peak()
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start
        self.peak = peak() if self.peak_reset else None

    def as_dict(self) -> dict:
        return dict(seconds=self.seconds, rss_before=self.rss_before, peak=self.peak)


def write_result(path: str, result: dict) -> None:
    result.setdefault("python", sys.version.split()[0])
    result.setdefault("loadavg", os.getloadavg())
    Path(path).write_text(json.dumps(result, indent=1, default=float))


def read_parquet_pair(reference: str, production: str):
    import pandas as pd

    return pd.read_parquet(reference), pd.read_parquet(production)
