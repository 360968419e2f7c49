"""The window's actions, menus, toolbar and the canvas context menu.

Shortcuts use the platform's standard keys (``QKeySequence.StandardKey``) where one exists.
Canvas-only shortcuts (A, F, D, Delete, Ctrl+D, Tab, clipboard) are scoped to the canvas
(``Qt.WidgetWithChildrenShortcut``), so typing in the inspector never triggers them.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from studio.ui import project, theme

K = QKeySequence.StandardKey


def _action(win, text: str, slot, keys=(), icon: str = "", tip: str = "", checkable: bool = False,
            canvas: bool = False) -> QAction:
    act = QAction(text, win)
    if icon:
        act.setIcon(theme.icon(icon))
    seqs = []
    for k in keys:
        if isinstance(k, QKeySequence.StandardKey):
            seqs.extend(QKeySequence.keyBindings(k))
        else:
            seqs.append(QKeySequence(k))
    if seqs:
        act.setShortcuts(seqs)
    act.setCheckable(checkable)
    if tip or seqs:
        act.setToolTip(f"{tip or text.replace('…', '').replace('&', '')}"
                       f"{'  (' + seqs[0].toString(QKeySequence.NativeText) + ')' if seqs else ''}")
        act.setStatusTip(tip)
    act.triggered.connect(slot)
    if canvas:
        act.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        win.view.addAction(act)
    else:
        win.addAction(act)
    return act


def build(win) -> None:
    a = _action
    # file
    win.new_action = a(win, "&New", win.new_document, [K.New], "fa5s.file", "New workflow")
    win.new_window_action = a(win, "New &Window", lambda: win.new_window(), ["Ctrl+Shift+N"])
    win.open_action = a(win, "&Open…", win.open_dialog, [K.Open], "fa5s.folder-open", "Open a workflow")
    win.save_action = a(win, "&Save", lambda: win.save(), [K.Save], "fa5s.save", "Save the workflow")
    win.save_as_action = a(win, "Save &As…", lambda: win.save_as(), [K.SaveAs])
    win.revert_action = a(win, "&Revert", win.revert, [], "fa5s.history", "Reload the saved file")
    win.close_action = a(win, "&Close Window", win.close, [K.Close])
    win.export_action = a(win, "&Export…", lambda: win.open_export_dialog(), ["Ctrl+E"], "fa5s.file-export",
                          "Export the viewed clip (and the shot list) for editing software")
    win.send_shot_action = a(win, "Send to Shot &List", lambda: win.send_to_shot_list(), ["Ctrl+Shift+L"],
                             "fa5s.list-ol", "Render the selected node to a file and add it to the shot list")
    win.view_selected_action = a(win, "View Selected", win.view_selected, ["1"], canvas=True,
                                 tip="Show the selected node in the viewer")
    win.wipe_a_action = a(win, "Wipe: Set &A", win.set_wipe_a, [], tip="Show the selected node as A")
    win.wipe_b_action = a(win, "Wipe: Set &B", win.set_wipe_b, [], tip="Wipe to the selected node as B")
    win.quit_action = a(win, "&Quit", _quit, [K.Quit])
    win.quit_action.setMenuRole(QAction.QuitRole)
    # edit
    win.undo_action = win.undo.createUndoAction(win, "&Undo")
    win.undo_action.setShortcuts(QKeySequence.keyBindings(K.Undo))
    win.undo_action.setIcon(theme.icon("fa5s.undo"))
    win.redo_action = win.undo.createRedoAction(win, "&Redo")
    win.redo_action.setShortcuts(QKeySequence.keyBindings(K.Redo))
    win.redo_action.setIcon(theme.icon("fa5s.redo"))
    win.addAction(win.undo_action)
    win.addAction(win.redo_action)
    win.history_action = win.history_dock.toggleViewAction()
    win.history_action.setText("&History")
    win.history_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
    win.cut_action = a(win, "Cu&t", win.cut_selection, [K.Cut], canvas=True)
    win.copy_action = a(win, "&Copy", win.copy_selection, [K.Copy], canvas=True)
    win.paste_action = a(win, "&Paste", win.paste, [K.Paste], canvas=True)
    win.duplicate_action = a(win, "D&uplicate", win.duplicate_selection, ["Ctrl+D"], canvas=True)
    win.delete_action = a(win, "&Delete", win.delete_selection, [K.Delete, "Backspace"], canvas=True)
    win.select_all_action = a(win, "Select &All", win.select_all, [K.SelectAll], canvas=True)
    win.bypass_action = a(win, "&Bypass", win.toggle_bypass, ["D"], "fa5s.ban", "Bypass the selected nodes",
                          canvas=True)
    win.add_node_action = a(win, "Add &Node…", lambda: win.view.open_search(), ["Tab"], "fa5s.plus",
                            "Search and add a node", canvas=True)
    win.add_backdrop_action = a(win, "Add Bac&kdrop", win.add_backdrop, ["Ctrl+B"], "fa5s.object-group",
                                "Frame the selected nodes with a backdrop")
    # view
    win.frame_all_action = a(win, "Frame &All", win.view.frame_all, ["A"], "fa5s.expand", "Show the whole graph",
                             canvas=True)
    win.frame_selected_action = a(win, "&Frame Selected", win.view.frame_selected, ["F"], "fa5s.crosshairs",
                                  canvas=True)
    win.zoom_in_action = a(win, "Zoom &In", lambda: win.view.set_zoom(1.25), [K.ZoomIn])
    win.zoom_out_action = a(win, "Zoom &Out", lambda: win.view.set_zoom(0.8), [K.ZoomOut])
    win.zoom_reset_action = a(win, "Actual &Size", lambda: win.view.set_zoom(1.0 / win.view.zoom()), ["Ctrl+0"])
    win.minimap_action = a(win, "&Minimap", lambda on: win.view.minimap.set_enabled(on), [],
                           tip="Show an overview when the graph is larger than the view", checkable=True)
    win.minimap_action.setChecked(True)
    # run
    win.run_action = a(win, "&Run", win.run_viewed, ["Ctrl+Return", "Ctrl+Enter"], "fa5s.play",
                       "Render the viewed node in the background")
    win.stop_action = a(win, "&Stop", win.stop_runs, ["Ctrl+."], "fa5s.stop", "Cancel the running render")
    win.stop_action.setEnabled(False)
    win.auto_run_action = a(win, "&Auto-run", win.runs.set_auto_run, ["Ctrl+Shift+R"], "fa5s.sync-alt",
                            "Re-render the viewed node after every edit", checkable=True)
    win.clear_cache_action = a(win, "&Clear Cache", lambda: (win.executor.cache.clear(),
                                                              win.show_status("Cache cleared")), [])

    menu = win.menuBar()
    m = menu.addMenu("&File")
    m.addActions([win.new_action, win.new_window_action, win.open_action])
    win.recent_menu = m.addMenu("Open &Recent")
    win.recent_menu.aboutToShow.connect(lambda: fill_recent(win))
    m.addSeparator()
    m.addActions([win.save_action, win.save_as_action, win.revert_action])
    m.addSeparator()
    m.addActions([win.export_action, win.send_shot_action])
    m.addSeparator()
    m.addActions([win.close_action, win.quit_action])
    m = menu.addMenu("&Edit")
    m.addActions([win.undo_action, win.redo_action, win.history_action])
    m.addSeparator()
    m.addActions([win.cut_action, win.copy_action, win.paste_action, win.duplicate_action, win.delete_action,
                  win.select_all_action])
    m.addSeparator()
    m.addActions([win.add_node_action, win.add_backdrop_action, win.bypass_action])
    m = menu.addMenu("&View")
    m.addActions([win.frame_all_action, win.frame_selected_action, win.zoom_in_action, win.zoom_out_action,
                  win.zoom_reset_action])
    m.addSeparator()
    m.addAction(win.minimap_action)
    m.addActions([win.view_selected_action, win.wipe_a_action, win.wipe_b_action])
    m.addSeparator()
    for dock in (win.library_dock, win.inspector_dock, win.viewer_dock, win.shot_list_dock, win.curves_dock,
                 win.keyframes_dock):
        m.addAction(dock.toggleViewAction())
    m = menu.addMenu("&Run")
    m.addActions([win.run_action, win.stop_action, win.auto_run_action])
    m.addSeparator()
    m.addAction(win.clear_cache_action)
    m = menu.addMenu("&Help")
    m.addAction(a(win, "&Keyboard and Mouse", lambda: _show_help(win), [K.HelpContents]))

    tb = win.addToolBar("Main")
    tb.setObjectName("mainToolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    tb.addActions([win.new_action, win.open_action, win.save_action])
    tb.addSeparator()
    tb.addActions([win.undo_action, win.redo_action])
    tb.addSeparator()
    tb.addActions([win.add_node_action, win.add_backdrop_action, win.frame_all_action])
    tb.addSeparator()
    tb.addActions([win.run_action, win.stop_action, win.auto_run_action])
    for act in (win.new_action, win.open_action, win.save_action, win.undo_action, win.redo_action,
                win.frame_all_action, win.add_backdrop_action):
        btn = tb.widgetForAction(act)
        if btn is not None:
            btn.setToolButtonStyle(Qt.ToolButtonIconOnly)


def _quit() -> None:
    from PySide6.QtWidgets import QApplication
    QApplication.closeAllWindows()


def fill_recent(win) -> None:
    menu: QMenu = win.recent_menu
    menu.clear()
    files = project.recent_files()
    for path in files:
        act = menu.addAction(os.path.basename(path))
        act.setToolTip(path)
        act.setStatusTip(path)
        act.triggered.connect(lambda checked=False, p=path: win.open_file(p))
    if not files:
        menu.addAction("(none)").setEnabled(False)
    menu.addSeparator()
    menu.addAction("Clear Menu", project.clear_recent)


def canvas_menu(win, view_pos) -> None:
    """The right-click menu: node, backdrop or canvas actions."""
    view = win.view
    menu = QMenu(view)
    menu.setAttribute(Qt.WA_DeleteOnClose, True)
    node = view._node_at(view_pos)
    backdrop = None if node is not None else view._backdrop_at(view_pos)
    if node is not None:
        if not node.isSelected():
            win.scene.select_nodes([node.node_id])
        menu.addAction(theme.icon("fa5s.eye"), "View", lambda: win.set_viewed(node.node_id))
        menu.addAction(theme.icon("fa5s.list-ol"), "Send to Shot List", lambda: win.send_to_shot_list(node.node_id))
        menu.addActions([win.run_action, win.bypass_action, win.duplicate_action, win.copy_action,
                         win.delete_action])
    elif backdrop is not None:
        bid = backdrop.backdrop_id
        menu.addAction("Rename…", lambda: view.rename_backdrop(bid))
        colours = menu.addMenu("Colour")
        for name, colour in theme.BACKDROP_COLOURS.items():
            colours.addAction(name, lambda c=colour: win.set_backdrop_colour(bid, c))
        menu.addAction("Delete Backdrop", lambda: win.delete_backdrop(bid))
    else:
        menu.addAction(theme.icon("fa5s.plus"), "Add Node…", lambda: view.open_search(view_pos))
        menu.addActions([win.paste_action, win.add_backdrop_action, win.frame_all_action])
    menu.popup(view.viewport().mapToGlobal(view_pos))


def _show_help(win) -> None:
    from PySide6.QtWidgets import QMessageBox
    rows = [("Tab", "add a node (search)"), ("drag from a port", "connect; drop on empty canvas to add a node"),
            ("A / F", "frame all / frame selected"), ("D", "bypass"), ("Ctrl+D", "duplicate"),
            ("Delete", "delete"), ("middle-drag, Space+drag", "pan"), ("wheel", "zoom at the cursor"),
            ("Ctrl+Enter", "run the viewed node"), ("Ctrl+.", "stop"), ("1 (canvas)", "view the selected node"),
            ("Space / Left / Right (viewer)", "play-pause / step a frame"),
            ("J / K / L (viewer)", "shuttle backwards / pause / forwards (again: faster)"),
            ("Home / End, I / O (viewer)", "first / last frame, in / out point (Alt: clear)"),
            ("Ctrl+Shift+L", "send the selected node to the shot list"), ("Ctrl+E", "export"),
            ("double-click a node", "open its editor (motion brushes, keyframes, curves)"),
            ("K (inspector, curves, brush editor)", "set a key at the current frame"),
            ("B / E / T / G", "brush editor: paint / erase / trajectory / auto-select"),
            ("[ / ]", "brush editor: smaller / larger brush"),
            ("F (curves, brush editor)", "fit the view")]
    text = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in rows)
    box = QMessageBox(QMessageBox.Information, "Keyboard and mouse", f"<table>{text}</table>", parent=win)
    box.setInformativeText("See docs/app.md for the full guide.")
    box.open()
