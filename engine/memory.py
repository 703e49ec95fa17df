"""How much memory this machine can give a read: available physical memory, within a cgroup limit if any.

Used to refuse a table that will not fit before reading it (and to say so with figures), rather than
letting the operating system kill the app half-way. Returns None when the platform does not say.
"""
from __future__ import annotations

import os
import sys


def available_memory() -> int | None:
    """Bytes of memory available to this process now, or None if unknown."""
    found = [n for n in (_meminfo(), _cgroup(), _sysconf(), _windows()) if n is not None]
    return min(found) if found else None


def format_bytes(n: float) -> str:
    """1.5 GB, 380 MB, 12 kB: for messages."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{n:.0f} bytes"


def _meminfo() -> int | None:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup() -> int | None:
    """What a container's memory limit leaves (cgroup v2), if there is a limit."""
    try:
        with open("/sys/fs/cgroup/memory.max") as handle:
            limit = handle.read().strip()
        if limit == "max":
            return None
        with open("/sys/fs/cgroup/memory.current") as handle:
            return max(int(limit) - int(handle.read().strip()), 0)
    except (OSError, ValueError):
        return None


def _sysconf() -> int | None:
    if sys.platform.startswith("linux"):
        return None  # /proc/meminfo says it better (page cache that can be freed counts)
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _windows() -> int | None:
    if sys.platform != "win32":
        return None
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                    ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                    ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
                    ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
                    ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    try:
        found = ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))
    except (AttributeError, OSError):
        return None
    return int(status.ullAvailPhys) if found else None
