"""Files dropped from the desktop: media become loader nodes, a workflow opens."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QMimeData, QPoint, QUrl

from tests.ui.conftest import EXAMPLES, drop, port_view_pos


def urls(*paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def test_dropped_image_and_video_files_make_loader_nodes_in_a_column(window, chelsea, realshort):
    at = window.view.viewport().rect().center()
    assert drop(window, urls(chelsea, realshort), at)
    g = window.graph
    assert list(g.nodes) == ["LoadImage1", "LoadVideo1"]
    assert g.nodes["LoadImage1"].params["path"] == chelsea
    assert g.nodes["LoadVideo1"].params["path"] == realshort
    assert g.nodes["LoadImage1"].name == "chelsea"
    (x1, y1), (x2, y2) = g.nodes["LoadImage1"].pos, g.nodes["LoadVideo1"].pos
    assert x1 == x2 and y2 > y1 + window.scene.nodes["LoadImage1"].height
    assert window.undo.count() == 1
    assert window.scene.selected_node_ids() == ["LoadImage1", "LoadVideo1"]


def test_a_file_dropped_on_a_compatible_input_is_connected(window, chelsea):
    window.graph.add("SlowClip", pos=(400, 0))
    assert drop(window, urls(chelsea), port_view_pos(window, "SlowClip1", "image", False))
    assert [str(lk) for lk in window.graph.links] == ["LoadImage1.image -> SlowClip1.image"]
    assert window.graph.nodes["LoadImage1"].pos[0] < 400


def test_a_dropped_workflow_opens(window, tmp_path):
    path = tmp_path / "shot.cgraph"
    shutil.copy(EXAMPLES / "camera_move.cgraph", path)
    drop(window, urls(path), QPoint(100, 100))
    assert window.path == str(path)
    assert "shot.cgraph" in window.windowTitle()
    assert len(window.graph.nodes) > 0


def test_other_files_are_refused_with_a_message(window, tmp_path):
    note = tmp_path / "notes.txt"
    note.write_text("hi")
    drop(window, urls(note), QPoint(100, 100))
    assert window.graph.nodes == {}
    assert "not an image or video" in window.statusBar().currentMessage()
