"""`assay verify REPORT.json`: recompute a JSON report's own SHA-256 and check its input files against disk.

Checks, in order: the report's results hash (integrity.results_sha256, the report id), its document hash
(integrity.document_sha256, which also covers the run times), then every input in provenance.inputs
(reference, production, model) and the review file (review.file, review.sha256) when the audit read one: found,
and its SHA-256 equal to the one recorded. Hashes are recomputed with
the definition in engine/integrity.py, never with one the file describes.

Where an input is looked for, first found wins: each `data_dirs` folder (the file's name, for inputs that were
moved), the recorded path (absolute; a relative one against the report's folder, then the current folder).
"""
from __future__ import annotations

import json
import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any

from assay.engine.errors import InputError
from assay.engine.integrity import ALGORITHM, INTEGRITY_KEY, document_sha256, results_sha256
from assay.engine.input_files import iter_sha256
from assay.engine.progress import ProgressEvent, drain

STAGE = "verify"
CHUNK = 1 << 20
PASSED, FAILED = "pass", "fail"


@dataclass(frozen=True)
class VerificationCheck:
    """One check: `name` ("results hash", "reference input", ...), `status` pass/fail, `outcome` a word
    (matches, differs, missing, unreadable, absent), `note` what it means or what to do, the `expected` and
    `found` digests, and the file's `path` (where it was found, or the path recorded when it was not)."""

    name: str
    status: str
    outcome: str
    note: str = ""
    expected: str | None = None
    found: str | None = None
    path: str | None = None

    @property
    def detail(self) -> str:
        """One line: the file, the digests that disagree, the note."""
        parts = [self.path] if self.path else []
        if self.status == PASSED:
            parts += [] if self.path else [self.found or ""]
        elif self.expected and self.found:
            parts.append(f"recorded {self.expected}, found {self.found}")
        if self.note:
            parts.append(self.note)
        return ": ".join(p for p in parts if p)


@dataclass(frozen=True)
class VerificationResult:
    report: str
    checks: tuple[VerificationCheck, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(check.status == PASSED for check in self.checks)

    @property
    def failed(self) -> tuple[VerificationCheck, ...]:
        return tuple(check for check in self.checks if check.status != PASSED)

    def to_dict(self) -> dict[str, Any]:
        return {"report": self.report, "passed": self.passed,
                "checks": [{"name": c.name, "status": c.status, "outcome": c.outcome, "detail": c.detail,
                            "note": c.note, "expected": c.expected, "found": c.found, "path": c.path}
                           for c in self.checks]}


def verify_report(path: str | Path, data_dirs: Sequence[str | Path] = (), cwd: str | Path | None = None
                  ) -> VerificationResult:
    """All checks without progress (see iter_verify)."""
    return drain(iter_verify(path, data_dirs, cwd))


def iter_verify(path: str | Path, data_dirs: Sequence[str | Path] = (), cwd: str | Path | None = None
                ) -> Generator[ProgressEvent, None, VerificationResult]:
    """Yields progress while hashing the inputs; returns the checks. A file that is not a readable JSON report
    raises InputError (the CLI's exit 2); a check that fails is a result, not an error."""
    path = Path(path)
    report = read_report(path)
    dirs = [Path(d) for d in data_dirs]
    for folder in dirs:
        if not folder.is_dir():
            raise InputError(f"--data-dir {folder}: not a folder; give the folder that holds the moved inputs.", folder)
    checks = list(hash_checks(report))
    inputs = [*report["provenance"]["inputs"], *review_input(report)]
    sizes = [_size(_locate(entry, path, dirs, cwd)) for entry in inputs]
    total = float(sum(sizes)) or 1.0
    done = 0
    yield ProgressEvent(STAGE, 0.0, "Checking the report's SHA-256")
    for entry, size in zip(inputs, sizes):
        name = _file_name(str(entry.get("path") or "")) or "?"
        start = done
        check = None
        steps = _input_check(entry, path, dirs, cwd)
        while check is None:
            try:
                read = next(steps)
                yield ProgressEvent(STAGE, min((start + read) / total, 1.0), f"Hashing {name}")
            except StopIteration as stop:
                check = stop.value
        checks.append(check)
        done += size
    yield ProgressEvent(STAGE, 1.0, "Checked")
    return VerificationResult(str(path), tuple(checks))


def read_report(path: Path) -> dict[str, Any]:
    """The JSON report as a dict, or InputError naming the file and what is wrong with it."""
    if not path.exists():
        raise InputError(f"{path}: not found; give the JSON report written by assay audit --json.", path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the JSON report file inside it.", path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}); check its permissions.", path) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text, so not a JSON report from assay audit --json.", path) from exc
    try:
        report = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); give the JSON report written by assay audit --json.",
                         path) from exc
    if not isinstance(report, dict) or "schema_version" not in report:
        raise InputError(f"{path}: valid JSON but not an Assay report (no schema_version); "
                         "give the file written by assay audit --json.", path)
    provenance = report.get("provenance")
    inputs = provenance.get("inputs") if isinstance(provenance, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(entry, dict) for entry in inputs):
        raise InputError(f"{path}: an Assay report without a readable provenance.inputs list; "
                         "give the file written by assay audit --json.", path)
    return report


def review_input(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The review file (waivers and sign-off) as one more input to check, when the audit read one."""
    review = report.get("review")
    if not isinstance(review, dict) or not review.get("file") or not review.get("sha256"):
        return []
    return [{"role": "review", "path": review["file"], "sha256": review["sha256"]}]


def hash_checks(report: dict[str, Any]) -> list[VerificationCheck]:
    """The report's own digests, recomputed and compared with its integrity block."""
    block = report.get(INTEGRITY_KEY)
    if not isinstance(block, dict):
        return [VerificationCheck(
            "results hash", FAILED, "absent",
            "the report has no integrity block (written before Assay recorded one, or removed); "
            "nothing to compare with: re-run the audit to get a report that can be verified",
            found=results_sha256(report))]
    if block.get("algorithm") != ALGORITHM:
        return [VerificationCheck("results hash", FAILED, "unknown algorithm",
                                  f"integrity.algorithm is {block.get('algorithm')!r}; Assay writes {ALGORITHM!r}")]
    checks = []
    for name, key, digest, covers in (
            ("results hash", "results_sha256", results_sha256(report),
             "findings, verdict, analyses, configuration and input hashes"),
            ("document hash", "document_sha256", document_sha256(report), "all of it, run times included")):
        recorded = block.get(key)
        if not isinstance(recorded, str):
            checks.append(VerificationCheck(name, FAILED, "absent", f"integrity.{key} is missing", found=digest))
        elif recorded.lower() == digest:
            checks.append(VerificationCheck(name, PASSED, "matches", "", recorded, digest))
        else:
            checks.append(VerificationCheck(
                name, FAILED, "differs", f"the JSON was changed after it was written ({covers})", recorded, digest))
    return checks


def _input_check(entry: dict[str, Any], report_path: Path, dirs: list[Path], cwd: str | Path | None
                 ) -> Generator[int, None, VerificationCheck]:
    role = str(entry.get("role") or "input")
    name = f"{role} input"
    recorded_path = str(entry.get("path") or "")
    expected = entry.get("sha256")
    if not recorded_path:
        return VerificationCheck(name, FAILED, "absent", "the report records no path for it", expected)
    if not isinstance(expected, str) or not expected:
        return VerificationCheck(name, FAILED, "absent", "the report records no SHA-256 for it", path=recorded_path)
    found = _locate(entry, report_path, dirs, cwd)
    if found is None:
        where = [str(d) for d in dirs] + [recorded_path, str(report_path.parent)]
        return VerificationCheck(name, FAILED, "missing",
                                 f"not found (looked in {', '.join(where)}); "
                                 "if it was moved, pass its folder with --data-dir", expected, path=recorded_path)
    try:
        size = found.stat().st_size
        hashing = iter_sha256(found, chunk=CHUNK)
        while True:
            try:
                yield int(next(hashing) * size)
            except StopIteration as stop:
                actual = stop.value
                break
    except OSError as exc:
        return VerificationCheck(name, FAILED, "unreadable", f"cannot be read ({exc.strerror or exc})",
                                 expected, path=str(found))
    if actual == expected.lower():
        return VerificationCheck(name, PASSED, "matches", "", expected, actual, str(found))
    return VerificationCheck(name, FAILED, "differs", "the file changed since the audit", expected, actual,
                             str(found))


def _locate(entry: dict[str, Any], report_path: Path, dirs: list[Path], cwd: str | Path | None) -> Path | None:
    recorded = str(entry.get("path") or "")
    if not recorded:
        return None
    name = _file_name(recorded)
    candidates = [folder / name for folder in dirs]
    recorded_path = Path(recorded)
    if recorded_path.is_absolute():
        candidates.append(recorded_path)
    else:
        candidates += [report_path.parent / recorded_path, Path(cwd or os.getcwd()) / recorded_path]
    candidates.append(report_path.parent / name)  # a report filed in one folder with its inputs
    return next((c for c in candidates if c.is_file()), None)


def _file_name(recorded: str) -> str:
    """The file's name, from a path recorded on this system or on Windows."""
    return PureWindowsPath(recorded).name if "\\" in recorded else PurePath(recorded).name


def _size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path is not None else 0
    except OSError:
        return 0


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")
