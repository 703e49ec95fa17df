"""Assay's one version number: `version` in pyproject.toml, read back from the installed package.

`assay --version`, the About dialog, the JSON report (provenance.versions.assay) and the PDF report
(cover, sign-off and the document's Creator) all show `assay_version()`; nothing else spells it.
The PyInstaller bundle carries the package metadata (installers/assay.spec: copy_metadata), so the
bundle reports the same number as the wheel it was built from.
"""
from __future__ import annotations

from importlib import metadata

UNKNOWN = "0+unknown"  # a checkout on sys.path that was never `pip install`ed: no metadata to read


def assay_version() -> str:
    try:
        return metadata.version("assay")
    except metadata.PackageNotFoundError:
        return UNKNOWN
