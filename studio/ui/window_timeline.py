"""The window's timeline parts: the Shot List dock, Send to Shot List, Export, A/B wipe, key 1.

* **Send to Shot List** (a node whose output is a clip): a Write Video node is run and its
  file becomes the shot; any other node's clip (rendered first through the app's run when it
  is not yet) is exported with the ``prores_hq`` preset to ``<workflow dir>/renders/`` (the
  user data folder's ``renders/`` when untitled) on a worker thread; then ``AddShot`` with
  the media path, node id, frame count, rate and start timecode is pushed (undoable).
* **File ▸ Export…** opens the :class:`~studio.ui.exporting.ExportDialog` on the viewed clip.
* **1** on the canvas views the selected node; **Set A / Set B** (View menu) pick the two
  sides of the viewer's wipe.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import Qt

from studio.graph.sequence import AddShot, Shot
from studio.timecode import rate_text
from studio.ui.exporting import ExportDialog, ExportJob, ExportRequest
from studio.ui.frames import is_clip, visual
from studio.ui.shot_list import ShotList
from studio.ui.timeline import keyframe_frames


def renders_folder(workflow_path: str | None) -> Path:
    if workflow_path:
        return Path(workflow_path).parent / "renders"
    from studio.ui.project import recovery_dir
    return recovery_dir().parent / "renders"


def _stem(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_") or "shot"


class TimelineMixin:
    def _build_timeline(self) -> None:
        self.shot_list = ShotList(self.push)
        self.shot_list_dock = self._dock("Shot List", self.shot_list, Qt.BottomDockWidgetArea, "shotListDock")
        self.splitDockWidget(self.viewer_dock, self.shot_list_dock, Qt.Horizontal)
        self.shot_list_dock.hide()          # shown by Send to Shot List, a loaded sequence or View
        self.shot_list.exportRequested.connect(lambda: self.open_export_dialog(sequence=True))
        self.shot_list.status.connect(lambda text: self.show_status(text, 8000))
        self.wipe_a: str | None = None
        self.wipe_b: str | None = None
        self._send_after_run: dict[int, str] = {}
        self.send_jobs: list[ExportJob] = []
        self.export_dialog: ExportDialog | None = None
        self.runs.runFinished.connect(self._send_run_finished)

    def _attach_timeline(self) -> None:
        self.shot_list.set_graph(self.graph, self.bridge)
        if self.graph.sequence.shots:
            self.shot_list_dock.show()
        self.bridge.paramChanged.connect(lambda nid, name: self._update_key_ticks())
        self._update_key_ticks()

    def _update_key_ticks(self) -> None:
        ids = self.scene.selected_node_ids() if hasattr(self, "scene") else []
        node = self.graph.nodes.get(ids[0]) if len(ids) == 1 else None
        self.viewer.set_keys(keyframe_frames(node))

    # -- key 1, A/B ------------------------------------------------------------------------------
    def view_selected(self) -> None:
        ids = self.scene.selected_node_ids()
        if ids:
            self.set_viewed(ids[0])

    def set_wipe_a(self) -> None:
        ids = self.scene.selected_node_ids()
        if ids:
            self.wipe_a = ids[0]
            self.set_viewed(ids[0])
            self.show_status(f"Wipe A: {self.graph.nodes[ids[0]].name}", 3000)

    def set_wipe_b(self) -> None:
        ids = self.scene.selected_node_ids()
        if not ids:
            return
        self.wipe_b = ids[0]
        target = self.runs.display_target(ids[0])
        value = visual(self.runs.outputs(target)) if target else None
        self.viewer.set_compare(value)
        self.viewer.set_wipe(True)
        self.show_status(f"Wipe B: {self.graph.nodes[ids[0]].name}"
                         f"{'' if value is not None else ' (not rendered yet: press Run)'}", 3000)

    # -- send to shot list -----------------------------------------------------------------------
    def send_to_shot_list(self, node_id: str | None = None) -> bool:
        """Render ``node_id`` (default: the selected or viewed node) to a file and add it as a shot."""
        if node_id is None:
            ids = self.scene.selected_node_ids()
            node_id = ids[0] if ids else self.viewed
        node = self.graph.nodes.get(node_id) if node_id else None
        if node is None:
            self.show_status("Select a node whose output is a clip", 5000)
            return False
        t = node.node_type
        if t is not None and not t.outputs and "path" in node.params:     # a writer: run it, use its file
            return self._run_then_send(node_id)
        value = visual(self.runs.outputs(node_id))
        if not is_clip(value):
            if self.runs.outputs(node_id) is not None:
                self.show_status(f"{node.name} has no clip to send (its output is not a clip)", 5000)
                return False
            return self._run_then_send(node_id)
        self._export_for_shot(node_id, value)
        return True

    def _run_then_send(self, node_id: str) -> bool:
        handle = self.runs.run([node_id], cancel_previous=False)
        if handle is None:
            return False
        self._send_after_run[handle.run_id] = node_id
        self.show_status(f"Rendering {self.graph.nodes[node_id].name} for the shot list…", 5000)
        return True

    def _send_run_finished(self, run_id: int, status: str) -> None:
        node_id = self._send_after_run.pop(run_id, None)
        if node_id is None or node_id not in self.graph.nodes:
            return
        if status != "done":
            self.show_status(f"Not sent to the shot list: the render {status}", 8000)
            return
        node = self.graph.nodes[node_id]
        t = node.node_type
        if t is not None and not t.outputs:
            self._add_file_shot(node_id, self._abs_path(node.params.get("path", "")))
            return
        value = visual(self.runs.outputs(node_id))
        if is_clip(value):
            self._export_for_shot(node_id, value)
        else:
            self.show_status(f"{node.name} has no clip to send", 5000)

    def _abs_path(self, path: str) -> str:
        if path and not os.path.isabs(path) and self.path:
            return os.path.normpath(os.path.join(os.path.dirname(self.path), path))
        return os.path.abspath(path) if path else path

    def _add_file_shot(self, node_id: str, path: str) -> None:
        from studio.media.probe import probe
        try:
            info = probe(path)
        except Exception as exc:   # noqa: BLE001 - shown
            self.show_status(f"Not sent to the shot list: {exc}", 8000)
            return
        fps = info.fps or Fraction(24)
        frames = int(info.frames or 0)
        if frames < 1:
            self.show_status(f"Not sent to the shot list: {path} has no frames", 8000)
            return
        self._push_shot(node_id, path, frames, fps, info.timecode or "00:00:00:00", info.width, info.height)

    def _export_for_shot(self, node_id: str, clip) -> ExportJob:
        folder = renders_folder(self.path)
        folder.mkdir(parents=True, exist_ok=True)
        name = self.graph.nodes[node_id].name
        path = folder / f"{_stem(name)}.mov"
        n = 2
        while path.exists():
            path = folder / f"{_stem(name)}_{n}.mov"
            n += 1
        job = ExportJob(ExportRequest(clip, str(path), "prores_hq"), self)
        job.progress.connect(lambda f, msg: self._run_progress(f"Sending {name}: {msg}", f))
        job.done.connect(lambda out, nid=node_id, c=clip: self._shot_exported(nid, c, out))
        job.failed.connect(lambda msg: (self._run_progress("", -1.0),
                                        self.show_status(f"Not sent to the shot list: {msg}", 10000)))
        job.cancelled.connect(lambda: self._run_progress("", -1.0))
        self.send_jobs.append(job)
        job.start()
        return job

    def _shot_exported(self, node_id: str, clip, outcome) -> None:
        self._run_progress("", -1.0)
        res = outcome.result
        self._push_shot(node_id, res.path, res.frames, Fraction(clip.fps), res.timecode or clip.timecode,
                        res.width, res.height)

    def _push_shot(self, node_id, path, frames, fps, timecode, width, height) -> bool:
        node = self.graph.nodes.get(node_id)
        name = node.name if node is not None else Path(path).stem
        shot = Shot(id="", name=name, media=os.path.abspath(path), source_in=0, source_out=int(frames),
                    media_frames=int(frames), fps=rate_text(Fraction(fps)), reel="AX", timecode=timecode,
                    source_node=node_id or "", width=int(width or 0), height=int(height or 0))
        ok = self.push(AddShot(shot))
        if ok:
            if not self.shot_list_dock.isVisible():
                self.shot_list_dock.show()
                total = self.viewer_dock.width() + self.shot_list_dock.width()
                self.resizeDocks([self.viewer_dock, self.shot_list_dock], [int(total * 0.62), int(total * 0.38)],
                                 Qt.Horizontal)
            self.show_status(f"Added {name} to the shot list", 4000)
        return ok

    # -- export ------------------------------------------------------------------------------------
    def open_export_dialog(self, sequence: bool = False) -> ExportDialog:
        value = self.viewer.value
        clip = value if is_clip(value) else None
        if clip is None and value is not None and getattr(value, "ndim", 0) == 3:
            from studio.media.clip import Clip
            clip = Clip.from_image(value)
        name = self.graph.nodes[self.viewer.node_id].name if self.viewer.node_id in self.graph.nodes else "export"
        folder = renders_folder(self.path)
        seq = self.graph.sequence.copy()
        dlg = ExportDialog(clip, str(folder / f"{_stem(name)}.mov"), seq,
                           os.path.dirname(self.path) if self.path else None,
                           formats=(".otio", ".edl", ".xml", ".fcpxml") if sequence and seq.shots else (),
                           parent=self, graph=self.graph, workflow_path=self.path)
        folder.mkdir(parents=True, exist_ok=True)
        self.export_dialog = dlg
        dlg.open()
        return dlg

    def _shutdown_timeline(self) -> None:
        for job in self.send_jobs:
            job.cancel()
        if self.export_dialog is not None and self.export_dialog.job is not None:
            self.export_dialog.job.cancel()
