"""The main window: library (left), canvas (centre), inspector (right), viewer (bottom),
status bar with run progress; menus, toolbar and shortcuts.

The window owns one document at a time: a graph, its path, its undo stack.  Everything that
changes the graph goes through :meth:`push` (the undo stack); views follow the graph's
events through the :class:`~studio.ui.bridge.GraphBridge`.  File operations (New, Open, Save,
Revert, autosave and recovery) are in :mod:`studio.ui.window_files`, actions and menus in
:mod:`studio.ui.actions`, canvas commands (copy, paste, delete...) in
:mod:`studio.ui.window_edit`, the filmmaker editors (motion brushes, curves, keyframes,
camera overlay) and the current frame in :mod:`studio.ui.window_editors`, the shot list, Send
to Shot List, Export and the A/B wipe in :mod:`studio.ui.window_timeline`.

Arguments for tests: ``registry`` (a test node library), ``executor`` (shared or slow),
``prompts`` (answers instead of modal dialogs), ``autosave_ms`` (the autosave interval).
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmapCache
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QProgressBar, QUndoView

from studio.graph.model import Graph
from studio.ui import actions, theme, window_edit, window_editors, window_files, window_timeline
from studio.ui.bridge import GraphBridge
from studio.ui.canvas.minimap import Minimap
from studio.ui.canvas.scene import GraphScene
from studio.ui.canvas.view import GraphView
from studio.ui.frames import FrameService, visual
from studio.ui.inspector import Inspector
from studio.ui.library import NodeLibrary
from studio.ui.project import AUTOSAVE_MS, Autosave, Prompts
from studio.ui.runs import RunController
from studio.ui.undo import UndoStack
from studio.ui.viewer import Viewer

APP_NAME = "Cinegraph Studio"
_open_windows: list = []


def open_windows() -> list:
    """The main windows that are open now."""
    return list(_open_windows)


class MainWindow(window_files.FilesMixin, window_edit.EditMixin, window_editors.EditorsMixin,
                 window_timeline.TimelineMixin, QMainWindow):
    def __init__(self, registry=None, executor=None, prompts: Prompts | None = None,
                 autosave_ms: int = AUTOSAVE_MS, graph: Graph | None = None):
        super().__init__()
        theme.apply(QApplication.instance())   # windows made without run_app (tests, scripts) look the same
        if QPixmapCache.cacheLimit() < 192 * 1024:
            QPixmapCache.setCacheLimit(192 * 1024)   # room for the canvas items' cached pictures (KiB)
        if registry is None:
            from studio.ui.app import load_registry
            registry, _ = load_registry()
        self.registry = registry
        self.prompts = prompts or Prompts()
        self._own_executor = executor is None
        if executor is None:
            from studio.executor import Executor
            executor = Executor()
        self.executor = executor
        self.graph = graph if graph is not None else Graph(registry)
        self.path: str | None = None
        self._forced_dirty = False
        self.viewed: str | None = None
        self.setObjectName("MainWindow")
        self.setDockNestingEnabled(True)
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.setAcceptDrops(True)

        self.undo = UndoStack(lambda: self.graph, self)
        self.frames = FrameService(self)
        self.bridge = GraphBridge(self.graph, self)
        # canvas
        self.scene = GraphScene(self.graph, self)
        self.view = GraphView(self.scene, self.push, registry)
        self.view.minimap = Minimap(self.view)
        self.setCentralWidget(self.view)
        # docks
        self.library = NodeLibrary(registry)
        self.inspector = Inspector(self.push)
        self.viewer = Viewer(self.frames)
        self.library_dock = self._dock("Nodes", self.library, Qt.LeftDockWidgetArea, "libraryDock")
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.RightDockWidgetArea, "inspectorDock")
        self.viewer_dock = self._dock("Viewer", self.viewer, Qt.BottomDockWidgetArea, "viewerDock")
        self.history = QUndoView(self.undo)
        self.history.setEmptyLabel("<opened>")
        self.history_dock = self._dock("History", self.history, Qt.RightDockWidgetArea, "historyDock")
        self.history_dock.hide()
        self.library_dock.setMinimumWidth(220)
        self.inspector_dock.setMinimumWidth(280)
        self.resizeDocks([self.library_dock, self.inspector_dock], [250, 320], Qt.Horizontal)
        self.resizeDocks([self.viewer_dock], [300], Qt.Vertical)
        # runs
        self.runs = RunController(executor, self.frames, self)
        self.runs.workflow_path = lambda: self.path
        self._build_editors()
        self._build_timeline()
        # status bar
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.run_label = QLabel("")
        self.library_warning = QLabel("")
        self.statusBar().addPermanentWidget(self.library_warning)
        self.statusBar().addPermanentWidget(self.run_label)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().setSizeGripEnabled(False)
        # autosave
        self.autosave = Autosave(lambda: self.graph, self.is_dirty, autosave_ms, self)
        self.autosave.written.connect(self._autosaved)

        actions.build(self)
        self._connect()
        self._attach_graph()
        self.update_title()
        _open_windows.append(self)
        self._closing_from_terminal = False

    def _autosaved(self, path: str) -> None:
        self.show_status(f"Autosaved to {path}", 3000)

    def _dock(self, title: str, widget, area, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable |
                         QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        self.undo.refused.connect(self._refused)
        self.undo.cleanChanged.connect(self._clean_changed)
        self.undo.indexChanged.connect(self._stack_changed)
        self.view.status.connect(self._long_status)
        self.view.openRequested.connect(self.open_file)
        self.view.nodesCreated.connect(self.scene.select_nodes)
        self.view.setContextMenuPolicy(Qt.CustomContextMenu)
        self.view.customContextMenuRequested.connect(lambda pos: actions.canvas_menu(self, pos))
        self.library.addRequested.connect(self._add_at_centre)
        self.inspector.status.connect(self.show_status)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.runs.nodeState.connect(self.scene.set_node_state)
        self.runs.thumbnail.connect(self.scene.set_thumbnail)
        self.runs.outputReady.connect(self._output_ready)
        self.runs.progressText.connect(self._run_progress)
        self.runs.runStarted.connect(self._run_started)
        self.runs.runFinished.connect(self._run_finished)

    def _refused(self, reason: str) -> None:
        self.show_status(f"Refused: {reason}", 8000)

    def _long_status(self, text: str) -> None:
        self.show_status(text, 8000)

    def _clean_changed(self, clean: bool) -> None:
        self.update_title()

    def _add_at_centre(self, type_id: str) -> None:
        self.view.add_node(type_id, self.view.center_scene_pos())

    def _run_started(self, run_id: int) -> None:
        self.stop_action.setEnabled(True)

    def _run_finished(self, run_id: int, status: str) -> None:
        self.stop_action.setEnabled(self.runs.running)

    # -- document --------------------------------------------------------------------------------
    def _attach_graph(self) -> None:
        self.scene.attach(self.bridge)
        self.inspector.set_graph(self.graph, self.bridge)
        self.runs.set_graph(self.graph, self.bridge)
        self.bridge.nodeRemoved.connect(self._node_removed)
        self._attach_editors()
        self._attach_timeline()

    def set_graph(self, graph: Graph, path: str | None, keep_recovery: bool = False) -> None:
        """Show ``graph`` (saved at ``path``, or untitled) with an empty undo history."""
        self._detach_editors()
        self.bridge.detach()
        self.bridge.deleteLater()
        self.graph = graph
        self.path = os.path.abspath(path) if path else None
        self.bridge = GraphBridge(graph, self)
        self.undo.clear()
        self._forced_dirty = False
        self.viewed = None
        self.scene.set_graph(graph, self.bridge)
        self.inspector.set_graph(graph, self.bridge)
        self.runs.set_graph(graph, self.bridge)
        self.bridge.nodeRemoved.connect(self._node_removed)
        self._camera_still = None
        self._attach_editors()
        self._attach_timeline()
        self.viewer.clear("Select a node and press Run (Ctrl+Enter) to see its output.")
        self.autosave.set_project(self.path, keep=keep_recovery)
        self.view.frame_all()
        self.update_title()

    def push(self, command) -> bool:
        """Do ``command`` through the undo stack; False (with the reason shown) if refused."""
        return self.undo.push_command(command)

    def is_dirty(self) -> bool:
        return self._forced_dirty or not self.undo.isClean()

    def display_name(self) -> str:
        return os.path.basename(self.path) if self.path else "Untitled"

    def update_title(self) -> None:
        self.setWindowTitle(f"{APP_NAME} — {self.display_name()}[*]")
        self.setWindowModified(self.is_dirty())
        self.setWindowFilePath(self.path or "")
        if hasattr(self, "revert_action"):
            self.revert_action.setEnabled(bool(self.path))

    def _stack_changed(self, index: int) -> None:
        self.scene.sync_backdrops()
        self.autosave.mark_changed()
        self.update_title()

    def show_status(self, text: str, ms: int = 5000) -> None:
        self.statusBar().showMessage(text, ms)

    def note_library_problems(self, problems: list[str]) -> None:
        self.library_warning.setText("⚠ node library incomplete")
        self.library_warning.setStyleSheet(f"color: {theme.RUNNING}")
        self.library_warning.setToolTip("Some node modules could not be loaded:\n" + "\n".join(problems))

    # -- selection, viewer ---------------------------------------------------------------------------
    def _selection_changed(self) -> None:
        ids = self.scene.selected_node_ids()
        self.inspector.show_node(ids[0] if len(ids) == 1 else None)
        self._editors_follow_selection(ids[0] if len(ids) == 1 else None)
        self._update_key_ticks()
        if len(ids) == 1:
            self.set_viewed(ids[0])

    def set_viewed(self, node_id: str | None) -> None:
        """Show ``node_id``'s output in the viewer (Run renders it)."""
        if self.viewed and self.viewed in self.scene.nodes:
            self.scene.nodes[self.viewed].set_viewed(False)
        self.viewed = node_id if node_id in self.graph.nodes else None
        if self.viewed:
            self.scene.nodes[self.viewed].set_viewed(True)
        self.runs.set_view_target(self.viewed)
        self._refresh_viewer()

    def _refresh_viewer(self) -> None:
        if self.viewed and self.show_camera(self.viewed):
            return
        target = self.runs.display_target(self.viewed)
        if target is None:
            hint = "This node has nothing to show yet: connect its input." if self.viewed else \
                "Select a node and press Run (Ctrl+Enter) to see its output."
            self.viewer.clear(hint)
            return
        node = self.graph.nodes[target]
        value = visual(self.runs.outputs(target))
        if value is None:
            outputs = self.runs.outputs(target)
            self.viewer.clear(f"{node.name}: not rendered yet — press Run (Ctrl+Enter)" if outputs is None
                              else f"{node.name} has no picture to show")
        else:
            self.viewer.set_value(target, value, node.name)

    def _output_ready(self, node_id: str) -> None:
        if node_id == self.runs.display_target(self.viewed):
            self._refresh_viewer()

    def _node_removed(self, node_id: str) -> None:
        if node_id == self.viewed:
            self.viewed = None
            self.runs.set_view_target(None)
            self._refresh_viewer()

    # -- runs --------------------------------------------------------------------------------------------
    def run_viewed(self) -> None:
        """Render the viewed node (or, with none, every node nothing else reads from)."""
        if self.viewed:
            targets = [self.viewed]
        else:
            used = {lk.source for lk in self.graph.links}
            targets = [nid for nid in self.graph.nodes if nid not in used]
        if not targets:
            self.show_status("Nothing to run: add nodes first")
            return
        if self.runs.run(targets) is not None:
            self.stop_action.setEnabled(True)

    def stop_runs(self) -> None:
        self.runs.stop()
        self.show_status("Stopping…", 2000)

    def _run_progress(self, text: str, fraction: float) -> None:
        self.run_label.setText(text)
        if fraction < 0:
            self.progress.hide()
        else:
            self.progress.show()
            self.progress.setValue(int(max(0.0, min(fraction, 1.0)) * 1000))

    # -- closing -----------------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if self._closing_from_terminal:
            event.accept()
            return
        if not self.maybe_save():
            event.ignore()
            return
        self.autosave.stop()
        self.autosave.discard()
        self.shutdown()
        event.accept()

    def close_keeping_recovery(self) -> None:
        """Close without asking (Ctrl+C or SIGTERM in the terminal that started the app).

        Unsaved changes are written to the recovery file first and that file is kept, so the
        next start offers them back, exactly as after a crash; a saved document just closes.
        """
        if self.is_dirty():
            self.autosave.mark_changed()
            self.autosave.tick()
        self.shutdown()
        self._closing_from_terminal = True
        self.close()

    def shutdown(self) -> None:
        """Stop timers and threads that belong to this window (no waiting on the executor)."""
        self.undo.blockSignals(True)
        self.autosave.stop()
        self.runs.detach()
        self.bridge.detach()
        self.viewer.timer.stop()
        self._shutdown_editors()
        self._shutdown_timeline()
        self.frames.stop()
        if self._own_executor:
            import threading
            threading.Thread(target=self.executor.shutdown, daemon=True).start()
        if self in _open_windows:
            _open_windows.remove(self)
