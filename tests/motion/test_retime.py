from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from studio.errors import MediaError
from studio.executor import CancelToken, EvalContext
from studio.graph import default_registry
from studio.graph.animation import Curve, Key
from studio.media.clip import AudioRef, Clip
from studio.motion.retime import positions, retime


@pytest.fixture
def sill_clip(sill_frames) -> Clip:
    return Clip(np.stack(sill_frames[:8]), 24, start_frame=48, audio=AudioRef("x.wav"), name="sill")


def test_24_to_60_has_the_documented_count_and_exact_source_frames(sill_clip):
    out = retime(sill_clip, 1.0, "60")
    n = len(sill_clip)
    assert out.fps == 60
    # p(k) = k * 24/60 <= n - 1
    assert len(out) == int((n - 1) * 60 / 24) + 1
    for k in range(0, len(out), 5):      # every 5th output frame is at an integer position
        assert np.array_equal(out.frame(k), sill_clip.frame(k * 2 // 5))
    assert out.start_frame == 120          # 2 s at 24 fps is 2 s at 60 fps
    assert out.audio == sill_clip.audio   # pure rate conversion keeps the sound


def test_half_speed_doubles_the_frames_with_real_in_betweens(sill_clip):
    out = retime(sill_clip, 0.5)
    n = len(sill_clip)
    assert len(out) == 2 * (n - 1) + 1
    assert out.fps == sill_clip.fps and out.audio is None
    for k in range(0, len(out), 2):
        assert np.array_equal(out.frame(k), sill_clip.frame(k // 2))
    for k in (1, 5, 9):
        mid = out.frame(k).astype(np.float32)
        a, b = sill_clip.frame(k // 2).astype(np.float32), sill_clip.frame(k // 2 + 1).astype(np.float32)
        assert np.abs(mid - a).mean() > 0.1 and np.abs(mid - b).mean() > 0.1
        # closer to the true motion than either neighbour is to the other
        assert np.abs(mid - (a + b) / 2).mean() < np.abs(a - b).mean()


def test_a_speed_ramp_changes_the_spacing():
    ramp = Curve((Key(0, 1.0), Key(10, 0.25)))
    p = positions(20, ramp, Fraction(24), Fraction(24))
    steps = np.diff(p)
    assert steps[0] == pytest.approx(1.0)
    assert steps[-1] == pytest.approx(0.25)
    assert np.all(np.diff(steps) <= 1e-12)          # slows down monotonically
    assert p[-1] <= 19 and p[-1] + 0.25 > 19 - 1e-9
    assert len(p) > 20
    const = positions(20, 1.0, Fraction(24), Fraction(24))
    assert len(const) == 20 and np.array_equal(const, np.arange(20.0))


def test_fast_speed_skips_frames_and_ramps_stream(sill_clip):
    out = retime(sill_clip, 2.0)
    assert len(out) == 4
    for k in range(4):
        assert np.array_equal(out.frame(k), sill_clip.frame(2 * k))
    ramp = retime(sill_clip, Curve((Key(0, 0.5), Key(6, 1.0))))
    assert ramp.is_streaming and ramp.audio is None
    assert ramp.frame(len(ramp) - 1).shape == sill_clip.frame(0).shape


def test_errors_name_the_problem(sill_clip):
    with pytest.raises(MediaError, match="speed must be between"):
        retime(sill_clip, 0.0)
    with pytest.raises(MediaError, match="speed must be between"):
        retime(sill_clip, Curve((Key(0, 1.0), Key(5, 20.0))))
    with pytest.raises(Exception, match="rate"):
        retime(sill_clip, 1.0, "not-a-rate")
    out = retime(sill_clip, 0.5)
    with pytest.raises(IndexError, match="outside"):
        out.frame(len(out))


def test_the_node_retimes_and_its_clip_outlives_the_run_that_made_it(sill_clip):
    node = default_registry()._types["Retime"]
    assert node.category == "Time"
    clip = node.evaluate(EvalContext(), clip=sill_clip, speed=1.0, fps="60")["clip"]
    assert clip.fps == 60
    token = CancelToken()
    slow = node.evaluate(EvalContext(token=token), clip=sill_clip, speed=0.5, fps="source")["clip"]
    token.cancel()            # the run that made the (cached, streaming) clip is over or stopped
    assert np.array_equal(slow.frame(0), sill_clip.frame(0))      # whole frames need no flow
    between = slow.frame(1)   # a later viewer or writer can still pull in-between frames
    assert not np.array_equal(between, sill_clip.frame(0)) and not np.array_equal(between, sill_clip.frame(1))


def test_one_frame_clips_and_alpha(cat):
    one = retime(Clip(cat[None].copy(), 24), 0.5, "60")
    assert len(one) == 1 and np.array_equal(one.frame(0), cat)
    alpha = np.stack([np.zeros(cat.shape[:2], np.uint8), np.full(cat.shape[:2], 200, np.uint8)])
    two = retime(Clip(np.stack([cat, cat]), 24, alpha=alpha), 0.5)
    assert len(two) == 3 and int(two.alpha_frame(1)[0, 0]) == 100
