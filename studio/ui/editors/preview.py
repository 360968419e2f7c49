"""The brush editor's low-resolution preview loop and motion arrows.

:func:`render_preview` animates the source frame with the edited brushes, small (``WIDTH`` px
wide, ``FRAMES`` frames) so it comes back within a fraction of a second of an edit.  It asks
the flow engine (``studio.generators.get_engine("flow")``) with a normal
:class:`~studio.generators.request.GenerationRequest`; while that engine is not installed it
uses the engine's own renderer, :class:`studio.motion.warp.MotionRig`, directly.

The 24 preview frames span the whole clip the brushes end up in (``clip_frames`` at
``clip_fps``): the request's rate is lowered to ``FRAMES / duration`` so velocities,
trajectories and ambient wander travel exactly as far as in the real render.  The loop plays
back at that rate, i.e. in real time.  Animated brush values (curves keyed in clip frames)
are sampled at the clip time of each preview frame and handed on as the request's
per-frame ``animation`` overrides (:func:`flatten`), the documented contract of
:mod:`studio.motion.fields`.

:func:`motion_arrows` samples :func:`studio.motion.fields.dense_flow` on a grid: where each
brushed point has moved by the end of the clip (ambient wander left out: it averages to zero).
"""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np

WIDTH = 256
FRAMES = 24


def _spec(brushes: list):
    from studio.motion.spec import brushes_from_json
    return brushes_from_json(brushes)


def preview_timing(clip_frames: int, clip_fps: Fraction) -> Fraction:
    """The rate that makes ``FRAMES`` frames last as long as the clip."""
    seconds = Fraction(max(clip_frames - 1, 1)) / Fraction(clip_fps)
    return Fraction(FRAMES - 1) / seconds


def small(image: np.ndarray, width: int = WIDTH) -> np.ndarray:
    h, w = image.shape[:2]
    if w <= width:
        return np.ascontiguousarray(image[..., :3])
    height = max(2, int(round(h * width / w)))
    return cv2.resize(np.ascontiguousarray(image[..., :3]), (width, height), interpolation=cv2.INTER_AREA)


def flatten(spec, times) -> tuple[object, dict]:
    """``spec`` with every animated brush value (a Curve) replaced by a plain number, and the
    per-frame overrides ``{"brush[i].field": [value at each of times]}`` (clip frames)."""
    import dataclasses

    from studio.graph.animation import Curve
    from studio.motion.spec import MotionSpec
    anim: dict = {}
    brushes = []
    for i, brush in enumerate(spec.brushes):
        plain = {}
        for field in ("horizontal", "vertical", "proximity", "ambient"):
            value = getattr(brush, field)
            if isinstance(value, Curve):
                anim[f"brush[{i}].{field}"] = [value.at(t) for t in times]
                # draw order follows the largest proximity the brush reaches (as the engine does)
                plain[field] = max((k.value for k in value.keys), key=abs) if field == "proximity" else 0.0
        brushes.append(dataclasses.replace(brush, **plain) if plain else brush)
    return MotionSpec(tuple(brushes)), anim


def _engine():
    try:
        from studio.generators import get_engine
        return get_engine("flow")
    except Exception:   # noqa: BLE001 - the engine is not installed (yet): use its renderer directly
        return None


STRIDE = 3


def frame_order(frames: int, stride: int = STRIDE) -> list[int]:
    """Every ``stride``-th frame first, then the rest: a coarse loop is ready after a third of
    the work (progressive refinement, no extra frames rendered)."""
    first = list(range(0, frames, stride))
    return first + [i for i in range(frames) if i % stride]


def render_preview(image: np.ndarray, brushes: list, clip_frames: int, clip_fps: Fraction, seed: int = 0,
                   check=lambda: None, frames: int = FRAMES, on_partial=None) -> list[np.ndarray]:
    """``frames`` small RGB frames of ``image`` animated by ``brushes`` (see the module doc).

    With ``on_partial``, it is called once with every ``STRIDE``-th frame (a coarse loop)
    as soon as those are rendered; the full list is returned at the end."""
    img = small(image)
    h, w = img.shape[:2]
    fps = preview_timing(clip_frames, clip_fps) * Fraction(frames - 1, FRAMES - 1) if frames != FRAMES \
        else preview_timing(clip_frames, clip_fps)
    step = (clip_frames - 1) / max(frames - 1, 1)           # clip frames per preview frame
    spec, animation = flatten(_spec(brushes), [i * step for i in range(frames)])
    engine = _engine()
    if engine is not None:
        from studio.executor.context import EvalContext
        from studio.executor.cancel import CancelToken
        from studio.generators.request import GenerationRequest

        class _Token(CancelToken):
            def check(self) -> None:
                check()

            @property
            def cancelled(self) -> bool:
                try:
                    check()
                except Exception:   # noqa: BLE001
                    return True
                return False

        request = GenerationRequest(image=img, motion=spec, width=w, height=h, frames=frames, fps=fps, seed=seed,
                                    animation=animation or None)
        clip = engine.generate(request, EvalContext("preview", _Token()))
        n = min(len(clip), frames)

        def make(i):
            return np.ascontiguousarray(clip.frame(i))
    else:
        from studio.motion.warp import MotionRig
        rig = MotionRig(spec, None, (w, h), frames, float(fps), seed=seed, animation=animation or None, check=check)
        prepared = rig.prepare(img, check)
        n = frames

        def make(i):
            return rig.render(prepared, i)
    done: dict[int, np.ndarray] = {}
    order = frame_order(n)
    coarse = len(range(0, n, STRIDE))
    for k, i in enumerate(order):
        check()
        done[i] = make(i)
        if on_partial is not None and k + 1 == coarse and coarse < n:
            on_partial([done[j] for j in range(0, n, STRIDE)])
    return [done[i] for i in range(n)]


def motion_arrows(brushes: list, aspect: float, clip_frames: int, clip_fps: Fraction, seed: int = 0,
                  columns: int = 24) -> list[tuple[float, float, float, float, int]]:
    """Arrows ``(x, y, dx, dy, brush index)`` in normalised coordinates for the brushed points
    of a ``columns``-wide grid: where each point has moved by the last frame of the clip."""
    from studio.motion.fields import dense_flow
    from studio.motion.masks import rasterize_brush
    if not brushes:
        return []
    quiet = [dict(b, ambient=0.0) for b in brushes]
    spec, animation = flatten(_spec(quiet), list(range(clip_frames)))
    sub = 4                                   # flow computed 4x finer than the arrow grid
    gw = columns * sub
    gh = max(sub, int(round(gw / max(aspect, 1e-3))))
    flow = dense_flow(spec, None, (gw, gh), float(clip_frames - 1), clip_frames, float(clip_fps), seed=seed,
                      animation=animation or None)
    masks = [rasterize_brush(b, (gw, gh)) for b in spec.brushes]
    owner = np.argmax(np.stack(masks), axis=0) if masks else None
    cover = np.max(np.stack(masks), axis=0) if masks else None
    arrows = []
    for y in range(sub // 2, gh, sub):
        for x in range(sub // 2, gw, sub):
            if cover[y, x] < 0.5:
                continue
            dx, dy = flow[y, x]
            if dx * dx + dy * dy < (0.002 * gh) ** 2:
                continue
            arrows.append(((x + 0.5) / gw, (y + 0.5) / gh, float(dx) / gw, float(dy) / gh, int(owner[y, x])))
    return arrows
