"""write_atomic: a file is replaced whole or not at all (a temporary file in the same folder, flushed, then
renamed over the old one). The audit file, the JSON and PDF reports and the app's autosave are written this way."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from assay.engine.errors import ConfigError


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename over `path`: readers see the
    old file or the new one, never half of one, even if the process dies or the disk fills mid-write.

    `sync=False` skips the two fsyncs (milliseconds, tens under load): still atomic if the process dies, not
    across a power cut. For frequent small writes such as the app's autosave."""
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"{folder}: folder does not exist; create it or choose another location.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())  # the bytes are on disk before the rename makes them the file
        _set_mode(Path(tmp), path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync:
        _sync_folder(folder)


def _set_mode(tmp: Path, path: Path) -> None:
    """mkstemp makes owner-only files: a replaced file keeps its permissions, a new one gets the usual ones."""
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
    except OSError:
        pass


_UMASK: list[int] = []


def _umask() -> int:
    if not _UMASK:
        mask = os.umask(0o022)
        os.umask(mask)
        _UMASK.append(mask)
    return _UMASK[0]


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk (POSIX; elsewhere a no-op)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
