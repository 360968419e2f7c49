"""Small pieces of flow arithmetic shared by the interpolator and its object layers."""

from __future__ import annotations

import cv2
import numpy as np


def grid(h: int, w: int) -> np.ndarray:
    """The (h, w, 2) float32 pixel positions (x, y) of an h x w picture."""
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return np.dstack([gx, gy])


def sample(field: np.ndarray, grid: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``field`` at ``grid + flow`` (bilinear, the border replicated)."""
    return cv2.remap(field, grid + flow, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def flow_affine(flow: np.ndarray, weights: np.ndarray | None, size: tuple[int, int]
                ) -> tuple[np.ndarray, np.ndarray]:
    """The affine motion ``F(p) = b + A (p - centre)`` that best fits ``flow`` (robustly).

    ``flow`` (h', w', 2) is in output pixels on a grid scaled to the output ``size`` (W, H);
    ``weights`` (h', w') in 0..1 (None: all 1).  Iteratively reweighted least squares with
    Cauchy weights, so independently moving things barely pull the fit.  Returns ``b`` (the
    motion at the picture's centre) and the 2x2 ``A`` (dimensionless).
    """
    fh, fw = flow.shape[:2]
    w, h = size
    step = max(1, min(fh, fw) // 96)              # ~100 samples across: plenty for 6 numbers
    ys, xs = np.mgrid[0:fh:step, 0:fw:step].astype(np.float64)
    xs = (xs + 0.5) * (w / fw) - w / 2.0
    ys = (ys + 0.5) * (h / fh) - h / 2.0
    m = np.stack([np.ones_like(xs), xs, ys], axis=-1).reshape(-1, 3)
    f = flow[::step, ::step].reshape(-1, 2).astype(np.float64)
    base = np.ones(len(m)) if weights is None else weights[::step, ::step].reshape(-1).astype(np.float64)
    wt = base.copy()
    for _ in range(4):
        sw = np.sqrt(wt)[:, None]
        coef = np.linalg.lstsq(m * sw, f * sw, rcond=None)[0]      # (3, 2)
        r = np.hypot(*(f - m @ coef).T)
        scale = 2.385 * max(float(np.median(r)), 0.05)
        wt = base / (1.0 + (r / scale) ** 2)
    return coef[0], coef[1:].T.copy()


def affine_matrix(flow: np.ndarray) -> np.ndarray:
    """The robust affine fit of ``flow`` (:func:`flow_affine`) as the 2x3 matrix that maps a pixel
    ``(x, y)`` of the flow's own grid to where it moves (``cv2.warpAffine`` with
    ``WARP_INVERSE_MAP`` then samples the other picture there)."""
    h, w = flow.shape[:2]
    b, a = flow_affine(flow, None, (w, h))
    centre = np.array([w / 2.0 - 0.5, h / 2.0 - 0.5])     # flow_affine measures from pixel centres
    lin = np.eye(2) + a
    return np.hstack([lin, (b - a @ centre)[:, None]])
