"""The torch (grid_sample) remap path matches OpenCV's within the documented tolerance."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.motion.conftest import load

pytest.importorskip("torch")

from studio.motion.torch_warp import remap_torch, warp_affine_torch  # noqa: E402


@pytest.fixture
def photo_and_map():
    img = load("coffee.png", 200)
    h, w = img.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    # a smooth field that also samples past every edge
    mx = gx + 7.3 * np.sin(gy / 17) + 3.1
    my = gy + 5.7 * np.cos(gx / 23) - 2.2
    return img, np.dstack([mx, my]).astype(np.float32)


@pytest.mark.parametrize("border,cv_border", [("constant", cv2.BORDER_CONSTANT), ("replicate", cv2.BORDER_REPLICATE)])
def test_torch_remap_matches_opencv_on_a_photo(photo_and_map, border, cv_border):
    img, m = photo_and_map
    ours = remap_torch(img, m, border=border)
    ref = cv2.remap(img, m, None, cv2.INTER_LINEAR, borderMode=cv_border)
    assert ours.dtype == np.uint8 and ours.shape == ref.shape
    assert np.abs(ours.astype(int) - ref).max() <= 1
    f = img.astype(np.float32)
    ours_f = remap_torch(f, m, border=border)
    ref_f = cv2.remap(f, m, None, cv2.INTER_LINEAR, borderMode=cv_border)
    assert np.abs(ours_f - ref_f).max() < 0.02


def test_torch_affine_warp_matches_opencv(photo_and_map):
    img, _ = photo_and_map
    h, w = img.shape[:2]
    matrix = np.array([[1.1, 0.05, -4.3], [-0.03, 0.95, 6.7]])
    ref = cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    assert np.abs(warp_affine_torch(img, matrix, (w, h)).astype(int) - ref).max() <= 1


def test_importing_the_engine_and_motion_modules_does_not_import_torch():
    code = ("import sys, studio.generators.flow_engine, studio.motion.torch_warp, studio.motion.retime; "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=root).returncode == 0


# -- the torch backend of the renderer and the interpolator -------------------------------
def _scenes():
    from studio.motion.spec import Brush, CameraSpec, MotionSpec, Shape

    def square(x0, y0, x1, y1, **values):
        return Brush(shapes=(Shape("polygon", ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), softness=0.4),), **values)

    brushes = MotionSpec((square(0.1, 0.2, 0.45, 0.7, horizontal=3.0, vertical=1.0, proximity=2.0),
                          square(0.55, 0.1, 0.95, 0.5, ambient=5.0)))
    edge = MotionSpec((square(0.0, 0.0, 0.5, 0.4, horizontal=-4.0, ambient=3.0),))
    return [(brushes, None), (brushes, CameraSpec(zoom=3.0, pan=1.0)), (edge, CameraSpec(zoom=-3.0, tilt=1.0)),
            (None, CameraSpec(roll=2.0, truck=1.0))]


@pytest.mark.parametrize("scene", range(4))
def test_torch_renderer_matches_opencv_frames(scene):
    from studio.motion.torch_warp import TorchOps
    from studio.motion.warp import MotionRig
    img = load("kodim03.png", 240)
    h, w = img.shape[:2]
    motion, camera = _scenes()[scene]
    cpu = MotionRig(motion, camera, (w, h), 24, 24)
    gpu = MotionRig(motion, camera, (w, h), 24, 24, backend=TorchOps("cpu"))
    pc, pg = cpu.prepare(img), gpu.prepare(img)
    for t in (0, 5, 23):
        a, b = cpu.render(pc, t), gpu.render(pg, t)
        assert b.dtype == np.uint8 and b.shape == img.shape
        diff = np.abs(a.astype(int) - b)
        assert diff.max() <= 3 and diff.mean() < 0.1, (t, diff.max(), diff.mean())
        if t:
            assert np.abs(a.astype(int) - img).mean() > 1.0   # it moved, so the match means something
    assert np.array_equal(gpu.render(pg, 0), img)


def test_torch_interpolator_matches_opencv(sill_frames):
    from studio.motion.interpolate import Interpolator
    from studio.motion.torch_warp import TorchOps
    a, b = sill_frames[10], sill_frames[12]
    cpu, gpu = Interpolator(a, b), Interpolator(a, b, backend=TorchOps("cpu"))
    for t in (0.25, 0.5, 0.9):
        x, y = cpu.frame(t), gpu.frame(t)
        diff = np.abs(x.astype(int) - y)
        assert diff.max() <= 2 and diff.mean() < 0.5, (t, diff.max(), diff.mean())
    assert gpu.frame(0.0) is a and gpu.frame(1.0) is b
    # with neighbours and a rolling-shutter readout (the path's constant offset) too
    hood = dict(before=sill_frames[8], after=sill_frames[14], readout=0.4)
    cpu, gpu = Interpolator(a, b, **hood), Interpolator(a, b, backend=TorchOps("cpu"), **hood)
    assert cpu.flow.path0.accel is not None
    x, y = cpu.frame(0.5), gpu.frame(0.5)
    diff = np.abs(x.astype(int) - y)
    assert diff.max() <= 2 and diff.mean() < 0.5, (diff.max(), diff.mean())


class _FakeGpu:
    """A device manager that reports a CUDA GPU but hands out the CPU (torch's CPU build)."""

    def accelerator(self):
        return "cuda"

    def kind(self):
        return "cuda"

    def torch_device(self):
        import torch
        return torch.device("cpu")


def test_the_engine_renders_on_torch_when_the_device_manager_has_a_gpu(monkeypatch, sill_frames):
    from fractions import Fraction

    from studio.executor import EvalContext
    from studio.generators import get_engine
    from studio.generators.request import GenerationRequest
    from studio.motion import torch_warp
    from studio.motion.spec import Keyframe, KeyframeSet
    calls = []
    real_finish = torch_warp.TorchOps.finish
    monkeypatch.setattr(torch_warp.TorchOps, "finish", lambda self, c: calls.append(1) or real_finish(self, c))
    img = load("kodim03.png", 200)
    motion, camera = _scenes()[1]
    engine = get_engine("flow")
    req = GenerationRequest(image=img, motion=motion, camera=camera, frames=12, fps=Fraction(24))
    on_gpu = engine.generate(req, EvalContext(devices=_FakeGpu()))
    on_cpu = engine.generate(req, EvalContext())
    assert np.abs(on_gpu.frame(9).astype(int) - on_cpu.frame(9)).max() <= 3
    assert calls, "the torch backend was not used"
    calls.clear()
    keys = KeyframeSet((Keyframe(0, sill_frames[0]), Keyframe(4, sill_frames[4])))
    req = GenerationRequest(keyframes=keys, frames=5, fps=Fraction(24))
    on_gpu = engine.generate(req, EvalContext(devices=_FakeGpu()))
    on_cpu = engine.generate(req, EvalContext())
    assert np.abs(on_gpu.frame(2).astype(int) - on_cpu.frame(2)).max() <= 2
    assert calls, "the keyframe in-betweens did not use the torch backend"


def test_asking_for_a_gpu_on_a_machine_without_one_does_not_import_torch():
    code = ("import sys; from studio.executor.device import DeviceManager, _plainly_no_gpu; "
            "plain = _plainly_no_gpu(); gpu = DeviceManager().accelerator(); "
            "sys.exit(0 if not plain else (3 if gpu else (4 if 'torch' in sys.modules else 0)))")
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=root).returncode == 0


def test_torch_interpolator_matches_opencv_with_object_layers():
    from studio.motion.interpolate import Interpolator
    from studio.motion.torch_warp import TorchOps
    from tests.motion.conftest import disc_scene
    f = disc_scene()["frames"]
    hood = dict(before=f[-1.0], after=f[2.0])
    cpu, gpu = Interpolator(f[0.0], f[1.0], **hood), Interpolator(f[0.0], f[1.0], backend=TorchOps("cpu"), **hood)
    assert cpu.flow.objects is not None
    for t in (0.3, 0.5):
        x, y = cpu.frame(t), gpu.frame(t)
        diff = np.abs(x.astype(int) - y)
        assert diff.max() <= 2 and diff.mean() < 0.5, (t, diff.max(), diff.mean())
