"""Keyframe in-betweens: curved paths through the chain's neighbouring keys, and their guards."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from studio.generators.flow_engine import chain_neighbours
from studio.motion.interpolate import Interpolator, pair_flow
from tests.motion.conftest import load


def shifted(img: np.ndarray, dx: float) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.warpAffine(img, np.float32([[1, 0, dx], [0, 1, 0]]), (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT_101)


def psnr(x: np.ndarray, y: np.ndarray) -> float:
    return 10 * np.log10(255.0 ** 2 / max(np.mean((x.astype(float) - y) ** 2), 1e-6))


@pytest.fixture
def accelerating():
    """A photo panning with acceleration: x(t) = 5.5 t + 4 t^2 at key times -1, 0, 1, 2 and truth at 0.5."""
    img = load("kodim03.png", 240)
    x = {t: 5.5 * t + 4 * t * t for t in (-1.0, 0.0, 0.5, 1.0, 2.0)}
    return {t: shifted(img, dx) for t, dx in x.items()}


def test_neighbouring_keys_bend_the_path_to_where_accelerating_motion_really_is(accelerating):
    f = accelerating
    inner = np.s_[20:-20, 40:-40]    # away from the mirrored border
    straight = Interpolator(f[0.0], f[1.0]).frame(0.5)
    curved = Interpolator(f[0.0], f[1.0], before=f[-1.0], after=f[2.0]).frame(0.5)
    one_side = Interpolator(f[0.0], f[1.0], after=f[2.0]).frame(0.5)
    truth = f[0.5][inner]
    # the chord puts the picture 1 px off (4.75 instead of 3.75); the curve through the keys does not
    assert psnr(curved[inner], truth) > psnr(straight[inner], truth) + 3.0
    assert psnr(one_side[inner], truth) > psnr(straight[inner], truth) + 3.0


def test_an_unrelated_neighbour_key_leaves_the_straight_path_alone(accelerating):
    f = accelerating
    other = load("coffee.png", 240)
    other = cv2.resize(other, f[0.0].shape[1::-1])
    straight = Interpolator(f[0.0], f[1.0]).frame(0.5)
    guarded = Interpolator(f[0.0], f[1.0], before=other, after=other[::-1].copy()).frame(0.5)
    assert np.abs(guarded.astype(int) - straight).mean() < 1.0


def test_one_trusted_neighbour_still_bends_the_path_when_the_other_is_unrelated(accelerating):
    """Where one neighbour's flow fails (here: a key of other content after the pair), the path is
    the quadratic through the neighbour that is trusted, not the straight chord."""
    f = accelerating
    inner = np.s_[20:-20, 40:-40]
    other = cv2.resize(load("coffee.png", 240), f[0.0].shape[1::-1])
    truth = f[0.5][inner]
    straight = psnr(Interpolator(f[0.0], f[1.0]).frame(0.5)[inner], truth)
    one_side = psnr(Interpolator(f[0.0], f[1.0], before=f[-1.0]).frame(0.5)[inner], truth)
    mixed = psnr(Interpolator(f[0.0], f[1.0], before=f[-1.0], after=other).frame(0.5)[inner], truth)
    assert mixed > straight + 3.0
    assert mixed > one_side - 2.0                  # (the chord alone: 17 dB lower)


def test_paths_start_at_the_key_and_pass_through_the_other_key_and_the_neighbours(accelerating):
    """The gathered polynomial is exact at the node times: zero at the key's own time, the pair's
    flow at the other key and the neighbour flow where the neighbour is trusted."""
    f = accelerating
    flow = pair_flow(f[0.0], f[1.0], before=f[-1.0], after=f[2.0])
    p0, p1 = flow.path0, flow.path1
    assert len(p0.coeffs) == 3                     # a cubic with two neighbours
    at = lambda path, t: sum(c * field for c, field in path.terms(t))
    assert all(c == 0.0 for c, _ in p0.terms(0.0)) and all(c == 0.0 for c, _ in p1.terms(1.0))
    inner = np.s_[10:-10, 20:-20]
    np.testing.assert_allclose(at(p0, 1.0)[inner], flow.f01[inner], atol=1e-3)
    np.testing.assert_allclose(at(p1, 0.0)[inner], flow.f10[inner], atol=1e-3)
    # the shifts are pure translations: every path reaches the known positions of the keys
    x = {t: 5.5 * t + 4 * t * t for t in (-1.0, 0.0, 1.0, 2.0)}
    assert abs(float(np.median(at(p0, -1.0)[inner][..., 0])) - (x[-1.0] - x[0.0])) < 0.3
    assert abs(float(np.median(at(p0, 2.0)[inner][..., 0])) - (x[2.0] - x[0.0])) < 0.3
    assert abs(float(np.median(at(p1, 2.0)[inner][..., 0])) - (x[2.0] - x[1.0])) < 0.3


def test_neighbour_keys_must_match_the_pair_and_sit_outside_it(accelerating):
    f = accelerating
    with pytest.raises(ValueError, match="before key"):
        pair_flow(f[0.0], f[1.0], before=f[-1.0][:50])
    with pytest.raises(ValueError, match="after key"):
        pair_flow(f[0.0], f[1.0], after=f[2.0], after_at=0.5)


def test_the_chain_reaches_neighbours_at_their_key_times_but_not_across_a_hold():
    imgs = [np.full((4, 4, 3), i, np.uint8) for i in range(4)]
    keys = [(0, 0), (10, 0), (20, 0), (40, 0)]
    n = chain_neighbours(imgs, keys, 1)
    assert n["before"] is imgs[0] and n["after"] is imgs[3]
    assert n["before_at"] == pytest.approx(-1.0) and n["after_at"] == pytest.approx(3.0)
    assert chain_neighbours(imgs, keys, 0).keys() == {"after", "after_at"}
    assert chain_neighbours(imgs, keys, 2).keys() == {"before", "before_at"}
    held = [(0, 0), (10, 5), (20, 0), (40, 0)]       # key 1 holds: the motion pauses there
    assert "before" not in chain_neighbours(imgs, held, 1)
    assert "after" not in chain_neighbours(imgs, held, 0)
    n = chain_neighbours(imgs, held, 1)               # the pair runs from frame 15 to 20
    assert n["after_at"] == pytest.approx(5.0)


def test_a_chain_shares_flows_between_neighbouring_pairs(monkeypatch, accelerating):
    import studio.motion.interpolate as interp
    real = interp._dis
    runs = []

    class Counting:
        def __init__(self):
            self.dis = real()

        def calc(self, a, b, flow):
            runs.append(1)
            return self.dis.calc(a, b, flow)

    monkeypatch.setattr(interp, "_dis", lambda finest=True: Counting())
    f = accelerating
    keys = [f[-1.0], f[0.0], f[1.0], f[2.0]]
    cache = interp.FlowCache()
    shared = [Interpolator(keys[i], keys[i + 1], before=keys[i - 1] if i else None,
                           after=keys[i + 2] if i + 2 < len(keys) else None, cache=cache, ids=(i - 1, i, i + 1, i + 2))
              for i in range(3)]
    frames = [p.frame(0.4) for p in shared]
    assert len(runs) == 6                       # two DIS per pair, not 2 + 1 + 1 per pair (10)
    runs.clear()
    alone = Interpolator(keys[1], keys[2], before=keys[0], after=keys[3])
    assert np.array_equal(alone.frame(0.4), frames[1]) and len(runs) == 4


@pytest.mark.parametrize("size", [(1, 1), (4, 4), (1, 40), (40, 1)])
def test_keys_smaller_than_the_flow_estimator_needs_still_interpolate(size):
    h, w = size
    img = load("kodim03.png", 240)
    keys = [np.ascontiguousarray(img[k * 20:k * 20 + h, k * 20:k * 20 + w]) for k in range(4)]
    out = Interpolator(keys[1], keys[2], before=keys[0], after=keys[3]).frame(0.5)
    assert out.shape == (h, w, 3) and out.dtype == np.uint8
    lo, hi = np.minimum(keys[1], keys[2]).astype(int) - 40, np.maximum(keys[1], keys[2]).astype(int) + 40
    assert np.all((out >= lo) & (out <= hi))       # made of the keys' colours, not garbage
