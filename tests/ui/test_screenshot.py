"""A screenshot of the main window on examples/animate_still.cgraph, for looking at.

Saved under the test's tmp dir and to /tmp/cinegraph_main.png.  The test proves the window
renders the example at 1600x1000 with every node on screen and no two nodes overlapping.
"""

from __future__ import annotations

import shutil

from tests.ui.conftest import EXAMPLES

SHOT = "/tmp/cinegraph_main.png"


def test_main_window_screenshot_of_animate_still(make_window, qtbot, tmp_path):
    from studio.graph import default_registry
    win = make_window(registry=default_registry())      # what a filmmaker sees: the real library
    win.resize(1600, 1000)
    qtbot.wait(50)
    assert win.open_file(str(EXAMPLES / "animate_still.cgraph"))
    win.scene.select_nodes(["FlowGenerator1"])
    win.run_viewed()
    qtbot.waitUntil(lambda: not win.runs.running, timeout=60000)
    assert win.runs.states.get("FlowGenerator1") == "done"
    qtbot.waitUntil(lambda: win.scene.nodes["FlowGenerator1"].thumbnail is not None, timeout=5000)
    qtbot.waitUntil(lambda: win.viewer.canvas.image is not None, timeout=5000)
    win.view.frame_all()
    qtbot.wait(50)
    visible = win.view.mapToScene(win.view.viewport().rect()).boundingRect()
    items = list(win.scene.nodes.values())
    for item in items:
        assert visible.contains(item.sceneBoundingRect()), item.node_id
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            assert not a.body_rect().translated(a.pos()).intersects(b.body_rect().translated(b.pos())), \
                (a.node_id, b.node_id)
    image = win.grab().toImage()
    assert image.width() >= 1600 and image.height() >= 1000
    out = tmp_path / "cinegraph_main.png"
    assert image.save(str(out))
    shutil.copy(out, SHOT)
