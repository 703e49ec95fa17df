"""Where the PDF goes, checked before any work; light (the standard library only), so the app's GUI thread can
check a path without loading the PDF machinery."""
from __future__ import annotations

import os
from pathlib import Path

from assay.engine.errors import ConfigError

__all__ = ["check_output_path"]


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """The report's path, checked before any work: its folder exists and is writable, it is not a folder."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise ConfigError(f"{target}: is a folder; give a file name such as {target / 'audit-report.pdf'}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"{folder}: folder does not exist; create it or choose another location for the PDF report")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{folder}: folder is not writable; choose another location for the PDF report")
    return target
