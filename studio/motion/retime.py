"""Optical-flow retiming: slow motion, speed ramps and frame-rate conversion.

Definitions.  The input clip has ``n`` frames at ``src_fps``; the output runs at ``out_fps``.
``speed`` is the playback speed relative to real time: 1 plays the footage at its own pace
(a pure frame-rate conversion when ``out_fps != src_fps``), 0.5 is half-speed slow motion
(every second of footage lasts two seconds), 2 is double speed.  It may be animated: a
:class:`~studio.graph.animation.Curve` is evaluated at *output* frame numbers.

Output frame ``k`` shows source position ``p(k)`` (in source frames)::

    p(0) = 0,    p(k + 1) = p(k) + speed(k) * src_fps / out_fps

and the output has as many frames as there are ``k`` with ``p(k) <= n - 1`` (the last source
frame is never extrapolated past).  A position within ``POSITION_EPS`` of an integer returns
that source frame exactly (bit for bit); a fractional position ``i + t`` is an in-between of
source frames ``i`` and ``i + 1`` made by :class:`studio.motion.interpolate.Interpolator`
(bidirectional flow with occlusion handling; frames ``i - 1`` and ``i + 2`` bend the paths,
so accelerating motion lands where it is).  The flows of a pair are computed once, on the
first in-between that needs them; the interpolators of the last :data:`PAIR_CACHE` pairs are
kept (thread safe), so a sequential render computes each pair's flow once.

Rolling shutter.  Hand-held phone and CMOS footage reads its rows over most of a frame
interval, so the camera's jerks show up inside each pair as a shear of the flow down the rows,
and that shear tells how the camera's velocity changed between the two frames
(:func:`studio.motion.interpolate.shutter_shear`).  With ``rolling_shutter="auto"`` (the
default) the readout is estimated once from the footage itself, on the first in-between
(:func:`studio.motion.interpolate.calibrate_readout`: up to 12 frames predicted from their
neighbours, about 3 flow estimates each), and used only when the footage shows a significant
rolling shutter; "manual" takes ``readout`` as a fraction of the frame interval; "off"
ignores it.

When every output frame is its own source frame (``p(k) = k`` at the same rate: speed 1 with
no rate change, or any curve that stays there), the result is the input clip itself, not a
wrapper around it.

Alpha, when the clip has it, is blended linearly between the two source frames (no flow).
Audio is kept only for a constant speed of exactly 1 (a pure frame-rate conversion, where
the duration does not change); any other speed drops it, because resampling audio to a new
speed (and pitch) is not done here.  The start timecode is converted to the new rate
(``round(start * out_fps / src_fps)``, the same moment in time).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from fractions import Fraction

import numpy as np

from studio.errors import MediaError
from studio.graph.animation import Curve
from studio.media.clip import Clip, FrameSource
from studio.timecode import parse_rate
from studio.motion.interpolate import FlowCache, Interpolator, Readout, calibrate_readout

#: speed limits (the node's param range)
MIN_SPEED, MAX_SPEED = 0.05, 10.0
#: a position this close to an integer shows that source frame exactly
POSITION_EPS = 1e-6
#: how many key pairs' interpolators (with their flows) stay cached
PAIR_CACHE = 3
#: the most output frames a retime may produce (guards absurd ramps)
MAX_OUTPUT_FRAMES = 10_000_000
#: rolling-shutter handling: estimate the readout from the footage, ignore it, or a given readout
SHUTTER_MODES = ("auto", "off", "manual")


def check_readout(rolling_shutter: str, readout: float) -> None:
    """A MediaError naming the problem when the rolling-shutter settings are unusable."""
    if rolling_shutter not in SHUTTER_MODES:
        raise MediaError(f"rolling_shutter must be one of {', '.join(SHUTTER_MODES)}, got {rolling_shutter!r}")
    if rolling_shutter == "manual" and not (isinstance(readout, (int, float)) and math.isfinite(readout)
                                            and 0.0 < readout <= 1.0):
        raise MediaError(f"readout must be a fraction of the frame interval in (0, 1], got {readout!r}")


class _LazyFrames:
    """A clip's frames as a sequence, decoded when asked for (for :func:`calibrate_readout`)."""

    def __init__(self, clip: Clip):
        self._clip = clip

    def __len__(self) -> int:
        return len(self._clip)

    def __getitem__(self, i: int) -> np.ndarray:
        return np.ascontiguousarray(self._clip.frame(i))


def _speed_at(speed: float | Curve, k: int) -> float:
    return float(speed.at(k)) if isinstance(speed, Curve) else float(speed)


def check_speed(speed: float | Curve) -> None:
    """A MediaError naming the problem when ``speed`` (or any key of its curve) is out of range."""
    values = [k.value for k in speed.keys] if isinstance(speed, Curve) else [speed]
    for v in values:
        if not isinstance(v, (int, float)) or not math.isfinite(v) or not MIN_SPEED <= v <= MAX_SPEED:
            raise MediaError(f"retime speed must be between {MIN_SPEED} and {MAX_SPEED} "
                             f"(0.5 = half-speed slow motion), got {v!r}")


def positions(n_src: int, speed: float | Curve, src_fps: Fraction, out_fps: Fraction) -> np.ndarray:
    """Source positions ``p(k)`` of every output frame (float64, see the module docstring)."""
    if n_src < 1:
        raise MediaError("retime needs a clip with at least one frame")
    check_speed(speed)
    ratio = Fraction(src_fps) / Fraction(out_fps)
    last = n_src - 1
    if not isinstance(speed, Curve):
        # constant speed: exact rational steps, so integer positions land exactly
        step = Fraction(speed).limit_denominator(1 << 20) * ratio
        count = int(math.floor(last / step)) + 1
        if count > MAX_OUTPUT_FRAMES:
            raise MediaError(f"retime would make {count} frames (more than {MAX_OUTPUT_FRAMES}); raise the speed")
        k = np.arange(count, dtype=np.float64)
        return k * (step.numerator / step.denominator)
    r = float(ratio)
    out = [0.0]
    p = 0.0
    while True:
        p += _speed_at(speed, len(out) - 1) * r
        near = round(p)
        if abs(p - near) < POSITION_EPS:
            p = float(near)
        if p > last + POSITION_EPS:
            break
        out.append(p)
        if len(out) > MAX_OUTPUT_FRAMES:
            raise MediaError(f"retime would make more than {MAX_OUTPUT_FRAMES} frames; raise the speed")
    return np.asarray(out, np.float64)


class RetimeSource(FrameSource):
    """Streaming frames of a retimed clip (any order, any thread)."""

    def __init__(self, clip: Clip, pos: np.ndarray, alpha: bool = False, backend=None,
                 rolling_shutter: str = "auto", readout: float = 0.5):
        check_readout(rolling_shutter, readout)
        self._clip = clip
        self._shutter = rolling_shutter
        self._readout: Readout | None = Readout(float(readout)) if rolling_shutter == "manual" else (
            Readout(None) if rolling_shutter == "off" else None)
        self._backend = backend
        self._pos = pos
        self._alpha = alpha
        self.length, self.height, self.width = len(pos), clip.height, clip.width
        self.channels = 1 if alpha else 3
        self._pairs: OrderedDict[int, Interpolator] = OrderedDict()
        self._flows = FlowCache()           # neighbouring pairs share their flows
        self._lock = threading.Lock()
        self.held_bytes = clip.nbytes

    def _split(self, index: int) -> tuple[int, float]:
        if not 0 <= index < self.length:
            raise IndexError(f"frame {index} outside 0..{self.length - 1}")
        p = float(self._pos[index])
        i = int(math.floor(p + POSITION_EPS))
        t = p - i
        if t < POSITION_EPS or i >= len(self._clip) - 1:
            return min(i, len(self._clip) - 1), 0.0
        return i, t

    @property
    def readout(self) -> Readout:
        """The rolling-shutter readout in source frames (estimated on first use in "auto")."""
        with self._lock:
            return self._readout_locked()

    def _readout_locked(self) -> Readout:
        if self._readout is None:
            self._readout = calibrate_readout(_LazyFrames(self._clip), cache=self._flows,
                                              ids=list(range(len(self._clip))))
        return self._readout

    def _pair(self, i: int) -> Interpolator:
        with self._lock:
            it = self._pairs.get(i)
            if it is not None:
                self._pairs.move_to_end(i)
                return it
            # no cancel check kept here: frames are pulled later by whoever consumes the
            # clip, whose own loop checks its run between frames
            frame = self._clip.frame
            n = len(self._clip)
            it = Interpolator(np.ascontiguousarray(frame(i)), np.ascontiguousarray(frame(i + 1)), self._backend,
                              before=np.ascontiguousarray(frame(i - 1)) if i > 0 else None,
                              after=np.ascontiguousarray(frame(i + 2)) if i + 2 < n else None,
                              cache=self._flows, ids=(i - 1, i, i + 1, i + 2),
                              readout=self._readout_locked().fraction(1))
            self._pairs[i] = it
            while len(self._pairs) > PAIR_CACHE:
                self._pairs.popitem(last=False)
            return it

    def get(self, index: int) -> np.ndarray:
        i, t = self._split(index)
        if self._alpha:
            a0 = self._clip.alpha_frame(i)
            if t == 0.0:
                return a0
            a1 = self._clip.alpha_frame(i + 1)
            return (a0.astype(np.float32) * (1.0 - t) + a1.astype(np.float32) * t + 0.5).astype(a0.dtype)
        if t == 0.0:
            return self._clip.frame(i)
        return self._pair(i).frame(t)

    def source_position(self, index: int) -> float:
        return float(self._pos[index])


def retime(clip: Clip, speed: float | Curve = 1.0, fps: Fraction | str | float | int | None = None,
           backend=None, rolling_shutter: str = "auto", readout: float = 0.5) -> Clip:
    """``clip`` retimed to ``speed`` at ``fps`` (None or "source": the clip's own rate), streaming.

    ``backend``: None for OpenCV, or a :class:`studio.motion.torch_warp.TorchOps` (GPU).
    ``rolling_shutter``: "auto" estimates the camera's readout from the footage (on the first
    in-between), "off" ignores it, "manual" uses ``readout`` (a fraction of the frame interval).
    """
    src_fps = clip.fps
    out_fps = src_fps if fps is None or fps == "source" else parse_rate(fps)
    check_readout(rolling_shutter, readout)
    pos = positions(len(clip), speed, src_fps, out_fps)
    constant_one = not isinstance(speed, Curve) and float(speed) == 1.0
    audio = clip.audio if constant_one else None
    start = int(round(Fraction(clip.start_frame) * out_fps / src_fps))
    if out_fps == src_fps and len(pos) == len(clip) and np.array_equal(pos, np.arange(len(clip))):
        # every output frame is its own source frame: the clip itself (no source to wrap, so a
        # chain of such nodes stays one level deep)
        return clip.with_(audio=audio, start_frame=start)
    frames = RetimeSource(clip, pos, backend=backend, rolling_shutter=rolling_shutter, readout=readout)
    alpha = RetimeSource(clip, pos, alpha=True) if clip.has_alpha else None
    return Clip(frames, out_fps, start_frame=start, alpha=alpha, audio=audio, name=clip.name)


__all__ = ["MAX_SPEED", "MIN_SPEED", "RetimeSource", "SHUTTER_MODES", "check_readout", "check_speed",
           "positions", "retime"]
