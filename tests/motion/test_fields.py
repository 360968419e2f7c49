"""Motion fields: brush and camera transforms follow the units in studio.motion.spec's docstring."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from studio.errors import EngineError
from studio.motion.fields import (AmbientField, BrushTrack, Track, camera_homography, dense_flow, parse_animation)
from studio.motion.spec import Brush, CameraSpec, MotionSpec, Shape
from studio.motion.warp import MotionRig

SIZE = (200, 100)  # W, H


def project(hom: np.ndarray, x: float, y: float) -> tuple[float, float]:
    p = hom @ np.array([x, y, 1.0])
    return p[0] / p[2], p[1] / p[2]


def cam(**axes) -> np.ndarray:
    """The homography at the last frame of a linear two-frame move."""
    return camera_homography(CameraSpec(easing="linear", **axes), SIZE, 1, 2)


CENTRE = ((SIZE[0] - 1) / 2, (SIZE[1] - 1) / 2)


def test_every_camera_axis_is_the_identity_at_frame_zero():
    move = CameraSpec(pan=4, tilt=-3, zoom=5, roll=2, truck=1, pedestal=-2, dolly=6)
    assert np.allclose(camera_homography(move, SIZE, 0, 48), np.eye(3), atol=1e-12)
    assert np.array_equal(camera_homography(CameraSpec(), SIZE, 10, 48), np.eye(3))


def test_pan_right_moves_the_picture_left_by_the_focal_tangent():
    x, y = project(cam(pan=5), *CENTRE)
    f = 1.2 * SIZE[0]
    assert x == pytest.approx(CENTRE[0] - f * math.tan(math.radians(10)), abs=1e-6)
    assert y == pytest.approx(CENTRE[1], abs=1e-6)


def test_tilt_up_moves_the_picture_down_and_roll_turns_it_counter_clockwise():
    _, y = project(cam(tilt=5), *CENTRE)
    assert y > CENTRE[1] + 10
    # a point right of the centre rises on screen (y smaller) when the camera rolls clockwise
    _, yr = project(cam(roll=5), CENTRE[0] + 40, CENTRE[1])
    assert yr < CENTRE[1] - 5


def test_zoom_dolly_truck_and_pedestal_use_the_documented_units():
    hz = cam(zoom=4)                      # focal length x1.2
    x, _ = project(hz, CENTRE[0] + 50, CENTRE[1])
    assert x - CENTRE[0] == pytest.approx(60.0, abs=1e-6)
    hd = cam(dolly=5)                     # 20% closer: scale 1 / 0.8
    x, _ = project(hd, CENTRE[0] + 40, CENTRE[1])
    assert x - CENTRE[0] == pytest.approx(50.0, abs=1e-6)
    x, y = project(cam(truck=3), *CENTRE)  # truck right: the plane slides left 6% of H
    assert x == pytest.approx(CENTRE[0] - 6.0, abs=1e-6) and y == pytest.approx(CENTRE[1], abs=1e-6)
    x, y = project(cam(pedestal=3), *CENTRE)  # pedestal up: the plane slides down
    assert y == pytest.approx(CENTRE[1] + 6.0, abs=1e-6)


def test_camera_easing_shapes_the_move_over_the_clip():
    spec = CameraSpec(truck=5, easing="ease_in_out")
    xs = [project(camera_homography(spec, SIZE, t, 11), *CENTRE)[0] for t in range(11)]
    steps = np.diff(xs)
    assert np.all(steps <= 0) and abs(steps[0]) < abs(steps[5]) and abs(steps[-1]) < abs(steps[5])
    assert xs[-1] == pytest.approx(CENTRE[0] - 10.0, abs=1e-6)


def track(brush: Brush, frames=49, fps=24, seed=0, index=0, overrides=None) -> BrushTrack:
    return BrushTrack(brush, index, SIZE, frames, fps, (100.0, 50.0), seed=seed, overrides=overrides)


def test_brush_velocity_and_proximity_units():
    tr = track(Brush(horizontal=4, vertical=2, proximity=5))
    # 1 s at 24 fps: 4% and 2% of H (100 px), up is negative y; scale 1.02 ** 5
    assert np.allclose(tr.offset(24), [4.0, -2.0])
    assert tr.scale(24) == pytest.approx(1.02 ** 5)
    a = tr.affine(24)
    assert np.allclose(a @ [100.0, 50.0, 1.0], [104.0, 48.0]), "the centroid moves with the translation only"
    assert tr.is_identity(0) and not tr.is_identity(1)


def test_a_constant_override_list_equals_the_constant_and_integrates_a_ramp():
    const = track(Brush(horizontal=3))
    listed = track(Brush(horizontal=3), overrides={"horizontal": Track([3.0] * 49)})
    for t in (0, 7, 24, 30.5, 60):
        assert np.allclose(const.offset(t), listed.offset(t))
    ramp = track(Brush(), overrides={"horizontal": Track([0.0] * 24 + [6.0])})
    assert np.allclose(ramp.offset(24), 0.0) and np.allclose(ramp.offset(48), [6.0, 0.0])


def test_a_trajectory_moves_the_region_along_its_path_from_where_it_is():
    pts = ((0.2, 0.5), (0.5, 0.2), (0.8, 0.5))
    tr = track(Brush(trajectory=pts, easing="linear"), frames=41)
    assert np.allclose(tr.offset(0), 0.0)
    assert np.allclose(tr.offset(40), [0.6 * SIZE[0], 0.0], atol=1e-6)
    mid = tr.offset(20)
    assert abs(mid[0] - 0.3 * SIZE[0]) < 3 and mid[1] < -0.25 * SIZE[1], "half way the region is at the apex"


def test_ambient_is_smooth_in_time_deterministic_and_seeded():
    h = 1000
    ys, xs = np.mgrid[0:h:20, 0:h:20].astype(np.float32)
    a = AmbientField(7, 0, h)
    assert all(np.array_equal(u, v) for u, v in zip(a.sample(xs, ys, 1.3), AmbientField(7, 0, h).sample(xs, ys, 1.3)))
    other = AmbientField(8, 0, h).sample(xs, ys, 1.3)[0]
    brush1 = AmbientField(7, 1, h).sample(xs, ys, 1.3)[0]
    assert not np.allclose(other, a.sample(xs, ys, 1.3)[0]) and not np.allclose(brush1, other)
    frames = [np.hypot(*a.sample(xs, ys, k / 24)) for k in range(96)]
    rms = math.sqrt(np.mean([np.mean(f ** 2) for f in frames]))
    assert 0.7 < rms < 1.3, "unit RMS displacement"
    steps = [np.hypot(*np.subtract(a.sample(xs, ys, (k + 1) / 24), a.sample(xs, ys, k / 24))) for k in range(95)]
    step_rms = math.sqrt(np.mean([np.mean(s ** 2) for s in steps]))
    # about one cycle per second: a 24 fps step is ~2*pi/24 of the amplitude (jitter would be ~1.4)
    assert step_rms < 0.35 * rms, "a frame step is a small part of the amplitude (no jitter)"


def test_ambient_fades_in_and_has_the_documented_size():
    tr = track(Brush(ambient=10))
    assert tr.ambient_amplitude(0) == 0.0 and tr.is_identity(0)
    assert tr.ambient_amplitude(24) == pytest.approx(10 * 0.0015 * SIZE[1])


def test_override_names_are_checked():
    per_brush, camera = parse_animation({"brush[0].ambient": [1, 2], "camera.zoom": [0, 1], "prompt": [1]}, 1)
    assert "ambient" in per_brush[0] and "zoom" in camera
    with pytest.raises(EngineError, match="brush"):
        parse_animation({"brush[3].horizontal": [1]}, 1)
    with pytest.raises(EngineError, match="camera axis"):
        parse_animation({"camera.spin": [1]}, 1)


def square(x0, y0, x1, y1, **values) -> Brush:
    return Brush(shapes=(Shape("polygon", ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), softness=0.0),), **values)


def test_dense_flow_is_the_brush_shift_inside_and_zero_outside():
    spec = MotionSpec((square(0.3, 0.3, 0.7, 0.7, horizontal=5),))
    flow = dense_flow(spec, None, SIZE, 12, 25, 24)
    assert flow.shape == (100, 200, 2) and flow.dtype == np.float32
    assert np.allclose(flow[50, 100], [2.5, 0.0], atol=1e-5)    # 5% of H per s, half a second
    assert np.array_equal(flow[5, 5], [0.0, 0.0])
    zoom = dense_flow(None, CameraSpec(zoom=4, easing="linear"), SIZE, 1, 2, 24)
    assert np.abs(zoom[50, 100]).max() < 0.2 and zoom[50, 199, 0] > 15


def test_rendered_ambient_motion_matches_dense_flow(cat_wide):
    img = cat_wide
    h, w = img.shape[:2]
    spec = MotionSpec((square(-0.1, -0.1, 1.1, 1.1, ambient=10),))
    rig = MotionRig(spec, None, (w, h), 49, 24, seed=3)
    frame = rig.render(rig.prepare(img), 30)
    flow = dense_flow(spec, None, (w, h), 30, 49, 24, seed=3)
    grid = np.dstack(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)))
    predicted = cv2.remap(img, grid - flow, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    inner = (slice(8, -8), slice(8, -8))
    err_pred = np.abs(frame[inner].astype(float) - predicted[inner]).mean()
    err_still = np.abs(frame[inner].astype(float) - img[inner]).mean()
    assert np.abs(flow).max() > 2.0
    assert err_pred < 0.3 * err_still


@pytest.fixture
def cat_wide():
    from tests.motion.conftest import load
    return load("chelsea.png", 240)
