"""Layered rendering: fills hide nothing, layers at rest give the picture back, blur averages motion."""

from __future__ import annotations

import numpy as np

from studio.motion.fill import fill_background, pull_push_fill
from studio.motion.spec import Brush, MotionSpec, Shape
from studio.motion.warp import MotionRig
from tests.motion.conftest import load


def blob(x, y, r=0.15, soft=0.6, **values) -> Brush:
    return Brush(shapes=(Shape("stroke", ((x, y),), radius=r, softness=soft),), **values)


def test_the_fill_keeps_known_pixels_and_fills_holes_with_nearby_colours():
    img = load("coffee.png", 200)
    h, w = img.shape[:2]
    hole = np.zeros((h, w), bool)
    hole[30:90, 60:150] = True
    out = fill_background(img, hole)
    assert np.array_equal(out[~hole], img[~hole])
    ring = np.zeros_like(hole)
    ring[25:95, 55:155] = True
    ring &= ~hole
    inside, around = out[hole].astype(float), img[ring].astype(float)
    # a smooth membrane: within the range of the colours around it, no black, no streaks
    assert inside.min(axis=0).min() >= around.min() - 1 and inside.max() <= around.max() + 1
    deep = out[36:84, 66:144].astype(float)  # away from the rim, where it follows nearby detail
    assert np.abs(np.diff(deep, axis=1)).max() < 8 and np.abs(np.diff(deep, axis=0)).max() < 8
    everything = pull_push_fill(img.astype(np.float32), np.zeros((h, w), np.float32))
    assert np.allclose(everything, 127.5)


def test_layers_at_rest_give_the_picture_back():
    img = load("chelsea.png", 160)
    h, w = img.shape[:2]
    rig = MotionRig(MotionSpec((blob(0.4, 0.5, horizontal=3), blob(0.7, 0.4, proximity=4, ambient=2))), None,
                    (w, h), 24, 24)
    prepared = rig.prepare(img)
    canvas = prepared.background.copy()
    # the OpenCV backend's layers: premultiplied RGB and alpha, uint8
    for layer, crop in zip(rig.layers, prepared.layers):
        x0, y0, x1, y1 = layer.box
        roi = canvas[y0:y1, x0:x1].astype(np.float32)
        alpha = crop[..., 3:].astype(np.float32) / 255.0
        canvas[y0:y1, x0:x1] = np.clip(crop[..., :3] + roi * (1 - alpha) + 0.5, 0, 255).astype(np.uint8)
    assert np.abs(canvas.astype(int) - img).mean() < 0.5
    assert np.array_equal(rig.render(prepared, 0), img)


def test_motion_blur_averages_sub_frames_and_leaves_frame_zero_alone():
    img = load("chelsea.png", 160)
    h, w = img.shape[:2]
    # 10 units at 2 fps: 5.3 px per frame, so a 180-degree shutter smears 2.7 px
    spec = MotionSpec((blob(0.5, 0.5, horizontal=10),))
    sharp = MotionRig(spec, None, (w, h), 24, 2)
    blurred = MotionRig(spec, None, (w, h), 24, 2, shutter_angle=180)
    ps, pb = sharp.prepare(img), blurred.prepare(img)
    assert np.array_equal(blurred.render(pb, 0), img)
    times = blurred.sample_times(6)
    assert len(times) >= 3 and abs(np.mean(times) - 6) < 1e-9 and max(times) - min(times) == 0.5
    expected = np.mean([sharp._compose(ps, t).astype(np.float32) for t in times], axis=0)
    assert np.abs(blurred.render(pb, 6).astype(float) - expected).max() <= 1.0
    # inside the moved region (centre 80 + 32 px) the blurred frame is smoother along the motion
    window = (slice(43, 63), slice(100, 124))
    gs = np.abs(np.diff(sharp.render(ps, 6)[window].astype(float), axis=1)).mean()
    gb = np.abs(np.diff(blurred.render(pb, 6)[window].astype(float), axis=1)).mean()
    assert gb < 0.9 * gs


def test_frames_render_in_any_order_with_the_same_result():
    img = load("chelsea.png", 160)
    h, w = img.shape[:2]
    rig = MotionRig(MotionSpec((blob(0.5, 0.5, horizontal=4, ambient=5),)), None, (w, h), 24, 24, seed=5)
    prepared = rig.prepare(img)
    forward = [rig.render(prepared, i) for i in range(0, 24, 5)]
    backward = [rig.render(prepared, i) for i in reversed(range(0, 24, 5))][::-1]
    assert all(np.array_equal(a, b) for a, b in zip(forward, backward))
