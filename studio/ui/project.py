"""Project files: recent files, autosave and crash recovery, and the dialogs they need.

* Recent files are kept in QSettings (``recent``, newest first, at most 10).
* Autosave: every ``interval_ms`` (30 s by default) while there are unsaved changes that
  were not autosaved yet, the workflow is written (atomically, by ``workflow.save``) to a
  recovery file: next to the project as ``.NAME.cgraph.autosave``, or for untitled work in
  ``<AppDataLocation>/recovery/untitled-<id>.cgraph.autosave``.  Saving, or closing and
  discarding the changes, deletes it; a crash leaves it behind.
* Recovery: opening ``NAME.cgraph`` when ``.NAME.cgraph.autosave`` exists offers to restore
  it.  An untitled recovery file is held by a QLockFile while its window lives, so at start
  the files whose lock can be taken are exactly those left by a crashed session.
* :class:`Prompts` holds every question the window asks (save changes? restore? problems
  found, file names).  Tests pass their own subclass, so nothing blocks on a modal dialog.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QLabel, QMessageBox, QPlainTextEdit,
                               QVBoxLayout)

from studio.errors import StudioError
from studio.graph import workflow

AUTOSAVE_MS = 30_000
SUFFIX = ".autosave"
MAX_RECENT = 10
FILE_FILTER = "Cinegraph workflows (*.cgraph);;All files (*)"


# -- settings and recent files --------------------------------------------------------------------
def settings() -> QSettings:
    return QSettings(QSettings.IniFormat, QSettings.UserScope, "Cinegraph", "Cinegraph Studio")


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or []) if v]


def add_recent(path: str) -> None:
    path = os.path.abspath(path)
    items = [p for p in recent_files() if p != path]
    s = settings()
    s.setValue("recent", [path] + items[:MAX_RECENT - 1])
    s.sync()


def clear_recent() -> None:
    s = settings()
    s.setValue("recent", [])
    s.sync()


# -- recovery files ----------------------------------------------------------------------------------
def recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or os.path.expanduser("~/.cinegraph")
    return Path(base) / "recovery"


def autosave_path_for(project: str) -> Path:
    """``.NAME.cgraph.autosave`` next to the project file."""
    p = Path(project).resolve()
    return p.with_name(f".{p.name}{SUFFIX}")


def orphaned_untitled() -> list[Path]:
    """Untitled recovery files left by sessions that are gone (their lock is free), newest first."""
    folder = recovery_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"untitled-*.cgraph{SUFFIX}"):
        lock = QLockFile(str(path) + ".lock")
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            lock.unlock()
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


class Autosave(QObject):
    """Writes the window's graph to its recovery file while it has unsaved changes."""

    written = Signal(str)

    def __init__(self, graph_of, is_dirty, interval_ms: int = AUTOSAVE_MS, parent=None):
        super().__init__(parent)
        self._graph_of, self._is_dirty = graph_of, is_dirty
        self.project: str | None = None
        self.pending = False
        self._lock: QLockFile | None = None
        self._untitled: Path | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(int(interval_ms))
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    @property
    def path(self) -> Path:
        if self.project:
            return autosave_path_for(self.project)
        if self._untitled is None:
            self.adopt(recovery_dir() / f"untitled-{uuid.uuid4().hex[:12]}.cgraph{SUFFIX}")
        return self._untitled

    def adopt(self, untitled_path: Path) -> None:
        """Use ``untitled_path`` as this window's untitled recovery file and hold its lock."""
        self._release()
        untitled_path.parent.mkdir(parents=True, exist_ok=True)
        self._untitled = untitled_path
        self._lock = QLockFile(str(untitled_path) + ".lock")
        self._lock.setStaleLockTime(0)
        self._lock.tryLock(0)

    def set_project(self, project: str | None, keep: bool = False) -> None:
        """The document now lives at ``project`` (None: untitled); the old recovery file is
        deleted unless ``keep`` (a restored document keeps it until it is written again)."""
        if not keep:
            self.discard()
        self.project = os.path.abspath(project) if project else None

    def mark_changed(self) -> None:
        self.pending = True

    def tick(self) -> bool:
        """Write the recovery file if there are unsaved changes not written yet; True if written."""
        if not (self.pending and self._is_dirty()):
            return False
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            workflow.save(self._graph_of(), path)
        except (OSError, StudioError):
            return False
        self.pending = False
        self.written.emit(str(path))
        return True

    def discard(self) -> None:
        """Delete the recovery file (after a save, or when changes are thrown away)."""
        path = autosave_path_for(self.project) if self.project else self._untitled
        if path is not None:
            try:
                path.unlink()
            except OSError:
                pass
        self.pending = False
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None
            try:
                Path(str(self._untitled) + ".lock").unlink()
            except (OSError, TypeError):
                pass
        self._untitled = None

    def stop(self) -> None:
        self.timer.stop()


# -- dialogs ---------------------------------------------------------------------------------------------
class ProblemsDialog(QDialog):
    """Every load problem in one list (non-modal)."""

    def __init__(self, path: str, problems, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Problems while opening")
        self.resize(640, 360)
        lay = QVBoxLayout(self)
        head = QLabel(f"<b>{os.path.basename(path)}</b> opened with {len(problems)} problem(s). "
                      f"Everything else was loaded; saving writes the corrected workflow.")
        head.setWordWrap(True)
        self.text = QPlainTextEdit("\n".join(str(p) for p in problems))
        self.text.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok)
        buttons.accepted.connect(self.accept)
        lay.addWidget(head)
        lay.addWidget(self.text)
        lay.addWidget(buttons)


class Prompts:
    """The questions the window asks; override in tests."""

    def ask_save_changes(self, parent, name: str) -> str:
        """'save', 'discard' or 'cancel'."""
        box = QMessageBox(QMessageBox.Warning, "Unsaved changes", f"Save the changes to {name}?",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, parent)
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setDefaultButton(QMessageBox.Save)
        answer = box.exec()
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def ask_restore(self, parent, what: str, when: str) -> bool:
        answer = QMessageBox.question(
            parent, "Recover unsaved work",
            f"Cinegraph found unsaved changes to {what} (autosaved {when}), probably from a session that "
            f"ended unexpectedly.\n\nRestore them?", QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def confirm(self, parent, title: str, text: str) -> bool:
        return QMessageBox.question(parent, title, text, QMessageBox.Yes | QMessageBox.No) == QMessageBox.Yes

    def show_problems(self, parent, path: str, problems) -> None:
        dialog = ProblemsDialog(path, problems, parent)
        dialog.setAttribute(Qt.WA_DeleteOnClose, True)
        dialog.open()

    def error(self, parent, title: str, text: str) -> None:
        QMessageBox.critical(parent, title, text)

    def open_path(self, parent, directory: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(parent, "Open workflow", directory, FILE_FILTER)
        return path or None

    def save_path(self, parent, suggested: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, "Save workflow", suggested, FILE_FILTER)
        return path or None
