"""installers/linux: install.sh puts the bundle, menu entry, icons, MIME type and the default for `*.assay.toml`
under a user's XDG folders; uninstall.sh takes exactly those away again (make bundle-check runs the real bundle;
here a stand-in bundle keeps the test fast)."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "installers" / "linux"
MIME = "application/x-assay-audit"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A folder shaped like dist/assay: the executable and the icons it carries."""
    folder = tmp_path / "dist" / "assay"
    resources = folder / "_internal" / "assay" / "resources"
    (resources / "icons").mkdir(parents=True)
    for name in ("icons/assay.svg", "icons/assay-256.png", "assay.desktop"):
        shutil.copy(ROOT / "resources" / name, resources / name)
    executable = folder / "assay"
    executable.write_text("#!/bin/sh\necho assay 0.0.0\n", encoding="utf-8")
    executable.chmod(0o755)
    return folder


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """A home folder with a space in its name, an existing mimeapps.list and saved settings."""
    folder = tmp_path / "Jane Doe"
    (folder / ".config" / "Assay").mkdir(parents=True)
    (folder / ".config" / "Assay" / "assay.ini").write_text("[General]\ntheme=dark\n", encoding="utf-8")
    (folder / ".config" / "mimeapps.list").write_text(
        "[Default Applications]\ntext/plain=org.gnome.TextEditor.desktop;\n\n[Added Associations]\n"
        "text/csv=libreoffice-calc.desktop;\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(folder)
    return env


def run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(["bash", str(LINUX / script), *args], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def desktop_entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


def test_install_then_uninstall(bundle, home):
    data = Path(home["HOME"]) / ".local" / "share"
    config = Path(home["HOME"]) / ".config"
    executable = Path(home["HOME"]) / ".local" / "bin" / "assay"
    run("install.sh", home, str(bundle))

    assert subprocess.run([str(executable)], capture_output=True, text=True).stdout.strip() == "assay 0.0.0"
    assert executable.resolve() == data / "assay" / "bundle" / "assay"
    entry = desktop_entry(data / "applications" / "assay.desktop")
    assert entry["Exec"] == f'"{executable}" gui %f'  # quoted: the home folder has a space
    assert entry["TryExec"] == str(executable)
    assert entry["Icon"] == "assay" and entry["MimeType"] == f"{MIME};" and entry["Type"] == "Application"
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "assay.svg").is_file()
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "assay.png").is_file()
    assert '<glob pattern="*.assay.toml"' in (data / "mime" / "packages" / "assay.xml").read_text(encoding="utf-8")
    if shutil.which("update-mime-database"):  # shared-mime-info: the type is known to every desktop
        assert f"{MIME}:*.assay.toml" in (data / "mime" / "globs2").read_text(encoding="utf-8")
    mimeapps = (config / "mimeapps.list").read_text(encoding="utf-8")
    assert f"{MIME}=assay.desktop;" in mimeapps.split("[Added Associations]")[0]  # the default application
    assert "text/plain=org.gnome.TextEditor.desktop;" in mimeapps and "text/csv=libreoffice-calc.desktop;" in mimeapps

    run("install.sh", home, str(bundle))  # again (an update): nothing doubled
    assert (config / "mimeapps.list").read_text(encoding="utf-8").count(MIME) == 1

    run("uninstall.sh", home)
    assert not executable.exists() and not (data / "assay").exists()
    for gone in ("applications/assay.desktop", "icons/hicolor/scalable/apps/assay.svg",
                 "icons/hicolor/256x256/apps/assay.png", "mime/packages/assay.xml"):
        assert not (data / gone).exists(), gone
    if shutil.which("update-mime-database"):
        assert "assay" not in (data / "mime" / "globs2").read_text(encoding="utf-8")
    mimeapps = (config / "mimeapps.list").read_text(encoding="utf-8")
    assert MIME not in mimeapps and "text/plain=org.gnome.TextEditor.desktop;" in mimeapps
    assert (config / "Assay" / "assay.ini").is_file()  # settings kept without --purge

    run("uninstall.sh", home, "--purge")
    assert not (config / "Assay").exists()


def test_install_follows_xdg_folders(bundle, home, tmp_path):
    env = dict(home, XDG_DATA_HOME=str(tmp_path / "xdg data"), XDG_CONFIG_HOME=str(tmp_path / "xdg config"))
    run("install.sh", env, str(bundle))
    assert (tmp_path / "xdg data" / "applications" / "assay.desktop").is_file()
    assert (tmp_path / "xdg data" / "assay" / "bundle" / "assay").is_file()
    assert f"{MIME}=assay.desktop;" in (tmp_path / "xdg config" / "mimeapps.list").read_text(encoding="utf-8")
    run("uninstall.sh", env)
    assert not (tmp_path / "xdg data" / "applications" / "assay.desktop").exists()
    assert MIME not in (tmp_path / "xdg config" / "mimeapps.list").read_text(encoding="utf-8")


def test_install_without_a_bundle_says_how_to_build_one(home, tmp_path):
    result = subprocess.run(["bash", str(LINUX / "install.sh"), str(tmp_path / "nowhere")], env=home,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "make bundle" in result.stderr
