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
order; per-request work (masks, background fill, layer cut-outs) happens once up front with
cancellation checks, and key-pair flows once on first use.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np

from studio.errors import EngineError
from studio.executor.context import EvalContext
from studio.generators.request import GenerationRequest
from studio.graph.animation import Curve
from studio.media.clip import CallableSource, Clip, as_rgb8
from studio.motion.interpolate import FlowCache, Interpolator, Readout, calibrate_readout, conform, key_segments
from studio.motion.spec import CAMERA_AXES, CameraSpec, MotionSpec
from studio.motion.warp import MotionRig, gpu_backend

STILL_SECONDS = 4


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
        ctx.progress(0.0, "preparing")
        backend = gpu_backend(ctx)
        rig = MotionRig(motion, camera, (w, h), frames, float(fps), seed=request.seed, animation=animation,
                        shutter_angle=request.shutter_angle, check=ctx.check_cancel, backend=backend)
        if keys:
            images = []
            for k in keys:
                ctx.check_cancel()
                images.append(conform(as_rgb8(k.image), (w, h)))
            spans = [(k.frame, k.hold) for k in keys]
            cache = FlowCache()
            readout = Readout(None)
            if len(keys) >= 5 and all(k.hold == 0 for k in keys[:-1]):
                # a chain of footage frames: the rolling shutter tells the camera's jerks
                ctx.progress(0.0, "rolling shutter")
                readout = calibrate_readout(images, [k.frame for k in keys], ctx.check_cancel, cache,
                                            list(range(len(images))))
            render = _KeyframeRender(images, spans, rig, backend, cache, readout)
            for a, pair in enumerate(render.pairs):   # the one-time flows, inside this run
                ctx.progress(a / max(len(render.pairs), 1), f"optical flow {a + 1}/{len(render.pairs)}")
                pair.prepare(ctx.check_cancel)
        else:
            prepared = rig.prepare(conform(source, (w, h)), ctx.check_cancel)
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


class _KeyframeRender:
    """Frames between keys; the pair flows are computed by :meth:`FlowEngine.generate` up front,
    so a clip kept in the cache never needs the run that made it."""

    def __init__(self, images: list[np.ndarray], keys: list[tuple[int, int]], rig: MotionRig, backend=None,
                 cache: FlowCache | None = None, readout: Readout | None = None):
        self.images, self.keys, self.rig = images, keys, rig
        cache = cache or FlowCache()
        readout = readout or Readout(None)
        self.pairs = [Interpolator(images[i], images[i + 1], backend, **chain_neighbours(images, keys, i),
                                   cache=cache, ids=(i - 1, i, i + 1, i + 2),
                                   readout=readout.fraction(keys[i + 1][0] - keys[i][0] - keys[i][1]))
                      for i in range(len(images) - 1)]
        self.nbytes = sum(im.nbytes for im in images) + rig.nbytes

    def base(self, i: int) -> np.ndarray:
        a, b, t = key_segments(self.keys, i)
        if a == b or t <= 0.0:
            return self.images[a]
        return self.pairs[a].frame(t)

    def __call__(self, i: int) -> np.ndarray:
        base = self.base(i)
        if self.rig.is_still:
            return base
        return self.rig.render(self.rig.prepare(base), i)


__all__ = ["FlowEngine", "chain_neighbours", "flatten_curves"]
