"""Edits of a MotionBrush ``brushes`` param, as pure functions on its JSON (no Qt).

Every function returns a *new* list (the graph's value is never changed in place), ready to
be pushed as one ``SetParam``.  The JSON form is the one :mod:`studio.motion.spec` reads:
shapes in normalised coordinates (x across the width, y down the height, 0..1), stroke
``radius`` as a fraction of the frame height, ``softness`` 0..1, ``erase`` for eraser strokes.
Numbers are rounded (``DIGITS``) so workflow files stay short and diff-friendly.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from studio.motion.spec import BRUSH_COLOURS, EASINGS, MAX_BRUSHES

DIGITS = 4
VALUE_FIELDS = ("horizontal", "vertical", "proximity", "ambient")
#: stroke radius limits, as fractions of the frame height
MIN_RADIUS, MAX_RADIUS = 0.002, 0.5


def _r(v: float) -> float:
    return round(float(v), DIGITS)


def colour_of(brushes: list, index: int) -> str:
    """The colour a brush is drawn in: its own ``color``, or the palette colour of its index."""
    b = brushes[index] if 0 <= index < len(brushes) else {}
    c = b.get("color") if isinstance(b, dict) else None
    return c if isinstance(c, str) and c.startswith("#") and len(c) == 7 else BRUSH_COLOURS[index % len(BRUSH_COLOURS)]


def name_of(brushes: list, index: int) -> str:
    b = brushes[index] if 0 <= index < len(brushes) else {}
    return str(b.get("name") or f"Brush {index + 1}")


def add_brush(brushes: list) -> tuple[list, int]:
    """A new, still brush at the end (a colour no other brush uses); ``(new list, its index)``."""
    if len(brushes) >= MAX_BRUSHES:
        raise ValueError(f"at most {MAX_BRUSHES} brushes")
    out = freeze_colours(brushes)
    used = {colour_of(out, i) for i in range(len(out))}
    colour = next((c for c in BRUSH_COLOURS if c not in used), BRUSH_COLOURS[len(out) % len(BRUSH_COLOURS)])
    names = {name_of(out, i) for i in range(len(out))}
    n = len(out) + 1
    while f"Brush {n}" in names:
        n += 1
    out.append({"name": f"Brush {n}", "color": colour, "horizontal": 0.0, "vertical": 0.0, "proximity": 0.0,
                "ambient": 0.0, "shapes": []})
    return out, len(out) - 1


def freeze_colours(brushes: list) -> list:
    """A copy in which every brush names its colour, so removing one keeps the others' colours."""
    out = copy.deepcopy(brushes)
    for i, b in enumerate(out):
        if isinstance(b, dict) and "color" not in b:
            b["color"] = colour_of(brushes, i)
    return out


def remove_brush(brushes: list, index: int) -> list:
    out = freeze_colours(brushes)
    del out[index]
    return out


def set_field(brushes: list, index: int, field: str, value) -> list:
    out = copy.deepcopy(brushes)
    if field in VALUE_FIELDS and isinstance(value, dict):
        value = copy.deepcopy(value)        # an animated value: {"keys": [...]} (the model checks it)
    elif field in VALUE_FIELDS:
        value = _r(min(max(float(value), -10.0), 10.0))
    elif field == "easing" and value not in EASINGS:
        raise ValueError(f"easing must be one of {', '.join(EASINGS)}")
    out[index][field] = value
    return out


def add_shape(brushes: list, index: int, shape: dict) -> list:
    out = copy.deepcopy(brushes)
    out[index].setdefault("shapes", []).append(shape)
    return out


def add_shapes(brushes: list, index: int, shapes: list[dict]) -> list:
    out = copy.deepcopy(brushes)
    out[index].setdefault("shapes", []).extend(shapes)
    return out


def clear_shapes(brushes: list, index: int) -> list:
    out = copy.deepcopy(brushes)
    out[index]["shapes"] = []
    return out


def fill_shape(softness: float = 0.0) -> dict:
    """A polygon covering the whole frame (Fill)."""
    return {"kind": "polygon", "points": [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], "radius": 0.01,
            "softness": _r(softness)}


def set_trajectory(brushes: list, index: int, points: list) -> list:
    out = copy.deepcopy(brushes)
    if points:
        out[index]["trajectory"] = [[_r(x), _r(y)] for x, y in points]
    else:
        out[index].pop("trajectory", None)
    return out


def simplify(points_px: np.ndarray, epsilon: float) -> np.ndarray:
    """Douglas-Peucker simplification of an open polyline (N, 2) in pixels; keeps both ends."""
    pts = np.asarray(points_px, np.float64).reshape(-1, 2)
    if len(pts) <= 2:
        return pts
    keep = np.zeros(len(pts), bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        seg = pts[b] - pts[a]
        rel = pts[a + 1:b] - pts[a]
        n = math.hypot(*seg)
        d = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / n if n > 1e-9 else np.hypot(rel[:, 0], rel[:, 1])
        i = int(np.argmax(d))
        if d[i] > epsilon:
            m = a + 1 + i
            keep[m] = True
            stack.extend(((a, m), (m, b)))
    return pts[keep]


def stroke_shape(points_norm: list, size: tuple[int, int], radius: float, softness: float,
                 erase: bool = False) -> dict:
    """A stroke shape from the raw points of a drag (normalised), simplified to about a tenth of
    the brush radius (never less than half a pixel of ``size``)."""
    w, h = size
    pts = np.asarray(points_norm, np.float64).reshape(-1, 2)
    px = np.column_stack([pts[:, 0] * w, pts[:, 1] * h])
    eps = max(0.5, 0.1 * radius * h)
    px = simplify(px, eps)
    norm = np.column_stack([px[:, 0] / w, px[:, 1] / h])
    norm = np.clip(norm, -0.5, 1.5)
    shape = {"kind": "stroke", "points": [[_r(x), _r(y)] for x, y in norm],
             "radius": _r(min(max(radius, MIN_RADIUS), MAX_RADIUS)), "softness": _r(min(max(softness, 0.0), 1.0))}
    if erase:
        shape["erase"] = True
    return shape


def path_points(points_norm: list, size: tuple[int, int], max_points: int = 24) -> list[list[float]]:
    """A drawn trajectory, simplified to a few control points (the engine splines through them)."""
    w, h = size
    pts = np.asarray(points_norm, np.float64).reshape(-1, 2)
    if len(pts) < 2:
        return []
    px = np.column_stack([pts[:, 0] * w, pts[:, 1] * h])
    eps = 0.004 * h
    out = simplify(px, eps)
    while len(out) > max_points:
        eps *= 1.5
        out = simplify(px, eps)
    if len(out) < 2 or float(np.hypot(*(out[-1] - out[0]))) + float(np.ptp(out, axis=0).sum()) < 1e-6:
        return []
    norm = np.clip(out / [w, h], -0.5, 1.5)
    return [[_r(x), _r(y)] for x, y in norm]


def values_text(brush: dict) -> str:
    """``→ 2  ↑ -1  prox 3  amb 5`` for the non-zero values (overlay labels, tooltips)."""
    parts = []
    for field, word in (("horizontal", "H"), ("vertical", "V"), ("proximity", "prox"), ("ambient", "amb")):
        v = brush.get(field, 0.0) or 0.0
        if isinstance(v, dict):
            parts.append(f"{word} animated")
        elif float(v):
            parts.append(f"{word} {float(v):+g}")
    if len(brush.get("trajectory") or []) >= 2:
        parts.append("path")
    return "  ".join(parts) or "still"
