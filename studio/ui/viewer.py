"""The viewer and timeline: the output of the viewed node, an image or a clip, with transport.

The viewer holds a value (an image array or a clip) and shows one frame of it.  Frames are
made by the :class:`~studio.ui.frames.FrameService` helper thread, scaled to the widget, so a
streaming clip (a render that computes frames on demand) never blocks the GUI.  The scaled
frames are kept in a small cache (:data:`FRAME_CACHE`), which the timeline's cache bar shows
(an in-memory clip counts as cached throughout).

Playback follows the wall clock through :class:`~studio.media.playback.PlaybackClock`: a
precise timer asks the clock which frame is due, shows it, and frames that came and went
while a frame was still being made are *dropped* (counted, shown as "dropped N"), never
queued, so playback never slows down.  Transport: play/pause, loop, frame step, J/K/L
shuttle, Home/End, in/out points (the playable range); the keys are viewer shortcuts (they
work while the viewer has focus): Space, Left/Right, J/K/L, Home/End, I/O, Alt+I/O (clear).

The viewer's frame is the app's *current frame*: ``frameChanged(index)`` reports every change
(slider, ruler, playback, :meth:`Viewer.set_frame`), and the playhead is kept (clamped) when the
viewer switches to another clip, so keying a param at a frame survives selecting its node.
An *overlay* (:meth:`Viewer.set_overlay`, e.g. the camera overlay of a CameraMove) is drawn
over the picture at the current frame; with a still picture its ``frames`` drive the slider
and Play, and the picture is drawn inset by its ``inset`` so what it draws past the picture's
edge stays in view.

Picture aids: fit / 100 % zoom, safe areas (action 93 %, title 90 %), aspect guides (2.39,
1.85, 16:9, 4:3) and an A/B wipe: :meth:`Viewer.set_compare` gives a second value (B) whose
same frame is drawn right of a draggable wipe line.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from fractions import Fraction

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QToolButton, QVBoxLayout,
                               QWidget)

from studio.media.playback import PlaybackClock
from studio.ui import theme
from studio.ui.frames import is_clip, picture
from studio.ui.timeline import TimelineRuler, keyframe_frames  # noqa: F401 - re-exported for the window

FRAME_CACHE = 96          # scaled frames kept per viewer (streaming clips)
TICK_MS = 3               # playback timer: how often the clock is asked
GUIDES = {"none": None, "2.39": 2.39, "1.85": 1.85, "16:9": 16 / 9, "4:3": 4 / 3}
SAFE_ACTION, SAFE_TITLE = 0.93, 0.90


class _Canvas(QWidget):
    wipeMoved = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("viewerCanvas")
        self.setAttribute(Qt.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.image: QImage | None = None
        self.image_b: QImage | None = None
        self.wipe: float | None = None      # the wipe line (0..1 of the picture), None: off
        self.hint = ""
        self.overlay = None
        self.frame = 0
        self.safe_areas = False
        self.guide: float | None = None
        self.actual_size = False            # 100 %: one image pixel per screen pixel
        self.source_size: tuple[int, int] | None = None   # the full picture's size (for 100 %)
        self.paints = 0
        self.setMinimumSize(160, 90)

    def sizeHint(self) -> QSize:
        return QSize(640, 260)

    def target_rect(self) -> QRectF:
        """Where the picture goes, in widget coordinates."""
        if self.image is None or self.image.isNull():
            return QRectF()
        iw, ih = self.image.width(), self.image.height()
        dpr = self.devicePixelRatioF()
        if self.actual_size:
            w, h = iw / dpr, ih / dpr
        else:
            inset = getattr(self.overlay, "inset", 1.0) if self.overlay is not None else 1.0
            scale = min(self.width() / iw, self.height() / ih) * inset
            w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:
        self.paints += 1
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#101113"))
        if self.image is not None and not self.image.isNull():
            target = self.target_rect()
            exact = abs(target.width() - self.image.width()) < 1.5 and abs(target.height() - self.image.height()) < 1.5
            # frames arrive pre-scaled to the widget: draw 1:1 when they fit, smooth otherwise
            p.setRenderHint(QPainter.SmoothPixmapTransform, not exact)
            if self.overlay is not None:
                p.setOpacity(0.4)
                p.drawImage(target, self.image)
                p.setOpacity(1.0)
                self.overlay.paint(p, target, self.frame, self.image)
            elif exact:
                p.drawImage(target.topLeft(), self.image)
            else:
                p.drawImage(target, self.image)
            if self.wipe is not None:
                self._paint_wipe(p, target)
            if self.guide:
                self._paint_guide(p, target)
            if self.safe_areas:
                self._paint_safe(p, target)
        elif self.hint:
            p.setPen(QColor("#6f7682"))
            p.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, self.hint)
        p.end()

    def _paint_wipe(self, p: QPainter, target: QRectF) -> None:
        x = target.left() + target.width() * self.wipe
        if self.image_b is not None and not self.image_b.isNull():
            p.save()
            p.setClipRect(QRectF(x, target.top(), target.right() - x, target.height()))
            p.drawImage(target, self.image_b)
            p.restore()
        p.setPen(QPen(QColor("#f2f2f2"), 2))
        p.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))
        p.setBrush(QColor("#f2f2f2"))
        p.drawEllipse(QPointF(x, target.center().y()), 5, 5)
        p.setPen(QColor("#f2f2f2"))
        p.drawText(QPointF(x - 18, target.top() + 14), "A")
        p.drawText(QPointF(x + 8, target.top() + 14), "B")

    def _paint_guide(self, p: QPainter, target: QRectF) -> None:
        ratio = self.guide
        w, h = target.width(), target.height()
        if w / h > ratio:
            gw, gh = h * ratio, h
        else:
            gw, gh = w, w / ratio
        g = QRectF(target.center().x() - gw / 2, target.center().y() - gh / 2, gw, gh)
        shade = QColor(0, 0, 0, 150)
        p.fillRect(QRectF(target.left(), target.top(), w, g.top() - target.top()), shade)
        p.fillRect(QRectF(target.left(), g.bottom(), w, target.bottom() - g.bottom()), shade)
        p.fillRect(QRectF(target.left(), g.top(), g.left() - target.left(), gh), shade)
        p.fillRect(QRectF(g.right(), g.top(), target.right() - g.right(), gh), shade)
        p.setPen(QPen(QColor("#e0b341"), 1))
        p.setBrush(Qt.NoBrush)
        p.drawRect(g)

    def _paint_safe(self, p: QPainter, target: QRectF) -> None:
        p.setBrush(Qt.NoBrush)
        for frac, colour in ((SAFE_ACTION, "#8fd18f"), (SAFE_TITLE, "#d18f8f")):
            w, h = target.width() * frac, target.height() * frac
            p.setPen(QPen(QColor(colour), 1, Qt.DashLine))
            p.drawRect(QRectF(target.center().x() - w / 2, target.center().y() - h / 2, w, h))

    # the wipe line follows a drag
    def mousePressEvent(self, event) -> None:
        self._drag_wipe(event)

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton:
            self._drag_wipe(event)

    def _drag_wipe(self, event) -> None:
        target = self.target_rect()
        if self.wipe is None or target.isEmpty():
            return
        self.wipe = min(max((event.position().x() - target.left()) / target.width(), 0.0), 1.0)
        self.wipeMoved.emit(self.wipe)
        self.update()


class _ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" instead of asking for width."""

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return getattr(self, "_full", super().text())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        full = getattr(self, "_full", "")
        super().setText(self.fontMetrics().elidedText(full, Qt.ElideMiddle, max(self.width() - 2, 0)))


class PlaybackStats:
    """What playback did since it started: frames shown, dropped, and the time between frames."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.shown = 0
        self.dropped = 0
        self.intervals: list[float] = []
        self._last: float | None = None

    def frame(self, now: float) -> None:
        self.shown += 1
        if self._last is not None:
            self.intervals.append(now - self._last)
        self._last = now


class Viewer(QWidget):
    frameShown = Signal(int)
    frameChanged = Signal(int)    # the current frame (slider, ruler, playback, set_frame)

    def __init__(self, frames, parent=None, clock=time.monotonic):
        super().__init__(parent)
        self.frames = frames
        self.clock_fn = clock     # the wall clock (tests pass a fake)
        self.value = None
        self.compare = None       # the B side of the wipe
        self.node_id: str | None = None
        self.index = 0
        self.overlay = None
        self.playback: PlaybackClock | None = None
        self.stats = PlaybackStats()
        self.in_point = 0
        self.out_point: int | None = None     # exclusive; None: the end
        self._waiting = False
        self._shown_index = -1
        self._channel = f"viewer-{id(self)}"
        self._channel_b = f"viewer-b-{id(self)}"
        self._cache: OrderedDict[int, QImage] = OrderedDict()
        self._cache_size: tuple[int, int] = (0, 0)
        self._pending: dict[int, int] = {}    # request id -> frame
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.canvas = _Canvas()
        lay.addWidget(self.canvas, 1)
        self.ruler = TimelineRuler()
        self.ruler.frameRequested.connect(self._ruler_frame)
        lay.addWidget(self.ruler)
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 4, 8, 4)
        row.setSpacing(6)
        self.play = self._button("fa5s.play", "Play / pause (Space)", checkable=True)
        self.loop = self._button("fa5s.redo", "Loop playback", checkable=True)
        self.loop.setChecked(True)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setMinimumWidth(80)
        self.frame_label = QLabel("")
        self.frame_label.setObjectName("viewerInfo")
        self.frame_label.setMinimumWidth(80)
        self.tc_label = QLabel("")
        self.tc_label.setObjectName("viewerInfo")
        self.drop_label = QLabel("")
        self.drop_label.setObjectName("viewerInfo")
        self.fit_button = self._button("fa5s.expand", "Fit the picture / 100 % (toggle)", checkable=True)
        self.safe_button = self._button("fa5s.border-style", "Safe areas (action 93 %, title 90 %)", checkable=True)
        self.guide_box = QComboBox()
        self.guide_box.addItems(list(GUIDES))
        self.guide_box.setToolTip("Aspect guide")
        self.wipe_button = self._button("fa5s.columns", "A/B wipe (set A and B from the selection)",
                                        checkable=True)
        self.info = _ElidedLabel("")
        self.info.setObjectName("viewerInfo")
        self.info.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)   # never widens the dock
        for w in (self.play, self.loop):
            row.addWidget(w)
        row.addWidget(self.slider, 3)
        row.addWidget(self.frame_label)
        row.addWidget(self.tc_label)
        row.addWidget(self.drop_label)
        row.addStretch(0)
        row.addWidget(self.info, 2)
        for w in (self.fit_button, self.safe_button, self.guide_box, self.wipe_button):
            row.addWidget(w)
        lay.addWidget(bar)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.play.toggled.connect(self._play_toggled)
        self.loop.toggled.connect(self._loop_toggled)
        self.slider.valueChanged.connect(self.show_frame)
        self.fit_button.toggled.connect(self.set_actual_size)
        self.safe_button.toggled.connect(self.set_safe_areas)
        self.guide_box.currentTextChanged.connect(self.set_guide)
        self.wipe_button.toggled.connect(self.set_wipe)
        frames.ready.connect(self._ready)
        self._shortcuts()
        self.clear("Select a node and press Run (Ctrl+Enter) to see its output.")

    def _button(self, icon: str, tip: str, checkable: bool = False) -> QToolButton:
        b = QToolButton()
        b.setIcon(theme.icon(icon))
        b.setToolTip(tip)
        b.setCheckable(checkable)
        b.setAutoRaise(True)
        return b

    def _shortcuts(self) -> None:
        self.actions_by_key: dict[str, QAction] = {}
        for key, slot, text in (
                ("Space", self.toggle_play, "Play / pause"), ("Left", lambda: self.step(-1), "Previous frame"),
                ("Right", lambda: self.step(1), "Next frame"), ("J", self.shuttle_j, "Play backwards / faster"),
                ("K", self.shuttle_k, "Pause"), ("L", self.shuttle_l, "Play forwards / faster"),
                ("Home", self.go_home, "First frame"), ("End", self.go_end, "Last frame"),
                ("I", self.mark_in, "Set in point"), ("O", self.mark_out, "Set out point"),
                ("Alt+I", self.clear_in, "Clear in point"), ("Alt+O", self.clear_out, "Clear out point")):
            act = QAction(text, self)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            self.actions_by_key[key] = act

    # -- content -----------------------------------------------------------------------------------
    def clear(self, hint: str = "") -> None:
        self.value = None
        self.overlay = self.canvas.overlay = None
        self.play.setChecked(False)
        self.frames.cancel(self._channel)
        self.canvas.image = None
        self.canvas.hint = hint
        self.canvas.update()
        self._cache.clear()
        self._set_clip_controls(0)
        self.info.setText("")

    def set_hint(self, hint: str) -> None:
        """Say something over an empty viewer (keeps a shown picture)."""
        self.canvas.hint = hint
        if self.canvas.image is None:
            self.canvas.update()

    def set_value(self, node_id: str, value, title: str = "") -> None:
        """Show ``value`` (an image array or a clip) of ``node_id``."""
        same = value is self.value
        self.node_id = node_id
        self.value = value
        self.overlay = self.canvas.overlay = None
        self.canvas.hint = ""
        if not same:
            self._cache.clear()
            self._shown_index = -1
        if is_clip(value):
            n = len(value)
            fps = Fraction(value.fps)
            self._fps = fps
            self.canvas.source_size = (value.width, value.height)
            self._set_clip_controls(n, fps, getattr(value, "start_frame", 0))
            self.info.setText(f"{title}  ·  {value.width}×{value.height}  ·  {n} frames @ {_rate(fps)} fps")
            index = min(self.index, n - 1)      # the playhead stays where it was, as in an editor
        else:
            self.play.setChecked(False)
            self._set_clip_controls(0)
            shape = getattr(value, "shape", (0, 0))
            self.canvas.source_size = (shape[1], shape[0]) if len(shape) >= 2 else None
            self.info.setText(f"{title}  ·  {shape[1]}×{shape[0]}" if len(shape) >= 2 else title)
            index = self.index
        self._move_to(index)
        self._request(index)

    def frame_count(self) -> int:
        """Frames the slider spans: the clip's, or the overlay's over a still (0: none)."""
        if is_clip(self.value):
            return len(self.value)
        return self.overlay.frames if self.overlay is not None else 0

    def set_overlay(self, overlay, fps: float = 24.0) -> None:
        """Draw ``overlay`` (``paint(painter, rect, frame, image)``, ``frames``) over the picture."""
        self.overlay = self.canvas.overlay = overlay
        if overlay is not None and not is_clip(self.value):
            self._fps = Fraction(fps).limit_denominator(1001) if fps else Fraction(24)
            self._set_clip_controls(overlay.frames, self._fps, 0)
            self._move_to(min(self.index, overlay.frames - 1))
        self.canvas.frame = self.index
        self.canvas.update()

    def set_compare(self, value) -> None:
        """The B side of the A/B wipe (an image or clip; None: nothing)."""
        self.compare = value
        self.canvas.image_b = None
        self._request_b(self.index)
        self.canvas.update()

    def set_frame(self, index: int) -> None:
        """Go to frame ``index`` (clamped to the clip or overlay when there is one)."""
        n = self.frame_count()
        index = max(int(index), 0) if n == 0 else min(max(int(index), 0), n - 1)
        if index == self.index:
            return
        if self.playback is not None:
            self.playback.seek(min(max(index, self.playback.in_point), self.playback.out_point - 1))
        self._move_to(index)
        if is_clip(self.value):
            self._request(index)

    def _move_to(self, index: int) -> None:
        changed = index != self.index
        self.index = index
        self.canvas.frame = index
        with _blocked(self.slider):
            self.slider.setValue(index)
        self.ruler.set_frame(index)
        n = self.frame_count()
        if n:
            self.frame_label.setText(f"{index + 1} / {n}")
            self.tc_label.setText(self.ruler and _tc(self.ruler, index))
        if self.overlay is not None or not is_clip(self.value):
            self.canvas.update()
        if changed:
            self.frameChanged.emit(index)

    def _set_clip_controls(self, n: int, fps=24, start_frame: int = 0) -> None:
        is_clip_ = n > 0
        with _blocked(self.slider):
            self.slider.setRange(0, max(n - 1, 0))
        for w in (self.play, self.loop, self.slider, self.frame_label, self.tc_label, self.drop_label, self.ruler):
            w.setVisible(is_clip_)
        self.frame_label.setText(f"{self.index + 1} / {n}" if is_clip_ else "")
        if is_clip_ and (self.playback is None or self.playback.length != n or self.playback.fps != Fraction(fps)):
            was_playing = self.play.isChecked()
            if self.out_point is not None and self.out_point > n or self.in_point >= n:
                self.in_point, self.out_point = 0, None
            self.playback = PlaybackClock(Fraction(fps), n, clock=self.clock_fn, loop=self.loop.isChecked(),
                                          in_point=self.in_point, out_point=self.out_point)
            self.playback.seek(min(self.index, n - 1))
            if was_playing:
                self.playback.play()
        elif not is_clip_:
            self.playback = None
            self.in_point, self.out_point = 0, None
        self.ruler.set_clip(n, fps, start_frame)
        self.ruler.set_range(self.in_point, self.out_point if self.out_point is not None else n)
        self._update_cache_bar()

    # -- frames -------------------------------------------------------------------------------------
    def show_frame(self, index: int) -> None:
        if self.playback is not None:
            self.playback.seek(min(max(int(index), self.playback.in_point), self.playback.out_point - 1))
        self._move_to(int(index))
        if is_clip(self.value):
            self._request(self.index)

    def _ruler_frame(self, index: int) -> None:
        self.show_frame(index)

    def _size(self) -> tuple[int, int]:
        if self.canvas.actual_size:
            return 0, 0
        size = self.canvas.size() * self.devicePixelRatioF()
        return max(size.width(), 64), max(size.height(), 64)

    def _request(self, index: int) -> None:
        value = self.value
        if value is None:
            return
        w, h = self._size()
        if (w, h) != self._cache_size:
            self._cache.clear()
            self._cache_size = (w, h)
        cached = self._cache.get(index) if is_clip(value) else None
        if cached is not None:
            self._cache.move_to_end(index)
            self._show(index, cached)
        else:
            self._waiting = True
            rid = self.frames.request(self._channel, lambda: picture(value, index, w, h))
            self._pending = {rid: index}
        if self.compare is not None and self.canvas.wipe is not None:
            self._request_b(index)
        if is_clip(value):
            self.frame_label.setText(f"{index + 1} / {len(value)}")

    def _request_b(self, index: int) -> None:
        value = self.compare
        if value is None:
            return
        w, h = self._size()
        i = min(index, len(value) - 1) if is_clip(value) else 0
        self.frames.request(self._channel_b, lambda: picture(value, i, w, h))

    def _ready(self, channel: str, rid: int, image) -> None:
        if channel == self._channel_b:
            if image is not None:
                self.canvas.image_b = image
                self.canvas.update()
            return
        if channel != self._channel:
            return
        self._waiting = False
        index = self._pending.pop(rid, self.index)
        if image is None or self.value is None:
            return
        if is_clip(self.value):
            self._cache[index] = image
            while len(self._cache) > FRAME_CACHE:
                self._cache.popitem(last=False)
            self._update_cache_bar()
        self._show(index, image)

    def _show(self, index: int, image) -> None:
        self.canvas.image = image
        self._shown_index = index
        self.canvas.repaint() if self.play.isChecked() else self.canvas.update()
        if self.play.isChecked():
            self.stats.frame(self.clock_fn())
        self.frameShown.emit(index)

    def cached_frames(self) -> set[int] | None:
        """Frames available at once: None for an in-memory clip (all), else the frame cache's."""
        if is_clip(self.value) and not getattr(self.value, "is_streaming", True):
            return None
        return set(self._cache)

    def _update_cache_bar(self) -> None:
        self.ruler.set_cached(self.cached_frames() if is_clip(self.value) else (None if self.overlay else set()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.value is not None and not self.play.isChecked():
            self._request(self.index)

    # -- picture aids -------------------------------------------------------------------------------
    def set_actual_size(self, on: bool) -> None:
        self.canvas.actual_size = bool(on)
        with _blocked(self.fit_button):
            self.fit_button.setChecked(bool(on))
        self._cache.clear()
        if self.value is not None:
            self._request(self.index)

    def set_safe_areas(self, on: bool) -> None:
        self.canvas.safe_areas = bool(on)
        with _blocked(self.safe_button):
            self.safe_button.setChecked(bool(on))
        self.canvas.update()

    def set_guide(self, name: str) -> None:
        self.canvas.guide = GUIDES.get(name)
        if self.guide_box.currentText() != name:
            with _blocked(self.guide_box):
                self.guide_box.setCurrentText(name)
        self.canvas.update()

    def set_wipe(self, on: bool) -> None:
        self.canvas.wipe = (self.canvas.wipe if self.canvas.wipe is not None else 0.5) if on else None
        if not on:
            self.canvas.wipe = None
        with _blocked(self.wipe_button):
            self.wipe_button.setChecked(bool(on))
        if on:
            self._request_b(self.index)
        self.canvas.update()

    def set_keys(self, frames) -> None:
        """Ticks on the ruler: the selected node's keyframes."""
        self.ruler.set_keys(frames)

    # -- transport ----------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.frame_count():
            self.play.setChecked(not self.play.isChecked())

    def step(self, n: int) -> None:
        if not self.frame_count():
            return
        self.play.setChecked(False)
        if self.playback is not None:
            self.playback.seek(self.index)
            self.show_frame(self.playback.step(n))

    def go_home(self) -> None:
        self.play.setChecked(False)
        if self.frame_count():
            self.show_frame(self.in_point)

    def go_end(self) -> None:
        self.play.setChecked(False)
        n = self.frame_count()
        if n:
            self.show_frame((self.out_point if self.out_point is not None else n) - 1)

    def _shuttle(self, how: str) -> None:
        pb = self.playback
        if pb is None:
            return
        if pb.speed == 0:
            pb.seek(self.index)
        getattr(pb, how)()
        self._after_transport()

    def shuttle_j(self) -> None:
        self._shuttle("j")

    def shuttle_k(self) -> None:
        self._shuttle("k")

    def shuttle_l(self) -> None:
        self._shuttle("l")

    def _after_transport(self) -> None:
        """Match the Play button and the timer to the clock's state (after J/K/L)."""
        playing = self.playback is not None and self.playback.speed != 0
        with _blocked(self.play):
            self.play.setChecked(playing)
        self.play.setIcon(theme.icon("fa5s.pause" if playing else "fa5s.play"))
        if playing:
            self.stats.reset()
            self.timer.start()
        else:
            self.timer.stop()
            if self.playback is not None:
                self.show_frame(self.playback.frame())

    @property
    def speed(self) -> int:
        return self.playback.speed if self.playback is not None else 0

    def mark_in(self) -> None:
        n = self.frame_count()
        if n:
            out = self.out_point if self.out_point is not None else n
            self.set_in_out(self.index, out if out > self.index else n)

    def mark_out(self) -> None:
        n = self.frame_count()
        if n:
            self.set_in_out(self.in_point if self.in_point <= self.index else 0, self.index + 1)

    def clear_in(self) -> None:
        self.set_in_out(0, self.out_point)

    def clear_out(self) -> None:
        self.set_in_out(self.in_point, None)

    def set_in_out(self, in_point: int, out_point: int | None) -> None:
        """The playable range: frames ``in_point`` .. ``out_point - 1`` (None: to the end)."""
        n = self.frame_count()
        if not n:
            return
        in_point = min(max(int(in_point), 0), n - 1)
        out = n if out_point is None else min(max(int(out_point), in_point + 1), n)
        self.in_point, self.out_point = in_point, (None if out == n else out)
        if self.playback is not None:
            self.playback.set_range(in_point, out)
        self.ruler.set_range(in_point, out)

    def _loop_toggled(self, on: bool) -> None:
        if self.playback is not None:
            frame = self.playback.frame()
            speed = self.playback.speed
            self.playback.pause()
            self.playback.loop = bool(on)
            if speed:
                self.playback.seek(frame)
                self.playback.resume(speed)

    def _play_toggled(self, on: bool) -> None:
        self.play.setIcon(theme.icon("fa5s.pause" if on else "fa5s.play"))
        pb = self.playback
        if on and self.frame_count() and pb is not None:
            if pb.speed == 0:
                pb.play(frame=self.index)
            self.stats.reset()
            self.timer.start()
        else:
            self.timer.stop()
            if pb is not None and pb.speed:
                pb.pause()
            self.drop_label.setText(f"dropped {self.stats.dropped}" if self.stats.dropped else "")

    def _tick(self) -> None:
        pb = self.playback
        if pb is None or not self.frame_count():
            self.play.setChecked(False)
            return
        if self._waiting and is_clip(self.value):
            return   # the frame on its way is still being made: later slots count as dropped
        t = pb.tick()
        self.stats.dropped = pb.dropped
        if t.new or t.frame != self.index:
            self._move_to(t.frame)
            if is_clip(self.value):
                self._request(t.frame)
            else:
                self.canvas.repaint()
            if t.dropped:
                self.drop_label.setText(f"dropped {pb.dropped}")
        if pb.speed == 0:   # reached the end without loop
            self.play.setChecked(False)


def _tc(ruler: TimelineRuler, index: int) -> str:
    from studio.ui.timeline import timecode_text
    return timecode_text(index, ruler.start_frame, ruler.fps)


def _rate(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{float(fps):.3f}"


class _blocked:
    def __init__(self, widget):
        self.widget = widget

    def __enter__(self):
        self._old = self.widget.blockSignals(True)

    def __exit__(self, *exc):
        self.widget.blockSignals(self._old)
