"""The flow engine: the embedded default generator (no model weights).

* **Still mode** (``request.image``): the still is animated by the motion brushes and the
  camera move through :class:`studio.motion.warp.MotionRig` (layered warping with a filled
  background, depth order by proximity, optional motion blur).
* **Keyframe mode** (``request.keyframes``): frames between consecutive keys are
  interpolated with bidirectional optical flow and occlusion handling
  (:mod:`studio.motion.interpolate`), along curved paths through the neighbouring keys; keys
  hold for their ``hold`` frames; brushes and a camera move, when given, are layered on top of
  the interpolated frames.  A single key behaves like a still.  A chain of five or more keys
  without holds (frames of footage) is checked for a rolling shutter, whose shear gives the
  camera's jerks between keys (:func:`studio.motion.interpolate.calibrate_readout`).

Sizes: ``width``/``height`` of 0 take the source's size (the still, or the first key); every
other picture is conformed to the output size by scaling to cover and cropping the centre.
Frames: 0 means automatic (the keyframe span, or 4 seconds of a still).

Animated values: a :class:`~studio.graph.animation.Curve` in a camera axis is the camera's
position on that axis at each frame (easing does not apply); in a brush value it is the
value in force at each frame (speeds are integrated).  Curves become the per-frame
overrides of ``request.animation`` (see :mod:`studio.motion.fields`).

Backends: the per-frame warps run on OpenCV on the CPU, or on torch (``grid_sample``) on
the GPU when the executor's device manager has one (:meth:`EvalContext.accelerator`); both
give the same frames within a few levels.

The clip is *streaming*: frame ``i`` is computed on demand from precomputed data, in any
order; per-request work (masks, background fill, layer cut-outs, the key-pair flows) happens
once up front with cancellation checks.

Memory: every render is checked against the process's memory budget
(:func:`studio.executor.memory.memory_limit`, 2 GB unless ``CINEGRAPH_MEMORY_LIMIT`` says
otherwise) before anything big is allocated: :func:`estimate_bytes` adds up what the render
holds (the conformed picture, the filled background and layers, key pictures, pair flows)
and what one frame needs, and a render over the budget is refused with an
:class:`~studio.errors.EngineError` that gives the estimate and the limit.  Within it, frames
are made in bands of rows (:func:`studio.motion.flowmath.row_bands`) and nothing the size of
a float frame is kept; in keyframe mode the keys are conformed on demand and only the pair
states in use (two RGBA frames each) are kept, within :data:`STATE_BYTES`, so memory does not
grow with the number of keys (see :class:`_KeyframeRender`).  At 8192x4320 an animated still
with two brushes and a camera move peaks near 0.8 GB, and so does a three-key chain
(docs/flow_engine.md, ``benchmarks/bench_limits.py``).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from fractions import Fraction

import numpy as np

from studio.errors import EngineError
from studio.executor.cancel import checkpoint
from studio.executor.context import EvalContext
from studio.executor.memory import ENV as MEMORY_ENV
from studio.executor.memory import format_bytes, memory_limit
from studio.generators.request import GenerationRequest
from studio.graph.animation import Curve
from studio.media.clip import CallableSource, Clip, as_rgb8
from studio.motion import flowmath
from studio.motion.interpolate import (FLOW_LONG_SIDE, FlowCache, PairFlow, Readout, calibrate_readout, conform,
                                       key_segments, pair_flow, pair_state)
from studio.motion.masks import FINE_MAX, shape_box
from studio.motion.spec import CAMERA_AXES, CameraSpec, MotionSpec
from studio.motion.warp import MotionRig, gpu_backend

STILL_SECONDS = 4
#: what the interpreter, numpy, OpenCV and the encoder pipe take before any picture, with room for
#: the allocator's slack (bytes; the process itself measures about 70 MB)
BASE_BYTES = 200 << 20
#: bytes per pixel of a band of rows while a frame is made (warps, maps, blends)
BAND_BYTES_PER_PIXEL = 40
#: conformed keys kept for reuse (at least one), and pair states (two RGBA frames each) kept for reuse
KEYS_BYTES = 128 << 20
STATE_BYTES = 320 << 20
#: pair flows kept (at the flow resolution, about 24 MB a pair at 16:9): a longer chain has its
#: first pairs' flows computed up front and the others when their frames are first asked for
FLOWS_BYTES = 384 << 20


def flatten_curves(motion: MotionSpec | None, camera: CameraSpec | None, frames: int,
                   animation: dict | None = None) -> tuple[MotionSpec | None, CameraSpec | None, dict]:
    """Replace Curve values by per-frame override lists; returns specs with plain numbers."""
    anim = dict(animation or {})
    samples = range(max(frames, 1))
    if camera is not None:
        plain = {}
        for axis in CAMERA_AXES:
            value = getattr(camera, axis)
            if isinstance(value, Curve):
                anim.setdefault(f"camera.{axis}", [value.at(f) for f in samples])
                plain[axis] = 0.0
        camera = dataclasses.replace(camera, **plain) if plain else camera
    if motion is not None:
        brushes = []
        for i, brush in enumerate(motion.brushes):
            plain = {}
            for field in ("horizontal", "vertical", "proximity", "ambient"):
                value = getattr(brush, field)
                if isinstance(value, Curve):
                    anim.setdefault(f"brush[{i}].{field}", [value.at(f) for f in samples])
                    # the draw order follows the largest proximity the brush reaches
                    plain[field] = max((k.value for k in value.keys), key=abs) if field == "proximity" else 0.0
            brushes.append(dataclasses.replace(brush, **plain) if plain else brush)
        motion = MotionSpec(tuple(brushes))
    return motion, camera, anim


class FlowEngine:
    name = "flow"
    label = "Flow engine (optical flow and warping, no weights)"

    def generate(self, request: GenerationRequest, ctx: EvalContext | None = None) -> Clip:
        ctx = ctx or EvalContext()
        keys = list(request.keyframes.keys) if request.keyframes is not None else []
        if request.image is None and not keys:
            raise EngineError("the flow engine needs an image or at least one keyframe")
        if request.frames < 0:
            raise EngineError(f"frames: expected 0 (automatic) or more, got {request.frames}")
        if request.width < 0 or request.height < 0:
            raise EngineError(f"size {request.width}x{request.height}: must not be negative")
        fps = Fraction(request.fps)
        if fps <= 0:
            raise EngineError(f"fps {request.fps}: must be positive")
        source = as_rgb8(request.image) if request.image is not None else None
        keys.sort(key=lambda k: k.frame)
        first = as_rgb8(keys[0].image) if keys else source
        w = request.width or first.shape[1]
        h = request.height or first.shape[0]
        if request.width and not request.height:
            h = max(2, int(round(first.shape[0] * w / first.shape[1])))
        elif request.height and not request.width:
            w = max(2, int(round(first.shape[1] * h / first.shape[0])))
        frames = request.frames or (max(k.frame + k.hold for k in keys) + 1 if keys
                                    else int(round(STILL_SECONDS * float(fps))))
        if frames < 1:
            raise EngineError(f"frames: {frames} is too few")
        motion, camera, animation = flatten_curves(request.motion, request.camera, frames, request.animation)
        need = estimate_bytes(request, (w, h), frames)
        limit = memory_limit()
        if limit is not None and need > limit:
            raise EngineError(_too_big((w, h), need, limit))
        ctx.progress(0.0, "preparing")
        backend = gpu_backend(ctx)
        rig = MotionRig(motion, camera, (w, h), frames, float(fps), seed=request.seed, animation=animation,
                        shutter_angle=request.shutter_angle, check=ctx.check_cancel, backend=backend)
        if keys:
            images = _Keys([as_rgb8(k.image) for k in keys], (w, h))
            spans = [(k.frame, k.hold) for k in keys]
            cache = FlowCache()
            readout = Readout(None)
            if len(keys) >= 5 and all(k.hold == 0 for k in keys[:-1]):
                # a chain of footage frames: the rolling shutter tells the camera's jerks
                ctx.progress(0.0, "rolling shutter")
                readout = calibrate_readout(images, [k.frame for k in keys], ctx.check_cancel, cache,
                                            list(range(len(images))))
            render = _KeyframeRender(images, spans, rig, backend, cache, readout)
            n = len(render.flows)
            for a in range(n):   # the one-time flows, inside this run (as many as are kept)
                if a and render.flow_bytes + render.flow_bytes // a > FLOWS_BYTES:
                    break        # a long chain: the later pairs' flows come with their frames
                ctx.progress(a / max(n, 1), f"optical flow {a + 1}/{n}")
                render.prepare(a, ctx.check_cancel)
            # objects the flows found are kept at the output size: check the budget again
            need = need + sum(f.objects.nbytes for f in render.flows if f is not None and f.objects is not None)
            if limit is not None and need > limit:
                raise EngineError(_too_big((w, h), need, limit))
        else:
            ctx.check_cancel()
            picture = conform(source, (w, h))
            ctx.check_cancel()
            prepared = rig.prepare(picture, ctx.check_cancel)
            render = _StillRender(rig, prepared)
        ctx.progress(0.0, "rendering")
        frames_src = CallableSource(render, frames, h, w, held_bytes=render.nbytes)
        return Clip(frames_src, fps, name="FlowGenerator")


class _StillRender:
    def __init__(self, rig: MotionRig, prepared):
        self.rig, self.prepared = rig, prepared
        self.nbytes = prepared.nbytes + rig.nbytes

    def __call__(self, i: int) -> np.ndarray:
        return self.rig.render(self.prepared, i)


def chain_neighbours(images: list[np.ndarray], keys: list[tuple[int, int]], i: int) -> dict:
    """The keys either side of pair ``i`` (keys ``i``, ``i + 1``) and their times in pair units.

    A key that holds (``hold > 0``) pauses the motion, so the chain does not reach across it.
    """
    start, end = keys[i][0] + keys[i][1], keys[i + 1][0]
    span = float(end - start)
    out: dict = {}
    if i > 0 and keys[i][1] == 0:
        at = (keys[i - 1][0] + keys[i - 1][1] - start) / span
        if at < 0:
            out.update(before=images[i - 1], before_at=at)
    if i + 2 < len(images) and keys[i + 1][1] == 0:
        at = (keys[i + 2][0] - start) / span
        if at > 1:
            out.update(after=images[i + 2], after_at=at)
    return out


class _Keys:
    """The keys conformed to the output size, on demand; the most recent kept within
    :data:`KEYS_BYTES` (at least one), so a long chain at 8K never holds every key at once."""

    def __init__(self, images: list[np.ndarray], size: tuple[int, int]):
        self._images, self._size = images, size
        self._kept: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._images)

    def __getitem__(self, i: int) -> np.ndarray:
        i = range(len(self._images))[i]
        with self._lock:
            got = self._kept.get(i)
            if got is not None:
                self._kept.move_to_end(i)
                return got
        checkpoint()                          # conforming to 8K is a step of its own
        got = conform(self._images[i], self._size)
        with self._lock:
            self._kept[i] = got
            while len(self._kept) > 1 and sum(v.nbytes for v in self._kept.values()) > KEYS_BYTES:
                self._kept.popitem(last=False)
        return got

    @property
    def nbytes(self) -> int:
        """Bytes of the key pictures as given (the conformed ones come and go)."""
        return sum(im.nbytes for im in self._images)


class _Near:
    """The keys a pair's flows need, fetched once (a sequence for :func:`chain_neighbours`)."""

    def __init__(self, keys: dict[int, np.ndarray], n: int):
        self._keys, self._n = keys, n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> np.ndarray:
        return self._keys[i]


class _KeyframeRender:
    """Frames between keys.  The pair flows are computed by :meth:`FlowEngine.generate` up front
    (:meth:`prepare`; for a chain longer than :data:`FLOWS_BYTES` holds, the first pairs', the
    others when their frames are first asked for, cancellable through
    :func:`studio.executor.cancel.checkpoint`), so a clip kept in the cache never needs the run
    that made it; the per-frame state of a pair (:func:`studio.motion.interpolate.pair_state`)
    is made when a frame of the pair is first asked for, and the most recent states are kept
    within :data:`STATE_BYTES`."""

    def __init__(self, images, keys: list[tuple[int, int]], rig: MotionRig, backend=None,
                 cache: FlowCache | None = None, readout: Readout | None = None):
        self.images, self.keys, self.rig, self.backend = images, keys, rig, backend
        self.cache = cache or FlowCache()
        self.readout = readout or Readout(None)
        self.flows: list[PairFlow | None] = [None] * (len(images) - 1)
        self._recent: OrderedDict[int, None] = OrderedDict()     # pairs with flows, oldest first
        self._states: OrderedDict = OrderedDict()
        self._lock = threading.RLock()

    @property
    def flow_bytes(self) -> int:
        return sum(f.nbytes for f in self.flows if f is not None)

    def prepare(self, a: int, check=None) -> PairFlow:
        """Pair ``a``'s flows (computed when first needed; the most recent kept within
        :data:`FLOWS_BYTES`, at least one)."""
        with self._lock:
            flow = self._compute(a, check)
            self._recent[a] = None
            self._recent.move_to_end(a)
            while len(self._recent) > 1 and self.flow_bytes > FLOWS_BYTES:
                old = next(iter(self._recent))
                del self._recent[old]
                self.flows[old] = None
            return flow

    def _compute(self, a: int, check) -> PairFlow:
        if self.flows[a] is None:
            keys = self.keys
            near: dict[int, np.ndarray] = {}
            for k in range(max(a - 1, 0), min(a + 3, len(self.images))):
                if check:               # conforming a key to 8K is a step of its own
                    check()
                near[k] = self.images[k]
            self.flows[a] = pair_flow(near[a], near[a + 1], check,
                                      **chain_neighbours(_Near(near, len(self.images)), keys, a), cache=self.cache,
                                      ids=(a - 1, a, a + 1, a + 2),
                                      readout=self.readout.fraction(keys[a + 1][0] - keys[a][0] - keys[a][1]))
        return self.flows[a]

    @property
    def nbytes(self) -> int:
        return self.images.nbytes + self.flow_bytes + self.rig.nbytes

    def _state(self, a: int):
        with self._lock:
            state = self._states.get(a)
            if state is not None:
                self._states.move_to_end(a)
                return state
            flow = self.prepare(a, checkpoint)    # a long chain's later pairs: their flows now
            # make room first: at 8K one state is two RGBA frames
            while self._states and sum(s.nbytes for s in self._states.values()) + _state_bytes(flow) > STATE_BYTES:
                self._states.popitem(last=False)
            checkpoint()                      # conforming a key to 8K is a step of its own
            i0 = self.images[a]
            checkpoint()
            i1 = self.images[a + 1]
            checkpoint()
            state = pair_state(i0, i1, flow, self.backend)
            self._states[a] = state
            return state

    def base(self, i: int) -> np.ndarray:
        a, b, t = key_segments(self.keys, i)
        if a == b or t <= 0.0:
            return self.images[a]
        return self._state(a).frame(t)

    def __call__(self, i: int) -> np.ndarray:
        base = self.base(i)
        if self.rig.is_still:
            return base
        return self.rig.render(self.rig.prepare(base), i)


def _state_bytes(flow: PairFlow) -> int:
    w, h = flow.size
    return 8 * w * h


def _too_big(size: tuple[int, int], need: int, limit: int) -> str:
    w, h = size
    return (f"width x height {w}x{h}: this render needs about {format_bytes(need)} of memory, over the "
            f"{format_bytes(limit)} limit ({MEMORY_ENV}); lower width and height")


def estimate_bytes(request: GenerationRequest, size: tuple[int, int], frames: int) -> int:
    """About the most memory (bytes) the process holds while rendering ``request`` at ``size``.

    Cheap: sizes only (brush boxes come from their points, nothing is rasterised).  Counts
    :data:`BASE_BYTES`, the inputs as given, what the render holds (the conformed picture, the
    filled background and layer cut-outs, masks; or the key pictures, pair flows and one pair
    state), the larger of the one-time preparation's peak and a frame's (the frame, a copy
    for the consumer, one band of temporaries), and a materialised copy of the whole clip when
    :func:`materialise_ok` would allow one.  Objects the flows may find are counted after the
    flows (they are only known then).
    """
    w, h = size
    px = w * h
    band = BAND_BYTES_PER_PIXEL * min(px, flowmath.BAND_PIXELS)
    frame = 3 * px
    keys = list(request.keyframes.keys) if request.keyframes is not None else []
    inputs = sum(getattr(k.image, "nbytes", 0) for k in keys)
    if request.image is not None:
        inputs += getattr(request.image, "nbytes", 0)
    brushes = request.motion.brushes if request.motion is not None else ()
    boxes = [_brush_area(b, size) for b in brushes if not b.is_still or request.animation]
    layers = sum(boxes)
    moving = bool(boxes) or (request.camera is not None and not request.camera.is_still)
    # rasterising one brush: its box, one shape's values, the fine grid's temporaries
    raster = max((4 * a + 4 * a + 12 * min(a, FINE_MAX) for a in boxes), default=0)
    # a prepared picture: canvas (RGBA), cut-outs (RGBA), masks (float), hole; while filling,
    # the background (RGB) and one band of cut-out temporaries
    prepared = (4 * px + 8 * layers + px) if moving else 0
    preparing = prepared + (3 * px + band if boxes else 0)
    first = keys[0].image if keys else request.image
    ih, iw = first.shape[:2]
    scale = max(w / iw, h / ih)
    # conforming a picture: it is resized to cover the frame, then the centre is cut out
    resized = 0 if (iw, ih) == (w, h) else 3 * max(w, round(iw * scale)) * max(h, round(ih * scale))
    conformed = 0 if (iw, ih) == (w, h) else 3 * px
    if keys:
        fs = min(1.0, FLOW_LONG_SIDE / max(w, h))
        flow_px = max(int(w * fs), 16) * max(int(h * fs), 16)
        per_pair = 72 * flow_px
        flows = min(len(keys) - 1, max(1, FLOWS_BYTES // per_pair)) * per_pair + 6 * 8 * flow_px
        kept = max(1, min(len(keys), KEYS_BYTES // max(conformed, 1))) * conformed
        state = 8 * px
        # the flows of a pair need up to four keys at once
        once = flows + 4 * conformed + resized + 16 * flow_px * 8 + raster
        # a pair's state is made from its two keys while the consumer still holds a frame
        making = flows + kept + 2 * conformed + resized + state + frame
        # a frame: the in-between (and a copy the consumer holds), then the brushes and camera
        # over it (a fresh preparation)
        per_frame = 2 * frame + band + (preparing if moving else 0)
        peak = max(once, making, flows + kept + state + per_frame)
    else:
        held = conformed + prepared
        once = max(conformed + resized, conformed + raster + 8 * layers, conformed + preparing)
        per_frame = 2 * frame + band
        peak = max(once, held + per_frame)
    total = BASE_BYTES + inputs + peak
    if materialise_ok(frames * frame, total):
        total += frames * frame
    return total


#: clips up to this size are rendered into memory (fast scrubbing); larger ones stream
MATERIALISE_BYTES = 1 << 30


def materialise_ok(clip_bytes: int, working_bytes: int) -> bool:
    """Whether a clip of ``clip_bytes`` may be held whole, next to ``working_bytes`` in use:
    up to :data:`MATERIALISE_BYTES` and only while both stay within three quarters of the
    memory budget (the rest is the consumer's: an encoder, a viewer)."""
    limit = memory_limit()
    if clip_bytes > MATERIALISE_BYTES:
        return False
    return limit is None or clip_bytes + working_bytes <= limit * 3 // 4


def _brush_area(brush, size: tuple[int, int]) -> int:
    """Pixels of the box a brush's painted shapes can reach (what its mask and cut-out cover)."""
    boxes = [shape_box(s, size) for s in brush.shapes if not s.erase]
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return 0
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return (x1 - x0) * (y1 - y0)


__all__ = ["FlowEngine", "MATERIALISE_BYTES", "chain_neighbours", "estimate_bytes", "flatten_curves",
           "materialise_ok"]
