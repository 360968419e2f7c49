"""The window's file operations: New, Open, Open Recent, Save, Save As, Revert, the prompt on
close, and crash recovery (see :mod:`studio.ui.project` for the autosave rules).

Opening is lenient (``workflow.load(strict=False)``): everything that can be loaded is, and
all the problems are listed in one dialog.  A file that cannot be read at all (missing, not
JSON, from a newer Cinegraph) is reported and the current document stays.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from studio.errors import StudioError, WorkflowError
from studio.graph import workflow
from studio.graph.model import Graph
from studio.ui import project


def _when(path: Path) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
    except OSError:
        return "recently"


def unreadable(graph, problems) -> bool:
    """True when a lenient load found no workflow at all (not JSON, wrong format, newer version)."""
    return not graph.nodes and any(p.where in ("", "format", "version") for p in problems)


class FilesMixin:
    # -- questions -------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when the current document may be replaced or closed (saved or discarded)."""
        if not self.is_dirty():
            return True
        answer = self.prompts.ask_save_changes(self, self.display_name())
        if answer == "save":
            return self.save()
        if answer == "discard":
            self.autosave.discard()
            return True
        return False

    # -- new / open ----------------------------------------------------------------------------------
    def new_document(self) -> None:
        if self.maybe_save():
            self.set_graph(Graph(self.registry), None)

    def new_window(self):
        from studio.ui.main_window import MainWindow
        win = MainWindow(registry=self.registry, executor=self.executor, prompts=self.prompts,
                         autosave_ms=self.autosave.timer.interval())
        win.resize(self.size())
        win.show()
        return win

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = os.path.dirname(self.path) if self.path else (project.recent_files() or [os.getcwd()])[0]
        path = self.prompts.open_path(self, os.path.dirname(start) if os.path.isfile(start) else start)
        if path:
            self.open_file(path, ask=False)

    def open_file(self, path: str, ask: bool = True) -> bool:
        """Open ``path`` (after asking to save changes when ``ask``); True if it opened."""
        if ask and not self.maybe_save():
            return False
        path = os.path.abspath(path)
        recovery = project.autosave_path_for(path)
        restore = recovery.is_file() and self.prompts.ask_restore(self, os.path.basename(path), _when(recovery))
        try:
            graph, problems = workflow.load(recovery if restore else path, self.registry, strict=False)
        except WorkflowError as exc:
            problems = exc.problems
            graph = None
        if graph is None or unreadable(graph, problems):
            self.prompts.error(self, "Cannot open workflow", f"{path}\n\n" + "\n".join(str(p) for p in problems))
            return False
        if recovery.is_file() and not restore:
            recovery.unlink(missing_ok=True)
        self.set_graph(graph, path, keep_recovery=restore)
        if restore:
            self._forced_dirty = True
            self.autosave.mark_changed()
            self.update_title()
            self.show_status(f"Restored unsaved changes to {os.path.basename(path)}", 8000)
        else:
            self.show_status(f"Opened {path}", 4000)
        project.add_recent(path)
        self.last_problems = problems
        if problems:
            self.prompts.show_problems(self, path, problems)
        return True

    def offer_untitled_recovery(self) -> bool:
        """At start: offer to restore untitled work left by a crashed session."""
        found = project.orphaned_untitled()
        if not found:
            return False
        newest = found[0]
        if not self.prompts.ask_restore(self, "an untitled workflow", _when(newest)):
            for p in found:
                p.unlink(missing_ok=True)
            return False
        try:
            graph, problems = workflow.load(newest, self.registry, strict=False)
        except WorkflowError as exc:
            self.prompts.error(self, "Cannot restore", "\n".join(str(p) for p in exc.problems))
            return False
        self.set_graph(graph, None)
        self.autosave.adopt(newest)
        self._forced_dirty = True
        self.autosave.mark_changed()
        self.update_title()
        if problems:
            self.prompts.show_problems(self, str(newest), problems)
        return True

    def revert(self) -> None:
        if not self.path:
            return
        if self.is_dirty() and not self.prompts.confirm(
                self, "Revert", f"Discard all changes since {self.display_name()} was last saved?"):
            return
        try:
            graph, problems = workflow.load(self.path, self.registry, strict=False)
        except WorkflowError as exc:
            self.prompts.error(self, "Cannot revert", "\n".join(str(p) for p in exc.problems))
            return
        self.autosave.discard()
        self.set_graph(graph, self.path)
        self.show_status(f"Reverted to the saved {self.display_name()}")

    # -- save ------------------------------------------------------------------------------------------
    def save(self) -> bool:
        if not self.path:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        suggested = self.path or os.path.join(os.getcwd(), "untitled.cgraph")
        path = self.prompts.save_path(self, suggested)
        if not path:
            return False
        if not path.lower().endswith(workflow.SUFFIX):
            path += workflow.SUFFIX
        return self._write(path)

    def _write(self, path: str) -> bool:
        path = os.path.abspath(path)
        from studio.graph.outputs import output_problems
        unsafe = output_problems(path, self.graph, sequence=False)
        if unsafe:
            self.prompts.error(self, "Cannot save", f"{path}\n\n" + "\n".join(unsafe))
            return False
        try:
            workflow.save(self.graph, path)
        except (OSError, ValueError, StudioError) as exc:
            self.prompts.error(self, "Cannot save", f"{path}\n\n{exc}")
            return False
        if path != self.path:
            self.autosave.set_project(path)   # deletes the old recovery file
            self.path = path
        else:
            self.autosave.discard()
        self._forced_dirty = False
        self.undo.setClean()
        project.add_recent(path)
        self.update_title()
        self.show_status(f"Saved {path}", 4000)
        return True
