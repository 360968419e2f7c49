"""Keyframe interpolation with bidirectional optical flow and occlusion handling.

For two keyframes ``I0`` and ``I1`` (same size) we estimate dense flow both ways with
OpenCV's DIS (on a grey copy scaled so its long side is at most :data:`FLOW_LONG_SIDE`,
then scaled back), and a *visibility* for each pixel from forward-backward consistency:
a pixel ``x`` of ``I0`` is visible in ``I1`` when ``F01(x) + F10(x + F01(x))`` is small
compared with the motion (``V0``), and likewise ``V1`` for ``I1``.  ``V`` is soft (a
Gaussian of the mismatch), so confidence fades rather than switches.

An in-between frame at ``t`` in (0, 1) samples both keys backward along approximated flows
(the linear-motion approximation of Jiang et al., Super SloMo):

    F_t0 = -(1 - t) t F01 + t^2 F10        F_t1 = (1 - t)^2 F01 - t (1 - t) F10
    W0 = I0(x + F_t0)                       W1 = I1(x + F_t1)

and blends them with weights ``w0 = (1 - t) * V1(x + F_t1)`` and ``w1 = t * V0(x + F_t0)``:
content of ``I0`` that will be hidden in ``I1`` (low ``V0``) cannot be found in ``I1``, so
the ``I1`` sample there is wrong and loses its weight, and content that appears only in
``I1`` (low ``V1``) is taken from ``I1``.  A small floor keeps the plain time weights where
both are uncertain.  Keys are returned exactly at their own frames.

Keyframes of different sizes are conformed to the output size by scaling to cover it and
cropping the centre (:func:`conform`), so nothing is stretched.

Costs: flows once per key pair (cached, thread safe); each in-between frame is a handful of
OpenCV calls (two remaps of the keys, two of the visibility maps, one weighted blend).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

#: flow is estimated on frames scaled to at most this long side (speed; the flow is smooth)
FLOW_LONG_SIDE = 768
#: visibility floor so the plain time weights decide where both samples are uncertain
FLOOR = 0.02


def conform(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to cover ``size`` (W, H) and centre-cropped; unchanged if it fits."""
    w, h = size
    ih, iw = image.shape[:2]
    if (iw, ih) == (w, h):
        return image
    scale = max(w / iw, h / ih)
    nw, nh = max(w, int(round(iw * scale))), max(h, int(round(ih * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(image, (nw, nh), interpolation=interp)
    x0, y0 = (nw - w) // 2, (nh - h) // 2
    return np.ascontiguousarray(resized[y0:y0 + h, x0:x0 + w])


def _grey_small(image: np.ndarray, scale: float) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return grey


def _dis() -> cv2.DISOpticalFlow:
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    dis.setUseSpatialPropagation(True)
    return dis


def _grid(h: int, w: int) -> np.ndarray:
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return np.dstack([gx, gy])


def _upscale_flow(flow: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    fh, fw = flow.shape[:2]
    if (fw, fh) == (w, h):
        return flow
    up = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR)
    up[..., 0] *= w / fw
    up[..., 1] *= h / fh
    return up


def _visibility(f_ab: np.ndarray, f_ba: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Soft forward-backward consistency of ``f_ab`` (1: visible in b, 0: occluded)."""
    back = cv2.remap(f_ba, grid + f_ab, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    err = f_ab + back
    mismatch = err[..., 0] ** 2 + err[..., 1] ** 2
    motion = f_ab[..., 0] ** 2 + f_ab[..., 1] ** 2 + back[..., 0] ** 2 + back[..., 1] ** 2
    tolerance = 0.01 * motion + 0.5
    return np.exp(-mismatch / tolerance).astype(np.float32)


@dataclass
class PairFlow:
    """Flows and visibilities between two keys, at full resolution."""

    f01: np.ndarray
    f10: np.ndarray
    v0: np.ndarray
    v1: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.f01.nbytes + self.f10.nbytes + self.v0.nbytes + self.v1.nbytes


def pair_flow(i0: np.ndarray, i1: np.ndarray, check: Callable[[], None] | None = None) -> PairFlow:
    """Bidirectional DIS flow between two same-size RGB frames, with visibilities."""
    h, w = i0.shape[:2]
    scale = min(1.0, FLOW_LONG_SIDE / max(h, w))
    g0, g1 = _grey_small(i0, scale), _grey_small(i1, scale)
    dis = _dis()
    f01 = dis.calc(g0, g1, None)
    if check:
        check()
    f10 = dis.calc(g1, g0, None)
    if check:
        check()
    f01, f10 = _upscale_flow(f01, (w, h)), _upscale_flow(f10, (w, h))
    grid = _grid(h, w)
    return PairFlow(f01, f10, _visibility(f01, f10, grid), _visibility(f10, f01, grid))


class Interpolator:
    """In-between frames of one key pair (the flows computed once, on first use)."""

    def __init__(self, i0: np.ndarray, i1: np.ndarray):
        if i0.shape != i1.shape:
            raise ValueError(f"keys differ in size: {i0.shape} and {i1.shape}")
        self.i0, self.i1 = i0, i1
        self._flow: PairFlow | None = None
        self._grid: np.ndarray | None = None
        self._lock = threading.Lock()

    def prepare(self, check: Callable[[], None] | None = None) -> PairFlow:
        """Compute the flows now (``check`` is called between steps and not kept)."""
        with self._lock:
            if self._flow is None:
                self._flow = pair_flow(self.i0, self.i1, check)
                self._grid = _grid(*self.i0.shape[:2])
            return self._flow

    @property
    def flow(self) -> PairFlow:
        return self.prepare()

    @property
    def nbytes(self) -> int:
        return self.i0.nbytes + self.i1.nbytes + (self._flow.nbytes * 2 if self._flow is not None else 0)

    def frame(self, t: float) -> np.ndarray:
        if t <= 0.0:
            return self.i0
        if t >= 1.0:
            return self.i1
        fl = self.flow
        grid = self._grid
        f_t0 = cv2.addWeighted(fl.f01, -(1.0 - t) * t, fl.f10, t * t, 0.0)
        f_t1 = cv2.addWeighted(fl.f01, (1.0 - t) ** 2, fl.f10, -t * (1.0 - t), 0.0)
        m0, m1 = cv2.add(grid, f_t0), cv2.add(grid, f_t1)
        w0 = cv2.remap(self.i0, m0, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        w1 = cv2.remap(self.i1, m1, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        v0 = cv2.remap(fl.v0, m0, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        v1 = cv2.remap(fl.v1, m1, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        a = cv2.multiply(cv2.add(v1, FLOOR), 1.0 - t)
        b = cv2.multiply(cv2.add(v0, FLOOR), t)
        return cv2.blendLinear(w0, w1, a, b)


# -- baselines for the quality benchmark -------------------------------------------------
def crossfade(i0: np.ndarray, i1: np.ndarray, t: float) -> np.ndarray:
    return cv2.addWeighted(i0, 1.0 - t, i1, t, 0.0)


def naive_interpolate(i0: np.ndarray, i1: np.ndarray, t: float, flow: PairFlow | None = None) -> np.ndarray:
    """Bidirectional DIS warp with plain time weights and no occlusion handling."""
    fl = flow or pair_flow(i0, i1)
    grid = _grid(*i0.shape[:2])
    w0 = cv2.remap(i0, grid - t * fl.f01, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    w1 = cv2.remap(i1, grid - (1.0 - t) * fl.f10, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.addWeighted(w0, 1.0 - t, w1, t, 0.0)


def key_segments(keys: list[tuple[int, int]], frame: int) -> tuple[int, int, float]:
    """Where ``frame`` falls among keys ``[(frame, hold), ...]`` (sorted).

    Returns ``(a, b, t)``: between key ``a`` and key ``b`` at fraction ``t`` (``a == b`` and
    ``t == 0`` on a key, in its hold, or outside the keys).
    """
    if frame <= keys[0][0]:
        return 0, 0, 0.0
    for i, (f, hold) in enumerate(keys):
        if frame <= f + hold:
            return i, i, 0.0
        if i + 1 < len(keys) and frame < keys[i + 1][0]:
            start, end = f + hold, keys[i + 1][0]
            return i, i + 1, (frame - start) / (end - start)
    return len(keys) - 1, len(keys) - 1, 0.0
