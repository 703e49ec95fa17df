"""The review file: plain TOML a reviewer keeps beside the audit file (`[review] file`, by default
`<audit file stem>.review.toml`) and under version control.

    [[waiver]]
    finding = "fairness.disparate_impact_ratio.sex"   # a finding id from the report
    status = "accepted risk"                          # accepted risk, remediation planned, false positive
    reason = "..."
    approved_by = "J. Reviewer"
    expires = 2027-06-30                              # a TOML date; the waiver holds through that day

    [signoff]
    reviewer = "J. Reviewer"
    role = "Model validation"
    decision = "approved with conditions"             # approved, approved with conditions, rejected
    date = 2026-12-01
    report_id = "..."                                 # the report the reviewer read
    comment = "..."

Reading validates every key (ConfigError naming the file and the key: the CLI's exit 2); writing is atomic.
"""
from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assay.engine.atomic import write_atomic
from assay.engine.errors import ConfigError

WAIVER_STATUSES = ("accepted risk", "remediation planned", "false positive")
DECISIONS = ("approved", "approved with conditions", "rejected")
SUFFIX = ".review.toml"


@dataclass(frozen=True)
class Waiver:
    finding: str
    status: str
    reason: str = ""
    approved_by: str = ""
    expires: date | None = None


@dataclass(frozen=True)
class Signoff:
    reviewer: str
    decision: str
    role: str = ""
    date: date | None = None
    report_id: str = ""
    comment: str = ""


@dataclass(frozen=True)
class ReviewFile:
    """What a review file says: its waivers in file order and the sign-off, if any."""

    waivers: tuple[Waiver, ...] = ()
    signoff: Signoff | None = None

    def waiver_for(self, finding: str) -> Waiver | None:
        return next((w for w in self.waivers if w.finding == finding), None)

    def with_waiver(self, waiver: Waiver) -> ReviewFile:
        """A copy with `waiver` in place of the one for the same finding (or added at the end)."""
        kept = [w for w in self.waivers if w.finding != waiver.finding]
        at = next((i for i, w in enumerate(self.waivers) if w.finding == waiver.finding), len(kept))
        return dataclasses.replace(self, waivers=tuple(kept[:at] + [waiver] + kept[at:]))

    def without_waiver(self, finding: str) -> ReviewFile:
        return dataclasses.replace(self, waivers=tuple(w for w in self.waivers if w.finding != finding))

    def with_signoff(self, signoff: Signoff | None) -> ReviewFile:
        return dataclasses.replace(self, signoff=signoff)


def default_review_path(audit_file: Path) -> Path:
    """`<audit file stem>.review.toml` beside the audit file."""
    return audit_file.with_name(audit_file.stem + SUFFIX)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_review(path: Path) -> ReviewFile:
    """The review file at `path` (an empty review when there is none), or ConfigError naming the file and key."""
    path = Path(path)
    if not path.exists():
        return ReviewFile()
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a review file; set [review] file to a .toml file.", key="review.file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the review file ({exc.strerror or exc}); check its permissions.",
                          key="review.file") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the review file is not UTF-8 text; save it as UTF-8.", key="review.file") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error in the review file: {exc}. Fix the file and try again.",
                          key="review.file") from exc
    return review_from_dict(data, path)


def review_from_dict(data: dict[str, Any], path: Path) -> ReviewFile:
    unknown = sorted(set(data) - {"waiver", "signoff"})
    if unknown:
        raise _error(path, unknown[0], "unknown key; a review file has [[waiver]] tables and one [signoff] table")
    raw_waivers = data.get("waiver", [])
    if not isinstance(raw_waivers, list) or not all(isinstance(w, dict) for w in raw_waivers):
        raise _error(path, "waiver", "must be written as [[waiver]] tables")
    waivers: list[Waiver] = []
    for index, raw in enumerate(raw_waivers):
        waiver = _record(Waiver, raw, path, f"waiver[{index + 1}]")
        _one_of(waiver.status, WAIVER_STATUSES, path, f"waiver[{index + 1}].status")
        if not waiver.finding.strip():
            raise _error(path, f"waiver[{index + 1}].finding", "is empty; give a finding id from the report")
        earlier = next((i for i, w in enumerate(waivers) if w.finding == waiver.finding), None)
        if earlier is not None:
            raise _error(path, f"waiver[{index + 1}].finding",
                         f"{waiver.finding!r} is waived twice (also waiver[{earlier + 1}]); keep one")
        waivers.append(waiver)
    signoff = None
    if "signoff" in data:
        if not isinstance(data["signoff"], dict):
            raise _error(path, "signoff", "must be a [signoff] table")
        signoff = _record(Signoff, data["signoff"], path, "signoff")
        _one_of(signoff.decision, DECISIONS, path, "signoff.decision")
    return ReviewFile(waivers=tuple(waivers), signoff=signoff)


def review_to_dict(review: ReviewFile) -> dict[str, Any]:
    """TOML-able data; empty values are left out."""
    def table(record: Any) -> dict[str, Any]:
        return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)
                if getattr(record, f.name) not in (None, "")}

    out: dict[str, Any] = {}
    if review.waivers:
        out["waiver"] = [table(w) for w in review.waivers]
    if review.signoff is not None:
        out["signoff"] = table(review.signoff)
    return out


def write_review(path: Path, review: ReviewFile) -> None:
    """Written atomically (engine/atomic.py): the old file or the new one, never half of one."""
    import tomli_w

    header = "# Assay review file: waivers of findings and the reviewer's sign-off (see the README).\n"
    write_atomic(Path(path), (header + tomli_w.dumps(review_to_dict(review))).encode("utf-8"))


def _record(cls: type, raw: dict[str, Any], path: Path, where: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise _error(path, f"{where}.{unknown[0]}", f"unknown key; allowed keys: {', '.join(fields)}")
    missing = [name for name, f in fields.items()
               if f.default is dataclasses.MISSING and name not in raw]
    if missing:
        raise _error(path, f"{where}.{missing[0]}", "is missing")
    values = {}
    for name, value in raw.items():
        key = f"{where}.{name}"
        if name in ("expires", "date"):
            values[name] = _date(value, path, key)
        elif not isinstance(value, str):
            raise _error(path, key, f"expected text, got {type(value).__name__} {value!r}")
        else:
            values[name] = value
    return cls(**values)


def _date(value: Any, path: Path, key: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _error(path, key, f"{value!r} is not a date; write it as a TOML date such as 2027-06-30 (no quotes)")


def _one_of(value: str, allowed: tuple[str, ...], path: Path, key: str) -> None:
    if value not in allowed:
        raise _error(path, key, f"{value!r} is not allowed; allowed values: {', '.join(allowed)}")


def _error(path: Path, key: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {key}: {message}", key=key)
