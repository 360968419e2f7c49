"""Exports from the GUI: a job on a worker thread, and the Export dialog.

:class:`ExportJob` runs one export off the GUI thread: the clip (``export_clip``, atomic) and
then the sequence files (``write_sequence``, one per chosen format, beside the media).  It
reports ``progress(fraction, message)``, then ``done(result)``, ``failed(message)`` or
``cancelled()``, always queued on the GUI thread.  :meth:`ExportJob.cancel` makes the clip
export stop before its next frame; whatever the job already wrote (the movie, sequence files)
is removed when it is cancelled or fails, so nothing partial is left.

:class:`ExportDialog` (File ▸ Export…, and **Export…** on the shot list): preset (every
preset of :data:`~studio.media.presets.PRESETS`), output path, timecode, reel, the sequence
formats to write beside the media (.otio, .edl, .xml, .fcpxml), a progress bar, Cancel.
Before it starts, a destination that is a file the workflow reads, the workflow file itself
or an existing folder is refused with the reason (:mod:`studio.graph.outputs`).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QVBoxLayout, QWidget)

from studio.errors import Cancelled, StudioError
from studio.media.presets import PRESETS

SEQUENCE_FORMATS = (".otio", ".edl", ".xml", ".fcpxml")


@dataclass
class ExportRequest:
    clip: object | None             # a Clip, or None to write only the sequence files
    path: str                       # the media path (also names the sequence files)
    preset: str = "prores_hq"
    timecode: str | None = None
    reel: str | None = None
    formats: tuple[str, ...] = ()
    sequence: object | None = None  # a snapshot of graph.sequence
    base_dir: str | None = None


@dataclass
class ExportOutcome:
    media: str | None = None
    result: object | None = None    # the ExportResult
    sequence_files: list[str] = field(default_factory=list)


def sequence_paths(path: str, formats) -> list[str]:
    stem = os.path.splitext(path)[0] if os.path.splitext(path)[1] else path.rstrip("/\\")
    return [stem + ext for ext in formats]


def run_export(req: ExportRequest, progress, check_cancel) -> ExportOutcome:
    """Do the export (any thread); removes what it wrote if it fails or is cancelled."""
    from studio.media.editorial import write_sequence
    from studio.media.export import export_clip
    out = ExportOutcome()
    written: list[str] = []
    try:
        if req.clip is not None:
            share = 0.9 if req.formats else 1.0
            res = export_clip(req.clip, req.path, req.preset, timecode=req.timecode or None, reel=req.reel or None,
                              progress=lambda f, m: progress(f * share, m), check_cancel=check_cancel)
            out.result, out.media = res, res.path
            if not PRESETS[req.preset].is_sequence:
                written.append(res.path)
        for target in sequence_paths(req.path, req.formats):
            check_cancel()
            progress(0.9 + 0.1 * len(out.sequence_files) / max(len(req.formats), 1), f"writing {Path(target).name}")
            written.append(write_sequence(req.sequence, target, base_dir=req.base_dir))
            out.sequence_files.append(written[-1])
        check_cancel()
    except BaseException:
        for path in written:
            try:
                os.remove(path)
            except OSError:
                pass
        raise
    progress(1.0, "done")
    return out


class ExportJob(QObject):
    progress = Signal(float, str)
    done = Signal(object)        # ExportOutcome
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, request: ExportRequest, parent: QObject | None = None):
        super().__init__(parent)
        self.request = request
        self._cancel = threading.Event()
        self.finished = False
        self._thread = threading.Thread(target=self._work, name="cinegraph-export", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("export cancelled")

    def _work(self) -> None:
        try:
            outcome = run_export(self.request, self._report, self._check)
        except Cancelled:
            self._emit(self.cancelled)
        except StudioError as exc:
            self._emit(self.failed, str(exc))
        except Exception as exc:   # noqa: BLE001 - shown to the user, never lost
            self._emit(self.failed, f"{type(exc).__name__}: {exc}")
        else:
            self._emit(self.done, outcome)

    def _report(self, fraction: float, message: str) -> None:
        self._emit(self.progress, float(fraction), str(message))

    def _emit(self, signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:   # the dialog went away
            pass


class ExportDialog(QDialog):
    """Choose preset, path, timecode, reel and sequence formats; export with progress and Cancel."""

    exported = Signal(object)   # ExportOutcome

    def __init__(self, clip=None, path: str = "", sequence=None, base_dir: str | None = None,
                 timecode: str = "", reel: str = "", formats=(), parent: QWidget | None = None, *,
                 graph=None, workflow_path: str | None = None):
        super().__init__(parent)
        self.graph, self.workflow_path = graph, workflow_path   # what the export must not overwrite
        self.setWindowTitle("Export")
        self.setObjectName("exportDialog")
        self.clip, self.sequence, self.base_dir = clip, sequence, base_dir
        self.job: ExportJob | None = None
        self.outcome: ExportOutcome | None = None
        self.error = ""
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.preset = QComboBox()
        for name, p in PRESETS.items():
            self.preset.addItem(f"{p.label} ({name})", name)
        self.preset.setCurrentIndex(max(self.preset.findData("prores_hq"), 0))
        self.path = QLineEdit(path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.timecode = QLineEdit(timecode)
        self.timecode.setPlaceholderText("the clip's own (HH:MM:SS:FF)")
        self.reel = QLineEdit(reel)
        self.reel.setMaxLength(8)
        self.reel.setPlaceholderText("optional, up to 8 characters")
        self.format_boxes: dict[str, QCheckBox] = {}
        formats_row = QHBoxLayout()
        for ext in SEQUENCE_FORMATS:
            box = QCheckBox(ext)
            box.setChecked(ext in formats)
            box.setEnabled(sequence is not None and len(getattr(sequence, "shots", ())) > 0)
            self.format_boxes[ext] = box
            formats_row.addWidget(box)
        formats_row.addStretch(1)
        form.addRow("Preset", self.preset)
        form.addRow("Output", row)
        form.addRow("Timecode", self.timecode)
        form.addRow("Reel", self.reel)
        form.addRow("Shot list as", formats_row)
        lay.addLayout(form)
        if clip is None:
            note = QLabel("No clip in the viewer: only the shot list files are written (named after Output).")
            note.setWordWrap(True)
            lay.addWidget(note)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.bar)
        lay.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Close")
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        lay.addLayout(buttons)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.resize(560, 0)

    def set_preset(self, name: str) -> None:
        self.preset.setCurrentIndex(self.preset.findData(name))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if path:
            self.path.setText(path)

    def request(self) -> ExportRequest:
        formats = tuple(ext for ext, box in self.format_boxes.items() if box.isChecked() and box.isEnabled())
        return ExportRequest(self.clip, os.path.abspath(os.path.expanduser(self.path.text().strip())),
                             self.preset.currentData(), self.timecode.text().strip() or None,
                             self.reel.text().strip() or None, formats, self.sequence, self.base_dir)

    def start(self) -> ExportJob | None:
        """Start the export on a worker thread (None if there is nothing to do)."""
        if self.job is not None and not self.job.finished:
            return None
        if not self.path.text().strip():
            self._fail("Choose an output path")
            return None
        req = self.request()
        if req.clip is None and not req.formats:
            self._fail("Nothing to export: no clip in the viewer and no shot list format chosen")
            return None
        unsafe = self.unsafe(req)
        if unsafe:
            self._fail("; ".join(unsafe))
            return None
        self.error = ""
        self.outcome = None
        self.job = ExportJob(req, self)
        self.job.progress.connect(self._progress)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(self._cancelled)
        self.export_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.status.setStyleSheet("")
        self.status.setText("Exporting…")
        self.bar.setValue(0)
        self.job.start()
        return self.job

    def unsafe(self, req: ExportRequest) -> list[str]:
        """Why the export must not write its files (they are read by the workflow, or are it)."""
        from studio.graph.outputs import output_problems
        problems, written = [], []
        if req.clip is not None:
            preset = PRESETS.get(req.preset)
            problems += [f"{req.path}: {p}" for p in
                         output_problems(req.path, self.graph, self.workflow_path,
                                         sequence=preset.is_sequence if preset else None)]
            written.append(("the exported movie", req.path))
        for path in sequence_paths(req.path, req.formats):
            problems += [f"{path}: {p}" for p in
                         output_problems(path, self.graph, self.workflow_path, sequence=False, extra_inputs=written)]
        return problems

    @property
    def busy(self) -> bool:
        return self.job is not None and not self.job.finished

    def cancel(self) -> None:
        if self.busy:
            self.job.cancel()
            self.status.setText("Cancelling…")

    def _cancel_or_close(self) -> None:
        if self.busy:
            self.cancel()
        else:
            self.reject()

    def reject(self) -> None:
        if self.busy:
            self.cancel()
            return
        super().reject()

    def _progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(max(0.0, min(fraction, 1.0)) * 1000))
        self.status.setText(message)

    def _finish(self) -> None:
        if self.job is not None:
            self.job.finished = True
        self.export_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def _done(self, outcome: ExportOutcome) -> None:
        self._finish()
        self.outcome = outcome
        self.bar.setValue(1000)
        files = ([outcome.media] if outcome.media else []) + outcome.sequence_files
        self.status.setText("Exported " + ", ".join(os.path.basename(f) for f in files))
        self.exported.emit(outcome)

    def _failed(self, message: str) -> None:
        self._finish()
        self._fail(message)

    def _fail(self, message: str) -> None:
        self.error = message
        self.bar.setValue(0)
        self.status.setStyleSheet("color: #e06c60")
        self.status.setText(f"Export failed: {message}")

    def _cancelled(self) -> None:
        self._finish()
        self.bar.setValue(0)
        self.status.setText("Export cancelled; nothing was written")
