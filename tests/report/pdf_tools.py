"""Reading a PDF without reportlab: poppler's pdftotext / pdfinfo / pdffonts, and the outline parsed from the file.

reportlab writes PDF 1.4 without object streams, so every object is plain text between `N 0 obj` and `endobj`
(only page contents are compressed); the outline (bookmarks) and the page tree can be read with a regex.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

TOOLS = ("pdftotext", "pdfinfo", "pdffonts")


def require_poppler() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"poppler-utils not installed ({', '.join(missing)}); scripts/install-system-deps installs it")


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout


def text(path: Path, first: int | None = None, last: int | None = None, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    return _run(*args, str(path), "-")


def pages_text(path: Path) -> list[str]:
    """The text of every page (pdftotext separates pages with a form feed)."""
    return text(path, layout=True).split("\f")[: info(path)["pages"]]


def flat(value: str) -> str:
    """Whitespace collapsed to single spaces: wrapped lines read as one."""
    return " ".join(value.split())


def info(path: Path) -> dict:
    out = {}
    for line in _run("pdfinfo", "-isodates", str(path)).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip().lower()] = value.strip()
    out["pages"] = int(out["pages"])
    return out


def page_size(path: Path) -> tuple[float, float]:
    match = re.match(r"([\d.]+) x ([\d.]+) pts", info(path)["page size"])
    return float(match.group(1)), float(match.group(2))


@dataclass
class Font:
    name: str
    type: str
    embedded: bool
    subset: bool


def fonts(path: Path) -> list[Font]:
    lines = _run("pdffonts", str(path)).splitlines()[2:]  # two header lines
    found = []
    for line in lines:
        parts = line.split()
        # name type [type words] encoding emb sub uni object ID
        emb, sub = parts[-5], parts[-4]
        found.append(Font(parts[0], " ".join(parts[1:-6]), emb == "yes", sub == "yes"))
    return found


@dataclass
class Bookmark:
    title: str
    level: int
    page: int


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S)}


def _ref(body: bytes, key: bytes) -> int | None:
    match = re.search(rb"/" + key + rb" (\d+) 0 R", body)
    return int(match.group(1)) if match else None


def _pdf_string(body: bytes, key: bytes) -> str:
    """A literal (...) or hex <...> string value: escapes undone, UTF-16 (with its byte-order mark) decoded."""
    match = re.search(rb"/" + key + rb" \((.*?)(?<!\\)\)", body, re.S)
    if match:
        raw, out, i = match.group(1), bytearray(), 0
        while i < len(raw):
            c = raw[i]
            if c == 0x5C and i + 1 < len(raw):  # backslash
                nxt = raw[i + 1:i + 2]
                octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
                if octal:
                    out.append(int(octal.group(0), 8))
                    i += 1 + len(octal.group(0))
                    continue
                out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
                i += 2
                continue
            out.append(c)
            i += 1
        value = bytes(out)
    else:
        match = re.search(rb"/" + key + rb" <([0-9A-Fa-f\s]*)>", body)
        value = bytes.fromhex(match.group(1).decode().replace(" ", "").replace("\n", "")) if match else b""
    if value.startswith(b"\xfe\xff"):
        return value[2:].decode("utf-16-be")
    return value.decode("latin-1")


def outline(path: Path) -> list[Bookmark]:
    """Every bookmark in document order, with its level (0: top) and the page it points to (1-based)."""
    data = path.read_bytes()
    objects = _objects(data)
    catalog = next(body for body in objects.values() if b"/Type /Catalog" in body)
    pages_root = objects[_ref(catalog, b"Pages")]
    page_numbers: dict[int, int] = {}

    def walk_pages(body: bytes) -> None:
        kids = re.search(rb"/Kids \[(.*?)\]", body, re.S)
        for ref in re.findall(rb"(\d+) 0 R", kids.group(1)) if kids else []:
            kid = objects[int(ref)]
            if b"/Type /Pages" in kid:
                walk_pages(kid)
            else:
                page_numbers[int(ref)] = len(page_numbers) + 1

    walk_pages(pages_root)
    root = _ref(catalog, b"Outlines")
    found: list[Bookmark] = []

    def walk(first: int | None, level: int) -> None:
        number = first
        while number is not None:
            body = objects[number]
            dest = re.search(rb"/Dest \[\s*(\d+) 0 R", body)
            found.append(Bookmark(_pdf_string(body, b"Title"), level,
                                  page_numbers.get(int(dest.group(1)), 0) if dest else 0))
            walk(_ref(body, b"First"), level + 1)
            number = _ref(body, b"Next")

    if root is not None:
        walk(_ref(objects[root], b"First"), 0)
    return found


@dataclass
class Word:
    page: int
    text: str
    x_min: float
    x_max: float
    y_min: float
    y_max: float


def words(path: Path) -> tuple[list[Word], tuple[float, float]]:
    """Every word pdftotext finds, with its box in points (origin top left), and the page size."""
    html = _run("pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-")
    found, page, size = [], 0, (0.0, 0.0)
    for line in html.splitlines():
        line = line.strip()
        if line.startswith("<page"):
            page += 1
            w = re.search(r'width="([\d.]+)"', line)
            h = re.search(r'height="([\d.]+)"', line)
            size = (float(w.group(1)), float(h.group(1)))
        match = re.match(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*)</word>',
                         line)
        if match:
            x0, y0, x1, y1 = (float(match.group(i)) for i in range(1, 5))
            found.append(Word(page, match.group(5), x0, x1, y0, y1))
    return found, size
