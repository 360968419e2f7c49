"""Rasterise a brush's shapes to a soft mask at any size.

Semantics (the spec's units, made concrete):

* A normalised point ``(x, y)`` lands on the pixel coordinate ``(x * W - 0.5, y * H - 0.5)``:
  pixel centres sit at integers (OpenCV's convention) and 0 and 1 are the frame's outer edges.
* A **stroke** covers every point within ``radius * H`` pixels of its polyline (one point is a
  round dot).  A **polygon** covers its filled outline.
* The edge falls from 1 to 0 across a band of width ``w = max(softness * radius * H, 1 px)``
  centred on the outline, with a smoothstep profile (C1, close to a Gaussian feather).  So
  softness 0 is a hard, anti-aliased edge; softness 1 ramps from half a radius inside the
  outline to half a radius outside.  For polygons ``radius`` only sets that feather width.
* Shapes apply in order: a painted shape adds (``mask = max(mask, shape)``), an ``erase``
  shape subtracts (``mask *= 1 - shape``).

Every length scales with the frame, so one spec rasterised at two sizes gives masks that agree
after resizing (160x100 against 640x400: mean difference under 0.004).  Each shape is
rasterised inside its own bounding box; distances come from ``cv2.distanceTransform`` (exact
Euclidean to the nearest pixel of the drawn outline, so within half a grid step of the true
outline), measured on a grid up to 4x finer for boxes under 1024 px and averaged down with
``INTER_AREA``; hard polygon edges are the area coverage of a 2-4x supersampled fill (unbiased,
unlike ``LINE_AA`` fills, which grow the outline by about half a pixel).  A 1080p soft stroke
or polygon takes 30-65 ms, so brushes rasterise one at a time between cancel checks.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.motion.spec import Brush, Shape

#: mask values below this count as outside the region (for bounding boxes and hole masks)
SUPPORT_EPS = 1.0 / 512.0

_SHIFT = 4  # sub-pixel bits for cv2 drawing
_ONE = 1 << _SHIFT

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


def to_pixels(points, size: tuple[int, int]) -> np.ndarray:
    """Normalised ``[(x, y), ...]`` to pixel coordinates (N, 2) float64 for ``size=(W, H)``."""
    w, h = size
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return np.column_stack([pts[:, 0] * w - 0.5, pts[:, 1] * h - 0.5])


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0, out=x)
    return x * x * (3.0 - 2.0 * x)


def _local_box(pts: np.ndarray, reach: float, size: tuple[int, int]) -> tuple[Box, Box] | None:
    """Where to rasterise a shape, and which part of that lands in the frame.

    The raster box is the points' box grown by ``reach``, clipped to the frame grown by
    ``reach``: every outline point within ``reach`` of a frame pixel lies inside it, so
    distances measured inside it are right for every frame pixel.  Returns
    ``(raster_box, frame_box)`` or None when the shape cannot touch the frame.
    """
    w, h = size
    r = int(np.ceil(reach))
    x0 = max(int(np.floor(pts[:, 0].min() - reach)), -r)
    y0 = max(int(np.floor(pts[:, 1].min() - reach)), -r)
    x1 = min(int(np.ceil(pts[:, 0].max() + reach)) + 1, w + r)
    y1 = min(int(np.ceil(pts[:, 1].max() + reach)) + 1, h + r)
    fx0, fy0, fx1, fy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if fx0 >= fx1 or fy0 >= fy1:
        return None
    return (x0, y0, x1, y1), (fx0, fy0, fx1, fy1)


def _crop(vals: np.ndarray, raster: Box, frame: Box) -> tuple[np.ndarray, Box]:
    x0, y0 = raster[0], raster[1]
    fx0, fy0, fx1, fy1 = frame
    return vals[fy0 - y0:fy1 - y0, fx0 - x0:fx1 - x0], frame


def _fixed(pts: np.ndarray, origin: tuple[float, float]) -> np.ndarray:
    local = (pts - np.asarray(origin)) * _ONE
    # cv2 drawing takes int32 fixed point; keep far-away points within range
    return np.clip(np.round(local), -(1 << 28), 1 << 28).astype(np.int32).reshape(-1, 1, 2)


def _factor(box: Box, hard: bool) -> int:
    """Supersampling factor: enough that small frames are measured finely, 1 for large ones."""
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0, 1)
    f = max(1, min(4, 1024 // side))
    if hard and (x1 - x0) * (y1 - y0) * 4 <= 4_000_000:
        f = max(f, 2)  # a hard edge is always anti-aliased over sub-pixel samples
    return f


def _down(fine: np.ndarray, box: Box, f: int) -> np.ndarray:
    if f == 1:
        return fine
    x0, y0, x1, y1 = box
    return cv2.resize(fine, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)


def rasterize_shape(shape: Shape, size: tuple[int, int]) -> tuple[np.ndarray, Box] | None:
    """One shape's soft coverage inside its box, or None when it misses the frame.

    Returns ``(values float32 (y1-y0, x1-x0), (x0, y0, x1, y1))``.  Small boxes are measured on
    a grid up to 4x finer and averaged down, so edges land within a fraction of a pixel at
    small frame sizes too.
    """
    w, h = size
    pts = to_pixels(shape.points, size)
    if len(pts) == 0:
        return None
    radius = max(float(shape.radius), 0.0) * h
    band = max(float(shape.softness) * radius, 1.0)
    hard = band <= 1.0 + 1e-6
    if shape.kind == "polygon":
        if len(pts) < 3:
            return None
        boxes = _local_box(pts, band / 2.0 + 2.0, size)
    elif shape.kind == "stroke":
        boxes = _local_box(pts, radius + band / 2.0 + 2.0, size)
    else:
        raise ValueError(f"shape kind {shape.kind!r}: expected 'stroke' or 'polygon'")
    if boxes is None:
        return None
    raster, frame = boxes
    x0, y0, x1, y1 = raster
    f = _factor(raster, hard)
    fw, fh = (x1 - x0) * f, (y1 - y0) * f
    local = (pts - np.asarray((x0, y0)) + 0.5) * f - 0.5     # fine-grid pixel coordinates
    fine_band = band * f
    if shape.kind == "polygon":
        inside = np.zeros((fh, fw), np.uint8)
        cv2.fillPoly(inside, [_fixed(local, (0.0, 0.0))], 255, cv2.LINE_8, _SHIFT)
        if hard:
            vals = inside.astype(np.float32) * (1.0 / 255.0)
        else:
            d_in = cv2.distanceTransform(inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
            d_out = cv2.distanceTransform(255 - inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
            signed = np.where(inside > 0, 0.5 - d_in, d_out - 0.5)  # > 0 outside
            vals = _smoothstep((0.5 - signed / fine_band).astype(np.float32))
        return _crop(_down(vals, raster, f), raster, frame)
    canvas = np.full((fh, fw), 255, np.uint8)
    if len(pts) == 1:
        cx, cy = np.round(local[0]).astype(int)
        canvas[min(max(cy, 0), fh - 1), min(max(cx, 0), fw - 1)] = 0
    else:
        cv2.polylines(canvas, [_fixed(local, (0.0, 0.0))], False, 0, 1, cv2.LINE_8, _SHIFT)
    if canvas.min() > 0:
        return None  # the centre line never comes within reach of the frame
    dist = cv2.distanceTransform(canvas, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    vals = _smoothstep((radius * f + fine_band / 2.0 - dist) * (1.0 / fine_band))
    return _crop(_down(vals.astype(np.float32, copy=False), raster, f), raster, frame)


def rasterize_brush(brush: Brush, size: tuple[int, int]) -> np.ndarray:
    """The brush's region as float32 (H, W) in [0, 1] for ``size=(W, H)``."""
    w, h = size
    mask = np.zeros((h, w), np.float32)
    for shape in brush.shapes:
        got = rasterize_shape(shape, size)
        if got is None:
            continue
        vals, (x0, y0, x1, y1) = got
        roi = mask[y0:y1, x0:x1]
        if shape.erase:
            roi *= 1.0 - vals
        else:
            np.maximum(roi, vals, out=roi)
    return mask


def support_box(mask: np.ndarray, eps: float = SUPPORT_EPS) -> Box | None:
    """Bounding box ``(x0, y0, x1, y1)`` of the pixels above ``eps``, or None if there are none."""
    on = mask > eps
    rows = np.flatnonzero(on.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(on.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def centroid(mask: np.ndarray) -> tuple[float, float] | None:
    """Mask-weighted centre ``(x, y)`` in pixels, or None for an empty mask."""
    m = cv2.moments(mask, binaryImage=False)
    if m["m00"] <= 1e-9:
        return None
    return m["m10"] / m["m00"], m["m01"] / m["m00"]


__all__ = ["SUPPORT_EPS", "centroid", "rasterize_brush", "rasterize_shape", "support_box", "to_pixels"]
