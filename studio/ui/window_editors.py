"""The window's filmmaker editors and the current frame.

* **Current frame**: the viewer's frame (``Viewer.frameChanged``).  The inspector (animated
  values, keyframe buttons), the curve editor and the keyframe strip follow it; their "go to
  frame" requests move the viewer, so there is one playhead.
* **Motion brush editor**: one :class:`~studio.ui.editors.brush_editor.BrushEditor` window per
  MotionBrush node, opened by its inspector button "Edit brushes…" or a double-click on the
  node; closed when the node goes away or another document is shown.
* **Curves** and **Keyframes** docks (bottom, hidden until asked for: View menu, a Keyframes
  node's "Edit keys…", a double-click on it) follow the selected node.
* **Camera overlay**: viewing a CameraMove shows the still its generator animates (or a
  neutral frame) with the camera's view over the clip drawn on top; the slider and Play run
  through the clip's frames.
* **Use viewer frame**: the viewer's current frame is written as a PNG next to the workflow
  (``<name>_frames/``; untitled: the app data folder's ``frames/``) on a helper thread, then
  added to the Keyframes node as a key.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QTimer

from studio.ui.editors.camera import CameraOverlay, CameraPanel, placeholder_still
from studio.ui.editors.curve_editor import CurveEditor
from studio.ui.editors.keyframe_strip import KeyframeEditor
from studio.ui.editors.source import SourceFrame
from studio.ui.editors.timing import clip_timing, generator_source
from studio.ui.editors.workers import LatestWorker
from studio.ui.frames import is_clip, is_image


def frames_folder(workflow_path: str | None) -> Path:
    """Where "Use viewer frame" writes: ``<workflow dir>/<name>_frames`` or the data folder."""
    if workflow_path:
        p = Path(workflow_path)
        return p.parent / f"{p.stem}_frames"
    from studio.ui.project import recovery_dir
    return recovery_dir().parent / "frames"


def unique_path(folder: Path, stem: str, suffix: str = ".png") -> Path:
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists():
        path = folder / f"{stem}_{n}{suffix}"
        n += 1
    return path


class EditorsMixin:
    def _build_editors(self) -> None:
        self.current_frame = 0
        self.brush_editors: dict = {}
        self.curve_editor = CurveEditor(self.push)
        self.curves_dock = self._dock("Curves", self.curve_editor, Qt.BottomDockWidgetArea, "curvesDock")
        self.keyframe_editor = KeyframeEditor(self.push)
        self.keyframes_dock = self._dock("Keyframes", self.keyframe_editor, Qt.BottomDockWidgetArea, "keyframesDock")
        self.splitDockWidget(self.viewer_dock, self.curves_dock, Qt.Horizontal)
        self.tabifyDockWidget(self.curves_dock, self.keyframes_dock)
        self.curve_editor.titleChanged.connect(self.curves_dock.setWindowTitle)
        self.keyframe_editor.titleChanged.connect(self.keyframes_dock.setWindowTitle)
        self.curves_dock.hide()
        self.keyframes_dock.hide()
        for dock in (self.curves_dock, self.keyframes_dock):
            dock.visibilityChanged.connect(lambda shown, d=dock: QTimer.singleShot(0, lambda: self._widen(d))
                                           if shown else None)
        self.camera_source = SourceFrame(self.runs, self)
        self.camera_source.ready.connect(self._camera_still_ready)
        self._camera_still = None        # (source node id, image)
        self.snapshots = LatestWorker("cinegraph-snapshot", self)
        self.snapshots.finished.connect(self._snapshot_written)
        self.snapshots.failed.connect(lambda job, msg: self.show_status(f"Could not save the frame: {msg}", 8000))
        self.inspector.panel_factories["CameraMove"] = self._camera_panel
        self.viewer.frameChanged.connect(self._frame_changed)
        for source in (self.inspector, self.curve_editor, self.keyframe_editor):
            source.frameRequested.connect(self.go_to_frame)
        self.inspector.editRequested.connect(lambda nid, name: self.open_node_editor(nid))
        self.view.nodeDoubleClicked.connect(self.open_node_editor)
        self.keyframe_editor.viewerFrameRequested.connect(self.use_viewer_frame)

    def _widen(self, dock) -> None:
        """A bottom editor gets about 60% of the bottom row (the viewer keeps the rest)."""
        if self.viewer_dock.isVisible() and dock.isVisible() and not dock.isFloating() \
                and not self.viewer_dock.isFloating():
            total = self.viewer_dock.width() + dock.width()
            self.resizeDocks([self.viewer_dock, dock], [int(total * 0.4), int(total * 0.6)], Qt.Horizontal)

    def _attach_editors(self) -> None:
        self.curve_editor.set_graph(self.graph, self.bridge)
        self.keyframe_editor.set_graph(self.graph, self.bridge)
        self.bridge.paramChanged.connect(self._editor_param_changed)
        self.bridge.linkAdded.connect(self._editor_links_changed)
        self.bridge.linkRemoved.connect(self._editor_links_changed)
        self.bridge.nodeRemoved.connect(self._close_brush_editor)

    def _detach_editors(self) -> None:
        for node_id in list(self.brush_editors):
            self._close_brush_editor(node_id)

    # -- the current frame ------------------------------------------------------------------------
    def _frame_changed(self, frame: int) -> None:
        self.current_frame = int(frame)
        self.inspector.set_frame(self.current_frame)
        self.curve_editor.set_frame(self.current_frame)
        self.keyframe_editor.set_frame(self.current_frame)
        for editor in self.brush_editors.values():
            editor.set_frame(self.current_frame)

    def go_to_frame(self, frame: int) -> None:
        """Move the playhead (the viewer's frame) to ``frame``."""
        self.viewer.set_frame(frame)
        if self.viewer.index != self.current_frame:
            self._frame_changed(self.viewer.index)

    # -- opening editors ----------------------------------------------------------------------------
    def open_node_editor(self, node_id: str) -> None:
        node = self.graph.nodes.get(node_id)
        if node is None:
            return
        if node.type_id == "MotionBrush":
            self.open_brush_editor(node_id)
        elif node.type_id == "Keyframes":
            self.open_keyframes(node_id)
        elif node.node_type is not None and any(p.animatable for p in node.node_type.params):
            self.curve_editor.set_node(node_id)
            self.curves_dock.show()
            self.curves_dock.raise_()

    def open_brush_editor(self, node_id: str):
        from studio.ui.editors.brush_editor import BrushEditor
        editor = self.brush_editors.get(node_id)
        if editor is None:
            editor = BrushEditor(self, node_id)
            self.brush_editors[node_id] = editor
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

    def _close_brush_editor(self, node_id: str) -> None:
        editor = self.brush_editors.pop(node_id, None)
        if editor is not None:
            editor.shutdown()
            editor.close()
            editor.deleteLater()

    def open_keyframes(self, node_id: str) -> None:
        self.keyframe_editor.set_node(node_id)
        self.keyframes_dock.show()
        self.keyframes_dock.raise_()

    def _editors_follow_selection(self, node_id: str | None) -> None:
        self.curve_editor.set_node(node_id)
        node = self.graph.nodes.get(node_id) if node_id else None
        if node is not None and node.type_id == "Keyframes":
            self.keyframe_editor.set_node(node_id)

    # -- camera overlay --------------------------------------------------------------------------------
    def _camera_panel(self, node_id: str):
        panel = CameraPanel()
        panel.refresh = lambda: panel.set_overlay(self._camera_overlay(node_id)) if node_id in self.graph.nodes \
            else None
        panel.refresh()
        return panel

    def _camera_overlay(self, node_id: str, size=(1920, 1080)) -> CameraOverlay:
        frames, _ = clip_timing(self.graph, node_id)
        return CameraOverlay(self.graph.nodes[node_id].params, frames, size)

    def show_camera(self, node_id: str) -> bool:
        """Viewer: the generator's still (or a neutral frame) with ``node_id``'s camera overlay."""
        node = self.graph.nodes.get(node_id)
        if node is None or node.type_id != "CameraMove":
            return False
        src = generator_source(self.graph, node_id)
        still = None
        if src is not None and self._camera_still is not None and self._camera_still[0] == src[0]:
            still = self._camera_still[1]          # None while it is being fetched (or failed)
        elif src is not None:
            self._camera_still = (src[0], None)
            self.camera_source.fetch(self.graph, self._generator_of(node_id), "image")
        image = still if still is not None else placeholder_still()
        h, w = image.shape[:2]
        frames, fps = clip_timing(self.graph, node_id)
        self.viewer.set_value(node_id, image, f"{node.name} · camera over {frames} frames")
        self.viewer.set_overlay(self._camera_overlay(node_id, (w, h)), float(fps))
        return True

    def _generator_of(self, node_id: str) -> str:
        from studio.ui.editors.timing import downstream_generator
        return downstream_generator(self.graph, node_id)

    def _camera_still_ready(self, image, message: str) -> None:
        if image is None:
            return
        src = generator_source(self.graph, self.viewed) if self.viewed else None
        if src is None:
            return
        self._camera_still = (src[0], image)
        self.show_camera(self.viewed)

    def _editor_param_changed(self, node_id: str, name: str) -> None:
        viewed = self.graph.nodes.get(self.viewed) if self.viewed else None
        if viewed is not None and viewed.type_id == "CameraMove":
            self.show_camera(self.viewed)
        panel = getattr(self.inspector, "panel", None)
        if panel is not None and hasattr(panel, "refresh"):
            panel.refresh()

    def _editor_links_changed(self, link) -> None:
        self._camera_still = None
        self._editor_param_changed(link.target, "")

    # -- use viewer frame ----------------------------------------------------------------------------------
    def use_viewer_frame(self) -> int | None:
        """Write the viewer's current frame to a PNG and add it to the Keyframes editor's node."""
        value, index = self.viewer.value, self.viewer.index
        if value is None or self.viewer.overlay is not None or not (is_clip(value) or is_image(value)):
            self.show_status("The viewer shows no picture to use", 5000)
            return None
        if self.keyframe_editor.node() is None:
            self.show_status("Select a Keyframes node first", 5000)
            return None
        folder = frames_folder(self.path)
        name = self.graph.nodes[self.viewer.node_id].name if self.viewer.node_id in self.graph.nodes else "frame"
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_") or "frame"
        node_id = self.keyframe_editor.node_id

        def job(check):
            import cv2
            from studio.ui.editors.source import as_rgb
            frame = as_rgb(value.frame(min(index, len(value) - 1)) if is_clip(value) else value)
            folder.mkdir(parents=True, exist_ok=True)
            path = unique_path(folder, f"{stem}_f{index:04d}")
            if not cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
                raise OSError(f"cannot write {path}")
            return node_id, str(path)

        self.show_status("Saving the viewer frame…", 3000)
        return self.snapshots.submit(job)

    def _snapshot_written(self, job: int, result, seconds: float) -> None:
        node_id, path = result
        if self.keyframe_editor.node_id != node_id:
            self.keyframe_editor.set_node(node_id)
        if self.keyframe_editor.add_images([path]):
            self.show_status(f"Added {os.path.basename(path)} as a key", 5000)

    def _shutdown_editors(self) -> None:
        self._detach_editors()
        self.snapshots.stop()
        self.camera_source.stop()
        self.keyframe_editor.shutdown()
