"""Backdrops: titled, coloured frames that carry the nodes inside them; every edit undoable."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF

from studio.ui.backdrops import backdrops
from tests.ui.conftest import drag


def setup(win):
    g = win.graph
    g.add("Const", pos=(0, 0))
    g.add("Const", pos=(0, 160))
    g.add("Const", pos=(600, 0))        # outside
    win.scene.rebuild()
    win.scene.select_nodes(["Const1", "Const2"])
    bid = win.add_backdrop()
    win.view.frame_all()
    return bid


def test_a_backdrop_frames_the_selected_nodes(window):
    bid = setup(window)
    [b] = backdrops(window.graph)
    assert b["id"] == bid and b["title"] == "Backdrop"
    item = window.scene.backdrop_items[bid]
    assert set(window.scene.nodes_inside(item.rect())) == {"Const1", "Const2"}


def test_dragging_the_title_moves_the_backdrop_and_its_nodes_in_one_step(window):
    bid = setup(window)
    item = window.scene.backdrop_items[bid]
    a = window.view.mapFromScene(item.rect().topLeft() + QPointF(60, 12))
    window.scene.clearSelection()
    drag(window, a, a + QPoint(100, 40), steps=8)
    z = window.view.zoom()
    g = window.graph
    assert abs(g.nodes["Const1"].pos[0] - 100 / z) < 1.5 and abs(g.nodes["Const2"].pos[1] - (160 + 40 / z)) < 1.5
    assert g.nodes["Const3"].pos == (600.0, 0.0)
    assert window.undo.index() == 2                               # add backdrop, move
    moved = backdrops(g)[0]["rect"]
    window.undo.undo()
    assert g.nodes["Const1"].pos == (0.0, 0.0)
    assert backdrops(g)[0]["rect"] != moved
    assert window.scene.backdrop_items[bid].rect().topLeft() == QPointF(*backdrops(g)[0]["rect"][:2])


def test_resize_colour_rename_and_delete_are_undoable(window):
    bid = setup(window)
    item = window.scene.backdrop_items[bid]
    before = backdrops(window.graph)[0]
    grip = window.view.mapFromScene(item.rect().bottomRight() - QPointF(4, 4))
    drag(window, grip, grip + QPoint(80, 60), steps=6)
    after = backdrops(window.graph)[0]
    assert after["rect"][2] > before["rect"][2] and after["rect"][3] > before["rect"][3]
    window.set_backdrop_colour(bid, "#22545a")
    from studio.ui.backdrops import EditBackdrop
    window.push(EditBackdrop(bid, title="Hero shot"))
    assert window.scene.backdrop_items[bid].title == "Hero shot"
    window.delete_backdrop(bid)
    assert bid not in window.scene.backdrop_items
    assert window.undo.index() == 5
    for _ in range(4):
        window.undo.undo()
    assert backdrops(window.graph)[0] == before
    assert window.scene.backdrop_items[bid].colour.name() == before["color"]


def test_deleting_a_selected_backdrop_keeps_its_nodes(window):
    bid = setup(window)
    window.scene.clearSelection()
    window.scene.backdrop_items[bid].setSelected(True)
    window.delete_selection()
    assert backdrops(window.graph) == [] and len(window.graph.nodes) == 3
