"""The report's look: the app's colours (copied from app/theme.py and app/plots, light theme, since the
engine cannot import the app), the embedded DejaVu fonts and the paragraph and table styles.

Fonts are matplotlib's own copy of DejaVu (matplotlib/mpl-data/fonts/ttf), registered with reportlab as
TrueType and embedded (subset) in every PDF, so the output never depends on the machine's fonts; the
charts use the same files through matplotlib, so a chart's text matches the page's.
"""
from __future__ import annotations

from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# -- colours (app/theme.py, app/plots/*, app/models/explanations.py: the light variants) -------------
SEVERITY_TEXT = {"pass": "#2e7d32", "warn": "#a35200", "fail": "#c62828"}
SEVERITY_FILL = {"pass": "#2e7d32", "warn": "#e69500", "fail": "#c62828"}
SEVERITY_ON_FILL = {"pass": "#ffffff", "warn": "#1d1d1d", "fail": "#ffffff"}
REFERENCE = "#5b8def"
PRODUCTION = "#e8793a"
SERIES = {"reference": REFERENCE, "production": PRODUCTION}
HEATMAP = ("#ffffff", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")  # app/plots/heatmap.py LIGHT_MAP
RAMP = ("#1e88e5", "#8e44d4", "#ff0d57")  # SHAP's blue -> purple -> magenta, low -> high
RAMP_SIZE = 24
POSITIVE = "#e8175d"  # raises the model output
NEGATIVE = "#1e88e5"  # lowers it
MISSING = "#9e9e9e"
UNTESTED = "#d9d9d9"
TEXT = "#1d1d1d"
MUTED = "#5f6368"
RULE = "#c8ccd0"
HEADER_FILL = "#eef1f5"
STRIPE = "#f7f8fa"
LINK = "#1f5fbf"

# -- fonts ---------------------------------------------------------------------------------------------
SANS, SANS_BOLD, SANS_ITALIC, SANS_BOLD_ITALIC = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique",
                                                  "DejaVuSans-BoldOblique")
MONO, MONO_BOLD = "DejaVuSansMono", "DejaVuSansMono-Bold"
_FONT_FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf", SANS_ITALIC: "DejaVuSans-Oblique.ttf",
               SANS_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf", MONO: "DejaVuSansMono.ttf",
               MONO_BOLD: "DejaVuSansMono-Bold.ttf"}


def font_folder() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def register_fonts() -> None:
    """Register the DejaVu faces with reportlab once (idempotent)."""
    if SANS in pdfmetrics.getRegisteredFontNames():
        return
    folder = font_folder()
    for name, file in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS_ITALIC, boldItalic=SANS_BOLD_ITALIC)
    pdfmetrics.registerFontFamily(MONO, normal=MONO, bold=MONO_BOLD, italic=MONO, boldItalic=MONO_BOLD)


def _glyphs(font: str) -> dict:
    register_fonts()
    return pdfmetrics.getFont(font).face.charToGlyph


def drawable(text: str, font: str = SANS) -> str:
    """`text` with every character the embedded font cannot draw (CJK, emoji, ...) written as its code point,
    "[U+53CE]": DejaVu has no such glyphs, and an empty box would make two such names look the same."""
    if text.isascii():
        return text
    glyphs = _glyphs(font)
    return "".join(c if ord(c) in glyphs or c in "\n\t" else f"[U+{ord(c):04X}]" for c in text)


def undrawable(text: str, font: str = SANS) -> bool:
    """Whether `drawable` changes `text`."""
    return not text.isascii() and drawable(text, font) != text


def chart_font(weight: str | int, style: str, monospace: bool) -> str:
    """The registered face for a matplotlib font's weight and style."""
    bold = weight in ("bold", "heavy", "extra bold", "black", "semibold", "demibold", "demi") or (
        isinstance(weight, (int, float)) and weight >= 600)
    if monospace:
        return MONO_BOLD if bold else MONO
    italic = style in ("italic", "oblique")
    return {(False, False): SANS, (True, False): SANS_BOLD, (False, True): SANS_ITALIC,
            (True, True): SANS_BOLD_ITALIC}[(bold, italic)]


# -- paragraph styles ----------------------------------------------------------------------------------
BODY_SIZE = 9
TABLE_SIZE = 7.5


def _style(name: str, **kw) -> ParagraphStyle:
    base = dict(fontName=SANS, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.35, textColor=colors.HexColor(TEXT),
                splitLongWords=1, allowWidows=0, allowOrphans=0, bulletFontName=SANS)
    base.update(kw)
    return ParagraphStyle(name, **base)


class Styles:
    """The paragraph styles, built after the fonts are registered."""

    def __init__(self) -> None:
        register_fonts()
        self.body = _style("body", spaceAfter=4)
        self.body_keep = _style("body_keep", spaceAfter=4, keepWithNext=1)
        self.small = _style("small", fontSize=8, leading=10.5, textColor=colors.HexColor(MUTED), spaceBefore=3,
                            spaceAfter=3)
        self.caption = _style("caption", fontSize=7.5, leading=9.5, textColor=colors.HexColor(MUTED), spaceBefore=1,
                              spaceAfter=8)
        self.h1 = _style("h1", fontName=SANS_BOLD, fontSize=16, leading=20, spaceBefore=0, spaceAfter=8,
                         keepWithNext=1)
        self.h2 = _style("h2", fontName=SANS_BOLD, fontSize=11.5, leading=14.5, spaceBefore=12, spaceAfter=5,
                         keepWithNext=1)
        self.h3 = _style("h3", fontName=SANS_BOLD, fontSize=9.5, leading=12.5, spaceBefore=8, spaceAfter=3,
                         keepWithNext=1)
        self.cell = _style("cell", fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.25)
        self.cell_right = _style("cell_right", fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.25, alignment=TA_RIGHT)
        self.cell_head = _style("cell_head", fontName=SANS_BOLD, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.25)
        self.cell_head_right = _style("cell_head_right", fontName=SANS_BOLD, fontSize=TABLE_SIZE,
                                      leading=TABLE_SIZE * 1.25, alignment=TA_RIGHT)
        self.mono = _style("mono", fontName=MONO, fontSize=7, leading=9)
        self.bullet = _style("bullet", leftIndent=10, bulletIndent=0, spaceAfter=2)
        self.toc = [_style("toc1", fontName=SANS_BOLD, fontSize=9.5, leading=15),
                    _style("toc2", fontSize=8.5, leading=12, leftIndent=14)]
        self.toc_page = [_style("toc_page1", fontName=SANS_BOLD, fontSize=9.5, leading=15, alignment=TA_RIGHT),
                         _style("toc_page2", fontSize=8.5, leading=12, alignment=TA_RIGHT)]
        self.cover_title = _style("cover_title", fontName=SANS_BOLD, fontSize=24, leading=30, spaceAfter=6)
        self.cover_sub = _style("cover_sub", fontSize=12, leading=16, textColor=colors.HexColor(MUTED),
                                spaceAfter=18)
        self.verdict = _style("verdict", fontName=SANS_BOLD, fontSize=18, leading=22, alignment=TA_LEFT)
        self.footer = _style("footer", fontSize=7, leading=9, textColor=colors.HexColor(MUTED))


def severity_colour(severity: str) -> colors.Color:
    return colors.HexColor(SEVERITY_TEXT.get(severity, MUTED))
