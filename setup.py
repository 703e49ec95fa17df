"""The package layout: the repository keeps engine/, app/ and resources/ at its top, and they install as
assay.engine, assay.app and assay.resources (so a user's environment gains one top-level package, `assay`).
Everything else about the distribution is in pyproject.toml."""
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).resolve().parent
FOLDERS = {"assay.engine": "engine", "assay.app": "app"}
packages = ["assay", "assay.resources", "assay.resources.fonts", "assay.resources.icons"]  # data folders too
for name, folder in FOLDERS.items():
    packages += [name] + [f"{name}.{sub}" for sub in find_packages(str(ROOT / folder))]

setup(
    packages=packages,
    package_dir={"assay": "assay", "assay.resources": "resources", **FOLDERS},
    package_data={"assay.resources": ["*.qss", "*.desktop"], "assay.resources.fonts": ["*"],
                  "assay.resources.icons": ["*"]},
)
