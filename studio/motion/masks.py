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
or polygon takes 30-65 ms.

Bounded work: the spec allows at most :data:`studio.motion.spec.MAX_SHAPE_POINTS` points per
shape.  A shape with more than :data:`SIMPLIFY_ABOVE` points is first simplified
(Douglas-Peucker, ``cv2.approxPolyDP``) to within :data:`SIMPLIFY_PX` of a pixel of the grid
it is drawn on, so a densely sampled outline costs what its shape needs.  Distances are
measured in bands of about :data:`BAND_PIXELS` pixels, each over its rows plus the reach of
the edge (exact: only distances shorter than that reach change a value), with ``check()``
(the cancel check) between bands; an 8K frame is about nine bands.  A polygon fill costs the
rows its edges cross, which for a tangled outline is points times rows (a 10,000-point random
polygon at 8K: about 4 s); past :data:`FILL_WORK` edge-rows the polygon is clipped to bands of
rows and filled band by band, between checks (clipping adds vertices, which can move an edge's
pixels by a pixel or, along shallow edges, a few).  Ordinary shapes are filled in one call,
exactly as before.  A box
of more than :data:`FINE_MAX` pixels (a brush over most of an 8K frame, or one whose radius
reaches far beyond the frame) is measured on a grid coarse enough to hold that many and
interpolated onto the frame's pixels: its edges land within a pixel or so at 8K, and memory
and time stay bounded whatever the radius.  Likewise a shape whose edge reaches across most
of its box (a radius or feather as big as the frame) is measured on a grid where one band,
reach included, holds at most :data:`TILE_MAX` pixels (its soft edge is smooth).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from studio.motion.spec import Brush, Shape

#: mask values below this count as outside the region (for bounding boxes and hole masks)
SUPPORT_EPS = 1.0 / 512.0

_SHIFT = 4  # sub-pixel bits for cv2 drawing
_ONE = 1 << _SHIFT

#: most pixels a shape is measured on: a bigger box (an 8K frame, a brush far bigger than the
#: frame) is measured on a coarser grid and interpolated onto the frame's pixels
FINE_MAX = 1 << 24
#: most pixels one measurement of distances (a band plus the edge's reach) may cover
TILE_MAX = 1 << 23
#: fine-grid pixels measured in one band of distances (bounds the temporaries and the time between checks)
BAND_PIXELS = 1 << 22
#: edge-rows one polygon fill may cost (about 50 ms; see :func:`_fill`)
FILL_WORK = 250_000
#: shapes with more points than this are simplified to within SIMPLIFY_PX of a fine-grid pixel
SIMPLIFY_ABOVE = 256
SIMPLIFY_PX = 0.1

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


def _simplified(local: np.ndarray, closed: bool) -> np.ndarray:
    """``local`` (N, 2) fine-grid points, Douglas-Peucker simplified when there are many."""
    if len(local) <= SIMPLIFY_ABOVE:
        return local
    pts = cv2.approxPolyDP(np.ascontiguousarray(local, np.float32).reshape(-1, 1, 2), SIMPLIFY_PX, closed)
    return pts.reshape(-1, 2).astype(np.float64)


def _bands(rows: int, per: int, reach: int = 0) -> list[tuple[int, int]]:
    """Row ranges of about ``per`` rows (at least 8, and twice ``reach``) that cover ``rows``."""
    per = max(int(per), 8, 2 * reach)
    if per >= rows:
        return [(0, rows)]
    return [(r, min(r + per, rows)) for r in range(0, rows, per)]


def _clip_rows(pts: np.ndarray, limit: float, keep_above: bool) -> np.ndarray:
    """The closed polygon ``pts`` (N, 2) clipped to ``y >= limit`` (or ``y <= limit``), Sutherland-Hodgman.

    Points on the kept side keep their place; each crossing gets a vertex on the line, so every
    point off the line keeps its winding number (and the fill is unchanged there).
    """
    y = pts[:, 1]
    inside = y >= limit if keep_above else y <= limit
    nxt = np.roll(pts, -1, axis=0)
    cross = inside != np.roll(inside, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(cross, (limit - y) / (nxt[:, 1] - y), 0.0)
    meet = pts + t[:, None] * (nxt - pts)
    return np.stack([pts, meet], 1).reshape(-1, 2)[np.stack([inside, cross], 1).reshape(-1)]


def _fill(canvas: np.ndarray, local: np.ndarray, check: Callable[[], None] | None) -> None:
    """Fill the polygon ``local`` (fine-grid pixels) into ``canvas`` with 255.

    A fill costs about the rows its edges cross (every row sorts the edges crossing it), which
    for a tangled outline is points times rows.  Up to :data:`FILL_WORK` edge-rows it is one
    ``cv2.fillPoly``, as it always was; beyond that the polygon is clipped to bands of rows of
    about that work each (:func:`_clip_rows`) and filled band by band with ``check()`` between.
    A band's clipped edges get new vertices, and OpenCV steps along a shorter edge from them,
    so an edge's pixels can move: by a pixel, or by a few along shallow edges (OpenCV fills a
    row to where a shallow edge leaves it).  Only tangled outlines get here.
    """
    h = canvas.shape[0]
    ys = np.clip(np.append(local[:, 1], local[:1, 1]), -1.0, h)
    work = float(np.abs(np.diff(ys)).sum())
    if work <= FILL_WORK:
        cv2.fillPoly(canvas, [_fixed(local, (0.0, 0.0))], 255, cv2.LINE_8, _SHIFT)
        return
    for r0, r1 in _bands(h, int(h * FILL_WORK / work)):
        if check:
            check()
        # clipped a row outside the band on either side: OpenCV draws the horizontal edges the
        # clipping adds as lines, which must land outside the band (on the spare row on top,
        # so that OpenCV never clips an edge at the band's first row itself)
        pts = _clip_rows(local, r1 + 1.0, keep_above=False)
        if r0 > 0:
            pts = _clip_rows(pts, r0 - 1.0, keep_above=True)
        if len(pts) < 3:
            continue
        if r0 == 0:
            cv2.fillPoly(canvas[:r1], [_fixed(pts, (0.0, 0.0))], 255, cv2.LINE_8, _SHIFT)
        else:
            band = np.zeros((r1 - r0 + 1, canvas.shape[1]), np.uint8)
            cv2.fillPoly(band, [_fixed(pts, (0.0, r0 - 1.0))], 255, cv2.LINE_8, _SHIFT)
            canvas[r0:r1] = band[1:]


def _distance(src: np.ndarray, r0: int, r1: int, reach: int) -> np.ndarray:
    """Rows ``r0:r1`` of ``cv2.distanceTransform(src)``, measured over those rows plus ``reach``."""
    t0, t1 = max(r0 - reach, 0), min(r1 + reach, src.shape[0])
    d = cv2.distanceTransform(src[t0:t1], cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return d[r0 - t0:r1 - t0]


def _smoothstep_into(x: np.ndarray, out: np.ndarray) -> None:
    """``out[...] = _smoothstep(x)`` with one temporary (``x`` is overwritten)."""
    np.clip(x, 0.0, 1.0, out=x)
    t = np.multiply(x, 2.0)
    np.subtract(3.0, t, out=t)
    np.multiply(x, x, out=x)
    np.multiply(x, t, out=out)


def _to_frame(vals: np.ndarray, raster: Box, frame: Box, f: float,
              check: Callable[[], None] | None) -> np.ndarray:
    """Values on the fine grid (``f`` fine pixels per pixel) as values on the frame box's pixels."""
    x0, y0 = raster[0], raster[1]
    fx0, fy0, fx1, fy1 = frame
    if f >= 1:
        return _crop(_down(vals, raster, int(f)), raster, frame)[0]
    # a coarser grid: interpolate it onto the frame's pixels (pixel x sits at (x - x0 + 0.5) f - 0.5)
    out = np.empty((fy1 - fy0, fx1 - fx0), np.float32)
    for r0, r1 in _bands(fy1 - fy0, BAND_PIXELS // max(fx1 - fx0, 1)):
        if check:
            check()
        m = np.array([[f, 0.0, (fx0 - x0 + 0.5) * f - 0.5], [0.0, f, (fy0 + r0 - y0 + 0.5) * f - 0.5]])
        out[r0:r1] = cv2.warpAffine(vals, m, (fx1 - fx0, r1 - r0), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                    borderMode=cv2.BORDER_REPLICATE)
    return out


def rasterize_shape(shape: Shape, size: tuple[int, int], check: Callable[[], None] | None = None
                    ) -> tuple[np.ndarray, Box] | None:
    """One shape's soft coverage inside its box, or None when it misses the frame.

    Returns ``(values float32 (y1-y0, x1-x0), (x0, y0, x1, y1))``.  Small boxes are measured on
    a grid up to 4x finer and averaged down, so edges land within a fraction of a pixel at
    small frame sizes too; boxes of more than :data:`FINE_MAX` pixels on a coarser grid,
    interpolated.  ``check`` is called between bands of rows (see the module docstring).
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
    f: float = _factor(raster, hard)
    area = (x1 - x0) * (y1 - y0)
    if area > FINE_MAX:
        f = math.sqrt(FINE_MAX / area)
    if not (hard and shape.kind == "polygon"):
        # distances are measured over a band plus the reach of the edge: where that reach spans
        # most of the box (a radius as big as the frame), a band is the whole grid, so the grid
        # is made coarse enough for one measurement to stay within TILE_MAX pixels
        reach_px = (band / 2.0 + 2.0) if shape.kind == "polygon" else (radius + band / 2.0 + 2.0)
        cols = (x1 - x0) * f
        rows = min((y1 - y0) * f, BAND_PIXELS / cols + 2.0 * reach_px * f)
        if rows * cols > TILE_MAX:
            f *= math.sqrt(TILE_MAX / (rows * cols))
    fw, fh = max(1, math.ceil((x1 - x0) * f)), max(1, math.ceil((y1 - y0) * f))
    local = (pts - np.asarray((x0, y0)) + 0.5) * f - 0.5     # fine-grid pixel coordinates
    local = _simplified(local, closed=shape.kind == "polygon")
    fine_band = band * f
    if shape.kind == "polygon":
        inside = np.zeros((fh, fw), np.uint8)
        _fill(inside, local, check)
        if hard:
            vals = np.multiply(inside, np.float32(1.0 / 255.0), dtype=np.float32)
        else:
            # a distance matters up to half the feather (plus the half pixel of the outline)
            reach = int(np.ceil(fine_band / 2.0)) + 2
            vals = np.empty((fh, fw), np.float32)
            for r0, r1 in _bands(fh, BAND_PIXELS // fw, reach):
                if check:
                    check()
                t0 = max(r0 - reach, 0)
                d_in = _distance(inside, r0, r1, reach)
                d_out = _distance(cv2.bitwise_not(inside[t0:r1 + reach]), r0 - t0, r1 - t0, reach)
                # signed distance, > 0 outside: 0.5 - d_in inside, d_out - 0.5 outside
                np.subtract(d_out, 0.5, out=d_out)
                np.subtract(0.5, d_in, out=d_in)
                np.copyto(d_out, d_in, where=inside[r0:r1] > 0)
                del d_in
                np.divide(d_out, fine_band, out=d_out)
                np.subtract(0.5, d_out, out=d_out)
                _smoothstep_into(d_out, vals[r0:r1])
        return _to_frame(vals, raster, frame, f, check), frame
    canvas = np.full((fh, fw), 255, np.uint8)
    if len(local) == 1:
        cx, cy = np.round(local[0]).astype(int)
        canvas[min(max(cy, 0), fh - 1), min(max(cx, 0), fw - 1)] = 0
    else:
        cv2.polylines(canvas, [_fixed(local, (0.0, 0.0))], False, 0, 1, cv2.LINE_8, _SHIFT)  # O(points + pixels)
    if cv2.countNonZero(canvas) == canvas.size:
        return None  # the centre line never comes within reach of the frame
    reach = int(np.ceil(radius * f + fine_band / 2.0)) + 2
    vals = np.empty((fh, fw), np.float32)
    for r0, r1 in _bands(fh, BAND_PIXELS // fw, reach):
        if check:
            check()
        dist = _distance(canvas, r0, r1, reach)
        np.subtract(radius * f + fine_band / 2.0, dist, out=dist)
        np.multiply(dist, 1.0 / fine_band, out=dist)
        _smoothstep_into(dist, vals[r0:r1])
    del canvas
    return _to_frame(vals, raster, frame, f, check), frame


def shape_box(shape: Shape, size: tuple[int, int]) -> Box | None:
    """The frame box a shape's values can be nonzero in (as :func:`rasterize_shape` returns it),
    from its points alone; None when it cannot touch the frame."""
    w, h = size
    pts = to_pixels(shape.points, size)
    if len(pts) == 0 or (shape.kind == "polygon" and len(pts) < 3):
        return None
    radius = max(float(shape.radius), 0.0) * h
    band = max(float(shape.softness) * radius, 1.0)
    reach = band / 2.0 + 2.0 if shape.kind == "polygon" else radius + band / 2.0 + 2.0
    boxes = _local_box(pts, reach, size)
    return None if boxes is None else boxes[1]


def rasterize_brush(brush: Brush, size: tuple[int, int], check: Callable[[], None] | None = None) -> np.ndarray:
    """The brush's region as float32 (H, W) in [0, 1] for ``size=(W, H)``."""
    w, h = size
    got = rasterize_brush_box(brush, size, check)
    mask = np.zeros((h, w), np.float32)
    if got is not None:
        vals, (x0, y0, x1, y1) = got
        mask[y0:y1, x0:x1] = vals
    return mask


def rasterize_brush_box(brush: Brush, size: tuple[int, int], check: Callable[[], None] | None = None
                        ) -> tuple[np.ndarray, Box] | None:
    """The brush's region inside the box its painted shapes can reach: ``(values, box)``, or None.

    The same values as :func:`rasterize_brush` (which is zero outside the box), without
    allocating the whole frame: a small brush on an 8K frame costs what its box costs.
    """
    w, h = size
    parts: list[tuple[Shape, tuple[np.ndarray, Box]]] = []
    for shape in brush.shapes:
        got = rasterize_shape(shape, size, check)
        if got is not None:
            parts.append((shape, got))
    painted = [box for shape, (_, box) in parts if not shape.erase]
    if not painted:
        return None
    bx0, by0 = min(b[0] for b in painted), min(b[1] for b in painted)
    bx1, by1 = max(b[2] for b in painted), max(b[3] for b in painted)
    if check:
        check()
    mask = np.zeros((by1 - by0, bx1 - bx0), np.float32)
    for shape, (vals, (x0, y0, x1, y1)) in parts:
        if check:
            check()
        # the part of the shape's box inside the brush box (an erase may reach outside it)
        cx0, cy0, cx1, cy1 = max(x0, bx0), max(y0, by0), min(x1, bx1), min(y1, by1)
        if cx0 >= cx1 or cy0 >= cy1:
            continue
        roi = mask[cy0 - by0:cy1 - by0, cx0 - bx0:cx1 - bx0]
        piece = vals[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
        if shape.erase:
            roi *= 1.0 - piece
        else:
            np.maximum(roi, piece, out=roi)
    return mask, (bx0, by0, bx1, by1)


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


__all__ = ["FINE_MAX", "SUPPORT_EPS", "centroid", "rasterize_brush", "rasterize_brush_box", "rasterize_shape",
           "shape_box", "support_box", "to_pixels"]
