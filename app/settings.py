"""AppSettings: the few things Assay remembers between sessions, behind a typed wrapper with a version.

Among them, the model files the user trusted (`TrustedModel`), remembered by SHA-256 rather than by
path: a file with the same bytes is trusted wherever it lies and whichever audit file names it, a
changed file is not. Preferences > Trusted models lists and revokes them.

Stored with QSettings in INI format: in $ASSAY_SETTINGS_DIR/assay.ini when that variable is set
(tests point it at a temporary folder), else in the user's configuration folder. When the stored
version is older, `_migrate` upgrades it; a newer or unreadable one is set aside, never trusted.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_VERSION = 1
MAX_RECENT = 10
SETTINGS_DIR_ENV = "ASSAY_SETTINGS_DIR"
THEMES = ("system", "light", "dark")
TRUST_KINDS = ("pickle", "skops")
_SHA256 = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class TrustedModel:
    """One trust decision: the file's hash, the name it had when trusted, when, and what was trusted.

    kind "pickle": the whole file may be unpickled (pickle, joblib). kind "skops": only `types`, the
    types skops does not trust by default, were accepted.
    """

    sha256: str
    name: str
    kind: str
    trusted_at: str  # ISO 8601, local time with offset
    types: tuple[str, ...] = field(default=())
    path: str = ""  # where it was last seen (a hint for the user, never used to decide)


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _SHA256


def default_qsettings() -> QSettings:
    folder = os.environ.get(SETTINGS_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / "assay.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Assay", "assay")


class AppSettings:
    """Window geometry and state, recent audit files, choices made on the pages. Every getter tolerates
    missing or bad values."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else default_qsettings()
        self._check_version()

    @property
    def path(self) -> str:
        return self._store.fileName()

    @property
    def version(self) -> int:
        return _as_int(self._store.value("version"), 0)

    def sync(self) -> None:
        self._store.sync()

    # -- window ------------------------------------------------------------------------------

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._store.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._store.setValue("window/state", value)

    @property
    def theme(self) -> str:
        """"system" (follow the desktop), "light" or "dark"."""
        value = self._store.value("ui/theme")
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self._store.setValue("ui/theme", value if value in THEMES else "system")

    @property
    def last_folder(self) -> Path | None:
        value = self._store.value("files/last_folder")
        return Path(value) if isinstance(value, str) and value else None

    @last_folder.setter
    def last_folder(self, folder: Path) -> None:
        self._store.setValue("files/last_folder", str(folder))

    @property
    def last_report_folder(self) -> Path | None:
        """Where the last PDF report was exported (the Export PDF dialog starts there)."""
        value = self._store.value("files/last_report_folder")
        return Path(value) if isinstance(value, str) and value else None

    @last_report_folder.setter
    def last_report_folder(self, folder: Path) -> None:
        self._store.setValue("files/last_report_folder", str(folder))

    # -- choices on the pages ----------------------------------------------------------------

    def choice(self, key: str, default: str | None = None) -> str | None:
        """A choice a page remembers (a tab, a metric, a column), by key such as "performance/tab"."""
        value = self._store.value(f"choices/{key}")
        return value if isinstance(value, str) and value else default

    def set_choice(self, key: str, value: str | None) -> None:
        if value:
            self._store.setValue(f"choices/{key}", str(value))
        else:
            self._store.remove(f"choices/{key}")

    # -- recent files ------------------------------------------------------------------------

    @property
    def recent_files(self) -> list[Path]:
        """Most recent first; at most MAX_RECENT; files that no longer exist are kept (the menu greys them)."""
        value = self._store.value("files/recent")
        if value is None:
            return []
        items = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
        return [Path(item) for item in items if isinstance(item, str) and item][:MAX_RECENT]

    def add_recent_file(self, path: Path) -> list[Path]:
        path = Path(path).resolve()
        files = [path] + [p for p in self.recent_files if p != path]
        self._set_recent(files[:MAX_RECENT])
        return self.recent_files

    def remove_recent_file(self, path: Path) -> list[Path]:
        self._set_recent([p for p in self.recent_files if p != Path(path).resolve()])
        return self.recent_files

    def clear_recent_files(self) -> None:
        self._set_recent([])

    def _set_recent(self, files: list[Path]) -> None:
        if files:
            self._store.setValue("files/recent", [str(p) for p in files])
        else:
            self._store.remove("files/recent")

    # -- trusted model files ------------------------------------------------------------------

    @property
    def trusted_models(self) -> list[TrustedModel]:
        """Every remembered trust decision, most recent first. Damaged entries are skipped, never trusted."""
        value = self._store.value("trust/models")
        try:
            items = json.loads(value) if isinstance(value, str) and value else []
        except ValueError:
            return []
        models = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not _is_sha256(item.get("sha256")) or item.get("kind") not in TRUST_KINDS:
                continue
            types = item.get("types", [])
            models.append(TrustedModel(
                sha256=item["sha256"], name=str(item.get("name", "")), kind=item["kind"],
                trusted_at=str(item.get("trusted_at", "")),
                types=tuple(str(t) for t in types) if isinstance(types, list) else (),
                path=str(item.get("path", ""))))
        return models

    def trusted_model(self, sha256: str) -> TrustedModel | None:
        """The decision remembered for this hash, if any."""
        sha256 = sha256.lower()
        return next((m for m in self.trusted_models if m.sha256 == sha256), None)

    def trust_model(self, sha256: str, path: Path, kind: str, types: tuple[str, ...] | list[str] = ()) -> TrustedModel:
        """Remember that the file with this hash is trusted (pickle) or that these skops types are accepted.

        For skops files the accepted types add to those already remembered for the hash.
        """
        sha256 = sha256.lower()
        if not _is_sha256(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        if kind not in TRUST_KINDS:
            raise ValueError(f"kind must be one of {TRUST_KINDS}, not {kind!r}")
        previous = self.trusted_model(sha256)
        if previous is not None and previous.kind == kind == "skops":
            types = tuple(dict.fromkeys(previous.types + tuple(types)))
        record = TrustedModel(sha256=sha256, name=Path(path).name, kind=kind,
                              trusted_at=datetime.now().astimezone().isoformat(timespec="seconds"),
                              types=tuple(types) if kind == "skops" else (), path=str(path))
        self._set_trusted([record] + [m for m in self.trusted_models if m.sha256 != sha256])
        return record

    def revoke_trust(self, sha256: str) -> None:
        sha256 = sha256.lower()
        self._set_trusted([m for m in self.trusted_models if m.sha256 != sha256])

    def revoke_all_trust(self) -> None:
        self._set_trusted([])

    def _set_trusted(self, models: list[TrustedModel]) -> None:
        if models:
            self._store.setValue("trust/models", json.dumps([asdict(m) for m in models]))
        else:
            self._store.remove("trust/models")
        self._store.sync()  # a trust decision (and a revocation above all) must not wait for a clean exit

    # -- versioning --------------------------------------------------------------------------

    def _check_version(self) -> None:
        stored = self.version
        if stored == SETTINGS_VERSION:
            return
        if 0 < stored < SETTINGS_VERSION:
            self._migrate(stored)
        elif self._store.allKeys():
            self._store.clear()  # written by a newer Assay, or not ours: start clean rather than misread it
        self._store.setValue("version", SETTINGS_VERSION)

    def _migrate(self, stored: int) -> None:
        """Upgrade settings written by an older version, one step at a time (none yet)."""

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._store.value(key)
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        if isinstance(value, (bytes, bytearray)) and value:
            return QByteArray(bytes(value))
        return None


def _as_int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
