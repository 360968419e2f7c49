"""Brush masks: strokes cover their points, erasing subtracts, the spec is resolution independent."""

from __future__ import annotations

import cv2
import numpy as np

from studio.motion.masks import centroid, rasterize_brush, support_box, to_pixels
from studio.motion.spec import Brush, Shape

SIZE = (160, 100)  # W, H


def stroke(points, radius=0.1, softness=0.5, erase=False) -> Shape:
    return Shape("stroke", tuple(points), radius=radius, softness=softness, erase=erase)


def at(mask: np.ndarray, x: float, y: float) -> float:
    px, py = to_pixels([(x, y)], (mask.shape[1], mask.shape[0]))[0]
    return float(mask[int(round(py)), int(round(px))])


def test_a_stroke_covers_its_points_and_ends_one_radius_away():
    pts = [(0.2, 0.3), (0.5, 0.6), (0.8, 0.4)]
    mask = rasterize_brush(Brush(shapes=(stroke(pts, radius=0.1, softness=0.0),)), SIZE)
    assert mask.dtype == np.float32 and mask.shape == (100, 160)
    assert 0.0 <= mask.min() and mask.max() <= 1.0
    for x, y in pts:
        assert at(mask, x, y) == 1.0
    # radius 0.1 of H = 10 px: hard edge, so 8 px from the line is in and 12 px is out
    px, py = to_pixels([(0.2, 0.3)], SIZE)[0]
    col = int(round(px)) - 1
    assert mask[int(round(py)) - 8, col] > 0.99
    assert mask[int(round(py)) - 12, col] == 0.0


def test_softness_feathers_the_edge_over_its_band():
    hard = rasterize_brush(Brush(shapes=(stroke([(0.5, 0.5)], radius=0.2, softness=0.0),)), SIZE)
    soft = rasterize_brush(Brush(shapes=(stroke([(0.5, 0.5)], radius=0.2, softness=1.0),)), SIZE)
    cy, cx = 50, 80
    # radius 20 px; softness 1 ramps from 10 to 30 px with 0.5 at 20 px
    assert soft[cy, cx + 8] == 1.0 and soft[cy, cx + 32] == 0.0
    assert abs(soft[cy, cx + 20] - 0.5) < 0.1
    assert hard[cy, cx + 18] == 1.0 and hard[cy, cx + 22] == 0.0
    assert soft.sum() > hard.sum() * 0.9


def test_erase_removes_and_shapes_apply_in_order():
    paint = stroke([(0.1, 0.5), (0.9, 0.5)], radius=0.2, softness=0.0)
    hole = stroke([(0.5, 0.5)], radius=0.1, softness=0.0, erase=True)
    mask = rasterize_brush(Brush(shapes=(paint, hole)), SIZE)
    assert at(mask, 0.5, 0.5) == 0.0 and at(mask, 0.2, 0.5) == 1.0
    repainted = rasterize_brush(Brush(shapes=(paint, hole, stroke([(0.5, 0.5)], radius=0.05, softness=0.0))), SIZE)
    assert at(repainted, 0.5, 0.5) == 1.0
    erase_first = rasterize_brush(Brush(shapes=(hole, paint)), SIZE)
    assert at(erase_first, 0.5, 0.5) == 1.0, "an erase only affects what was painted before it"


def test_polygons_fill_with_anti_aliased_or_feathered_edges():
    square = ((0.25, 0.2), (0.75, 0.2), (0.75, 0.8), (0.25, 0.8))
    hard = rasterize_brush(Brush(shapes=(Shape("polygon", square, softness=0.0),)), SIZE)
    assert hard[50, 80] == 1.0 and hard[5, 5] == 0.0
    # the left edge is at x = 0.25 * 160 - 0.5 = 39.5: pixels 39 and 40 share it
    assert abs(hard[50, 39] + hard[50, 40] - 1.0) < 0.2 and hard[50, 38] < 0.05 and hard[50, 41] > 0.95
    soft = rasterize_brush(Brush(shapes=(Shape("polygon", square, radius=0.1, softness=1.0),)), SIZE)
    assert soft[50, 80] == 1.0 and 0.3 < soft[50, 40] < 0.7 and soft[50, 30] < 0.05


def test_the_same_spec_at_two_sizes_agrees_after_resizing():
    brush = Brush(shapes=(stroke([(0.1, 0.2), (0.4, 0.8), (0.9, 0.5)], radius=0.08, softness=0.6),
                          Shape("polygon", ((0.6, 0.1), (0.9, 0.1), (0.8, 0.4)), radius=0.05, softness=0.3),
                          stroke([(0.4, 0.8)], radius=0.04, softness=0.2, erase=True)))
    small = rasterize_brush(brush, (160, 100))
    large = rasterize_brush(brush, (640, 400))
    down = cv2.resize(large, (160, 100), interpolation=cv2.INTER_AREA)
    diff = np.abs(down - small)
    assert diff.mean() < 0.004 and diff.max() < 0.3
    assert abs(small.sum() * 16 - large.sum()) / large.sum() < 0.03


def test_shapes_past_the_frame_edge_still_reach_in_and_far_ones_do_not():
    above = rasterize_brush(Brush(shapes=(stroke([(0.1, -0.05), (0.9, -0.05)], radius=0.1, softness=0.0),)), SIZE)
    # the line runs 5.5 px above row 0 with a 10 px radius: rows 0..3 are inside
    assert above[0:4, 20:140].min() > 0.99 and above[6:, :].max() == 0.0
    away = rasterize_brush(Brush(shapes=(stroke([(2.0, 2.0), (1.8, 1.9)], radius=0.1),)), SIZE)
    assert not away.any()
    whole = rasterize_brush(Brush(shapes=(Shape("polygon", ((-1, -1), (2, -1), (2, 2), (-1, 2)), softness=0.5),)), SIZE)
    assert whole.min() == 1.0


def test_support_box_and_centroid_describe_the_region():
    mask = rasterize_brush(Brush(shapes=(stroke([(0.5, 0.5)], radius=0.1, softness=0.0),)), SIZE)
    x0, y0, x1, y1 = support_box(mask)
    assert (x0, y0) == (69, 39) or abs(x0 - 69) <= 1 and abs(y0 - 39) <= 1
    assert abs((x1 - 1) - 89) <= 1 and abs((y1 - 1) - 59) <= 1
    cx, cy = centroid(mask)
    assert abs(cx - 79.5) < 0.6 and abs(cy - 49.5) < 0.6
    assert support_box(np.zeros((4, 4), np.float32)) is None and centroid(np.zeros((4, 4), np.float32)) is None
