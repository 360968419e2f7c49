"""The canvas: creating, connecting, moving and selecting nodes with mouse and keyboard."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import drag, drop, node_view_pos, port_view_pos


def test_dragging_a_type_from_the_library_creates_it_where_dropped(window):
    item = window.library.item_for("Gradient")
    mime = window.library.tree.mimeData([item])
    at = window.view.viewport().rect().center() + QPoint(40, 30)
    assert drop(window, mime, at)
    assert list(window.graph.nodes) == ["Gradient1"]
    node = window.graph.nodes["Gradient1"]
    header = window.view.mapToScene(at)
    item = window.scene.nodes["Gradient1"]
    assert item.sceneBoundingRect().contains(header)          # the drop point is on the new node
    assert abs(node.pos[1] + 14 - header.y()) < 1
    assert window.scene.selected_node_ids() == ["Gradient1"]
    assert window.undo.count() == 1


def test_double_clicking_a_library_entry_adds_the_node_at_the_view_centre(window):
    window.library._activated(window.library.item_for("Const"))
    assert list(window.graph.nodes) == ["Const1"]
    centre = window.view.center_scene_pos()
    assert window.scene.nodes["Const1"].sceneBoundingRect().contains(centre)


def test_library_search_filters_by_name_and_description(window):
    window.library.search.setText("test picture")
    assert window.library.visible_types() == ["Gradient"]
    window.library.search.setText("")
    assert "LoadImage" in window.library.visible_types()


def test_connecting_two_ports_with_the_mouse(window):
    g = window.graph
    g.add("Gradient", pos=(0, 0))
    g.add("SlowClip", pos=(320, 40))
    drag(window, port_view_pos(window, "Gradient1", "image", True), port_view_pos(window, "SlowClip1", "image", False))
    assert [str(lk) for lk in g.links] == ["Gradient1.image -> SlowClip1.image"]
    assert ("SlowClip1", "image") in window.scene.wires
    assert window.scene.port_item("SlowClip1", "image", False).connected
    window.undo.undo()
    assert g.links == []
    assert window.scene.wires == {}


def test_an_invalid_connection_is_refused_with_the_models_reason(window):
    g = window.graph
    g.add("Img", pos=(0, 0))
    g.add("CamSink", pos=(320, 0))
    drag(window, port_view_pos(window, "Img1", "image", True), port_view_pos(window, "CamSink1", "camera", False))
    assert g.links == []
    reason = g.can_connect("Img1", "image", "CamSink1", "camera").reason
    assert reason == "an Image output cannot feed a Camera input"
    assert reason in window.statusBar().currentMessage()
    assert window.undo.count() == 0


def test_incompatible_ports_are_dimmed_while_dragging_a_wire(window, qtbot):
    g = window.graph
    g.add("Img", pos=(0, 0))
    g.add("CamSink", pos=(320, 0))
    g.add("ClipSink", pos=(320, 200))
    vp = window.view.viewport()
    a = port_view_pos(window, "Img1", "image", True)
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, a)
    QTest.mouseMove(vp, a + QPoint(60, 10))
    window.view.viewport().repaint()                     # the dimmed ports and the loose wire paint
    qtbot.wait(10)
    assert window.scene.port_item("CamSink1", "camera", False).dimmed
    assert not window.scene.port_item("ClipSink1", "clip", False).dimmed   # Image -> Clip is a coercion
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, port_view_pos(window, "ClipSink1", "clip", False))
    assert [str(lk) for lk in g.links] == ["Img1.image -> ClipSink1.clip"]
    assert not window.scene.port_item("CamSink1", "camera", False).dimmed
    assert "one-frame clip" in window.statusBar().currentMessage()


def test_a_wire_dropped_on_empty_canvas_offers_compatible_nodes_and_connects_the_choice(window):
    g = window.graph
    g.add("Gradient", pos=(0, 0))
    a = port_view_pos(window, "Gradient1", "image", True)
    drag(window, a, a + QPoint(250, 120))
    popup = window.view.popup
    assert popup.isVisible()
    offered = popup.types()
    assert "SlowClip" in offered and "ClipSink" in offered      # take an Image (or a Clip)
    assert "CamSink" not in offered and "Gradient" not in offered
    popup.choose("SlowClip")
    assert [str(lk) for lk in g.links] == ["Gradient1.image -> SlowClip1.image"]
    assert window.undo.count() == 1                               # add + connect is one step
    window.undo.undo()
    assert list(g.nodes) == ["Gradient1"]


def test_tab_opens_the_search_and_adds_the_node_at_the_cursor(window):
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Tab)
    popup = window.view.popup
    assert popup.isVisible()
    QTest.keyClicks(popup.field, "slow clip")
    assert popup.types()[0] == "SlowClip"
    QTest.keyClick(popup.field, Qt.Key_Return)
    assert list(window.graph.nodes) == ["SlowClip1"]
    assert not popup.isVisible()


def test_dragging_a_node_moves_the_selection_in_one_undo_step(window):
    g = window.graph
    g.add("Const", pos=(0, 0))
    g.add("Const", pos=(0, 200))
    window.scene.select_nodes(["Const1", "Const2"])
    a = node_view_pos(window, "Const1")
    drag(window, a, a + QPoint(100, 50), steps=8)
    z = window.view.zoom()
    assert abs(g.nodes["Const1"].pos[0] - 100 / z) < 1.5 and abs(g.nodes["Const2"].pos[1] - (200 + 50 / z)) < 1.5
    assert window.undo.count() == 1
    assert window.scene.nodes["Const1"].pos() == QPointF(*g.nodes["Const1"].pos)
    window.undo.undo()
    assert g.nodes["Const1"].pos == (0.0, 0.0) and g.nodes["Const2"].pos == (0.0, 200.0)


def test_clicking_a_node_without_moving_makes_no_undo_step(window):
    window.graph.add("Const", pos=(0, 0))
    QTest.mouseClick(window.view.viewport(), Qt.LeftButton, Qt.NoModifier, node_view_pos(window, "Const1"))
    assert window.undo.count() == 0
    assert window.scene.selected_node_ids() == ["Const1"]


def test_rubber_band_selects_the_nodes_it_touches(window):
    g = window.graph
    for i in range(3):
        g.add("Const", pos=(i * 300, 0))
    window.view.frame_all()
    r1 = window.scene.nodes["Const1"].sceneBoundingRect()
    r2 = window.scene.nodes["Const2"].sceneBoundingRect()
    a = window.view.mapFromScene(r1.topLeft() - QPointF(30, 30))
    b = window.view.mapFromScene(r2.center())
    drag(window, a, b)
    assert window.scene.selected_node_ids() == ["Const1", "Const2"]


def test_middle_drag_pans_and_the_wheel_zooms_about_the_cursor(window):
    view = window.view
    window.graph.add("Const", pos=(0, 0))
    before = view.mapToScene(view.viewport().rect().center())
    drag(window, QPoint(300, 300), QPoint(200, 250), button=Qt.MiddleButton)
    after = view.mapToScene(view.viewport().rect().center())
    z = view.zoom()
    assert abs((after - before).x() - 100 / z) < 2 and abs((after - before).y() - 50 / z) < 2
    at = QPoint(200, 150)
    under = view.mapToScene(at)
    view.set_zoom(1.5, at)
    assert (view.mapToScene(at) - under).manhattanLength() < 1.5
    assert window.graph.nodes["Const1"].pos == (0.0, 0.0)


def test_frame_all_and_frame_selected_show_the_nodes(window):
    g = window.graph
    g.add("Const", pos=(-2000, -1000))
    g.add("Const", pos=(3000, 2000))
    window.frame_all_action.trigger()
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    for item in window.scene.nodes.values():
        assert visible.contains(item.sceneBoundingRect())
    window.scene.select_nodes(["Const2"])
    window.frame_selected_action.trigger()
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.nodes["Const2"].sceneBoundingRect())
    assert not visible.contains(window.scene.nodes["Const1"].sceneBoundingRect())


def test_d_bypasses_the_selection_and_toggles_back(window):
    g = window.graph
    g.add("Const", pos=(0, 0))
    window.scene.select_nodes(["Const1"])
    window.bypass_action.trigger()
    assert g.nodes["Const1"].bypass
    window.bypass_action.trigger()
    assert not g.nodes["Const1"].bypass
    window.undo.undo()
    assert g.nodes["Const1"].bypass


def test_dragging_a_connected_input_picks_the_wire_up(window):
    g = window.graph
    g.add("Gradient", pos=(0, 0))
    g.add("SlowClip", pos=(300, 0))
    g.connect("Gradient1", "image", "SlowClip1", "image")
    a = port_view_pos(window, "SlowClip1", "image", False)
    drag(window, a, a + QPoint(120, 200))
    assert g.links == []
    assert not window.view.popup.isVisible()
    window.undo.undo()
    assert len(g.links) == 1


def test_nodes_show_run_state_and_failures_on_hover(window):
    window.graph.add("Const", pos=(0, 0))
    item = window.scene.nodes["Const1"]
    window.scene.set_node_state("Const1", "failed", message="it broke")
    assert item.state == "failed" and "it broke" in item.toolTip()
    window.scene.set_node_state("Const1", "running", 0.4)
    assert item.progress == 0.4


def test_the_minimap_shows_the_graph_out_of_view_and_moves_the_view(window):
    g = window.graph
    g.add("Const", pos=(0, 0))
    g.add("Const", pos=(4000, 3000))
    mm = window.view.minimap
    assert mm.isVisible()
    assert mm.geometry().bottom() <= window.view.viewport().geometry().bottom()
    window.view.centerOn(QPointF(0, 0))
    QTest.mouseClick(mm, Qt.LeftButton, Qt.NoModifier, QPoint(mm.width() - 12, mm.height() - 12))
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    assert centre.x() > 2000 and centre.y() > 1500
    window.view.frame_all()
    assert not mm.isVisible()                      # nothing to show when all the graph is in view


def test_a_clicked_wire_is_selected_and_delete_disconnects_it(window):
    g = window.graph
    g.add("Gradient", pos=(0, 0))
    g.add("SlowClip", pos=(400, 0))
    g.connect("Gradient1", "image", "SlowClip1", "image")
    window.view.frame_all()
    wire = window.scene.wires[("SlowClip1", "image")]
    middle = window.view.mapFromScene(wire._path.pointAtPercent(0.5))
    QTest.mouseClick(window.view.viewport(), Qt.LeftButton, Qt.NoModifier, middle)
    assert wire.isSelected()
    window.delete_action.trigger()
    assert g.links == [] and list(g.nodes) == ["Gradient1", "SlowClip1"]
    window.undo.undo()
    assert len(g.links) == 1


def test_clicking_one_node_of_a_selection_selects_just_it(window):
    g = window.graph
    g.add("Const", pos=(0, 0))
    g.add("Const", pos=(0, 200))
    window.scene.select_nodes(["Const1", "Const2"])
    QTest.mouseClick(window.view.viewport(), Qt.LeftButton, Qt.NoModifier, node_view_pos(window, "Const2"))
    assert window.scene.selected_node_ids() == ["Const2"]
    assert window.inspector.node_id == "Const2" and window.viewed == "Const2"


def test_right_click_menus_offer_node_backdrop_and_canvas_actions(window):
    from PySide6.QtWidgets import QMenu
    from studio.ui.actions import canvas_menu
    g = window.graph
    g.add("Const", pos=(0, 0))
    window.scene.rebuild()
    window.scene.select_nodes(["Const1"])
    bid = window.add_backdrop()
    window.view.frame_all()

    def texts(pos):
        before = set(window.view.findChildren(QMenu))
        canvas_menu(window, pos)
        [menu] = [m for m in window.view.findChildren(QMenu) if m not in before and m.parent() is window.view]
        names = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
        menu.close()
        menu.deleteLater()
        return names

    assert "Bypass" in texts(node_view_pos(window, "Const1"))
    title = window.view.mapFromScene(window.scene.backdrop_items[bid].rect().topLeft() + QPointF(30, 10))
    assert texts(title)[:2] == ["Rename…", "Colour"]
    assert "Add Node…" in texts(QPoint(5, 5))


def test_space_drag_pans_instead_of_moving_a_node(window):
    view = window.view
    window.graph.add("Const", pos=(0, 0))
    a = node_view_pos(window, "Const1")
    before = view.mapToScene(view.viewport().rect().center())
    view.setFocus()
    QTest.keyPress(view, Qt.Key_Space)
    drag(window, a, a + QPoint(-120, 0))
    QTest.keyRelease(view, Qt.Key_Space)
    after = view.mapToScene(view.viewport().rect().center())
    assert window.graph.nodes["Const1"].pos == (0.0, 0.0) and window.undo.count() == 0
    assert after.x() - before.x() > 100 / view.zoom() - 2
