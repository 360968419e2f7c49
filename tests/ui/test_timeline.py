"""Timeline viewer, shot list, export dialog and drag out."""

from __future__ import annotations

import os
import shutil

import numpy as np

from PySide6.QtCore import Qt

from studio.graph.sequence import AddShot, Shot
from studio.media.clip import Clip
from tests.ui.conftest import EXAMPLES

SHOT = "/tmp/cinegraph_timeline.png"


def _clip(n=24, w=64, h=36):
    frames = np.zeros((n, h, w, 3), np.uint8)
    for i in range(n):
        frames[i, :, :, 0] = i * 10
    return Clip(frames, 24)


def test_transport_with_fake_clock(window, qtbot):
    t = [100.0]
    v = window.viewer
    v.clock_fn = lambda: t[0]
    v.playback = None
    v.set_value("x", _clip(), "clip")
    qtbot.waitUntil(lambda: not v._waiting, timeout=3000)
    v.play.setChecked(True)
    assert v.playback.speed == 1
    v._tick()                    # slot 0: frame 0 shown
    qtbot.waitUntil(lambda: not v._waiting, timeout=3000)
    t[0] += 1 / 24 + 1e-6
    v._tick()
    assert v.index == 1
    qtbot.waitUntil(lambda: not v._waiting, timeout=3000)
    t[0] += 5 / 24 + 1e-6        # late: frames 2..5 dropped, 6 shown
    v._tick()
    assert v.index == 6 and v.stats.dropped == 4
    v.toggle_play()
    assert not v.play.isChecked() and v.playback.speed == 0
    v.step(1)
    assert v.index == 7
    v.step(-2)
    assert v.index == 5
    v.shuttle_l()
    assert v.speed == 1
    v.shuttle_l()
    assert v.speed == 2
    v.shuttle_k()
    assert v.speed == 0
    v.shuttle_j()
    assert v.speed == -1
    v.shuttle_k()
    v.go_end()
    assert v.index == 23
    v.go_home()
    assert v.index == 0
    v.set_frame(4)
    v.mark_in()
    v.set_frame(10)
    v.mark_out()
    assert (v.in_point, v.out_point) == (4, 11) and (v.ruler.in_point, v.ruler.out_point) == (4, 11)
    v.go_home()
    assert v.index == 4
    v.go_end()
    assert v.index == 10
    v.clear_in()
    v.clear_out()
    assert (v.in_point, v.out_point) == (0, None)
    assert v.ruler.cached is None          # in-memory clip: all cached
    assert v.tc_label.text()


def test_overlays_and_wipe_paint(window, qtbot):
    v = window.viewer
    v.set_value("x", _clip(), "clip")
    qtbot.waitUntil(lambda: v.canvas.image is not None, timeout=3000)
    v.set_compare(_clip())
    v.set_safe_areas(True)
    for name in ("2.39", "1.85", "16:9", "4:3", "none"):
        v.set_guide(name)
        v.canvas.grab()
    v.set_wipe(True)
    qtbot.waitUntil(lambda: v.canvas.image_b is not None, timeout=3000)
    r = v.canvas.target_rect()
    from PySide6.QtTest import QTest
    QTest.mousePress(v.canvas, Qt.LeftButton, Qt.NoModifier, r.center().toPoint() + r.topLeft().toPoint() * 0)
    assert 0.0 <= v.canvas.wipe <= 1.0
    v.set_actual_size(True)
    assert not v.canvas.grab().isNull()
    v.set_actual_size(False)
    v.ruler.zoom(2.0)
    v.ruler.pan(3)
    v.ruler.set_keys([2, 5])
    assert not v.ruler.grab().isNull()
    v.set_wipe(False)


def _send(window, qtbot, node_id):
    n = len(window.graph.sequence.shots)
    assert window.send_to_shot_list(node_id)
    qtbot.waitUntil(lambda: len(window.graph.sequence.shots) == n + 1, timeout=30000)


def test_send_to_shot_list_and_edit(window, qtbot, tmp_path):
    window.path = str(tmp_path / "w.cgraph")
    nid = window.view.add_node("SlowClip", window.view.center_scene_pos())
    nid = nid if isinstance(nid, str) else list(window.graph.nodes)[-1]
    window.graph.nodes[nid].params["step_seconds"] = 0.0
    _send(window, qtbot, nid)
    shot = window.graph.sequence.shots[0]
    assert os.path.exists(shot.media) and shot.media_frames == 8 and shot.source_node == nid
    assert (tmp_path / "renders").is_dir()
    _send(window, qtbot, nid)
    sl = window.shot_list
    assert sl.list.count() == 2
    ids = [s.id for s in window.graph.sequence.shots]
    assert sl.move_shot(ids[1], 0)
    assert [s.id for s in window.graph.sequence.shots] == ids[::-1]
    sl.select(ids[0])
    sl.name.setText("Hero")
    sl.name.editingFinished.emit()
    assert window.graph.sequence.shot(ids[0]).name == "Hero"
    sl.in_box.setValue(2)
    sl.out_box.setValue(6)
    s = window.graph.sequence.shot(ids[0])
    assert (s.source_in, s.source_out) == (2, 6)
    assert not sl.set_reel("TOOLONGREEL")
    assert "Reel" in sl.message.text() and window.graph.sequence.shot(ids[0]).reel == "AX"
    assert sl.set_reel("A001") and window.graph.sequence.shot(ids[0]).reel == "A001"
    assert not sl.set_timecode("nope")
    assert sl.set_timecode("01:00:10:00")
    mime = sl.list.mimeData([sl.list.currentItem()])
    assert [u.toLocalFile() for u in mime.urls()] == [os.path.abspath(s.media)]
    assert sl.delete_selected() and len(window.graph.sequence.shots) == 1
    window.undo.undo()
    assert len(window.graph.sequence.shots) == 2
    while window.undo.canUndo():
        window.undo.undo()
    assert window.graph.sequence.shots == []


def test_export_dialog_writes_and_cancels(window, qtbot, tmp_path):
    from studio.ui.exporting import ExportDialog
    g = window.graph
    media = tmp_path / "a.mov"
    media.write_bytes(b"x")
    g.apply(AddShot(Shot("", "A", str(media), 0, 10, 24, "24", "A001", "01:00:00:00")))
    dlg = ExportDialog(_clip(24, 64, 36), str(tmp_path / "out.mp4"), g.sequence.copy(), str(tmp_path),
                       formats=(".otio", ".edl", ".xml", ".fcpxml"), parent=window)
    dlg.set_preset("h264")
    dlg.reel.setText("R1")
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: not dlg.busy, timeout=30000)
    assert dlg.error == "", dlg.error
    for ext in (".mp4", ".otio", ".edl", ".xml", ".fcpxml"):
        assert (tmp_path / f"out{ext}").exists(), ext
    # cancel: nothing left
    big = Clip(np.zeros((400, 240, 320, 3), np.uint8), 24)
    dlg2 = ExportDialog(big, str(tmp_path / "c.mov"), g.sequence.copy(), str(tmp_path), formats=(".edl",),
                        parent=window)
    dlg2.start()
    dlg2.cancel()
    qtbot.waitUntil(lambda: not dlg2.busy, timeout=30000)
    assert not (tmp_path / "c.mov").exists() and not (tmp_path / "c.edl").exists()
    assert not [p for p in os.listdir(tmp_path) if "partial" in p]
    # failure shows the message
    dlg3 = ExportDialog(_clip(), str(tmp_path / "missing" / "x.mov"), parent=window)
    dlg3.start()
    qtbot.waitUntil(lambda: not dlg3.busy, timeout=10000)
    assert "does not exist" in dlg3.error and "failed" in dlg3.status.text()


def test_timeline_screenshot(make_window, qtbot, tmp_path):
    from studio.graph import default_registry
    win = make_window(registry=default_registry())
    win.resize(1600, 1000)
    src = tmp_path / "camera_move.cgraph"
    shutil.copy(EXAMPLES / "camera_move.cgraph", src)
    text = src.read_text().replace("../resources", str(EXAMPLES.parent / "resources")).replace(
        "../out/camera_move.mov", str(tmp_path / "camera_move.mov"))
    src.write_text(text)
    assert win.open_file(str(src))
    win.scene.select_nodes(["FlowGenerator1"])
    win.run_viewed()
    qtbot.waitUntil(lambda: not win.runs.running, timeout=60000)
    _send(win, qtbot, "FlowGenerator1")
    _send(win, qtbot, "FlowGenerator1")
    sl = win.shot_list
    ids = [s.id for s in win.graph.sequence.shots]
    sl.select(ids[0])
    assert sl.trim(4, 30)
    sl.select(ids[1])
    assert sl.trim(12, 40) and sl.set_reel("A002")
    win.scene.select_nodes(["FlowGenerator1"])
    qtbot.waitUntil(lambda: win.viewer.canvas.image is not None, timeout=5000)
    win.viewer.set_frame(20)
    win.viewer.set_in_out(4, 40)
    win.viewer.set_safe_areas(True)
    win.viewer.set_guide("2.39")
    qtbot.wait(200)
    image = win.grab().toImage()
    out = tmp_path / "timeline.png"
    assert image.save(str(out))
    shutil.copy(out, SHOT)
