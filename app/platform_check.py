"""Can Qt open a window here? Checked before QApplication exists, so a bad desktop gives one line, not an abort.

Qt aborts the process (SIGABRT, a core dump and a wall of text) when it cannot connect to a
display or cannot load its xcb platform plugin. Both are predictable from the environment and
from `ldd` on the plugin, so `main()` asks `startup_problem()` first and, when it names a
problem, prints that one line and exits 2. Nothing here imports Qt.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

NO_DISPLAY = ("assay: no display available (DISPLAY is not set); run on a desktop session, "
              "or use `assay audit` for a headless audit, or xvfb-run")

# Sonames Qt's xcb plugin needs -> the Debian/Ubuntu package that ships them. Names that follow
# Debian's rule (lowercase name + soversion, with "-" when the name ends in a digit) need no entry.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libICE.so.6": "libice6",
    "libSM.so.6": "libsm6",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_SONAME = re.compile(r"^(lib.+?)\.so\.(\d+)")

LddRunner = Callable[[list[Path]], str | None]


def startup_problem(env: Mapping[str, str] | None = None, platform: str | None = None,
                    ldd: LddRunner | None = None, qt_dir: Path | None = None) -> str | None:
    """The one line to print when Qt cannot open a window here, or None when it can (or we cannot tell)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "").strip()
    has_display = bool(env.get("DISPLAY")) or bool(env.get("WAYLAND_DISPLAY"))
    if not qpa and not has_display:
        return NO_DISPLAY
    if not uses_xcb(env):
        return None
    if not env.get("DISPLAY"):
        return NO_DISPLAY  # QT_QPA_PLATFORM=xcb without an X server: Qt would abort
    missing = missing_xcb_libraries(ldd=ldd, qt_dir=qt_dir)
    if missing:
        return missing_libraries_message(missing)
    return None


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will pick its xcb (X11) plugin, as QGuiApplication decides on Linux."""
    qpa = env.get("QT_QPA_PLATFORM", "").strip().lower()
    if qpa:
        return qpa.split(";")[0].split(":")[0] == "xcb"
    wayland_session = env.get("XDG_SESSION_TYPE", "").lower() == "wayland" and bool(env.get("WAYLAND_DISPLAY"))
    if wayland_session or (env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")):
        return False
    return True


def missing_xcb_libraries(ldd: LddRunner | None = None, qt_dir: Path | None = None) -> list[str]:
    """Sonames that the xcb plugin (and Qt's XcbQpa library) need and the loader cannot find."""
    qt_dir = qt_dir or pyside_qt_dir()
    if qt_dir is None:
        return []
    files = [qt_dir / "plugins" / "platforms" / "libqxcb.so", qt_dir / "lib" / "libQt6XcbQpa.so.6"]
    files = [f for f in files if f.exists()]
    if not files:
        return []
    output = (ldd or run_ldd)(files)
    if not output:
        return []
    return list(dict.fromkeys(_NOT_FOUND.findall(output)))


def pyside_qt_dir() -> Path | None:
    """PySide6's bundled Qt folder, found without importing PySide6 (which would load Qt)."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "Qt"


def run_ldd(files: list[Path]) -> str | None:
    """`ldd` output for the files, or None when ldd is unavailable or fails (then we do not guess)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = subprocess.run([ldd, *map(str, files)], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout


def debian_package(soname: str) -> str:
    """The Debian package shipping a shared library: from the table, else by Debian's naming rule."""
    if soname in DEBIAN_PACKAGES:
        return DEBIAN_PACKAGES[soname]
    match = _SONAME.match(soname)
    if not match:
        return soname
    name, version = match.group(1).lower(), match.group(2)
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def missing_libraries_message(sonames: list[str]) -> str:
    packages = list(dict.fromkeys(debian_package(s) for s in sonames))
    return (f"assay: Qt cannot start: missing system libraries {', '.join(sonames)}; "
            f"install them with: sudo apt-get install {' '.join(packages)}")
