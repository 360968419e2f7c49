"""The keyframe strip: images added from files, drops and the viewer; moved by dragging,
reordered, held -- each one SetParam of ``keys`` that undo takes back."""

from __future__ import annotations

import os

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.conftest import SAMPLES

SILLS = [str(SAMPLES / f"sill_{c}.png") for c in "abc"]


def _strip(window):
    window.graph.add("Keyframes", node_id="Keyframes1", pos=(0, 0))
    window.scene.rebuild()
    window.open_node_editor("Keyframes1")
    ke = window.keyframe_editor
    assert window.keyframes_dock.isVisible() and ke.node_id == "Keyframes1"
    ke.strip.resize(900, 140)
    return ke


def _keys(window):
    return [(os.path.basename(k["path"]), k["frame"], k.get("hold", 0))
            for k in window.graph.nodes["Keyframes1"].params["keys"]]


def test_the_strip_adds_reorders_and_sets_hold_each_undoable(window, qtbot):
    ke = _strip(window)
    assert ke.add_images(SILLS)
    assert _keys(window) == [("sill_a.png", 0, 0), ("sill_b.png", 24, 0), ("sill_c.png", 48, 0)]
    qtbot.waitUntil(lambda: all(ke.thumb(p) is not None for p in SILLS), timeout=5000)   # thumbnails
    ke.strip.set_selected(0)
    ke.move_later()                                                 # reorder: a and b trade places
    assert _keys(window) == [("sill_b.png", 0, 0), ("sill_a.png", 24, 0), ("sill_c.png", 48, 0)]
    assert ke.strip.selected == 1
    ke.hold_spin.setValue(10)                                      # hold the selected key 10 frames
    assert _keys(window)[1] == ("sill_a.png", 24, 10)
    ke.set_hold(1, 40)                                              # clipped before the next key
    assert _keys(window)[1] == ("sill_a.png", 24, 23)
    assert window.undo.count() == 4
    window.undo.undo()
    window.undo.undo()
    assert _keys(window)[1] == ("sill_a.png", 24, 0)
    window.undo.undo()
    assert _keys(window) == [("sill_a.png", 0, 0), ("sill_b.png", 24, 0), ("sill_c.png", 48, 0)]


def test_dragging_a_card_moves_its_key_and_a_drop_on_a_key_swaps(window, qtbot):
    ke = _strip(window)
    ke.add_images(SILLS)
    strip = ke.strip
    strip.fit()
    a = strip.card_rect(2).center().toPoint()
    dx = int(round(12 * strip.ppf))                                # 12 frames to the right
    b = a + QPoint(dx, 0)
    QTest.mousePress(strip, Qt.LeftButton, Qt.NoModifier, a)
    for i in range(1, 5):
        QTest.mouseMove(strip, a + QPoint(dx * i // 4, 0))
    QTest.mouseRelease(strip, Qt.LeftButton, Qt.NoModifier, b)
    assert _keys(window)[2] == ("sill_c.png", 60, 0) and window.undo.count() == 2
    ke.move_key(2, 24)                                              # onto b's frame: they swap
    assert _keys(window) == [("sill_a.png", 0, 0), ("sill_c.png", 24, 0), ("sill_b.png", 60, 0)]
    window.undo.undo()
    window.undo.undo()
    assert _keys(window)[2] == ("sill_c.png", 48, 0)


def test_dropped_files_become_keys_at_the_drop_frame(window, qtbot):
    ke = _strip(window)
    strip = ke.strip
    strip.fit()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in SILLS[:2]])
    at = QPointF(strip.fx(30), 60)
    QApplication.sendEvent(strip, QDragEnterEvent(at, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.sendEvent(strip, QDragMoveEvent(at, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    ev = QDropEvent(at, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(strip, ev)
    assert ev.isAccepted()
    assert _keys(window) == [("sill_a.png", 30, 0), ("sill_b.png", 54, 0)]


def test_use_viewer_frame_writes_a_png_and_adds_it_as_a_key(window, qtbot, tmp_path):
    g = window.graph
    g.add("Gradient", node_id="Gradient1", pos=(0, 200), width=64, height=48)
    ke = _strip(window)
    ke.add_images(SILLS[:1])
    window.path = str(tmp_path / "shot.cgraph")                     # a saved workflow: PNG next to it
    window.scene.select_nodes(["Gradient1"])
    window.run_viewed()
    qtbot.waitUntil(lambda: window.viewer.value is not None, timeout=5000)
    window.keyframe_editor.set_node("Keyframes1")
    ke.viewer_action.trigger()
    qtbot.waitUntil(lambda: len(_keys(window)) == 2, timeout=5000)
    path = window.graph.nodes["Keyframes1"].params["keys"][1]["path"]
    assert os.path.dirname(path) == str(tmp_path / "shot_frames") and os.path.isfile(path)
    assert _keys(window)[1][1] == 24
    import cv2
    assert cv2.imread(path).shape == (48, 64, 3)
    window.undo.undo()
    assert len(_keys(window)) == 1
