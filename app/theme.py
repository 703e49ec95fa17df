"""The look: bundled fonts, the Fusion style with a light or dark palette, the style sheet, the icon, colours.

The palette follows the system's colour scheme (QStyleHints.colorScheme) unless the user picked
one in View > Theme; it is re-applied when the system switches. Severity colours have a light and
a dark variant so that text stays readable on either background.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent / "resources"  # the repository's resources/, installed as assay/resources
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
THEMES = ("system", "light", "dark")

# Severity -> (light theme, dark theme) text colour, and the verdict badge's fill.
SEVERITY_TEXT = {
    "pass": ("#2e7d32", "#7bc67e"),
    "warn": ("#a35200", "#ffb74d"),
    "fail": ("#c62828", "#ef6f6c"),
}
SEVERITY_FILL = {"pass": "#2e7d32", "warn": "#e69500", "fail": "#c62828"}
SEVERITY_ON_FILL = {"pass": "#ffffff", "warn": "#1d1d1d", "fail": "#ffffff"}
# Reference vs production in every plot.
REFERENCE_COLOUR = ("#5b8def", "#7aa5ff")
PRODUCTION_COLOUR = ("#e8793a", "#ff9a5c")


def register_fonts() -> str | None:
    """Register the bundled DejaVu Sans and make it the application font; return its family."""
    family = None
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(RESOURCES / "fonts" / name))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        family = family or (families[0] if families else None)
    if family:
        font = QApplication.font()  # keep the platform's size, change the family
        font.setFamily(family)
        QApplication.setFont(font)
    return family


def app_icon() -> QIcon:
    return icon("assay")


def icon(name: str) -> QIcon:
    """An icon from resources/icons (SVG, coloured so it reads on light and dark toolbars)."""
    return QIcon(str(RESOURCES / "icons" / f"{name}.svg"))


def system_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def is_dark() -> bool:
    """Whether the palette in use is dark (reads the palette, so it follows a user's choice too)."""
    return QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, theme: str = "system") -> None:
    """Fusion style, the light or dark palette, and the small style sheet."""
    if app.property("assay_style") != "fusion":  # once: with a style sheet set, style() is a wrapper
        app.setStyle("Fusion")
        app.setProperty("assay_style", "fusion")
    dark = system_is_dark() if theme == "system" else theme == "dark"
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    app.setStyleSheet(style_sheet())


def dark_palette() -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    colours = {
        roles.Window: "#2b2d30", roles.WindowText: "#e6e6e6", roles.Base: "#1f2023",
        roles.AlternateBase: "#27292c", roles.ToolTipBase: "#3a3d41", roles.ToolTipText: "#e6e6e6",
        roles.PlaceholderText: "#8c8f94", roles.Text: "#e6e6e6", roles.Button: "#35373b",
        roles.ButtonText: "#e6e6e6", roles.BrightText: "#ff6b6b", roles.Link: "#7aa5ff",
        roles.Highlight: "#3d6fd6", roles.HighlightedText: "#ffffff", roles.Light: "#45484d",
        roles.Midlight: "#3b3e42", roles.Mid: "#2f3134", roles.Dark: "#1b1c1e", roles.Shadow: "#000000",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(disabled, role, QColor("#7c7f84"))
    p.setColor(disabled, roles.Highlight, QColor("#4a4d52"))
    return p


def style_sheet() -> str:
    path = RESOURCES / "style.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def severity_colour(severity: str) -> QColor:
    light, dark = SEVERITY_TEXT.get(severity, ("#555555", "#bbbbbb"))
    return QColor(dark if is_dark() else light)


def series_colour(which: str) -> QColor:
    light, dark = REFERENCE_COLOUR if which == "reference" else PRODUCTION_COLOUR
    return QColor(dark if is_dark() else light)
