"""Bounded work and memory: hostile brushes are refused or cut into checked steps, big renders
are made in bands of rows (or refused up front with the estimate and the limit), and long
keyframe chains keep only what they use.

Memory is measured with tracemalloc (numpy and OpenCV results are numpy arrays, so it sees
them) at small sizes with small bands, never by rendering 8K here.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from fractions import Fraction

import cv2
import numpy as np
import pytest

from studio.errors import Cancelled, EngineError
from studio.executor.memory import DEFAULT_LIMIT, ENV, format_bytes, memory_limit, parse_size
from studio.generators import flow_engine
from studio.generators.flow_engine import FlowEngine, estimate_bytes, materialise_ok
from studio.generators.request import GenerationRequest
from studio.motion import flowmath, masks
from studio.motion.fill import fill_background
from studio.motion.interpolate import Interpolator, conform
from studio.motion.masks import rasterize_brush, rasterize_shape
from studio.motion.spec import (MAX_SHAPE_POINTS, MAX_SHAPES, MAX_TRAJECTORY_POINTS, Brush, CameraSpec, Keyframe,
                                KeyframeSet, Shape, brushes_from_json, check_brushes)
from studio.motion.warp import MotionRig
from tests.conftest import ROOT, SAMPLES


def photo(name: str, size: tuple[int, int] | None = None) -> np.ndarray:
    img = cv2.cvtColor(cv2.imread(str(SAMPLES / name)), cv2.COLOR_BGR2RGB)
    return img if size is None else conform(img, size)


def example_brushes() -> list:
    doc = json.loads((ROOT / "examples" / "animate_still.cgraph").read_text("utf-8"))
    return next(n["params"]["brushes"] for n in doc["nodes"] if n["type"] == "MotionBrush")


def traced_peak(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- the spec refuses what cannot be rasterised quickly ------------------------------------
def test_a_brush_of_200000_points_is_refused_quickly_with_its_path():
    pts = np.random.default_rng(0).uniform(0, 1, (200_000, 2)).round(4).tolist()
    t0 = time.perf_counter()
    problems = check_brushes([{"shapes": [{"kind": "polygon", "points": pts}]}])
    assert time.perf_counter() - t0 < 0.5
    assert problems == [("[0].shapes[0].points", f"200000 points; at most {MAX_SHAPE_POINTS}")]


def test_trajectories_and_shape_counts_are_bounded_too():
    dot = {"kind": "stroke", "points": [[0.5, 0.5]]}
    traj = [[0.1 + i * 1e-5, 0.5] for i in range(MAX_TRAJECTORY_POINTS + 1)]
    problems = dict(check_brushes([{"shapes": [dot] * (MAX_SHAPES + 1)}, {"shapes": [dot], "trajectory": traj}]))
    assert problems == {"[0].shapes": f"{MAX_SHAPES + 1} shapes; at most {MAX_SHAPES}",
                        "[1].trajectory": f"{MAX_TRAJECTORY_POINTS + 1} points; at most {MAX_TRAJECTORY_POINTS}"}
    assert check_brushes([{"shapes": [dot] * MAX_SHAPES, "trajectory": traj[:MAX_TRAJECTORY_POINTS]}]) == []


def test_a_long_value_in_a_brush_is_shortened_in_the_message():
    problems = check_brushes([{"name": 7, "easing": "x" * 100_000, "shapes": []}])
    assert all(len(msg) < 200 for _, msg in problems)
    assert any("100000 characters" in msg for _, msg in problems)


# -- rasterising: checked steps, the same values ---------------------------------------------
def test_a_tangled_polygon_is_filled_in_checked_bands_and_stops_on_cancel(monkeypatch):
    rng = np.random.default_rng(1)
    tangle = Shape("polygon", tuple(map(tuple, rng.uniform(-0.05, 1.05, (3000, 2)))), radius=0.01, softness=0.5)
    calls = []
    rasterize_shape(tangle, (1100, 620), check=lambda: calls.append(1))
    assert len(calls) >= 4, "a tangle of thousands of edges must not be one unchecked fill"

    def stop():
        raise Cancelled("stop")
    with pytest.raises(Cancelled):
        rasterize_shape(tangle, (1100, 620), check=stop)
    # filled in bands, a smaller tangle is the same shape but along its edges
    shape = Shape("polygon", tuple(map(tuple, rng.uniform(0.1, 0.9, (300, 2)))), radius=0.01, softness=0.5)
    whole, _ = rasterize_shape(shape, (1100, 620))
    monkeypatch.setattr(masks, "FILL_WORK", 2_000)                 # about 25 rows a band
    calls.clear()
    banded, _ = rasterize_shape(shape, (1100, 620), check=lambda: calls.append(1))
    assert len(calls) > 10 and np.mean(np.abs(banded - whole) > 0.5) < 0.03
    assert abs(float(banded.mean()) - float(whole.mean())) < 0.01


def test_distances_measured_in_bands_are_those_of_the_whole(monkeypatch):
    brush = Brush(shapes=(Shape("stroke", ((0.1, 0.2), (0.5, 0.9), (0.9, 0.3)), radius=0.08, softness=0.7),
                          Shape("polygon", ((0.2, 0.1), (0.8, 0.2), (0.6, 0.7)), radius=0.1, softness=0.8),
                          Shape("stroke", ((0.5, 0.5),), radius=0.05, softness=0.3, erase=True)))
    whole = rasterize_brush(brush, (400, 300))
    monkeypatch.setattr(masks, "BAND_PIXELS", 400 * 24)
    calls = []
    banded = rasterize_brush(brush, (400, 300), check=lambda: calls.append(1))
    # exact distances either way; the transform's float rounding can differ in the last bits
    assert len(calls) > 6 and np.allclose(banded, whole, rtol=0, atol=1e-6)


def test_a_brush_far_bigger_than_the_frame_is_measured_on_a_bounded_grid(monkeypatch):
    """Radius 1 reaches a frame height past every edge: the box is nine frames big."""
    shape = Shape("stroke", ((0.2, 0.3), (0.8, 0.6)), radius=1.0, softness=1.0)
    exact, _ = rasterize_shape(shape, (160, 90))
    monkeypatch.setattr(masks, "FINE_MAX", 20_000)
    monkeypatch.setattr(masks, "TILE_MAX", 16_000)
    monkeypatch.setattr(masks, "BAND_PIXELS", 8_000)
    (coarse, box), peak = traced_peak(lambda: rasterize_shape(shape, (160, 90)))
    assert box == (0, 0, 160, 90) and coarse.shape == exact.shape
    assert np.abs(coarse - exact).max() < 0.02           # a wide soft edge interpolates well
    assert peak < 400_000, f"{peak} bytes: the grid was not bounded"


# -- frames in bands of rows -----------------------------------------------------------------
def still_rig(size, **kw) -> tuple[MotionRig, object]:
    rig = MotionRig(brushes_from_json(example_brushes()), CameraSpec(zoom=3, pan=1), size, 24, 24, seed=7, **kw)
    return rig, rig.prepare(photo("kodim03.png", size))


def test_an_animated_still_made_in_bands_matches_the_whole_frame_and_holds_a_band_of_temporaries(monkeypatch):
    size = (1600, 900)
    rig, prepared = still_rig(size)
    whole = [rig.render(prepared, t) for t in (0, 7, 23)]
    _, whole_peak = traced_peak(lambda: rig.render(prepared, 9))
    monkeypatch.setattr(flowmath, "BAND_PIXELS", 1600 * 16)
    rig, prepared = still_rig(size)
    banded = [rig.render(prepared, t) for t in (0, 7, 23)]
    assert np.array_equal(banded[0], whole[0])
    assert all(np.abs(a.astype(int) - b).max() <= 1 for a, b in zip(banded, whole))
    frame = 1600 * 900 * 3
    _, peak = traced_peak(lambda: rig.render(prepared, 9))
    assert peak < 3 * frame < whole_peak                 # the frame, a band, the ambient grid
    blurred, prepared = still_rig(size, shutter_angle=180)
    _, peak = traced_peak(lambda: blurred.render(prepared, 9))
    assert peak < 4 * frame, "motion blur must not hold a float frame"


def test_keyframe_in_betweens_made_in_bands_match_the_whole_frame(monkeypatch):
    size = (1600, 1200)                              # the flows are at 768 x 576
    keys = [photo(f"sill_{c}.png", size) for c in "abc"]
    pair = Interpolator(keys[0], keys[1], after=keys[2])
    pair.flow                                        # the one-time flows, outside the measure
    whole, whole_peak = traced_peak(lambda: pair.frame(0.4))
    monkeypatch.setattr(flowmath, "BAND_PIXELS", 1600 * 50)
    pair = Interpolator(keys[0], keys[1], after=keys[2])
    pair.flow
    banded, peak = traced_peak(lambda: pair.frame(0.4))
    assert np.abs(banded.astype(int) - whole).max() <= 1 and np.mean(banded != whole) < 1e-3
    # the frame, the paths' fields at the flow resolution, one band of maps and samples
    assert peak < 5 * banded.nbytes < whole_peak / 2


def test_object_masks_of_large_frames_are_kept_as_crops_that_sample_the_same(monkeypatch):
    from studio.motion import objects
    monkeypatch.setattr(objects, "WHOLE_MASK_PIXELS", 0)
    rng = np.random.default_rng(2)
    for edge in (False, True):
        mask = np.zeros((300, 400), np.uint8)
        x0, y0 = (0, 0) if edge else (150, 100)
        mask[y0:y0 + 40, x0:x0 + 60] = rng.integers(1, 256, (40, 60))
        crop = objects.MaskCrop.of(mask)
        assert crop.nbytes < mask.nbytes // 40 and np.array_equal(crop.full(), mask)
        maps = rng.uniform(-30, 430, (300, 400, 2)).astype(np.float32)
        maps[::3] = (maps[::3] * 0.2 + [x0, y0]).astype(np.float32)        # many samples on the object
        expected = cv2.remap(mask, maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        assert np.array_equal(crop.remap(maps), expected)


def test_the_fill_of_a_large_hole_is_pasted_in_bands(monkeypatch):
    img = photo("coffee.png", (600, 400))
    hole = np.zeros((400, 600), bool)
    cv2.circle(hole.view(np.uint8), (300, 200), 150, 1, -1)
    whole = fill_background(img, hole)
    monkeypatch.setattr(flowmath, "BAND_PIXELS", 600 * 20)
    calls = []
    banded = fill_background(img, hole, check=lambda: calls.append(1))
    assert len(calls) > 10 and np.abs(banded.astype(int) - whole).max() <= 1
    assert np.array_equal(banded[~hole], img[~hole])


def test_the_fill_of_a_huge_hole_is_reduced_in_checked_bands(monkeypatch):
    from studio.motion import fill
    img = photo("coffee.png", (1600, 1000))
    hole = np.zeros((1000, 1600), bool)
    cv2.circle(hole.view(np.uint8), (800, 500), 420, 1, -1)
    whole = fill_background(img, hole)
    monkeypatch.setattr(fill, "AREA_PIXELS", 10_000)
    monkeypatch.setattr(flowmath, "BAND_PIXELS", 1600 * 40)
    calls = []
    banded = fill_background(img, hole, check=lambda: calls.append(1))
    assert len(calls) > 20 and np.array_equal(banded[~hole], img[~hole])
    # a membrane from slightly different averages: as smooth, and close to the one-step fill
    assert np.abs(banded[hole].astype(float) - whole[hole]).mean() < 0.5


# -- the memory budget -----------------------------------------------------------------------
def test_the_memory_limit_reads_sizes_and_says_what_is_wrong(monkeypatch):
    assert parse_size("2G") == 2 << 30 and parse_size("1500M") == 1500 << 20 and parse_size("4096") == 4096
    assert parse_size("2GB") == parse_size("2gib") == 2 << 30 and parse_size("off") is None
    monkeypatch.delenv(ENV, raising=False)
    assert memory_limit() == DEFAULT_LIMIT == 2 << 30
    monkeypatch.setenv(ENV, "lots")
    with pytest.raises(EngineError, match=f"{ENV}: expected a size such as 2G"):
        memory_limit()
    assert format_bytes(1.5 * (1 << 30)) == "1.5 GB" and format_bytes(300 << 20) == "300 MB"


def still_request(**kw) -> GenerationRequest:
    return GenerationRequest(image=photo("kodim03.png"), motion=brushes_from_json(example_brushes()),
                             camera=CameraSpec(zoom=3.0, pan=1.0), frames=12, fps=Fraction(24), seed=7, **kw)


def test_8k_renders_fit_the_default_budget_and_bigger_ones_do_not():
    keys = KeyframeSet(tuple(Keyframe(f, photo(f"sill_{c}.png")) for c, f in (("a", 0), ("b", 5), ("c", 11))))
    key_request = GenerationRequest(keyframes=keys, frames=12, fps=Fraction(24))
    for size in ((8192, 4320), (8192, 8192)):
        assert estimate_bytes(still_request(), size, 12) < DEFAULT_LIMIT
        assert estimate_bytes(key_request, size, 12) < DEFAULT_LIMIT
    # height 8192 of a 3:2 photo is 12288 wide: over the budget
    assert estimate_bytes(still_request(), (12288, 8192), 12) > DEFAULT_LIMIT
    # the estimate grows with the frame, and 1080p is far below the budget
    assert estimate_bytes(still_request(), (1920, 1080), 12) < estimate_bytes(still_request(), (3840, 2160), 12)
    assert estimate_bytes(still_request(), (1920, 1080), 12) < DEFAULT_LIMIT // 3


def test_a_render_over_the_budget_is_refused_up_front_with_the_estimate_and_the_limit(monkeypatch):
    monkeypatch.setenv(ENV, "800M")
    request = still_request(width=8192, height=4320)
    t0 = time.perf_counter()
    with pytest.raises(EngineError) as err:
        traced_peak(lambda: FlowEngine().generate(request))
    assert time.perf_counter() - t0 < 2.0
    msg = str(err.value)
    assert msg.startswith("width x height 8192x4320: this render needs about ") and "800 MB limit" in msg
    assert ENV in msg
    # nothing big was allocated before the refusal
    _, peak = traced_peak(lambda: pytest.raises(EngineError, FlowEngine().generate, request))
    assert peak < 20 << 20
    monkeypatch.setenv(ENV, "off")
    assert estimate_bytes(request, (8192, 4320), 12) > 800 << 20


def test_whole_clips_are_held_in_memory_only_while_they_fit(monkeypatch):
    monkeypatch.setenv(ENV, "2G")
    assert materialise_ok(500 << 20, 300 << 20)
    assert not materialise_ok(1200 << 20, 100 << 20)           # over MATERIALISE_BYTES
    assert not materialise_ok(900 << 20, 800 << 20)            # over three quarters of the budget
    monkeypatch.setenv(ENV, "off")
    assert materialise_ok(900 << 20, 8 << 30)


def test_a_long_keyframe_chain_keeps_only_the_flows_and_states_it_uses(monkeypatch):
    size = (160, 120)
    imgs = [photo(n, size) for n in ("sill_a.png", "sill_b.png", "sill_c.png", "coffee.png", "chelsea.png")]
    keys = KeyframeSet(tuple(Keyframe(4 * i, im) for i, im in enumerate(imgs)))
    request = GenerationRequest(keyframes=keys, frames=17, fps=Fraction(24))
    reference = FlowEngine().generate(request)
    expected = [reference.frame(i) for i in range(17)]
    monkeypatch.setattr(flow_engine, "FLOWS_BYTES", 1)
    monkeypatch.setattr(flow_engine, "STATE_BYTES", 1)
    monkeypatch.setattr(flow_engine, "KEYS_BYTES", 1)
    clip = FlowEngine().generate(request)
    render = clip._frames._fn
    assert sum(f is not None for f in render.flows) == 1, "a long chain computed every flow up front"
    for i in (range(17)):
        assert np.array_equal(clip.frame(i), expected[i]), f"frame {i}"
        assert sum(f is not None for f in render.flows) <= 1 and len(render._states) <= 1
        assert len(render.images._kept) <= 1
