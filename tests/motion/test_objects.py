"""Object layers: a small fast object that DIS loses is found against the chain and moved as a layer."""

from __future__ import annotations

import numpy as np
import pytest

from studio.motion.interpolate import Interpolator
from tests.motion.conftest import disc_scene, load
from tests.motion.test_interpolate import psnr, shifted


def _pair(scene, **kw):
    f = scene["frames"]
    return Interpolator(f[0.0], f[1.0], before=f[-1.0], after=f[2.0], **kw)


def _disc_error(frame, truth, centre, r):
    """Mean absolute error over the disc's true place (where a ghost or a hole would show)."""
    yy, xx = np.mgrid[0:frame.shape[0], 0:frame.shape[1]]
    inside = np.hypot(xx + 0.5 - centre[0], yy + 0.5 - centre[1]) < r
    return float(np.abs(frame.astype(float) - truth)[inside].mean())


@pytest.mark.parametrize("pan", [(0.0, 0.0), (4.0, 1.5)], ids=["locked-off", "panning"])
def test_a_small_fast_object_the_flow_loses_moves_as_a_layer(pan):
    scene = disc_scene(pan)
    f, c, r = scene["frames"], scene["centres"], scene["radius"]
    ours, plain = _pair(scene), _pair(scene, objects=False)
    layers = ours.flow.objects
    assert layers is not None and len(layers.layers) == 1
    true_shift = np.subtract(c[1.0], c[0.0])
    assert np.hypot(*(np.array(layers.layers[0].shift) - true_shift)) < 1.5, (layers.layers[0].shift, true_shift)
    mid, mid_plain = ours.frame(0.5), plain.frame(0.5)
    # without layers the disc is a half-transparent ghost at both ends; with them it is whole, midway
    assert psnr(mid, f[0.5]) > psnr(mid_plain, f[0.5]) + 5.0
    assert _disc_error(mid, f[0.5], c[0.5], r) < 0.4 * _disc_error(mid_plain, f[0.5], c[0.5], r)
    for end in (0.0, 1.0):      # where it was and where it will be: the background, not a ghost
        # (the far side of those places, clear of the soft edge of the disc's layer midway)
        probe = np.add(c[end], 0.3 * np.subtract(c[end], c[0.5]))
        assert _disc_error(mid, f[0.5], probe, r - 3) < 0.3 * _disc_error(mid_plain, f[0.5], probe, r - 3)
    assert ours.frame(0.0) is f[0.0] and ours.frame(1.0) is f[1.0]


def test_an_object_layer_travels_smoothly_across_the_pair():
    scene = disc_scene()
    c = scene["centres"]
    it = _pair(scene)
    xs = []
    for t in (0.25, 0.5, 0.75):
        frame = it.frame(t).astype(float)
        # the disc's centre: the centre of mass of where the frame differs from the bare photo
        diff = np.abs(frame - scene["backgrounds"][t if t == 0.5 else 0.0]).sum(axis=2)
        diff[diff < 40] = 0
        ys_, xs_ = np.nonzero(diff)
        xs.append(np.average(xs_, weights=diff[ys_, xs_]) + 0.5)
    # a straight line between its two places at key 0 and key 1 (within the layer's soft edge)
    line = [c[0.0][0] + t * (c[1.0][0] - c[0.0][0]) for t in (0.25, 0.5, 0.75)]
    assert np.allclose(xs, line, atol=3.0), (xs, line)
    assert xs[0] < xs[1] < xs[2]


def test_no_layers_without_a_neighbour_or_where_the_flow_follows_everything(sill_frames):
    scene = disc_scene()
    f = scene["frames"]
    assert Interpolator(f[0.0], f[1.0]).flow.objects is None           # no background to tell them by
    assert _pair(scene, objects=False).flow.objects is None
    img = load("kodim03.png", 240)
    pan = {t: shifted(img, 5.5 * t + 4 * t * t) for t in (-1.0, 0.0, 1.0, 2.0)}
    assert Interpolator(pan[0.0], pan[1.0], before=pan[-1.0], after=pan[2.0]).flow.objects is None
    s = sill_frames                                                    # real hand-held footage
    assert Interpolator(s[10], s[12], before=s[8], after=s[14]).flow.objects is None
