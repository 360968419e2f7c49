"""Rolling-shutter-aware in-betweens: the shear of the flow down the rows, the readout
calibration from a chain of pictures, and its use in Interpolator, Retime and the engine."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from studio.errors import MediaError
from studio.executor import EvalContext
from studio.generators import get_engine
from studio.generators.request import GenerationRequest
from studio.graph import default_registry
from studio.media.clip import Clip
from studio.motion.interpolate import Interpolator, Path, Readout, calibrate_readout, pair_flow, shutter_shear
from studio.motion.retime import retime
from studio.motion.spec import Keyframe, KeyframeSet

from tests.motion.conftest import load

W, H = 240, 180


def _trajectory(t):
    """A hand-held camera's image position (pixels) at time ``t`` (frames): drifting and swaying."""
    return (1.5 * t + 2.5 * np.sin(0.5 * t) + 1.2 * np.sin(0.9 * t + 0.5),
            2.0 * np.sin(0.6 * t + 1.0) + 1.0 * np.sin(1.0 * t))


def footage(n: int, readout: float) -> list[np.ndarray]:
    """``n`` frames of a real photo filmed along :func:`_trajectory`; row ``y`` of frame ``k`` is
    read at time ``k + readout * y / H`` (``readout`` 0: a global shutter)."""
    src = load("kodim03.png", 400)
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    out = []
    for k in range(n):
        px, py = _trajectory(k + readout * ys / H)
        out.append(cv2.remap(src, xs + 60 - px.astype(np.float32), ys + 40 - py.astype(np.float32),
                             cv2.INTER_CUBIC))
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255.0 ** 2 / np.mean((a.astype(np.float64) - b) ** 2)))


def rebuilt(frames: list[np.ndarray], readout: Readout) -> float:
    """Mean PSNR of every other frame rebuilt from the kept ones (the chain's neighbours too)."""
    keys = frames[0::2]
    scores = []
    for j in range(len(keys) - 1):
        it = Interpolator(keys[j], keys[j + 1], before=keys[j - 1] if j else None,
                          after=keys[j + 2] if j + 2 < len(keys) else None, readout=readout.fraction(1))
        scores.append(psnr(it.frame(0.5), frames[2 * j + 1]))
    return float(np.mean(scores))


@pytest.fixture(scope="module")
def rolling():
    return footage(21, 0.8)


def test_the_shear_reads_the_shutter_and_ignores_rotation_and_zoom():
    ys, xs = np.mgrid[0:45, 0:60].astype(np.float32)
    xs, ys = xs * 4 + 2 - W / 2, ys * 4 + 2 - H / 2          # flow pixels -> centred output pixels
    # the camera turned 0.01 rad, zoomed 2% and panned: no shutter signal
    turn = np.dstack([3 - 0.01 * ys + 0.02 * xs, 1 + 0.01 * xs + 0.02 * ys]).astype(np.float32)
    assert np.abs(shutter_shear(turn, -turn, None, None, (W, H))).max() < 1e-5
    # velocity changed over the pair: the flow varies down the rows (forward +, backward -)
    shear = np.dstack([5 + 0.01 * ys, -2 - 0.03 * ys]).astype(np.float32)
    back = np.dstack([-5 - 0.01 * ys, 2 + 0.03 * ys]).astype(np.float32)
    assert np.allclose(shutter_shear(shear, back, None, None, (W, H)), [0.01, -0.03], atol=1e-5)


def test_the_acceleration_bends_the_path_between_the_keys_only(rolling):
    flow = pair_flow(rolling[0], rolling[2], readout=0.4)
    path = flow.path0
    assert np.allclose(path.offset(0.0), 0, atol=1e-6) and np.allclose(path.offset(1.0), 0, atol=1e-6)
    # no neighbours: the whole bend is the uniform acceleration, (a / 2)(t^2 - t)
    assert np.allclose(path.offset(0.5), -path.accel / 8, atol=1e-5)
    assert np.abs(path.accel).max() > 0.5                     # this camera did change speed
    assert pair_flow(rolling[0], rolling[2]).path0.offset(0.5) is None
    with pytest.raises(ValueError, match="readout"):
        pair_flow(rolling[0], rolling[2], readout=0.0)


def test_calibration_finds_a_rolling_shutter_and_its_in_betweens_land_where_the_camera_was(rolling):
    keys = rolling[0::2]
    found = calibrate_readout(keys)
    # the sensor read for 0.8 frame = 0.4 key interval
    assert found.time is not None and 0.2 < found.time < 0.6, found
    assert found.samples == len(keys) - 2 and found.t_stat >= 3
    without = rebuilt(rolling, Readout(None))
    assert rebuilt(rolling, found) > without + 1.0


def test_a_global_shutter_is_not_mistaken_for_one():
    frames = footage(21, 0.0)
    found = calibrate_readout(frames[0::2])
    assert found.time is None and found.samples == 9
    # too few pictures to tell: no readout
    assert calibrate_readout(frames[:4]).time is None
    with pytest.raises(ValueError, match="times must increase"):
        calibrate_readout(frames[:5], times=[0, 1, 1, 2, 3])
    with pytest.raises(ValueError, match="picture 2"):
        calibrate_readout(frames[:2] + [frames[2][:100]] + frames[3:6])


def test_retime_uses_the_rolling_shutter_and_names_bad_settings(rolling):
    clip = Clip(np.stack(rolling[:8]), 30)
    auto, off = retime(clip, 0.5), retime(clip, 0.5, rolling_shutter="off")
    assert auto._frames.readout.time is not None and off._frames.readout.time is None
    assert not np.array_equal(auto.frame(3), off.frame(3))
    manual = retime(clip, 0.5, rolling_shutter="manual", readout=0.8)
    assert manual._frames.readout.time == 0.8
    assert np.array_equal(manual.frame(4), clip.frame(2))        # whole frames stay exact
    with pytest.raises(MediaError, match="rolling_shutter"):
        retime(clip, 0.5, rolling_shutter="sometimes")
    with pytest.raises(MediaError, match="readout"):
        retime(clip, 0.5, rolling_shutter="manual", readout=1.5)
    node = default_registry()._types["Retime"]
    out = node.evaluate(EvalContext(), clip=clip, speed=0.5, fps="source", rolling_shutter="off", readout=0.5)
    assert np.array_equal(out["clip"].frame(3), off.frame(3))


def test_a_keyframe_chain_of_footage_is_checked_for_a_rolling_shutter(rolling):
    keys = KeyframeSet(tuple(Keyframe(f, rolling[f]) for f in range(0, 21, 2)))
    said = []
    clip = get_engine("flow").generate(GenerationRequest(keyframes=keys, fps=30),
                                       EvalContext(report=lambda f, m: said.append(m)))
    assert "rolling shutter" in said
    ours = np.mean([psnr(clip.frame(f), rolling[f]) for f in range(1, 21, 2)])
    assert ours > rebuilt(rolling, Readout(None)) + 1.0
