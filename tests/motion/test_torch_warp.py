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
