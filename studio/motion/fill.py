"""Fill holes in a picture plausibly: pull-push (pyramid normalised convolution).

The picture is premultiplied by a known-ness weight and reduced with ``cv2.pyrDown`` (image and
weight alike) until it is a few pixels across; going back up, each level keeps its own
normalised colour where enough of it is known and takes the upsampled coarser level elsewhere.
Known pixels keep their exact values; a hole gets a smooth membrane of the colours around it,
with no streaks (unlike diffusion inpainting of large holes) and no black.  The cost is about
two passes over the picture.

:func:`fill_background` is what rendering uses: it works on the hole's bounding box (plus a
margin of context) at a reduced size -- the membrane is smooth, so nothing is lost -- and
pastes the upsampled fill into the hole only, leaving every other pixel exact.  A 1080p frame
with a large hole takes about 15 ms (a full-size pull-push about 110 ms).
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


def fill_background(image: np.ndarray, hole: np.ndarray, max_side: int = 512) -> np.ndarray:
    """``image`` (H, W, 3) uint8 with the pixels where ``hole`` (H, W) bool is set filled in."""
    rows = np.flatnonzero(hole.any(axis=1))
    if rows.size == 0:
        return image.copy()
    cols = np.flatnonzero(hole.any(axis=0))
    h, w = hole.shape
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    margin = max(16, (max(y1 - y0, x1 - x0) + 3) // 4)
    y0, y1, x0, x1 = max(y0 - margin, 0), min(y1 + margin, h), max(x0 - margin, 0), min(x1 + margin, w)
    inside = np.ascontiguousarray(hole[y0:y1, x0:x1]).view(np.uint8)
    known = np.subtract(1, inside, dtype=np.uint8) * np.uint8(255)
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    ch, cw = crop.shape[:2]
    scale = min(1.0, max_side / max(ch, cw))
    sw, sh = max(2, int(round(cw * scale))), max(2, int(round(ch * scale)))
    # uint8 all the way down: zero the hole, area-average, divide by the known fraction
    masked = cv2.bitwise_and(crop, crop, mask=known)
    c_small = cv2.resize(masked, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
    k_small = cv2.resize(known, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32) * (1.0 / 255.0)
    c_small /= np.maximum(k_small, 1.0 / 255.0)[..., None]
    filled = pull_push_fill(c_small, k_small)
    if (sw, sh) != (cw, ch):
        filled = cv2.resize(filled, (cw, ch), interpolation=cv2.INTER_LINEAR)
    filled8 = np.clip(filled + 0.5, 0, 255).astype(np.uint8) if filled.size < 65536 else \
        cv2.convertScaleAbs(filled)
    out = image.copy()
    out[y0:y1, x0:x1] = cv2.copyTo(filled8, inside, crop.copy())
    return out


def _as3(a: np.ndarray, channels: int) -> np.ndarray:
    return a[..., None] if a.ndim == 2 and channels == 1 else a


__all__ = ["fill_background", "pull_push_fill"]
