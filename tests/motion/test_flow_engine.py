"""The flow engine: brush motion lands where the units say, edges and extremes hold up, keys are exact."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from studio.errors import Cancelled, EngineError
from studio.executor import CancelToken, EvalContext
from studio.generators import get_engine
from studio.generators.request import GenerationRequest
from studio.graph.animation import Curve, Key
from studio.motion.masks import rasterize_brush
from studio.motion.spec import Brush, CameraSpec, Keyframe, KeyframeSet, MotionSpec, Shape

ENGINE = get_engine("flow")


def square(x0, y0, x1, y1, **values) -> Brush:
    shape = Shape("polygon", ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), softness=0.0)
    return Brush(shapes=(shape,), **values)


def render(image, motion=None, camera=None, frames=24, fps=24, **kw):
    req = GenerationRequest(image=image, motion=motion, camera=camera, frames=frames, fps=Fraction(fps), **kw)
    return ENGINE.generate(req, EvalContext())


def test_zero_motion_returns_the_input_exactly(cat):
    clip = render(cat, MotionSpec((square(0.2, 0.2, 0.6, 0.6),)), CameraSpec(), frames=5)
    for frame in clip.iter_frames():
        assert np.array_equal(frame, cat)


def test_frame_zero_is_the_input_exactly_even_with_motion(cat):
    clip = render(cat, MotionSpec((square(0.2, 0.2, 0.6, 0.6, horizontal=5, ambient=3),)), CameraSpec(zoom=3))
    assert np.array_equal(clip.frame(0), cat)


def test_horizontal_brush_moves_its_region_by_the_documented_distance(cat):
    # 1 unit = 1% of the frame height per second: 5 units for 1 s at 24 fps = 5% of H
    h, w = cat.shape[:2]
    clip = render(cat, MotionSpec((square(0.3, 0.3, 0.7, 0.7, horizontal=5),)), fps=24, frames=25)
    shift = 0.05 * h
    out = clip.frame(24).astype(float)
    y0, y1 = int(0.4 * h), int(0.6 * h)
    x0, x1 = int(0.4 * w), int(0.6 * w)
    best = min(range(0, 20), key=lambda s: np.abs(out[y0:y1, x0 + s:x1 + s] - cat[y0:y1, x0:x1]).mean())
    assert abs(best - shift) <= 1.0
    vertical = render(cat, MotionSpec((square(0.3, 0.3, 0.7, 0.7, vertical=5),)), fps=24, frames=25).frame(24)
    up = min(range(0, 20), key=lambda s: np.abs(vertical[y0 - s:y1 - s, x0:x1].astype(float)
                                                  - cat[y0:y1, x0:x1]).mean())
    assert abs(up - shift) <= 1.0, "positive vertical moves up"


def test_brush_touching_the_frame_edge_leaves_no_black_or_hole(cat):
    clip = render(cat, MotionSpec((square(-0.1, -0.1, 0.5, 1.1, horizontal=8),)), frames=25)
    last = clip.frame(24)
    assert last.min(axis=2).max() > 0
    left_strip = last[:, :4].astype(float)
    assert left_strip.mean() > 30, "the strip the region uncovers at the frame edge is filled"
    assert (last.sum(axis=2) == 0).mean() < 0.001


def test_very_large_motion_leaves_the_frame_without_crashing_and_fills_the_hole(cat):
    clip = render(cat, MotionSpec((square(0.3, 0.3, 0.6, 0.6, horizontal=10),)), fps=24, frames=24 * 20)
    last = clip.frame(len(clip) - 1)
    assert last.shape == cat.shape
    assert (last.sum(axis=2) == 0).mean() < 0.001, "no black holes"


def test_proximity_grows_the_region_and_draws_it_in_front(cat):
    near = square(0.35, 0.35, 0.65, 0.65, proximity=10)
    far = square(0.45, 0.45, 0.9, 0.9, horizontal=-3)
    h, w = cat.shape[:2]
    m = rasterize_brush(near, (w, h))
    clip = render(cat, MotionSpec((near, far)), frames=48)
    last = clip.frame(47)
    # the near region grew about its centre: a pixel just outside it now shows its content,
    # not the far brush sliding underneath
    cy, cx = int(0.5 * h), int(0.5 * w)
    assert m[cy, cx] == 1.0
    assert np.abs(last[cy, cx].astype(int) - cat[cy, cx].astype(int)).max() < 12


def test_ambient_motion_is_coherent_in_time_and_deterministic_per_seed(cat):
    motion = MotionSpec((square(0.1, 0.1, 0.9, 0.9, ambient=10),))
    a = render(cat, motion, frames=48, seed=3)
    b = render(cat, motion, frames=48, seed=3)
    c = render(cat, motion, frames=48, seed=4)
    assert np.array_equal(a.frame(30), b.frame(30))
    assert not np.array_equal(a.frame(30), c.frame(30))
    step = np.abs(a.frame(30).astype(float) - a.frame(31)).mean()
    drift = np.abs(a.frame(30).astype(float) - cat).mean()
    assert 0 < step < drift, "consecutive frames differ less than the frame differs from the still"


def test_camera_zoom_in_enlarges_the_centre_and_starts_at_identity(cat):
    clip = render(cat, camera=CameraSpec(zoom=10, easing="linear"), frames=10)
    assert np.array_equal(clip.frame(0), cat)
    h, w = cat.shape[:2]
    last = clip.frame(9)
    # with 50% more focal length, the centre 2/3 of the picture fills the frame
    crop = cat[int(h / 6):int(5 * h / 6), int(w / 6):int(5 * w / 6)]
    import cv2
    expected = cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR)
    assert np.abs(last[10:-10, 10:-10].astype(float) - expected[10:-10, 10:-10]).mean() < 12


def test_animated_camera_axis_follows_its_curve(cat):
    curve = Curve((Key(0, 0.0), Key(5, 10.0, "hold"), Key(9, 10.0)))
    clip = render(cat, camera=CameraSpec(zoom=curve), frames=10)
    assert np.array_equal(clip.frame(5), clip.frame(9)), "after the curve reaches 10 the camera holds"
    assert not np.array_equal(clip.frame(2), clip.frame(5))


def keys(*images_at):
    return KeyframeSet(tuple(Keyframe(f, im, hold) for f, im, hold in images_at))


def test_keyframes_are_returned_exactly_at_their_frames_and_hold(sill_frames):
    a, b, c = sill_frames[0], sill_frames[10], sill_frames[20]
    clip = ENGINE.generate(GenerationRequest(keyframes=keys((0, a, 2), (8, b, 0), (16, c, 0))), EvalContext())
    assert len(clip) == 17
    for i in (0, 1, 2):
        assert np.array_equal(clip.frame(i), a)
    assert np.array_equal(clip.frame(8), b) and np.array_equal(clip.frame(16), c)
    mid = clip.frame(5)
    assert not np.array_equal(mid, a) and not np.array_equal(mid, b)


def test_interpolation_beats_a_crossfade_on_real_footage(sill_frames):
    from studio.motion.interpolate import Interpolator, crossfade

    def psnr(x, y):
        return 10 * np.log10(255.0 ** 2 / np.mean((x.astype(float) - y) ** 2))
    ours, fade = [], []
    for i in range(0, 24, 4):
        a, mid, b = sill_frames[i], sill_frames[i + 1], sill_frames[i + 2]
        ours.append(psnr(Interpolator(a, b).frame(0.5), mid))
        fade.append(psnr(crossfade(a, b, 0.5), mid))
    assert np.mean(ours) > np.mean(fade) + 2.0


def test_a_single_keyframe_behaves_like_a_still_and_one_frame_clips_work(cat):
    one = ENGINE.generate(GenerationRequest(keyframes=keys((0, cat, 0)), frames=6), EvalContext())
    assert len(one) == 6 and np.array_equal(one.frame(5), cat)
    single = render(cat, MotionSpec((square(0.2, 0.2, 0.5, 0.5, horizontal=5),)), frames=1)
    assert len(single) == 1 and np.array_equal(single.frame(0), cat)


def test_keyframes_of_different_sizes_are_conformed_to_the_first(cat, sill_frames):
    wide = sill_frames[0]                             # 320x240
    clip = ENGINE.generate(GenerationRequest(keyframes=keys((0, wide, 0), (4, cat, 0))), EvalContext())
    assert (clip.width, clip.height) == (320, 240)
    assert clip.frame(4).shape == (240, 320, 3)


def test_output_size_override_scales_to_cover_without_stretching(cat):
    clip = render(cat, frames=2, width=100, height=100)
    assert (clip.width, clip.height) == (100, 100)


def test_engine_errors_say_what_is_missing(cat):
    with pytest.raises(EngineError, match="needs an image or at least one keyframe"):
        ENGINE.generate(GenerationRequest(), EvalContext())
    with pytest.raises(EngineError, match="frames"):
        render(cat, frames=-1)
    with pytest.raises(EngineError, match="engine 'sora'"):
        get_engine("sora")


def test_a_cancelled_context_stops_the_engine(cat):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        ENGINE.generate(GenerationRequest(image=cat, motion=MotionSpec((square(0.2, 0.2, 0.5, 0.5, horizontal=3),))),
                        EvalContext(token=token)).materialise(check_cancel=token.check)


def test_a_keyframe_clip_outlives_the_run_that_made_it(sill_frames):
    token = CancelToken()
    clip = ENGINE.generate(GenerationRequest(keyframes=keys((0, sill_frames[0], 0), (6, sill_frames[12], 0))),
                           EvalContext(token=token))
    token.cancel()            # a cached clip is read later, after its run ended or was stopped
    assert clip.frame(3).shape == sill_frames[0].shape


def test_brushed_pixels_move_as_specified_when_measured_by_an_independent_estimator():
    """Farneback (which the engine never uses), set up for accuracy, sees the documented motion."""
    import cv2

    from benchmarks.bench_flow import estimate_flow
    from studio.motion.fields import dense_flow
    from tests.motion.conftest import load
    img = load("coffee.png", 360)
    h, w = img.shape[:2]
    brush = Brush(shapes=(Shape("polygon", ((0.3, 0.3), (0.6, 0.3), (0.6, 0.65), (0.3, 0.65)), softness=0.3),),
                  horizontal=4.0, vertical=-2.0)
    spec = MotionSpec((brush,))
    clip = render(img, spec, frames=24)
    grey = [cv2.cvtColor(clip.frame(i), cv2.COLOR_RGB2GRAY) for i in (0, 12)]
    epe = np.hypot(*(estimate_flow(*grey) - dense_flow(spec, None, (w, h), 12, 24, 24)).transpose(2, 0, 1))
    mask = rasterize_brush(brush, (w, h))
    k = int(0.04 * h)
    kernel = np.ones((2 * k + 1, 2 * k + 1), np.uint8)
    inside = cv2.erode((mask > 0.999).astype(np.uint8), kernel) > 0
    static = cv2.dilate((mask > 1e-3).astype(np.uint8), np.ones((4 * k + 1, 8 * k + 1), np.uint8)) == 0
    static[:k], static[-k:], static[:, :k], static[:, -k:] = False, False, False, False
    assert inside.sum() > 1000 and static.sum() > 10000
    assert epe[inside].mean() < 0.5
    assert epe[static].mean() < 0.2
