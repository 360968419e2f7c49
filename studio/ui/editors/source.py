"""The picture an editor works on: the output feeding one of its node's inputs.

:class:`SourceFrame` answers ``fetch(graph, node_id, input_name)`` with ``ready(image,
message)`` -- an (H, W, 3) uint8 array at full resolution, or None and why.  It uses the
output already held by the window's :class:`~studio.ui.runs.RunController` (the executor's
cache); otherwise it runs the upstream node in the background (queued behind a render in
progress, never cancelling it) and answers when the result lands.  A clip gives its first
frame, made on a helper thread.  The GUI thread never waits.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.ui.editors.timing import source_of
from studio.ui.editors.workers import LatestWorker
from studio.ui.frames import is_clip, is_image


def as_rgb(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0.0, 1.0) * 255 + 0.5).astype(np.uint8) if np.issubdtype(a.dtype, np.floating) \
            else np.clip(a, 0, 255).astype(np.uint8)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    elif a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    elif a.shape[2] == 4:
        a = a[..., :3]
    return np.ascontiguousarray(a)


class SourceFrame(QObject):
    ready = Signal(object, str)   # image array or None, message

    def __init__(self, runs, parent: QObject | None = None):
        super().__init__(parent)
        self.runs = runs
        self.worker = LatestWorker("cinegraph-source", self)
        self.worker.finished.connect(self._frame_made)
        self.worker.failed.connect(lambda job, msg: self.ready.emit(None, msg))
        self._waiting: tuple[str, str] | None = None
        self._run_id: int | None = None
        runs.outputReady.connect(self._output_ready)
        runs.runFinished.connect(self._run_finished)

    def stop(self) -> None:
        self.worker.stop()
        self._waiting = None

    def fetch(self, graph, node_id: str, input_name: str = "image") -> None:
        src = source_of(graph, node_id, input_name)
        self._waiting = None
        if src is None:
            self.ready.emit(None, f"Connect a picture to the {input_name!r} input to paint on it.")
            return
        if self._deliver(*src):
            return
        self._waiting = src
        handle = self.runs.run([src[0]], cancel_previous=False)
        if handle is None:
            self._waiting = None
            self.ready.emit(None, f"{src[0]} cannot run; its picture is not available.")
            return
        self._run_id = handle.run_id
        self.ready.emit(None, f"Rendering {graph.nodes[src[0]].name}…")

    def _deliver(self, node_id: str, output: str) -> bool:
        outputs = self.runs.outputs(node_id)
        if not outputs or outputs.get(output) is None:
            return False
        value = outputs[output]
        if is_image(value):
            self.ready.emit(as_rgb(value), "")
            return True
        if is_clip(value) and len(value):
            self.worker.submit(lambda check: as_rgb(value.frame(0)))
            return True
        keys = getattr(value, "keys", None)
        if isinstance(keys, tuple) and keys and is_image(getattr(keys[0], "image", None)):
            self.ready.emit(as_rgb(keys[0].image), "")
            return True
        self.ready.emit(None, f"{node_id}.{output} is not a picture.")
        return True

    def _frame_made(self, job: int, image, seconds: float) -> None:
        self.ready.emit(image, "")

    def _output_ready(self, node_id: str) -> None:
        if self._waiting is not None and node_id == self._waiting[0]:
            src, self._waiting = self._waiting, None
            self._deliver(*src)

    def _run_finished(self, run_id: int, status: str) -> None:
        if self._waiting is None or run_id != self._run_id:
            return
        src, self._waiting = self._waiting, None
        if not self._deliver(*src):
            self.ready.emit(None, f"{src[0]} did not produce a picture ({status}).")
