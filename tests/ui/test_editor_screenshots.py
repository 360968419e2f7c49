"""Screenshots of the filmmaker editors with real content, for looking at.

* /tmp/cinegraph_brush_editor.png -- the motion brush editor on examples/animate_still.cgraph
  (kodim03 with its two brushes), plus a third brush made with auto-select on the orange cap
  and given a trajectory;
* /tmp/cinegraph_curve_editor.png -- the main window with a keyed CameraMove: the curve editor
  (linear, ease and Bezier segments), the inspector's keyframe buttons and the camera overlay.

Each test also proves what the picture should show.
"""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

from studio.graph.commands import SetParam
from studio.ui.editors import brushdata
from tests.ui.conftest import EXAMPLES
from tests.ui.editor_helpers import drag_on_canvas

BRUSH_SHOT = "/tmp/cinegraph_brush_editor.png"
CURVE_SHOT = "/tmp/cinegraph_curve_editor.png"


def test_brush_editor_screenshot_on_animate_still(make_window, qtbot, tmp_path):
    win = make_window()
    assert win.open_file(str(EXAMPLES / "animate_still.cgraph"))
    ed = win.open_brush_editor("MotionBrush1")
    ed.resize(1440, 880)
    qtbot.waitUntil(lambda: ed.source is not None, timeout=15000)
    assert ed.source.shape == (512, 768, 3) and ed.list.count() == 2
    ed.add_brush()
    ed.set_tool("select")
    ed.auto_select([[0.46, 0.45], [0.5, 0.5], [0.54, 0.55]])       # scribble over the orange cap
    qtbot.waitUntil(lambda: bool(ed.brushes[2].get("shapes")), timeout=20000)
    ed.push(brushdata.set_field(ed.brushes, 2, "name", "Orange cap"))
    ed.set_tool("path")
    drag_on_canvas(ed.canvas, [(0.5, 0.5), (0.56, 0.42), (0.64, 0.4), (0.7, 0.46)])
    assert len(ed.brushes[2]["trajectory"]) >= 2
    ed.set_tool("paint")
    qtbot.waitUntil(lambda: not ed.previewer.busy and bool(ed.preview.frames) and bool(ed.canvas.arrows),
                    timeout=10000)
    qtbot.wait(60)
    image = ed.grab().toImage()
    out = tmp_path / "brush_editor.png"
    assert image.save(str(out))
    shutil.copy(out, BRUSH_SHOT)


def test_curve_editor_screenshot_of_a_keyed_camera(make_window, qtbot, tmp_path):
    win = make_window()
    win.resize(1600, 1000)
    g = win.graph
    g.add("CameraMove", node_id="CameraMove1", pos=(0, 0))
    win.scene.rebuild()
    win.scene.select_nodes(["CameraMove1"])
    win.push(SetParam("CameraMove1", "pan", {"keys": [
        {"frame": 0, "value": 0, "interp": "ease"}, {"frame": 30, "value": 4, "interp": "bezier", "out": [10, 2]},
        {"frame": 60, "value": -2, "in": [-12, -3], "interp": "linear"}, {"frame": 95, "value": 1}]}))
    win.push(SetParam("CameraMove1", "zoom", {"keys": [
        {"frame": 0, "value": 0, "interp": "linear"}, {"frame": 48, "value": 6, "interp": "hold"},
        {"frame": 72, "value": 3}]}))
    win.push(SetParam("CameraMove1", "roll", {"keys": [
        {"frame": 10, "value": -1.5, "interp": "ease"}, {"frame": 80, "value": 2.5}]}))
    win.curves_dock.show()
    win.resizeDocks([win.curves_dock], [380], Qt.Vertical)
    win.go_to_frame(40)
    qtbot.wait(50)
    ce = win.curve_editor
    assert ce.shown() == ["pan", "zoom", "roll"]
    ce.fit()
    ce.view.set_selected(("pan", 1))
    assert win.viewer.overlay is not None
    qtbot.wait(50)
    image = win.grab().toImage()
    out = tmp_path / "curve_editor.png"
    assert image.save(str(out))
    shutil.copy(out, CURVE_SHOT)
