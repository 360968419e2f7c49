"""Auto-select: grow a rough stroke into an object mask (OpenCV GrabCut), as polygons.

:func:`auto_select` takes the source frame and a stroke in normalised coordinates and returns
shapes for the brush JSON:

1. the frame is scaled so its longer side is at most ``max_side`` pixels (GrabCut's cost grows
   with the pixel count; the polygons are resolution-independent anyway);
2. GrabCut's mask is seeded: the stroke painted with its radius is *probable foreground*, its
   centre line *foreground*; a box around the stroke grown on every side by ``margin`` times
   its larger extent (at least 15% of the frame's longer side -- a scribble is usually much
   smaller than its object) is *probable background*, and everything outside it *background*;
3. after ``iterations`` rounds, the foreground components that touch the stroke are kept;
4. their outlines (``cv2.findContours``) are simplified with ``cv2.approxPolyDP`` to within
   ``tolerance`` of the frame height and returned as ``polygon`` shapes in normalised
   coordinates; holes larger than ``min_area`` of the frame become ``erase`` polygons.

No Qt here: the editor runs it on a worker thread.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.ui.editors.brushdata import DIGITS


def _stroke_mask(shape: tuple[int, int], pts_px: np.ndarray, radius_px: float, value: int = 1) -> np.ndarray:
    h, w = shape
    m = np.zeros((h, w), np.uint8)
    pts = np.round(pts_px).astype(np.int32).reshape(-1, 1, 2)
    r = max(int(round(radius_px)), 1)
    if len(pts) == 1:
        cv2.circle(m, tuple(int(c) for c in pts[0, 0]), r, value, -1, cv2.LINE_8)
    else:
        cv2.polylines(m, [pts], False, value, 2 * r + 1, cv2.LINE_8)
        for p in (pts[0, 0], pts[-1, 0]):
            cv2.circle(m, (int(p[0]), int(p[1])), r, value, -1, cv2.LINE_8)
    return m


def grabcut_mask(image: np.ndarray, stroke: list, radius: float, *, max_side: int = 512, iterations: int = 5,
                 margin: float = 1.0) -> np.ndarray:
    """The object mask (uint8 0/1) at the working size for a stroke (normalised points, radius
    as a fraction of the frame height)."""
    h0, w0 = image.shape[:2]
    scale = min(1.0, max_side / max(h0, w0))
    w, h = max(int(round(w0 * scale)), 8), max(int(round(h0 * scale)), 8)
    img = cv2.resize(np.ascontiguousarray(image[..., :3]), (w, h), interpolation=cv2.INTER_AREA) if scale < 1 \
        else np.ascontiguousarray(image[..., :3])
    bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    pts = np.asarray(stroke, np.float64).reshape(-1, 2) * [w, h]
    r = max(radius * h, 2.0)
    seed = _stroke_mask((h, w), pts, r)
    line = _stroke_mask((h, w), pts, max(r * 0.25, 1.0))
    x0, y0 = pts.min(axis=0) - r
    x1, y1 = pts.max(axis=0) + r
    grow = max((x1 - x0) * margin, (y1 - y0) * margin, 0.15 * max(w, h))
    grow_x = grow_y = grow
    bx0, by0 = int(max(x0 - grow_x, 0)), int(max(y0 - grow_y, 0))
    bx1, by1 = int(min(x1 + grow_x, w)), int(min(y1 + grow_y, h))
    mask = np.full((h, w), cv2.GC_BGD, np.uint8)
    mask[by0:by1, bx0:bx1] = cv2.GC_PR_BGD
    mask[seed > 0] = cv2.GC_PR_FGD
    mask[line > 0] = cv2.GC_FGD
    if not np.any(mask == cv2.GC_BGD):      # the box covers the frame: the outer ring is background
        mask[[0, -1], :] = np.where(seed[[0, -1], :] > 0, mask[[0, -1], :], cv2.GC_PR_BGD)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(bgr, mask, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return (seed > 0).astype(np.uint8)   # a flat picture: GrabCut has nothing to learn; keep the stroke
    fg = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, labels = cv2.connectedComponents(fg, connectivity=8)
    touched = set(np.unique(labels[(line > 0) & (fg > 0)]).tolist()) - {0}
    if not touched:
        return (seed > 0).astype(np.uint8)
    return np.isin(labels, list(touched)).astype(np.uint8)


def mask_to_polygons(mask: np.ndarray, *, tolerance: float = 0.003, min_area: float = 0.0004,
                     softness: float = 0.25, radius: float = 0.02) -> list[dict]:
    """Polygon shapes (normalised) outlining a 0/1 mask; holes become erase polygons."""
    h, w = mask.shape[:2]
    contours, hierarchy = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hierarchy is None:
        return []
    hierarchy = hierarchy[0]
    shapes, holes = [], []
    for c, (_, _, _, parent) in zip(contours, hierarchy):
        if cv2.contourArea(c) < min_area * w * h:
            continue
        approx = cv2.approxPolyDP(c, max(tolerance * h, 0.75), True).reshape(-1, 2).astype(np.float64)
        if len(approx) < 3:
            continue
        # pixel centres sit at integers: the outline of pixel x spans x - 0.5 .. x + 0.5
        norm = np.column_stack([(approx[:, 0] + 0.5) / w, (approx[:, 1] + 0.5) / h])
        shape = {"kind": "polygon", "points": [[round(float(x), DIGITS), round(float(y), DIGITS)] for x, y in norm],
                 "radius": radius, "softness": softness}
        if parent >= 0:
            shape["erase"] = True
            holes.append(shape)
        else:
            shapes.append(shape)
    return shapes + holes


def auto_select(image: np.ndarray, stroke: list, radius: float, **kw) -> list[dict]:
    """Polygon shapes for the object under ``stroke`` (see the module docstring)."""
    poly_kw = {k: kw.pop(k) for k in ("tolerance", "min_area", "softness") if k in kw}
    return mask_to_polygons(grabcut_mask(image, stroke, radius, **kw), **poly_kw)
