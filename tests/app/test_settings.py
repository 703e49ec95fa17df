"""AppSettings: recent files, window geometry and the version, stored in a temporary folder."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from assay.app.settings import MAX_RECENT, SETTINGS_VERSION, AppSettings


def test_settings_live_in_the_folder_of_the_environment_variable(settings_dir: Path):
    settings = AppSettings()
    settings.add_recent_file(Path("/tmp/a.toml"))
    settings.sync()
    assert Path(settings.path) == settings_dir / "assay.ini"
    assert (settings_dir / "assay.ini").exists()
    assert settings.version == SETTINGS_VERSION


def test_recent_files_most_recent_first_without_duplicates(tmp_path: Path):
    settings = AppSettings()
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    settings.add_recent_file(a)
    settings.add_recent_file(b)
    settings.add_recent_file(a)
    assert settings.recent_files == [a, b]
    assert AppSettings().recent_files == [a, b]  # a new instance reads them back
    settings.remove_recent_file(b)
    assert settings.recent_files == [a]
    settings.clear_recent_files()
    assert AppSettings().recent_files == []


def test_one_recent_file_survives_the_ini_format(tmp_path: Path):
    # INI stores a one-element list as a plain string
    AppSettings().add_recent_file(tmp_path / "only.toml")
    assert AppSettings().recent_files == [tmp_path / "only.toml"]


def test_recent_files_are_capped(tmp_path: Path):
    settings = AppSettings()
    for i in range(MAX_RECENT + 5):
        settings.add_recent_file(tmp_path / f"{i}.toml")
    files = AppSettings().recent_files
    assert len(files) == MAX_RECENT
    assert files[0] == tmp_path / f"{MAX_RECENT + 4}.toml"


def test_geometry_and_theme_round_trip():
    settings = AppSettings()
    assert settings.geometry is None and settings.theme == "system"
    settings.geometry = QByteArray(b"\x01\x02geometry")
    settings.theme = "dark"
    settings.sync()
    again = AppSettings()
    assert bytes(again.geometry.data()) == b"\x01\x02geometry"
    assert again.theme == "dark"
    again.theme = "purple"  # not a theme: back to following the system
    assert again.theme == "system"


def test_settings_from_a_newer_version_are_set_aside(settings_dir: Path):
    settings_dir.mkdir(parents=True, exist_ok=True)
    raw = QSettings(str(settings_dir / "assay.ini"), QSettings.Format.IniFormat)
    raw.setValue("version", SETTINGS_VERSION + 1)
    raw.setValue("files/recent", ["/somewhere/else.toml"])
    raw.setValue("window/geometry", "not bytes at all")
    raw.sync()
    settings = AppSettings()
    assert settings.version == SETTINGS_VERSION
    assert settings.recent_files == []
    assert settings.geometry is None


def test_bad_values_are_ignored(settings_dir: Path):
    settings_dir.mkdir(parents=True, exist_ok=True)
    raw = QSettings(str(settings_dir / "assay.ini"), QSettings.Format.IniFormat)
    raw.setValue("version", SETTINGS_VERSION)
    raw.setValue("window/geometry", "text, not bytes")
    raw.setValue("ui/theme", 42)
    raw.sync()
    settings = AppSettings()
    assert settings.geometry is None
    assert settings.theme == "system"
