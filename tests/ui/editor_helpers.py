"""Helpers shared by the editor tests (mouse gestures on editor widgets)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest


def drag_on_canvas(canvas, points, button=Qt.LeftButton, steps: int = 4) -> None:
    """Press, move through ``points`` (normalised frame coordinates) and release on a
    :class:`~studio.ui.editors.brush_canvas.BrushCanvas`."""
    pts = [canvas.norm_to_widget(x, y).toPoint() for x, y in points]
    QTest.mousePress(canvas, button, Qt.NoModifier, pts[0])
    for a, b in zip(pts, pts[1:]):
        for i in range(1, steps + 1):
            p = a + (b - a) * (i / steps)
            QTest.mouseMove(canvas, QPoint(int(p.x()), int(p.y())))
    QTest.mouseRelease(canvas, button, Qt.NoModifier, pts[-1])


def trigger_shortcut(widget, key) -> bool:
    """Trigger ``widget``'s shortcut for ``key`` (what pressing it in the active window does).

    Offscreen windows cannot always be made active, so key presses may not reach shortcuts.
    """
    from PySide6.QtGui import QKeySequence, QShortcut
    for sc in widget.findChildren(QShortcut):
        if sc.key() == QKeySequence(key):
            sc.activated.emit()
            return True
    return False
