"""The look: Fusion style, a dark palette, the QSS in ``resources/ui/dark.qss``, colours
for port types and node categories, and icons.

Icons come from qtawesome (names such as ``fa5s.image`` are used by node declarations);
when qtawesome or a name is unavailable an empty icon is returned, never an error.
Colours are plain hex strings so the canvas can turn them into brushes once and cache them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QToolBar

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "ui"

# -- colours ------------------------------------------------------------------------------
WINDOW = "#1f2227"
BASE = "#17191d"
ALT_BASE = "#24272d"
TEXT = "#d8dbe1"
DIM_TEXT = "#8d94a0"
BUTTON = "#2b2f36"
BORDER = "#363b44"
ACCENT = "#3f8fd6"
SELECTION = "#ffb340"
CANVAS = "#18191d"
GRID_MINOR = "#1f2125"
GRID_MAJOR = "#272a30"
NODE_BODY = "#2a2e35"
NODE_BORDER = "#41464f"
ERROR = "#e5534b"
OK = "#57ab5a"
CACHED = "#6cb6ff"
RUNNING = "#f0b72f"

#: port type -> colour of its ports and wires
PORT_COLOURS = {
    "Image": "#58a6ff",
    "Clip": "#f0883e",
    "Motion": "#bc8cff",
    "Camera": "#39c5cf",
    "Keyframes": "#7ee787",
    "Prompt": "#ff7b9c",
    "Any": "#a0a7b4",
}

#: node category -> (header colour, icon)
CATEGORIES = {
    "Input": ("#2d6a4f", "fa5s.sign-in-alt"),
    "Output": ("#8c3b3b", "fa5s.sign-out-alt"),
    "Motion": ("#5a4b8f", "fa5s.wind"),
    "Generate": ("#9a5b1e", "fa5s.magic"),
    "Conditioning": ("#2e5f86", "fa5s.comment-alt"),
}
DEFAULT_CATEGORY = ("#4a505b", "fa5s.cube")
PLACEHOLDER_HEADER = "#5b3b3b"

#: backdrop colours offered in the canvas menu
BACKDROP_COLOURS = {
    "Slate": "#3b4252",
    "Teal": "#22545a",
    "Olive": "#4d5a2a",
    "Plum": "#563a5c",
    "Rust": "#6a3d27",
}


def port_colour(port_type: str) -> str:
    return PORT_COLOURS.get(port_type, PORT_COLOURS["Any"])


def category_colour(category: str) -> str:
    return CATEGORIES.get(category, DEFAULT_CATEGORY)[0]


def category_icon_name(category: str) -> str:
    return CATEGORIES.get(category, DEFAULT_CATEGORY)[1]


# -- icons --------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def icon(name: str, colour: str = TEXT) -> QIcon:
    """A qtawesome icon by name (``fa5s.play``), tinted; an empty icon if unavailable."""
    if not name:
        return QIcon()
    try:
        import qtawesome as qta
        return qta.icon(name, color=colour, color_disabled="#5c616b")
    except Exception:
        return QIcon()


def category_icon(category: str) -> QIcon:
    return icon(category_icon_name(category))


# -- application-wide look ------------------------------------------------------------------
def dock_toolbar(object_name: str, icon_px: int = 14) -> QToolBar:
    """The compact toolbar at the top of a dock (curves, keyframe strip): text beside small icons."""
    tb = QToolBar()
    tb.setObjectName(object_name)
    tb.setIconSize(QSize(icon_px, icon_px))
    tb.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    return tb


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.Window: WINDOW, QPalette.WindowText: TEXT, QPalette.Base: BASE,
        QPalette.AlternateBase: ALT_BASE, QPalette.ToolTipBase: "#2d3139", QPalette.ToolTipText: TEXT,
        QPalette.Text: TEXT, QPalette.Button: BUTTON, QPalette.ButtonText: TEXT, QPalette.BrightText: "#ffffff",
        QPalette.Highlight: ACCENT, QPalette.HighlightedText: "#ffffff", QPalette.Link: "#79b8ff",
        QPalette.PlaceholderText: DIM_TEXT, QPalette.Light: "#3a3f48", QPalette.Midlight: "#31353d",
        QPalette.Mid: "#2a2d33", QPalette.Dark: "#141518", QPalette.Shadow: "#0b0c0e",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, QColor("#60656f"))
    return p


def stylesheet() -> str:
    """The QSS from resources/ui/dark.qss ('' if the file is missing)."""
    try:
        return (RESOURCES / "dark.qss").read_text("utf-8")
    except OSError:
        return ""


def apply(app: QApplication) -> None:
    """Fusion style, the dark palette and the stylesheet (once per application)."""
    if app.property("cinegraphTheme"):
        return
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(stylesheet())
    app.setProperty("cinegraphTheme", True)
