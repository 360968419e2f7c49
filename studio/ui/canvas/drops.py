"""Drops on the canvas: node types from the library, and files from the desktop.

* A node type (``application/x-cinegraph-node-type``, what the library's drags carry) is
  created with its header under the drop point.
* Image and video files become Load Image / Load Video nodes, one per file in a column
  (:func:`studio.ui.canvas.edit.file_drop_command`); dropped on a compatible input port, the
  first one is connected to it.  Everything dropped at once is one undo step.
* A ``.cgraph`` file is opened (``openRequested``).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QPointF, Qt

from studio.graph.commands import AddNode
from studio.ui.canvas import edit
from studio.ui.canvas.node_item import HEADER

NODE_MIME = "application/x-cinegraph-node-type"


class DropsMixin:
    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasFormat(NODE_MIME) or mime.hasUrls():
            event.setDropAction(Qt.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        pos = event.position().toPoint()
        scene_pos = self.mapToScene(pos)
        if mime.hasFormat(NODE_MIME):
            type_id = bytes(mime.data(NODE_MIME)).decode("utf-8")
            self.add_node(type_id, scene_pos)
            event.setDropAction(Qt.CopyAction)
            event.accept()
            return
        if mime.hasUrls():
            paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            self.drop_files(paths, scene_pos, self._port_at(pos))
            event.setDropAction(Qt.CopyAction)
            event.accept()
            return
        event.ignore()

    def add_node(self, type_id: str, scene_pos: QPointF) -> str | None:
        """Add a node of ``type_id`` with its header under ``scene_pos``."""
        node_id = self.graph.new_id(type_id)
        if self.push(AddNode(type_id, pos=(scene_pos.x() - 90, scene_pos.y() - HEADER / 2), node_id=node_id)):
            self.nodesCreated.emit([node_id])
            return node_id
        return None

    def drop_files(self, paths: list[str], scene_pos: QPointF, port=None) -> list[str]:
        graphs = [p for p in paths if edit.file_kind(p) == "cgraph"]
        media = [p for p in paths if edit.file_kind(p) != "cgraph"]
        target = None
        if port is not None and not port.is_output:
            target = (port.node_id, port.name, port.port_type)
        ids: list[str] = []
        if media:
            if target is not None:
                x = scene_pos.x() - 260
            else:
                x = scene_pos.x() - 90
            cmd, ids, problems = edit.file_drop_command(self.graph, media, (x, scene_pos.y() - HEADER / 2), target)
            if cmd is not None and self.push(cmd):
                self.nodesCreated.emit(ids)
            if problems:
                self.status.emit("; ".join(problems))
        for path in graphs:
            self.openRequested.emit(os.path.abspath(path))
        return ids

