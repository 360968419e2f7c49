"""Pictures of node outputs, made off the GUI thread.

A node's outputs (an image array, a :class:`~studio.media.clip.Clip`, keyframes) are turned
into :class:`QImage` s on one helper thread, because producing a frame of a streaming clip
(a flow-engine render, a video decode) can take far longer than a GUI frame.  Callers ask
with :meth:`FrameService.request` and get ``ready(channel, request_id, image)`` later, queued
on the GUI thread.  For each channel only the newest request is worked on, so scrubbing or
playing never builds a backlog.

:func:`visual` decides what of an outputs dict can be shown: the first output that is an
image (H, W, 3) uint8 array, a clip (anything with ``frame(i)``, ``fps`` and ``len``), or a
keyframe set (its first key's image).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)


def is_clip(value: Any) -> bool:
    return callable(getattr(value, "frame", None)) and hasattr(value, "fps") and hasattr(value, "__len__")


def is_image(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.ndim in (2, 3) and value.size > 0 and \
        (value.ndim == 2 or value.shape[2] in (1, 3, 4))


def visual(outputs: dict | None) -> Any:
    """The first showable value in a node's outputs (image array or clip), or None."""
    if not outputs:
        return None
    for value in outputs.values():
        if is_image(value) or is_clip(value):
            return value
        keys = getattr(value, "keys", None)
        if isinstance(keys, tuple) and keys and is_image(getattr(keys[0], "image", None)):
            return keys[0].image
    return None


def shrink(a: np.ndarray, max_w: int, max_h: int) -> np.ndarray:
    """``a`` scaled down to fit ``max_w`` x ``max_h`` (area averaging with OpenCV, which
    releases the GIL so the GUI thread keeps running; plain decimation without it)."""
    h, w = a.shape[:2]
    scale = min(max_w / w, max_h / h)
    if scale >= 1.0:
        return a
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    try:
        import cv2
        return cv2.resize(np.ascontiguousarray(a), size, interpolation=cv2.INTER_AREA)
    except ImportError:   # pragma: no cover - OpenCV is a dependency
        step = max(1, int(1 / scale))
        return a[::step, ::step]


def to_qimage(array: np.ndarray, max_w: int = 0, max_h: int = 0) -> QImage:
    """An RGB(A) uint8 array as a QImage that owns its pixels, scaled down to fit if asked."""
    a = np.asarray(array)
    if max_w and max_h and a.ndim in (2, 3) and a.dtype == np.uint8:
        a = shrink(a, max_w, max_h)
    if a.dtype != np.uint8:
        if np.issubdtype(a.dtype, np.floating):
            a = (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        else:
            a = np.clip(a, 0, 255).astype(np.uint8)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    a = np.ascontiguousarray(a)
    h, w = a.shape[:2]
    if a.ndim == 2:
        fmt, bpl = QImage.Format_Grayscale8, w
    elif a.shape[2] == 4:
        fmt, bpl = QImage.Format_RGBA8888, w * 4
    else:
        fmt, bpl = QImage.Format_RGB888, w * 3
    img = QImage(a.data, w, h, bpl, fmt).copy()   # copy: the QImage owns its pixels
    if max_w and max_h and (w > max_w or h > max_h):
        img = img.scaled(max_w, max_h, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    return img


def picture(value: Any, index: int = 0, max_w: int = 0, max_h: int = 0) -> QImage | None:
    """Frame ``index`` of a clip, or the image itself, as a QImage (runs on the helper thread)."""
    if is_clip(value):
        n = len(value)
        if n == 0:
            return None
        return to_qimage(value.frame(max(0, min(int(index), n - 1))), max_w, max_h)
    if is_image(value):
        return to_qimage(value, max_w, max_h)
    return None


class FrameService(QObject):
    """One helper thread that makes QImages; results arrive queued as ``ready``."""

    ready = Signal(str, int, object)   # channel, request id, QImage or None

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._queue: queue.Queue = queue.Queue()
        self._latest: dict[str, int] = {}
        self._lock = threading.Lock()
        self._next = 1
        self._thread = threading.Thread(target=self._work, name="cinegraph-frames", daemon=True)
        self._thread.start()

    def request(self, channel: str, make: Callable[[], QImage | None]) -> int:
        """Queue ``make()`` for the helper thread; an older pending request on ``channel`` is dropped."""
        with self._lock:
            rid = self._next
            self._next += 1
            self._latest[channel] = rid
        self._queue.put((channel, rid, make))
        return rid

    def cancel(self, channel: str) -> None:
        with self._lock:
            self._latest[channel] = -1

    def stop(self) -> None:
        self._queue.put(None)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            channel, rid, make = job
            with self._lock:
                if self._latest.get(channel) != rid:
                    continue
            try:
                image = make()
            except Exception as exc:   # a broken clip must not kill the helper
                log.warning("could not make a picture for %s: %s", channel, exc)
                image = None
            with self._lock:
                if self._latest.get(channel) != rid:
                    continue
            try:
                self.ready.emit(channel, rid, image)
            except RuntimeError:   # the service was deleted
                return
