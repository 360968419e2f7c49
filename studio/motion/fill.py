"""Fill holes in a picture plausibly: pull-push (pyramid normalised convolution).

The picture is premultiplied by a known-ness weight and reduced with ``cv2.pyrDown`` (image and
weight alike) until it is a few pixels across; going back up, each level keeps its own
normalised colour where enough of it is known and takes the upsampled coarser level elsewhere.
Known pixels keep their exact values; a hole gets a smooth membrane of the colours around it,
with no streaks (unlike diffusion inpainting of large holes) and no black.  The cost is about
two passes over the picture, so a 1080p fill takes a few tens of milliseconds; it is computed
once per request.
"""

from __future__ import annotations

import cv2
import numpy as np

_EPS = 1e-6
_GAIN = 2.0  # a coarse cell half covered by known pixels is trusted fully


def pull_push_fill(image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``image`` (H, W, C) float32 with the pixels where ``known`` (H, W) is 0 filled in.

    ``known`` is a weight in [0, 1]; where it is 1 the result equals ``image`` exactly.
    When nothing is known the result is mid grey.
    """
    img = np.asarray(image, np.float32)
    w0 = np.clip(np.asarray(known, np.float32), 0.0, 1.0)
    if img.ndim == 2:
        img = img[..., None]
    if not np.any(w0 > 0):
        return np.full(img.shape, 127.5, np.float32)
    prem = [img * w0[..., None]]
    wts = [w0]
    while min(wts[-1].shape[:2]) > 3:
        prem.append(_as3(cv2.pyrDown(prem[-1]), img.shape[2]))
        wts.append(cv2.pyrDown(wts[-1]))
    top_w = wts[-1]
    total = float(top_w.sum())
    mean = prem[-1].reshape(-1, img.shape[2]).sum(axis=0) / max(total, _EPS)
    filled = prem[-1] / np.maximum(top_w, _EPS)[..., None]
    filled = np.where((top_w > _EPS)[..., None], filled, mean.astype(np.float32))
    for level in range(len(prem) - 2, -1, -1):
        h, w = wts[level].shape[:2]
        up = _as3(cv2.pyrUp(filled, dstsize=(w, h)), img.shape[2])
        wl = wts[level]
        own = prem[level] / np.maximum(wl, _EPS)[..., None]
        a = wl if level == 0 else np.minimum(wl * _GAIN, 1.0)
        a = a[..., None]
        filled = up + a * (own - up)
        if level == 0:
            # known pixels exactly, whatever the arithmetic above rounded
            filled = np.where((wl >= 1.0)[..., None], img, filled)
    return filled.astype(np.float32, copy=False)


def _as3(a: np.ndarray, channels: int) -> np.ndarray:
    return a[..., None] if a.ndim == 2 and channels == 1 else a


__all__ = ["pull_push_fill"]
