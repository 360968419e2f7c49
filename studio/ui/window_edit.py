"""The window's canvas edits: copy, cut, paste, duplicate, delete, bypass, select all, and
backdrops.  Each builds a command (:mod:`studio.ui.canvas.edit`, :mod:`studio.ui.backdrops`)
and pushes it on the undo stack.

The clipboard holds the selection's workflow JSON as plain text, so copies travel between
windows, between app instances and into a text editor.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from studio.graph import workflow
from studio.ui import theme
from studio.ui.backdrops import AddBackdrop, EditBackdrop, RemoveBackdrops
from studio.ui.canvas import edit
from studio.ui.canvas.backdrop_item import TITLE_H


class EditMixin:
    def copy_selection(self) -> bool:
        ids = self.scene.selected_node_ids()
        if not ids:
            self.show_status("Nothing selected to copy")
            return False
        QApplication.clipboard().setText(edit.fragment_text(self.graph, ids))
        self.show_status(f"Copied {len(ids)} node(s)", 2500)
        return True

    def cut_selection(self) -> None:
        if self.copy_selection():
            self.delete_selection()

    def paste(self) -> list[str]:
        doc = edit.parse_fragment(QApplication.clipboard().text())
        if doc is None:
            self.show_status("The clipboard holds no Cinegraph nodes")
            return []
        at = self.view.cursor_scene_pos()
        if at is None:
            centre = self.view.center_scene_pos()
            at = centre
        cmd = edit.paste_command(doc, (at.x(), at.y()))
        return self._insert(cmd)

    def duplicate_selection(self) -> list[str]:
        ids = self.scene.selected_node_ids()
        if not ids:
            return []
        cmd = edit.paste_command(workflow.to_document(self.graph, None, ids), None, (40.0, 40.0))
        cmd.text = f"Duplicate {len(ids)} node(s)"
        return self._insert(cmd)

    def _insert(self, cmd) -> list[str]:
        if not self.push(cmd):
            return []
        if cmd.problems:
            self.show_status("Pasted with problems: " + "; ".join(str(p) for p in cmd.problems[:3]), 8000)
        self.scene.select_nodes(cmd.node_ids)
        return list(cmd.node_ids)

    def delete_selection(self) -> None:
        cmd = edit.delete_command(self.scene.selected_node_ids(), self.scene.selected_backdrop_ids(),
                                  self.scene.selected_links())
        if cmd is not None:
            self.push(cmd)

    def toggle_bypass(self) -> None:
        cmd = edit.bypass_command(self.graph, self.scene.selected_node_ids())
        if cmd is not None:
            self.push(cmd)

    def select_all(self) -> None:
        self.scene.select_nodes(list(self.graph.nodes))

    # -- backdrops ----------------------------------------------------------------------------------
    def add_backdrop(self) -> str | None:
        """A backdrop around the selected nodes (or at the view centre)."""
        rect = QRectF()
        for nid in self.scene.selected_node_ids():
            rect = rect.united(self.scene.nodes[nid].sceneBoundingRect())
        if rect.isNull():
            c = self.view.center_scene_pos()
            rect = QRectF(c.x() - 200, c.y() - 150, 400, 300)
        else:
            rect = rect.adjusted(-30, -30 - TITLE_H, 30, 30)
        cmd = AddBackdrop((rect.x(), rect.y(), rect.width(), rect.height()), "Backdrop",
                          next(iter(theme.BACKDROP_COLOURS.values())))
        if self.push(cmd):
            return cmd.backdrop_id
        return None

    def set_backdrop_colour(self, backdrop_id: str, colour: str) -> None:
        self.push(EditBackdrop(backdrop_id, color=colour))

    def delete_backdrop(self, backdrop_id: str) -> None:
        self.push(RemoveBackdrops([backdrop_id]))
