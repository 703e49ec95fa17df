"""What every input file goes through: its provenance (InputInfo), its SHA-256, and the checks that it
exists, is a file, can be opened and is not empty, with errors that name the file and say what to do."""
from __future__ import annotations

import hashlib
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from assay.engine.errors import InputError


@dataclass(frozen=True)
class InputInfo:
    """Provenance of one input file."""

    role: str
    path: str
    sha256: str
    rows: int | None = None
    columns: int | None = None
    format: str = ""
    detail: str = ""  # e.g. "CSV, delimiter ';', encoding cp1252"
    time_range: tuple[str, str] | None = None  # first and last value of the timestamp column, when there is one


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def iter_sha256(path: Path, chunk: int = 1 << 24) -> Generator[float, None, str]:
    """SHA-256 of a file, yielding the fraction hashed."""
    digest = hashlib.sha256()
    size = max(path.stat().st_size, 1)
    done = 0
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
            done += len(block)
            yield done / size
    return digest.hexdigest()


def check_file(path: Path, what: str) -> None:
    if not path.exists():
        raise InputError(f"{path}: {what} not found; check the path.", path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; choose the {what} inside it.", path)
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"{path}: cannot open the {what} ({exc.strerror}); check its permissions.", path) from exc
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the {what} is empty (0 bytes); export it again.", path)


def short_error(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
