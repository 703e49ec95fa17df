"""The start-up check: one clear line instead of a Qt abort when there is no display or xcb cannot load."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay.app import platform_check
from assay.app.platform_check import NO_DISPLAY, debian_package, startup_problem

LDD_MISSING = """\
/fake/Qt/plugins/platforms/libqxcb.so:
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /fake/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1)
\tlibxcb-cursor.so.0 => not found
\tlibxkbcommon-x11.so.0 => not found
/fake/Qt/lib/libQt6XcbQpa.so.6:
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibEGL.so.1 => /lib/x86_64-linux-gnu/libEGL.so.1 (0x00007f2)
"""
LDD_OK = "\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f3)\n"


@pytest.fixture
def qt_dir(tmp_path: Path) -> Path:
    """A fake PySide6 Qt folder holding the two files the check runs ldd on."""
    (tmp_path / "plugins" / "platforms").mkdir(parents=True)
    (tmp_path / "lib").mkdir()
    (tmp_path / "plugins" / "platforms" / "libqxcb.so").write_bytes(b"")
    (tmp_path / "lib" / "libQt6XcbQpa.so.6").write_bytes(b"")
    return tmp_path


def fake_ldd(output: str | None, calls: list | None = None):
    def run(files):
        if calls is not None:
            calls.append([f.name for f in files])
        return output
    return run


def test_linux_without_any_display_says_so_in_one_line():
    problem = startup_problem(env={}, platform="linux", ldd=fake_ldd(LDD_OK))
    assert problem == NO_DISPLAY
    assert "\n" not in problem and "xvfb-run" in problem and "assay audit" in problem


@pytest.mark.parametrize("env", [{"QT_QPA_PLATFORM": "offscreen"}, {"WAYLAND_DISPLAY": "wayland-0"},
                                 {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"}])
def test_no_xcb_check_when_qt_will_not_use_xcb(env, qt_dir):
    calls: list = []
    assert startup_problem(env=env, platform="linux", ldd=fake_ldd(LDD_MISSING, calls), qt_dir=qt_dir) is None
    assert calls == []


def test_forced_xcb_without_an_x_server_is_no_display():
    assert startup_problem(env={"QT_QPA_PLATFORM": "xcb"}, platform="linux", ldd=fake_ldd(LDD_OK)) == NO_DISPLAY


def test_missing_xcb_libraries_are_named_with_their_debian_packages(qt_dir):
    calls: list = []
    problem = startup_problem(env={"DISPLAY": ":0"}, platform="linux", ldd=fake_ldd(LDD_MISSING, calls),
                              qt_dir=qt_dir)
    assert calls == [["libqxcb.so", "libQt6XcbQpa.so.6"]]
    assert problem == (
        "assay: Qt cannot start: missing system libraries libxcb-cursor.so.0, libxkbcommon-x11.so.0, "
        "libxcb-icccm.so.4; install them with: sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4")


def test_all_libraries_present_is_no_problem(qt_dir):
    assert startup_problem(env={"DISPLAY": ":0"}, platform="linux", ldd=fake_ldd(LDD_OK), qt_dir=qt_dir) is None


def test_without_ldd_the_check_does_not_guess(qt_dir):
    assert startup_problem(env={"DISPLAY": ":0"}, platform="linux", ldd=fake_ldd(None), qt_dir=qt_dir) is None


def test_without_the_plugin_files_ldd_is_not_run(tmp_path):
    calls: list = []
    assert startup_problem(env={"DISPLAY": ":0"}, platform="linux", ldd=fake_ldd(LDD_MISSING, calls),
                           qt_dir=tmp_path) is None
    assert calls == []


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_other_systems_are_not_checked(platform):
    assert startup_problem(env={}, platform=platform, ldd=fake_ldd(LDD_MISSING)) is None


@pytest.mark.parametrize("soname, package", [
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-xinerama.so.0", "libxcb-xinerama0"), ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"), ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-shape.so.0", "libxcb-shape0"), ("libEGL.so.1", "libegl1"), ("libGL.so.1", "libgl1"),
    ("libfontconfig.so.1", "libfontconfig1"), ("libdbus-1.so.3", "libdbus-1-3"),
    ("libglib-2.0.so.0", "libglib2.0-0"),
    # not in the table: Debian's naming rule
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"), ("libxcb-sync.so.1", "libxcb-sync1"), ("libfoo2.so.3", "libfoo2-3"),
])
def test_debian_package_names(soname, package):
    assert debian_package(soname) == package


def test_the_real_ldd_runs_on_this_machine():
    qt = platform_check.pyside_qt_dir()
    assert qt is not None and (qt / "plugins" / "platforms").is_dir()
    if sys.platform.startswith("linux") and (qt / "plugins" / "platforms" / "libqxcb.so").exists():
        assert isinstance(platform_check.missing_xcb_libraries(), list)


def test_main_without_a_display_exits_2_with_one_line_and_never_loads_qt():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    code = ("import sys\nfrom assay.app.main import main\ncode = main()\n"
            "assert 'PySide6.QtWidgets' not in sys.modules\nsys.exit(code)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                            cwd=Path(__file__).resolve().parents[2])
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == NO_DISPLAY
